// aiosim: the command line (see ../shared/DESIGN.md, "Command line").
//
//   aiosim run SCENARIO [--seed N] [--design NAME] [--chooser fifo|random|pct]
//                       [--trace FILE|-] [--report text|json] [--log-level LEVEL]
//   aiosim check SCENARIO...
//   aiosim list scenarios [--dir DIR] | designs | calls
//   aiosim version
//
// Exit codes: 0 every expectation held; 1 an expectation or invariant
// failed (the report says which, where, and how to replay); 2 bad usage or
// bad input, with exactly one line on stderr:
//   aiosim: error: FILE:LINE:COL: what was expected
// Under `bazel run`, relative paths resolve against $BUILD_WORKSPACE_DIRECTORY.
#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "scenarios/designs.h"
#include "scenarios/loader.h"
#include "scenarios/report.h"
#include "scenarios/runner.h"
#include "scenarios/scenario_files.h"
#include "scenarios/version.h"
#include "sim/log.h"
#include "sim/trace.h"

namespace {

constexpr int kExitFailed = 1;
constexpr int kExitBadInput = 2;

std::string OneLine(std::string s) {
  for (char& c : s) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

int BadInput(const std::string& message) {
  std::fprintf(stderr, "aiosim: error: %s\n", OneLine(message).c_str());
  return kExitBadInput;
}

// Where to open a path the user named: relative paths resolve against the
// workspace under `bazel run`.
std::string Resolve(const std::string& path) {
  if (path.empty() || path[0] == '/' || path == "-") return path;
  const char* ws = std::getenv("BUILD_WORKSPACE_DIRECTORY");
  if (ws == nullptr || *ws == '\0') return path;
  return std::string(ws) + "/" + path;
}

struct RunArgs {
  std::string scenario;
  uint64_t seed = 0;
  std::string design;
  std::string chooser = "fifo";
  std::string trace;
  std::string report = "text";
  std::string log_level;
};

int Run(CLI::App& cmd, const RunArgs& a) {
  if (!a.log_level.empty() && !sim::SetLogLevel(a.log_level)) {
    return BadInput("--log-level: unknown level \"" + a.log_level +
                    "\" (expected trace, debug, info, warn, error, critical or off)");
  }
  scenarios::RunOptions options;
  if (cmd.count("--seed") > 0) options.seed = a.seed;
  if (cmd.count("--design") > 0) options.design = a.design;
  options.chooser = a.chooser;
  options.fs_path = Resolve(a.scenario);
  std::FILE* trace_file = nullptr;
  if (!a.trace.empty()) {
    if (a.trace == "-") {
      trace_file = stdout;
    } else {
      trace_file = std::fopen(Resolve(a.trace).c_str(), "w");
      if (trace_file == nullptr) {
        const int err = errno;
        return BadInput(a.trace + ": cannot write the trace file (" + std::strerror(err) + ")");
      }
    }
    options.trace_sinks.push_back(std::make_unique<sim::JsonLinesSink>(trace_file));
  }
  scenarios::RunReport report;
  sim::Status s = scenarios::RunScenarioFile(a.scenario, std::move(options), &report);
  if (trace_file != nullptr && trace_file != stdout) std::fclose(trace_file);
  if (!s.ok()) return BadInput(s.message());
  const std::string out =
      a.report == "json" ? scenarios::FormatJsonReport(report) : scenarios::FormatTextReport(report);
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fflush(stdout);
  return report.passed() ? 0 : kExitFailed;
}

int Check(const std::vector<std::string>& files) {
  int rc = 0;
  for (const std::string& f : files) {
    sim::Status s = scenarios::CheckScenarioFile(f, {}, Resolve(f));
    if (s.ok()) {
      std::printf("ok: %s\n", f.c_str());
    } else {
      rc = BadInput(s.message());
    }
  }
  std::fflush(stdout);
  return rc;
}

int ListScenarios(const std::string& dir) {
  std::vector<std::string> files;
  if (sim::Status s = scenarios::FindScenarioFiles(Resolve(dir), &files); !s.ok()) {
    return BadInput(dir + ": cannot list scenarios (not a directory)");
  }
  std::string prefix = dir;
  while (prefix.size() > 1 && prefix.back() == '/') prefix.pop_back();
  std::vector<std::string> shown;
  size_t width = 0;
  for (const std::string& f : files) {
    shown.push_back(prefix == "." ? f : prefix + "/" + f);
    width = std::max(width, shown.back().size());
  }
  for (size_t i = 0; i < files.size(); ++i) {
    std::string description;
    sim::Status s = scenarios::ReadScenarioDescription(shown[i], &description, Resolve(shown[i]));
    if (!s.ok()) description = "(invalid: " + s.message() + ")";
    std::printf("%-*s  %s\n", static_cast<int>(width), shown[i].c_str(), OneLine(description).c_str());
  }
  return 0;
}

int ListDesigns() {
  for (const scenarios::DesignInfo& d : scenarios::KnownDesigns()) {
    std::printf("%-10s  %s\n", std::string(d.name).c_str(), std::string(d.summary).c_str());
  }
  return 0;
}

int ListCalls() {
  scenarios::CallRegistry calls;
  scenarios::ListCalls(&calls);
  if (!calls.status().ok()) return BadInput(calls.status().message());
  size_t width = 0;
  for (const auto& [name, spec] : calls.calls()) width = std::max(width, spec.Signature().size());
  for (const auto& [name, spec] : calls.calls()) {
    std::printf("%-*s  %s\n", static_cast<int>(width), spec.Signature().c_str(), spec.summary.c_str());
  }
  std::printf("constants:");
  for (const auto& [name, c] : calls.constants())
    std::printf(" %s=%lld", name.c_str(), static_cast<long long>(c.value));
  std::printf("\n");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"aiosim: a deterministic discrete-event simulator of Linux kernel AIO", "aiosim"};
  app.require_subcommand(1, 1);

  RunArgs run_args;
  CLI::App* run = app.add_subcommand("run", "run a scenario and print its report");
  run->add_option("scenario", run_args.scenario, "the scenario file (.toml)")->required();
  run->add_option("--seed", run_args.seed, "the seed (overrides [sim] seed)");
  run->add_option("--design", run_args.design, "the AIO design (overrides [sim] design)");
  run->add_option("--chooser", run_args.chooser, "who decides ties: fifo (default), random or pct")
      ->check(CLI::IsMember({"fifo", "random", "pct"}));
  run->add_option("--trace", run_args.trace, "write the trace as JSON lines to FILE (- for stdout)");
  run->add_option("--report", run_args.report, "report format: text (default) or json")
      ->check(CLI::IsMember({"text", "json"}));
  run->add_option("--log-level", run_args.log_level,
                  "trace, debug, info, warn (default), error, critical, off");

  std::vector<std::string> check_files;
  CLI::App* check = app.add_subcommand("check", "parse and validate scenarios without running them");
  check->add_option("scenarios", check_files, "scenario files")->required();

  std::string list_what;
  std::string list_dir = "scenarios";
  CLI::App* list = app.add_subcommand("list", "list scenarios, designs or calls");
  list->add_option("what", list_what, "scenarios, designs or calls")
      ->required()
      ->check(CLI::IsMember({"scenarios", "designs", "calls"}));
  list->add_option("--dir", list_dir, "the scenarios directory (list scenarios)");

  CLI::App* version = app.add_subcommand("version", "print the version");

  if (argc < 2) return BadInput("expected a command: run, check, list or version (see aiosim --help)");
  if (const std::string first = argv[1]; !first.empty() && first[0] != '-' && first != "run" &&
                                         first != "check" && first != "list" && first != "version") {
    return BadInput("unknown command \"" + first + "\" (expected run, check, list or version)");
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help
    return BadInput(e.what());
  }

  if (run->parsed()) return Run(*run, run_args);
  if (check->parsed()) return Check(check_files);
  if (list->parsed()) {
    if (list_what == "scenarios") return ListScenarios(list_dir);
    if (list_what == "designs") return ListDesigns();
    return ListCalls();
  }
  if (version->parsed()) {
    std::printf("aiosim %s\n", std::string(scenarios::kAiosimVersion).c_str());
    return 0;
  }
  return BadInput("no command given (expected run, check, list or version)");
}
