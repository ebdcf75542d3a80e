// Signal numbers and the small signal types a task_struct embeds, after
// include/uapi/asm-generic/signal.h, include/linux/signal_types.h and
// include/uapi/asm-generic/siginfo.h.
//
// ABI numbers (SIGKILL 9, SIG_BLOCK 0, SI_ASYNCIO -4, SA_RESTART ...) are
// the host libc's macros, identical on x86-64 Linux and pinned below.
// sigset_t is one 64-bit word: signal n is bit n-1 (the kernel's layout on
// 64-bit), so sigmask64(n) is the kernel's sigmask(n) (the name differs
// because glibc's <signal.h> defines a 32-bit sigmask macro).
#ifndef AIOSIM_KERNEL_MODEL_SIGNAL_TYPES_H_
#define AIOSIM_KERNEL_MODEL_SIGNAL_TYPES_H_

#include <csignal>
#include <cstdint>
#include <deque>

#include "kernel_model/types.h"

static_assert(SIGHUP == 1 && SIGINT == 2 && SIGQUIT == 3 && SIGILL == 4 && SIGTRAP == 5 &&
                  SIGABRT == 6 && SIGBUS == 7 && SIGFPE == 8 && SIGKILL == 9 && SIGUSR1 == 10 &&
                  SIGSEGV == 11 && SIGUSR2 == 12 && SIGPIPE == 13 && SIGALRM == 14 &&
                  SIGTERM == 15 && SIGSTKFLT == 16 && SIGCHLD == 17 && SIGCONT == 18 &&
                  SIGSTOP == 19 && SIGTSTP == 20 && SIGTTIN == 21 && SIGTTOU == 22 &&
                  SIGURG == 23 && SIGXCPU == 24 && SIGXFSZ == 25 && SIGVTALRM == 26 &&
                  SIGPROF == 27 && SIGWINCH == 28 && SIGIO == 29 && SIGPWR == 30 &&
                  SIGSYS == 31 && __SIGRTMIN == 32 && __SIGRTMAX == 64,
              "host signal numbers differ from Linux x86-64");
static_assert(SIG_BLOCK == 0 && SIG_UNBLOCK == 1 && SIG_SETMASK == 2, "sigprocmask how");
static_assert(SI_USER == 0 && SI_KERNEL == 0x80 && SI_QUEUE == -1 && SI_TIMER == -2 &&
                  SI_ASYNCIO == -4 && SI_TKILL == -6,
              "si_code values");
static_assert(SA_RESTART == 0x10000000 && SA_NODEFER == 0x40000000 && static_cast<unsigned>(SA_RESETHAND) == 0x80000000u,
              "sa_flags values");

namespace kernel {

inline constexpr int KERNEL_NSIG = 64;         // the kernel's _NSIG
inline constexpr int KERNEL_SIGRTMIN = 32;     // the kernel's SIGRTMIN
inline constexpr sigset_t sigmask64(int sig) { return sigset_t{1} << (sig - 1); }
inline bool valid_signal(unsigned long sig) { return sig <= KERNEL_NSIG; }
inline void sigaddset(sigset_t* set, int sig) { *set |= sigmask64(sig); }
inline void sigdelset(sigset_t* set, int sig) { *set &= ~sigmask64(sig); }
inline bool sigismember(const sigset_t* set, int sig) { return (*set & sigmask64(sig)) != 0; }
inline void sigemptyset(sigset_t* set) { *set = 0; }
inline void siginitset(sigset_t* set, sigset_t mask) { *set = mask; }

// Model handler values: the kernel's SIG_DFL (0) and SIG_IGN (1); any other
// value stands for a user handler (an opaque id the scenario chose). A user
// handler "runs" on return to user space by being counted.
inline constexpr uint64_t SIG_DFL_HANDLER = 0;
inline constexpr uint64_t SIG_IGN_HANDLER = 1;

// The kernel's si_pid/si_value/si_fd are `sender_pid`/`value`/`fd` here:
// glibc defines the si_* names as macros into its own union.
struct kernel_siginfo {
  int si_signo = 0;
  int si_errno = 0;
  int si_code = SI_USER;
  pid_t sender_pid = 0;  // si_pid (0 from the kernel)
  int64_t value = 0;     // si_value (sival_int / sival_ptr), SI_QUEUE / SI_ASYNCIO
  int fd = 0;            // si_fd
};

// Pending signals: a set plus, for each pending instance, its siginfo (one
// per standard signal; real-time signals queue every instance).
struct sigpending {
  sigset_t signal = 0;
  std::deque<kernel_siginfo> list;
};

// `handler` is the kernel's sa_handler (a glibc macro name).
struct k_sigaction {
  uint64_t handler = SIG_DFL_HANDLER;
  unsigned long sa_flags = 0;
  sigset_t sa_mask = 0;
};

}  // namespace kernel

#endif  // AIOSIM_KERNEL_MODEL_SIGNAL_TYPES_H_
