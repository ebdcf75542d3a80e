// The expectation log of one run: every `expect` site of the programs (added
// by the binder before the run, so a site never reached is still listed),
// sites added at run time by call handlers (CallContext::Expect, fail()), and
// what each execution found.
//
// Promise: a failing expectation never stops its thread; the log keeps the
// count of passes and failures per site and the first kKeptFailures failure
// messages with their time and thread.
#ifndef AIOSIM_SCENARIOS_EXPECTATIONS_H_
#define AIOSIM_SCENARIOS_EXPECTATIONS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "scenarios/source.h"
#include "sim/time.h"

namespace scenarios {

struct ExpectFailure {
  sim::SimTime time = 0;
  std::string thread;
  std::string message;  // "expect r == 4096 failed: r is -14 (EFAULT), expected 4096"
};

struct ExpectSite {
  std::string file;
  SourcePos pos;
  std::string source;  // the user's text: "expect r == 4096"
  std::string thread;  // the thread whose program holds it
  uint64_t passes = 0;
  uint64_t failures = 0;
  std::vector<ExpectFailure> failures_kept;  // the first kKeptFailures
};

class ExpectLog {
 public:
  static constexpr size_t kKeptFailures = 5;

  // Adds a site; returns its index.
  int AddSite(std::string file, SourcePos pos, std::string source, std::string thread);
  // The site at (file, pos), added if new.
  int FindOrAddSite(const std::string& file, SourcePos pos, const std::string& source,
                    const std::string& thread);
  void Record(int site, bool pass, sim::SimTime time, const std::string& thread, std::string message);

  const std::vector<ExpectSite>& sites() const { return sites_; }
  uint64_t failures() const;

 private:
  std::vector<ExpectSite> sites_;
};

}  // namespace scenarios

#endif  // AIOSIM_SCENARIOS_EXPECTATIONS_H_
