#include "devices/device_stats.h"

#include <catch2/catch.hpp>

namespace devices {
namespace {

TEST_CASE("DeviceStats: percentiles are nearest-rank over exact values", "[devices]") {
  std::vector<sim::SimTime> v;
  for (int i = 100; i >= 1; --i) v.push_back(i * 10);  // 10..1000, unsorted
  CHECK(PercentileNearestRank(v, 500) == 500);   // rank 50
  CHECK(PercentileNearestRank(v, 900) == 900);   // rank 90
  CHECK(PercentileNearestRank(v, 990) == 990);   // rank 99
  CHECK(PercentileNearestRank(v, 1000) == 1000);
  CHECK(PercentileNearestRank({7, 3, 5}, 500) == 5);  // ceil(1.5) = 2nd smallest
  CHECK(PercentileNearestRank({7, 3, 5}, 990) == 7);
  CHECK(PercentileNearestRank({}, 500) == 0);
}

TEST_CASE("DeviceStats: busy time, depth average and maximum are time-weighted", "[devices]") {
  DeviceStats s(0);
  s.OnSubmit(10);                                   // depth 1 from 10
  s.OnSubmit(20);                                   // depth 2 from 20
  s.OnComplete(40, BlockOp::kRead, 4096, 30, 0);    // depth 1 from 40
  s.OnComplete(50, BlockOp::kWrite, 512, 30, -5);   // idle from 50
  s.OnSubmit(90);                                   // open busy period
  // Busy [10,50) + [90,100) = 50 of 100 ns. Integral: 10*1 + 20*2 + 10*1 + 10*1 = 70.
  CHECK(s.busy_ns(100) == 50);
  CHECK(s.utilisation_ppm(100) == 500000);
  CHECK(s.depth_average_milli(100) == 700);
  CHECK(s.depth_max() == 2);
  CHECK(s.completed(BlockOp::kRead) == 1);
  CHECK(s.bytes(BlockOp::kRead) == 4096);
  CHECK(s.errors(BlockOp::kWrite) == 1);
  CHECK(s.bytes(BlockOp::kWrite) == 0);  // failed requests move no bytes
  CHECK(s.Latency(BlockOp::kRead).p50_ns == 30);
  CHECK(s.LatencyAll().count == 2);
  CHECK(s.Summary(100).find("util=50.00% depth_avg=0.700 depth_max=2") != std::string::npos);
}

}  // namespace
}  // namespace devices
