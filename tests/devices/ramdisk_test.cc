#include "devices/ramdisk.h"

#include <catch2/catch.hpp>

#include <cerrno>
#include <cstdint>

#include "devices/device_stats.h"
#include "sim/check.h"
#include "devices/media.h"
#include "devices/params.h"
#include "sim/prng.h"
#include "tests/devices/device_test_util.h"

namespace devices {
namespace {

using testing::Req;

std::unique_ptr<Ramdisk> MakeRamdisk(sim::Scheduler& sched, RamdiskParams p = {}) {
  std::unique_ptr<Ramdisk> dev;
  sim::Status s = Ramdisk::Create(sched, "ram0", p, &dev);
  REQUIRE(s.ok());
  return dev;
}

TEST_CASE("Ramdisk: latency is the fixed cost plus bytes at the copy rate, exactly", "[devices]") {
  sim::Scheduler sched;
  RamdiskParams p;
  p.access_latency_ns = 1000;
  p.bandwidth_bytes_per_sec = 4'096'000'000;  // 4096 bytes take 1000 ns
  auto dev = MakeRamdisk(sched, p);
  auto r = Req::Make(1, BlockOp::kRead, 0, 8);
  dev->Submit(&r->rq);
  CHECK(dev->in_flight() == 1);
  sched.Run();
  CHECK(r->status == 0);
  CHECK(r->rq.complete_ns == 2000);
  CHECK(r->latency() == 2000);
  CHECK(dev->in_flight() == 0);
}

TEST_CASE("Ramdisk: requests run in parallel up to the queue depth", "[devices]") {
  sim::Scheduler sched;
  RamdiskParams p;
  p.queue_depth_max = 4;
  p.access_latency_ns = 500;
  p.bandwidth_bytes_per_sec = 512'000'000'000;  // 512 bytes: 1 ns
  auto dev = MakeRamdisk(sched, p);
  std::vector<std::unique_ptr<Req>> reqs;
  for (int i = 0; i < 4; ++i) reqs.push_back(Req::Make(i, BlockOp::kRead, i, 1));
  for (auto& r : reqs) dev->Submit(&r->rq);
  // A fifth would exceed the limit: the block layer's bug, a violation.
  auto extra = Req::Make(9, BlockOp::kRead, 0, 1);
  CHECK_THROWS_AS(dev->Submit(&extra->rq), sim::Violation);
  sched.Run();
  for (auto& r : reqs) CHECK(r->rq.complete_ns == 501);
  CHECK(dev->stats().depth_max() == 4);
}

TEST_CASE("Ramdisk: write then read returns the bytes; unwritten reads the pattern", "[devices]") {
  sim::Scheduler sched;
  auto dev = MakeRamdisk(sched);
  auto w = Req::Make(1, BlockOp::kWrite, 16, 4, 0x77);
  dev->Submit(&w->rq);
  sched.Run();
  auto r = Req::Make(2, BlockOp::kRead, 14, 8);
  dev->Submit(&r->rq);
  sched.Run();
  REQUIRE(r->status == 0);
  std::vector<uint8_t> pattern(2 * kSectorSize);
  dev->media().FillPattern(14, 2, pattern.data());
  CHECK(std::vector<uint8_t>(r->buf.begin(), r->buf.begin() + 1024) == pattern);
  CHECK(std::vector<uint8_t>(r->buf.begin() + 1024, r->buf.begin() + 3072) ==
        std::vector<uint8_t>(2048, 0x77));
  CHECK(dev->stats().completed(BlockOp::kWrite) == 1);
  CHECK(dev->stats().bytes(BlockOp::kRead) == 4096);
}

TEST_CASE("Ramdisk: a range past capacity completes with -EIO; bad shapes are violations", "[devices]") {
  sim::Scheduler sched;
  RamdiskParams p;
  p.capacity_bytes = 64 * 512;
  p.logical_block_bytes = 4096;
  auto dev = MakeRamdisk(sched, p);
  auto past = Req::Make(1, BlockOp::kRead, 56, 16);
  dev->Submit(&past->rq);
  sched.Run();
  CHECK(past->status == -EIO);
  CHECK(dev->stats().errors(BlockOp::kRead) == 1);
  auto misaligned = Req::Make(2, BlockOp::kRead, 4, 8);
  CHECK_THROWS_AS(dev->Submit(&misaligned->rq), sim::Violation);
  auto empty = Req::Make(3, BlockOp::kWrite, 0, 0);
  CHECK_THROWS_AS(dev->Submit(&empty->rq), sim::Violation);
  auto nodone = Req::Make(4, BlockOp::kRead, 0, 8);
  nodone->rq.done = nullptr;
  CHECK_THROWS_AS(dev->Submit(&nodone->rq), sim::Violation);
}

TEST_CASE("Ramdisk: completion may submit the next request from the callback", "[devices]") {
  sim::Scheduler sched;
  auto dev = MakeRamdisk(sched);
  std::vector<std::unique_ptr<Req>> reqs;
  for (int i = 0; i < 3; ++i) reqs.push_back(Req::Make(i, BlockOp::kRead, 8 * i, 8));
  const sim::SimTime end = testing::RunQd1(sched, *dev, reqs);
  // Each: 1000 ns + ceil(4096 * 1e9 / 1e10) = 410 ns.
  CHECK(end == 3 * 1410);
  CHECK(dev->stats().depth_max() == 1);
}

}  // namespace
}  // namespace devices

