// Ramdisk: memory as a block device, in the shape of Linux's brd. Every
// request costs a fixed access latency plus its bytes at the copy bandwidth;
// requests are served in parallel (no shared resource) up to the queue depth.
// There is no volatile cache: a completed write is persisted (the model is of
// a memory that outlives the modelled power cut, like pmem; power cuts only
// abort requests in flight).
//
// Defaults: brd on a current x86-64 server core: ~1 us to enter and leave
// the driver, memcpy at ~10 GB/s (4 KiB: 1 us + 410 ns).
#ifndef AIOSIM_DEVICES_RAMDISK_H_
#define AIOSIM_DEVICES_RAMDISK_H_

#include <memory>
#include <span>
#include <string>

#include "devices/model_device.h"
#include "devices/params.h"
#include "sim/status.h"

namespace devices {

struct RamdiskParams {
  int64_t capacity_bytes = int64_t{1} << 30;   // 1 GiB
  int64_t logical_block_bytes = 512;
  int64_t queue_depth_max = 256;
  int64_t access_latency_ns = 1000;                   // per request
  int64_t bandwidth_bytes_per_sec = 10'000'000'000;  // copy rate

  static std::span<const ParamField<RamdiskParams>> Table();
  sim::Status Validate(std::string_view device) const;
};

class Ramdisk : public ModelDevice {
 public:
  // Validates, then builds. On error *out is untouched.
  static sim::Status Create(sim::Scheduler& sched, std::string name, const RamdiskParams& params,
                            std::unique_ptr<Ramdisk>* out);

  std::string_view kind() const override { return "ramdisk"; }
  const RamdiskParams& params() const { return params_; }

 protected:
  ServicePlan Plan(const BlockRequest& rq, sim::SimTime now) override;
  void OnPowerCut(sim::SimTime now) override {}

 private:
  Ramdisk(sim::Scheduler& sched, std::string name, const RamdiskParams& params);
  RamdiskParams params_;
};

}  // namespace devices

#endif  // AIOSIM_DEVICES_RAMDISK_H_
