// The report of one run, as text (for people) and as one JSON object (for
// tools: --report json).
//
// Both forms carry: scenario, seed, design, chooser, status, virtual end
// time (ns and human), events executed, trace hash (16 hex digits), trace
// records, decisions recorded, every expectation (program `expect`s with
// file:line:col, source text, pass/fail counts and the first failure
// messages; [expect] entries likewise), violations with their trace
// position, the deadlock report (each blocked thread, what it waits on,
// since when), the program output, extension sections, and on failure the
// command that replays the run. The text form ends with
// "trace hash: 0123456789abcdef".
#ifndef AIOSIM_SCENARIOS_REPORT_H_
#define AIOSIM_SCENARIOS_REPORT_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "scenarios/context.h"
#include "scenarios/expectations.h"
#include "scenarios/report_section.h"
#include "sim/scheduler.h"

namespace scenarios {

struct EndExpectationResult {
  std::string key;
  std::string file;
  SourcePos pos;       // line 0 for a default
  std::string source;  // `status = "deadlock"`
  bool passed = false;
  std::string message;  // when failed: "status is idle, expected deadlock"
};

struct RunReport {
  std::string scenario;
  uint64_t seed = 0;
  std::string design;
  std::string chooser;
  std::string status;  // idle, deadlock, time_limit, step_limit, violation, stopped
  std::string stop_reason;
  sim::SimTime end_time_ns = 0;
  uint64_t events = 0;  // scheduler steps: events fired + fiber resumptions
  uint64_t trace_hash = 0;
  uint64_t trace_records = 0;
  uint64_t decisions = 0;
  std::vector<ExpectSite> program_expectations;
  std::vector<EndExpectationResult> end_expectations;
  std::vector<sim::ViolationReport> violations;
  std::vector<sim::BlockedFiber> blocked;
  std::vector<OutputLine> output;
  std::vector<std::unique_ptr<ReportSection>> sections;
  std::vector<std::string> trace_lines;  // only with RunOptions::keep_trace_records
  std::string replay;                    // "aiosim run FILE --seed N --design D"

  // Every expectation held (program expects never failed, every [expect]
  // entry passed).
  bool passed() const;
  uint64_t expectations_passed() const;
  uint64_t expectations_failed() const;
  uint64_t expectations_not_reached() const;
};

std::string FormatTextReport(const RunReport& report);
// One JSON object, indented, ending with a newline.
std::string FormatJsonReport(const RunReport& report);

// "0123456789abcdef".
std::string HashHex(uint64_t hash);

}  // namespace scenarios

#endif  // AIOSIM_SCENARIOS_REPORT_H_
