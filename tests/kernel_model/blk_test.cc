// The block layer: merging, the two schedulers' dispatch order, plugging,
// the queue depth limit, splitting, flushes, errors and completion context.
#include <catch2/catch.hpp>

#include <cstring>
#include <deque>
#include <map>
#include <vector>

#include "kernel_model/blk_elevator.h"
#include "kernel_model/blk_types.h"
#include "kernel_model/blkdev.h"
#include "kernel_model/kernel.h"
#include "kernel_model/sched.h"
#include "tests/kernel_model/storage_world.h"

namespace {

using kernel::bio;
using kernel::block_device;
using kernel_test::DiskSpec;
using kernel_test::StorageWorld;

struct Done {
  uint64_t sector;
  int status;
  sim::SimTime at;
  bool in_irq;
};

// Owns the buffers and completion records of the bios a test submits.
struct Bios {
  struct Ctx {
    Bios* owner;
    uint64_t sector;
  };
  std::deque<std::vector<uint8_t>> bufs;
  std::deque<Ctx> ctxs;
  std::vector<Done> done;

  static void end_io(bio* b) {
    auto* c = static_cast<Ctx*>(b->bi_private);
    c->owner->done.push_back(Done{c->sector, kernel::blk_status_to_errno(b->bi_status),
                                  kernel::Kernel::Current()->sched.Now(), kernel::in_interrupt()});
    kernel::bio_put(b);
  }

  bio* Make(block_device* bdev, kernel::blk_opf_t opf, uint64_t sector, uint32_t sectors, uint8_t fill = 0) {
    bufs.emplace_back(size_t{sectors} * 512, fill);
    std::vector<uint8_t>& buf = bufs.back();
    uint32_t segs = (sectors * 512 + 4095) / 4096;
    bio* b = kernel::bio_alloc(bdev, static_cast<uint16_t>(std::min<uint32_t>(segs, kernel::BIO_MAX_VECS)), opf);
    b->bi_iter.bi_sector = sector;
    for (size_t off = 0; off < buf.size(); off += 4096) {
      uint32_t len = static_cast<uint32_t>(std::min<size_t>(4096, buf.size() - off));
      REQUIRE(kernel::bio_add_addr(b, buf.data() + off, len) == len);
    }
    ctxs.push_back(Ctx{this, sector});
    b->bi_private = &ctxs.back();
    b->bi_end_io = end_io;
    return b;
  }
  void Submit(block_device* bdev, kernel::blk_opf_t opf, uint64_t sector, uint32_t sectors, uint8_t fill = 0) {
    kernel::submit_bio(Make(bdev, opf, sector, sectors, fill));
  }
  std::vector<uint64_t> Order() const {
    std::vector<uint64_t> v;
    for (const Done& d : done) v.push_back(d.sector);
    return v;
  }
};

std::vector<int64_t> Starts(StorageWorld& w) { return w.DispatchedStarts(kernel::REQ_OP_READ); }

}  // namespace

TEST_CASE("blk: adjacent queued bios merge back and front into one request", "[blk]") {
  for (const char* elv : {"noop", "mq-deadline"}) {
    StorageWorld w;
    DiskSpec spec;
    spec.queue_depth = 1;
    spec.elevator = elv;
    block_device* bdev = w.AddRamdisk("sda", spec);
    Bios bios;
    bios.Submit(bdev, kernel::REQ_OP_READ, 0, 8);     // dispatched at once
    bios.Submit(bdev, kernel::REQ_OP_READ, 100, 8);   // queued
    bios.Submit(bdev, kernel::REQ_OP_READ, 108, 8);   // back merge
    bios.Submit(bdev, kernel::REQ_OP_READ, 92, 8);    // front merge
    w.Run();
    INFO(elv);
    CHECK(w.DispatchedSectors(kernel::REQ_OP_READ) == std::vector<int64_t>{8, 24});
    CHECK(Starts(w) == std::vector<int64_t>{0, 92});
    CHECK(bdev->bd_queue->stats.back_merges == 1);
    CHECK(bdev->bd_queue->stats.front_merges == 1);
    CHECK(bios.done.size() == 4);
    for (const Done& d : bios.done) CHECK(d.status == 0);
  }
}

TEST_CASE("blk: merging stops at max_sectors and never joins reads with writes", "[blk]") {
  StorageWorld w;
  DiskSpec spec;
  spec.queue_depth = 1;
  spec.max_sectors = 16;
  block_device* bdev = w.AddRamdisk("sda", spec);
  Bios bios;
  bios.Submit(bdev, kernel::REQ_OP_READ, 1000, 8);
  bios.Submit(bdev, kernel::REQ_OP_READ, 0, 8);
  bios.Submit(bdev, kernel::REQ_OP_READ, 8, 8);    // fills 16 sectors
  bios.Submit(bdev, kernel::REQ_OP_READ, 16, 8);   // would exceed: a new request
  bios.Submit(bdev, kernel::REQ_OP_WRITE, 24, 8);  // adjacent but a write
  w.Run();
  CHECK(w.DispatchedSectors(kernel::REQ_OP_READ) == std::vector<int64_t>{8, 16, 8});
  CHECK(w.DispatchedSectors(kernel::REQ_OP_WRITE) == std::vector<int64_t>{8});
  CHECK(bios.done.size() == 5);
}

