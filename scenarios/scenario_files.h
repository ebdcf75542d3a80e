// Finding scenario files: every *.toml under a directory, recursively,
// sorted by path (byte order), so `aiosim list scenarios` and the
// every-scenario test see the same list in the same order on every host.
#ifndef AIOSIM_SCENARIOS_SCENARIO_FILES_H_
#define AIOSIM_SCENARIOS_SCENARIO_FILES_H_

#include <string>
#include <vector>

#include "sim/status.h"

namespace scenarios {

// Paths relative to `dir` ("engine/deadlock.toml"), following symlinks
// (Bazel runfiles are symlinks). An unreadable or missing dir is an error.
sim::Status FindScenarioFiles(const std::string& dir, std::vector<std::string>* relative_paths);

}  // namespace scenarios

#endif  // AIOSIM_SCENARIOS_SCENARIO_FILES_H_
