#include "sim/time.h"

#include <cinttypes>
#include <cstdio>

namespace sim {

std::string FormatTime(SimTime t) {
  if (t == kNever) return "never";
  char buf[48];
  const char* sign = t < 0 ? "-" : "";
  uint64_t v = t < 0 ? static_cast<uint64_t>(-(t + 1)) + 1 : static_cast<uint64_t>(t);
  if (v < 1000) {
    std::snprintf(buf, sizeof buf, "%s%" PRIu64 "ns", sign, v);
  } else if (v < 1000000) {
    std::snprintf(buf, sizeof buf, "%s%" PRIu64 ".%03" PRIu64 "us", sign, v / 1000, v % 1000);
  } else if (v < 1000000000) {
    std::snprintf(buf, sizeof buf, "%s%" PRIu64 ".%06" PRIu64 "ms", sign, v / 1000000, v % 1000000);
  } else {
    std::snprintf(buf, sizeof buf, "%s%" PRIu64 ".%09" PRIu64 "s", sign, v / 1000000000,
                  v % 1000000000);
  }
  return buf;
}

}  // namespace sim
