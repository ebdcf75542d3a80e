// The deliberate differences between the model and Linux that the
// differential test knows about: one table, each entry naming the case, the
// observation, the value the model shows, and why (with the model file that
// documents it). The comparison asserts the model's documented value there
// and only prints the host's.
//
// An entry belongs here only when the model documents the difference as a
// choice; a difference that is a model bug stays a failing mismatch.
#ifndef AIOSIM_TESTS_KERNEL_MODEL_DIFFERENTIAL_DEVIATIONS_H_
#define AIOSIM_TESTS_KERNEL_MODEL_DIFFERENTIAL_DEVIATIONS_H_

#include <vector>

#include "tests/kernel_model/differential/outcome.h"

namespace diff {

const std::vector<Deviation>& Deviations();

}  // namespace diff

#endif  // AIOSIM_TESTS_KERNEL_MODEL_DIFFERENTIAL_DEVIATIONS_H_
