#include "devices/device_stats.h"

#include <algorithm>

#include "sim/check.h"

namespace devices {

namespace {

// The reports of the per-request checks, out of line: a SIM_CHECK's message
// builder inside a function makes every call of it set up a full frame (with
// a stack-protector canary), even when the check passes.
[[gnu::cold, gnu::noinline]] void ReportTimeWentBack(sim::SimTime last_change_ns, sim::SimTime now) {
  SIM_CHECK(now >= last_change_ns) << "device stats: time went back from " << last_change_ns
                                   << " to " << now;
}
[[gnu::cold, gnu::noinline]] void ReportNothingInFlight(uint32_t depth) {
  SIM_CHECK(depth > 0) << "device stats: completion with nothing in flight";
}

}  // namespace

sim::SimTime PercentileNearestRank(std::vector<sim::SimTime> values, uint32_t permille) {
  SIM_CHECK(permille >= 1 && permille <= 1000) << "percentile " << permille << " permille";
  if (values.empty()) return 0;
  const uint64_t n = values.size();
  // rank = ceil(permille * n / 1000), 1-based.
  const uint64_t rank = (uint64_t{permille} * n + 999) / 1000;
  const auto k = static_cast<std::ptrdiff_t>(rank - 1);
  std::nth_element(values.begin(), values.begin() + k, values.end());
  return values[static_cast<size_t>(k)];
}

void DeviceStats::Advance(sim::SimTime now) {
  if (now < last_change_ns_) [[unlikely]] ReportTimeWentBack(last_change_ns_, now);
  depth_integral_ += static_cast<unsigned __int128>(depth_) *
                     static_cast<uint64_t>(now - last_change_ns_);
  last_change_ns_ = now;
}

void DeviceStats::OnSubmit(sim::SimTime now) {
  Advance(now);
  if (depth_ == 0) busy_since_ns_ = now;
  ++depth_;
  depth_max_ = std::max(depth_max_, depth_);
}

void DeviceStats::OnComplete(sim::SimTime now, BlockOp op, uint64_t bytes, sim::SimTime latency_ns,
                             int status) {
  if (depth_ == 0) [[unlikely]] ReportNothingInFlight(depth_);
  Advance(now);
  --depth_;
  if (depth_ == 0) busy_closed_ns_ += now - busy_since_ns_;
  const size_t i = Index(op);
  ++completed_[i];
  if (status != 0) {
    ++errors_[i];
  } else {
    bytes_[i] += bytes;
  }
  latencies_[i].push_back(latency_ns);
}

uint64_t DeviceStats::completed_total() const {
  uint64_t n = 0;
  for (uint64_t c : completed_) n += c;
  return n;
}

sim::SimTime DeviceStats::busy_ns(sim::SimTime now) const {
  return busy_closed_ns_ + (depth_ > 0 ? now - busy_since_ns_ : 0);
}

uint64_t DeviceStats::utilisation_ppm(sim::SimTime now) const {
  const sim::SimTime elapsed = elapsed_ns(now);
  if (elapsed <= 0) return 0;
  return static_cast<uint64_t>(static_cast<unsigned __int128>(busy_ns(now)) * 1000000u /
                               static_cast<uint64_t>(elapsed));
}

uint64_t DeviceStats::depth_average_milli(sim::SimTime now) const {
  const sim::SimTime elapsed = elapsed_ns(now);
  if (elapsed <= 0) return 0;
  const unsigned __int128 integral =
      depth_integral_ + static_cast<unsigned __int128>(depth_) * static_cast<uint64_t>(now - last_change_ns_);
  return static_cast<uint64_t>(integral * 1000u / static_cast<uint64_t>(elapsed));
}

LatencySummary DeviceStats::Summarize(const std::vector<sim::SimTime>& v) {
  LatencySummary s;
  s.count = v.size();
  if (v.empty()) return s;
  s.p50_ns = PercentileNearestRank(v, 500);
  s.p90_ns = PercentileNearestRank(v, 900);
  s.p99_ns = PercentileNearestRank(v, 990);
  s.max_ns = *std::max_element(v.begin(), v.end());
  return s;
}

LatencySummary DeviceStats::Latency(BlockOp op) const { return Summarize(latencies_[Index(op)]); }

LatencySummary DeviceStats::LatencyAll() const {
  std::vector<sim::SimTime> all;
  for (const auto& v : latencies_) all.insert(all.end(), v.begin(), v.end());
  return Summarize(all);
}

std::string DeviceStats::Summary(sim::SimTime now) const {
  std::string s;
  for (int i = 0; i < kNumBlockOps; ++i) {
    const auto op = static_cast<BlockOp>(i);
    s += std::string(BlockOpName(op)) + "s=" + std::to_string(completed_[i]);
    if (errors_[i] > 0) s += "(" + std::to_string(errors_[i]) + " err)";
    s += " ";
  }
  const uint64_t util = utilisation_ppm(now);
  const uint64_t depth = depth_average_milli(now);
  auto fixed = [](uint64_t v, uint64_t scale, int digits) {
    std::string frac = std::to_string(v % scale);
    frac.insert(0, static_cast<size_t>(digits) - frac.size(), '0');
    return std::to_string(v / scale) + "." + frac;
  };
  s += "util=" + fixed(util / 100, 100, 2) + "% depth_avg=" + fixed(depth, 1000, 3) +
       " depth_max=" + std::to_string(depth_max_);
  return s;
}

}  // namespace devices
