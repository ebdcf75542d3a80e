// DeviceStats: what a device did, as seen at its interface.
//
// - per op: requests completed, errors, bytes;
// - busy time: virtual time with at least one request in flight
//   (utilisation = busy / elapsed, reported in parts per million);
// - queue depth: maximum and the time-weighted average (integral of depth
//   over time, in request-nanoseconds);
// - latency (submit to completion) of every completed request, kept exactly;
//   percentiles are nearest-rank over the sorted values with integer
//   arithmetic: the p-th percentile of n values is the ceil(p*n/100)-th
//   smallest (p in per-mille to allow p99.9).
// Observation starts at the device's construction time.
#ifndef AIOSIM_DEVICES_DEVICE_STATS_H_
#define AIOSIM_DEVICES_DEVICE_STATS_H_

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "devices/block_device.h"
#include "sim/time.h"

namespace devices {

struct LatencySummary {
  uint64_t count = 0;
  sim::SimTime p50_ns = 0, p90_ns = 0, p99_ns = 0, max_ns = 0;
};

// Nearest-rank percentile, permille in [1, 1000], of unsorted values; 0 when empty.
sim::SimTime PercentileNearestRank(std::vector<sim::SimTime> values, uint32_t permille);

class DeviceStats {
 public:
  explicit DeviceStats(sim::SimTime start_ns = 0) : start_ns_(start_ns), last_change_ns_(start_ns) {}

  // Called by the device at submission and at completion (depth changes).
  void OnSubmit(sim::SimTime now);
  void OnComplete(sim::SimTime now, BlockOp op, uint64_t bytes, sim::SimTime latency_ns, int status);

  uint64_t completed(BlockOp op) const { return completed_[Index(op)]; }
  uint64_t errors(BlockOp op) const { return errors_[Index(op)]; }
  uint64_t bytes(BlockOp op) const { return bytes_[Index(op)]; }
  uint64_t completed_total() const;
  uint32_t depth() const { return depth_; }
  uint32_t depth_max() const { return depth_max_; }

  // The following take the present time so an open busy period counts.
  sim::SimTime busy_ns(sim::SimTime now) const;
  sim::SimTime elapsed_ns(sim::SimTime now) const { return now - start_ns_; }
  uint64_t utilisation_ppm(sim::SimTime now) const;        // busy / elapsed * 10^6
  uint64_t depth_average_milli(sim::SimTime now) const;    // time-weighted, x1000

  const std::vector<sim::SimTime>& latencies_ns(BlockOp op) const { return latencies_[Index(op)]; }
  LatencySummary Latency(BlockOp op) const;
  LatencySummary LatencyAll() const;

  // One line for reports: "reads=10 writes=2 ... util=12.5% depth_avg=0.812".
  std::string Summary(sim::SimTime now) const;

 private:
  static size_t Index(BlockOp op) { return static_cast<size_t>(op); }
  void Advance(sim::SimTime now);
  static LatencySummary Summarize(const std::vector<sim::SimTime>& v);

  sim::SimTime start_ns_;
  sim::SimTime last_change_ns_;
  uint32_t depth_ = 0;
  uint32_t depth_max_ = 0;
  sim::SimTime busy_closed_ns_ = 0;  // busy time of finished busy periods
  sim::SimTime busy_since_ns_ = 0;   // start of the open busy period (depth_ > 0)
  unsigned __int128 depth_integral_ = 0;  // request-ns up to last_change_ns_
  std::array<uint64_t, kNumBlockOps> completed_{};
  std::array<uint64_t, kNumBlockOps> errors_{};
  std::array<uint64_t, kNumBlockOps> bytes_{};
  std::array<std::vector<sim::SimTime>, kNumBlockOps> latencies_;
};

}  // namespace devices

#endif  // AIOSIM_DEVICES_DEVICE_STATS_H_
