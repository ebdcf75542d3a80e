// The Scheduler: virtual clock, event queue, fibers, chooser and trace of one
// run. It is the "maestro" of SimGrid's shape: simulated threads are fibers
// that block by yielding to it with a reason; callbacks that a kernel runs in
// interrupt context are plain events.
//
// The main loop, and why its order is fixed:
//   1. If fibers are runnable, one runs (the chooser picks when there are two
//      or more; an event due at this same instant is offered as one more
//      option, so a race hunter can let an "interrupt" land first).
//   2. Otherwise the earliest event fires (the chooser picks among events
//      due at the same instant; FIFO takes them in scheduling order).
//   3. Nothing runnable and nothing pending: the run is over. Fibers still
//      blocked (other than daemons) are a deadlock, reported one by one with
//      what each waits on.
// Every answer to a choice with two or more options is recorded; the list
// replays the run exactly (ReplayChooser).
//
// Trace: the engine's records are sched.spawn, sched.run (a fiber gets the
// CPU), sched.block (with its deadline, -1 for none), sched.wake,
// sched.timeout (a wait's deadline passed), sched.event (an event callback
// runs), sched.exit and sched.choose (every choice with two or more options).
// A fiber whose timeout fires when nothing else could run at that instant (no
// runnable fiber, no other event due) resumes at once: its sched.timeout
// stands for the sched.run. No chooser could decide otherwise there, so the
// rule holds under every chooser and in replays.
//
// Threading: one Scheduler per run, driven from one host thread. Fibers switch
// only inside Scheduler calls (Block, SleepFor, Yield, WaitPoint::Wait), so
// model code between two such calls is atomic.
//
// Speed: Block, SleepFor and SleepUntil are inline, and the loop resumes
// fibers from its own frame, so a sleep costs no function return across the
// stack switch (each such return is mispredicted; see sim/fiber.h). The
// figures are in docs/performance.md.
#ifndef AIOSIM_SIM_SCHEDULER_H_
#define AIOSIM_SIM_SCHEDULER_H_

#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sim/chooser.h"
#include "sim/event_queue.h"
#include "sim/fiber.h"
#include "sim/prng.h"
#include "sim/ring_queue.h"
#include "sim/time.h"
#include "sim/trace.h"

namespace sim {

using FiberId = uint32_t;  // 0 is "no fiber" (event/interrupt context)

struct SchedulerOptions {
  uint64_t seed = 1;
  SimTime time_limit = kNever;          // stop when the next event is later
  uint64_t step_limit = UINT64_MAX;     // events fired + fiber resumptions
  size_t stack_bytes = 256 * 1024;      // default fiber stack
};

enum class RunStatus {
  kIdle,        // nothing left to do, no user fiber blocked
  kTimeLimit,   // the next event lay beyond time_limit
  kStepLimit,   // step_limit reached
  kDeadlock,    // nothing pending, user fibers still blocked
  kViolation,   // a SIM_CHECK failed or a fiber threw
  kStopped,     // Stop() was called
};
std::string_view RunStatusName(RunStatus s);

struct BlockedFiber {
  FiberId id;
  std::string name;
  std::string waits_on;
  SimTime since;
};

struct ViolationReport {
  std::string message;
  SimTime time;
  uint64_t trace_position;  // trace records emitted before it
  std::string task;
};

struct RunResult {
  RunStatus status = RunStatus::kIdle;
  SimTime end_time = 0;
  uint64_t steps = 0;
  std::vector<BlockedFiber> blocked;  // deadlock: every blocked user fiber
  std::string stop_reason;
};

class Scheduler {
 public:
  explicit Scheduler(SchedulerOptions options = {}, std::unique_ptr<Chooser> chooser = nullptr);
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // The scheduler whose Run() is active on this host thread, or nullptr.
  static Scheduler* Current();

  SimTime Now() const { return queue_.Now(); }
  const SchedulerOptions& options() const { return options_; }

  // --- events (any context) ---
  EventId At(SimTime when, Callback cb);
  // The same for fn(arg, word): nothing to allocate, move or destroy (device
  // completions, one per request).
  EventId At(SimTime when, RawCallback fn, void* arg, uint64_t word = 0) {
    return queue_.ScheduleRaw(when, fn, arg, word);
  }
  EventId After(SimTime delay, Callback cb) { return At(AddTime(Now(), delay), std::move(cb)); }
  bool Cancel(EventId id) { return queue_.Cancel(id); }
  size_t PendingEvents() const { return queue_.Size(); }

