// Task exit (kernel/exit.c): the body wrapper every task fiber runs, do_exit,
// do_group_exit and wait4.
#include <sys/wait.h>

#include <functional>

#include "kernel_model/fdtable.h"
#include "kernel_model/mm.h"
#include "kernel_model/sched.h"
#include "kernel_model/signal.h"
#include "kernel_model/wait.h"
#include "sim/check.h"

namespace kernel {

namespace {

// Thrown by do_exit() to unwind the task's body; caught only by
// run_task_body (the fiber's own unwinding exception passes through).
struct task_exit {
  long code;
};

// The exit path proper, in the exiting task's fiber (it may sleep).
void do_exit_tail(task_struct* tsk, long code) {
  Kernel* k = Kernel::Current();
  tsk->flags |= PF_EXITING;
  tsk->exit_code = static_cast<int>(code);
  signal_struct* sig = tsk->signal;
  const bool group_dead = --sig->live == 0;
  if (group_dead && !(tsk->flags & PF_KTHREAD)) {
    // Hooks may add hooks; iterate by index over a stable prefix.
    const size_t n = k->exit_hooks.size();
    for (size_t i = 0; i < n; ++i) k->exit_hooks[i](tsk);
  }
  // exit_mm
  if (tsk->mm && !(tsk->flags & PF_KTHREAD)) {
    mm_struct* mm = tsk->mm;
    tsk->mm = nullptr;
    tsk->active_mm = nullptr;
    mmput(mm);
  }
  // exit_files
  if (tsk->files) {
    files_struct* files = tsk->files;
    tsk->files = nullptr;
    put_files_struct(files);
  }
  // Pending thread-private signals die with the thread.
  tsk->pending.signal = 0;
  tsk->pending.list.clear();
  if (group_dead) {
    if (!(sig->flags & SIGNAL_GROUP_EXIT)) {
      // The process's status is its main thread's.
      sig->group_exit_code = tsk->group_leader->exit_state ? tsk->group_leader->exit_code
                                                           : static_cast<int>(code);
    }
    sig->group_dead = true;
    wake_up_all(&sig->wait_chldexit);
  }
  tsk->exit_state = EXIT_ZOMBIE;
  tsk->__state = TASK_DEAD;
  if (tsk->kthread_data) {
    tsk->kthread_data->exited = true;
    if (tsk->kthread_data->stopper) wake_up_process(tsk->kthread_data->stopper);
  }
  k->trace().Emit(k->k.task_exit, {tsk->pid, code});
}

}  // namespace

// The body of every task fiber (sched.cc starts it).
void run_task_body(task_struct* tsk, const std::function<int()>& fn) {
  long code = 0;
  try {
    int r = fn();
    if (tsk->flags & PF_KTHREAD) {
      tsk->kthread_data->result = r;
      do_exit(r);
    } else if (tsk == tsk->group_leader) {
      do_group_exit((r & 0xff) << 8);  // returning from main: exit(r)
    } else {
      do_exit((r & 0xff) << 8);  // a thread returning: pthread_exit
    }
  } catch (const task_exit& e) {
    code = e.code;
  }
  do_exit_tail(tsk, code);
}

void do_exit(long code) {
  task_struct* tsk = current();
  SIM_CHECK(tsk != nullptr) << "do_exit in event context";
  throw task_exit{code};
}

void do_group_exit(int exit_code) {
  task_struct* tsk = current();
  SIM_CHECK(tsk != nullptr) << "do_group_exit in event context";
  signal_struct* sig = tsk->signal;
  if (sig->flags & SIGNAL_GROUP_EXIT) {
    exit_code = sig->group_exit_code;
  } else {
    sig->group_exit_code = exit_code;
    sig->flags |= SIGNAL_GROUP_EXIT;
    // zap_other_threads
    for (task_struct* t : sig->thread_head) {
      if (t == tsk || t->exit_state) continue;
      sigaddset(&t->pending.signal, SIGKILL);
      wake_up_state(t, TASK_WAKEKILL | TASK_INTERRUPTIBLE);
    }
  }
  do_exit(exit_code);
}

long sys_wait4(pid_t pid, user_ptr stat_addr, int options, user_ptr ru) {
  if (options & ~WNOHANG) return -EINVAL;
  task_struct* p = pid > 0 ? find_task_by_vpid(pid) : nullptr;
  if (!p || p->tgid != pid || (p->flags & PF_KTHREAD)) return -ECHILD;
  signal_struct* sig = p->signal;
  if (!sig->group_dead) {
    if (options & WNOHANG) return 0;
    if (wait_event_interruptible(sig->wait_chldexit, [sig] { return sig->group_dead; }))
      return -ERESTARTSYS;
  }
  if (stat_addr && put_user<int>(sig->group_exit_code, stat_addr)) return -EFAULT;
  return pid;
}

}  // namespace kernel
