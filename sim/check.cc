#include "sim/check.h"

#include <cstring>
#include <memory>

namespace sim::internal {

std::ostringstream* CheckFailure::Start(const char* file, int line, const char* cond) {
  auto* os = new std::ostringstream;
  const char* base = std::strrchr(file, '/');
  *os << (base ? base + 1 : file) << ":" << line << ": check failed: " << cond << ": ";
  return os;
}

void CheckFailure::Throw(std::ostringstream* os) {
  std::unique_ptr<std::ostringstream> owned(os);
  throw Violation(owned->str());
}

}  // namespace sim::internal
