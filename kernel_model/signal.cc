// Signals (kernel/signal.c and the syscall exit path). See signal.h.
#include "kernel_model/signal.h"

#include <algorithm>

#include "kernel_model/mm.h"
#include "sim/check.h"

namespace kernel {

namespace {

constexpr sigset_t kUnblockable = sigmask64(SIGKILL) | sigmask64(SIGSTOP);

bool valid_sig(int sig) { return sig >= 1 && sig <= KERNEL_NSIG; }

uint64_t handler_of(task_struct* t, int sig) { return t->sighand->action[sig - 1].handler; }

bool sig_handler_ignored(uint64_t handler, int sig) {
  return handler == SIG_IGN_HANDLER || (handler == SIG_DFL_HANDLER && sig_kernel_ignore(sig));
}

bool sig_ignored(task_struct* t, int sig) {
  // Blocked signals are never ignored: the handler may change before unblock.
  if (sigismember(&t->blocked, sig) || sigismember(&t->real_blocked, sig)) return false;
  if (sig == SIGKILL || sig == SIGSTOP) return (t->flags & PF_KTHREAD) != 0;
  return sig_handler_ignored(handler_of(t, sig), sig);
}

bool sig_fatal(task_struct* t, int sig) {
  return !sig_kernel_ignore(sig) && !sig_kernel_stop(sig) && handler_of(t, sig) == SIG_DFL_HANDLER;
}

bool wants_signal(int sig, task_struct* p) {
  if (sigismember(&p->blocked, sig)) return false;
  if (p->flags & PF_EXITING) return false;
  return true;
}

void signal_wake_up(task_struct* t, bool fatal) {
  wake_up_state(t, TASK_INTERRUPTIBLE | (fatal ? TASK_WAKEKILL : 0));
}

void complete_signal(int sig, task_struct* p, pid_type type) {
  signal_struct* signal = p->signal;
  task_struct* t = nullptr;
  if (wants_signal(sig, p)) {
    t = p;
  } else if (type == PIDTYPE_PID || signal->thread_head.size() == 1) {
    return;  // the target blocks it; it stays pending
  } else {
    for (task_struct* c : signal->thread_head) {
      if (!c->exit_state && wants_signal(sig, c)) {
        t = c;
        break;
      }
    }
    if (!t) return;
  }
  if (sig_fatal(p, sig) && !(signal->flags & SIGNAL_GROUP_EXIT) &&
      !sigismember(&t->real_blocked, sig) && !sig_kernel_coredump(sig)) {
    // The whole group dies: SIGKILL to every thread.
    signal->flags |= SIGNAL_GROUP_EXIT;
    signal->group_exit_code = sig;
    for (task_struct* c : signal->thread_head) {
      if (c->exit_state) continue;
      sigaddset(&c->pending.signal, SIGKILL);
      signal_wake_up(c, true);
    }
    return;
  }
  signal_wake_up(t, sig == SIGKILL);
}

// 0: queued; 1: ignored or coalesced (still "success" for the sender).
int send_signal_locked(int sig, kernel_siginfo* info, task_struct* t, pid_type type) {
  signal_struct* signal = t->signal;
  if (signal->group_dead || (signal->flags & SIGNAL_GROUP_EXIT)) return 1;
  if (sig_ignored(t, sig)) return 1;
  sigpending* pending = type == PIDTYPE_PID ? &t->pending : &signal->shared_pending;
  // legacy_queue: a standard signal already pending is not queued twice.
  if (sig < KERNEL_SIGRTMIN && sigismember(&pending->signal, sig)) return 1;
  kernel_siginfo q;
  if (info) q = *info;
  q.si_signo = sig;
  pending->list.push_back(q);
  sigaddset(&pending->signal, sig);
  complete_signal(sig, t, type);
  return 0;
}

void flush_sig_from(sigpending* pending, int sig) {
  sigdelset(&pending->signal, sig);
  pending->list.erase(std::remove_if(pending->list.begin(), pending->list.end(),
                                     [sig](const kernel_siginfo& i) { return i.si_signo == sig; }),
                      pending->list.end());
}

// Dequeues the lowest unblocked signal from `pending`; 0 if none.
int dequeue_from(sigpending* pending, sigset_t blocked, kernel_siginfo* info) {
  sigset_t ready = pending->signal & ~blocked;
  if (!ready) return 0;
  int sig = __builtin_ctzll(ready) + 1;
  auto it = std::find_if(pending->list.begin(), pending->list.end(),
                         [sig](const kernel_siginfo& i) { return i.si_signo == sig; });
  if (it != pending->list.end()) {
    *info = *it;
    pending->list.erase(it);
  } else {
    *info = kernel_siginfo{};
    info->si_signo = sig;
    info->si_code = SI_KERNEL;
  }
  bool more = std::any_of(pending->list.begin(), pending->list.end(),
                          [sig](const kernel_siginfo& i) { return i.si_signo == sig; });
  if (!more) sigdelset(&pending->signal, sig);
  return sig;
}

void set_current_blocked(task_struct* t, sigset_t newset) {
  newset &= ~kUnblockable;
  sigset_t newly_blocked = newset & ~t->blocked;
  t->blocked = newset;
  // retarget_shared_pending: a shared signal this thread now blocks may be
  // taken by another thread.
  sigset_t retarget = t->signal->shared_pending.signal & newly_blocked;
  while (retarget) {
    int sig = __builtin_ctzll(retarget) + 1;
    retarget &= retarget - 1;
    for (task_struct* c : t->signal->thread_head) {
      if (c != t && !c->exit_state && wants_signal(sig, c)) {
        signal_wake_up(c, false);
        break;
      }
    }
  }
}

task_struct* user_current(const char* what) {
  task_struct* t = current();
  SIM_CHECK(t != nullptr) << what << " outside task context";
  return t;
}

}  // namespace

bool sig_kernel_ignore(int sig) {
  return sig == SIGCONT || sig == SIGCHLD || sig == SIGWINCH || sig == SIGURG;
}
bool sig_kernel_stop(int sig) {
  return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
}
bool sig_kernel_coredump(int sig) {
  switch (sig) {
    case SIGQUIT:
    case SIGILL:
    case SIGTRAP:
    case SIGABRT:
    case SIGFPE:
    case SIGSEGV:
    case SIGBUS:
    case SIGSYS:
    case SIGXCPU:
    case SIGXFSZ:
      return true;
    default:
      return false;
  }
}

bool signal_pending(task_struct* p) {
  if (!p || !p->signal) return false;
  return ((p->pending.signal | p->signal->shared_pending.signal) & ~p->blocked) != 0;
}

bool fatal_signal_pending(task_struct* p) { return p && sigismember(&p->pending.signal, SIGKILL); }

bool signal_pending_state(long state, task_struct* p) {
  if (!(state & (TASK_INTERRUPTIBLE | TASK_WAKEKILL))) return false;
  if (!signal_pending(p)) return false;
  return (state & TASK_INTERRUPTIBLE) || fatal_signal_pending(p);
}

int do_send_sig_info(int sig, kernel_siginfo* info, task_struct* p, pid_type type) {
  if (sig < 0 || sig > KERNEL_NSIG) return -EINVAL;
  if (!p || p->exit_state) return -ESRCH;
  if (sig == 0) return 0;
  Kernel* k = Kernel::Current();
  int r = send_signal_locked(sig, info, p, type);
  k->trace().Emit(k->k.signal_generate, {sig, p->pid, type == PIDTYPE_PID ? 0 : 1, r});
  return 0;
}

int send_sig_info(int sig, kernel_siginfo* info, task_struct* p) {
  return do_send_sig_info(sig, info, p, PIDTYPE_TGID);
}

int send_sig(int sig, task_struct* p, int priv) {
  kernel_siginfo info;
  info.si_signo = sig;
  info.si_code = priv ? SI_KERNEL : SI_USER;
  return send_sig_info(sig, &info, p);
}

int kill_pid_info(int sig, kernel_siginfo* info, pid_t pid) {
  task_struct* p = find_task_by_vpid(pid);
  if (!p || p->signal->group_dead) return -ESRCH;
  return do_send_sig_info(sig, info, p, PIDTYPE_TGID);
}

int kill_pid(pid_t pid, int sig, int priv) {
  kernel_siginfo info;
  info.si_signo = sig;
  info.si_code = priv ? SI_KERNEL : SI_USER;
  return kill_pid_info(sig, &info, pid);
}

void force_sig(int sig) {
  task_struct* t = user_current("force_sig");
  k_sigaction* action = &t->sighand->action[sig - 1];
  if (action->handler == SIG_IGN_HANDLER || sigismember(&t->blocked, sig)) {
    if (action->handler == SIG_IGN_HANDLER) action->handler = SIG_DFL_HANDLER;
    sigdelset(&t->blocked, sig);
  }
  kernel_siginfo info;
  info.si_signo = sig;
  info.si_code = SI_KERNEL;
  do_send_sig_info(sig, &info, t, PIDTYPE_PID);
}

long sys_kill(pid_t pid, int sig) {
  if (!valid_signal(static_cast<unsigned long>(sig)) || sig < 0) return -EINVAL;
  if (pid <= 0) return -EINVAL;  // process groups are not modelled
  task_struct* self = current();
  kernel_siginfo info;
  info.si_signo = sig;
  info.si_code = SI_USER;
  info.sender_pid = self ? self->tgid : 0;
  return kill_pid_info(sig, &info, pid);
}

long sys_tgkill(pid_t tgid, pid_t pid, int sig) {
  if (pid <= 0 || tgid <= 0) return -EINVAL;
  if (!valid_signal(static_cast<unsigned long>(sig)) || sig < 0) return -EINVAL;
  task_struct* p = find_task_by_vpid(pid);
  if (!p || p->tgid != tgid || p->exit_state) return -ESRCH;
  task_struct* self = current();
  kernel_siginfo info;
  info.si_signo = sig;
  info.si_code = SI_TKILL;
  info.sender_pid = self ? self->tgid : 0;
  return do_send_sig_info(sig, &info, p, PIDTYPE_PID);
}

int sigprocmask(int how, const sigset_t* set, sigset_t* oldset) {
  task_struct* t = user_current("sigprocmask");
  if (oldset) *oldset = t->blocked;
  if (!set) return 0;
  sigset_t newset;
  switch (how) {
    case SIG_BLOCK:
      newset = t->blocked | *set;
      break;
    case SIG_UNBLOCK:
      newset = t->blocked & ~*set;
      break;
    case SIG_SETMASK:
      newset = *set;
      break;
    default:
      return -EINVAL;
  }
  set_current_blocked(t, newset);
  return 0;
}

long sys_rt_sigprocmask(int how, user_ptr nset, user_ptr oset, size_t sigsetsize) {
  if (sigsetsize != sizeof(sigset_t)) return -EINVAL;
  task_struct* t = user_current("rt_sigprocmask");
  sigset_t old_set = t->blocked;
  if (nset) {
    sigset_t new_set;
    if (copy_from_user(&new_set, nset, sizeof(new_set))) return -EFAULT;
    int error = sigprocmask(how, &new_set, nullptr);
    if (error) return error;
  }
  if (oset && copy_to_user(oset, &old_set, sizeof(old_set))) return -EFAULT;
  return 0;
}

int set_user_sigmask(user_ptr umask, size_t sigsetsize) {
  if (!umask) return 0;
  if (sigsetsize != sizeof(sigset_t)) return -EINVAL;
  sigset_t kmask;
  if (copy_from_user(&kmask, umask, sizeof(kmask))) return -EFAULT;
  task_struct* t = user_current("set_user_sigmask");
  t->restore_sigmask = true;
  t->saved_sigmask = t->blocked;
  set_current_blocked(t, kmask);
  return 0;
}

void restore_saved_sigmask_unless(bool interrupted) {
  task_struct* t = user_current("restore_saved_sigmask_unless");
  if (interrupted || !t->restore_sigmask) return;
  t->restore_sigmask = false;
  set_current_blocked(t, t->saved_sigmask);
}

int do_sigaction(int sig, const k_sigaction* act, k_sigaction* oact) {
  if (!valid_sig(sig)) return -EINVAL;
  if (act && (sig == SIGKILL || sig == SIGSTOP)) return -EINVAL;
  task_struct* t = user_current("sigaction");
  k_sigaction* k = &t->sighand->action[sig - 1];
  if (oact) *oact = *k;
  if (act) {
    *k = *act;
    k->sa_mask &= ~kUnblockable;
    if (sig_handler_ignored(k->handler, sig)) {
      // POSIX: setting SIG_IGN discards a pending instance, everywhere.
      flush_sig_from(&t->signal->shared_pending, sig);
      for (task_struct* c : t->signal->thread_head) flush_sig_from(&c->pending, sig);
    }
  }
  return 0;
}

void allow_signal(int sig) {
  task_struct* t = user_current("allow_signal");
  // As the kernel: a "handler" value of 2 makes the signal deliverable.
  t->sighand->action[sig - 1].handler = 2;
}

long syscall_exit_to_user_mode(long ret) {
  task_struct* t = user_current("syscall_exit_to_user_mode");
  SIM_CHECK(!(t->flags & PF_KTHREAD)) << "syscall exit path in a kernel thread";
  Kernel* k = Kernel::Current();
  signal_struct* signal = t->signal;
  bool handler_ran = false;
  bool handler_without_restart = false;
  for (int round = 0; round < 2; ++round) {
    for (;;) {
      if (signal->flags & SIGNAL_GROUP_EXIT) {
        k->trace().Emit(k->k.signal_deliver, {SIGKILL, t->pid, 2});
        do_exit(signal->group_exit_code);
      }
      kernel_siginfo info;
      int sig = dequeue_from(&t->pending, t->blocked, &info);
      if (!sig) sig = dequeue_from(&signal->shared_pending, t->blocked, &info);
      if (!sig) break;
      ++signal->nr_delivered[sig];
      signal->delivered.push_back(info);
      k_sigaction* ka = &t->sighand->action[sig - 1];
      if (ka->handler == SIG_IGN_HANDLER) {
        k->trace().Emit(k->k.signal_deliver, {sig, t->pid, 0});
        continue;
      }
      if (ka->handler != SIG_DFL_HANDLER) {
        k->trace().Emit(k->k.signal_deliver, {sig, t->pid, 1});
        handler_ran = true;
        if (!(ka->sa_flags & SA_RESTART)) handler_without_restart = true;
        if (ka->sa_flags & SA_RESETHAND) ka->handler = SIG_DFL_HANDLER;
        continue;
      }
      if (sig_kernel_ignore(sig) || sig_kernel_stop(sig)) {
        k->trace().Emit(k->k.signal_deliver, {sig, t->pid, 0});
        continue;
      }
      k->trace().Emit(k->k.signal_deliver, {sig, t->pid, 2});
      do_group_exit(sig_kernel_coredump(sig) ? (sig | 0x80) : sig);
    }
    // The temporary mask of set_user_sigmask goes after delivery; what it
    // unblocks is delivered in a second round.
    if (!t->restore_sigmask) break;
    t->restore_sigmask = false;
    set_current_blocked(t, t->saved_sigmask);
  }
  switch (-ret) {
    case ERESTARTSYS:
      if (handler_ran && handler_without_restart) return -EINTR;
      break;
    case ERESTARTNOHAND:
    case ERESTART_RESTARTBLOCK:
      if (handler_ran) return -EINTR;
      break;
    case ERESTARTNOINTR:
      break;
    default:
      return ret;
  }
  ++t->nr_syscall_restarts;
  return -ERESTARTNOINTR;
}

}  // namespace kernel
