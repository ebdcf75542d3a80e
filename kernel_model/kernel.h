// The world of one run: the simulated kernel's global state, bound to one
// sim::Scheduler.
//
// Models no single kernel file: it is what the kernel keeps in globals
// (jiffies, the pid hash, system_wq, sysctls) gathered in one object so a
// host process can run many worlds one after another. Every kernel_model
// function reaches it through Kernel::Current().
//
// Contract:
// - Construct a Kernel after its Scheduler and destroy it before (the World
//   fixture in tests/kernel_model/world.h does this). Constructing binds it
//   as Kernel::Current() on this host thread; destroying restores the
//   previous binding. One live Kernel per host thread at a time is the
//   supported use.
// - Shutdown() (run by the destructor, idempotent) first kills every fiber
//   (sim::Scheduler::KillFibers, which unwinds their stacks) and only then
//   releases tasks, files, workqueues and memory that fibers referenced.
// - Context: `current()` is the task_struct of the running fiber, or nullptr
//   in event context. Event callbacks (timers, device completions, socket
//   arrivals) are the model's hard/soft-irq context: they may wake tasks and
//   queue work but must not sleep (schedule() there is a SIM_CHECK failure).
// - Time: jiffies = Now() / (1 s / HZ) with HZ a tunable (default 250, so a
//   jiffy is 4 ms); ktime_get() is Now() in nanoseconds.
#ifndef AIOSIM_KERNEL_MODEL_KERNEL_H_
#define AIOSIM_KERNEL_MODEL_KERNEL_H_

#include <climits>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "kernel_model/types.h"
#include "sim/log.h"
#include "sim/scheduler.h"
#include "sim/time.h"

namespace kernel {

struct task_struct;
struct mm_struct;
struct files_struct;
struct signal_struct;
struct sighand_struct;
struct workqueue_struct;
struct work_struct;
struct wq_flusher;
struct wait_queue_head;
struct file;
struct storage_state;  // vfs_storage.h
struct aio_state;      // aio_types.h

// Tunables of one run (the model's sysctls and config options).
struct KernelOptions {
  unsigned HZ = 250;
  unsigned nr_cpus = 2;
  unsigned nr_open = 1024;                  // per-process fd limit (RLIMIT_NOFILE)
  unsigned pipe_def_buffers = 16;           // pipe capacity in pages (PIPE_DEF_BUFFERS)
  unsigned pipe_max_size_bytes = 1048576;   // /proc/sys/fs/pipe-max-size
  sim::SimTime unix_latency_ns = 0;         // one-way latency of new socket pairs
  uint64_t unix_bandwidth_bytes_per_s = 0;  // 0: unlimited
  unsigned unix_sndbuf_bytes = 212992;      // net.core.wmem_default
  int system_wq_max_active = 256;           // WQ_DFL_ACTIVE
};

// Trace kinds the kernel core emits (registered by name on the run's trace).
struct KernelTraceKinds {
  uint32_t task_new;         // pid, tgid, kthread
  uint32_t task_exit;        // pid, code
  uint32_t wake_up;          // head id, mode, nr_exclusive, key, entries called
  uint32_t wq_queue;         // wq id, work id
  uint32_t wq_execute_start; // wq id, work id, worker pid
  uint32_t wq_execute_end;   // wq id, work id, worker pid
  uint32_t timer_expire;     // expires (jiffies), now (jiffies)
  uint32_t hrtimer_expire;   // expires (ns)
  uint32_t signal_generate;  // sig, target pid, group (1) or thread (0), result
  uint32_t signal_deliver;   // sig, pid, handled (1) / ignored (0) / fatal (2)
  uint32_t fd_install;       // pid, fd, file id
  uint32_t fd_close;         // pid, fd, file id
  uint32_t file_release;     // file id
};

struct Kernel {
  explicit Kernel(sim::Scheduler& sched, KernelOptions opts = {});
  ~Kernel();
  Kernel(const Kernel&) = delete;
  Kernel& operator=(const Kernel&) = delete;

  // The Kernel bound on this host thread (the most recently constructed live
  // one), or nullptr. Inline: nearly every modelled call asks.
  static Kernel* Current();

  sim::Scheduler& sched;
  const KernelOptions opts;
  KernelTraceKinds k;
  std::shared_ptr<spdlog::logger> log_sched;   // "kernel.sched"
  std::shared_ptr<spdlog::logger> log_wq;      // "kernel.wq"
  std::shared_ptr<spdlog::logger> log_signal;  // "kernel.signal"
  std::shared_ptr<spdlog::logger> log_vfs;     // "kernel.vfs"

  sim::Trace& trace() { return sched.trace(); }
  sim::SimTime tick_nsec() const { return tick_nsec_; }
  unsigned long jiffies() const { return static_cast<unsigned long>(sched.Now() / tick_nsec_); }

  // --- tasks (sched.cc) ---
  // The task bound to a fiber, or nullptr (event context, or a plain fiber).
  // The scheduler keeps it with the fiber (its fiber data), so current() is
  // two loads.
  task_struct* task_of_fiber(sim::FiberId id) const { return static_cast<task_struct*>(sched.FiberData(id)); }
  // Binds a task to its fiber (start_task, and the scenario layer's tasks):
  // the only way a fiber's task is set. REQUIRES: the fiber exists.
  void bind_task_to_fiber(sim::FiberId id, task_struct* t) { sched.SetFiberData(id, t); }
  // Every task ever created, by pid (exited ones stay as zombies until the
  // Kernel goes, so pids are never reused within a run).
  std::map<pid_t, task_struct*> pid_hash;

