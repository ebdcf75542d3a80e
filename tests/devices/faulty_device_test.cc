#include "devices/faulty_device.h"

#include <catch2/catch.hpp>

#include <cerrno>

#include "devices/device_stats.h"
#include "devices/media.h"
#include "devices/ramdisk.h"
#include "devices/ssd.h"
#include "sim/check.h"
#include "tests/devices/device_test_util.h"

namespace devices {
namespace {

using testing::Req;

// A ramdisk target: every request takes 1000 ns + 1 ns per 512 bytes.
std::unique_ptr<FaultyDevice> MakeFaulty(sim::Scheduler& sched, int64_t queue_depth = 64) {
  RamdiskParams p;
  p.capacity_bytes = 1 << 20;
  p.queue_depth_max = queue_depth;
  p.access_latency_ns = 1000;
  p.bandwidth_bytes_per_sec = 512'000'000'000;
  std::unique_ptr<Ramdisk> ram;
  REQUIRE(Ramdisk::Create(sched, "ram0", p, &ram).ok());
  return std::make_unique<FaultyDevice>(sched, std::move(ram));
}

std::vector<uint8_t> Pattern(BlockDevice& dev, uint64_t sector, uint32_t sectors) {
  std::vector<uint8_t> out(uint64_t{sectors} * kSectorSize);
  dev.media().FillPattern(sector, sectors, out.data());
  return out;
}

TEST_CASE("FaultyDevice: with no faults it forwards everything unchanged", "[devices]") {
  sim::Scheduler sched;
  auto dev = MakeFaulty(sched);
  CHECK(dev->name() == "ram0");
  CHECK(dev->kind() == "faulty(ramdisk)");
  CHECK(dev->capacity_sectors() == 2048);
  auto w = Req::Make(1, BlockOp::kWrite, 0, 8, 0x12);
  auto r = Req::Make(2, BlockOp::kRead, 0, 8);
  std::vector<std::unique_ptr<Req>> reqs;
  reqs.push_back(std::move(w));
  reqs.push_back(std::move(r));
  testing::RunQd1(sched, *dev, reqs);
  CHECK(reqs[0]->latency() == 1008);
  CHECK(reqs[1]->buf == std::vector<uint8_t>(4096, 0x12));
  CHECK(dev->stats().completed_total() == 2);
  CHECK(dev->target().stats().completed_total() == 2);
}

TEST_CASE("FaultyDevice: EIO on an LBA range fails overlapping requests without touching media",
          "[devices]") {
  sim::Scheduler sched;
  auto dev = MakeFaulty(sched);
  FaultyDevice::EioRange f;
  f.sector = 100;
  f.sectors = 10;
  f.until_ns = 1'000'000;
  REQUIRE(dev->AddEioRange(f).ok());
  std::vector<std::unique_ptr<Req>> reqs;
  reqs.push_back(Req::Make(1, BlockOp::kWrite, 96, 8, 0xee));  // overlaps 100..103
  reqs.push_back(Req::Make(2, BlockOp::kRead, 110, 8));        // just past the range
  reqs.push_back(Req::Make(3, BlockOp::kRead, 104, 8));        // inside
  testing::RunQd1(sched, *dev, reqs);
  CHECK(reqs[0]->status == -EIO);
  CHECK(reqs[0]->latency() == 0);
  CHECK(reqs[1]->status == 0);
  CHECK(reqs[2]->status == -EIO);
  std::vector<uint8_t> out(4096);
  dev->media().Read(96, 8, out.data());
  CHECK(out == Pattern(*dev, 96, 8));
  CHECK(dev->counters().injected_errors == 2);
  CHECK(dev->stats().errors(BlockOp::kRead) == 1);
  CHECK(dev->target().stats().completed_total() == 1);

  SECTION("outside its time window the range is healthy") {
    auto late = Req::Make(4, BlockOp::kRead, 104, 8);
    sched.At(1'000'000, [&] { dev->Submit(&late->rq); });
    sched.Run();
    CHECK(late->status == 0);
  }
}

TEST_CASE("FaultyDevice: EIO on the k-th request of an op", "[devices]") {
  sim::Scheduler sched;
  auto dev = MakeFaulty(sched);
  REQUIRE(dev->AddEioNth({.op = BlockOp::kWrite, .nth = 2, .count = 2}).ok());
  REQUIRE(dev->AddEioNth({.op = BlockOp::kFlush, .nth = 1, .count = 1, .error = ENOSPC}).ok());
  std::vector<std::unique_ptr<Req>> reqs;
  for (int i = 0; i < 4; ++i) reqs.push_back(Req::Make(i, BlockOp::kWrite, 8 * i, 8, 1));
  reqs.push_back(Req::Make(9, BlockOp::kRead, 0, 8));
  reqs.push_back(Req::Make(10, BlockOp::kFlush, 0, 0));
  reqs.push_back(Req::Make(11, BlockOp::kFlush, 0, 0));
  testing::RunQd1(sched, *dev, reqs);
  std::vector<int> statuses;
  for (auto& r : reqs) statuses.push_back(r->status);
  CHECK(statuses == std::vector<int>{0, -EIO, -EIO, 0, 0, -ENOSPC, 0});
}

TEST_CASE("FaultyDevice: a latency multiplier stretches requests submitted in its window",
          "[devices]") {
  sim::Scheduler sched;
  auto dev = MakeFaulty(sched);
  REQUIRE(dev->AddLatency({.from_ns = 0, .until_ns = 2000, .num = 5, .den = 2}).ok());
  std::vector<std::unique_ptr<Req>> reqs;
  reqs.push_back(Req::Make(1, BlockOp::kRead, 0, 8));  // at 0: 1008 * 5/2 = 2520
  reqs.push_back(Req::Make(2, BlockOp::kRead, 0, 8));  // at 2520: outside, 1008
  testing::RunQd1(sched, *dev, reqs);
  CHECK(reqs[0]->latency() == 2520);
  CHECK(reqs[1]->latency() == 1008);
  CHECK(dev->target().stats().Latency(BlockOp::kRead).max_ns == 1008);
  CHECK(dev->stats().Latency(BlockOp::kRead).max_ns == 2520);
  CHECK(dev->counters().delayed == 1);
}

TEST_CASE("FaultyDevice: a stall holds new requests and completions until it ends", "[devices]") {
  sim::Scheduler sched;
  auto dev = MakeFaulty(sched);
  REQUIRE(dev->AddStall({.from_ns = 1000, .until_ns = 5000}).ok());
  auto before = Req::Make(1, BlockOp::kRead, 0, 8);   // at 500: would finish 1508
  auto during = Req::Make(2, BlockOp::kRead, 8, 8);   // at 2000: reaches the disk at 5000
  auto after = Req::Make(3, BlockOp::kRead, 16, 8);   // at 6000: normal
  sched.At(500, [&] { dev->Submit(&before->rq); });
  sched.At(2000, [&] {
    dev->Submit(&during->rq);
    // The first is done at the disk (1508) but not yet delivered; the
    // second waits here for the stall to end.
    CHECK(dev->in_flight() == 2);
    CHECK(dev->target().in_flight() == 0);
  });
  sched.At(6000, [&] { dev->Submit(&after->rq); });
  sched.Run();
  CHECK(before->rq.complete_ns == 5000);
  CHECK(during->rq.complete_ns == 6008);
  CHECK(during->latency() == 4008);
  CHECK(after->latency() == 1008);
  CHECK(dev->counters().stalled == 1);
}

// The caller's completion pair comes back to it whatever happened on the
// way: forwarded to the target (which calls FaultyDevice's own function in
// between), failed here without reaching the target, or held by a stall.
TEST_CASE("FaultyDevice: done gets the caller's done_data on every path", "[devices]") {
  struct Seen {
    int calls = 0;
    void* data = nullptr;
    int status = 1;
  };
  static constexpr BlockDoneFn kDone = [](BlockRequest* rq, int status) {
    Seen* s = static_cast<Seen*>(rq->done_data);
    ++s->calls;
    s->data = rq->done_data;
    s->status = status;
  };
  sim::Scheduler sched;
  auto dev = MakeFaulty(sched);
  REQUIRE(dev->AddEioNth({.op = BlockOp::kWrite, .nth = 1, .count = 1}).ok());
  REQUIRE(dev->AddStall({.from_ns = 3000, .until_ns = 4000}).ok());
  auto fwd = Req::Make(1, BlockOp::kRead, 0, 8);      // at 0: forwarded
  auto failed = Req::Make(2, BlockOp::kWrite, 8, 8);  // at 0: EIO here
  auto held = Req::Make(3, BlockOp::kRead, 16, 8);    // at 3500: stalled, then forwarded
  Seen seen[3];
  Req* reqs[3] = {fwd.get(), failed.get(), held.get()};
  for (int i = 0; i < 3; ++i) {
    reqs[i]->rq.done = kDone;
    reqs[i]->rq.done_data = &seen[i];
  }
  dev->Submit(&fwd->rq);
  dev->Submit(&failed->rq);
  sched.At(3500, [&] { dev->Submit(&held->rq); });
  sched.Run();
  for (int i = 0; i < 3; ++i) {
    CHECK(seen[i].calls == 1);
    CHECK(seen[i].data == &seen[i]);
    CHECK(reqs[i]->rq.done_data == &seen[i]);
  }
  CHECK(seen[0].status == 0);
  CHECK(seen[1].status == -EIO);
  CHECK(seen[2].status == 0);
  CHECK(held->rq.complete_ns == 5008);
}

TEST_CASE("FaultyDevice: held requests count against the queue depth", "[devices]") {
  sim::Scheduler sched;
  auto dev = MakeFaulty(sched, 2);
  REQUIRE(dev->AddStall({.from_ns = 0, .until_ns = 5000}).ok());
  auto a = Req::Make(1, BlockOp::kRead, 0, 8), b = Req::Make(2, BlockOp::kRead, 8, 8),
       c = Req::Make(3, BlockOp::kRead, 16, 8);
  dev->Submit(&a->rq);
  dev->Submit(&b->rq);
  CHECK(dev->target().in_flight() == 0);
  CHECK_THROWS_AS(dev->Submit(&c->rq), sim::Violation);
  sched.Run();
  CHECK(a->status == 0);
  CHECK(b->status == 0);
}

TEST_CASE("FaultyDevice: a power cut drops unflushed writes and keeps flushed ones", "[devices]") {
  sim::Scheduler sched;
  SsdParams p;
  p.capacity_bytes = 1 << 26;
  std::unique_ptr<Ssd> ssd;
  REQUIRE(Ssd::Create(sched, "nvme0", p, &ssd).ok());
  FaultyDevice dev(sched, std::move(ssd));
  REQUIRE(dev.has_volatile_cache());
  REQUIRE(dev.AddFault("power_cut", {{"at_ns", int64_t{5'000'000}}}).ok());
  REQUIRE(dev.AddStall({.from_ns = 4'000'000, .until_ns = 6'000'000}).ok());
  std::vector<std::unique_ptr<Req>> reqs;
  reqs.push_back(Req::Make(1, BlockOp::kWrite, 0, 8, 0xa1));  // flushed
  reqs.push_back(Req::Make(2, BlockOp::kFlush, 0, 0));
  reqs.push_back(Req::Make(3, BlockOp::kWrite, 8, 8, 0xb2));  // cached only
  auto stalled = Req::Make(4, BlockOp::kWrite, 16, 8, 0xc3);  // held at the cut
  sched.At(4'500'000, [&] { dev.Submit(&stalled->rq); });
  testing::RunQd1(sched, dev, reqs);  // runs on past the cut
  for (auto& r : reqs) CHECK(r->status == 0);
  CHECK(reqs[2]->rq.complete_ns < 4'000'000);
  CHECK(stalled->status == -EIO);
  CHECK(stalled->rq.complete_ns == 5'000'000);
  CHECK(dev.counters().power_cuts == 1);
  std::vector<uint8_t> out(4096);
  dev.media().Read(0, 8, out.data());
  CHECK(out == std::vector<uint8_t>(4096, 0xa1));
  dev.media().Read(8, 8, out.data());
  CHECK(out == Pattern(dev, 8, 8));
  dev.media().Read(16, 8, out.data());
  CHECK(out == Pattern(dev, 16, 8));
}

// Statuses of 32 reads in a 1-in-2 EIO range under a seed, and the number of
// fault decisions recorded.
std::pair<std::vector<int>, size_t> ChancyRun(uint64_t seed, std::unique_ptr<sim::Chooser> chooser) {
  sim::Scheduler sched(sim::SchedulerOptions{.seed = seed}, std::move(chooser));
  auto dev = MakeFaulty(sched);
  REQUIRE(dev->AddFault("eio_range", {{"sector", int64_t{0}},
                                      {"sectors", int64_t{2048}},
                                      {"op", std::string("read")},
                                      {"chance_num", int64_t{1}},
                                      {"chance_den", int64_t{2}}})
              .ok());
  std::vector<std::unique_ptr<Req>> reqs;
  for (int i = 0; i < 32; ++i) reqs.push_back(Req::Make(i, BlockOp::kRead, 8 * i, 8));
  testing::RunQd1(sched, *dev, reqs);
  std::vector<int> statuses;
  for (auto& r : reqs) statuses.push_back(r->status);
  return {statuses, sched.decisions().size()};
}

TEST_CASE("FaultyDevice: probabilistic EIO is a named fault site: seeded, and replay overrides it",
          "[devices]") {
  const auto a = ChancyRun(1, nullptr), b = ChancyRun(1, nullptr), c = ChancyRun(2, nullptr);
  CHECK(a == b);
  CHECK(a.first != c.first);
  CHECK(a.second == 32);  // one recorded decision per candidate
  const auto fails = std::count(a.first.begin(), a.first.end(), -EIO);
  CHECK(fails > 4);
  CHECK(fails < 28);
  // A replayed decision list of all "yes" fails every read.
  const auto forced = ChancyRun(1, std::make_unique<sim::ReplayChooser>(std::vector<uint32_t>(32, 1)));
  CHECK(std::count(forced.first.begin(), forced.first.end(), -EIO) == 32);
}

TEST_CASE("FaultyDevice: bad fault tables are one-line errors", "[devices]") {
  sim::Scheduler sched;
  auto dev = MakeFaulty(sched);
  auto msg = [&](std::string_view kind, const ParamMap& p) { return dev->AddFault(kind, p).message(); };
  CHECK(msg("meteor", {}) ==
        "device ram0: unknown fault kind 'meteor' (known: eio_range, eio_nth, latency, stall, "
        "power_cut)");
  CHECK(msg("eio_range", {{"sector", int64_t{0}}}) ==
        "device ram0: fault eio_range: missing parameter 'sectors'");
  CHECK(msg("eio_range", {{"sector", int64_t{2040}}, {"sectors", int64_t{16}}}) ==
        "device ram0: fault eio_range: sectors [2040, +16) run past capacity 2048");
  CHECK(msg("eio_nth", {{"nth", std::string("two")}}) ==
        "device ram0: fault eio_nth: parameter 'nth' must be an integer, got \"two\"");
  CHECK(msg("eio_nth", {{"nth", int64_t{1}}, {"op", std::string("erase")}}) ==
        "device ram0: fault eio_nth: op \"erase\" is not one of read, write, flush, discard, any");
  CHECK(msg("stall", {{"from_ns", int64_t{10}}, {"until_ns", int64_t{5}}}) ==
        "device ram0: fault stall: window [10, 5) is empty, negative or never ends");
  CHECK(msg("latency", {{"num", int64_t{1}}, {"den", int64_t{2}}}) ==
        "device ram0: fault latency: multiplier 1/2 is not in [1, 1000000]");
  CHECK(msg("stall", {{"from_ns", int64_t{1}}, {"until_ns", int64_t{5}}, {"when", int64_t{1}}}) ==
        "device ram0: fault stall: unknown parameter 'when' (known: from_ns, until_ns)");
  CHECK(dev->AddFault("eio_nth", {{"nth", int64_t{3}}, {"op", std::string("flush")}}).ok());
}

}  // namespace
}  // namespace devices