  // --- fibers ---
  struct SpawnOptions {
    bool daemon = false;     // a daemon blocked at the end is not a deadlock
    size_t stack_bytes = 0;  // 0: options().stack_bytes
  };
  // The new fiber is runnable now; it first runs when the loop picks it.
  FiberId Spawn(std::string name, std::function<void()> body, SpawnOptions opts);
  FiberId Spawn(std::string name, std::function<void()> body) {
    return Spawn(std::move(name), std::move(body), SpawnOptions{});
  }
  FiberId CurrentFiber() const;  // 0 outside fibers (inline, below: the model asks often)
  // One pointer a layer above keeps with each fiber (the kernel model: the
  // task a fiber runs), so that "which task is running" is two loads, not a
  // lookup by id. nullptr until set, and outside fibers.
  void SetFiberData(FiberId id, void* data);
  void* FiberData(FiberId id) const;  // nullptr for an unknown fiber too
  void* CurrentFiberData() const { return current_ != nullptr ? current_->data : nullptr; }
  std::string_view FiberName(FiberId id) const;
  bool FiberFinished(FiberId id) const;
  bool FiberBlocked(FiberId id) const;
  size_t LiveFibers() const { return live_fibers_; }

  // --- from inside a fiber ---
  // Blocks until Wake(this fiber) or until `deadline`. Returns true if woken,
  // false on timeout. `what` must outlive the wait (it names the wait in
  // deadlock reports). A deadline already past times out at once.
  bool Block(std::string_view what, SimTime deadline = kNever);
  void SleepFor(SimTime delay) { SleepUntil(AddTime(Now(), delay)); }
  // SleepUntil(kNever) blocks for good ("sleep forever" in a deadlock report).
  void SleepUntil(SimTime when) { Block(when == kNever ? "sleep forever" : "sleep", when); }
  // Stays runnable but lets the loop pick again (others at this instant may go first).
  void Yield();
  // Blocks until fiber `id` has finished.
  void Join(FiberId id);

  // --- waking (any context) ---
  // If `id` is blocked: cancel its timeout and make it runnable; returns true.
  // Otherwise nothing happens and it returns false.
  bool Wake(FiberId id);

  // --- choices ---
  // Asks the chooser; records the answer when options.size() >= 2.
  uint32_t Choose(ChoiceKind kind, std::string_view label, std::span<const uint64_t> options,
                  uint32_t preferred = 0);
  // A fault site: `drawn` is what the fault stream decided; the chooser may
  // override it (replay, shrinking). Always recorded.
  bool Fault(std::string_view site, bool drawn);
  const std::vector<uint32_t>& decisions() const { return decisions_; }
  Chooser& chooser() { return *chooser_; }

  // --- run control ---
  // Runs until idle, deadlock, a limit, Stop() or a fatal violation. May be
  // called again afterwards (e.g. after new Spawn/At); not from inside Run().
  RunResult Run();
  // Stops the loop after the current step; Run() returns kStopped.
  void Stop(std::string reason);
  // Records a violation. Fatal ones stop the run (as a failed SIM_CHECK does).
  void ReportViolation(std::string message, bool fatal = true);
  const std::vector<ViolationReport>& violations() const { return violations_; }
  // Destroys every unfinished fiber now (their stacks unwind). Owners of model
  // objects that fibers reference call this before destroying those objects.
  // REQUIRES: not called from a fiber.
  void KillFibers();

  Trace& trace() { return trace_; }
  // The root random stream; fork per purpose, never draw from it directly.
  const Prng& rng() const { return rng_; }
  uint64_t steps() const { return steps_; }

