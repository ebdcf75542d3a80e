// A loaded scenario: the [sim] settings, the processes and threads with
// their parsed programs, the end-of-run [expect] entries, and the whole TOML
// document (as a ConfigNode tree) for the tables extensions own.
//
// A Scenario is immutable after loading except for the binder's
// annotations in the programs (ast.h) and each process's variable layout,
// which a run re-derives at its start; run one Scenario at a time.
#ifndef AIOSIM_SCENARIOS_SCENARIO_H_
#define AIOSIM_SCENARIOS_SCENARIO_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "scenarios/ast.h"
#include "scenarios/config.h"
#include "scenarios/source.h"
#include "sim/time.h"

namespace scenarios {

struct SimSettings {
  uint64_t seed = 1;
  std::string design = "mainline";
  SourcePos design_pos;
  sim::SimTime max_time_ns = sim::kNever;  // no virtual time limit by default
  uint64_t max_events = 10'000'000;
  size_t stack_bytes = 256 * 1024;
  std::string description;
};

struct ThreadSpec {
  std::string name;           // "main" for a process given as one body
  std::string full_name;      // "app/main": the fiber's name
  sim::SimTime start_ns = 0;  // delay before its first statement
  bool is_init = false;       // the process's init program (runs before its threads)
  SourcePos pos;
  std::unique_ptr<Program> program;
};

struct ProcessSpec {
  std::string name;
  SourcePos pos;
  // Runs alone on its own fiber ("app/init") before the threads are
  // spawned; typically sets the variables the threads share.
  std::optional<ThreadSpec> init;
  std::vector<ThreadSpec> threads;
  // Filled by the binder: one slot per variable the process's programs assign.
  std::vector<std::string> variables;
};

// One end-of-run expectation from [expect].
struct EndExpectation {
  enum class Kind : uint8_t { kStatus, kEndTime, kEndTimeMin, kEndTimeMax, kViolations, kExtension };
  Kind kind = Kind::kStatus;
  std::string key;
  SourcePos pos;                     // of the key; line 0 for a default
  std::string source;                // the TOML line as written, or `status = "idle" (default)`
  std::string text;                  // kStatus
  int64_t number = 0;                // times (ns) and counts
  const ConfigNode* node = nullptr;  // kExtension: the value
};

struct Scenario {
  std::string path;                        // as the user named it
  std::unique_ptr<std::string> file_name;  // stable storage the ConfigNodes point to
  std::unique_ptr<ConfigNode> root;
  SimSettings sim;
  std::vector<ProcessSpec> processes;
  std::vector<EndExpectation> expects;
};

}  // namespace scenarios

#endif  // AIOSIM_SCENARIOS_SCENARIO_H_
