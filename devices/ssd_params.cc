#include "devices/ssd_params.h"

#include <string>

#include "devices/block_device.h"
#include "sim/time.h"

namespace devices {

namespace {
using P = SsdParams;
constexpr ParamField<P> kTable[] = {
    {"capacity_bytes", "bytes", &P::capacity_bytes, "device size (1 TB: 1000204886016)"},
    {"logical_block_bytes", "bytes", &P::logical_block_bytes,
     "smallest addressable unit (NVMe LBA format 0: 512)"},
    {"queue_depth_max", "count", &P::queue_depth_max,
     "requests in flight at once (Linux nvme io_queue_depth 1024, less one)"},
    {"page_bytes", "bytes", &P::page_bytes,
     "mapping unit: logical page p is on channel p % channels, die (p / channels) % "
     "dies_per_channel"},
    {"channels", "count", &P::channels, "flash channels (970 EVO Plus controller: 8)"},
    {"dies_per_channel", "count", &P::dies_per_channel, "dies sharing one channel (4)"},
    {"read_page_ns", "ns", &P::read_page_ns, "flash page read, tR (TLC: ~50 us)"},
    {"program_page_ns", "ns", &P::program_page_ns,
     "flash page program, tPROG (SLC-mode write region: ~200 us)"},
    {"channel_bytes_per_sec", "bytes/s", &P::channel_bytes_per_sec,
     "die-to-controller bus (Toggle DDR 800 MT/s x 8 bit: 800 MB/s)"},
    {"host_bytes_per_sec", "bytes/s", &P::host_bytes_per_sec,
     "controller-to-host link (PCIe 3.0 x4: ~3.5 GB/s)"},
    {"command_overhead_ns", "ns", &P::command_overhead_ns,
     "controller time per command (~10 us)"},
    {"write_cache", "0/1", &P::write_cache,
     "volatile DRAM write buffer (consumer drives have no power-loss protection); cached writes "
     "are programmed only on flush, FUA or when the buffer is full"},
    {"write_cache_bytes", "bytes", &P::write_cache_bytes,
     "dirty bytes the write buffer holds before it programs everything (32 MiB)"},
    {"jitter_permille", "permille", &P::jitter_permille,
     "each flash read/program takes base + uniform[0, base * permille / 1000], drawn from the "
     "device's own stream dev.<name>; 0 = exact"},
};

sim::Status Err(std::string_view device, const std::string& msg) {
  return sim::Status::Error("device " + std::string(device) + ": " + msg);
}
}  // namespace

std::span<const ParamField<SsdParams>> SsdParams::Table() { return kTable; }

sim::Status SsdParams::Validate(std::string_view device) const {
  sim::Status s = CheckCapacity(device, capacity_bytes, logical_block_bytes);
  if (s.ok()) s = CheckRange(device, "queue_depth_max", queue_depth_max, 1, 65536);
  if (s.ok()) s = CheckRange(device, "channels", channels, 1, 64);
  if (s.ok()) s = CheckRange(device, "dies_per_channel", dies_per_channel, 1, 64);
  if (s.ok()) s = CheckRange(device, "read_page_ns", read_page_ns, 0, sim::kSecond);
  if (s.ok()) s = CheckRange(device, "program_page_ns", program_page_ns, 0, sim::kSecond);
  if (s.ok()) {
    s = CheckRange(device, "channel_bytes_per_sec", channel_bytes_per_sec, 1, int64_t{1} << 50);
  }
  if (s.ok()) s = CheckRange(device, "host_bytes_per_sec", host_bytes_per_sec, 1, int64_t{1} << 50);
  if (s.ok()) s = CheckRange(device, "command_overhead_ns", command_overhead_ns, 0, sim::kSecond);
  if (s.ok()) s = CheckRange(device, "write_cache", write_cache, 0, 1);
  if (s.ok()) s = CheckRange(device, "jitter_permille", jitter_permille, 0, 1000);
  if (!s.ok()) return s;
  if (page_bytes < 512 || page_bytes > (1 << 20) || (page_bytes & (page_bytes - 1)) != 0) {
    return Err(device, "page_bytes " + std::to_string(page_bytes) +
                           " is not a power of two in [512, 1048576]");
  }
  if (write_cache == 1 && (write_cache_bytes < page_bytes || write_cache_bytes % page_bytes != 0 ||
                           write_cache_bytes > (int64_t{1} << 40))) {
    return Err(device, "write_cache_bytes " + std::to_string(write_cache_bytes) +
                           " must be a positive multiple of page_bytes " +
                           std::to_string(page_bytes) + " (at most 1 TiB) when write_cache = 1");
  }
  return sim::Status::Ok();
}

}  // namespace devices
