#include "devices/device_factory.h"

#include <catch2/catch.hpp>

#include "devices/hdd.h"
#include "devices/ssd.h"

namespace devices {
namespace {

std::string Error(std::string_view kind, const std::string& name, const ParamMap& params) {
  sim::Scheduler sched;
  std::unique_ptr<BlockDevice> dev;
  sim::Status s = MakeDevice(sched, kind, name, params, &dev);
  CHECK((s.ok() == (dev != nullptr)));
  return s.message();
}

TEST_CASE("MakeDevice: builds every kind with documented defaults", "[devices]") {
  for (std::string_view kind : DeviceKinds()) {
    sim::Scheduler sched;
    std::unique_ptr<BlockDevice> dev;
    sim::Status s = MakeDevice(sched, kind, "dev0", {}, &dev);
    INFO(kind << ": " << s.message());
    REQUIRE(s.ok());
    CHECK(dev->kind() == kind);
    CHECK(dev->name() == "dev0");
    CHECK(dev->capacity_sectors() > 0);
    std::vector<ParamDoc> docs;
    REQUIRE(DescribeDeviceParams(kind, &docs).ok());
    CHECK(docs.size() >= 5);
    for (const auto& d : docs) {
      INFO(d.name);
      CHECK(!d.unit.empty());
      CHECK(d.doc.size() > 10);
      if (d.name == "capacity_bytes") CHECK(static_cast<uint64_t>(d.default_value) == dev->capacity_bytes());
    }
  }
}

TEST_CASE("MakeDevice: parameters override defaults", "[devices]") {
  sim::Scheduler sched;
  std::unique_ptr<BlockDevice> dev;
  REQUIRE(MakeDevice(sched, "hdd", "sda",
                     {{"rpm", int64_t{5400}}, {"queue_depth_max", int64_t{4}}}, &dev)
              .ok());
  CHECK(dev->queue_depth_max() == 4);
  CHECK(static_cast<Hdd*>(dev.get())->geometry().rev_ns() == 11'111'111);
}

TEST_CASE("MakeDevice: unknown kinds, parameters and impossible values are one-line errors",
          "[devices]") {
  CHECK(Error("tape", "st0", {}) == "device st0: unknown kind 'tape' (known: ramdisk, hdd, ssd)");
  CHECK(Error("hdd", "sda", {{"capacity_bytes", int64_t{0}}}) ==
        "device sda: capacity 0 bytes is not a positive multiple of 512");
  CHECK(Error("ssd", "nvme0", {{"capacity_bytes", int64_t{1000}}}) ==
        "device nvme0: capacity 1000 bytes is not a positive multiple of 512");
  CHECK(Error("ramdisk", "ram0", {{"capacity_bytes", int64_t{1536}}, {"logical_block_bytes", int64_t{1024}}}) ==
        "device ram0: capacity 1536 bytes is not a multiple of the logical block size 1024");
  CHECK(Error("hdd", "sda", {{"seek_ms", int64_t{3}}}).starts_with(
      "device sda: unknown hdd parameter 'seek_ms' (known: capacity_bytes, "));
  CHECK(Error("hdd", "sda", {{"rpm", std::string("fast")}}) ==
        "device sda: hdd parameter 'rpm' must be an integer (rpm), got \"fast\"");
  CHECK(Error("hdd", "sda", {{"rpm", int64_t{0}}}) == "device sda: rpm 0 is out of range [3600, 20000]");
  CHECK(Error("hdd", "sda", {{"sectors_per_track_inner", int64_t{5000}}}) ==
        "device sda: sectors_per_track_inner 5000 is out of range [1, 3400]");
  CHECK(Error("hdd", "sda", {{"readahead_bytes", int64_t{8 << 20}}}) ==
        "device sda: readahead_bytes 8388608 must be a multiple of 512 in [0, 4194304] "
        "(cache_bytes / cache_segments)");
  CHECK(Error("ssd", "nvme0", {{"page_bytes", int64_t{3000}}}) ==
        "device nvme0: page_bytes 3000 is not a power of two in [512, 1048576]");
  CHECK(Error("ssd", "nvme0", {{"channels", int64_t{0}}}) ==
        "device nvme0: channels 0 is out of range [1, 64]");
  CHECK(Error("ramdisk", "ram0", {{"queue_depth_max", int64_t{0}}}) ==
        "device ram0: queue_depth_max 0 is out of range [1, 65536]");
  CHECK(Error("ramdisk", "Ram 0", {}) ==
        "device 'Ram 0': a name is 1-32 characters of [a-z0-9_-] starting with a letter");
}

TEST_CASE("DescribeDeviceParams: unknown kind is an error", "[devices]") {
  std::vector<ParamDoc> docs;
  CHECK(DescribeDeviceParams("floppy", &docs).message() ==
        "unknown device kind 'floppy' (known: ramdisk, hdd, ssd)");
}

}  // namespace
}  // namespace devices
