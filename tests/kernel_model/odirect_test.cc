// O_DIRECT: alignment errors, cache bypass and coherence with cached
// pages, EOF handling, zeroing of new blocks, IOCB_NOWAIT, and the async
// (-EIOCBQUEUED / ki_complete) path the AIO layer builds on, and the pinning
// of the user buffer (faults at submission; the device reads or writes the
// pinned pages).
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "kernel_model/fdtable.h"
#include "kernel_model/fs.h"
#include "kernel_model/mm.h"
#include "kernel_model/read_write.h"
#include "kernel_model/uio.h"
#include "kernel_model/vfs_namei.h"
#include "kernel_model/vfs_setup.h"
#include "tests/kernel_model/storage_world.h"

namespace {

using kernel_test::DiskSpec;
using kernel_test::StorageWorld;
using kernel_test::ualloc;
using kernel_test::uget;
using kernel_test::uput;

std::vector<uint8_t> V(const std::string& s) { return std::vector<uint8_t>(s.begin(), s.end()); }

}  // namespace

TEST_CASE("odirect: misaligned offset, length or buffer give -EINVAL", "[odirect]") {
  StorageWorld w;
  w.AddRamdisk("sda");
  w.Mount("sda", "/data");
  w.File("/data/f", 1 << 20);
  std::vector<long> r;
  w.RunTask([&] {
    int fd = static_cast<int>(kernel::sys_open("/data/f", O_RDWR | O_DIRECT, 0));
    unsigned ufd = static_cast<unsigned>(fd);
    kernel::user_ptr buf = ualloc(16384);
    r.push_back(kernel::sys_pread64(ufd, buf, 4096, 100));      // offset
    r.push_back(kernel::sys_pread64(ufd, buf, 100, 0));         // length
    r.push_back(kernel::sys_pread64(ufd, buf + 1, 4096, 0));    // buffer
    r.push_back(kernel::sys_pwrite64(ufd, buf, 4096, 256));     // write offset
    r.push_back(kernel::sys_pread64(ufd, buf + 512, 512, 512)); // 512-aligned is fine
    r.push_back(kernel::sys_pread64(ufd, buf, 4096, 0));
    return 0;
  });
  CHECK(r == std::vector<long>{-EINVAL, -EINVAL, -EINVAL, -EINVAL, 512, 4096});
}

TEST_CASE("odirect: reads bypass the page cache in one device request", "[odirect]") {
  StorageWorld w;
  kernel::block_device* bdev = w.AddRamdisk("sda");
  w.Mount("sda", "/data");
  w.File("/data/f", 1 << 20);
  std::string got;
  w.RunTask([&] {
    int fd = static_cast<int>(kernel::sys_open("/data/f", O_RDONLY | O_DIRECT, 0));
    kernel::user_ptr buf = ualloc(65536);
    REQUIRE(kernel::sys_pread64(static_cast<unsigned>(fd), buf, 65536, 8192) == 65536);
    got = uget(buf, 65536);
    return 0;
  });
  kernel::inode* ino = kernel::lookup_path("/data/f");
  CHECK(ino->i_data.nrpages == 0);
  CHECK(w.pc()->nr_pages == 0);
  CHECK(w.DispatchedSectors(kernel::REQ_OP_READ) == std::vector<int64_t>{128});
  CHECK(V(got) == kernel_test::PatternBytes(ino->i_ino, 8192, 65536));
  CHECK(bdev->bd_device->stats().bytes(devices::BlockOp::kRead) == 65536);
}

TEST_CASE("odirect: a direct read sees dirty cached data, a buffered read sees direct writes", "[odirect]") {
  StorageWorld w;
  w.AddRamdisk("sda");
  w.Mount("sda", "/data");
  w.File("/data/f", 8192);
  std::string direct_saw, buffered_saw;
  bool page_dropped = false;
  w.RunTask([&] {
    int bfd = static_cast<int>(kernel::sys_open("/data/f", O_RDWR, 0));
    int dfd = static_cast<int>(kernel::sys_open("/data/f", O_RDWR | O_DIRECT, 0));
    kernel::user_ptr buf = ualloc(8192);
    uput(buf, std::string(4096, 'B'));
    kernel::sys_pwrite64(static_cast<unsigned>(bfd), buf, 4096, 0);  // dirty in the cache
    kernel::sys_pread64(static_cast<unsigned>(dfd), buf, 4096, 0);
    direct_saw = uget(buf, 4096);
    kernel::sys_pread64(static_cast<unsigned>(bfd), buf, 4096, 4096);  // page 1 cached
    uput(buf, std::string(4096, 'D'));
    kernel::sys_pwrite64(static_cast<unsigned>(dfd), buf, 4096, 4096);
    page_dropped = kernel::lookup_path("/data/f")->i_data.i_pages.count(1) == 0;
    kernel::sys_pread64(static_cast<unsigned>(bfd), buf, 4096, 4096);
    buffered_saw = uget(buf, 4096);
    return 0;
  });
  CHECK(direct_saw == std::string(4096, 'B'));
  CHECK(page_dropped);
  CHECK(buffered_saw == std::string(4096, 'D'));
}

