// The seam for later layers (kernel model, devices, AIO designs): one
// Extension per layer, made fresh for every run (and every `check`) by
// MakeExtensions() (extensions.h) in a fixed order, so an extension may keep
// per-run state in its members and its call handlers may capture `this`.
//
// Order of calls in a run (each hook is called on every extension in
// registration order):
//   1. Tables(), SimKeys(), ExpectKeys(): what the loader accepts besides the
//      core schema ([sim], [[process]], [expect]); anything else is an
//      "unknown table/key" error with file:line:col.
//   2. RegisterCalls(calls): calls and constants (the binder then checks
//      every call, keyword and constant of every program statically).
//   3. Configure(root, run): build the world before any thread runs (devices,
//      files, caches, faults, daemon fibers) from the extension's own tables,
//      read through ConfigReader so errors carry file:line:col. `aiosim
//      check` calls it too, with run.checking() true, and runs nothing.
//   4. OnProcessStart(process): per process, in scenario order, before any
//      fiber runs (e.g. create the kernel's mm and fd table; attach them to
//      process.slots()).
//   5. OnThreadStart(thread): on the thread's own fiber, before its first
//      statement (e.g. create the task bound to this fiber). May block.
//   6. OnThreadExit(thread) / OnProcessExit(process): on the fiber, after the
//      thread's last statement (the process hook after its last thread).
//      Not called for a thread cut short by a run-time error, a violation or
//      the end of the run.
//   7. OnRunEnd(run): after the scheduler stops (e.g. leak checks ->
//      run.AddViolation(...)).
//   8. CheckExpect(key, value, run): for each [expect] key it owns.
//   9. Report(run, report): extra sections for the text and JSON reports.
#ifndef AIOSIM_SCENARIOS_EXTENSION_H_
#define AIOSIM_SCENARIOS_EXTENSION_H_

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "scenarios/calls.h"
#include "scenarios/config.h"
#include "scenarios/context.h"
#include "scenarios/report_section.h"
#include "sim/status.h"

namespace scenarios {

// The result of one end-of-run expectation an extension owns.
struct ExpectOutcome {
  bool passed = false;
  std::string message;  // when failed: "leaks is 2, expected 0"
};

class Extension {
 public:
  virtual ~Extension() = default;
  virtual std::string_view name() const = 0;

  // Top-level TOML tables or arrays of tables it owns: "device", "file".
  virtual std::vector<std::string> Tables() const { return {}; }
  // Extra keys it owns inside [sim] (read them in Configure from root).
  virtual std::vector<std::string> SimKeys() const { return {}; }
  // Extra keys it owns inside [expect] (checked by CheckExpect).
  virtual std::vector<std::string> ExpectKeys() const { return {}; }

  virtual void RegisterCalls(CallRegistry& calls) {}
  virtual sim::Status Configure(const ConfigNode& root, RunContext& run) { return sim::Status::Ok(); }
  virtual void OnProcessStart(ProcessContext& process) {}
  virtual void OnThreadStart(ThreadContext& thread) {}
  virtual void OnThreadExit(ThreadContext& thread) {}
  virtual void OnProcessExit(ProcessContext& process) {}
  virtual void OnRunEnd(RunContext& run) {}
  virtual ExpectOutcome CheckExpect(std::string_view key, const ConfigNode& value, RunContext& run) {
    return ExpectOutcome{false,
                         "extension " + std::string(name()) + " has no check for '" + std::string(key) + "'"};
  }
  virtual void Report(RunContext& run, ReportBuilder& report) {}
};

using ExtensionList = std::vector<std::unique_ptr<Extension>>;
using ExtensionFactory = std::function<ExtensionList()>;

}  // namespace scenarios

#endif  // AIOSIM_SCENARIOS_EXTENSION_H_
