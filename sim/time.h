// Virtual time: an integer count of nanoseconds since the start of a run.
//
// Promise: nothing that decides order in the simulator uses floating point or
// the host's clock. SimTime is the only clock; the Scheduler owns it.
#ifndef AIOSIM_SIM_TIME_H_
#define AIOSIM_SIM_TIME_H_

#include <cstdint>
#include <limits>
#include <string>

namespace sim {

using SimTime = int64_t;  // nanoseconds

inline constexpr SimTime kNanosecond = 1;
inline constexpr SimTime kMicrosecond = 1000;
inline constexpr SimTime kMillisecond = 1000 * kMicrosecond;
inline constexpr SimTime kSecond = 1000 * kMillisecond;
// "Never": a deadline that does not expire. Arithmetic near it saturates.
inline constexpr SimTime kNever = std::numeric_limits<SimTime>::max();

// Adds a delay to a time without overflowing past kNever.
constexpr SimTime AddTime(SimTime t, SimTime delay) {
  if (delay >= kNever - t) return kNever;
  return t + delay;
}

// "1.250000ms"-style rendering for reports: exact (no rounding), with the
// largest unit that keeps the integer part non-zero. Stable across hosts.
std::string FormatTime(SimTime t);

}  // namespace sim

#endif  // AIOSIM_SIM_TIME_H_