TEST_CASE("odirect: reads stop at EOF", "[odirect]") {
  StorageWorld w;
  w.AddRamdisk("sda");
  w.Mount("sda", "/data");
  w.File("/data/f", 6000);
  long at_eof = -1, across = -1;
  std::string got;
  w.RunTask([&] {
    int fd = static_cast<int>(kernel::sys_open("/data/f", O_RDONLY | O_DIRECT, 0));
    kernel::user_ptr buf = ualloc(8192);
    at_eof = kernel::sys_pread64(static_cast<unsigned>(fd), buf, 4096, 8192);
    across = kernel::sys_pread64(static_cast<unsigned>(fd), buf, 8192, 4096);
    got = uget(buf, 1904);
    return 0;
  });
  CHECK(at_eof == 0);
  CHECK(across == 6000 - 4096);
  CHECK(V(got) == kernel_test::PatternBytes(kernel::lookup_path("/data/f")->i_ino, 4096, 1904));
}

TEST_CASE("odirect: a small write into a new block zeroes the rest of the block", "[odirect]") {
  StorageWorld w;
  kernel::block_device* bdev = w.AddRamdisk("sda");
  w.Mount("sda", "/data");
  std::string got;
  w.RunTask([&] {
    int dfd = static_cast<int>(kernel::sys_open("/data/f", O_RDWR | O_CREAT | O_DIRECT, 0644));
    kernel::user_ptr buf = ualloc(4096);
    uput(buf, std::string(512, 'x'));
    REQUIRE(kernel::sys_pwrite64(static_cast<unsigned>(dfd), buf, 512, 1024) == 512);
    int bfd = static_cast<int>(kernel::sys_open("/data/f", O_RDWR, 0));
    uput(buf, "y");
    REQUIRE(kernel::sys_pwrite64(static_cast<unsigned>(bfd), buf, 1, 8192) == 1);
    kernel::user_ptr rb = ualloc(16384);
    REQUIRE(kernel::sys_pread64(static_cast<unsigned>(bfd), rb, 16384, 0) == 8193);
    got = uget(rb, 8193);
    return 0;
  });
  std::string want = std::string(1024, '\0') + std::string(512, 'x') + std::string(8192 - 1536, '\0') + "y";
  CHECK(got == want);
  kernel::inode* ino = kernel::lookup_path("/data/f");
  std::vector<uint8_t> block(4096);
  bdev->bd_device->media().ReadBytes(ino->i_extents.begin()->second.pblk * 4096, block);
  CHECK(block == V(want.substr(0, 4096)));
}

TEST_CASE("odirect: RWF_NOWAIT fails with -EAGAIN when cached pages or allocation are in the way", "[odirect]") {
  StorageWorld w;
  w.AddRamdisk("sda");
  w.Mount("sda", "/data");
  w.File("/data/f", 16384);
  long cached_write = 0, hole_write = 0, clean_read = 0;
  w.RunTask([&] {
    int bfd = static_cast<int>(kernel::sys_open("/data/f", O_RDWR, 0));
    int dfd = static_cast<int>(kernel::sys_open("/data/f", O_RDWR | O_DIRECT, 0));
    kernel::user_ptr buf = ualloc(8192);
    kernel::sys_pread64(static_cast<unsigned>(bfd), buf, 4096, 0);  // page 0 (and readahead) cached
    kernel::user_ptr iov = ualloc(64);
    kernel::iovec v{buf, 4096};
    uput(iov, &v, sizeof(v));
    cached_write = kernel::sys_pwritev2(static_cast<unsigned>(dfd), iov, 1, 0, static_cast<kernel::rwf_t>(kernel::RWF_NOWAIT));
    hole_write = kernel::sys_pwritev2(static_cast<unsigned>(dfd), iov, 1, 65536, static_cast<kernel::rwf_t>(kernel::RWF_NOWAIT));
    clean_read = kernel::sys_preadv2(static_cast<unsigned>(dfd), iov, 1, 0, static_cast<kernel::rwf_t>(kernel::RWF_NOWAIT));
    return 0;
  });
  CHECK(cached_write == -EAGAIN);
  CHECK(hole_write == -EAGAIN);
  CHECK(clean_read == 4096);  // clean cached pages do not stop a direct read
}

