// Regular files on simplefs: open flags and errors, reads and writes at and
// around EOF, initial contents, O_APPEND, ENOSPC, EFBIG, ftruncate and
// unlink semantics, O_SYNC.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "kernel_model/fdtable.h"
#include "kernel_model/fs.h"
#include "kernel_model/read_write.h"
#include "kernel_model/uio.h"
#include "kernel_model/vfs_namei.h"
#include "kernel_model/vfs_setup.h"
#include "tests/kernel_model/storage_world.h"

namespace {

using kernel_test::DiskSpec;
using kernel_test::StorageWorld;
using kernel_test::uget;
using kernel_test::ualloc;
using kernel_test::uput;

std::vector<uint8_t> Bytes(const std::string& s) { return std::vector<uint8_t>(s.begin(), s.end()); }

long WriteStr(int fd, const std::string& s) {
  kernel::user_ptr buf = ualloc(s.size() + 1);
  uput(buf, s);
  return kernel::sys_write(static_cast<unsigned>(fd), buf, s.size());
}

long PwriteStr(int fd, const std::string& s, kernel::loff_t pos) {
  kernel::user_ptr buf = ualloc(s.size() + 1);
  uput(buf, s);
  return kernel::sys_pwrite64(static_cast<unsigned>(fd), buf, s.size(), pos);
}

// Returns the bytes read, or the error as a string "E<n>".
std::string Pread(int fd, size_t n, kernel::loff_t pos) {
  kernel::user_ptr buf = ualloc(n + 1);
  long r = kernel::sys_pread64(static_cast<unsigned>(fd), buf, n, pos);
  if (r < 0) return "E" + std::to_string(-r);
  return uget(buf, static_cast<size_t>(r));
}

}  // namespace

TEST_CASE("vfs: open creates, finds and refuses as Linux does", "[vfs]") {
  StorageWorld w;
  w.AddRamdisk("sda");
  w.Mount("sda", "/data");
  std::vector<long> r;
  w.RunTask([&] {
    r.push_back(kernel::sys_open("/data/missing", O_RDONLY, 0));
    r.push_back(kernel::sys_open("/data/f", O_RDWR | O_CREAT, 0600));
    r.push_back(kernel::sys_open("/data/f", O_RDWR | O_CREAT | O_EXCL, 0600));
    r.push_back(kernel::sys_open("/data/f", O_RDONLY, 0));
    r.push_back(kernel::sys_open("/other/f", O_RDWR | O_CREAT, 0600));
    r.push_back(kernel::sys_open("/data", O_RDONLY, 0));
    r.push_back(kernel::sys_open("relative", O_RDONLY | O_CREAT, 0600));
    r.push_back(kernel::sys_open("/data/a/b", O_RDONLY | O_CREAT, 0600));
    r.push_back(kernel::sys_open("/data/" + std::string(256, 'x'), O_RDONLY | O_CREAT, 0600));
    return 0;
  });
  REQUIRE(r.size() == 9);
  CHECK(r[0] == -ENOENT);
  CHECK(r[1] >= 0);
  CHECK(r[2] == -EEXIST);
  CHECK(r[3] >= 0);
  CHECK(r[3] != r[1]);
  CHECK(r[4] == -ENOENT);
  CHECK(r[5] == -EISDIR);
  CHECK(r[6] == -ENOENT);
  CHECK(r[7] == -ENOENT);
  CHECK(r[8] == -ENAMETOOLONG);
  kernel::inode* ino = kernel::lookup_path("/data/f");
  REQUIRE(ino != nullptr);
  CHECK((ino->i_mode & 0777) == 0600);
}

