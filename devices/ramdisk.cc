#include "devices/ramdisk.h"

namespace devices {

namespace {
constexpr ParamField<RamdiskParams> kTable[] = {
    {"capacity_bytes", "bytes", &RamdiskParams::capacity_bytes,
     "device size; a positive multiple of 512 and of logical_block_bytes"},
    {"logical_block_bytes", "bytes", &RamdiskParams::logical_block_bytes,
     "smallest addressable unit (a power of two, 512..65536)"},
    {"queue_depth_max", "count", &RamdiskParams::queue_depth_max,
     "requests in flight at once (1..65536)"},
    {"access_latency_ns", "ns", &RamdiskParams::access_latency_ns,
     "fixed cost per request (brd: ~1 us to enter and leave the driver)"},
    {"bandwidth_bytes_per_sec", "bytes/s", &RamdiskParams::bandwidth_bytes_per_sec,
     "copy rate (memcpy on a current x86-64 core: ~10 GB/s)"},
};
}  // namespace

std::span<const ParamField<RamdiskParams>> RamdiskParams::Table() { return kTable; }

sim::Status RamdiskParams::Validate(std::string_view device) const {
  sim::Status s = CheckCapacity(device, capacity_bytes, logical_block_bytes);
  if (s.ok()) s = CheckRange(device, "queue_depth_max", queue_depth_max, 1, 65536);
  if (s.ok()) s = CheckRange(device, "access_latency_ns", access_latency_ns, 0, sim::kSecond);
  if (s.ok()) {
    s = CheckRange(device, "bandwidth_bytes_per_sec", bandwidth_bytes_per_sec, 1,
                   int64_t{1} << 50);
  }
  return s;
}

sim::Status Ramdisk::Create(sim::Scheduler& sched, std::string name, const RamdiskParams& params,
                            std::unique_ptr<Ramdisk>* out) {
  sim::Status s = params.Validate(name);
  if (!s.ok()) return s;
  out->reset(new Ramdisk(sched, std::move(name), params));
  return s;
}

Ramdisk::Ramdisk(sim::Scheduler& sched, std::string name, const RamdiskParams& params)
    : ModelDevice(sched, std::move(name),
                  CommonParams{static_cast<uint64_t>(params.capacity_bytes) / kSectorSize,
                               static_cast<uint32_t>(params.logical_block_bytes),
                               static_cast<uint32_t>(params.queue_depth_max), false}),
      params_(params) {
  EmitAttach();
}

ServicePlan Ramdisk::Plan(const BlockRequest& rq, sim::SimTime now) {
  ServicePlan plan;
  plan.start_ns = now;
  const uint64_t bytes = (rq.op == BlockOp::kRead || rq.op == BlockOp::kWrite) ? rq.bytes() : 0;
  plan.complete_ns = now + params_.access_latency_ns + TransferNs(bytes, params_.bandwidth_bytes_per_sec);
  return plan;
}

}  // namespace devices
