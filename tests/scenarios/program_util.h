// Helpers for tests that run small programs through the whole stack
// (loader, binder, interpreter, runner): a one-process scenario around a
// body, with the body's first line at line 4 of "t.toml".
#ifndef AIOSIM_TESTS_SCENARIOS_PROGRAM_UTIL_H_
#define AIOSIM_TESTS_SCENARIOS_PROGRAM_UTIL_H_

#include <memory>
#include <string>
#include <vector>

#include "scenarios/extension.h"
#include "scenarios/extensions.h"
#include "scenarios/runner.h"

namespace scenarios_test {

// Registers EINVAL (22) and EFAULT (14) in group errno, as a kernel layer would.
class ErrnoExtension : public scenarios::Extension {
 public:
  std::string_view name() const override { return "errno-test"; }
  void RegisterCalls(scenarios::CallRegistry& calls) override {
    calls.RegisterConstant("EINVAL", 22, "errno");
    calls.RegisterConstant("EFAULT", 14, "errno");
  }
};

inline scenarios::ExtensionList WithErrno() {
  scenarios::ExtensionList list = scenarios::MakeExtensions();
  list.push_back(std::make_unique<ErrnoExtension>());
  return list;
}

// body starts at t.toml:4:1.
inline std::string OneProcess(const std::string& body, const std::string& extra = "") {
  return "[[process]]\nname = \"p\"\nbody = '''\n" + body + "\n'''\n" + extra;
}

struct ProgramRun {
  sim::Status status;
  scenarios::RunReport report;
};

inline ProgramRun RunToml(const std::string& toml, bool keep_trace = false) {
  ProgramRun r;
  scenarios::RunOptions options;
  options.extensions = WithErrno;
  options.keep_trace_records = keep_trace;
  r.status = scenarios::RunScenarioText(toml, "t.toml", std::move(options), &r.report);
  return r;
}

inline ProgramRun RunBody(const std::string& body, const std::string& extra = "") {
  return RunToml(OneProcess(body, extra));
}

// The printed texts, in order.
inline std::vector<std::string> Printed(const scenarios::RunReport& r) {
  std::vector<std::string> out;
  for (const auto& l : r.output) out.push_back(l.text);
  return out;
}

// Every kept failure message of the program expectations, in site order.
inline std::vector<std::string> Failures(const scenarios::RunReport& r) {
  std::vector<std::string> out;
  for (const auto& s : r.program_expectations) {
    for (const auto& f : s.failures_kept) out.push_back(f.message);
  }
  return out;
}

inline std::string CheckError(const std::string& toml) {
  sim::Status s = scenarios::CheckScenarioText(toml, "t.toml", WithErrno);
  return s.ok() ? std::string("ok") : s.message();
}

}  // namespace scenarios_test

#endif  // AIOSIM_TESTS_SCENARIOS_PROGRAM_UTIL_H_