TEST_CASE("vfs: reads at EOF return 0 and reads across it a short count", "[vfs]") {
  StorageWorld w;
  w.AddRamdisk("sda");
  w.Mount("sda", "/data");
  w.File("/data/f", 10000);
  std::vector<std::string> got;
  w.RunTask([&] {
    int fd = static_cast<int>(kernel::sys_open("/data/f", O_RDONLY, 0));
    got.push_back(Pread(fd, 4096, 10000));
    got.push_back(Pread(fd, 4096, 20000));
    got.push_back(Pread(fd, 4096, 8192));
    got.push_back(Pread(fd, 100, 9950));
    got.push_back(Pread(fd, 10, -1));
    return 0;
  });
  REQUIRE(got.size() == 5);
  CHECK(got[0].empty());
  CHECK(got[1].empty());
  CHECK(got[2].size() == 10000 - 8192);
  CHECK(got[3].size() == 50);
  CHECK(got[4] == "E" + std::to_string(EINVAL));
  kernel::inode* ino = kernel::lookup_path("/data/f");
  CHECK(Bytes(got[2]) == kernel_test::PatternBytes(ino->i_ino, 8192, 10000 - 8192));
}

TEST_CASE("vfs: initial contents are the pattern, zeros (sparse) or a repeated text", "[vfs]") {
  StorageWorld w;
  w.AddRamdisk("sda");
  kernel::super_block* sb = w.Mount("sda", "/data");
  uint64_t free0 = sb->free_blocks;
  w.File("/data/p", 3 * 4096 + 5);
  w.File("/data/z", 1 << 20, kernel::file_fill::kZeros);
  w.File("/data/t", 10, kernel::file_fill::kText, "abc");
  CHECK(sb->free_blocks == free0 - 4 - 1);  // p: 4 blocks, z: none, t: 1
  std::string p, z, t;
  w.RunTask([&] {
    int fp = static_cast<int>(kernel::sys_open("/data/p", O_RDONLY, 0));
    int fz = static_cast<int>(kernel::sys_open("/data/z", O_RDONLY, 0));
    int ft = static_cast<int>(kernel::sys_open("/data/t", O_RDONLY, 0));
    p = Pread(fp, 20000, 0);
    z = Pread(fz, 8192, 500000);
    t = Pread(ft, 100, 0);
    return 0;
  });
  kernel::inode* ino = kernel::lookup_path("/data/p");
  CHECK(Bytes(p) == kernel_test::PatternBytes(ino->i_ino, 0, 3 * 4096 + 5));
  CHECK(z == std::string(8192, '\0'));
  CHECK(t == "abcabcabca");
  CHECK(w.Contents("/data/t", 0, 100) == Bytes("abcabcabca"));
  // Two files get different patterns.
  CHECK(kernel_test::PatternBytes(1, 0, 64) != kernel_test::PatternBytes(2, 0, 64));
}

TEST_CASE("vfs: what is written is read back, through write, pwrite, writev and readv", "[vfs]") {
  StorageWorld w;
  w.AddRamdisk("sda");
  w.Mount("sda", "/data");
  std::string a, b;
  long wv = 0, rv = 0;
  w.RunTask([&] {
    int fd = static_cast<int>(kernel::sys_open("/data/f", O_RDWR | O_CREAT, 0644));
    WriteStr(fd, "hello ");
    WriteStr(fd, "world");
    PwriteStr(fd, "W", 6);
    a = Pread(fd, 100, 0);
    // writev of two pieces across a page boundary, then readv back.
    kernel::user_ptr p1 = ualloc(8192);
    kernel::user_ptr p2 = ualloc(8192);
    uput(p1, std::string(4090, 'x'));
    uput(p2, std::string(20, 'y'));
    kernel::user_ptr iov = ualloc(64);
    kernel::iovec v[2] = {{p1, 4090}, {p2, 20}};
    uput(iov, v, sizeof(v));
    kernel::sys_lseek(static_cast<unsigned>(fd), 0, SEEK_SET);
    wv = kernel::sys_writev(static_cast<unsigned>(fd), iov, 2);
    kernel::sys_lseek(static_cast<unsigned>(fd), 0, SEEK_SET);
    uput(p1, std::string(4090, '.'));
    uput(p2, std::string(20, '.'));
    rv = kernel::sys_readv(static_cast<unsigned>(fd), iov, 2);
    b = uget(p1, 4090) + uget(p2, 20);
    kernel::sys_close(static_cast<unsigned>(fd));
    return 0;
  });
  CHECK(a == "hello World");
  CHECK(wv == 4110);
  CHECK(rv == 4110);
  CHECK(b == std::string(4090, 'x') + std::string(20, 'y'));
  CHECK(w.Contents("/data/f", 0, 5000) == Bytes(b));
}

