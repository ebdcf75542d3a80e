// What running one case on one side produced, and the comparison of the
// host's outcome with the model's.
//
// Comparison rule: the two observation lists must have the same length and,
// position by position, the same label and the same value, except where the
// deviation table (deviations.h) documents a deliberate model difference for
// (case, label): there the model must show the documented value and the
// host's value is only printed.
#ifndef AIOSIM_TESTS_KERNEL_MODEL_DIFFERENTIAL_OUTCOME_H_
#define AIOSIM_TESTS_KERNEL_MODEL_DIFFERENTIAL_OUTCOME_H_

#include <cstdint>
#include <string>
#include <vector>

#include "tests/kernel_model/differential/cases.h"
#include "tests/kernel_model/differential/sys_api.h"

namespace diff {

struct Outcome {
  std::vector<Observation> obs;
  bool skipped = false;
  std::string skip_reason;
  bool aborted = false;  // the case stopped early; obs hold what came before
  std::string abort_reason;
  // The side failed to run the case at all or broke while running it: a
  // crash, a timeout, a model violation or deadlock. Always a failure.
  std::string error;
};

struct Deviation {
  const char* case_name;
  const char* label;
  int64_t model_value;
  const char* reason;
};

enum class Verdict { kMatch, kMatchWithDeviations, kMismatch, kSkipped };

struct Comparison {
  Verdict verdict = Verdict::kMismatch;
  int deviations_applied = 0;
  std::string report;  // multi-line; empty for a plain match
};

Comparison Compare(const DiffCase& c, const Outcome& host, const Outcome& model,
                   const std::vector<Deviation>& deviations);

// "-22 (EINVAL)" for small negative values, the number otherwise.
std::string FormatValue(int64_t v);

}  // namespace diff

#endif  // AIOSIM_TESTS_KERNEL_MODEL_DIFFERENTIAL_OUTCOME_H_