namespace {
struct AsyncResult {
  long res = 1;
  int calls = 0;
  sim::SimTime at = -1;
  bool in_irq = false;
};
void on_complete(kernel::kiocb* iocb, long ret) {
  auto* r = static_cast<AsyncResult*>(iocb->private_);
  r->res = ret;
  ++r->calls;
  r->at = kernel::ktime_get();
  r->in_irq = kernel::in_interrupt();
}
// A ramdisk slow enough (3 ms per request) that a test can act while its
// requests are in flight, mounted at /data.
void MountSlowRamdisk(StorageWorld& w, int64_t queue_depth = 32) {
  DiskSpec spec;
  spec.latency_ns = 3 * sim::kMillisecond;
  spec.queue_depth = queue_depth;
  w.AddRamdisk("sda", spec);
  w.Mount("sda", "/data");
}
// Starts an async read (ITER_DEST) or write (ITER_SOURCE) of len bytes at
// pos through k, completing into r; returns what read_iter/write_iter did.
long start_async(kernel::file* f, kernel::kiocb* k, AsyncResult* r, unsigned dir, kernel::user_ptr buf,
                 size_t len, kernel::loff_t pos) {
  kernel::init_sync_kiocb(k, f);
  k->ki_pos = pos;
  k->ki_complete = on_complete;
  k->private_ = r;
  kernel::iov_iter it;
  kernel::iov_iter_ubuf(&it, dir, buf, len);
  return dir == kernel::ITER_DEST ? f->f_op->read_iter(k, &it) : f->f_op->write_iter(k, &it);
}
}  // namespace

TEST_CASE("odirect: an async kiocb returns -EIOCBQUEUED and completes from bi_end_io", "[odirect][aio]") {
  StorageWorld w;
  MountSlowRamdisk(w);
  w.File("/data/f", 1 << 20);
  AsyncResult wr, rd, eof;
  long wret = 0, rret = 0, eret = 0;
  sim::SimTime submitted_at = -1;
  std::string read_back;
  kernel::user_ptr rbuf = 0;
  w.RunTask([&] {
    int fd = static_cast<int>(kernel::sys_open("/data/f", O_RDWR | O_DIRECT, 0));
    kernel::file* f = kernel::fget(static_cast<unsigned>(fd));
    kernel::user_ptr wbuf = ualloc(8192);
    rbuf = ualloc(8192);
    uput(wbuf, std::string(8192, 'A'));
    // Write 8 KiB at 64 KiB.
    kernel::kiocb wk, rk, ek;
    wret = start_async(f, &wk, &wr, kernel::ITER_SOURCE, wbuf, 8192, 65536);
    submitted_at = kernel::ktime_get();
    // Read 8 KiB at 0.
    rret = start_async(f, &rk, &rd, kernel::ITER_DEST, rbuf, 8192, 0);
    // At EOF: completes at once with 0, without ki_complete.
    eret = start_async(f, &ek, &eof, kernel::ITER_DEST, rbuf, 512, 2 << 20);
    kernel::msleep(20);
    read_back = uget(rbuf, 8192);
    kernel::fput(f);
    return 0;
  });
  CHECK(wret == -EIOCBQUEUED);
  CHECK(rret == -EIOCBQUEUED);
  CHECK(eret == 0);
  CHECK(eof.calls == 0);
  CHECK(submitted_at == 0);
  CHECK(wr.calls == 1);
  CHECK(wr.res == 8192);
  CHECK(wr.in_irq);
  CHECK(wr.at >= 3 * sim::kMillisecond);
  CHECK(rd.calls == 1);
  CHECK(rd.res == 8192);
  kernel::inode* ino = kernel::lookup_path("/data/f");
  CHECK(V(read_back) == kernel_test::PatternBytes(ino->i_ino, 0, 8192));
  CHECK(w.Contents("/data/f", 65536, 8192) == std::vector<uint8_t>(8192, 'A'));
  CHECK(ino->i_dio_count == 0);
}