TEST_CASE("vfs: O_APPEND writes go to the end even after a seek", "[vfs]") {
  StorageWorld w;
  w.AddRamdisk("sda");
  w.Mount("sda", "/data");
  w.File("/data/log", 3, kernel::file_fill::kText, "abc");
  w.RunTask([&] {
    int fd = static_cast<int>(kernel::sys_open("/data/log", O_WRONLY | O_APPEND, 0));
    kernel::sys_lseek(static_cast<unsigned>(fd), 0, SEEK_SET);
    WriteStr(fd, "123");
    PwriteStr(fd, "45", 0);  // pwrite on O_APPEND appends too (Linux)
    return 0;
  });
  CHECK(w.Contents("/data/log", 0, 100) == Bytes("abc12345"));
}

TEST_CASE("vfs: a full device gives a short write, then -ENOSPC", "[vfs]") {
  StorageWorld w;
  DiskSpec spec;
  spec.capacity_bytes = 16 * 4096;
  w.AddRamdisk("sda", spec);
  kernel::super_block* sb = w.Mount("sda", "/data");
  long first = 0, second = 0;
  w.RunTask([&] {
    int fd = static_cast<int>(kernel::sys_open("/data/big", O_WRONLY | O_CREAT, 0644));
    kernel::user_ptr buf = ualloc(20 * 4096);
    first = kernel::sys_write(static_cast<unsigned>(fd), buf, 20 * 4096);
    second = kernel::sys_write(static_cast<unsigned>(fd), buf, 4096);
    return 0;
  });
  CHECK(first == 16 * 4096);
  CHECK(second == -ENOSPC);
  CHECK(sb->free_blocks == 0);
}

TEST_CASE("vfs: writes and truncates beyond the maximum file size give -EFBIG", "[vfs]") {
  StorageWorld w;
  w.AddRamdisk("sda");
  kernel::simplefs_options opts;
  opts.max_file_bytes = 10000;
  w.Mount("sda", "/data", opts);
  std::vector<long> r;
  w.RunTask([&] {
    int fd = static_cast<int>(kernel::sys_open("/data/f", O_RDWR | O_CREAT, 0644));
    kernel::user_ptr buf = ualloc(8192);
    r.push_back(kernel::sys_pwrite64(static_cast<unsigned>(fd), buf, 100, 10000));
    r.push_back(kernel::sys_pwrite64(static_cast<unsigned>(fd), buf, 8192, 9000));
    r.push_back(kernel::sys_ftruncate(static_cast<unsigned>(fd), 10001));
    r.push_back(kernel::sys_ftruncate(static_cast<unsigned>(fd), 10000));
    r.push_back(kernel::sys_ftruncate(static_cast<unsigned>(fd), -1));
    return 0;
  });
  CHECK(r == std::vector<long>{-EFBIG, 1000, -EFBIG, 0, -EINVAL});
}

