// Tasks and sleeping, after include/linux/sched.h, kernel/sched/core.c,
// kernel/kthread.c, kernel/fork.c and kernel/exit.c.
//
// A task_struct is bound 1:1 to a sim fiber. A process is a thread group:
// one or more tasks sharing an mm_struct, a files_struct (fd table), a
// signal_struct (shared pending signals, group exit, counters) and a
// sighand_struct (dispositions). Kernel threads (PF_KTHREAD) have no mm
// unless they borrow one with kthread_use_mm().
//
// Sleeping is the kernel's protocol, exactly:
//   set_current_state(TASK_UNINTERRUPTIBLE);   // or prepare_to_wait()
//   if (!condition) schedule();
//   __set_current_state(TASK_RUNNING);
// schedule() blocks the fiber only while current->__state != TASK_RUNNING;
// a wake_up_process() that lands between set_current_state() and schedule()
// sets TASK_RUNNING, so schedule() returns at once (no lost wake-up). As in
// __schedule(), an interruptible (or killable, for SIGKILL) sleeper with a
// signal pending does not sleep at all. Every sleep goes through schedule(),
// so the Scheduler's chooser sees every wake order.
//
// Differences from the kernel:
// - No preemption and no CPUs: a task runs until it sleeps or yields; the
//   Scheduler's chooser decides which runnable task goes next. cond_resched()
//   is therefore a no-op; sched_yield() (yield()) is a real choice point.
// - pids: kernel threads get 2..999 and user processes 1000 upwards, from
//   two counters, so user pids do not depend on how many workers a run
//   happened to start. pids are never reused within a run; exited tasks stay
//   as zombies until the Kernel is destroyed.
// - Process exit runs in the exiting fiber: do_exit() unwinds the task's
//   body (it throws a private exception that the body wrapper catches), then
//   runs the exit path: exit hooks, exit_mm (mmput), exit_files, wake wait4.
#ifndef AIOSIM_KERNEL_MODEL_SCHED_H_
#define AIOSIM_KERNEL_MODEL_SCHED_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "kernel_model/kernel.h"
#include "kernel_model/signal_types.h"
#include "kernel_model/types.h"
#include "sim/scheduler.h"

namespace kernel {

struct wait_queue_entry;

// A kernel thread's private state (kernel/kthread.c).
struct kthread {
  std::function<int()> threadfn;
  void* data = nullptr;  // kthread_data(): the worker of a workqueue thread
  task_struct* stopper = nullptr;  // who waits in kthread_stop()
  int result = 0;
  bool should_stop = false;
  bool exited = false;
};

struct blk_plug;

// Task states (include/linux/sched.h, 6.x values).
inline constexpr long TASK_RUNNING = 0x0000;
inline constexpr long TASK_INTERRUPTIBLE = 0x0001;
inline constexpr long TASK_UNINTERRUPTIBLE = 0x0002;
inline constexpr long __TASK_STOPPED = 0x0004;
inline constexpr long __TASK_TRACED = 0x0008;
inline constexpr long EXIT_DEAD = 0x0010;
inline constexpr long EXIT_ZOMBIE = 0x0020;
inline constexpr long TASK_PARKED = 0x0040;
inline constexpr long TASK_DEAD = 0x0080;
inline constexpr long TASK_WAKEKILL = 0x0100;
inline constexpr long TASK_WAKING = 0x0200;
inline constexpr long TASK_NOLOAD = 0x0400;
inline constexpr long TASK_NEW = 0x0800;
inline constexpr long TASK_KILLABLE = TASK_WAKEKILL | TASK_UNINTERRUPTIBLE;
inline constexpr long TASK_IDLE = TASK_UNINTERRUPTIBLE | TASK_NOLOAD;
inline constexpr long TASK_NORMAL = TASK_INTERRUPTIBLE | TASK_UNINTERRUPTIBLE;

// Task flags (PF_*).
inline constexpr unsigned PF_EXITING = 0x00000004;
inline constexpr unsigned PF_WQ_WORKER = 0x00000020;
inline constexpr unsigned PF_KTHREAD = 0x00200000;

// Wake flags.
inline constexpr int WF_SYNC = 0x10;

struct task_struct {
  // --- identity ---
  pid_t pid = 0;
  pid_t tgid = 0;
  std::string comm;
  unsigned int flags = 0;  // PF_*
  sim::FiberId fiber = 0;
  task_struct* group_leader = nullptr;

  // --- scheduling ---
  long __state = TASK_RUNNING;
  int exit_code = 0;
  int exit_state = 0;  // EXIT_ZOMBIE once the task has exited
  // What the task sleeps on, for deadlock reports ("pipe_read", "wq idle").
  const char* wait_name = nullptr;