TEST_CASE("odirect: a read pins its buffer at submission: -EFAULT before any I/O unless it is mapped writable",
          "[odirect]") {
  StorageWorld w;
  w.AddRamdisk("sda");
  w.Mount("sda", "/data");
  w.File("/data/f", 1 << 20);
  long unmapped = 0, readonly = 0, half_mapped = 0, vectored = 0;
  std::string first_half, got_a, got_b;
  size_t reads_before_vectored = 1;
  w.RunTask([&] {
    unsigned fd = static_cast<unsigned>(kernel::sys_open("/data/f", O_RDONLY | O_DIRECT, 0));
    unmapped = kernel::sys_pread64(fd, 0x1000, 4096, 0);
    readonly = kernel::sys_pread64(fd, ualloc(4096, PROT_READ), 4096, 0);
    kernel::user_ptr two = ualloc(8192);
    uput(two, std::string(8192, 'x'));
    kernel::sys_munmap(two + 4096, 4096);
    half_mapped = kernel::sys_pread64(fd, two, 8192, 0);
    first_half = uget(two, 4096);
    reads_before_vectored = w.DispatchedSectors(kernel::REQ_OP_READ).size();
    // Two buffers in two mappings: one request, the data split between them.
    kernel::user_ptr a = ualloc(4096), b = ualloc(4096);
    kernel::user_ptr iov = ualloc(32);
    kernel::iovec v[2] = {{a, 4096}, {b, 4096}};
    uput(iov, v, sizeof(v));
    vectored = kernel::sys_preadv(fd, iov, 2, 8192);
    got_a = uget(a, 4096);
    got_b = uget(b, 4096);
    return 0;
  });
  CHECK(unmapped == -EFAULT);
  CHECK(readonly == -EFAULT);
  CHECK(half_mapped == -EFAULT);
  CHECK(first_half == std::string(4096, 'x'));  // no I/O was issued into it
  CHECK(reads_before_vectored == 0);
  CHECK(vectored == 8192);
  CHECK(w.DispatchedSectors(kernel::REQ_OP_READ) == std::vector<int64_t>{16});
  unsigned long ino = kernel::lookup_path("/data/f")->i_ino;
  CHECK(V(got_a) == kernel_test::PatternBytes(ino, 8192, 4096));
  CHECK(V(got_b) == kernel_test::PatternBytes(ino, 12288, 4096));
}

TEST_CASE("odirect: an async read lands in its pinned pages though the buffer is unmapped, moved or "
          "write-protected meanwhile",
          "[odirect][aio]") {
  StorageWorld w;
  MountSlowRamdisk(w);
  w.File("/data/f", 1 << 20);
  AsyncResult res[3];
  long queued[3] = {0, 0, 0};
  std::string moved_got, protected_got;
  int pins_left = -1;
  w.RunTask([&] {
    int fd = static_cast<int>(kernel::sys_open("/data/f", O_RDONLY | O_DIRECT, 0));
    kernel::file* f = kernel::fget(static_cast<unsigned>(fd));
    kernel::user_ptr buf[3] = {ualloc(4096), ualloc(4096), ualloc(4096)};
    kernel::kiocb k[3];
    for (int i = 0; i < 3; ++i) {
      queued[i] = start_async(f, &k[i], &res[i], kernel::ITER_DEST, buf[i], 4096, 4096 * i);
    }
    // While the reads are in flight: unmap one buffer, move and grow
    // another, make the third read-only.
    kernel::sys_munmap(buf[0], 4096);
    auto moved = static_cast<kernel::user_ptr>(kernel::sys_mremap(buf[1], 4096, 65536, MREMAP_MAYMOVE, 0));
    kernel::sys_mprotect(buf[2], 4096, PROT_READ);
    kernel::msleep(20);
    moved_got = uget(moved, 4096);
    protected_got = uget(buf[2], 4096);
    kernel::mm_struct* mm = kernel::current()->mm;
    pins_left = kernel::find_vma_containing(mm, moved)->backing->pins +
                kernel::find_vma_containing(mm, buf[2])->backing->pins;
    kernel::fput(f);
    return 0;
  });
  for (int i = 0; i < 3; ++i) {
    CHECK(queued[i] == -EIOCBQUEUED);
    CHECK(res[i].calls == 1);
    CHECK(res[i].res == 4096);  // not -EFAULT: the pages were pinned
  }
  unsigned long ino = kernel::lookup_path("/data/f")->i_ino;
  CHECK(V(moved_got) == kernel_test::PatternBytes(ino, 4096, 4096));
  CHECK(V(protected_got) == kernel_test::PatternBytes(ino, 8192, 4096));
  CHECK(pins_left == 0);
}

