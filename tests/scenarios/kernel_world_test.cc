// The kernel extension's world tables: [[device]], [[file]], [cache] and
// [[fault]] build the storage, and every bad value is one located error.
#include <catch2/catch.hpp>
#include <string>

#include "tests/scenarios/program_util.h"

namespace scenarios_test {
namespace {

// A process whose body starts at line 4; the tables follow from line 6.
std::string With(const std::string& tables, const std::string& body = "x = 1") {
  return OneProcess(body, tables);
}

const char kSsd[] = "[[device]]\nname = \"sda\"\nkind = \"ssd\"\nsize = \"64MiB\"\nmount = \"/data\"\n";

TEST_CASE("Kernel world: a device, a file and the cache are built before the run", "[kernel_ext]") {
  ProgramRun r = RunToml(With(std::string(kSsd) +
                                  "[[file]]\npath = \"/data/a\"\nsize = \"8KiB\"\ntext = \"ab\"\n"
                                  "[[file]]\npath = \"/data/z\"\ndevice = \"sda\"\nsize = 4096\ncontents = \"zeros\"\n"
                                  "[cache]\ncapacity = \"1MiB\"\nreadahead_pages = 8\nwriteback_period = \"1s\"\n",
                              "a = file(\"/data/a\")\n"
                              "expect len(a) == 8KiB && a[0] == 0x61 && a[1] == 0x62 && a[8191] == 0x62\n"
                              "expect file(\"/data/z\") == bytes(alloc(4096))\n"
                              "c = cache_stats()\n"
                              "expect c.capacity_pages == 256\n"
                              "expect dev_stats(\"sda\").reads == 0"));
  INFO(r.status.message());
  REQUIRE(r.status.ok());
  INFO(FormatTextReport(r.report));
  CHECK(r.report.passed());
}

TEST_CASE("Kernel world: device parameters take units and drop their unit suffix", "[kernel_ext]") {
  ProgramRun r = RunToml(With(
      "[[device]]\nname = \"ram0\"\nkind = \"ramdisk\"\nsize = \"16MiB\"\nmount = \"/m\"\n"
      "access_latency = \"250us\"\nbandwidth_bytes_per_sec = \"1GiB/s\"\nqueue_depth = 2\nscheduler = \"noop\"\n"
      "[[file]]\npath = \"/m/f\"\nsize = \"4KiB\"\n",
      "fd = open(\"/m/f\", O_RDONLY | O_DIRECT)\nb = alloc(4096, align=4096)\nt = now()\n"
      "expect pread64(fd, b, 4096, 0) == 4096\n"
      "expect now() - t == 250us + (4096 * 1000000000 + (1 << 30) - 1) / (1 << 30)"));
  INFO(r.status.message());
  REQUIRE(r.status.ok());
  INFO(FormatTextReport(r.report));
  CHECK(r.report.passed());
}

TEST_CASE("Kernel world: bad devices are located errors", "[kernel_ext]") {
  // The tables start at line 6 (the body is one line at 4).
  CHECK(CheckError(With("[[device]]\nname = \"sda\"\nkind = \"ssd\"\nsize = 1000\n")) ==
        "t.toml:9:8: device sda: size 1000 bytes is not a positive multiple of 512 (e.g. \"1GiB\")");
  CHECK(CheckError(With("[[device]]\nname = \"sda\"\nkind = \"tape\"\n")) ==
        "t.toml:8:8: 'kind' in [[device]] must be one of ramdisk, hdd, ssd, got \"tape\"");
  CHECK(CheckError(With("[[device]]\nname = \"sda\"\n")) ==
        "t.toml:6:1: missing key 'kind' in [[device]] (ramdisk, hdd or ssd)");
  const std::string unknown = CheckError(With("[[device]]\nname = \"sda\"\nkind = \"hdd\"\nseek = \"1ms\"\n"));
  CHECK(unknown.rfind("t.toml:9:8: unknown key 'seek' in [[device]] of kind hdd (known: name, kind, size,", 0) == 0);
  CHECK(unknown.find("full_stroke_seek_ns") != std::string::npos);
  CHECK(CheckError(With("[[device]]\nname = \"sda\"\nkind = \"ssd\"\nread_page = \"fast\"\n")) ==
        "t.toml:9:13: 'read_page' in [[device]]: bad duration \"fast\": expected a number with a unit ns, us, ms "
        "or s (e.g. \"10ms\")");
  CHECK(CheckError(With("[[device]]\nname = \"sda\"\nkind = \"hdd\"\nrpm = 100\n")).rfind("t.toml:9:7: device sda: rpm",
                                                                                            0) == 0);
  CHECK(CheckError(With(std::string(kSsd) + "[[device]]\nname = \"sda\"\nkind = \"ramdisk\"\n")) ==
        "t.toml:12:8: a device named \"sda\" is already declared");
  CHECK(CheckError(With("[[device]]\nname = \"sda\"\nkind = \"ssd\"\nqueue_depth = 0\n")) ==
        "t.toml:9:15: device sda: queue_depth must be at least 1, got 0");
  CHECK(CheckError(With("[device]\nname = \"sda\"\n")) ==
        "t.toml:6:1: 'device' must be an array of tables ([[device]]), got table");
}

TEST_CASE("Kernel world: bad files are located errors", "[kernel_ext]") {
  const std::string dev = kSsd;  // lines 6..10; a [[file]] starts at 11
  CHECK(CheckError(With(dev + "[[file]]\npath = \"/data/f\"\ndevice = \"sdb\"\nsize = 10\n")) ==
        "t.toml:13:10: [[file]] names unknown device \"sdb\" (devices: sda)");
  CHECK(CheckError(With(dev + "[[file]]\npath = \"/data/f\"\nsize = \"1GiB\"\n")) ==
        "t.toml:13:8: file /data/f: size 1073741824 bytes does not fit on device sda (67108864 bytes)");
  CHECK(CheckError(With(dev + "[[file]]\npath = \"/other/f\"\nsize = 10\n")) ==
        "t.toml:12:8: file /other/f is not under any device's mount point (mounts: /data)");
  CHECK(CheckError(With("[[file]]\npath = \"/data/f\"\nsize = 10\n")) ==
        "t.toml:7:8: file /data/f is not under any device's mount point (mounts: none; declare a [[device]])");
  CHECK(CheckError(With(dev + "[[file]]\npath = \"/data/f\"\nsize = 10\n[[file]]\npath = \"/data/f\"\nsize = 10\n")) ==
        "t.toml:15:8: file /data/f: already exists");
  CHECK(CheckError(With(dev + "[[file]]\npath = \"/data/f\"\nsize = 10\ntext = \"\"\n")) ==
        "t.toml:14:8: 'text' in [[file]] must not be empty");
  CHECK(CheckError(With(dev + "[[file]]\npath = \"/data/f\"\nsize = 10\ncontents = \"random\"\n")) ==
        "t.toml:14:12: 'contents' in [[file]] must be one of pattern, zeros, got \"random\"");
  CHECK(CheckError(With(dev + "[[file]]\npath = \"/data/f\"\n")) == "t.toml:11:1: missing key 'size' in [[file]]");
}

TEST_CASE("Kernel world: bad [cache] and [[fault]] values are located errors", "[kernel_ext]") {
  const std::string dev = kSsd;
  CHECK(CheckError(With(dev + "[cache]\ncapacity = \"1001KiB\"\n")) ==
        "t.toml:12:12: 'capacity' in [cache] must be a whole number of 4KiB pages, got 1025024 bytes");
  CHECK(CheckError(With(dev + "[cache]\ndirty_background_ratio = 50\ndirty_ratio = 20\n")) ==
        "t.toml:12:26: dirty_background_ratio (50) is above dirty_ratio (20)");
  CHECK(CheckError(With(dev + "[cache]\nsize = 5\n")) ==
        "t.toml:12:1: unknown key 'size' in [cache] (expected capacity, capacity_pages, readahead_max, "
        "readahead_pages, writeback_period, writeback_expire, dirty_background_ratio, dirty_ratio)");
  CHECK(CheckError(With(dev + "[[fault]]\ndevice = \"sdb\"\nkind = \"stall\"\n")) ==
        "t.toml:12:10: [[fault]] names unknown device \"sdb\"");
  CHECK(CheckError(With(dev + "[[fault]]\ndevice = \"sda\"\nkind = \"meteor\"\n")) ==
        "t.toml:13:8: 'kind' in [[fault]] must be one of eio_range, eio_nth, latency, stall, power_cut, got "
        "\"meteor\"");
  const std::string stall =
      CheckError(With(dev + "[[fault]]\ndevice = \"sda\"\nkind = \"stall\"\nfrom = \"5ms\"\nuntil = \"1ms\"\n"));
  CHECK(stall.rfind("t.toml:11:1: device sda: fault stall:", 0) == 0);
  CHECK(CheckError(With(dev + "[[fault]]\ndevice = \"sda\"\nkind = \"power_cut\"\nat = \"soon\"\n")) ==
        "t.toml:14:6: 'at' in [[fault]]: bad duration \"soon\": expected a number with a unit ns, us, ms or s (e.g. "
        "\"10ms\")");
}

TEST_CASE("Kernel world: an eio_nth fault fails the device's nth read with -EIO", "[kernel_ext]") {
  ProgramRun r = RunToml(With(std::string(kSsd) +
                                  "[[file]]\npath = \"/data/f\"\nsize = \"64KiB\"\n"
                                  "[[fault]]\ndevice = \"sda\"\nkind = \"eio_nth\"\nop = \"read\"\nnth = 2\n",
                              "fd = open(\"/data/f\", O_RDONLY | O_DIRECT)\nb = alloc(4096, align=4096)\n"
                              "expect pread64(fd, b, 4096, 0) == 4096\n"
                              "expect pread64(fd, b, 4096, 4096) == -EIO\n"
                              "expect pread64(fd, b, 4096, 8192) == 4096"));
  INFO(r.status.message());
  REQUIRE(r.status.ok());
  INFO(FormatTextReport(r.report));
  CHECK(r.report.passed());
}

}  // namespace
}  // namespace scenarios_test
