#include "scenarios/designs.h"

namespace scenarios {

namespace {
constexpr DesignInfo kDesigns[] = {
    {"mainline",
     "today's Linux: buffered I/O runs synchronously inside io_submit, O_DIRECT completes from the "
     "device's end_io"},
    {"retry",
     "filesystem AIO by retries: a read that meets a page under I/O returns -EIOCBRETRY and is "
     "retried from a wait-queue callback on the AIO workqueue"},
};
}  // namespace

std::span<const DesignInfo> KnownDesigns() { return kDesigns; }

const DesignInfo* FindDesign(std::string_view name) {
  for (const DesignInfo& d : kDesigns) {
    if (d.name == name) return &d;
  }
  return nullptr;
}

std::string KnownDesignNames() {
  std::string out;
  for (const DesignInfo& d : kDesigns) {
    if (!out.empty()) out += ", ";
    out += d.name;
  }
  return out;
}

}  // namespace scenarios
