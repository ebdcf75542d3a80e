// The runner: loads a scenario, makes a fresh set of extensions, registers
// their calls, binds the programs, lets extensions configure the world,
// spawns one fiber per thread ("process/thread", in scenario order), runs
// the scheduler, checks [expect] and builds the RunReport.
//
// Errors: a returned Status (exit 2 in the CLI) means bad input: unreadable
// or malformed file, schema error, unknown call/name, an extension's
// configuration error, an unknown design or chooser, or a run-time program
// error (the run stops at the first). Failed expectations and violations are
// NOT errors: they are in the report (report->passed() is false; exit 1).
#ifndef AIOSIM_SCENARIOS_RUNNER_H_
#define AIOSIM_SCENARIOS_RUNNER_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scenarios/extension.h"
#include "scenarios/report.h"
#include "sim/status.h"
#include "sim/trace.h"

namespace scenarios {

struct RunOptions {
  std::optional<uint64_t> seed;       // overrides [sim] seed
  std::optional<std::string> design;  // overrides [sim] design
  std::string chooser = "fifo";       // fifo | random | pct (seeded from the run's seed)
  std::vector<std::unique_ptr<sim::TraceSink>> trace_sinks;  // e.g. sim::JsonLinesSink
  bool keep_trace_records = false;                           // fill RunReport::trace_lines
  ExtensionFactory extensions;                               // empty: MakeExtensions()
  std::string fs_path;  // read the file here (messages still name the path)
};

// "fifo, random, pct".
std::string_view KnownChoosers();

sim::Status RunScenarioFile(const std::string& path, RunOptions options, RunReport* report);
sim::Status RunScenarioText(std::string_view toml, const std::string& path, RunOptions options,
                            RunReport* report);

// Parse and validate only (TOML, schema, programs, calls and constants,
// extension configuration); no thread runs.
sim::Status CheckScenarioFile(const std::string& path, const ExtensionFactory& extensions = {},
                              const std::string& fs_path = "");
sim::Status CheckScenarioText(std::string_view toml, const std::string& path,
                              const ExtensionFactory& extensions = {});

// The calls and constants every run starts with (for `aiosim list calls`).
void ListCalls(CallRegistry* out, const ExtensionFactory& extensions = {});

}  // namespace scenarios

#endif  // AIOSIM_SCENARIOS_RUNNER_H_
