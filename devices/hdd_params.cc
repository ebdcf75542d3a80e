#include "devices/hdd_params.h"

#include <string>

#include "devices/block_device.h"
#include "sim/time.h"

namespace devices {

namespace {
using P = HddParams;
constexpr ParamField<P> kTable[] = {
    {"capacity_bytes", "bytes", &P::capacity_bytes,
     "device size (WD10EZEX: 1000204886016 = 1953525168 sectors)"},
    {"logical_block_bytes", "bytes", &P::logical_block_bytes,
     "smallest addressable unit (512e drives report 512)"},
    {"queue_depth_max", "count", &P::queue_depth_max,
     "requests accepted at once (SATA NCQ: 32); served one at a time in arrival order"},
    {"rpm", "rpm", &P::rpm, "spindle speed (7200; revolution = 60e9/rpm ns, truncated)"},
    {"heads", "count", &P::heads, "recording surfaces (one 1 TB platter: 2)"},
    {"zones", "count", &P::zones,
     "zoned recording bands of equal cylinder count, outer (zone 0, LBA 0) to inner"},
    {"sectors_per_track_outer", "count", &P::sectors_per_track_outer,
     "sectors per track in the outermost zone (3400: ~190 MB/s at 7200 rpm with head switches)"},
    {"sectors_per_track_inner", "count", &P::sectors_per_track_inner,
     "sectors per track in the innermost zone (1700: ~95 MB/s); zones in between are linear"},
    {"track_to_track_seek_ns", "ns", &P::track_to_track_seek_ns,
     "seek of one cylinder, including settling (~1 ms)"},
    {"full_stroke_seek_ns", "ns", &P::full_stroke_seek_ns,
     "seek across all cylinders; seek(d) = t2t + (full - t2t) * sqrt(d-1)/sqrt(D-1) "
     "(15 ms gives the ~8.5 ms average of the data sheet class)"},
    {"head_switch_ns", "ns", &P::head_switch_ns,
     "switching surface within a cylinder (~1 ms); tracks are skewed to hide it in sequential runs"},
    {"command_overhead_ns", "ns", &P::command_overhead_ns,
     "controller time per command before any mechanical work (~50 us)"},
    {"interface_bytes_per_sec", "bytes/s", &P::interface_bytes_per_sec,
     "host link rate for cache hits (SATA 6 Gb/s: 600 MB/s)"},
    {"cache_bytes", "bytes", &P::cache_bytes,
     "on-disk DRAM cache for read segments (WD10EZEX: 64 MiB); 0 disables read caching"},
    {"cache_segments", "count", &P::cache_segments,
     "read cache segments, replaced least recently used (16)"},
    {"readahead_bytes", "bytes", &P::readahead_bytes,
     "how far past a read the drive keeps reading into its segment while idle (2 MiB; "
     "at most cache_bytes / cache_segments)"},
    {"write_cache", "0/1", &P::write_cache,
     "volatile write-back cache (drives ship with it on); writes complete once cached and "
     "are destaged only on flush, FUA or when full"},
    {"write_cache_bytes", "bytes", &P::write_cache_bytes,
     "dirty bytes the write cache holds before it destages everything (16 MiB)"},
};

sim::Status Err(std::string_view device, const std::string& msg) {
  return sim::Status::Error("device " + std::string(device) + ": " + msg);
}
}  // namespace

std::span<const ParamField<HddParams>> HddParams::Table() { return kTable; }

sim::Status HddParams::Validate(std::string_view device) const {
  sim::Status s = CheckCapacity(device, capacity_bytes, logical_block_bytes);
  if (s.ok()) s = CheckRange(device, "queue_depth_max", queue_depth_max, 1, 65536);
  if (s.ok()) s = CheckRange(device, "rpm", rpm, 3600, 20000);
  if (s.ok()) s = CheckRange(device, "heads", heads, 1, 64);
  if (s.ok()) s = CheckRange(device, "zones", zones, 1, 256);
  if (s.ok()) s = CheckRange(device, "sectors_per_track_outer", sectors_per_track_outer, 1, 1'000'000);
  if (s.ok()) {
    s = CheckRange(device, "sectors_per_track_inner", sectors_per_track_inner, 1,
                   sectors_per_track_outer);
  }
  if (s.ok()) s = CheckRange(device, "track_to_track_seek_ns", track_to_track_seek_ns, 0, sim::kSecond);
  if (s.ok()) {
    s = CheckRange(device, "full_stroke_seek_ns", full_stroke_seek_ns, track_to_track_seek_ns,
                   sim::kSecond);
  }
  if (s.ok()) s = CheckRange(device, "head_switch_ns", head_switch_ns, 0, sim::kSecond);
  if (s.ok()) s = CheckRange(device, "command_overhead_ns", command_overhead_ns, 0, sim::kSecond);
  if (s.ok()) {
    s = CheckRange(device, "interface_bytes_per_sec", interface_bytes_per_sec, 1, int64_t{1} << 50);
  }
  if (s.ok()) s = CheckRange(device, "cache_bytes", cache_bytes, 0, int64_t{1} << 40);
  if (s.ok()) s = CheckRange(device, "cache_segments", cache_segments, 1, 1024);
  if (s.ok()) s = CheckRange(device, "write_cache", write_cache, 0, 1);
  if (!s.ok()) return s;
  if (cache_bytes % kSectorSize != 0) {
    return Err(device, "cache_bytes " + std::to_string(cache_bytes) + " is not a multiple of 512");
  }
  const int64_t segment_bytes = cache_bytes / cache_segments / kSectorSize * kSectorSize;
  if (cache_bytes > 0 && segment_bytes == 0) {
    return Err(device, "cache_bytes " + std::to_string(cache_bytes) + " is smaller than " +
                           std::to_string(cache_segments) + " segments of 512 bytes");
  }
  if (readahead_bytes < 0 || readahead_bytes % kSectorSize != 0 || readahead_bytes > segment_bytes) {
    return Err(device, "readahead_bytes " + std::to_string(readahead_bytes) +
                           " must be a multiple of 512 in [0, " + std::to_string(segment_bytes) +
                           "] (cache_bytes / cache_segments)");
  }
  if (write_cache == 1 &&
      (write_cache_bytes < kSectorSize || write_cache_bytes % kSectorSize != 0 ||
       write_cache_bytes > cache_bytes)) {
    return Err(device, "write_cache_bytes " + std::to_string(write_cache_bytes) +
                           " must be a multiple of 512 in [512, cache_bytes " +
                           std::to_string(cache_bytes) + "] when write_cache = 1");
  }
  // The seek curve and sequential skew need per-track times to be meaningful.
  const int64_t rev_ns = 60 * sim::kSecond / rpm;
  if (sectors_per_track_outer > rev_ns) {
    return Err(device, "sectors_per_track_outer " + std::to_string(sectors_per_track_outer) +
                           " exceeds one sector per ns at " + std::to_string(rpm) + " rpm");
  }
  return sim::Status::Ok();
}

}  // namespace devices