TEST_CASE("vfs: ftruncate shrinks (dropping cached pages and zeroing the tail) and grows with zeros", "[vfs]") {
  StorageWorld w;
  w.AddRamdisk("sda");
  kernel::super_block* sb = w.Mount("sda", "/data");
  w.File("/data/f", 10 * 4096);
  kernel::inode* ino = kernel::lookup_path("/data/f");
  uint64_t free_before = sb->free_blocks;
  std::string tail;
  size_t pages_after_shrink = 0;
  long ro = 0;
  w.RunTask([&] {
    int fd = static_cast<int>(kernel::sys_open("/data/f", O_RDWR, 0));
    Pread(fd, 10 * 4096, 0);  // everything cached
    kernel::sys_ftruncate(static_cast<unsigned>(fd), 4096 + 100);
    pages_after_shrink = ino->i_data.nrpages;
    kernel::sys_ftruncate(static_cast<unsigned>(fd), 3 * 4096);
    tail = Pread(fd, 3 * 4096, 4096);
    int rfd = static_cast<int>(kernel::sys_open("/data/f", O_RDONLY, 0));
    ro = kernel::sys_ftruncate(static_cast<unsigned>(rfd), 0);
    kernel::sys_fsync(static_cast<unsigned>(fd));
    return 0;
  });
  CHECK(pages_after_shrink == 2);
  CHECK(sb->free_blocks == free_before + 8);
  REQUIRE(tail.size() == 2 * 4096);
  CHECK(Bytes(tail.substr(0, 100)) == kernel_test::PatternBytes(ino->i_ino, 4096, 100));
  CHECK(tail.substr(100) == std::string(2 * 4096 - 100, '\0'));
  CHECK(ro == -EINVAL);
  // The zeroed tail reached the disk (fsync wrote the dirtied page).
  auto ext = ino->i_extents.find(0);
  REQUIRE(ext != ino->i_extents.end());
  REQUIRE(ext->second.len >= 2);
  std::vector<uint8_t> block(4096);
  kernel::lookup_bdev("sda")->bd_device->media().ReadBytes((ext->second.pblk + 1) * 4096, block);
  CHECK(std::vector<uint8_t>(block.begin(), block.begin() + 100) == kernel_test::PatternBytes(ino->i_ino, 4096, 100));
  CHECK(std::vector<uint8_t>(block.begin() + 100, block.end()) == std::vector<uint8_t>(4096 - 100, 0));
}

TEST_CASE("vfs: an unlinked file lives until its last close", "[vfs]") {
  StorageWorld w;
  w.AddRamdisk("sda");
  kernel::super_block* sb = w.Mount("sda", "/data");
  uint64_t free0 = sb->free_blocks;
  w.File("/data/f", 8 * 4096);
  unsigned long ino_nr = kernel::lookup_path("/data/f")->i_ino;
  std::string data;
  long reopen = 0, unlink2 = 0;
  bool alive_after_unlink = false;
  w.RunTask([&] {
    int fd = static_cast<int>(kernel::sys_open("/data/f", O_RDWR, 0));
    CHECK(kernel::sys_unlink("/data/f") == 0);
    unlink2 = kernel::sys_unlink("/data/f");
    reopen = kernel::sys_open("/data/f", O_RDONLY, 0);
    alive_after_unlink = sb->s_inodes.count(ino_nr) == 1;
    PwriteStr(fd, "still here", 0);
    data = Pread(fd, 10, 0);
    kernel::sys_close(static_cast<unsigned>(fd));
    return 0;
  });
  CHECK(unlink2 == -ENOENT);
  CHECK(reopen == -ENOENT);
  CHECK(alive_after_unlink);
  CHECK(data == "still here");
  CHECK(sb->s_inodes.count(ino_nr) == 0);
  CHECK(sb->free_blocks == free0);
  CHECK(w.pc()->nr_pages == 0);
  CHECK(kernel::pagecache_check_consistency() == "");
}

TEST_CASE("vfs: O_SYNC and O_DSYNC writes are on the media when write returns", "[vfs]") {
  for (int flag : {O_SYNC, O_DSYNC}) {
    StorageWorld w;
    kernel::block_device* bdev = w.AddSsd("nvme0");
    w.Mount("nvme0", "/data");
    uint64_t writes_at_return = 0, flushes_at_return = 0;
    w.RunTask([&] {
      int fd = static_cast<int>(kernel::sys_open("/data/f", O_WRONLY | O_CREAT | flag, 0644));
      WriteStr(fd, std::string(4096, 's'));
      writes_at_return = bdev->bd_device->stats().completed(devices::BlockOp::kWrite);
      flushes_at_return = bdev->bd_device->stats().completed(devices::BlockOp::kFlush);
      return 0;
    });
    CHECK(writes_at_return == 1);
    CHECK(flushes_at_return == 1);
    kernel::inode* ino = kernel::lookup_path("/data/f");
    auto ext = ino->i_extents.begin();
    REQUIRE(ext != ino->i_extents.end());
    std::vector<uint8_t> persisted(4096);
    bdev->bd_device->media().PeekPersisted(ext->second.pblk * 8, 8, persisted.data());
    CHECK(persisted == std::vector<uint8_t>(4096, 's'));
  }
}
