#include "devices/request_check.h"

#include "sim/check.h"

namespace devices {

// Each case restates its check as the failing condition, so the violation
// reads as it would from a plain SIM_CHECK at the REQUIRES.
void ReportBadRequest(const BlockDevice& dev, const BlockRequest& rq, RequestFault fault) {
  switch (fault) {
    case RequestFault::kQueueFull:
      SIM_CHECK(dev.in_flight() < dev.queue_depth_max())
          << "device " << dev.name() << ": request " << rq.id << " submitted with " << dev.in_flight()
          << " in flight, queue depth limit " << dev.queue_depth_max();
      break;
    case RequestFault::kNoCallback:
      SIM_CHECK(rq.done != nullptr) << "device " << dev.name() << ": request " << rq.id
                                    << " has no completion callback";
      break;
    case RequestFault::kFlushWithSectors:
      SIM_CHECK(rq.sectors == 0) << "device " << dev.name() << ": flush request " << rq.id << " carries "
                                 << rq.sectors << " sectors";
      break;
    case RequestFault::kUnknownOp:
      SIM_CHECK(static_cast<uint8_t>(rq.op) < kNumBlockOps)
          << "device " << dev.name() << ": request " << rq.id << " has unknown op " << static_cast<int>(rq.op);
      break;
    case RequestFault::kNoSectors:
      SIM_CHECK(rq.sectors > 0) << "device " << dev.name() << ": " << BlockOpName(rq.op) << " request "
                                << rq.id << " has 0 sectors";
      break;
    case RequestFault::kMisaligned: {
      const uint32_t lbs = dev.logical_block_size() / kSectorSize;
      SIM_CHECK(rq.sector % lbs == 0 && rq.sectors % lbs == 0)
          << "device " << dev.name() << ": " << BlockOpName(rq.op) << " request " << rq.id << " sector "
          << rq.sector << " + " << rq.sectors << " is not aligned to the " << dev.logical_block_size()
          << "-byte logical block";
      break;
    }
    case RequestFault::kNoData:
      SIM_CHECK(rq.data != nullptr) << "device " << dev.name() << ": " << BlockOpName(rq.op) << " request "
                                    << rq.id << " has no data buffer";
      break;
    case RequestFault::kNone:
      break;
  }
  SIM_CHECK(false) << "device " << dev.name() << ": request " << rq.id << " reported without a fault";
  __builtin_unreachable();
}

}  // namespace devices
