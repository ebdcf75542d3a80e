#include "sim/scheduler.h"

#include <algorithm>
#include <cstdlib>
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
      fifo_(chooser_->IsFifo()),
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
  SIM_CHECK(current_ == nullptr) << "KillFibers() from inside fiber " << current_->name;
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

void Scheduler::SetFiberData(FiberId id, void* data) {
  FiberRec* f = Rec(id);
  SIM_CHECK(f != nullptr) << "SetFiberData of unknown fiber " << id;
  f->data = data;
}

void* Scheduler::FiberData(FiberId id) const {
  const FiberRec* f = Rec(id);
  return f != nullptr ? f->data : nullptr;
}

FiberId Scheduler::Spawn(std::string name, std::function<void()> body, SpawnOptions opts) {
  auto rec = std::make_unique<FiberRec>();
  rec->id = static_cast<FiberId>(fibers_.size() + 1);
  rec->name = std::move(name);
  rec->sched = this;
  rec->daemon = opts.daemon;
  rec->pool = PoolFor(opts.stack_bytes ? opts.stack_bytes : options_.stack_bytes);
  rec->fiber.emplace(std::move(body), rec->pool);
  FiberRec* f = rec.get();
  trace_.SetTaskName(f->id, f->name);
  fibers_.push_back(std::move(rec));
  ++live_fibers_;
  trace_.Emit(k_spawn_, {f->id});
  runq_.push_back(f);
  return f->id;
}

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

void Scheduler::NotInFiber(std::string_view what) const {
  SIM_CHECK(current_ != nullptr) << "Block(" << what << ") outside a fiber";
  std::abort();  // unreachable: the check above throws
}

