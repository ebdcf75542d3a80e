#include "sim/scheduler.h"

#include <algorithm>
#include <exception>
#include <utility>

#include "sim/check.h"

namespace sim {

namespace {
thread_local Scheduler* g_current = nullptr;

struct CurrentGuard {
  Scheduler* prev;
  explicit CurrentGuard(Scheduler* s) : prev(g_current) { g_current = s; }
  ~CurrentGuard() { g_current = prev; }
};
}  // namespace

std::string_view RunStatusName(RunStatus s) {
  switch (s) {
    case RunStatus::kIdle:
      return "idle";
    case RunStatus::kTimeLimit:
      return "time_limit";
    case RunStatus::kStepLimit:
      return "step_limit";
    case RunStatus::kDeadlock:
      return "deadlock";
    case RunStatus::kViolation:
      return "violation";
    case RunStatus::kStopped:
      return "stopped";
  }
  return "?";
}

Scheduler* Scheduler::Current() { return g_current; }

Scheduler::Scheduler(SchedulerOptions options, std::unique_ptr<Chooser> chooser)
    : options_(options),
      chooser_(chooser ? std::move(chooser) : std::make_unique<FifoChooser>()),
      rng_(options.seed) {
  k_spawn_ = trace_.Kind("sched.spawn", {"fiber"});
  k_exit_ = trace_.Kind("sched.exit", {"fiber"});
  k_run_ = trace_.Kind("sched.run", {"fiber"});
  k_block_ = trace_.Kind("sched.block", {"fiber", "deadline"});
  k_wake_ = trace_.Kind("sched.wake", {"fiber"});
  k_timeout_ = trace_.Kind("sched.timeout", {"fiber"});
  k_choose_ = trace_.Kind("sched.choose", {"kind", "options", "pick"});
  k_event_ = trace_.Kind("sched.event", {"seq"});
}

Scheduler::~Scheduler() { KillFibers(); }

void Scheduler::KillFibers() {
  CurrentGuard guard(this);
  // Unwind in id order so destruction is deterministic too.
  for (auto& f : fibers_) {
    if (f->fiber) {
      current_ = f.get();
      f->fiber.reset();
      current_ = nullptr;
      f->state = State::kDone;
    }
  }
  runq_.clear();
  live_fibers_ = 0;
}

Scheduler::FiberRec* Scheduler::Rec(FiberId id) const {
  if (id == 0 || id > fibers_.size()) return nullptr;
  return fibers_[id - 1].get();
}

StackPool* Scheduler::PoolFor(size_t stack_bytes) {
  size_t rounded = (stack_bytes + 4095) & ~size_t{4095};
  for (auto& p : pools_) {
    if (p->stack_bytes() == rounded) return p.get();
  }
  pools_.push_back(std::make_unique<StackPool>(rounded));
  return pools_.back().get();
}

EventId Scheduler::At(SimTime when, Callback cb) { return queue_.Schedule(when, std::move(cb)); }

FiberId Scheduler::Spawn(std::string name, std::function<void()> body, SpawnOptions opts) {
  auto rec = std::make_unique<FiberRec>();
  rec->id = static_cast<FiberId>(fibers_.size() + 1);
  rec->name = std::move(name);
  rec->daemon = opts.daemon;
  rec->pool = PoolFor(opts.stack_bytes ? opts.stack_bytes : options_.stack_bytes);
  rec->fiber = std::make_unique<Fiber>(std::move(body), rec->pool);
  FiberId id = rec->id;
  trace_.SetTaskName(id, rec->name);
  fibers_.push_back(std::move(rec));
  ++live_fibers_;
  trace_.Emit(k_spawn_, {id});
  runq_.push_back(id);
  return id;
}

FiberId Scheduler::CurrentFiber() const { return current_ ? current_->id : 0; }

std::string_view Scheduler::FiberName(FiberId id) const {
  FiberRec* f = Rec(id);
  return f ? std::string_view(f->name) : std::string_view("irq");
}

bool Scheduler::FiberFinished(FiberId id) const {
  FiberRec* f = Rec(id);
  return f && f->state == State::kDone;
}

bool Scheduler::FiberBlocked(FiberId id) const {
  FiberRec* f = Rec(id);
  return f && f->state == State::kBlocked;
}

void Scheduler::MakeRunnable(FiberRec* f) {
  f->state = State::kRunnable;
  runq_.push_back(f->id);
}

void Scheduler::TimeoutThunk(void* arg) {
  auto* f = static_cast<FiberRec*>(arg);
  Scheduler* s = g_current;
  if (f->state != State::kBlocked) return;
  f->timed_out = true;
  f->timeout = EventId{};
  s->trace_.Emit(s->k_timeout_, {f->id});
  s->MakeRunnable(f);
}

bool Scheduler::Block(std::string_view what, SimTime deadline) {
  FiberRec* f = current_;
  SIM_CHECK(f != nullptr) << "Block(" << what << ") outside a fiber";
  f->state = State::kBlocked;
  f->waits_on = what;
  f->blocked_since = Now();
  f->timed_out = false;
  if (deadline != kNever) f->timeout = queue_.ScheduleRaw(std::max(deadline, Now()), &TimeoutThunk, f);
  trace_.Emit(k_block_, {f->id, deadline == kNever ? -1 : deadline});
  f->fiber->Suspend();
  return !f->timed_out;
}

void Scheduler::SleepFor(SimTime delay) { SleepUntil(AddTime(Now(), delay)); }

void Scheduler::SleepUntil(SimTime when) {
  if (when == kNever) {
    Block("sleep forever");
  } else {
    Block("sleep", when);
  }
}

void Scheduler::Yield() {
  FiberRec* f = current_;
  SIM_CHECK(f != nullptr) << "Yield outside a fiber";
  MakeRunnable(f);
  f->fiber->Suspend();
}

void Scheduler::Join(FiberId id) {
  FiberRec* target = Rec(id);
  SIM_CHECK(target != nullptr) << "Join of unknown fiber " << id;
  SIM_CHECK(target != current_) << "fiber joins itself";
  while (target->state != State::kDone) {
    target->joiners.push_back(CurrentFiber());
    Block(target->name);
  }
}

bool Scheduler::Wake(FiberId id) {
  FiberRec* f = Rec(id);
  if (!f || f->state != State::kBlocked) return false;
  if (f->timeout.valid()) {
    queue_.Cancel(f->timeout);
    f->timeout = EventId{};
  }
  trace_.Emit(k_wake_, {id});
  MakeRunnable(f);
  return true;
}

uint32_t Scheduler::Choose(ChoiceKind kind, std::string_view label, std::span<const uint64_t> options,
                           uint32_t preferred) {
  if (options.size() < 2) return 0;
  ChoicePoint cp{kind, label, options, preferred};
  uint32_t pick = chooser_->Choose(cp);
  SIM_CHECK(pick < options.size()) << "chooser " << chooser_->name() << " picked " << pick << " of "
                                   << options.size();
  decisions_.push_back(pick);
  trace_.Emit(k_choose_, {static_cast<int64_t>(kind), static_cast<int64_t>(options.size()), pick});
  return pick;
}

bool Scheduler::Fault(std::string_view site, bool drawn) {
  static constexpr uint64_t kNoYes[2] = {0, 1};
  return Choose(ChoiceKind::kFault, site, kNoYes, drawn ? 1 : 0) == 1;
}

void Scheduler::Stop(std::string reason) {
  stop_ = true;
  stop_reason_ = std::move(reason);
}

void Scheduler::ReportViolation(std::string message, bool fatal) {
  violations_.push_back(ViolationReport{std::move(message), Now(), trace_.count(),
                                        std::string(FiberName(CurrentFiber()))});
  if (fatal) {
    fatal_ = true;
    stop_ = true;
  }
}

void Scheduler::HandleException(std::exception_ptr e) {
  try {
    std::rethrow_exception(e);
  } catch (const Violation& v) {
    ReportViolation(v.what());
  } catch (const std::exception& ex) {
    ReportViolation(std::string("uncaught exception: ") + ex.what());
  } catch (...) {
    ReportViolation("uncaught non-standard exception");
  }
}

void Scheduler::RunFiber(FiberRec* f) {
  current_ = f;
  f->state = State::kRunning;
  trace_.SetTask(f->id);
  trace_.Emit(k_run_, {f->id});
  f->fiber->Resume();
  current_ = nullptr;
  if (f->fiber->finished()) {
    std::exception_ptr err = f->fiber->error();
    f->state = State::kDone;
    f->fiber.reset();  // returns the stack to its pool
    --live_fibers_;
    trace_.Emit(k_exit_, {f->id});
    for (FiberId j : f->joiners) Wake(j);
    f->joiners.clear();
    if (err) HandleException(err);
  }
  trace_.SetTask(0);
}

bool Scheduler::FireEvent() {
  const SimTime next = queue_.NextTime();
  if (next == kNever) return false;
  if (next > options_.time_limit) {
    Stop("time limit " + FormatTime(options_.time_limit));
    return false;
  }
  EventQueue::Fired ev;
  // More than one event due at this instant is a choice.
  if (chooser_->IsFifo()) {
    queue_.Pop(&ev);
    if (queue_.NextTime() == ev.time) {
      scratch_.assign(2, 0);  // FIFO answers `preferred`: only record it
      Choose(ChoiceKind::kSimultaneous, "event", scratch_);
    }
  } else {
    queue_.PeekSimultaneous(&scratch_);
    uint32_t pick = Choose(ChoiceKind::kSimultaneous, "event", scratch_);
    queue_.PopSequence(scratch_[pick], &ev);
  }
  trace_.SetNow(ev.time);
  ++steps_;
  trace_.Emit(k_event_, {static_cast<int64_t>(ev.seq)});
  ev.Run();
  return true;
}

RunResult Scheduler::Run() {
  CurrentGuard guard(this);
  stop_ = false;
  RunResult result;
  for (;;) {
    if (stop_) break;
    if (steps_ >= options_.step_limit) {
      Stop("step limit " + std::to_string(options_.step_limit));
      break;
    }
    try {
      if (!runq_.empty()) {
        size_t pick = 0;
        const bool event_now = queue_.NextTime() == Now();
        const size_t n = runq_.size() + (event_now ? 1 : 0);
        if (n > 1) {
          if (chooser_->IsFifo()) {
            scratch_.assign(n, 0);
          } else {
            scratch_.assign(runq_.begin(), runq_.end());
            if (event_now) scratch_.push_back(0);  // "let the due event fire first"
          }
          pick = Choose(ChoiceKind::kRunnable, "run", scratch_);
        }
        if (pick < runq_.size()) {
          FiberRec* f = Rec(runq_[pick]);
          runq_.erase(runq_.begin() + static_cast<std::ptrdiff_t>(pick));
          ++steps_;
          RunFiber(f);
          continue;
        }
      }
      if (!FireEvent()) break;
    } catch (...) {
      current_ = nullptr;
      trace_.SetTask(0);
      HandleException(std::current_exception());
    }
  }
  result.end_time = Now();
  result.steps = steps_;
  if (fatal_) {
    result.status = RunStatus::kViolation;
  } else if (stop_) {
    result.stop_reason = stop_reason_;
    if (stop_reason_.rfind("time limit", 0) == 0) {
      result.status = RunStatus::kTimeLimit;
    } else if (stop_reason_.rfind("step limit", 0) == 0) {
      result.status = RunStatus::kStepLimit;
    } else {
      result.status = RunStatus::kStopped;
    }
  } else {
    for (auto& f : fibers_) {
      if (f->state == State::kBlocked && !f->daemon) {
        result.blocked.push_back(
            BlockedFiber{f->id, f->name, std::string(f->waits_on), f->blocked_since});
      }
    }
    result.status = result.blocked.empty() ? RunStatus::kIdle : RunStatus::kDeadlock;
  }
  return result;
}

bool WaitPoint::Wait(SimTime deadline) {
  FiberId self = sched_->CurrentFiber();
  SIM_CHECK(self != 0) << "WaitPoint::Wait(" << name_ << ") outside a fiber";
  waiters_.push_back(self);
  bool woken = sched_->Block(name_, deadline);
  if (!woken) {
    auto it = std::find(waiters_.begin(), waiters_.end(), self);
    if (it != waiters_.end()) waiters_.erase(it);
  }
  return woken;
}

bool WaitPoint::WakeOne() {
  if (waiters_.empty()) return false;
  std::vector<uint64_t> ids(waiters_.begin(), waiters_.end());
  uint32_t pick = sched_->Choose(ChoiceKind::kWakeOrder, name_, ids);
  FiberId id = waiters_[pick];
  waiters_.erase(waiters_.begin() + pick);
  sched_->Wake(id);
  return true;
}

size_t WaitPoint::WakeAll() {
  size_t n = 0;
  while (!waiters_.empty()) {
    FiberId id = waiters_.front();
    waiters_.pop_front();
    if (sched_->Wake(id)) ++n;
  }
  return n;
}

}  // namespace sim
