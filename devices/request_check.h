// CheckRequest: the REQUIRES of BlockDevice::Submit (block_device.h), shared
// by every implementation. A failure is a bug in the caller (the block layer)
// and raises a SIM_CHECK violation naming the device and the request.
#ifndef AIOSIM_DEVICES_REQUEST_CHECK_H_
#define AIOSIM_DEVICES_REQUEST_CHECK_H_

#include <cstdint>

#include "devices/block_device.h"

namespace devices {

// Raises the violation for a request that CheckRequest found broken.
[[gnu::cold, gnu::noinline]] void ReportBadRequest(const BlockDevice& dev, const BlockRequest& rq);

// Inline, with the reports out of line: every request is checked, and a
// device checking its own request then reads its depth and block size
// without virtual calls (ModelDevice's accessors are final).
inline void CheckRequest(const BlockDevice& dev, const BlockRequest& rq) {
  bool ok = dev.in_flight() < dev.queue_depth_max() && static_cast<bool>(rq.done);
  if (ok) {
    if (rq.op == BlockOp::kFlush) {
      ok = rq.sectors == 0;
    } else {
      const uint32_t lbs = dev.logical_block_size() / kSectorSize;
      ok = static_cast<uint8_t>(rq.op) < kNumBlockOps && rq.sectors > 0 && rq.sector % lbs == 0 &&
           rq.sectors % lbs == 0 && ((rq.op != BlockOp::kRead && rq.op != BlockOp::kWrite) || rq.data != nullptr);
    }
  }
  if (!ok) [[unlikely]] ReportBadRequest(dev, rq);
}

// True when the request's range lies inside the device (kFlush: always).
// Inline: every request asks, and a device asking about itself then reads
// its capacity without a virtual call (ModelDevice's accessors are final).
inline bool RequestInRange(const BlockDevice& dev, const BlockRequest& rq) {
  if (rq.op == BlockOp::kFlush) return true;
  const uint64_t cap = dev.capacity_sectors();
  return rq.sector < cap && rq.sectors <= cap - rq.sector;
}

}  // namespace devices

#endif  // AIOSIM_DEVICES_REQUEST_CHECK_H_
