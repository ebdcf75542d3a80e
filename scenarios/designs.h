// The AIO designs a scenario can select ([sim] design, --design), as the
// kernel model lists them (kernel::aio_designs()): a design is added there,
// once, and appears here. The kernel extension reads RunContext::design() to
// pick its behaviour.
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
