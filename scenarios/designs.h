// The AIO designs a scenario can select ([sim] design, --design): the one
// list of them. A later layer that implements a design adds it here; the
// kernel extension reads RunContext::design() to pick its behaviour.
#ifndef AIOSIM_SCENARIOS_DESIGNS_H_
#define AIOSIM_SCENARIOS_DESIGNS_H_

#include <span>
#include <string>
#include <string_view>

namespace scenarios {

struct DesignInfo {
  std::string_view name;
  std::string_view summary;
};

// In presentation order.
std::span<const DesignInfo> KnownDesigns();
const DesignInfo* FindDesign(std::string_view name);
// "mainline, retry": for error messages.
std::string KnownDesignNames();

}  // namespace scenarios

#endif  // AIOSIM_SCENARIOS_DESIGNS_H_
