// Writeback: the flusher's period and expiry, background writeback above
// the background ratio, throttling above the dirty ratio, fsync (data, wait,
// device flush, error reporting) and the async wait on writeback.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "kernel_model/fdtable.h"
#include "kernel_model/filemap.h"
#include "kernel_model/read_write.h"
#include "kernel_model/vfs_namei.h"
#include "kernel_model/vfs_setup.h"
#include "kernel_model/writeback.h"
#include "tests/kernel_model/storage_world.h"

namespace {

using kernel_test::DiskSpec;
using kernel_test::StorageWorld;
using kernel_test::ualloc;
using kernel_test::uput;

uint64_t DeviceWrites(kernel::block_device* bdev) {
  return bdev->bd_device->stats().completed(devices::BlockOp::kWrite);
}

long WritePages(int fd, int pages, uint8_t fill, kernel::loff_t pos) {
  kernel::user_ptr buf = ualloc(static_cast<size_t>(pages) * 4096);
  std::vector<uint8_t> data(static_cast<size_t>(pages) * 4096, fill);
  uput(buf, data.data(), data.size());
  return kernel::sys_pwrite64(static_cast<unsigned>(fd), buf, data.size(), pos);
}

}  // namespace

TEST_CASE("writeback: the flusher writes a dirty page once it is older than dirty_expire", "[writeback]") {
  StorageWorld w;
  kernel::block_device* bdev = w.AddRamdisk("sda");
  w.Mount("sda", "/data");
  uint64_t at_29s = 99, at_36s = 0;
  w.RunTask([&] {
    int fd = static_cast<int>(kernel::sys_open("/data/f", O_WRONLY | O_CREAT, 0644));
    WritePages(fd, 1, 0x11, 0);
    kernel::msleep(29000);
    at_29s = DeviceWrites(bdev);
    kernel::msleep(7000);
    at_36s = DeviceWrites(bdev);
    return 0;
  });
  CHECK(at_29s == 0);
  CHECK(at_36s == 1);
  CHECK(w.pc()->nr_dirty == 0);
  auto passes = w.Records("writeback.start");
  REQUIRE(!passes.empty());
  CHECK(passes.back().values[1] == kernel::WB_REASON_PERIODIC);
  // With nothing dirty the flusher sleeps without a timer: the run ends.
  CHECK(w.last.status == sim::RunStatus::kIdle);
  CHECK(w.Now() < 40 * sim::kSecond);
}

TEST_CASE("writeback: dirty pages above the background ratio are written at once", "[writeback]") {
  StorageWorld w;
  kernel::block_device* bdev = w.AddRamdisk("sda");
  w.Mount("sda", "/data");
  kernel::pagecache_tunables().capacity_pages = 100;  // background: 10 pages, limit: 20
  uint64_t writes = 0;
  w.RunTask([&] {
    int fd = static_cast<int>(kernel::sys_open("/data/f", O_WRONLY | O_CREAT, 0644));
    WritePages(fd, 15, 0x22, 0);
    kernel::msleep(20);
    writes = DeviceWrites(bdev);
    return 0;
  });
  CHECK(writes >= 1);
  CHECK(w.pc()->nr_dirty <= 10);
  bool background = false;
  for (const auto& r : w.Records("writeback.start")) background |= r.values[1] == kernel::WB_REASON_BACKGROUND;
  CHECK(background);
}

TEST_CASE("writeback: a writer above the dirty ratio is throttled until writeback catches up", "[writeback]") {
  StorageWorld w;
  DiskSpec spec;
  spec.latency_ns = 2 * sim::kMillisecond;
  spec.queue_depth = 1;
  w.AddRamdisk("sda", spec);
  w.Mount("sda", "/data");
  kernel::pagecache_tunables().capacity_pages = 100;
  long r = 0;
  sim::SimTime took = 0;
  w.RunTask([&] {
    int fd = static_cast<int>(kernel::sys_open("/data/f", O_WRONLY | O_CREAT, 0644));
    sim::SimTime t0 = kernel::ktime_get();
    r = WritePages(fd, 60, 0x33, 0);
    took = kernel::ktime_get() - t0;
    return 0;
  });
  CHECK(r == 60 * 4096);
  CHECK(w.Count("writeback.throttle") >= 1);
  CHECK(took >= 2 * sim::kMillisecond);  // it waited for at least one write
  std::vector<uint8_t> got = w.Contents("/data/f", 0, 60 * 4096);
  CHECK(got == std::vector<uint8_t>(60 * 4096, 0x33));
}

