#include "scenarios/context.h"

#include <utility>

#include "scenarios/extension.h"

namespace scenarios {

RunContext::RunContext(const Scenario& scenario, RunSettings settings, std::unique_ptr<sim::Chooser> chooser,
                       std::vector<std::unique_ptr<Extension>> extensions)
    : scenario_(scenario),
      settings_(std::move(settings)),
      scheduler_(std::make_unique<sim::Scheduler>(settings_.scheduler, std::move(chooser))),
      extensions_(std::move(extensions)) {
  sim::Trace& t = scheduler_->trace();
  kinds_.call = t.Kind("script.call", {"ret", "line"});
  kinds_.expect = t.Kind("script.expect", {"pass", "line"});
  kinds_.print = t.Kind("script.print", {"line"});
  kinds_.error = t.Kind("script.error", {"line", "col"});
}

RunContext::~RunContext() {
  // Fibers first: their stacks may refer to anything below.
  scheduler_->KillFibers();
  while (!processes_.empty()) processes_.pop_back();
  slots_.Clear();
  while (!extensions_.empty()) extensions_.pop_back();
  wait_points_.clear();
  scheduler_.reset();
}

void RunContext::AddViolation(std::string message, bool fatal) {
  scheduler_->ReportViolation(std::move(message), fatal);
}

sim::WaitPoint& RunContext::NamedWaitPoint(std::string_view name) {
  auto it = wait_points_.find(name);
  if (it == wait_points_.end()) {
    std::string key(name);
    it = wait_points_.emplace(key, std::make_unique<sim::WaitPoint>(scheduler_.get(), key)).first;
  }
  return *it->second;
}

void RunContext::Print(std::string text, int line) {
  scheduler_->trace().Emit(kinds_.print, {line}, text);
  output_.push_back(OutputLine{
      scheduler_->Now(), std::string(scheduler_->FiberName(scheduler_->CurrentFiber())), std::move(text)});
}

void RunContext::RecordScriptError(sim::Status error, SourcePos pos) {
  if (!script_error_.ok()) return;
  scheduler_->trace().Emit(kinds_.error, {pos.line, pos.col}, error.message());
  script_error_ = std::move(error);
  scheduler_->Stop("script error");
}

void RunContext::StopForLoopLimit(std::string reason) {
  loop_limit_reached_ = true;
  scheduler_->Stop(std::move(reason));
}

ProcessContext& RunContext::AddProcess(const ProcessSpec& spec) {
  processes_.push_back(std::make_unique<ProcessContext>(*this, spec, static_cast<int>(processes_.size())));
  return *processes_.back();
}

ProcessContext::ProcessContext(RunContext& run, const ProcessSpec& spec, int index)
    : run_(run), spec_(spec), index_(index), variables_(spec.variables.size()) {
  if (spec.init) init_thread_ = std::make_unique<ThreadContext>(*this, *spec.init);
  for (const ThreadSpec& t : spec.threads) threads_.push_back(std::make_unique<ThreadContext>(*this, t));
  live_threads_ = static_cast<int>(threads_.size());
}

ProcessContext::~ProcessContext() {
  while (!threads_.empty()) threads_.pop_back();
  init_thread_.reset();
  slots_.Clear();
}

}  // namespace scenarios
