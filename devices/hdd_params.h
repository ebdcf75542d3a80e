// HddParams: the parameters of the HDD model (hdd.h), with defaults from a
// 7200 rpm 3.5-inch SATA drive, the WD Blue 1 TB (WD10EZEX): one 1 TB
// platter, two heads, 64 MiB cache, SATA 6 Gb/s. Measured and published
// figures for that class: average seek ~8.5 ms, track-to-track ~1 ms,
// sustained transfer ~190 MB/s at the outer edge falling to ~95 MB/s at the
// inner edge, random 4 KiB reads ~80 IOPS over the whole disk.
//
// Derived facts with the defaults: one revolution 8333333 ns (60e9 / 7200,
// truncated); 1953525168 sectors; 16 zones of 23938 cylinders (383008 in
// all) with 3400 (outer) down to 1700 (inner) sectors per track, so
// sequential reads stream at ~187 MB/s outer and ~93 MB/s inner (one head
// switch per track); average seek over uniformly random pairs ~8.4 ms.
#ifndef AIOSIM_DEVICES_HDD_PARAMS_H_
#define AIOSIM_DEVICES_HDD_PARAMS_H_

#include <cstdint>
#include <span>
#include <string_view>

#include "devices/params.h"
#include "sim/status.h"

namespace devices {

struct HddParams {
  int64_t capacity_bytes = 1'000'204'886'016;  // WD10EZEX: 1953525168 sectors
  int64_t logical_block_bytes = 512;
  int64_t queue_depth_max = 32;  // SATA NCQ
  int64_t rpm = 7200;
  int64_t heads = 2;
  int64_t zones = 16;
  int64_t sectors_per_track_outer = 3400;
  int64_t sectors_per_track_inner = 1700;
  int64_t track_to_track_seek_ns = 1'000'000;  // includes settling
  int64_t full_stroke_seek_ns = 15'000'000;
  int64_t head_switch_ns = 1'000'000;
  int64_t command_overhead_ns = 50'000;
  int64_t interface_bytes_per_sec = 600'000'000;  // SATA 6 Gb/s after 8b/10b
  int64_t cache_bytes = 64 << 20;
  int64_t cache_segments = 16;
  int64_t readahead_bytes = 2 << 20;
  int64_t write_cache = 1;                // 0/1: volatile write-back cache on
  int64_t write_cache_bytes = 16 << 20;   // dirty data held before a forced destage

  static std::span<const ParamField<HddParams>> Table();
  sim::Status Validate(std::string_view device) const;
};

}  // namespace devices

#endif  // AIOSIM_DEVICES_HDD_PARAMS_H_
