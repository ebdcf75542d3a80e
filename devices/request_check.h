// CheckRequest: the REQUIRES of BlockDevice::Submit (block_device.h), shared
// by every implementation. A failure is a bug in the caller (the block layer)
// and raises a SIM_CHECK violation naming the device and the request.
#ifndef AIOSIM_DEVICES_REQUEST_CHECK_H_
#define AIOSIM_DEVICES_REQUEST_CHECK_H_

#include <cstdint>

#include "devices/block_device.h"

namespace devices {

void CheckRequest(const BlockDevice& dev, const BlockRequest& rq);

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
