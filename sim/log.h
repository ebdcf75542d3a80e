// Human logs: one named spdlog logger per subsystem ("sim", "kernel.aio",
// "dev.sda"), printing *simulated* time, never the wall clock:
//   [      125000] kernel.aio info: aio_complete ctx=1 obj=0x10 res=4096
// The trace is the record; logs are for people and never affect a run.
#ifndef AIOSIM_SIM_LOG_H_
#define AIOSIM_SIM_LOG_H_

#include <spdlog/spdlog.h>

#include <memory>
#include <string>

namespace sim {

// Returns the logger for a subsystem, creating it (stderr, sim-time pattern)
// on first use.
std::shared_ptr<spdlog::logger> Logger(const std::string& name);

// Sets the level of every aiosim logger, present and future. Returns false
// for an unknown level name (trace, debug, info, warn, error, critical, off).
bool SetLogLevel(const std::string& level);

}  // namespace sim

#endif  // AIOSIM_SIM_LOG_H_
