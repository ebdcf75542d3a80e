#include "scenarios/units.h"

#include <array>

namespace scenarios {

namespace {

struct NamedUnit {
  std::string_view suffix;
  Unit unit;
};

constexpr std::array<NamedUnit, 9> kUnits = {{
    {"ns", {UnitKind::kDuration, 1}},
    {"us", {UnitKind::kDuration, 1000}},
    {"ms", {UnitKind::kDuration, 1000 * 1000}},
    {"s", {UnitKind::kDuration, 1000 * 1000 * 1000}},
    {"B", {UnitKind::kSize, 1}},
    {"KiB", {UnitKind::kSize, int64_t{1} << 10}},
    {"MiB", {UnitKind::kSize, int64_t{1} << 20}},
    {"GiB", {UnitKind::kSize, int64_t{1} << 30}},
    {"TiB", {UnitKind::kSize, int64_t{1} << 40}},
}};

// Parses "<digits>[.<digits>]<suffix>" exactly. `what` is "duration"/"size".
bool ParseScaled(std::string_view text, UnitKind kind, bool unit_required, std::string_view what,
                 std::string_view example, int64_t* out, std::string* error) {
  auto fail = [&](std::string_view why) {
    *error = "bad " + std::string(what) + " \"" + std::string(text) + "\": " + std::string(why) +
             " (e.g. \"" + std::string(example) + "\")";
    return false;
  };
  const std::string_view expected = kind == UnitKind::kDuration
                                        ? "expected a number with a unit ns, us, ms or s"
                                        : "expected a number of bytes, optionally with a unit B, KiB, "
                                          "MiB, GiB or TiB";
  size_t i = 0;
  __int128 whole = 0;
  size_t digits = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
    whole = whole * 10 + (text[i] - '0');
    if (whole > INT64_MAX) return fail("too large");
    ++i;
    ++digits;
  }
  if (digits == 0) return fail(expected);
  __int128 frac = 0;
  __int128 frac_scale = 1;
  if (i < text.size() && text[i] == '.') {
    ++i;
    size_t frac_digits = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      if (frac_scale < (__int128{1} << 80)) {
        frac = frac * 10 + (text[i] - '0');
        frac_scale *= 10;
      } else if (text[i] != '0') {
        return fail("too many decimal places");
      }
      ++i;
      ++frac_digits;
    }
    if (frac_digits == 0) return fail(expected);
  }
  std::string_view suffix = text.substr(i);
  int64_t scale = 1;
  if (suffix.empty()) {
    if (unit_required) return fail(expected);
  } else {
    std::optional<Unit> u = FindUnit(suffix);
    if (!u || u->kind != kind) return fail(expected);
    scale = u->scale;
  }
  __int128 value = whole * scale;
  __int128 frac_part = frac * scale;
  if (frac_part % frac_scale != 0) {
    return fail(kind == UnitKind::kDuration ? "not a whole number of nanoseconds"
                                            : "not a whole number of bytes");
  }
  value += frac_part / frac_scale;
  if (value > INT64_MAX) return fail("too large");
  *out = static_cast<int64_t>(value);
  return true;
}

}  // namespace

std::optional<Unit> FindUnit(std::string_view suffix) {
  for (const NamedUnit& u : kUnits) {
    if (u.suffix == suffix) return u.unit;
  }
  return std::nullopt;
}

std::string_view UnitSuffixList() { return "ns, us, ms, s, B, KiB, MiB, GiB, TiB"; }

bool ParseDuration(std::string_view text, int64_t* out_ns, std::string* error) {
  return ParseScaled(text, UnitKind::kDuration, /*unit_required=*/true, "duration", "10ms", out_ns, error);
}

bool ParseSize(std::string_view text, int64_t* out_bytes, std::string* error) {
  return ParseScaled(text, UnitKind::kSize, /*unit_required=*/false, "size", "4KiB", out_bytes, error);
}

}  // namespace scenarios
