// Readahead: the window grows on sequential reads and stays out of the way
// of random ones; device requests follow the windows.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "kernel_model/read_write.h"
#include "kernel_model/readahead.h"
#include "kernel_model/vfs_namei.h"
#include "kernel_model/vfs_setup.h"
#include "tests/kernel_model/storage_world.h"

namespace {

using kernel_test::StorageWorld;
using kernel_test::ualloc;

std::vector<int64_t> WindowSizes(StorageWorld& w) {
  std::vector<int64_t> out;
  for (const auto& r : w.Records("readahead")) out.push_back(r.values[2]);
  return out;
}

}  // namespace

TEST_CASE("readahead: window sizes follow Linux's init and ramp-up rules", "[readahead]") {
  CHECK(kernel::get_init_ra_size(1, 32) == 4);
  CHECK(kernel::get_init_ra_size(2, 32) == 4);
  CHECK(kernel::get_init_ra_size(4, 32) == 8);
  CHECK(kernel::get_init_ra_size(9, 32) == 32);
  CHECK(kernel::get_init_ra_size(100, 32) == 32);
  kernel::file_ra_state ra;
  ra.size = 1;
  CHECK(kernel::get_next_ra_size(&ra, 32) == 4);
  ra.size = 4;
  CHECK(kernel::get_next_ra_size(&ra, 32) == 8);
  ra.size = 16;
  CHECK(kernel::get_next_ra_size(&ra, 32) == 32);
  ra.size = 32;
  CHECK(kernel::get_next_ra_size(&ra, 32) == 32);
}

TEST_CASE("readahead: sequential 4 KiB reads grow the window 4, 8, 16, 32 pages", "[readahead]") {
  StorageWorld w;
  kernel::block_device* bdev = w.AddRamdisk("sda");
  w.Mount("sda", "/data");
  w.File("/data/f", 1 << 20);
  int misses_waited = 0;
  w.RunTask([&] {
    int fd = static_cast<int>(kernel::sys_open("/data/f", O_RDONLY, 0));
    kernel::user_ptr buf = ualloc(4096);
    for (int i = 0; i < 256; ++i) {
      sim::SimTime t0 = kernel::ktime_get();
      REQUIRE(kernel::sys_read(static_cast<unsigned>(fd), buf, 4096) == 4096);
      if (kernel::ktime_get() != t0) ++misses_waited;
    }
    return 0;
  });
  std::vector<int64_t> sizes = WindowSizes(w);
  REQUIRE(sizes.size() >= 6);
  CHECK(std::vector<int64_t>(sizes.begin(), sizes.begin() + 6) == std::vector<int64_t>{4, 8, 16, 32, 32, 32});
  std::vector<int64_t> reqs = w.DispatchedSectors(kernel::REQ_OP_READ);
  REQUIRE(reqs.size() >= 5);
  CHECK(std::vector<int64_t>(reqs.begin(), reqs.begin() + 5) == std::vector<int64_t>{32, 64, 128, 256, 256});
  // Exactly the file was read, once.
  CHECK(bdev->bd_device->stats().bytes(devices::BlockOp::kRead) == (1u << 20));
  // Async readahead keeps ahead of the reader: only the first read waits
  // for the device... and those that catch up with a window in flight.
  CHECK(misses_waited < 16);
}

TEST_CASE("readahead: random reads read just the page asked for", "[readahead]") {
  StorageWorld w;
  kernel::block_device* bdev = w.AddRamdisk("sda");
  w.Mount("sda", "/data");
  w.File("/data/f", 1 << 20);
  w.RunTask([&] {
    int fd = static_cast<int>(kernel::sys_open("/data/f", O_RDONLY, 0));
    kernel::user_ptr buf = ualloc(4096);
    for (long page : {100, 37, 200, 5, 150, 77}) {
      REQUIRE(kernel::sys_pread64(static_cast<unsigned>(fd), buf, 4096, page * 4096) == 4096);
    }
    return 0;
  });
  CHECK(w.DispatchedSectors(kernel::REQ_OP_READ) == std::vector<int64_t>(6, 8));
  CHECK(WindowSizes(w) == std::vector<int64_t>(6, 1));
  CHECK(bdev->bd_device->stats().bytes(devices::BlockOp::kRead) == 6 * 4096);
}

TEST_CASE("readahead: the window stops at EOF and a disabled window reads only what is asked", "[readahead]") {
  SECTION("EOF") {
    StorageWorld w;
    kernel::block_device* bdev = w.AddRamdisk("sda");
    w.Mount("sda", "/data");
    w.File("/data/f", 3 * 4096 + 10);
    w.RunTask([&] {
      int fd = static_cast<int>(kernel::sys_open("/data/f", O_RDONLY, 0));
      kernel::user_ptr buf = ualloc(4096);
      CHECK(kernel::sys_read(static_cast<unsigned>(fd), buf, 4096) == 4096);
      return 0;
    });
    CHECK(bdev->bd_device->stats().bytes(devices::BlockOp::kRead) == 4 * 4096);
    CHECK(kernel::lookup_path("/data/f")->i_data.nrpages == 4);
  }
  SECTION("ra_pages = 0") {
    StorageWorld w;
    kernel::block_device* bdev = w.AddRamdisk("sda");
    w.Mount("sda", "/data");
    kernel::pagecache_tunables().ra_pages = 0;
    w.File("/data/f", 1 << 20);
    w.RunTask([&] {
      int fd = static_cast<int>(kernel::sys_open("/data/f", O_RDONLY, 0));
      kernel::user_ptr buf = ualloc(4096);
      for (int i = 0; i < 8; ++i) CHECK(kernel::sys_read(static_cast<unsigned>(fd), buf, 4096) == 4096);
      return 0;
    });
    CHECK(bdev->bd_device->stats().bytes(devices::BlockOp::kRead) == 8 * 4096);
  }
}