TEST_CASE("blk: a bio above max_sectors is split into chained requests and ends once", "[blk]") {
  StorageWorld w;
  DiskSpec spec;
  spec.max_sectors = 256;  // 128 KiB
  block_device* bdev = w.AddRamdisk("sda", spec);
  // Put known bytes on the media, then read 512 KiB in one bio.
  std::vector<uint8_t> want(512 * 1024);
  for (size_t i = 0; i < want.size(); ++i) want[i] = static_cast<uint8_t>(i * 7 + 3);
  bdev->bd_device->media().SetupWriteBytes(0, want);
  Bios bios;
  bio* b = bios.Make(bdev, kernel::REQ_OP_READ, 0, 1024);
  kernel::submit_bio(b);
  w.Run();
  CHECK(w.DispatchedSectors(kernel::REQ_OP_READ) == std::vector<int64_t>{256, 256, 256, 256});
  CHECK(bdev->bd_queue->stats.bios_split == 3);
  REQUIRE(bios.done.size() == 1);
  CHECK(bios.done[0].status == 0);
  CHECK(bios.bufs[0] == want);
}

TEST_CASE("blk: noop dispatches queued requests in arrival order", "[blk]") {
  StorageWorld w;
  DiskSpec spec;
  spec.queue_depth = 1;
  spec.elevator = "noop";
  block_device* bdev = w.AddRamdisk("sda", spec);
  Bios bios;
  for (uint64_t s : {5000, 500, 100, 900, 300, 700}) bios.Submit(bdev, kernel::REQ_OP_READ, s, 8);
  w.Run();
  CHECK(Starts(w) == std::vector<int64_t>{5000, 500, 100, 900, 300, 700});
  CHECK(bios.Order() == std::vector<uint64_t>{5000, 500, 100, 900, 300, 700});
}

TEST_CASE("blk: mq-deadline sweeps up in sector order from the oldest request", "[blk]") {
  StorageWorld w;
  DiskSpec spec;
  spec.queue_depth = 1;
  block_device* bdev = w.AddRamdisk("sda", spec);
  Bios bios;
  for (uint64_t s : {5000, 500, 100, 900, 300, 700}) bios.Submit(bdev, kernel::REQ_OP_READ, s, 8);
  w.Run();
  // 5000 goes at once; then the FIFO head (500) starts a batch that
  // continues upward (700, 900); with nothing above, the FIFO head again.
  CHECK(Starts(w) == std::vector<int64_t>{5000, 500, 700, 900, 100, 300});
}

TEST_CASE("blk: mq-deadline serves an expired read before continuing its sweep", "[blk]") {
  for (sim::SimTime expire : {15 * sim::kMillisecond, 500 * sim::kMillisecond}) {
    StorageWorld w;
    DiskSpec spec;
    spec.queue_depth = 1;
    spec.latency_ns = 10 * sim::kMillisecond;
    spec.deadline.fifo_batch = 1;
    spec.deadline.read_expire_ns = expire;
    block_device* bdev = w.AddRamdisk("sda", spec);
    Bios bios;
    bios.Submit(bdev, kernel::REQ_OP_READ, 1000, 8);  // t=0, dispatched
    bios.Submit(bdev, kernel::REQ_OP_READ, 2000, 8);  // t=0, queued
    w.sched.At(5 * sim::kMillisecond, [&] {
      bios.Submit(bdev, kernel::REQ_OP_READ, 10, 8);  // expires at 5 ms + expire
      bios.Submit(bdev, kernel::REQ_OP_READ, 3000, 8);
      bios.Submit(bdev, kernel::REQ_OP_READ, 4000, 8);
    });
    w.Run();
    INFO("read_expire " << expire);
    if (expire == 15 * sim::kMillisecond) {
      CHECK(Starts(w) == std::vector<int64_t>{1000, 2000, 10, 3000, 4000});
    } else {
      CHECK(Starts(w) == std::vector<int64_t>{1000, 2000, 3000, 4000, 10});
    }
  }
}

