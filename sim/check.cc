#include "sim/check.h"

#include <cstring>

namespace sim::internal {

CheckFailure::CheckFailure(const char* file, int line, const char* cond) {
  const char* base = std::strrchr(file, '/');
  os_ << (base ? base + 1 : file) << ":" << line << ": check failed: " << cond << ": ";
}

CheckFailure::~CheckFailure() noexcept(false) { throw Violation(os_.str()); }

}  // namespace sim::internal
