// Reaping events, after fs/aio.c: aio_read_events, read_events,
// do_io_getevents, io_getevents, io_pgetevents.
#include "kernel_model/aio.h"
#include "kernel_model/aio_design.h"
#include "kernel_model/aio_internal.h"
#include "kernel_model/kernel.h"
#include "kernel_model/mm.h"
#include "kernel_model/sched.h"
#include "kernel_model/signal.h"
#include "kernel_model/timer.h"
#include "kernel_model/wait.h"
#include "sim/time.h"

namespace kernel {
namespace {

constexpr ktime_t KTIME_MAX = INT64_MAX;
constexpr s64 KTIME_SEC_MAX = KTIME_MAX / NSEC_PER_SEC;

// timespec64_to_ktime: seconds out of range (negative ones included, as
// unsigned) mean "forever"; tv_nsec is not validated.
ktime_t timespec64_to_ktime(const kernel_timespec& ts) {
  if (static_cast<unsigned long long>(ts.tv_sec) >=
      static_cast<unsigned long long>(KTIME_SEC_MAX)) {
    return KTIME_MAX;
  }
  // Wrapping arithmetic, as the kernel's (built with -fno-strict-overflow).
  return static_cast<ktime_t>(static_cast<u64>(ts.tv_sec) * NSEC_PER_SEC +
                              static_cast<u64>(ts.tv_nsec));
}

int get_timespec64(kernel_timespec* ts, user_ptr uts) {
  return copy_from_user(ts, uts, KERNEL_TIMESPEC_SIZE) ? -EFAULT : 0;
}

// struct hrtimer_sleeper: the timer clears `task` and wakes it.
struct aio_sleeper {
  hrtimer timer;
  task_struct* task = nullptr;
};

hrtimer_restart aio_sleeper_wakeup(hrtimer* timer) {
  aio_sleeper* t = container_of(timer, aio_sleeper, timer);
  task_struct* task = t->task;
  t->task = nullptr;
  if (task) wake_up_process(task);
  return HRTIMER_NORESTART;
}

bool aio_read_events(kioctx* ctx, long min_nr, long nr, user_ptr event, long* i) {
  long ret = aio_read_events_ring(ctx, event + static_cast<user_ptr>(*i) * IO_EVENT_SIZE, nr - *i);
  if (ret > 0) *i += ret;
  if (ctx->dead) ret = -EINVAL;
  if (!*i) *i = ret;
  return ret < 0 || *i >= min_nr;
}

// Inline for the reason given at do_io_getevents.
[[gnu::always_inline]] inline long read_events(kioctx* ctx, long min_nr, long nr, user_ptr event, ktime_t until) {
  long ret = 0;
  aio_read_events(ctx, min_nr, nr, event, &ret);
  if (until == 0 || ret < 0 || ret >= min_nr) return ret;

  // A design may make progress here before the caller sleeps (2.6's
  // read_events ran the retry list once: aio_run_all_iocbs).
  if (ctx->design->getevents_idle && ctx->design->getevents_idle(ctx)) {
    if (aio_read_events(ctx, min_nr, nr, event, &ret) || ret < 0) return ret;
  }

  aio_sleeper t;
  t.task = current();
  // Cancels the timer however this frame is left (a killed fiber unwinds).
  struct timer_guard {
    hrtimer* timer;
    ~timer_guard() {
      if (hrtimer_active(timer)) hrtimer_cancel(timer);
    }
  } guard{&t.timer};
  if (until != KTIME_MAX) {
    // The kernel's timer slack (50 us by default) is not modelled: the
    // timer fires exactly at the relative timeout.
    hrtimer_setup(&t.timer, aio_sleeper_wakeup, CLOCK_MONOTONIC_ID, HRTIMER_MODE_ABS);
    hrtimer_start(&t.timer, sim::AddTime(ktime_get(), until), HRTIMER_MODE_ABS);
  }

  aio_waiter w;
  init_wait(&w.w);
  for (;;) {
    long nr_got = ret;
    w.min_nr = static_cast<size_t>(min_nr - ret);
    long ret2 = prepare_to_wait_event(&ctx->wait, &w.w, TASK_INTERRUPTIBLE);
    if (!ret2 && !t.task) ret2 = -ETIME;
    if (aio_read_events(ctx, min_nr, nr, event, &ret) || ret2) break;
    if (nr_got == ret) schedule();
  }
  finish_wait(&ctx->wait, &w.w);
  return ret;
}

// Inline, as schedule() is (sched.h): a task woken from its sleep returns
// through every frame between it and the fiber switch, and each of those
// returns is mispredicted (the return-stack buffer holds the other side's
// calls). With read_events inline too, the sleeper switches from inside
// the syscall's own frame (AIO round 9).
[[gnu::always_inline]] inline long do_io_getevents(aio_context_t ctx_id, long min_nr, long nr,
                                                   user_ptr events, const kernel_timespec* ts) {
  ktime_t until = ts ? timespec64_to_ktime(*ts) : KTIME_MAX;
  kioctx* ioctx = lookup_ioctx(ctx_id);
  long ret = -EINVAL;
  if (ioctx) {
    if (min_nr <= nr && min_nr >= 0) ret = read_events(ioctx, min_nr, nr, events, until);
    Kernel::Current()->trace().Emit(aio_get_state()->tk.getevents,
                                    {static_cast<int64_t>(ioctx->slot.id), min_nr, nr, ret});
    ctx_users_put(ioctx, "io_getevents");
  }
  return ret;
}

}  // namespace

// io_getevents(2): copies up to nr events; waits (interruptibly, with a
// relative monotonic timeout, NULL = forever) until min_nr are there.
// Returns the count (possibly fewer than min_nr, even 0, on timeout).
// Errors, in the kernel's order:
//   -EFAULT  *timeout unreadable
//   -EINVAL  no live context with this handle in the caller's mm
//   -EINVAL  not 0 <= min_nr <= nr
//   -EFAULT  the events buffer faults before anything was copied (the
//            events stay in the ring)
//   -EINVAL  the context was destroyed meanwhile and nothing was copied
//   -EINTR   a signal arrived and nothing was copied
// Quirks kept: the timeout is not validated (tv_nsec 2e9 waits 2 s), a
// negative tv_sec waits forever, {0, 0} returns at once, a garbage head is
// taken modulo nr.
long sys_io_getevents(aio_context_t ctx_id, long min_nr, long nr, user_ptr events,
                      user_ptr timeout) {
  kernel_timespec ts;
  if (timeout && get_timespec64(&ts, timeout)) return -EFAULT;
  long ret = do_io_getevents(ctx_id, min_nr, nr, events, timeout ? &ts : nullptr);
  if (!ret && signal_pending(current())) ret = -EINTR;
  return ret;
}

// io_pgetevents(2): io_getevents with a signal mask installed for the call
// (usig: {sigmask, sigsetsize}, may be NULL, as may sigmask). Errors, in the
// kernel's order:
//   -EFAULT  *timeout unreadable; *usig unreadable
//   -EINVAL  sigmask given and sigsetsize != 8
//   -EFAULT  *sigmask unreadable
//   then as io_getevents, except that an interruption with nothing copied
//   returns -ERESTARTNOHAND (the exit path makes it -EINTR when a handler
//   ran, a restart otherwise).
long sys_io_pgetevents(aio_context_t ctx_id, long min_nr, long nr, user_ptr events,
                       user_ptr timeout, user_ptr usig) {
  kernel_timespec ts;
  if (timeout && get_timespec64(&ts, timeout)) return -EFAULT;
  aio_sigset ksig;
  if (usig && copy_from_user(&ksig, usig, AIO_SIGSET_SIZE)) return -EFAULT;
  long ret = set_user_sigmask(ksig.sigmask, ksig.sigsetsize);
  if (ret) return ret;
  ret = do_io_getevents(ctx_id, min_nr, nr, events, timeout ? &ts : nullptr);
  bool interrupted = signal_pending(current());
  restore_saved_sigmask_unless(interrupted);
  if (interrupted && !ret) ret = -ERESTARTNOHAND;
  return ret;
}

}  // namespace kernel
