// The contexts of one run, as extensions and call handlers see them.
//
// RunContext owns everything a run needs: the Scheduler (clock, fibers,
// chooser, trace), the extensions of this run, the call registry, the
// processes and threads, named wait points, the output log of print(), the
// expectation log, and per-extension Slots. ProcessContext and
// ThreadContext carry per-extension Slots too, so a kernel layer can attach
// its process (mm, fd table) and task objects and a call handler can reach
// them through CallContext.
//
// Lifetime: ~RunContext first destroys every unfinished fiber (their stacks
// unwind), then threads, processes, run slots and extensions in reverse
// order of creation, and the scheduler last; model objects may therefore
// refer to the scheduler and to objects created before them.
//
// Threading: one host thread; fibers switch only inside scheduler calls.
#ifndef AIOSIM_SCENARIOS_CONTEXT_H_
#define AIOSIM_SCENARIOS_CONTEXT_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scenarios/calls.h"
#include "scenarios/expectations.h"
#include "scenarios/scenario.h"
#include "scenarios/slots.h"
#include "scenarios/value.h"
#include "sim/scheduler.h"
#include "sim/status.h"

namespace scenarios {

class Extension;
class ProcessContext;
class ThreadContext;

// What a run was asked to be (after command-line overrides).
struct RunSettings {
  uint64_t seed = 1;
  std::string design = "mainline";
  std::string chooser = "fifo";
  bool checking = false;  // `aiosim check`: Configure only, no fiber runs
  sim::SchedulerOptions scheduler;
  uint64_t loop_iteration_limit = 10'000'000;  // per thread
};

// One line printed by a program.
struct OutputLine {
  sim::SimTime time = 0;
  std::string thread;
  std::string text;
};

// Trace kinds of the language's own steps.
struct ScriptTraceKinds {
  uint32_t call = 0;    // text: call name; ret (int result, else 0), line
  uint32_t expect = 0;  // text: the expectation's source; pass, line
  uint32_t print = 0;   // text: the printed line; line
  uint32_t error = 0;   // text: the run-time error; line, col
};

class RunContext {
 public:
  RunContext(const Scenario& scenario, RunSettings settings, std::unique_ptr<sim::Chooser> chooser,
             std::vector<std::unique_ptr<Extension>> extensions);
  ~RunContext();
  RunContext(const RunContext&) = delete;
  RunContext& operator=(const RunContext&) = delete;

  const Scenario& scenario() const { return scenario_; }
  const RunSettings& settings() const { return settings_; }
  uint64_t seed() const { return settings_.seed; }
  const std::string& design() const { return settings_.design; }
  bool checking() const { return settings_.checking; }

  sim::Scheduler& scheduler() { return *scheduler_; }
  const sim::Scheduler& scheduler() const { return *scheduler_; }
  CallRegistry& calls() { return calls_; }
  const CallRegistry& calls() const { return calls_; }
  const std::vector<std::unique_ptr<Extension>>& extensions() const { return extensions_; }
  Slots& slots() { return slots_; }

  // A modelled-system problem found by an extension (a leak at the end, a
  // broken invariant): recorded by the scheduler with the time and trace
  // position. Fatal ones stop the run.
  void AddViolation(std::string message, bool fatal = false);

  // The run's wait point of this name, created on first use.
  sim::WaitPoint& NamedWaitPoint(std::string_view name);

  // print(): one output line at Now() for the current fiber; also traced.
  void Print(std::string text, int line = 0);
  const std::vector<OutputLine>& output() const { return output_; }

  ExpectLog& expects() { return expects_; }
  const ExpectLog& expects() const { return expects_; }

  // A thread ran more loop iterations than the run allows: stops the run,
  // which then ends with status step_limit (like the scheduler's own limit).
  void StopForLoopLimit(std::string reason);
  bool loop_limit_reached() const { return loop_limit_reached_; }

  // The first run-time program error; stops the run. The CLI exits 2 with it.
  void RecordScriptError(sim::Status error, SourcePos pos);
  const sim::Status& script_error() const { return script_error_; }

  const ScriptTraceKinds& trace_kinds() const { return kinds_; }

  // Processes, in scenario order (built by the runner).
  ProcessContext& AddProcess(const ProcessSpec& spec);
  const std::vector<std::unique_ptr<ProcessContext>>& processes() const { return processes_; }

 private:
  const Scenario& scenario_;
  RunSettings settings_;
  std::unique_ptr<sim::Scheduler> scheduler_;
  std::vector<std::unique_ptr<Extension>> extensions_;
  CallRegistry calls_;
  Slots slots_;
  ExpectLog expects_;
  std::map<std::string, std::unique_ptr<sim::WaitPoint>, std::less<>> wait_points_;
  std::vector<OutputLine> output_;
  sim::Status script_error_;
  bool loop_limit_reached_ = false;
  ScriptTraceKinds kinds_;
  std::vector<std::unique_ptr<ProcessContext>> processes_;
};

class ProcessContext {
 public:
  ProcessContext(RunContext& run, const ProcessSpec& spec, int index);
  ProcessContext(const ProcessContext&) = delete;
  ProcessContext& operator=(const ProcessContext&) = delete;
  ~ProcessContext();

  const std::string& name() const { return spec_.name; }
  int index() const { return index_; }  // position in the scenario, from 0
  const ProcessSpec& spec() const { return spec_; }
  RunContext& run() const { return run_; }
  Slots& slots() { return slots_; }
  const std::vector<std::unique_ptr<ThreadContext>>& threads() const { return threads_; }
  // The init thread, or nullptr when the process has no init program.
  ThreadContext* init_thread() const { return init_thread_.get(); }

  // The variables its threads share (one slot per name, see
  // ProcessSpec::variables); nullopt until first assigned.
  std::vector<std::optional<Value>>& variables() { return variables_; }

  // Threads (not counting init) that have not yet exited.
  int live_threads() const { return live_threads_; }
  // Returns true when this was the last live thread.
  bool ThreadExited() { return --live_threads_ == 0; }

 private:
  RunContext& run_;
  const ProcessSpec& spec_;
  int index_;
  Slots slots_;
  std::vector<std::optional<Value>> variables_;
  std::unique_ptr<ThreadContext> init_thread_;
  std::vector<std::unique_ptr<ThreadContext>> threads_;
  int live_threads_ = 0;
};

class ThreadContext {
 public:
  ThreadContext(ProcessContext& process, const ThreadSpec& spec) : process_(process), spec_(spec) {}
  ThreadContext(const ThreadContext&) = delete;
  ThreadContext& operator=(const ThreadContext&) = delete;

  const std::string& name() const { return spec_.name; }
  const std::string& full_name() const { return spec_.full_name; }
  const ThreadSpec& spec() const { return spec_; }
  ProcessContext& process() const { return process_; }
  RunContext& run() const { return process_.run(); }
  Slots& slots() { return slots_; }
  // The fiber running it (0 before the runner spawns it).
  sim::FiberId fiber() const { return fiber_; }
  void set_fiber(sim::FiberId id) { fiber_ = id; }

 private:
  ProcessContext& process_;
  const ThreadSpec& spec_;
  Slots slots_;
  sim::FiberId fiber_ = 0;
};

}  // namespace scenarios

#endif  // AIOSIM_SCENARIOS_CONTEXT_H_