 private:
  enum class State : uint8_t { kRunnable, kRunning, kBlocked, kDone };
  // What a sleep and a switch touch fills the first two cache lines: the
  // Fiber (whose hot fields lead), its engaged flag, then the fields a sleep
  // touches. The Fiber lives inside, so resuming a fiber does not chase one
  // more cold pointer.
  struct alignas(64) FiberRec {
    std::optional<Fiber> fiber;
    void* data = nullptr;  // SetFiberData
    FiberId id;
    State state = State::kRunnable;
    bool daemon = false;
    bool timed_out = false;
    Scheduler* sched = nullptr;
    SimTime blocked_since = 0;
    EventId timeout;
    std::string_view waits_on;
    std::string name;
    std::vector<FiberId> joiners;
    StackPool* pool = nullptr;
  };

  FiberRec* Rec(FiberId id) const;
  StackPool* PoolFor(size_t stack_bytes);
  void MakeRunnable(FiberRec* f) {
    f->state = State::kRunnable;
    f->fiber->Prefetch();
    runq_.push_back(f);
  }
  inline void RunFiber(FiberRec* f, bool record_run);
  void FinishFiber(FiberRec* f);
  // Fires the next event; false when there is none (or the time limit
  // stops the run). Sets *resume to a fiber woken by its timeout that must
  // run now (the loop runs it).
  bool FireEvent(FiberRec** resume);
  size_t PickRunnable(bool event_now);
  // Records a choice the FIFO chooser answers with `preferred` without
  // gathering its n options; the record is the one Choose() would make.
  uint32_t RecordFifoChoice(ChoiceKind kind, size_t n, uint32_t preferred = 0);
  void StopWith(RunStatus status, std::string reason);
  void HandleException(std::exception_ptr e, FiberRec* f);
  [[noreturn]] void NotInFiber(std::string_view what) const;
  static void TimeoutThunk(void* arg, uint64_t);

  SchedulerOptions options_;
  std::unique_ptr<Chooser> chooser_;
  bool fifo_;  // chooser_->IsFifo(), asked once
  EventQueue queue_;
  Trace trace_;
  Prng rng_;
  std::vector<std::unique_ptr<FiberRec>> fibers_;  // index id-1
  std::vector<std::unique_ptr<StackPool>> pools_;
  RingQueue<FiberRec*> runq_;
  FiberRec* current_ = nullptr;
  size_t live_fibers_ = 0;
  uint64_t steps_ = 0;
  std::vector<uint32_t> decisions_;
  std::vector<uint64_t> scratch_;
  std::vector<ViolationReport> violations_;
  bool running_ = false;
  bool stop_ = false;
  bool fatal_ = false;
  RunStatus stop_status_ = RunStatus::kStopped;
  std::string stop_reason_;
  // Engine trace kinds.
  uint32_t k_spawn_, k_exit_, k_run_, k_block_, k_wake_, k_timeout_, k_choose_, k_event_;
};

inline FiberId Scheduler::CurrentFiber() const { return current_ != nullptr ? current_->id : 0; }

inline bool Scheduler::Block(std::string_view what, SimTime deadline) {
  FiberRec* f = current_;
  if (f == nullptr) [[unlikely]] NotInFiber(what);
  f->state = State::kBlocked;
  f->waits_on = what;
  f->blocked_since = Now();
  f->timed_out = false;
  if (deadline != kNever) f->timeout = queue_.ScheduleRaw(deadline > Now() ? deadline : Now(), &TimeoutThunk, f);
  trace_.Emit(k_block_, {f->id, deadline == kNever ? -1 : deadline});
  f->fiber->Suspend();
  return !f->timed_out;
}

// A place fibers wait on: a FIFO list of waiters. Which waiter WakeOne() picks
// is a choice (kWakeOrder; FIFO takes the longest waiter). A waiter that
// leaves for another reason (its deadline, a direct Scheduler::Wake) leaves
// the list too.
class WaitPoint {
 public:
  WaitPoint(Scheduler* sched, std::string name) : sched_(sched), name_(std::move(name)) {}
  // From a fiber: blocks until woken (true) or until deadline (false).
  bool Wait(SimTime deadline = kNever);
  bool WakeOne();
  size_t WakeAll();
  size_t waiters() const { return waiters_.size(); }
  const std::string& name() const { return name_; }

 private:
  Scheduler* sched_;
  std::string name_;
  RingQueue<FiberId> waiters_;
  std::vector<uint64_t> options_;  // scratch for WakeOne's choice
};

}  // namespace sim

#endif  // AIOSIM_SIM_SCHEDULER_H_
