// The page cache: hits cost no device time, concurrent misses share one
// read, eviction at capacity (clean LRU first, dirty only after writeback),
// read errors, IOCB_NOWAIT and the IOCB_WAITQ async-wait hook.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "kernel_model/filemap.h"
#include "kernel_model/filemap_rw.h"
#include "kernel_model/fdtable.h"
#include "kernel_model/read_write.h"
#include "kernel_model/uio.h"
#include "kernel_model/vfs_namei.h"
#include "kernel_model/vfs_setup.h"
#include "kernel_model/wait.h"
#include "tests/kernel_model/storage_world.h"

namespace {

using kernel_test::DiskSpec;
using kernel_test::StorageWorld;
using kernel_test::ualloc;
using kernel_test::uget;

std::vector<uint8_t> Pread(int fd, size_t n, kernel::loff_t pos, long* ret = nullptr) {
  kernel::user_ptr buf = ualloc(n + 1);
  long r = kernel::sys_pread64(static_cast<unsigned>(fd), buf, n, pos);
  if (ret) *ret = r;
  if (r <= 0) return {};
  std::string s = uget(buf, static_cast<size_t>(r));
  return std::vector<uint8_t>(s.begin(), s.end());
}

uint64_t DeviceReads(kernel::block_device* bdev) { return bdev->bd_device->stats().completed(devices::BlockOp::kRead); }
uint64_t DeviceWrites(kernel::block_device* bdev) {
  return bdev->bd_device->stats().completed(devices::BlockOp::kWrite);
}

bool Cached(const std::string& path, kernel::pgoff_t index) {
  kernel::inode* ino = kernel::lookup_path(path);
  return ino->i_data.i_pages.count(index) != 0;
}

}  // namespace

TEST_CASE("filemap: a warm read costs no device time", "[filemap]") {
  StorageWorld w;
  DiskSpec spec;
  spec.latency_ns = 200 * sim::kMicrosecond;
  kernel::block_device* bdev = w.AddRamdisk("sda", spec);
  w.Mount("sda", "/data");
  w.File("/data/f", 64 * 1024);
  sim::SimTime cold_ns = 0, warm_ns = 0;
  uint64_t cold_reads = 0, warm_reads = 0;
  std::vector<uint8_t> cold, warm;
  w.RunTask([&] {
    int fd = static_cast<int>(kernel::sys_open("/data/f", O_RDONLY, 0));
    sim::SimTime t0 = kernel::ktime_get();
    cold = Pread(fd, 64 * 1024, 0);
    sim::SimTime t1 = kernel::ktime_get();
    cold_reads = DeviceReads(bdev);
    warm = Pread(fd, 64 * 1024, 0);
    sim::SimTime t2 = kernel::ktime_get();
    warm_reads = DeviceReads(bdev) - cold_reads;
    cold_ns = t1 - t0;
    warm_ns = t2 - t1;
    return 0;
  });
  CHECK(cold_ns >= 200 * sim::kMicrosecond);
  CHECK(cold_reads >= 1);
  CHECK(warm_ns == 0);
  CHECK(warm_reads == 0);
  CHECK(warm == cold);
  CHECK(w.pc()->stats.lookups_hit >= 16);
}

TEST_CASE("filemap: two readers missing on the same page share one device read", "[filemap]") {
  StorageWorld w;
  DiskSpec spec;
  spec.latency_ns = 1 * sim::kMillisecond;
  kernel::block_device* bdev = w.AddRamdisk("sda", spec);
  w.Mount("sda", "/data");
  w.File("/data/f", 4096);
  std::vector<uint8_t> a, b;
  sim::SimTime ta = 0, tb = 0;
  kernel::create_process("a", [&] {
    int fd = static_cast<int>(kernel::sys_open("/data/f", O_RDONLY, 0));
    a = Pread(fd, 4096, 0);
    ta = kernel::ktime_get();
    return 0;
  });
  kernel::create_process("b", [&] {
    int fd = static_cast<int>(kernel::sys_open("/data/f", O_RDONLY, 0));
    b = Pread(fd, 4096, 0);
    tb = kernel::ktime_get();
    return 0;
  });
  w.Run();
  CHECK(DeviceReads(bdev) == 1);
  CHECK(a == b);
  CHECK(a == kernel_test::PatternBytes(kernel::lookup_path("/data/f")->i_ino, 0, 4096));
  CHECK(ta == tb);
  CHECK(ta >= 1 * sim::kMillisecond);
}