TEST_CASE("blk: mq-deadline lets writes through after writes_starved read batches", "[blk]") {
  StorageWorld w;
  DiskSpec spec;
  spec.queue_depth = 1;
  spec.deadline.fifo_batch = 1;
  spec.deadline.writes_starved = 2;
  block_device* bdev = w.AddRamdisk("sda", spec);
  Bios bios;
  bios.Submit(bdev, kernel::REQ_OP_READ, 50000, 8);  // occupies the device
  for (uint64_t i = 0; i < 4; ++i) bios.Submit(bdev, kernel::REQ_OP_READ, 1000 + i * 100, 8);
  for (uint64_t i = 0; i < 2; ++i) bios.Submit(bdev, kernel::REQ_OP_WRITE, 9000 + i * 100, 8);
  w.Run();
  std::vector<int64_t> ops;
  for (const auto& r : w.Records("blk.dispatch")) ops.push_back(r.values[2]);
  using kernel::REQ_OP_READ;
  using kernel::REQ_OP_WRITE;
  CHECK(ops == std::vector<int64_t>{REQ_OP_READ, REQ_OP_READ, REQ_OP_READ, REQ_OP_WRITE, REQ_OP_READ, REQ_OP_READ,
                                    REQ_OP_WRITE});
}

TEST_CASE("blk: a plug holds requests until blk_finish_plug and merges them", "[blk]") {
  StorageWorld w;
  block_device* bdev = w.AddRamdisk("sda");
  Bios bios;
  size_t dispatched_before_unplug = 99;
  w.RunTask([&] {
    kernel::blk_plug plug;
    kernel::blk_start_plug(&plug);
    bios.Submit(bdev, kernel::REQ_OP_READ, 0, 8);
    bios.Submit(bdev, kernel::REQ_OP_READ, 8, 8);
    bios.Submit(bdev, kernel::REQ_OP_READ, 16, 8);
    bios.Submit(bdev, kernel::REQ_OP_READ, 800, 8);
    dispatched_before_unplug = w.Count("blk.dispatch");
    kernel::blk_finish_plug(&plug);
    return 0;
  });
  CHECK(dispatched_before_unplug == 0);
  CHECK(w.DispatchedSectors(kernel::REQ_OP_READ) == std::vector<int64_t>{24, 8});
  CHECK(bdev->bd_queue->stats.plug_merges == 2);
  CHECK(w.Count("blk.unplug") == 1);
  CHECK(bios.done.size() == 4);
}

TEST_CASE("blk: a task that sleeps with a plug flushes it first", "[blk]") {
  StorageWorld w;
  block_device* bdev = w.AddRamdisk("sda");
  Bios bios;
  int ret = w.RunTask([&] {
    kernel::blk_plug plug;
    kernel::blk_start_plug(&plug);
    bios.Submit(bdev, kernel::REQ_OP_READ, 0, 8);
    // A synchronous bio while plugged: the sleep must push the plug out or
    // this would never finish.
    bio* b = bios.Make(bdev, kernel::REQ_OP_READ, 8, 8);
    b->bi_end_io = nullptr;
    int r = kernel::submit_bio_wait(b);
    kernel::bio_put(b);
    kernel::blk_finish_plug(&plug);
    return r;
  });
  CHECK(ret == 0);
  CHECK(w.last.status == sim::RunStatus::kIdle);
  auto unplugs = w.Records("blk.unplug");
  REQUIRE(!unplugs.empty());
  CHECK(unplugs[0].values[1] == 1);  // from_schedule
}

TEST_CASE("blk: no more requests are in flight than the device's queue depth", "[blk]") {
  StorageWorld w;
  DiskSpec spec;
  spec.queue_depth = 2;
  block_device* bdev = w.AddRamdisk("sda", spec);
  Bios bios;
  for (uint64_t i = 0; i < 6; ++i) bios.Submit(bdev, kernel::REQ_OP_READ, i * 1000, 8);
  CHECK(bdev->bd_device->in_flight() == 2);
  CHECK(bdev->bd_queue->elevator->nr_queued() == 4);
  w.Run();
  int64_t max_in_flight = 0;
  for (const auto& r : w.Records("blk.dispatch")) max_in_flight = std::max(max_in_flight, r.values[5]);
  CHECK(max_in_flight == 2);
  CHECK(bdev->bd_device->stats().depth_max() == 2);
  CHECK(bios.done.size() == 6);
}

TEST_CASE("blk: bi_end_io runs in interrupt context when the device completes", "[blk]") {
  StorageWorld w;
  DiskSpec spec;
  spec.latency_ns = 250 * sim::kMicrosecond;
  spec.bandwidth_bytes_per_sec = 4096LL * 1000 * 1000 * 1000;  // 4 KiB in 1 ns
  block_device* bdev = w.AddRamdisk("sda", spec);
  Bios bios;
  bios.Submit(bdev, kernel::REQ_OP_WRITE, 0, 8, 0xab);
  w.Run();
  REQUIRE(bios.done.size() == 1);
  CHECK(bios.done[0].in_irq);
  CHECK(bios.done[0].at >= 250 * sim::kMicrosecond);
  std::vector<uint8_t> got(4096);
  bdev->bd_device->media().ReadBytes(0, got);
  CHECK(got == std::vector<uint8_t>(4096, 0xab));
}

