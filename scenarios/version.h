// The aiosim version, printed by `aiosim version` and in every JSON report.
#ifndef AIOSIM_SCENARIOS_VERSION_H_
#define AIOSIM_SCENARIOS_VERSION_H_

#include <string_view>

namespace scenarios {
inline constexpr std::string_view kAiosimVersion = "0.1.0";
}  // namespace scenarios

#endif  // AIOSIM_SCENARIOS_VERSION_H_
