// Signals, after kernel/signal.c, include/linux/sched/signal.h and the
// syscall exit path (kernel/entry/common.c, arch/x86/kernel/signal.c).
//
// Generation: send_sig_info()/kill_pid()/sys_kill() queue on the thread
// group (signal_struct::shared_pending); sys_tgkill()/do_send_sig_info with
// PIDTYPE_PID on one thread (task_struct::pending). A standard signal that is
// already pending is not queued twice; real-time ones queue every instance.
// A signal whose disposition ignores it is dropped at generation unless
// blocked. complete_signal() picks a thread that does not block it (the
// target first), and wakes it if it sleeps interruptibly (or killably, for a
// fatal signal). A fatal signal (default action terminate or core, no
// handler) starts a group exit at once: every thread gets SIGKILL.
//
// Interrupted sleeps: wait_event_interruptible() and friends return
// -ERESTARTSYS; syscalls pass that up (epoll_wait and others return -EINTR
// themselves, as in Linux). The conversion to -EINTR happens in
// syscall_exit_to_user_mode(), where signals are "delivered":
// - each pending unblocked signal is dequeued (thread-private first, lowest
//   number first) and counted in signal_struct::nr_delivered[sig] and the
//   delivered log; SIG_IGN and default-ignore signals are just counted;
//   default-stop signals are treated as ignored (the model has no job
//   control); a user handler "runs" by being counted;
// - a fatal default action exits the group (do_group_exit; does not return);
// - the return value: -ERESTARTSYS becomes -EINTR if a handler ran without
//   SA_RESTART, -ERESTARTNOHAND and -ERESTART_RESTARTBLOCK become -EINTR if a
//   handler ran; otherwise a restart code comes back as -ERESTARTNOINTR,
//   which tells the caller to issue the syscall again (do_syscall() loops).
// Differences: all pending signals are delivered in one return instead of
// one per return; handlers' sa_mask is not applied; a restarted
// sleep starts over instead of using the remaining time.
#ifndef AIOSIM_KERNEL_MODEL_SIGNAL_H_
#define AIOSIM_KERNEL_MODEL_SIGNAL_H_

#include <vector>

#include "kernel_model/sched.h"
#include "kernel_model/signal_types.h"
#include "kernel_model/wait.h"

namespace kernel {

enum pid_type { PIDTYPE_PID = 0, PIDTYPE_TGID = 1 };

inline constexpr unsigned SIGNAL_GROUP_EXIT = 0x00000004;

struct sighand_struct {
  int count = 1;
  k_sigaction action[KERNEL_NSIG];  // action[sig - 1]
};

struct signal_struct {
  int nr_threads = 0;
  int live = 0;                          // threads not yet exited
  std::vector<task_struct*> thread_head;  // creation order
  sigpending shared_pending;
  unsigned flags = 0;  // SIGNAL_GROUP_EXIT
  int group_exit_code = 0;
  bool group_dead = false;  // every thread has exited
  wait_queue_head wait_chldexit{"wait4"};
  // Delivery record: per-signal counts and every delivered siginfo in order.
  u64 nr_delivered[KERNEL_NSIG + 1] = {};
  std::vector<kernel_siginfo> delivered;
};

// --- tests of pending state (any context) ---
// Unblocked pending signals of p (thread-private or shared)?
bool signal_pending(task_struct* p);
bool fatal_signal_pending(task_struct* p);
inline bool task_sigpending(task_struct* p) { return signal_pending(p); }
// sig_kernel_* classification of the default action.
bool sig_kernel_ignore(int sig);
bool sig_kernel_stop(int sig);
bool sig_kernel_coredump(int sig);

// --- generation (any context) ---
// 0, -EINVAL for a bad signal number. sig == 0 only checks the target.
int do_send_sig_info(int sig, kernel_siginfo* info, task_struct* p, pid_type type);
int send_sig_info(int sig, kernel_siginfo* info, task_struct* p);  // group-directed
// priv: 1 = from the kernel (SI_KERNEL), 0 = "from user" (SI_USER).
int send_sig(int sig, task_struct* p, int priv);
int kill_pid_info(int sig, kernel_siginfo* info, pid_t pid);
int kill_pid(pid_t pid, int sig, int priv);
void force_sig(int sig);  // to current, cannot be ignored or blocked (SIGSEGV-style)

// kill(2) (pid > 0 only, else -EINVAL; sig 0 probes). Errors: -EINVAL bad
// sig, -ESRCH no such process.
long sys_kill(pid_t pid, int sig);
// tgkill(2). Errors: -EINVAL bad sig or pid/tgid <= 0, -ESRCH no such thread
// in that group.
long sys_tgkill(pid_t tgid, pid_t pid, int sig);

// --- masks ---
// The kernel's sigprocmask(): how = SIG_BLOCK / SIG_UNBLOCK / SIG_SETMASK;
// SIGKILL and SIGSTOP can never be blocked. 0 or -EINVAL.
int sigprocmask(int how, const sigset_t* set, sigset_t* oldset);
// rt_sigprocmask(2). Errors: -EINVAL sigsetsize != 8 or bad how; -EFAULT.
long sys_rt_sigprocmask(int how, user_ptr nset, user_ptr oset, size_t sigsetsize);
// Installs a temporary mask for a call (io_pgetevents, epoll_pwait); 0,
// -EINVAL (sigsetsize != 8) or -EFAULT. umask == 0: nothing.
int set_user_sigmask(user_ptr umask, size_t sigsetsize);
// Restores the mask saved by set_user_sigmask unless the call was
// interrupted (then it is restored after delivery, on exit to user mode).
void restore_saved_sigmask_unless(bool interrupted);

// --- dispositions ---
// Errors: -EINVAL for a bad signal number or SIGKILL/SIGSTOP with a non-
// default action. Setting SIG_IGN (or a default-ignore SIG_DFL) discards
// that signal where it is pending.
int do_sigaction(int sig, const k_sigaction* act, k_sigaction* oact);
// Kernel threads ignore every signal unless they allow it.
void allow_signal(int sig);

// --- delivery on return to user space (see the header comment) ---
// REQUIRES: task context of a user thread. May not return (group exit).
long syscall_exit_to_user_mode(long ret);
// Runs f (a syscall) and the exit path, re-issuing f while a restart is due.
template <typename F>
long do_syscall(F&& f) {
  for (;;) {
    long r = syscall_exit_to_user_mode(f());
    if (r != -ERESTARTNOINTR) return r;
  }
}

}  // namespace kernel

#endif  // AIOSIM_KERNEL_MODEL_SIGNAL_H_
