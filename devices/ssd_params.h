// SsdParams: the parameters of the SSD model (ssd.h), with defaults from an
// NVMe TLC drive, the Samsung 970 EVO Plus 1 TB (PCIe 3.0 x4, 8 flash
// channels): 4 KiB random reads at queue depth 1 take ~60-70 us (~15k IOPS),
// and scale with parallelism to hundreds of thousands of IOPS at depth 32+.
#ifndef AIOSIM_DEVICES_SSD_PARAMS_H_
#define AIOSIM_DEVICES_SSD_PARAMS_H_

#include <cstdint>
#include <span>
#include <string_view>

#include "devices/params.h"
#include "sim/status.h"

namespace devices {

struct SsdParams {
  int64_t capacity_bytes = 1'000'204'886'016;
  int64_t logical_block_bytes = 512;
  int64_t queue_depth_max = 1023;  // Linux nvme io_queue_depth 1024, less one
  int64_t page_bytes = 4096;       // mapping unit: one logical page per die operation
  int64_t channels = 8;
  int64_t dies_per_channel = 4;
  int64_t read_page_ns = 50'000;       // tR, TLC
  int64_t program_page_ns = 200'000;   // tPROG into the SLC-mode region
  int64_t channel_bytes_per_sec = 800'000'000;     // Toggle DDR 800 MT/s, 8 bits
  int64_t host_bytes_per_sec = 3'500'000'000;      // PCIe 3.0 x4
  int64_t command_overhead_ns = 10'000;
  int64_t write_cache = 1;                  // 0/1: volatile DRAM write buffer
  int64_t write_cache_bytes = 32 << 20;
  int64_t jitter_permille = 0;  // each flash op takes base + uniform[0, base * permille / 1000]

  static std::span<const ParamField<SsdParams>> Table();
  sim::Status Validate(std::string_view device) const;
};

}  // namespace devices

#endif  // AIOSIM_DEVICES_SSD_PARAMS_H_
