#include "devices/ssd.h"

#include <catch2/catch.hpp>

#include "devices/device_stats.h"
#include "devices/media.h"
#include "sim/check.h"
#include "tests/devices/device_test_util.h"

namespace devices {
namespace {

using testing::Req;

// Two channels of two dies; 4 KiB pages; round numbers: 10 us overhead,
// tR 50 us, tPROG 200 us, a page crosses the channel in 10 us and the host
// link in 1 us. Page p: channel p % 2, die (p / 2) % 2 on it.
SsdParams HandSsd() {
  SsdParams p;
  p.capacity_bytes = 1 << 30;
  p.channels = 2;
  p.dies_per_channel = 2;
  p.page_bytes = 4096;
  p.read_page_ns = 50'000;
  p.program_page_ns = 200'000;
  p.channel_bytes_per_sec = 409'600'000;
  p.host_bytes_per_sec = 4'096'000'000;
  p.command_overhead_ns = 10'000;
  p.write_cache = 0;
  return p;
}

std::unique_ptr<Ssd> MakeSsd(sim::Scheduler& sched, const SsdParams& p, std::string name = "nvme0") {
  std::unique_ptr<Ssd> dev;
  sim::Status s = Ssd::Create(sched, std::move(name), p, &dev);
  INFO(s.message());
  REQUIRE(s.ok());
  return dev;
}

// Latencies of two one-page reads submitted together at time 0.
std::pair<sim::SimTime, sim::SimTime> TwoReads(uint64_t page_a, uint64_t page_b) {
  sim::Scheduler sched;
  auto dev = MakeSsd(sched, HandSsd());
  std::vector<std::unique_ptr<Req>> reqs;
  reqs.push_back(Req::Make(1, BlockOp::kRead, page_a * 8, 8));
  reqs.push_back(Req::Make(2, BlockOp::kRead, page_b * 8, 8));
  testing::SubmitAllAndRun(sched, *dev, reqs);
  return {reqs[0]->rq.complete_ns, reqs[1]->rq.complete_ns};
}

TEST_CASE("Ssd: pages map to (channel, die) by page number", "[devices]") {
  sim::Scheduler sched;
  auto dev = MakeSsd(sched, HandSsd());
  CHECK(dev->ChannelOf(0) == 0);
  CHECK(dev->ChannelOf(1) == 1);
  CHECK(dev->DieOf(0) == 0);
  CHECK(dev->DieOf(2) == 1);  // channel 0, second die
  CHECK(dev->DieOf(4) == 0);
  CHECK(dev->DieOf(3) == 3);
}

TEST_CASE("Ssd: reads on different dies overlap; on one die they serialize", "[devices]") {
  // Alone: 10 (overhead) + 50 (tR) + 10 (channel) + 1 (host) = 71 us.
  SECTION("different channel and die: both 71 us") {
    CHECK(TwoReads(0, 1) == std::pair<sim::SimTime, sim::SimTime>{71'000, 71'000});
  }
  SECTION("same channel, different die: senses overlap, transfers queue: 71 and 81 us") {
    CHECK(TwoReads(0, 2) == std::pair<sim::SimTime, sim::SimTime>{71'000, 81'000});
  }
  SECTION("same die: the second senses after the first's transfer: 71 and 131 us") {
    // die busy until 70; sense 70-120; transfer 120-130; host 1 -> 131.
    CHECK(TwoReads(0, 4) == std::pair<sim::SimTime, sim::SimTime>{71'000, 131'000});
  }
}

TEST_CASE("Ssd: a multi-page read spreads over the dies", "[devices]") {
  sim::Scheduler sched;
  auto dev = MakeSsd(sched, HandSsd());
  // Pages 0..3 are on 4 distinct dies, two per channel: senses end at 60,
  // transfers per channel 60-70 and 70-80; host transfer of 16 KiB is 4 us.
  auto r = Req::Make(1, BlockOp::kRead, 0, 32);
  dev->Submit(&r->rq);
  sched.Run();
  CHECK(r->rq.complete_ns == 84'000);
}

TEST_CASE("Ssd: write-through programs hold the die", "[devices]") {
  sim::Scheduler sched;
  auto dev = MakeSsd(sched, HandSsd());
  // Write page 0: 10 overhead + 1 host, channel 11-21, program 21-221.
  // A read of page 4 (same die) submitted at 0 senses at 221, transfers
  // 271-281, done 282.
  std::vector<std::unique_ptr<Req>> reqs;
  reqs.push_back(Req::Make(1, BlockOp::kWrite, 0, 8, 0x33));
  reqs.push_back(Req::Make(2, BlockOp::kRead, 32, 8));
  testing::SubmitAllAndRun(sched, *dev, reqs);
  CHECK(reqs[0]->rq.complete_ns == 221'000);
  CHECK(reqs[1]->rq.complete_ns == 282'000);
  CHECK(dev->stats().Latency(BlockOp::kWrite).max_ns == 221'000);
}

TEST_CASE("Ssd: buffered writes are fast, volatile until flush, and flush programs them",
          "[devices]") {
  sim::Scheduler sched;
  SsdParams p = HandSsd();
  p.write_cache = 1;
  p.write_cache_bytes = 64 * 4096;
  auto dev = MakeSsd(sched, p);
  std::vector<std::unique_ptr<Req>> reqs;
  reqs.push_back(Req::Make(1, BlockOp::kWrite, 0, 8, 0x44));   // page 0, die 0
  reqs.push_back(Req::Make(2, BlockOp::kWrite, 32, 8, 0x55));  // page 4, die 0
  reqs.push_back(Req::Make(3, BlockOp::kRead, 0, 8));          // from the buffer
  testing::RunQd1(sched, *dev, reqs);
  CHECK(reqs[0]->latency() == 11'000);  // overhead + host
  CHECK(reqs[2]->latency() == 11'000);
  CHECK(reqs[2]->buf == std::vector<uint8_t>(4096, 0x44));
  CHECK(dev->media().volatile_sectors() == 16);
  CHECK(dev->buffered_pages() == 2);

  SECTION("a power cut loses them") {
    dev->PowerCut();
    std::vector<uint8_t> out(4096), pattern(4096);
    dev->media().Read(0, 8, out.data());
    dev->media().FillPattern(0, 8, pattern.data());
    CHECK(out == pattern);
  }
  SECTION("a flush programs both pages on die 0 one after the other, then they survive") {
    auto f = Req::Make(4, BlockOp::kFlush, 0, 0);
    const sim::SimTime t0 = sched.Now();
    dev->Submit(&f->rq);
    sched.Run();
    // page 0: channel 10-20, program 20-220; page 4: channel 220-230,
    // program 230-430.
    CHECK(f->latency() == 430'000);
    CHECK(f->rq.complete_ns == t0 + 430'000);
    dev->PowerCut();
    std::vector<uint8_t> out(4096);
    dev->media().Read(32, 8, out.data());
    CHECK(out == std::vector<uint8_t>(4096, 0x55));
  }
}

TEST_CASE("Ssd: a FUA write is persisted when it completes", "[devices]") {
  sim::Scheduler sched;
  SsdParams p = HandSsd();
  p.write_cache = 1;
  p.write_cache_bytes = 64 * 4096;
  auto dev = MakeSsd(sched, p);
  auto w = Req::Make(1, BlockOp::kWrite, 8, 8, 0x66);
  w->rq.fua = true;
  dev->Submit(&w->rq);
  sched.Run();
  CHECK(w->latency() == 221'000);
  dev->PowerCut();
  std::vector<uint8_t> out(4096);
  dev->media().Read(8, 8, out.data());
  CHECK(out == std::vector<uint8_t>(4096, 0x66));
}

TEST_CASE("Ssd: a power cut aborts requests in flight with -EIO and applies no write",
          "[devices]") {
  sim::Scheduler sched;
  auto dev = MakeSsd(sched, HandSsd());
  auto w = Req::Make(1, BlockOp::kWrite, 0, 8, 0x77);
  dev->Submit(&w->rq);
  sched.At(100'000, [&] { dev->PowerCut(); });
  sched.Run();
  CHECK(w->status == -EIO);
  CHECK(w->rq.complete_ns == 100'000);
  CHECK(dev->in_flight() == 0);
  std::vector<uint8_t> out(4096), pattern(4096);
  dev->media().Read(0, 8, out.data());
  dev->media().FillPattern(0, 8, pattern.data());
  CHECK(out == pattern);
  // The device works again afterwards.
  auto r = Req::Make(2, BlockOp::kRead, 0, 8);
  dev->Submit(&r->rq);
  sched.Run();
  CHECK(r->status == 0);
  CHECK(r->latency() == 71'000);
}

// Completion times of 64 random one-page reads at depth 8 with 20% jitter.
std::vector<sim::SimTime> JitteredRun(uint64_t seed) {
  sim::Scheduler sched(sim::SchedulerOptions{.seed = seed});
  SsdParams p = HandSsd();
  p.jitter_permille = 200;
  auto dev = MakeSsd(sched, p);
  std::vector<std::unique_ptr<Req>> reqs;
  for (uint64_t i = 0; i < 64; ++i) reqs.push_back(Req::Make(i, BlockOp::kRead, 8 * (i * 7 % 32), 8));
  for (size_t i = 0; i < 8; ++i) dev->Submit(&reqs[i]->rq);
  sched.Run();
  std::vector<sim::SimTime> out;
  for (size_t i = 0; i < 8; ++i) out.push_back(reqs[i]->rq.complete_ns);
  return out;
}

TEST_CASE("Ssd: jitter is fixed by the seed and varies across seeds", "[devices]") {
  const auto a = JitteredRun(1), b = JitteredRun(1), c = JitteredRun(2);
  CHECK(a == b);
  CHECK(a != c);
  for (sim::SimTime t : a) {
    CHECK(t >= 71'000);
    CHECK(t <= 10'000 + 4 * (60'000 + 10'000) + 1'000);  // bounded by +20% of tR
  }
}

TEST_CASE("Ssd: QD1 random 4 KiB reads with defaults take 60-70 us as on NVMe TLC drives",
          "[devices]") {
  sim::Scheduler sched;
  auto dev = MakeSsd(sched, SsdParams{});
  std::vector<std::unique_ptr<Req>> reqs;
  sim::Prng rng(5);
  for (uint64_t i = 0; i < 100; ++i) reqs.push_back(Req::Make(i, BlockOp::kRead, 8 * rng.Uniform(1 << 20), 8));
  testing::RunQd1(sched, *dev, reqs);
  const auto lat = dev->stats().Latency(BlockOp::kRead);
  WARN("ssd defaults: QD1 4 KiB random read p50 " << lat.p50_ns << " ns");
  CHECK(lat.p50_ns >= 60'000);
  CHECK(lat.p50_ns <= 70'000);
}

}  // namespace
}  // namespace devices
