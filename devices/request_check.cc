#include "devices/request_check.h"

#include "sim/check.h"

namespace devices {

namespace {

// The checks of a read, write or discard, in order, each with its message.
void CheckDataRequest(const BlockDevice& dev, const BlockRequest& rq) {
  SIM_CHECK(static_cast<uint8_t>(rq.op) < kNumBlockOps)
      << "device " << dev.name() << ": request " << rq.id << " has unknown op "
      << static_cast<int>(rq.op);
  SIM_CHECK(rq.sectors > 0) << "device " << dev.name() << ": " << BlockOpName(rq.op)
                            << " request " << rq.id << " has 0 sectors";
  const uint32_t lbs = dev.logical_block_size() / kSectorSize;
  SIM_CHECK(rq.sector % lbs == 0 && rq.sectors % lbs == 0)
      << "device " << dev.name() << ": " << BlockOpName(rq.op) << " request " << rq.id
      << " sector " << rq.sector << " + " << rq.sectors << " is not aligned to the "
      << dev.logical_block_size() << "-byte logical block";
  if (rq.op == BlockOp::kRead || rq.op == BlockOp::kWrite) {
    SIM_CHECK(rq.data != nullptr) << "device " << dev.name() << ": " << BlockOpName(rq.op)
                                  << " request " << rq.id << " has no data buffer";
  }
}

}  // namespace

// The checks in CheckRequest's order, each with its message: the first that
// fails raises.
void ReportBadRequest(const BlockDevice& dev, const BlockRequest& rq) {
  SIM_CHECK(dev.in_flight() < dev.queue_depth_max())
      << "device " << dev.name() << ": request " << rq.id << " submitted with " << dev.in_flight()
      << " in flight, queue depth limit " << dev.queue_depth_max();
  SIM_CHECK(static_cast<bool>(rq.done)) << "device " << dev.name() << ": request " << rq.id
                                        << " has no completion callback";
  if (rq.op == BlockOp::kFlush) {
    SIM_CHECK(rq.sectors == 0) << "device " << dev.name() << ": flush request " << rq.id
                               << " carries " << rq.sectors << " sectors";
  } else {
    CheckDataRequest(dev, rq);
  }
  // Reached only if CheckRequest's predicate and these checks disagree.
  SIM_CHECK(false) << "device " << dev.name() << ": request " << rq.id
                   << " failed CheckRequest, but no check here says why";
}

}  // namespace devices