TEST_CASE("filemap: at capacity the least recently used clean pages are evicted", "[filemap]") {
  StorageWorld w;
  w.AddRamdisk("sda");
  w.Mount("sda", "/data");
  kernel::pagecache_tunables().capacity_pages = 16;
  w.File("/data/a", 16 * 4096);
  w.File("/data/b", 8 * 4096);
  w.RunTask([&] {
    int fa = static_cast<int>(kernel::sys_open("/data/a", O_RDONLY, 0));
    int fb = static_cast<int>(kernel::sys_open("/data/b", O_RDONLY, 0));
    for (int i = 0; i < 16; ++i) Pread(fa, 4096, i * 4096);
    Pread(fa, 4096, 3 * 4096);  // touch page 3 again: now young
    for (int i = 0; i < 8; ++i) Pread(fb, 4096, i * 4096);
    return 0;
  });
  CHECK(w.pc()->nr_pages == 16);
  std::vector<int> a_cached;
  for (int i = 0; i < 16; ++i) {
    if (Cached("/data/a", static_cast<kernel::pgoff_t>(i))) a_cached.push_back(i);
  }
  CHECK(a_cached == std::vector<int>{3, 9, 10, 11, 12, 13, 14, 15});
  for (int i = 0; i < 8; ++i) CHECK(Cached("/data/b", static_cast<kernel::pgoff_t>(i)));
  CHECK(w.pc()->stats.pages_evicted == 8);
  CHECK(kernel::pagecache_check_consistency() == "");
}

TEST_CASE("filemap: dirty pages are written back before they are evicted, never dropped", "[filemap]") {
  StorageWorld w;
  kernel::block_device* bdev = w.AddRamdisk("sda");
  w.Mount("sda", "/data");
  kernel::pagecache_config& cfg = kernel::pagecache_tunables();
  cfg.capacity_pages = 16;
  cfg.dirty_ratio = 100;
  cfg.dirty_background_ratio = 100;
  w.File("/data/a", 0);
  w.File("/data/b", 8 * 4096);
  std::vector<uint8_t> b_data;
  uint64_t writes_before_reads = 0;
  w.RunTask([&] {
    int fa = static_cast<int>(kernel::sys_open("/data/a", O_WRONLY, 0));
    int fb = static_cast<int>(kernel::sys_open("/data/b", O_RDONLY, 0));
    kernel::user_ptr buf = ualloc(16 * 4096);
    std::vector<uint8_t> data(16 * 4096);
    for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i / 4096 + 1);
    kernel_test::uput(buf, data.data(), data.size());
    kernel::sys_write(static_cast<unsigned>(fa), buf, data.size());
    writes_before_reads = DeviceWrites(bdev);
    b_data = Pread(fb, 8 * 4096, 0);
    return 0;
  });
  CHECK(writes_before_reads == 0);
  CHECK(DeviceWrites(bdev) >= 1);  // reclaim had the flusher write a's pages
  CHECK(b_data == kernel_test::PatternBytes(kernel::lookup_path("/data/b")->i_ino, 0, 8 * 4096));
  std::vector<uint8_t> a = w.Contents("/data/a", 0, 16 * 4096);
  REQUIRE(a.size() == 16 * 4096);
  for (size_t i = 0; i < a.size(); i += 4096) CHECK(a[i] == static_cast<uint8_t>(i / 4096 + 1));
  CHECK(w.pc()->nr_pages <= 16);
  CHECK(w.pc()->stats.reclaim_waits >= 1);
  CHECK(kernel::pagecache_check_consistency() == "");
}

TEST_CASE("filemap: a device read error gives -EIO and leaves the page with PG_error", "[filemap]") {
  StorageWorld w;
  DiskSpec spec;
  spec.faulty = true;
  kernel::block_device* bdev = w.AddRamdisk("sda", spec);
  w.Mount("sda", "/data");
  kernel::pagecache_tunables().ra_pages = 0;  // one page per read
  w.File("/data/f", 4 * 4096);
  kernel::inode* ino = kernel::lookup_path("/data/f");
  uint64_t pblk = ino->i_extents.begin()->second.pblk + 2;
  devices::FaultyDevice::EioRange r;
  r.sector = pblk * 8;
  r.sectors = 8;
  REQUIRE(w.faulty->AddEioRange(r).ok());
  long r1 = 0, r2 = 0, r3 = 0;
  bool pg_error = false, uptodate = true;
  std::vector<uint8_t> page0;
  uint64_t reads_before_retry = 0, reads_after_retry = 0;
  w.RunTask([&] {
    int fd = static_cast<int>(kernel::sys_open("/data/f", O_RDONLY, 0));
    Pread(fd, 4096, 2 * 4096, &r1);
    kernel::page* pg = kernel::find_get_page(ino->i_mapping, 2);
    if (pg) {
      pg_error = kernel::PageError(pg);
      uptodate = kernel::PageUptodate(pg);
      kernel::put_page(pg);
    }
    page0 = Pread(fd, 4096, 0, &r2);
    reads_before_retry = DeviceReads(bdev);  // completed requests, failed ones included
    Pread(fd, 100, 2 * 4096 + 10, &r3);
    reads_after_retry = DeviceReads(bdev);
    return 0;
  });
  CHECK(r1 == -EIO);
  CHECK(pg_error);
  CHECK(!uptodate);
  CHECK(r2 == 4096);
  CHECK(page0 == kernel_test::PatternBytes(ino->i_ino, 0, 4096));
  CHECK(r3 == -EIO);
  CHECK(reads_after_retry == reads_before_retry + 1);  // the failed page is read again
}