namespace devices {
namespace {

TEST_CASE("Ramdisk: submissions and completions are in the trace", "[devices]") {
  sim::Scheduler sched;
  sched.trace().KeepRecords(true);
  auto dev = MakeRamdisk(sched);
  auto r = testing::Req::Make(42, BlockOp::kWrite, 8, 8, 1);
  dev->Submit(&r->rq);
  sched.Run();
  std::vector<std::string> lines;
  for (const auto& rec : sched.trace().records()) {
    const std::string& kind = sched.trace().kind(rec.kind).name;
    if (kind.rfind("dev.", 0) != 0) continue;
    std::string line = kind + " t=" + std::to_string(rec.time);
    for (int i = 0; i < rec.nvalues; ++i) line += " " + std::to_string(rec.values[i]);
    lines.push_back(line);
  }
  const std::string id = std::to_string(DeviceTraceId("ram0"));
  CHECK(lines == std::vector<std::string>{
                     "dev.attach t=0 " + id + " 2097152 256",
                     "dev.submit t=0 " + id + " 42 1 8 8 0",
                     "dev.complete t=1410 " + id + " 42 1 0 1410",
                 });
}

}  // namespace
}  // namespace devices

namespace devices {
namespace {

// TransferNs divides in 64 bits below 8 GiB; the quotient must be the
// 128-bit one at the edges of that range and of the rates.
TEST_CASE("TransferNs: the 64-bit path gives the 128-bit quotient", "[devices]") {
  const uint64_t edge = uint64_t{1} << 33;
  const int64_t rates[] = {1, 3, 512, 999'999'937, 10'000'000'000, int64_t{1} << 50,
                           INT64_MAX - 1, INT64_MAX};
  const uint64_t sizes[] = {0, 1, 512, 4096, 1'000'000'007, edge - 1, edge, edge + 1};
  for (int64_t rate : rates) {
    for (uint64_t bytes : sizes) {
      CAPTURE(rate, bytes);
      CHECK(TransferNs(bytes, rate) == TransferNsWide(bytes, rate));
    }
  }
  sim::Prng rng(11);
  for (int i = 0; i < 100000; ++i) {
    const uint64_t bytes = rng.Uniform(edge + 4);
    const int64_t rate = static_cast<int64_t>(1 + rng.Uniform(uint64_t{1} << (1 + i % 62)));
    CAPTURE(rate, bytes);
    REQUIRE(TransferNs(bytes, rate) == TransferNsWide(bytes, rate));
  }
}

}  // namespace
}  // namespace devices