// The timeout event of a Block() with a deadline. FireEvent() recognises it
// and ends the wait itself (see there); run as a plain callback it only
// meets a fiber whose wait already ended, and does nothing.
void Scheduler::TimeoutThunk(void* arg, uint64_t) {
  auto* f = static_cast<FiberRec*>(arg);
  SIM_CHECK(f->state != State::kBlocked) << "timeout of blocked fiber " << f->name << " run as a plain event";
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

uint32_t Scheduler::RecordFifoChoice(ChoiceKind kind, size_t n, uint32_t preferred) {
  decisions_.push_back(preferred);
  trace_.Emit(k_choose_, {static_cast<int64_t>(kind), static_cast<int64_t>(n), preferred});
  return preferred;
}

bool Scheduler::Fault(std::string_view site, bool drawn) {
  static constexpr uint64_t kNoYes[2] = {0, 1};
  return Choose(ChoiceKind::kFault, site, kNoYes, drawn ? 1 : 0) == 1;
}

void Scheduler::StopWith(RunStatus status, std::string reason) {
  stop_ = true;
  stop_status_ = status;
  stop_reason_ = std::move(reason);
}

void Scheduler::Stop(std::string reason) { StopWith(RunStatus::kStopped, std::move(reason)); }

void Scheduler::ReportViolation(std::string message, bool fatal) {
  violations_.push_back(ViolationReport{std::move(message), Now(), trace_.count(),
                                        std::string(FiberName(CurrentFiber()))});
  if (fatal) {
    fatal_ = true;
    stop_ = true;
  }
}

// `f` is the fiber the exception escaped from (current_ while this runs), or
// nullptr for an event callback.
void Scheduler::HandleException(std::exception_ptr e, FiberRec* f) {
  FiberRec* saved = current_;
  current_ = f;  // ReportViolation names current_
  try {
    std::rethrow_exception(e);
  } catch (const Violation& v) {
    ReportViolation(v.what());
  } catch (const std::exception& ex) {
    ReportViolation(std::string("uncaught exception: ") + ex.what());
  } catch (...) {
    ReportViolation("uncaught non-standard exception");
  }
  current_ = saved;
}

// A finished fiber: report what escaped it (at its own trace position), give
// its stack back, and wake its joiners.
void Scheduler::FinishFiber(FiberRec* f) {
  if (std::exception_ptr err = f->fiber->error()) HandleException(err, f);
  f->state = State::kDone;
  f->fiber.reset();  // returns the stack to its pool
  --live_fibers_;
  trace_.Emit(k_exit_, {f->id});
  for (FiberId j : f->joiners) Wake(j);
  f->joiners.clear();
}

// Inline into Run(): the switch to the fiber is then made from Run's frame
// and no function return follows it on the scheduler side. `record_run` is
// false when the record that made the fiber runnable (its timeout) already
// says that it runs now.
inline void Scheduler::RunFiber(FiberRec* f, bool record_run) {
  current_ = f;
  f->state = State::kRunning;
  trace_.SetTask(f->id);
  if (record_run) trace_.Emit(k_run_, {f->id});
  f->fiber->Resume();
  if (f->fiber->finished()) [[unlikely]] FinishFiber(f);
  current_ = nullptr;
  trace_.SetTask(0);
}

// Which runnable fiber runs (an index into runq_), or runq_.size() for "the
// event due now fires first".
size_t Scheduler::PickRunnable(bool event_now) {
  const size_t n = runq_.size() + (event_now ? 1 : 0);
  if (fifo_) return RecordFifoChoice(ChoiceKind::kRunnable, n);
  scratch_.clear();
  for (size_t i = 0; i < runq_.size(); ++i) scratch_.push_back(runq_[i]->id);
  if (event_now) scratch_.push_back(0);  // "let the due event fire first"
  return Choose(ChoiceKind::kRunnable, "run", scratch_);
}

bool Scheduler::FireEvent(FiberRec** resume) {
  // A FIFO chooser pops the front next: ready it now rather than scan for
  // it twice. Other choosers peek the simultaneous events first.
  const SimTime next = fifo_ ? queue_.FrontTime() : queue_.NextTime();
  if (next == kNever) return false;
  if (next > options_.time_limit) {
    StopWith(RunStatus::kTimeLimit, "time limit " + FormatTime(options_.time_limit));
    return false;
  }
  // Records of the choice among simultaneous events carry their time.
  trace_.SetNow(next);
  EventQueue::Fired ev;
  if (fifo_) {
    queue_.Pop(&ev);
    // More than one event due at this instant is a choice; FIFO takes the
    // first, but the record must count the options as any chooser would see
    // them, or a replay of this run would hash differently.
    if (queue_.NextTime() == ev.time) [[unlikely]] {
      RecordFifoChoice(ChoiceKind::kSimultaneous, queue_.CountSimultaneous() + 1);
    }
  } else {
    queue_.PeekSimultaneous(&scratch_);
    if (scratch_.size() == 1) {
      queue_.Pop(&ev);
    } else {
      const uint32_t pick = Choose(ChoiceKind::kSimultaneous, "event", scratch_);
      queue_.PopSequence(scratch_[pick], &ev);
    }
  }
  ++steps_;
  if (ev.raw == &TimeoutThunk) {
    auto* f = static_cast<FiberRec*>(ev.arg);
    if (f->state == State::kBlocked) {
      f->fiber->Prefetch();  // its stack lines arrive while the queue settles
      // A sleep or a timed wait ends: one record says so. When nothing else
      // could run now (no other fiber runnable, no other event due at this
      // instant, no step left unused) there is no choice to make under any
      // chooser, and the fiber resumes at once, without a sched.run record.
      f->timed_out = true;
      f->timeout = EventId{};
      trace_.Emit(k_timeout_, {f->id});
      if (runq_.empty() && steps_ < options_.step_limit && queue_.NextTime() != ev.time) {
        *resume = f;
        // The next events are known now. Among many fibers their records
        // and stacks are cold, and a miss each costs more than the whole
        // switch: if the next one ends another sleep, start fetching that
        // fiber's stack lines while this one runs (its record, which names
        // them, was fetched one event earlier), and the record of the one
        // after it. Loading a line just prefetched would wait for it.
        if (auto* next = static_cast<FiberRec*>(queue_.NextArgIf(&TimeoutThunk))) {
          if (next->fiber) next->fiber->Prefetch();
        }
        if (auto* after = static_cast<const char*>(queue_.NextArgIf(&TimeoutThunk, 1))) {
          __builtin_prefetch(after);
          __builtin_prefetch(after + 64);
        }
      } else {
        MakeRunnable(f);
      }
      return true;
    }
  }
  trace_.Emit(k_event_, {static_cast<int64_t>(ev.seq)});
  ev.Run();
  return true;
}

RunResult Scheduler::Run() {
  SIM_CHECK(!running_) << "Run() inside Run()";
  running_ = true;
  CurrentGuard guard(this);
  stop_ = false;
  RunResult result;
  for (;;) {
    if (stop_) break;
    if (steps_ >= options_.step_limit) [[unlikely]] {
      StopWith(RunStatus::kStepLimit, "step limit " + std::to_string(options_.step_limit));
      break;
    }
    try {
      if (!runq_.empty()) {
        const bool event_now = queue_.NextTime() == Now();
        FiberRec* f = nullptr;
        if (runq_.size() == 1 && !event_now) {
          f = runq_.pop_front();
        } else {
          const size_t pick = PickRunnable(event_now);
          if (pick < runq_.size()) f = runq_.Take(pick);
        }
        if (f != nullptr) {
          ++steps_;
          RunFiber(f, /*record_run=*/true);
          continue;
        }
      }
      FiberRec* resume = nullptr;
      if (!FireEvent(&resume)) break;
      if (resume != nullptr) {
        ++steps_;
        RunFiber(resume, /*record_run=*/false);
      }
    } catch (...) {
      current_ = nullptr;
      trace_.SetTask(0);
      HandleException(std::current_exception(), nullptr);
    }
  }
  running_ = false;
  result.end_time = Now();
  result.steps = steps_;
  if (fatal_) {
    result.status = RunStatus::kViolation;
  } else if (stop_) {
    result.status = stop_status_;
    result.stop_reason = stop_reason_;
  } else {
    for (auto& f : fibers_) {
      if (f->state == State::kBlocked && !f->daemon) {
        result.blocked.push_back(BlockedFiber{f->id, f->name, std::string(f->waits_on), f->blocked_since});
      }
    }
    result.status = result.blocked.empty() ? RunStatus::kIdle : RunStatus::kDeadlock;
  }
  return result;
}

bool WaitPoint::Wait(SimTime deadline) {
  const FiberId self = sched_->CurrentFiber();
  SIM_CHECK(self != 0) << "WaitPoint::Wait(" << name_ << ") outside a fiber";
  waiters_.push_back(self);
  const bool woken = sched_->Block(name_, deadline);
  // WakeOne/WakeAll took us off the list; a timeout or a direct Wake did not.
  for (size_t i = 0; i < waiters_.size(); ++i) {
    if (waiters_[i] == self) {
      waiters_.Take(i);
      break;
    }
  }
  return woken;
}

bool WaitPoint::WakeOne() {
  // A waiter whose wait already ended (timed out, runnable but not yet run)
  // is no candidate: waking it would wake nobody. As in Linux, where a
  // failed try_to_wake_up does not use up an exclusive wake-up, the wake
  // goes to a waiter still blocked, or to nobody.
  for (size_t i = 0; i < waiters_.size();) {
    if (sched_->FiberBlocked(waiters_[i])) {
      ++i;
    } else {
      waiters_.Take(i);
    }
  }
  if (waiters_.empty()) return false;
  options_.clear();
  for (size_t i = 0; i < waiters_.size(); ++i) options_.push_back(waiters_[i]);
  const uint32_t pick = sched_->Choose(ChoiceKind::kWakeOrder, name_, options_);
  sched_->Wake(waiters_.Take(pick));
  return true;
}

size_t WaitPoint::WakeAll() {
  size_t n = 0;
  while (!waiters_.empty()) {
    if (sched_->Wake(waiters_.pop_front())) ++n;
  }
  return n;
}

}  // namespace sim
