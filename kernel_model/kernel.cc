#include "kernel_model/kernel.h"

#include <exception>
#include <utility>

#include "kernel_model/fdtable.h"
#include "kernel_model/fs.h"
#include "kernel_model/mm.h"
#include "kernel_model/sched.h"
#include "kernel_model/signal.h"
#include "kernel_model/wait.h"
#include "kernel_model/workqueue.h"
#include "sim/check.h"

namespace kernel {

namespace kernel_internal {
thread_local constinit Kernel* current_kernel = nullptr;
}  // namespace kernel_internal

Kernel::Kernel(sim::Scheduler& s, KernelOptions o) : sched(s), opts(o) {
  SIM_CHECK(opts.HZ > 0 && opts.HZ <= 1000000000u) << "HZ must be in 1..1e9, got " << opts.HZ;
  SIM_CHECK(opts.nr_cpus > 0) << "nr_cpus must be positive";
  SIM_CHECK(opts.pipe_def_buffers > 0 && (opts.pipe_def_buffers & (opts.pipe_def_buffers - 1)) == 0)
      << "pipe_def_buffers must be a power of two, got " << opts.pipe_def_buffers;
  tick_nsec_ = sim::kSecond / static_cast<sim::SimTime>(opts.HZ);
  prev_current_ = kernel_internal::current_kernel;
  kernel_internal::current_kernel = this;

  sim::Trace& t = sched.trace();
  k.task_new = t.Kind("task.new", {"pid", "tgid", "kthread"});
  k.task_exit = t.Kind("task.exit", {"pid", "code"});
  k.wake_up = t.Kind("wait.wake_up", {"head", "mode", "nr_exclusive", "key", "called"});
  k.wq_queue = t.Kind("wq.queue", {"wq", "work"});
  k.wq_execute_start = t.Kind("wq.execute_start", {"wq", "work", "worker"});
  k.wq_execute_end = t.Kind("wq.execute_end", {"wq", "work", "worker"});
  k.timer_expire = t.Kind("timer.expire", {"expires", "jiffies"});
  k.hrtimer_expire = t.Kind("hrtimer.expire", {"expires"});
  k.signal_generate = t.Kind("signal.generate", {"sig", "pid", "group", "result"});
  k.signal_deliver = t.Kind("signal.deliver", {"sig", "pid", "action"});
  k.fd_install = t.Kind("fd.install", {"pid", "fd", "file"});
  k.fd_close = t.Kind("fd.close", {"pid", "fd", "file"});
  k.file_release = t.Kind("file.release", {"file"});

  log_sched = sim::Logger("kernel.sched");
  log_wq = sim::Logger("kernel.wq");
  log_signal = sim::Logger("kernel.signal");
  log_vfs = sim::Logger("kernel.vfs");

  system_wq = alloc_workqueue("events", 0, opts.system_wq_max_active);
}

Kernel::~Kernel() {
  Shutdown();
  // Members go after this; objects reference each other only through raw
  // pointers, so the order below does not matter once fibers are gone.
  kernel_internal::current_kernel = prev_current_;
}

void Kernel::Shutdown() {
  if (shutting_down_) return;
  shutting_down_ = true;
  Kernel* saved = kernel_internal::current_kernel;
  kernel_internal::current_kernel = this;
  // Runs from the destructor: a failed check here is logged, never thrown.
  try {
    ReleaseAll();
  } catch (const std::exception& e) {
    log_sched->error("kernel shutdown: {}", e.what());
  }
  kernel_internal::current_kernel = saved;
}

void Kernel::ReleaseAll() {
  // 1. No fiber may run or unwind after the objects it references are gone.
  sched.KillFibers();
  // 2. Subsystems drop what they hold.
  for (auto& hook : shutdown_hooks) hook();
  shutdown_hooks.clear();
  // 3. Fd tables, in creation order; then files still referenced elsewhere.
  for (auto& files : files_structs_) {
    if (files->count > 0) {
      files->count = 1;
      put_files_struct(files.get());
    }
  }
  delayed_fput_list_.clear();
  while (!live_files_.empty()) {
    file* f = live_files_.begin()->second;
    f->f_count = 0;
    __fput(f);
  }
  // 4. Workqueues: their lists may name items already freed; forget them
  // without touching the items.
  for (auto& wq : workqueues_) {
    INIT_LIST_HEAD(&wq->worklist);
    for (auto& w : wq->workers) INIT_LIST_HEAD(&w->scheduled);
  }
  workqueues_.clear();
  system_wq = nullptr;
  wq_flushers_.clear();
  // 5. Memory: mappings go (vm_ops->close is not run: its owners are gone).
  for (auto& mm : mms_) {
    vmacache_invalidate(mm.get());
    mm->mmap.clear();
    mm->dead = true;
  }
}

unsigned long nsecs_to_jiffies(u64 ns) {
  const u64 tick = static_cast<u64>(Kernel::Current()->tick_nsec());
  return static_cast<unsigned long>(ns / tick + (ns % tick ? 1 : 0));
}
unsigned long msecs_to_jiffies(unsigned int ms) {
  return nsecs_to_jiffies(static_cast<u64>(ms) * NSEC_PER_MSEC);
}
unsigned long usecs_to_jiffies(unsigned int us) {
  return nsecs_to_jiffies(static_cast<u64>(us) * NSEC_PER_USEC);
}
u64 jiffies_to_nsecs(unsigned long j) {
  return static_cast<u64>(j) * static_cast<u64>(Kernel::Current()->tick_nsec());
}
unsigned int jiffies_to_msecs(unsigned long j) {
  return static_cast<unsigned int>(jiffies_to_nsecs(j) / NSEC_PER_MSEC);
}

}  // namespace kernel
