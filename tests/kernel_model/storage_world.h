// StorageWorld: the World fixture (world.h) plus block devices, a mounted
// simplefs and trace queries, for the block-layer, page-cache and VFS tests.
//
//   StorageWorld w;
//   w.AddRamdisk("sda", {.queue_depth = 1});
//   w.Mount("sda", "/data");
//   w.File("/data/f", 1 << 20);
//   w.RunTask([&] { ... syscalls ... });
//   CHECK(w.Count("blk.dispatch") == 3);
#ifndef AIOSIM_TESTS_KERNEL_MODEL_STORAGE_WORLD_H_
#define AIOSIM_TESTS_KERNEL_MODEL_STORAGE_WORLD_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "devices/faulty_device.h"
#include "devices/ramdisk.h"
#include "devices/ssd.h"
#include "kernel_model/blkdev.h"
#include "kernel_model/sched.h"
#include "kernel_model/vfs_setup.h"
#include "kernel_model/vfs_storage.h"
#include "sim/check.h"
#include "tests/kernel_model/world.h"

namespace kernel_test {

struct DiskSpec {
  int64_t capacity_bytes = 64 << 20;
  int64_t queue_depth = 32;
  int64_t latency_ns = 100'000;                   // ramdisk access latency per request
  int64_t bandwidth_bytes_per_sec = 1'000'000'000;  // 1 GB/s
  int64_t logical_block_bytes = 512;
  std::string elevator = "mq-deadline";
  uint32_t max_sectors = 1024;
  kernel::deadline_tunables deadline;
  bool faulty = false;  // wrap in a FaultyDevice (see faulty())
};

struct StorageWorld : World {
  explicit StorageWorld(uint64_t seed = 1) : World(seed) { sched.trace().KeepRecords(true); }

  // A ramdisk (optionally wrapped in a FaultyDevice) with a queue.
  kernel::block_device* AddRamdisk(const std::string& name, const DiskSpec& spec = {}) {
    devices::RamdiskParams p;
    p.capacity_bytes = spec.capacity_bytes;
    p.queue_depth_max = spec.queue_depth;
    p.access_latency_ns = spec.latency_ns;
    p.bandwidth_bytes_per_sec = spec.bandwidth_bytes_per_sec;
    p.logical_block_bytes = spec.logical_block_bytes;
    std::unique_ptr<devices::Ramdisk> rd;
    sim::Status s = devices::Ramdisk::Create(sched, name, p, &rd);
    SIM_CHECK(s.ok()) << s.message();
    std::unique_ptr<devices::BlockDevice> dev = std::move(rd);
    if (spec.faulty) {
      auto f = std::make_unique<devices::FaultyDevice>(sched, std::move(dev));
      faulty = f.get();
      dev = std::move(f);
    }
    return Attach(std::move(dev), spec);
  }

  // An SSD with its volatile write cache on.
  kernel::block_device* AddSsd(const std::string& name, const DiskSpec& spec = {}) {
    devices::SsdParams p;
    p.capacity_bytes = spec.capacity_bytes;
    p.write_cache = 1;
    std::unique_ptr<devices::Ssd> ssd;
    sim::Status s = devices::Ssd::Create(sched, name, p, &ssd);
    SIM_CHECK(s.ok()) << s.message();
    return Attach(std::move(ssd), spec);
  }

  kernel::block_device* Attach(std::unique_ptr<devices::BlockDevice> dev, const DiskSpec& spec) {
    kernel::blk_queue_config cfg;
    cfg.elevator = spec.elevator;
    cfg.max_sectors = spec.max_sectors;
    cfg.deadline = spec.deadline;
    kernel::block_device* bdev = nullptr;
    sim::Status s = kernel::add_disk(std::move(dev), cfg, &bdev);
    SIM_CHECK(s.ok()) << s.message();
    return bdev;
  }

  kernel::super_block* Mount(const std::string& dev, const std::string& mp,
                             kernel::simplefs_options opts = {}) {
    kernel::super_block* sb = nullptr;
    sim::Status s = kernel::mount_simplefs(dev, mp, opts, &sb);
    SIM_CHECK(s.ok()) << s.message();
    return sb;
  }

  void File(const std::string& path, kernel::loff_t size, kernel::file_fill fill = kernel::file_fill::kPattern,
            const std::string& text = "") {
    kernel::file_spec spec;
    spec.path = path;
    spec.size = size;
    spec.fill = fill;
    spec.text = text;
    sim::Status s = kernel::create_file(spec);
    SIM_CHECK(s.ok()) << s.message();
  }

  // What a reader would see now.
  std::vector<uint8_t> Contents(const std::string& path, kernel::loff_t off, size_t len) {
    std::vector<uint8_t> out;
    sim::Status s = kernel::read_file_contents(path, off, len, &out);
    SIM_CHECK(s.ok()) << s.message();
    return out;
  }

  // Runs body as the main thread of a process, then the scheduler until it
  // stops. Returns the body's result (-1000 if it never returned).
  int RunTask(std::function<int()> body) {
    int ret = -1000;
    kernel::create_process("test", [&ret, body] {
      ret = body();
      return 0;
    });
    Run();
    return ret;
  }

  std::vector<sim::TraceRecord> Records(std::string_view kind) {
    std::vector<sim::TraceRecord> out;
    sim::Trace& t = sched.trace();
    for (const sim::TraceRecord& r : t.records()) {
      if (t.kind(r.kind).name == kind) out.push_back(r);
    }
    return out;
  }
  size_t Count(std::string_view kind) { return Records(kind).size(); }
  // Sizes (in sectors) of the device requests of one op, in dispatch order.
  std::vector<int64_t> DispatchedSectors(kernel::req_op op) {
    std::vector<int64_t> out;
    for (const auto& r : Records("blk.dispatch")) {
      if (r.values[2] == op) out.push_back(r.values[4]);
    }
    return out;
  }
  std::vector<int64_t> DispatchedStarts(kernel::req_op op) {
    std::vector<int64_t> out;
    for (const auto& r : Records("blk.dispatch")) {
      if (r.values[2] == op) out.push_back(r.values[3]);
    }
    return out;
  }

  kernel::pagecache* pc() { return kernel::page_cache(); }

  devices::FaultyDevice* faulty = nullptr;
};

// Pattern bytes of a fresh pattern file (as create_file writes them).
inline std::vector<uint8_t> PatternBytes(unsigned long ino, uint64_t off, size_t len) {
  std::vector<uint8_t> v(len);
  for (size_t i = 0; i < len; ++i) v[i] = kernel::file_pattern_byte(ino, off + i);
  return v;
}

}  // namespace kernel_test

#endif  // AIOSIM_TESTS_KERNEL_MODEL_STORAGE_WORLD_H_