  // --- memory ---
  mm_struct* mm = nullptr;         // nullptr for kernel threads (unless borrowed)
  mm_struct* active_mm = nullptr;

  // --- files and signals ---
  files_struct* files = nullptr;
  signal_struct* signal = nullptr;
  sighand_struct* sighand = nullptr;
  sigset_t blocked = 0;
  sigset_t real_blocked = 0;
  sigset_t saved_sigmask = 0;
  bool restore_sigmask = false;  // TIF_RESTORE_SIGMASK
  sigpending pending;            // thread-directed pending signals

  // --- kernel threads ---
  std::unique_ptr<kthread> kthread_data;  // set for PF_KTHREAD

  // --- block layer (blkdev.h) ---
  // The task's plug (blk_start_plug); schedule() flushes it before sleeping.
  blk_plug* plug = nullptr;

  // --- hooks for AIO designs ---
  // The 2.6 retry design's per-task wait entry: when set, a wait that would
  // block queues this entry instead and returns -EIOCBRETRY.
  wait_queue_entry* io_wait = nullptr;
  int in_eventfd = 0;  // eventfd_signal recursion guard

  // Per-thread count of syscall restarts and interruptions (for reports).
  u64 nr_syscall_restarts = 0;
};

// sched_submit_work(): a task about to sleep hands its plugged block
// requests to the devices first. Set by the block layer (blk_plug.cc) when a
// plug is first used; kept as a pointer so the core does not link the block
// layer.
extern void (*blk_schedule_flush_plug)(task_struct* tsk);

// --- state changes and sleeping ---
// REQUIRES: task context (a Violation otherwise, as for every sleeping call).
// Inline: every sleep and state change asks; the report is out of line.
[[noreturn]] void current_task_missing(const char* what);
inline task_struct* current_task_checked(const char* what) {
  task_struct* p = current();
  if (p == nullptr) [[unlikely]] current_task_missing(what);
  return p;
}
inline void __set_current_state(long state) { current_task_checked("set_current_state")->__state = state; }
inline void set_current_state(long state) { current_task_checked("set_current_state")->__state = state; }
// signal_pending_state(): would a signal interrupt a sleep in `state`?
// (signal.cc)
bool signal_pending_state(long state, task_struct* p);

namespace sched_internal {
// Sleeps until __state is TASK_RUNNING or `deadline` passes. Returns false
// if the deadline passed (the kernel's timer fired and woke the task).
// Always inline, as schedule() is: a task woken from its sleep returns
// through every frame between it and the fiber switch, and each of those
// returns is mispredicted (the return-stack buffer holds the other side's
// calls), so a sleeper should be as few calls deep as it can (AIO round 9,
// docs/performance.md; plain `inline` left GCC an out-of-line copy).
[[gnu::always_inline]] inline bool schedule_until(task_struct* p, sim::SimTime deadline) {
  Kernel* k = Kernel::Current();
  if (p->plug != nullptr && p->__state != TASK_RUNNING && blk_schedule_flush_plug != nullptr) {
    blk_schedule_flush_plug(p);  // sched_submit_work
  }
  while (p->__state != TASK_RUNNING) {
    // __schedule(): a signal cancels an interruptible (or killable) sleep.
    if (signal_pending_state(p->__state, p)) {
      p->__state = TASK_RUNNING;
      break;
    }
    if (deadline != sim::kNever && k->sched.Now() >= deadline) {
      p->__state = TASK_RUNNING;  // process_timeout -> wake_up_process
      return false;
    }
    bool woken = k->sched.Block(p->wait_name ? p->wait_name : "schedule", deadline);
    if (!woken) {
      p->__state = TASK_RUNNING;
      return false;
    }
  }
  return true;
}
}  // namespace sched_internal

// Sleeps while current->__state != TASK_RUNNING (see the header comment).
// REQUIRES: task context.
[[gnu::always_inline]] inline void schedule() {
  sched_internal::schedule_until(current_task_checked("schedule()"), sim::kNever);
}
// Sleeps at most `timeout` jiffies (MAX_SCHEDULE_TIMEOUT: no limit). Returns
// the jiffies left (0 if the time ran out). The timer fires at a tick
// boundary, never earlier than `timeout` ticks from the current jiffy.
long schedule_timeout(long timeout);
long schedule_timeout_interruptible(long timeout);
long schedule_timeout_killable(long timeout);
long schedule_timeout_uninterruptible(long timeout);
long schedule_timeout_idle(long timeout);
// Sleeps until absolute virtual time `expires` (ns) or a wake-up. Returns 0
// if the time was reached, -EINTR if woken earlier (kernel's
// schedule_hrtimeout with HRTIMER_MODE_ABS). expires == nullptr: no limit.
int schedule_hrtimeout(const ktime_t* expires);
// msleep(): uninterruptible; msleep_interruptible() returns ms left.
void msleep(unsigned int msecs);
unsigned long msleep_interruptible(unsigned int msecs);
// A choice point: stays runnable and lets the chooser pick again.
void yield();
inline void cond_resched() {}

// Wakes p if its state matches `state`: sets TASK_RUNNING and makes its
// fiber runnable. Returns true if the state matched (the kernel's
// try_to_wake_up). Any context.
bool try_to_wake_up(task_struct* p, unsigned int state, int wake_flags);
bool wake_up_process(task_struct* p);
bool wake_up_state(task_struct* p, unsigned int state);

// --- creating tasks (the model's entry points for scenarios and tests) ---
// A new process: fresh mm, empty fd table, default dispositions. The main
// thread runs `fn`; its return value is the exit status of the whole group
// (do_group_exit). The task is runnable at once.
task_struct* create_process(std::string comm, std::function<int()> fn);
// Another thread in p's group (CLONE_VM|CLONE_FILES|CLONE_SIGHAND|
// CLONE_THREAD). Its return ends only itself (do_exit). Blocked mask copied
// from the creating context's task if in p's group, else from p.
task_struct* create_thread(task_struct* p, std::string comm, std::function<int()> fn);
// fork(): a new process with a copy of parent's memory (private mappings
// copied, shared ones shared; the mm's ioctx_table is NOT copied), its fd
// table (each file gets a reference) and its dispositions and blocked mask.
task_struct* fork_process(task_struct* parent, std::string comm, std::function<int()> fn);
task_struct* find_task_by_vpid(pid_t pid);

// --- exit ---
// Ends the current task with `code` (does not return). Runs the exit path
// described in the header comment.
// The body of every task fiber: runs fn in tsk's context, catches
// do_exit()'s unwinding, then runs the exit path in the task's own context.
// create_process/create_thread/kthread_run start it; code that binds a task
// to a fiber it spawns itself (the scenario runner) uses it the same way.
void run_task_body(task_struct* tsk, const std::function<int()>& fn);
[[noreturn]] void do_exit(long code);
// Kills the other threads of the group (SIGKILL) and exits; the group's
// exit code is `exit_code` (a wait status: (status & 0xff) << 8, or a signal).
[[noreturn]] void do_group_exit(int exit_code);
// wait4(pid > 0 only): waits (interruptibly) until every thread of process
// pid has exited; writes the wait status to stat_addr if non-zero. Errors:
// -ECHILD unknown pid or not a process leader; -EINVAL bad options (only 0
// and WNOHANG); -ERESTARTSYS on a signal; -EFAULT bad stat_addr. WNOHANG
// returns 0 while the process lives.
long sys_wait4(pid_t pid, user_ptr stat_addr, int options, user_ptr ru);
long sys_getpid();
long sys_gettid();
long sys_sched_yield();
// nanosleep on virtual time: 0, or -ERESTART_RESTARTBLOCK if a signal
// interrupted it (the exit path turns that into -EINTR when a handler ran).
// Errors: -EINVAL for a negative duration.
long sys_nanosleep_ns(s64 ns);

// --- kernel threads (kernel/kthread.c) ---
// Creates and starts a kernel thread (a daemon fiber: one blocked at the end
// of a run is not a deadlock).
task_struct* kthread_run(std::function<int()> threadfn, std::string name);
task_struct* kthread_run(int (*threadfn)(void* data), void* data, std::string name);
// True once kthread_stop() was called on the current kthread.
bool kthread_should_stop();
// Asks k to stop, wakes it, waits (uninterruptibly) until it exits and
// returns its result. REQUIRES: task context, k a kthread, k != current.
int kthread_stop(task_struct* k);
// Borrow / return a user mm (kernel/kthread.c; the 2.6 names use_mm and
// unuse_mm are aliases). The caller keeps the mm alive (mmget) meanwhile.
void kthread_use_mm(mm_struct* mm);
void kthread_unuse_mm(mm_struct* mm);
inline void use_mm(mm_struct* mm) { kthread_use_mm(mm); }
inline void unuse_mm(mm_struct* mm) { kthread_unuse_mm(mm); }

}  // namespace kernel

#endif  // AIOSIM_KERNEL_MODEL_SCHED_H_