TEST_CASE("writeback: fsync writes the file's dirty pages, waits, then flushes the device cache", "[writeback]") {
  StorageWorld w;
  kernel::block_device* bdev = w.AddSsd("nvme0");
  w.Mount("nvme0", "/data");
  long r = -1;
  long dirty_after = -1, wb_after = -1;
  w.RunTask([&] {
    int fd = static_cast<int>(kernel::sys_open("/data/f", O_WRONLY | O_CREAT, 0644));
    WritePages(fd, 10, 0x44, 0);
    r = kernel::sys_fsync(static_cast<unsigned>(fd));
    kernel::inode* ino = kernel::lookup_path("/data/f");
    dirty_after = ino->i_data.nr_dirty;
    wb_after = ino->i_data.nr_writeback;
    return 0;
  });
  CHECK(r == 0);
  CHECK(dirty_after == 0);
  CHECK(wb_after == 0);
  CHECK(bdev->bd_device->stats().completed(devices::BlockOp::kFlush) == 1);
  CHECK(w.DispatchedSectors(kernel::REQ_OP_WRITE) == std::vector<int64_t>{80});  // one merged request
  kernel::inode* ino = kernel::lookup_path("/data/f");
  uint64_t pblk = ino->i_extents.begin()->second.pblk;
  std::vector<uint8_t> persisted(10 * 4096);
  bdev->bd_device->media().PeekPersisted(pblk * 8, 80, persisted.data());
  CHECK(persisted == std::vector<uint8_t>(10 * 4096, 0x44));
}

TEST_CASE("writeback: a failed writeback is reported by the next fsync, once", "[writeback]") {
  StorageWorld w;
  DiskSpec spec;
  spec.faulty = true;
  w.AddRamdisk("sda", spec);
  w.Mount("sda", "/data");
  w.File("/data/f", 4 * 4096);
  kernel::inode* ino = kernel::lookup_path("/data/f");
  devices::FaultyDevice::EioRange er;
  er.op = devices::BlockOp::kWrite;
  er.sector = (ino->i_extents.begin()->second.pblk + 1) * 8;
  er.sectors = 8;
  REQUIRE(w.faulty->AddEioRange(er).ok());
  long first = 0, second = 0;
  w.RunTask([&] {
    int fd = static_cast<int>(kernel::sys_open("/data/f", O_RDWR, 0));
    WritePages(fd, 1, 0x55, 4096);
    first = kernel::sys_fsync(static_cast<unsigned>(fd));
    second = kernel::sys_fsync(static_cast<unsigned>(fd));
    return 0;
  });
  CHECK(first == -EIO);
  CHECK(second == 0);
}

namespace {
struct Probe {
  kernel::wait_page_queue wpq;
  kernel::task_struct* task = nullptr;
  int fired = 0;
};
int probe_wake(kernel::wait_queue_entry* e, unsigned mode, int flags, void* key) {
  auto* wpq = container_of(e, kernel::wait_page_queue, wait);
  if (!kernel::wake_page_match(wpq, key)) return 0;
  auto* p = static_cast<Probe*>(e->private_);
  kernel::list_del_init(&e->entry);
  ++p->fired;
  kernel::wake_up_process(p->task);
  return 1;
}
}  // namespace

TEST_CASE("writeback: the async fdatawait queues the caller's entry on a page under writeback", "[writeback][retry]") {
  StorageWorld w;
  DiskSpec spec;
  spec.latency_ns = 1 * sim::kMillisecond;
  w.AddRamdisk("sda", spec);
  w.Mount("sda", "/data");
  Probe probe;
  int first = 0, second = 0;
  w.RunTask([&] {
    probe.task = kernel::current();
    kernel::init_waitqueue_func_entry(&probe.wpq.wait, probe_wake);
    probe.wpq.wait.private_ = &probe;
    int fd = static_cast<int>(kernel::sys_open("/data/f", O_WRONLY | O_CREAT, 0644));
    WritePages(fd, 2, 0x66, 0);
    kernel::inode* ino = kernel::lookup_path("/data/f");
    REQUIRE(kernel::filemap_fdatawrite_range(ino->i_mapping, 0, LLONG_MAX) == 0);
    first = kernel::filemap_fdatawait_range_async(ino->i_mapping, 0, LLONG_MAX, &probe.wpq);
    kernel::set_current_state(kernel::TASK_UNINTERRUPTIBLE);
    if (probe.fired == 0) kernel::schedule();
    kernel::__set_current_state(kernel::TASK_RUNNING);
    second = kernel::filemap_fdatawait_range_async(ino->i_mapping, 0, LLONG_MAX, &probe.wpq);
    return 0;
  });
  CHECK(first == -EIOCBRETRY);
  CHECK(probe.fired == 1);
  CHECK(second == 0);
}
