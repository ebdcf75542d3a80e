#include "scenarios/ext_task.h"

#include <memory>
#include <utility>

#include "kernel_model/fdtable.h"
#include "kernel_model/kernel.h"
#include "kernel_model/mm.h"
#include "kernel_model/signal.h"
#include "scenarios/ext_world.h"
#include "sim/check.h"

namespace scenarios::kext {

kernel::task_struct* CreateProcessLeader(std::string comm, std::function<int()> fn) {
  kernel::Kernel* k = kernel::Kernel::Current();
  SIM_CHECK(k != nullptr) << "CreateProcessLeader without a Kernel";
  auto owned = std::make_unique<kernel::task_struct>();
  kernel::task_struct* t = owned.get();
  t->pid = k->next_user_pid_++;
  t->tgid = t->pid;
  t->comm = std::move(comm);
  t->group_leader = t;
  // new_process (sched.cc).
  kernel::mm_struct* mm = kernel::mm_alloc();
  t->mm = mm;
  t->active_mm = mm;
  mm->owner = t;
  t->files = kernel::files_alloc();
  k->signals_.push_back(std::make_unique<kernel::signal_struct>());
  kernel::signal_struct* sig = k->signals_.back().get();
  t->signal = sig;
  sig->thread_head.push_back(t);
  ++sig->nr_threads;
  ++sig->live;
  k->sighands_.push_back(std::make_unique<kernel::sighand_struct>());
  t->sighand = k->sighands_.back().get();
  t->blocked = ~(kernel::sigmask64(SIGKILL) | kernel::sigmask64(SIGSTOP));
  k->pid_hash[t->pid] = t;
  k->tasks_.push_back(std::move(owned));
  // start_task (sched.cc), as a daemon fiber.
  sim::Scheduler::SpawnOptions so;
  so.daemon = true;
  t->fiber = k->sched.Spawn(t->comm, [t, fn = std::move(fn)] { kernel::run_task_body(t, fn); }, so);
  k->bind_task_to_fiber(t->fiber, t);
  k->trace().Emit(k->k.task_new, {t->pid, t->tgid, 0});
  return t;
}

kernel::task_struct* AdoptFiber(kernel::task_struct* leader, std::string comm) {
  kernel::Kernel* k = kernel::Kernel::Current();
  SIM_CHECK(k != nullptr) << "AdoptFiber without a Kernel";
  const sim::FiberId fiber = k->sched.CurrentFiber();
  SIM_CHECK(fiber != 0) << "AdoptFiber outside a fiber";
  SIM_CHECK(k->task_of_fiber(fiber) == nullptr) << "fiber " << fiber << " already has a task";
  SIM_CHECK(leader && leader->mm && leader->signal) << "AdoptFiber needs a user process";

  // alloc_task (sched.cc): user pids count up from 1000, never reused.
  auto owned = std::make_unique<kernel::task_struct>();
  kernel::task_struct* t = owned.get();
  t->pid = k->next_user_pid_++;
  t->comm = std::move(comm);
  // create_thread (sched.cc): CLONE_VM | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD.
  t->tgid = leader->tgid;
  t->group_leader = leader;
  t->mm = leader->mm;
  t->active_mm = leader->mm;
  kernel::mmget(leader->mm);
  t->files = leader->files;
  ++leader->files->count;
  t->sighand = leader->sighand;
  ++leader->sighand->count;
  kernel::signal_struct* sig = leader->signal;
  t->signal = sig;
  sig->thread_head.push_back(t);
  ++sig->nr_threads;
  ++sig->live;
  t->blocked = 0;
  if (sig->flags & kernel::SIGNAL_GROUP_EXIT) kernel::sigaddset(&t->pending.signal, SIGKILL);
  // start_task (sched.cc), minus the spawn: bind the running fiber.
  t->fiber = fiber;
  k->pid_hash[t->pid] = t;
  k->tasks_.push_back(std::move(owned));
  k->bind_task_to_fiber(fiber, t);
  k->trace().Emit(k->k.task_new, {t->pid, t->tgid, 0});
  return t;
}

void ExitTask(kernel::task_struct* t, long code) {
  kernel::run_task_body(t, [code]() -> int { kernel::do_exit(code); });
}

long ReturnToUser(CallContext& ctx, long ret) {
  ThreadState& ts = Thread(ctx);
  kernel::task_struct* t = ts.task;
  const bool restart = ret == -ERESTARTSYS || ret == -ERESTARTNOINTR || ret == -ERESTARTNOHAND ||
                       ret == -ERESTART_RESTARTBLOCK;
  // The common case: nothing to deliver, nothing to convert.
  if (!restart && !kernel::signal_pending(t)) return ret;
  // syscall_exit_to_user_mode may exit the group (a fatal signal): run it
  // inside the task body wrapper so that do_exit's unwinding ends there and
  // the exit path runs; a normal return leaves through StillRunning.
  struct StillRunning {};
  long out = ret;
  try {
    kernel::run_task_body(t, [&out, ret]() -> int {
      out = kernel::syscall_exit_to_user_mode(ret);
      throw StillRunning{};
    });
  } catch (const StillRunning&) {
    return out;
  }
  ts.exited = true;
  ctx.ExitThread();
}

long Syscall(CallContext& ctx, const std::function<long()>& fn) {
  Task(ctx);  // ends the thread if its task is gone
  for (;;) {
    const long r = ReturnToUser(ctx, fn());
    if (r != -ERESTARTNOINTR) return r;
  }
}

}  // namespace scenarios::kext