TEST_CASE("blk: bios past the device end or misaligned fail without reaching it", "[blk]") {
  StorageWorld w;
  DiskSpec spec;
  spec.logical_block_bytes = 4096;
  spec.capacity_bytes = 1 << 20;
  block_device* bdev = w.AddRamdisk("sda", spec);
  Bios bios;
  bios.Submit(bdev, kernel::REQ_OP_READ, 2048 - 8, 16);  // runs past the end
  bios.Submit(bdev, kernel::REQ_OP_READ, 4, 8);          // not 4 KiB aligned
  // Both ended inside submit_bio, before any virtual time passed.
  REQUIRE(bios.done.size() == 2);
  w.Run();
  CHECK(bios.done[0].status == -EIO);
  CHECK(bios.done[1].status == -EIO);
  CHECK(bios.done[0].at == 0);
  CHECK(w.Count("blk.dispatch") == 0);
  CHECK(bdev->bd_queue->stats.bio_errors == 2);
}

TEST_CASE("blk: a device error fails every bio of the request with -EIO", "[blk]") {
  StorageWorld w;
  DiskSpec spec;
  spec.faulty = true;
  spec.queue_depth = 1;
  block_device* bdev = w.AddRamdisk("sda", spec);
  devices::FaultyDevice::EioRange r;
  r.sector = 100;
  r.sectors = 1;
  REQUIRE(w.faulty->AddEioRange(r).ok());
  Bios bios;
  bios.Submit(bdev, kernel::REQ_OP_READ, 5000, 8);
  bios.Submit(bdev, kernel::REQ_OP_READ, 96, 8);    // covers sector 100
  bios.Submit(bdev, kernel::REQ_OP_READ, 104, 8);   // merged with it
  bios.Submit(bdev, kernel::REQ_OP_READ, 2000, 8);  // fine
  w.Run();
  REQUIRE(bios.done.size() == 4);
  std::map<uint64_t, int> status;
  for (const Done& d : bios.done) status[d.sector] = d.status;
  CHECK(status[5000] == 0);
  CHECK(status[96] == -EIO);
  CHECK(status[104] == -EIO);
  CHECK(status[2000] == 0);
}

TEST_CASE("blk: REQ_PREFLUSH puts a device flush before the write; without a cache it is dropped", "[blk]") {
  SECTION("volatile cache") {
    StorageWorld w;
    block_device* bdev = w.AddSsd("nvme0");
    Bios bios;
    bios.Submit(bdev, kernel::REQ_OP_WRITE | kernel::REQ_PREFLUSH | kernel::REQ_FUA, 0, 8, 0x5a);
    w.Run();
    std::vector<int64_t> ops;
    for (const auto& r : w.Records("blk.dispatch")) ops.push_back(r.values[2]);
    CHECK(ops == std::vector<int64_t>{kernel::REQ_OP_FLUSH, kernel::REQ_OP_WRITE});
    REQUIRE(bios.done.size() == 1);
    CHECK(bios.done[0].status == 0);
    // FUA: the bytes are persisted, not just cached.
    std::vector<uint8_t> got(4096);
    bdev->bd_device->media().PeekPersisted(0, 8, got.data());
    CHECK(got == std::vector<uint8_t>(4096, 0x5a));
  }
  SECTION("no volatile cache") {
    StorageWorld w;
    block_device* bdev = w.AddRamdisk("sda");
    Bios bios;
    bios.Submit(bdev, kernel::REQ_OP_WRITE | kernel::REQ_PREFLUSH, 0, 8);
    CHECK(kernel::blkdev_issue_flush(bdev) == 0);  // completes at once, no task needed
    w.Run();
    std::vector<int64_t> ops;
    for (const auto& r : w.Records("blk.dispatch")) ops.push_back(r.values[2]);
    CHECK(ops == std::vector<int64_t>{kernel::REQ_OP_WRITE});
  }
}

TEST_CASE("blk: the same submissions give the same trace hash", "[blk][determinism]") {
  auto run = [] {
    StorageWorld w(7);
    DiskSpec spec;
    spec.queue_depth = 3;
    block_device* bdev = w.AddRamdisk("sda", spec);
    Bios bios;
    sim::Prng rng(42);
    for (int i = 0; i < 200; ++i) {
      uint64_t sector = rng.Uniform(10000) * 8;
      bios.Submit(bdev, rng.Chance(1, 3) ? kernel::REQ_OP_WRITE : kernel::REQ_OP_READ, sector,
                  8 * static_cast<uint32_t>(1 + rng.Uniform(4)));
    }
    w.Run();
    return w.sched.trace().hash();
  };
  CHECK(run() == run());
}
