#include "scenarios/runner.h"

#include <utility>

#include "scenarios/binder.h"
#include "scenarios/designs.h"
#include "scenarios/extensions.h"
#include "scenarios/interpreter.h"
#include "scenarios/loader.h"
#include "sim/chooser.h"
#include "sim/prng.h"

namespace scenarios {

namespace {

ExtensionList Make(const ExtensionFactory& factory) { return factory ? factory() : MakeExtensions(); }

void RegisterAll(RunContext& run) {
  for (const auto& ext : run.extensions()) {
    run.calls().SetOwner(std::string(ext->name()));
    ext->RegisterCalls(run.calls());
  }
}

std::string Quote(const std::string& s) {
  for (char c : s) {
    if (c == ' ' || c == '\'' || c == '"' || c == '\\' || c == '$') {
      std::string out = "'";
      for (char d : s) {
        if (d == '\'') {
          out += "'\\''";
        } else {
          out += d;
        }
      }
      return out + "'";
    }
  }
  return s;
}

EndExpectationResult CheckEnd(const EndExpectation& x, const Scenario& sc, const sim::RunResult& result,
                              std::string_view status, RunContext& run) {
  EndExpectationResult r;
  r.key = x.key;
  r.file = sc.path;
  r.pos = x.pos;
  r.source = x.source;
  const size_t violations = run.scheduler().violations().size();
  switch (x.kind) {
    case EndExpectation::Kind::kStatus:
      r.passed = status == x.text;
      if (!r.passed) {
        r.message = "status is " + std::string(status) + ", expected " + x.text;
        if (status == "violation" && !run.scheduler().violations().empty()) {
          r.message += " (" + run.scheduler().violations().front().message + ")";
        } else if (status == "deadlock" && !result.blocked.empty()) {
          r.message +=
              " (" + result.blocked.front().name + " waits on \"" + result.blocked.front().waits_on + "\")";
        } else if (!result.stop_reason.empty()) {
          r.message += " (" + result.stop_reason + ")";
        }
      }
      break;
    case EndExpectation::Kind::kEndTime:
      r.passed = result.end_time == x.number;
      if (!r.passed) {
        r.message =
            "end time is " + sim::FormatTime(result.end_time) + ", expected " + sim::FormatTime(x.number);
      }
      break;
    case EndExpectation::Kind::kEndTimeMin:
      r.passed = result.end_time >= x.number;
      if (!r.passed) {
        r.message =
            "end time is " + sim::FormatTime(result.end_time) + ", expected >= " + sim::FormatTime(x.number);
      }
      break;
    case EndExpectation::Kind::kEndTimeMax:
      r.passed = result.end_time <= x.number;
      if (!r.passed) {
        r.message =
            "end time is " + sim::FormatTime(result.end_time) + ", expected <= " + sim::FormatTime(x.number);
      }
      break;
    case EndExpectation::Kind::kViolations:
      r.passed = static_cast<int64_t>(violations) == x.number;
      if (!r.passed) {
        r.message = "violations is " + std::to_string(violations) + ", expected " + std::to_string(x.number);
        if (violations > 0) r.message += " (first: " + run.scheduler().violations().front().message + ")";
      }
      break;
    case EndExpectation::Kind::kExtension: {
      Extension* owner = nullptr;
      for (const auto& ext : run.extensions()) {
        for (const std::string& k : ext->ExpectKeys()) {
          if (k == x.key && !owner) owner = ext.get();
        }
      }
      if (!owner) {
        r.message = "no extension checks '" + x.key + "'";
        break;
      }
      ExpectOutcome out = owner->CheckExpect(x.key, *x.node, run);
      r.passed = out.passed;
      r.message = out.message;
      break;
    }
  }
  return r;
}

void SpawnThreads(ProcessContext& p) {
  sim::Scheduler& sched = p.run().scheduler();
  for (const auto& t : p.threads()) {
    ThreadContext* thread = t.get();
    thread->set_fiber(sched.Spawn(thread->full_name(), [thread] { RunThreadBody(*thread); }));
  }
}

// Everything after loading, for `run` (checking == false) and `check`.
sim::Status RunLoaded(Scenario& scenario, ExtensionList extensions, RunOptions& options, bool checking,
                      RunReport* report) {
  RunSettings settings;
  settings.checking = checking;
  settings.seed = options.seed.value_or(scenario.sim.seed);
  settings.design = options.design.value_or(scenario.sim.design);
  if (!FindDesign(settings.design)) {
    return sim::Status::Error("unknown design \"" + settings.design + "\" (known: " + KnownDesignNames() +
                              ")");
  }
  settings.chooser = options.chooser;
  std::unique_ptr<sim::Chooser> chooser = sim::MakeChooser(
      settings.chooser, sim::Prng(settings.seed).Fork("chooser"), 3, scenario.sim.max_events);
  if (!chooser) {
    return sim::Status::Error("unknown chooser \"" + settings.chooser +
                              "\" (known: " + std::string(KnownChoosers()) + ")");
  }
  settings.scheduler.seed = settings.seed;
  settings.scheduler.time_limit = scenario.sim.max_time_ns;
  settings.scheduler.step_limit = scenario.sim.max_events;
  settings.scheduler.stack_bytes = scenario.sim.stack_bytes;
  settings.loop_iteration_limit = scenario.sim.max_events;

  RunContext run(scenario, std::move(settings), std::move(chooser), std::move(extensions));
  RegisterAll(run);
  if (!run.calls().status().ok()) return run.calls().status();
  for (ProcessSpec& p : scenario.processes) {
    if (sim::Status s = BindProcess(&p, run.calls(), &run.expects()); !s.ok()) return s;
  }
  for (const auto& ext : run.extensions()) {
    if (sim::Status s = ext->Configure(*scenario.root, run); !s.ok()) return s;
  }
  if (checking) return sim::Status::Ok();

  sim::Scheduler& sched = run.scheduler();
  sim::Trace& trace = sched.trace();
  for (auto& sink : options.trace_sinks) trace.AddSink(std::move(sink));
  options.trace_sinks.clear();
  trace.KeepRecords(options.keep_trace_records);

  for (const ProcessSpec& spec : scenario.processes) {
    ProcessContext& p = run.AddProcess(spec);
    for (const auto& ext : run.extensions()) ext->OnProcessStart(p);
    if (ThreadContext* init = p.init_thread()) {
      // The threads start when init has run to its end.
      ProcessContext* process = &p;
      init->set_fiber(sched.Spawn(init->full_name(), [init, process] {
        if (RunThreadBody(*init) != Interpreter::Outcome::kAborted) SpawnThreads(*process);
      }));
    } else {
      SpawnThreads(p);
    }
  }

  const sim::RunResult result = sched.Run();
  if (!run.script_error().ok()) return run.script_error();
  for (const auto& ext : run.extensions()) ext->OnRunEnd(run);
  trace.Finish();

  RunReport& r = *report;
  r = RunReport();
  r.scenario = scenario.path;
  r.seed = run.seed();
  r.design = run.design();
  r.chooser = run.settings().chooser;
  r.status = std::string(sim::RunStatusName(result.status));
  if (result.status == sim::RunStatus::kStopped && run.loop_limit_reached()) r.status = "step_limit";
  r.stop_reason = result.stop_reason;
  r.end_time_ns = result.end_time;
  r.events = result.steps;
  r.trace_hash = trace.hash();
  r.trace_records = trace.count();
  r.decisions = sched.decisions().size();
  r.program_expectations = run.expects().sites();
  for (const EndExpectation& x : scenario.expects) {
    r.end_expectations.push_back(CheckEnd(x, scenario, result, r.status, run));
  }
  r.violations = sched.violations();
  r.blocked = result.blocked;
  r.output = run.output();
  ReportBuilder builder;
  for (const auto& ext : run.extensions()) ext->Report(run, builder);
  r.sections = builder.TakeSections();
  if (options.keep_trace_records) {
    for (const sim::TraceRecord& rec : trace.records()) r.trace_lines.push_back(trace.FormatText(rec));
  }
  r.replay =
      "aiosim run " + Quote(scenario.path) + " --seed " + std::to_string(r.seed) + " --design " + r.design;
  if (r.chooser != "fifo") r.replay += " --chooser " + r.chooser;
  return sim::Status::Ok();
}

}  // namespace

std::string_view KnownChoosers() { return "fifo, random, pct"; }

sim::Status RunScenarioText(std::string_view toml, const std::string& path, RunOptions options,
                            RunReport* report) {
  ExtensionList exts = Make(options.extensions);
  Scenario scenario;
  if (sim::Status s = LoadScenarioText(toml, path, SchemaOf(exts), &scenario); !s.ok()) return s;
  return RunLoaded(scenario, std::move(exts), options, /*checking=*/false, report);
}

sim::Status RunScenarioFile(const std::string& path, RunOptions options, RunReport* report) {
  ExtensionList exts = Make(options.extensions);
  Scenario scenario;
  if (sim::Status s = LoadScenarioFile(path, SchemaOf(exts), &scenario, options.fs_path); !s.ok()) return s;
  return RunLoaded(scenario, std::move(exts), options, /*checking=*/false, report);
}

sim::Status CheckScenarioText(std::string_view toml, const std::string& path,
                              const ExtensionFactory& extensions) {
  ExtensionList exts = Make(extensions);
  Scenario scenario;
  if (sim::Status s = LoadScenarioText(toml, path, SchemaOf(exts), &scenario); !s.ok()) return s;
  RunOptions options;
  return RunLoaded(scenario, std::move(exts), options, /*checking=*/true, nullptr);
}

sim::Status CheckScenarioFile(const std::string& path, const ExtensionFactory& extensions,
                              const std::string& fs_path) {
  ExtensionList exts = Make(extensions);
  Scenario scenario;
  if (sim::Status s = LoadScenarioFile(path, SchemaOf(exts), &scenario, fs_path); !s.ok()) return s;
  RunOptions options;
  return RunLoaded(scenario, std::move(exts), options, /*checking=*/true, nullptr);
}

void ListCalls(CallRegistry* out, const ExtensionFactory& extensions) {
  for (const auto& ext : Make(extensions)) {
    out->SetOwner(std::string(ext->name()));
    ext->RegisterCalls(*out);
  }
}

}  // namespace scenarios
