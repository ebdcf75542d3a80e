// CheckRequest: the REQUIRES of BlockDevice::Submit (block_device.h), shared
// by every implementation. A failure is a bug in the caller (the block layer)
// and raises a SIM_CHECK violation naming the device and the request.
#ifndef AIOSIM_DEVICES_REQUEST_CHECK_H_
#define AIOSIM_DEVICES_REQUEST_CHECK_H_

#include <cstdint>

#include "devices/block_device.h"

namespace devices {

// What is wrong with a submitted request, the first broken REQUIRES in
// this order; kNone when nothing is.
enum class RequestFault : uint8_t {
  kNone,
  kQueueFull,         // in_flight() has reached queue_depth_max()
  kNoCallback,        // done is null
  kFlushWithSectors,  // a flush carries sectors
  kUnknownOp,
  kNoSectors,         // a read, write or discard of 0 sectors
  kMisaligned,        // not whole logical blocks
  kNoData,            // a read or write without a data buffer
};

// Inline: every request is checked, and a device checking its own request
// then reads its depth and block size without virtual calls (ModelDevice's
// accessors are final).
inline RequestFault FindRequestFault(const BlockDevice& dev, const BlockRequest& rq) {
  if (dev.in_flight() >= dev.queue_depth_max()) return RequestFault::kQueueFull;
  if (!rq.done) return RequestFault::kNoCallback;
  if (rq.op == BlockOp::kFlush) return rq.sectors == 0 ? RequestFault::kNone : RequestFault::kFlushWithSectors;
  if (static_cast<uint8_t>(rq.op) >= kNumBlockOps) return RequestFault::kUnknownOp;
  if (rq.sectors == 0) return RequestFault::kNoSectors;
  const uint32_t lbs = dev.logical_block_size() / kSectorSize;
  if (rq.sector % lbs != 0 || rq.sectors % lbs != 0) return RequestFault::kMisaligned;
  if ((rq.op == BlockOp::kRead || rq.op == BlockOp::kWrite) && rq.data == nullptr) return RequestFault::kNoData;
  return RequestFault::kNone;
}

// Raises the violation for `fault`, naming the device and the request. Out
// of line and cold: only a broken caller gets here.
[[noreturn, gnu::cold, gnu::noinline]] void ReportBadRequest(const BlockDevice& dev, const BlockRequest& rq,
                                                               RequestFault fault);

inline void CheckRequest(const BlockDevice& dev, const BlockRequest& rq) {
  if (const RequestFault f = FindRequestFault(dev, rq); f != RequestFault::kNone) [[unlikely]] {
    ReportBadRequest(dev, rq, f);
  }
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
