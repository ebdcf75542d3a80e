#include "devices/hdd.h"

#include <catch2/catch.hpp>

#include <cerrno>

#include "devices/device_stats.h"
#include "devices/media.h"
#include "sim/prng.h"
#include "tests/devices/device_test_util.h"

namespace devices {
namespace {

using testing::Req;

// A disk small enough to compute by hand: 6000 rpm (one revolution = 10 ms),
// one head, one zone of 100 sectors per track (100 us per sector), 102
// cylinders (D = 101, so seek(d) = 1 ms + 10 ms * sqrt(d-1) / 10), track k
// skewed by k * 1 ms, no command overhead, a 512 GB/s link (1 ns per sector).
// Cache: 2 segments of 64 sectors, read-ahead 16 sectors.
HddParams HandDisk() {
  HddParams p;
  p.capacity_bytes = 102 * 100 * 512;
  p.rpm = 6000;
  p.heads = 1;
  p.zones = 1;
  p.sectors_per_track_outer = 100;
  p.sectors_per_track_inner = 100;
  p.track_to_track_seek_ns = 1'000'000;
  p.full_stroke_seek_ns = 11'000'000;
  p.head_switch_ns = 1'000'000;
  p.command_overhead_ns = 0;
  p.interface_bytes_per_sec = 512'000'000'000;
  p.cache_bytes = 128 * 512;
  p.cache_segments = 2;
  p.readahead_bytes = 16 * 512;
  p.write_cache = 0;
  return p;
}

std::unique_ptr<Hdd> MakeHdd(sim::Scheduler& sched, const HddParams& p) {
  std::unique_ptr<Hdd> dev;
  sim::Status s = Hdd::Create(sched, "sda", p, &dev);
  INFO(s.message());
  REQUIRE(s.ok());
  return dev;
}

TEST_CASE("ISqrt: exact integer square roots", "[devices]") {
  CHECK(ISqrt(0) == 0);
  CHECK(ISqrt(1) == 1);
  CHECK(ISqrt(3) == 1);
  CHECK(ISqrt(4) == 2);
  CHECK(ISqrt(999'999'999'999) == 999'999);
  CHECK(ISqrt(1'000'000'000'000) == 1'000'000);
  CHECK(ISqrt(UINT64_MAX) == 4'294'967'295u);
}

TEST_CASE("HddGeometry: seek curve, skew and zones", "[devices]") {
  const HddGeometry g(HandDisk());
  CHECK(g.cylinders() == 102);
  CHECK(g.rev_ns() == 10'000'000);
  CHECK(g.SeekCylinders(0) == 0);
  CHECK(g.SeekCylinders(1) == 1'000'000);
  CHECK(g.SeekCylinders(26) == 6'000'000);   // 1 ms + 10 ms * 5 / 10
  CHECK(g.SeekCylinders(101) == 11'000'000);  // full stroke
  CHECK(g.TrackOffset(26) == 6'000'000);
  CHECK(g.Locate(2650).cylinder == 26);
  CHECK(g.Locate(2650).sector == 50);
  // Streaming across a track boundary costs the switch, not a revolution.
  CHECK(g.StreamTime(2690, 20) == 20 * 100'000 + 1'000'000);

  const HddGeometry wd(HddParams{});  // WD Blue 1 TB
  CHECK(wd.rev_ns() == 8'333'333);
  CHECK(wd.cylinders_per_zone() == 23938);
  CHECK(wd.sectors_per_track(0) == 3400);
  CHECK(wd.sectors_per_track(15) == 1700);
  CHECK(wd.Locate(1'953'525'167).zone == 15);
}

TEST_CASE("Hdd: a read miss costs seek + rotation + media time, computed by hand", "[devices]") {
  sim::Scheduler sched;
  auto dev = MakeHdd(sched, HandDisk());
  // LBA 2650 is cylinder 26, sector 50. The head starts on cylinder 0.
  // seek(26) = 6 ms: arrive at 6 ms, platter phase 6 ms. Track 26 starts at
  // phase 26 ms mod 10 = 6 ms; sector 50 at 6 + 5 = 11 -> 1 ms. Wait
  // (1 - 6) mod 10 = 5 ms. One sector: 100 us. Done at 11.1 ms.
  std::vector<std::unique_ptr<Req>> reqs;
  reqs.push_back(Req::Make(1, BlockOp::kRead, 2650, 1));
  // Issued the instant the first completes: the head is at the start of
  // 2651 and just keeps reading: 100 us more.
  reqs.push_back(Req::Make(2, BlockOp::kRead, 2651, 1));
  testing::RunQd1(sched, *dev, reqs);
  CHECK(reqs[0]->rq.complete_ns == 11'100'000);
  CHECK(reqs[1]->rq.complete_ns == 11'200'000);
  CHECK(dev->head_track() == 26);

  SECTION("read-ahead fills the segment while idle: a later read there is a hit") {
    // At 12.1 ms the drive has read 9 more sectors (2652..2660): a read of
    // 2655..2656 costs only the link transfer, 2 ns.
    auto hit = Req::Make(3, BlockOp::kRead, 2655, 2);
    sched.At(12'100'000, [&] { dev->Submit(&hit->rq); });
    sched.Run();
    CHECK(hit->rq.complete_ns == 12'100'002);
  }
  SECTION("read-ahead stops 16 sectors past the last read; the rest is a rotation away") {
    // The stream stopped at 2668 (2652 + 16). At 20 ms (phase 0) a read of
    // 2668 finds its start cached-adjacent: no seek, sector 68 passes at
    // phase 6 + 6.8 = 12.8 -> 2.8 ms. Done at 20 + 2.8 + 0.1 ms.
    auto next = Req::Make(3, BlockOp::kRead, 2668, 1);
    sched.At(20'000'000, [&] { dev->Submit(&next->rq); });
    sched.Run();
    CHECK(next->rq.complete_ns == 22'900'000);
  }
}

TEST_CASE("Hdd: a hit in a segment whose read-ahead stopped restarts it a rotation later",
          "[devices]") {
  sim::Scheduler sched;
  auto dev = MakeHdd(sched, HandDisk());
  auto first = Req::Make(1, BlockOp::kRead, 2650, 1);  // 11.1 ms as above
  // Read-ahead runs 2651..2666 and stops at 12.7 ms (16 sectors).
  auto hit = Req::Make(2, BlockOp::kRead, 2660, 1);
  // The hit at 20 ms (phase 0) raises the limit to 2661 + 16 = 2677; the
  // head waits for sector 67 at phase 6 + 6.7 = 12.7 -> 2.7 ms, streams
  // 2667..2676 from 22.7 to 23.7 ms and stops again.
  // At 30 ms a read of 2670..2671 is a hit; it raises the limit to 2688, and
  // the head, idle at 2677, waits for sector 77 (phase 13.7 -> 3.7 ms) and
  // streams 2677..2687 before stopping once more.
  auto later = Req::Make(3, BlockOp::kRead, 2670, 2);
  // At 40 ms, 2688 is just past the segment: no seek, sector 88 passes at
  // phase 6 + 8.8 = 14.8 -> 4.8 ms, plus 100 us: 44.9 ms.
  auto beyond = Req::Make(4, BlockOp::kRead, 2688, 1);
  dev->Submit(&first->rq);
  sched.At(20'000'000, [&] { dev->Submit(&hit->rq); });
  sched.At(30'000'000, [&] { dev->Submit(&later->rq); });
  sched.At(40'000'000, [&] { dev->Submit(&beyond->rq); });
  sched.Run();
  CHECK(first->rq.complete_ns == 11'100'000);
  CHECK(hit->rq.complete_ns == 20'000'001);
  CHECK(later->rq.complete_ns == 30'000'002);
  CHECK(beyond->rq.complete_ns == 44'900'000);
}

TEST_CASE("Hdd: requests are served one at a time in arrival order", "[devices]") {
  sim::Scheduler sched;
  auto dev = MakeHdd(sched, HandDisk());
  // Both submitted at 0. The first as above (11.1 ms). The second, LBA 0 on
  // cylinder 0, starts at 11.1 ms: seek 26 back = 6 ms -> 17.1 ms, phase
  // 7.1 ms; track 0 sector 0 at phase 0: wait 2.9 ms; done 20.1 ms.
  std::vector<std::unique_ptr<Req>> reqs;
  reqs.push_back(Req::Make(1, BlockOp::kRead, 2650, 1));
  reqs.push_back(Req::Make(2, BlockOp::kRead, 0, 1));
  testing::SubmitAllAndRun(sched, *dev, reqs);
  CHECK(reqs[0]->rq.complete_ns == 11'100'000);
  CHECK(reqs[1]->rq.start_ns == 11'100'000);
  CHECK(reqs[1]->rq.complete_ns == 20'100'000);
  CHECK(dev->stats().depth_max() == 2);
}

TEST_CASE("Hdd: write cache holds writes until a flush destages them", "[devices]") {
  sim::Scheduler sched;
  HddParams p = HandDisk();
  p.write_cache = 1;
  p.write_cache_bytes = 64 * 512;
  auto dev = MakeHdd(sched, p);
  CHECK(dev->has_volatile_cache());
  auto w = Req::Make(1, BlockOp::kWrite, 2650, 1, 0xaa);
  auto f = Req::Make(2, BlockOp::kFlush, 0, 0);
  std::vector<std::unique_ptr<Req>> reqs;
  reqs.push_back(std::move(w));
  reqs.push_back(std::move(f));
  testing::RunQd1(sched, *dev, reqs);
  // The write completes after the link transfer only (1 ns); the flush then
  // does the mechanical write from 1 ns: seek 6 ms, wait 5 ms - 1 ns, 100 us.
  CHECK(reqs[0]->rq.complete_ns == 1);
  CHECK(reqs[1]->rq.complete_ns == 11'100'000);
  CHECK(dev->dirty_sectors() == 0);
  std::vector<uint8_t> out(512);
  dev->media().PeekPersisted(2650, 1, out.data());
  CHECK(out == std::vector<uint8_t>(512, 0xaa));
}

TEST_CASE("Hdd: a power cut drops unflushed cached writes and keeps flushed and FUA ones",
          "[devices]") {
  sim::Scheduler sched;
  HddParams p = HandDisk();
  p.write_cache = 1;
  p.write_cache_bytes = 64 * 512;
  auto dev = MakeHdd(sched, p);
  std::vector<std::unique_ptr<Req>> reqs;
  reqs.push_back(Req::Make(1, BlockOp::kWrite, 100, 1, 0x01));  // flushed below
  reqs.push_back(Req::Make(2, BlockOp::kFlush, 0, 0));
  reqs.push_back(Req::Make(3, BlockOp::kWrite, 200, 1, 0x02));  // FUA
  reqs[2]->rq.fua = true;
  reqs.push_back(Req::Make(4, BlockOp::kWrite, 300, 1, 0x03));  // cached only
  testing::RunQd1(sched, *dev, reqs);
  for (auto& r : reqs) CHECK(r->status == 0);
  CHECK(dev->media().volatile_sectors() == 1);
  std::vector<uint8_t> pattern(512), out(512);
  dev->media().FillPattern(300, 1, pattern.data());
  dev->PowerCut();
  dev->media().Read(100, 1, out.data());
  CHECK(out == std::vector<uint8_t>(512, 0x01));
  dev->media().Read(200, 1, out.data());
  CHECK(out == std::vector<uint8_t>(512, 0x02));
  dev->media().Read(300, 1, out.data());
  CHECK(out == pattern);
}

TEST_CASE("Hdd: a full write cache destages before taking more", "[devices]") {
  sim::Scheduler sched;
  HddParams p = HandDisk();
  p.write_cache = 1;
  p.write_cache_bytes = 2 * 512;
  auto dev = MakeHdd(sched, p);
  std::vector<std::unique_ptr<Req>> reqs;
  reqs.push_back(Req::Make(1, BlockOp::kWrite, 2650, 2, 0x0f));
  reqs.push_back(Req::Make(2, BlockOp::kWrite, 10, 1, 0xf0));  // would make 3 > 2
  testing::RunQd1(sched, *dev, reqs);
  // First: 2 ns. Second at 2 ns: destage 2650..2651 (seek 6 ms, wait to
  // phase 1 ms = 5 ms - 2 ns, 200 us) = 11.2 ms, then its own 1 ns.
  CHECK(reqs[0]->rq.complete_ns == 2);
  CHECK(reqs[1]->rq.complete_ns == 11'200'001);
  CHECK(dev->dirty_sectors() == 1);
  std::vector<uint8_t> out(512);
  dev->media().PeekPersisted(2651, 1, out.data());
  CHECK(out == std::vector<uint8_t>(512, 0x0f));
}

TEST_CASE("Hdd: read after write returns the written bytes (cache never stale)", "[devices]") {
  sim::Scheduler sched;
  auto dev = MakeHdd(sched, HandDisk());
  std::vector<std::unique_ptr<Req>> reqs;
  reqs.push_back(Req::Make(1, BlockOp::kRead, 500, 8));  // fills a segment
  reqs.push_back(Req::Make(2, BlockOp::kWrite, 502, 2, 0x42));
  reqs.push_back(Req::Make(3, BlockOp::kRead, 500, 8));
  testing::RunQd1(sched, *dev, reqs);
  std::vector<uint8_t> expect(8 * 512);
  dev->media().FillPattern(500, 8, expect.data());
  std::fill(expect.begin() + 1024, expect.begin() + 2048, 0x42);
  CHECK(reqs[2]->buf == expect);
}

// Issues n 4 KiB reads at queue depth 1 and returns bytes per second.
uint64_t Throughput(sim::Scheduler& sched, BlockDevice& dev,
                    const std::vector<std::unique_ptr<Req>>& reqs) {
  const sim::SimTime begin = sched.Now();
  const sim::SimTime end = testing::RunQd1(sched, dev, reqs);
  uint64_t bytes = 0;
  for (const auto& r : reqs) bytes += r->rq.bytes();
  return static_cast<uint64_t>(static_cast<unsigned __int128>(bytes) * sim::kSecond /
                               static_cast<uint64_t>(end - begin));
}

TEST_CASE("Hdd: random 4 KiB reads are at least 50x slower than sequential, as on 7200 rpm disks",
          "[devices]") {
  const HddParams p;  // WD Blue 1 TB defaults
  const uint64_t blocks = static_cast<uint64_t>(p.capacity_bytes) / 4096;
  sim::Prng rng(42);

  sim::Scheduler seq_sched;
  auto seq_dev = MakeHdd(seq_sched, p);
  std::vector<std::unique_ptr<Req>> seq;
  for (uint64_t i = 0; i < 200; ++i) seq.push_back(Req::Make(i, BlockOp::kRead, 8 * i, 8));
  const uint64_t seq_bps = Throughput(seq_sched, *seq_dev, seq);

  sim::Scheduler rnd_sched;
  auto rnd_dev = MakeHdd(rnd_sched, p);
  std::vector<std::unique_ptr<Req>> rnd;
  for (uint64_t i = 0; i < 200; ++i) {
    rnd.push_back(Req::Make(i, BlockOp::kRead, 8 * rng.Uniform(blocks), 8));
  }
  const uint64_t rnd_bps = Throughput(rnd_sched, *rnd_dev, rnd);
  const uint64_t rnd_iops = rnd_bps / 4096;
  const auto lat = rnd_dev->stats().Latency(BlockOp::kRead);

  sim::Scheduler big_sched;
  auto big_dev = MakeHdd(big_sched, p);
  std::vector<std::unique_ptr<Req>> big;
  for (uint64_t i = 0; i < 200; ++i) big.push_back(Req::Make(i, BlockOp::kRead, 256 * i, 256));
  const uint64_t big_bps = Throughput(big_sched, *big_dev, big);

  WARN("hdd defaults: sequential 4 KiB QD1 " << seq_bps / 1000000 << " MB/s; random 4 KiB QD1 "
                                             << rnd_iops << " IOPS (" << rnd_bps / 1000
                                             << " kB/s, p50 " << lat.p50_ns / 1000 << " us, p99 "
                                             << lat.p99_ns / 1000 << " us); sequential 128 KiB "
                                             << big_bps / 1000000 << " MB/s");
  CHECK(seq_bps >= 50 * rnd_bps);
  CHECK(rnd_iops >= 50);
  CHECK(rnd_iops <= 200);
  CHECK(big_bps >= 100'000'000);
  CHECK(big_bps <= 200'000'000);
}

TEST_CASE("Hdd: the same requests give the same trace hash", "[devices]") {
  auto run = [] {
    sim::Scheduler sched(sim::SchedulerOptions{.seed = 7});
    auto dev = MakeHdd(sched, HddParams{});
    sim::Prng rng(3);
    std::vector<std::unique_ptr<Req>> reqs;
    for (uint64_t i = 0; i < 50; ++i) {
      reqs.push_back(Req::Make(i, i % 3 == 0 ? BlockOp::kWrite : BlockOp::kRead,
                               8 * rng.Uniform(1000), 8));
    }
    testing::RunQd1(sched, *dev, reqs);
    return sched.trace().hash();
  };
  CHECK(run() == run());
}

}  // namespace
}  // namespace devices