  // The system workqueue (schedule_work); created by the constructor.
  workqueue_struct* system_wq = nullptr;

  // Hooks run when the last thread of a thread group exits, in that
  // thread's context (it may sleep), before its mm and files are released.
  std::vector<std::function<void(task_struct* tsk)>> exit_hooks;
  // Hooks run by __mmput when an mm's last user goes, before its mappings
  // are torn down (Linux calls exit_aio here). May sleep when the dropping
  // context is a task.
  std::vector<std::function<void(mm_struct* mm)>> mmput_hooks;

  // Run by Shutdown() after the fibers are gone and before files, tasks and
  // memory are released: subsystems free objects that hold references
  // (e.g. AIO contexts holding files). Must not sleep.
  std::vector<std::function<void()>> shutdown_hooks;

  // Idempotent; see the header comment.
  void Shutdown();
  bool shutting_down() const { return shutting_down_; }

  // --- object ids for traces (stable within a run) ---
  uint64_t next_id() { return ++next_id_; }

  // --- eventfd_signal recursion guard in event context (eventfd.c) ---
  int irq_in_eventfd = 0;

  // --- block devices, page cache and file systems (vfs_storage.h) ---
  // Created on first use by that layer. Declared before the task and file
  // storage below so it is destroyed after them (files point into it).
  std::shared_ptr<storage_state> storage;

  // --- AIO (aio_types.h) ---
  // Created on first use by the AIO layer (aio_get_state); destroyed after
  // the tasks and files below, like storage.
  std::shared_ptr<aio_state> aio;

  // --- storage (owned here; implementation detail of sched.cc/mm.cc/file.cc) ---
  std::vector<std::unique_ptr<task_struct>> tasks_;
  std::vector<std::unique_ptr<mm_struct>> mms_;
  std::vector<std::unique_ptr<files_struct>> files_structs_;
  std::vector<std::unique_ptr<signal_struct>> signals_;
  std::vector<std::unique_ptr<sighand_struct>> sighands_;
  std::vector<std::unique_ptr<workqueue_struct>> workqueues_;
  std::map<uint64_t, file*> live_files_;  // by file id: every file not yet released
  // Bit-wait heads by (word address, bit), with the number of waiters that
  // hold each. A head exists only while someone waits on it, so its trace id
  // depends on the run's waits alone, never on whether the host allocator
  // reused an address (wait_bit.cc).
  std::map<std::pair<uintptr_t, int>, std::pair<std::unique_ptr<wait_queue_head>, int>> bit_wait_table_;
  std::vector<wq_flusher*> wq_flushers_;         // workqueue.cc
  std::vector<file*> delayed_fput_list_;         // file.cc
  std::unique_ptr<work_struct> delayed_fput_work_;
  pid_t next_user_pid_ = 1000;
  pid_t next_kthread_pid_ = 2;

 private:
  void ReleaseAll();

  sim::SimTime tick_nsec_;
  uint64_t next_id_ = 0;
  bool shutting_down_ = false;
  Kernel* prev_current_ = nullptr;
};

namespace kernel_internal {
// constinit: statically initialised, so reading it needs no TLS init-function
// check (a test and branch on every Kernel::Current()).
extern thread_local constinit Kernel* current_kernel;  // kernel.cc keeps it
}  // namespace kernel_internal
inline Kernel* Kernel::Current() { return kernel_internal::current_kernel; }

// The running task, or nullptr in event (irq) context: the task
// bind_task_to_fiber() keeps with the running fiber (asked about two dozen
// times per request: two loads, no lookup by fiber id).
inline task_struct* current() {
  Kernel* k = Kernel::Current();
  return k ? static_cast<task_struct*>(k->sched.CurrentFiberData()) : nullptr;
}
inline task_struct* get_current() { return current(); }
// True in event context (the model's hardirq/softirq).
inline bool in_interrupt() { return current() == nullptr; }
inline bool in_task() { return current() != nullptr; }

// --- time (include/linux/jiffies.h, include/linux/timekeeping.h) ---
inline constexpr long MAX_SCHEDULE_TIMEOUT = LONG_MAX;
inline constexpr long NSEC_PER_SEC = 1000000000L;
inline constexpr long NSEC_PER_MSEC = 1000000L;
inline constexpr long NSEC_PER_USEC = 1000L;

inline unsigned long jiffies() { return Kernel::Current()->jiffies(); }
inline u64 get_jiffies_64() { return Kernel::Current()->jiffies(); }
inline ktime_t ktime_get() { return Kernel::Current()->sched.Now(); }
inline unsigned HZ() { return Kernel::Current()->opts.HZ; }
// Conversions round up, as the kernel's do, so a wait never ends early.
unsigned long nsecs_to_jiffies(u64 ns);
unsigned long msecs_to_jiffies(unsigned int ms);
unsigned long usecs_to_jiffies(unsigned int us);
unsigned int jiffies_to_msecs(unsigned long j);
u64 jiffies_to_nsecs(unsigned long j);
inline bool time_after(unsigned long a, unsigned long b) { return static_cast<long>(b - a) < 0; }
inline bool time_before(unsigned long a, unsigned long b) { return time_after(b, a); }
inline bool time_after_eq(unsigned long a, unsigned long b) { return static_cast<long>(a - b) >= 0; }

}  // namespace kernel

#endif  // AIOSIM_KERNEL_MODEL_KERNEL_H_
