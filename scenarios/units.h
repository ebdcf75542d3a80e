// Units shared by the TOML schema and the program language: durations
// (ns, us, ms, s -> nanoseconds) and sizes (B, KiB, MiB, GiB, TiB -> bytes).
//
// Promise: exact integer arithmetic only. "1.5ms" is 1500000 ns; a value
// that is not a whole number of the base unit ("0.5ns") or that overflows
// int64 is an error, never rounded.
#ifndef AIOSIM_SCENARIOS_UNITS_H_
#define AIOSIM_SCENARIOS_UNITS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace scenarios {

enum class UnitKind { kDuration, kSize };

struct Unit {
  UnitKind kind;
  int64_t scale;  // ns or bytes per unit
};

// The unit named by a suffix ("us", "KiB"), or nullopt.
std::optional<Unit> FindUnit(std::string_view suffix);

// "ns, us, ms, s, KiB, MiB, GiB, TiB": for error messages.
std::string_view UnitSuffixList();

// Parses "<number><unit>" where number is an unsigned decimal, optionally
// with a fraction ("1.5ms"), and unit is a duration unit. On error returns
// false and sets *error to a one-line message.
bool ParseDuration(std::string_view text, int64_t* out_ns, std::string* error);

// Parses "<number>[unit]" where unit is B, KiB, MiB, GiB or TiB (a plain
// integer is bytes).
bool ParseSize(std::string_view text, int64_t* out_bytes, std::string* error);

}  // namespace scenarios

#endif  // AIOSIM_SCENARIOS_UNITS_H_