TEST_CASE("filemap: RWF_NOWAIT reads return -EAGAIN for uncached data and bytes for cached data", "[filemap]") {
  StorageWorld w;
  kernel::block_device* bdev = w.AddRamdisk("sda");
  w.Mount("sda", "/data");
  w.File("/data/f", 8192);
  long miss = 0, hit = 0;
  uint64_t reads_after_miss = 0;
  w.RunTask([&] {
    int fd = static_cast<int>(kernel::sys_open("/data/f", O_RDONLY, 0));
    kernel::user_ptr buf = ualloc(8192);
    kernel::user_ptr iov = ualloc(64);
    kernel::iovec v{buf, 4096};
    kernel_test::uput(iov, &v, sizeof(v));
    miss = kernel::sys_preadv2(static_cast<unsigned>(fd), iov, 1, 0, static_cast<kernel::rwf_t>(kernel::RWF_NOWAIT));
    reads_after_miss = DeviceReads(bdev);
    Pread(fd, 4096, 0);
    hit = kernel::sys_preadv2(static_cast<unsigned>(fd), iov, 1, 0, static_cast<kernel::rwf_t>(kernel::RWF_NOWAIT));
    return 0;
  });
  CHECK(miss == -EAGAIN);
  CHECK(reads_after_miss == 0);  // RWF_NOWAIT also means no I/O (IOCB_NOIO)
  CHECK(hit == 4096);
}

namespace {
struct WaitqProbe {
  kernel::wait_page_queue wpq;
  kernel::task_struct* task = nullptr;
  int fired = 0;
  sim::SimTime fired_at = -1;
  bool fired_in_irq = false;
};

int probe_wake(kernel::wait_queue_entry* wq_entry, unsigned mode, int flags, void* key) {
  auto* wpq = container_of(wq_entry, kernel::wait_page_queue, wait);
  auto* probe = static_cast<WaitqProbe*>(wq_entry->private_);
  if (!kernel::wake_page_match(wpq, key)) return 0;
  kernel::list_del_init(&wq_entry->entry);
  ++probe->fired;
  probe->fired_at = kernel::ktime_get();
  probe->fired_in_irq = kernel::in_interrupt();
  kernel::wake_up_process(probe->task);
  return 1;
}
}  // namespace

TEST_CASE("filemap: an IOCB_WAITQ read queues the caller's entry and returns -EIOCBRETRY", "[filemap][retry]") {
  StorageWorld w;
  DiskSpec spec;
  spec.latency_ns = 1 * sim::kMillisecond;
  w.AddRamdisk("sda", spec);
  w.Mount("sda", "/data");
  w.File("/data/f", 3 * 4096);
  WaitqProbe probe;
  long first = 0, second = 0, fired_before_sleep = 0;
  std::vector<uint8_t> got(6000);
  w.RunTask([&] {
    probe.task = kernel::current();
    kernel::init_waitqueue_func_entry(&probe.wpq.wait, probe_wake);
    probe.wpq.wait.private_ = &probe;
    int fd = static_cast<int>(kernel::sys_open("/data/f", O_RDONLY, 0));
    kernel::file* f = kernel::fget(static_cast<unsigned>(fd));
    kernel::kiocb kio;
    kernel::init_sync_kiocb(&kio, f);
    kio.ki_pos = 100;
    kio.ki_flags |= kernel::IOCB_WAITQ;
    kio.ki_waitq = &probe.wpq;
    kernel::kvec kv{got.data(), got.size()};
    kernel::iov_iter iter;
    kernel::iov_iter_kvec(&iter, kernel::ITER_DEST, &kv, 1, got.size());
    first = kernel::filemap_read(&kio, &iter, 0);
    fired_before_sleep = probe.fired;
    // Sleep until the entry's func wakes us (the page unlocked).
    kernel::set_current_state(kernel::TASK_UNINTERRUPTIBLE);
    if (probe.fired == 0) kernel::schedule();
    kernel::__set_current_state(kernel::TASK_RUNNING);
    second = kernel::filemap_read(&kio, &iter, 0);
    kernel::fput(f);
    return 0;
  });
  CHECK(first == -EIOCBRETRY);
  CHECK(fired_before_sleep == 0);
  CHECK(probe.fired == 1);
  CHECK(probe.fired_in_irq);
  CHECK(probe.fired_at >= 1 * sim::kMillisecond);
  CHECK(second == 6000);
  CHECK(got == kernel_test::PatternBytes(kernel::lookup_path("/data/f")->i_ino, 100, 6000));
  CHECK(kernel::list_empty(&probe.wpq.wait.entry));
}