TEST_CASE("odirect: a read zeroes the holes of its buffer at submission, the rest when its bio completes",
          "[odirect][aio]") {
  StorageWorld w;
  MountSlowRamdisk(w);
  w.File("/data/h", 0);
  AsyncResult rd;
  long queued = 0;
  std::string at_submit, at_end;
  w.RunTask([&] {
    int fd = static_cast<int>(kernel::sys_open("/data/h", O_RDWR | O_DIRECT, 0));
    kernel::user_ptr buf = ualloc(8192);
    uput(buf, std::string(4096, 'D'));
    // Block 1 written, block 0 a hole.
    REQUIRE(kernel::sys_pwrite64(static_cast<unsigned>(fd), buf, 4096, 4096) == 4096);
    uput(buf, std::string(8192, 'X'));
    kernel::file* f = kernel::fget(static_cast<unsigned>(fd));
    kernel::kiocb k;
    queued = start_async(f, &k, &rd, kernel::ITER_DEST, buf, 8192, 0);
    at_submit = uget(buf, 8192);
    kernel::msleep(20);
    at_end = uget(buf, 8192);
    kernel::fput(f);
    return 0;
  });
  CHECK(queued == -EIOCBQUEUED);
  CHECK(rd.res == 8192);
  CHECK(at_submit == std::string(4096, '\0') + std::string(4096, 'X'));
  CHECK(at_end == std::string(4096, '\0') + std::string(4096, 'D'));
}

TEST_CASE("odirect: a write pins its buffer: the device takes what it holds at dispatch; an unreadable "
          "buffer is -EFAULT before any I/O",
          "[odirect][aio]") {
  StorageWorld w;
  MountSlowRamdisk(w, /*queue_depth=*/1);  // the second write waits in the scheduler
  w.File("/data/f", 1 << 20);
  AsyncResult first, second;
  long unreadable = 0, queued_first = 0, queued_second = 0;
  size_t writes_before = 1;
  w.RunTask([&] {
    int fd = static_cast<int>(kernel::sys_open("/data/f", O_RDWR | O_DIRECT, 0));
    unsigned ufd = static_cast<unsigned>(fd);
    kernel::user_ptr nr = ualloc(4096, PROT_NONE);
    unreadable = kernel::sys_pwrite64(ufd, nr, 4096, 0);
    writes_before = w.DispatchedSectors(kernel::REQ_OP_WRITE).size();
    kernel::file* f = kernel::fget(ufd);
    kernel::user_ptr a = ualloc(4096), b = ualloc(4096);
    uput(a, std::string(4096, 'A'));
    uput(b, std::string(4096, 'B'));
    kernel::kiocb k[2];
    queued_first = start_async(f, &k[0], &first, kernel::ITER_SOURCE, a, 4096, 0);
    queued_second = start_async(f, &k[1], &second, kernel::ITER_SOURCE, b, 4096, 4096);
    // The first write is on the device and was gathered at dispatch; the
    // second is still queued: changing both buffers now changes only what
    // the second writes.
    uput(a, std::string(4096, 'a'));
    uput(b, std::string(4096, 'b'));
    kernel::msleep(20);
    kernel::fput(f);
    return 0;
  });
  CHECK(unreadable == -EFAULT);
  CHECK(writes_before == 0);
  CHECK(queued_first == -EIOCBQUEUED);
  CHECK(queued_second == -EIOCBQUEUED);
  CHECK(first.res == 4096);
  CHECK(second.res == 4096);
  CHECK(w.Contents("/data/f", 0, 4096) == std::vector<uint8_t>(4096, 'A'));
  CHECK(w.Contents("/data/f", 4096, 4096) == std::vector<uint8_t>(4096, 'b'));
}
