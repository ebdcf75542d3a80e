// Data integrity under a randomized workload: buffered and direct reads and
// writes, fsync, ftruncate and a concurrent reader on a small page cache
// (eviction, throttling and background writeback all happen). Every read
// must return what was last written (a shadow copy says what that is), the
// file's final contents must match, and the page-cache counters must agree
// with the pages. The same seed must give the same trace.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "kernel_model/read_write.h"
#include "kernel_model/vfs_namei.h"
#include "kernel_model/vfs_setup.h"
#include "sim/prng.h"
#include "tests/kernel_model/storage_world.h"

namespace {

using kernel_test::DiskSpec;
using kernel_test::StorageWorld;
using kernel_test::ualloc;

struct Outcome {
  int mismatches = 0;
  std::string first_mismatch;
  int ops = 0;
  uint64_t hash = 0;
  std::string consistency;
  bool final_matches = false;
  sim::RunStatus status = sim::RunStatus::kIdle;
};

Outcome RunWorkload(uint64_t seed, int nops) {
  Outcome out;
  StorageWorld w(seed);
  DiskSpec spec;
  spec.queue_depth = 4;
  spec.capacity_bytes = 16 << 20;
  spec.latency_ns = 50 * sim::kMicrosecond;
  w.AddRamdisk("sda", spec);
  w.Mount("sda", "/data");
  kernel::pagecache_config& cfg = kernel::pagecache_tunables();
  cfg.capacity_pages = 48;
  cfg.dirty_writeback_interval_ns = 20 * sim::kMillisecond;
  cfg.dirty_expire_interval_ns = 50 * sim::kMillisecond;
  w.File("/data/f", 40000);
  w.File("/data/other", 256 * 1024);
  std::vector<uint8_t> shadow = w.Contents("/data/f", 0, 40000);
  const std::vector<uint8_t> other = w.Contents("/data/other", 0, 256 * 1024);
  constexpr kernel::loff_t kSpan = 96 * 1024;  // offsets stay within this

  auto check = [&out](const std::vector<uint8_t>& got, const std::vector<uint8_t>& want, const std::string& what) {
    if (got != want) {
      if (out.mismatches++ == 0) out.first_mismatch = what;
    }
  };

  // The checker reads a second file over and over, competing for the cache.
  kernel::create_process("reader", [&] {
    int fd = static_cast<int>(kernel::sys_open("/data/other", O_RDONLY, 0));
    kernel::user_ptr buf = ualloc(16384);
    sim::Prng rng(seed ^ 0x5eed);
    for (int i = 0; i < nops / 2; ++i) {
      kernel::loff_t pos = static_cast<kernel::loff_t>(rng.Uniform(256 * 1024 - 16384));
      size_t n = 1 + rng.Uniform(16384);
      long r = kernel::sys_pread64(static_cast<unsigned>(fd), buf, n, pos);
      std::vector<uint8_t> got(n);
      if (r > 0) kernel::copy_from_user(got.data(), buf, static_cast<unsigned long>(r));
      got.resize(r > 0 ? static_cast<size_t>(r) : 0);
      check(got, std::vector<uint8_t>(other.begin() + pos, other.begin() + pos + static_cast<kernel::loff_t>(n)),
            "other@" + std::to_string(pos));
    }
    return 0;
  });

  kernel::create_process("worker", [&] {
    int bfd = static_cast<int>(kernel::sys_open("/data/f", O_RDWR, 0));
    int dfd = static_cast<int>(kernel::sys_open("/data/f", O_RDWR | O_DIRECT, 0));
    kernel::user_ptr buf = ualloc(64 * 1024);
    sim::Prng rng(seed);
    for (int i = 0; i < nops; ++i) {
      ++out.ops;
      uint64_t kind = rng.Uniform(100);
      bool direct = rng.Chance(1, 3);
      kernel::loff_t pos;
      size_t n;
      if (direct) {
        pos = static_cast<kernel::loff_t>(rng.Uniform(kSpan / 512)) * 512;
        n = static_cast<size_t>(1 + rng.Uniform(24)) * 512;
      } else {
        pos = static_cast<kernel::loff_t>(rng.Uniform(kSpan));
        n = 1 + rng.Uniform(3 * 4096);
      }
      unsigned fd = static_cast<unsigned>(direct ? dfd : bfd);
      std::string what = std::string(direct ? "direct " : "buffered ") + std::to_string(pos) + "+" + std::to_string(n);
      if (kind < 40) {  // write
        std::vector<uint8_t> data(n);
        for (auto& b : data) b = static_cast<uint8_t>(rng.Next());
        kernel::copy_to_user(buf, data.data(), n);
        long r = kernel::sys_pwrite64(fd, buf, n, pos);
        if (r != static_cast<long>(n)) {
          check({}, {1}, "write " + what + " returned " + std::to_string(r));
          continue;
        }
        if (shadow.size() < static_cast<size_t>(pos) + n) shadow.resize(static_cast<size_t>(pos) + n, 0);
        std::copy(data.begin(), data.end(), shadow.begin() + pos);
      } else if (kind < 85) {  // read
        long r = kernel::sys_pread64(fd, buf, n, pos);
        std::vector<uint8_t> want;
        if (static_cast<size_t>(pos) < shadow.size()) {
          size_t m = std::min(n, shadow.size() - static_cast<size_t>(pos));
          want.assign(shadow.begin() + pos, shadow.begin() + pos + static_cast<kernel::loff_t>(m));
        }
        std::vector<uint8_t> got;
        if (r >= 0) {
          got.resize(static_cast<size_t>(r));
          kernel::copy_from_user(got.data(), buf, static_cast<unsigned long>(r));
        }
        check(got, want, "read " + what + " returned " + std::to_string(r));
      } else if (kind < 92) {
        long r = rng.Chance(1, 2) ? kernel::sys_fsync(fd) : kernel::sys_fdatasync(fd);
        if (r != 0) check({}, {1}, "fsync returned " + std::to_string(r));
      } else {
        kernel::loff_t len = static_cast<kernel::loff_t>(rng.Uniform(kSpan));
        long r = kernel::sys_ftruncate(static_cast<unsigned>(bfd), len);
        if (r != 0) check({}, {1}, "ftruncate returned " + std::to_string(r));
        shadow.resize(static_cast<size_t>(len), 0);
      }
      if (rng.Chance(1, 10)) kernel::msleep(static_cast<unsigned>(rng.Uniform(30)));
    }
    kernel::sys_close(static_cast<unsigned>(bfd));
    kernel::sys_close(static_cast<unsigned>(dfd));
    return 0;
  });
  w.Run();
  out.status = w.last.status;
  out.final_matches = w.Contents("/data/f", 0, shadow.size() + 4096) == shadow;
  out.consistency = kernel::pagecache_check_consistency();
  out.hash = w.sched.trace().hash();
  return out;
}

}  // namespace

TEST_CASE("integrity: reads return what was last written under a mixed random workload", "[integrity]") {
  uint64_t seed = static_cast<uint64_t>(GENERATE(range(1, 9)));
  Outcome o = RunWorkload(seed, 300);
  INFO("seed " << seed << " first mismatch: " << o.first_mismatch);
  CHECK(o.status == sim::RunStatus::kIdle);
  CHECK(o.ops == 300);
  CHECK(o.mismatches == 0);
  CHECK(o.final_matches);
  CHECK(o.consistency == "");
}

TEST_CASE("integrity: the same seed gives the same trace hash", "[integrity][determinism]") {
  Outcome a = RunWorkload(11, 150);
  Outcome b = RunWorkload(11, 150);
  Outcome c = RunWorkload(12, 150);
  CHECK(a.hash == b.hash);
  CHECK(a.hash != c.hash);
}
