#include "scenarios/designs.h"

#include <vector>

#include "kernel_model/aio_design.h"

namespace scenarios {

namespace {
// A view of the kernel model's own list (kernel::aio_designs(), in
// kernel_model/aio_design.cc), so a new design is named in one place only.
const std::vector<DesignInfo>& Designs() {
  static const std::vector<DesignInfo> designs = [] {
    std::vector<DesignInfo> out;
    for (const kernel::aio_design* d : kernel::aio_designs()) out.push_back({d->name, d->summary});
    return out;
  }();
  return designs;
}
}  // namespace

std::span<const DesignInfo> KnownDesigns() { return Designs(); }

const DesignInfo* FindDesign(std::string_view name) {
  for (const DesignInfo& d : Designs()) {
    if (d.name == name) return &d;
  }
  return nullptr;
}

std::string KnownDesignNames() {
  std::string out;
  for (const DesignInfo& d : Designs()) {
    if (!out.empty()) out += ", ";
    out += d.name;
  }
  return out;
}

}  // namespace scenarios
