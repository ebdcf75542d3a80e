// The storage tables of a scenario, read and built (before any thread
// runs, in Configure; also by `aiosim check`):
//
//   [[device]]   name, kind = "ramdisk" | "hdd" | "ssd", size, mount
//                (default "/<name>"), scheduler = "deadline" | "noop",
//                queue_depth, max_request (largest request, a size), and
//                the model's parameters (docs/devices.md) by name; a
//                parameter's unit suffix may be dropped and its value
//                written with units: read_page = "50us", channel_bytes_per_sec
//                = "800MiB/s", write_cache = false.
//   [[file]]     path, device (optional: checked against the path's mount),
//                size, contents = "pattern" (default) | "zeros", or text =
//                "..." (repeated to the size).
//   [cache]      capacity (a size, whole pages) or capacity_pages,
//                readahead_max (a size) or readahead_pages,
//                writeback_period, writeback_expire (durations),
//                dirty_background_ratio, dirty_ratio (percent).
//   [[fault]]    device, kind = eio_range | eio_nth | latency | stall |
//                power_cut, and its parameters (devices/faulty_device.h);
//                times may be durations ("5ms") and the _ns suffix dropped
//                (at = "5ms" is at_ns = 5000000).
//
// Every bad value is one error naming file:line:col of the offending key
// (or of its table).
#ifndef AIOSIM_SCENARIOS_EXT_CONFIG_H_
#define AIOSIM_SCENARIOS_EXT_CONFIG_H_

#include "scenarios/config.h"
#include "scenarios/ext_world.h"
#include "sim/scheduler.h"
#include "sim/status.h"

namespace scenarios::kext {

// REQUIRES: world->kernel is the current Kernel, on `sched`.
sim::Status ConfigureStorage(const ConfigNode& root, sim::Scheduler& sched, KernelWorld* world);

}  // namespace scenarios::kext

#endif  // AIOSIM_SCENARIOS_EXT_CONFIG_H_
