// The scenario loader: a TOML file -> Scenario, with every error one Status
// "file:line:col: what was expected".
//
// Schema (see docs/scenario-language.md):
//   [sim]       seed, design, max_time, max_events, stack, description
//               (+ keys extensions own)
//   [[process]] name, body | [[process.thread]] (name, body, start), start
//   [expect]    status, end_time, end_time_min, end_time_max, violations
//               (+ keys extensions own)
//   any other top-level table must be owned by an extension (Schema).
// Program bodies are parsed here, with positions mapped into the .toml file.
// toml++ is included by loader.cc only.
#ifndef AIOSIM_SCENARIOS_LOADER_H_
#define AIOSIM_SCENARIOS_LOADER_H_

#include <string>
#include <string_view>
#include <vector>

#include "scenarios/extension.h"
#include "scenarios/scenario.h"
#include "sim/status.h"

namespace scenarios {

// What extensions add to the core schema.
struct Schema {
  std::vector<std::string> tables;
  std::vector<std::string> sim_keys;
  std::vector<std::string> expect_keys;
};
Schema SchemaOf(const ExtensionList& extensions);

// The statuses [expect] status may name.
std::string_view ExpectableStatuses();  // "idle, deadlock, time_limit, step_limit, violation"

// Loads `path` (reading the file at `fs_path`, or at `path` when empty).
// Messages name `path`.
sim::Status LoadScenarioFile(const std::string& path, const Schema& schema, Scenario* out,
                             const std::string& fs_path = "");
// Loads from text already in memory; messages name `path`.
sim::Status LoadScenarioText(std::string_view text, const std::string& path, const Schema& schema,
                             Scenario* out);

// The [sim] description of a scenario file ("" when absent).
sim::Status ReadScenarioDescription(const std::string& path, std::string* description,
                                    const std::string& fs_path = "");

}  // namespace scenarios

#endif  // AIOSIM_SCENARIOS_LOADER_H_
