// Timers on virtual time (kernel/time/timer.c, kernel/time/hrtimer.c).
#include "kernel_model/timer.h"

#include <algorithm>

#include "sim/check.h"

namespace kernel {

namespace {

void arm(timer_list* timer) {
  Kernel* k = Kernel::Current();
  timer->pending = true;
  timer->ev = k->sched.At(timer_fire_time(timer->expires), [timer, k] {
    timer->pending = false;
    timer->ev = sim::EventId{};
    k->trace().Emit(k->k.timer_expire,
                    {static_cast<int64_t>(timer->expires), static_cast<int64_t>(k->jiffies())});
    timer->function(timer);
  });
}

void arm_hr(hrtimer* timer) {
  Kernel* k = Kernel::Current();
  timer->pending = true;
  timer->ev = k->sched.At(std::max(timer->expires, k->sched.Now()), [timer, k] {
    timer->pending = false;
    timer->ev = sim::EventId{};
    k->trace().Emit(k->k.hrtimer_expire, {timer->expires});
    if (timer->function(timer) == HRTIMER_RESTART && !timer->pending) arm_hr(timer);
  });
}

}  // namespace

sim::SimTime timer_fire_time(unsigned long expires) {
  Kernel* k = Kernel::Current();
  const unsigned long now = k->jiffies();
  const unsigned long at = time_after(expires, now) ? expires : now + 1;
  return static_cast<sim::SimTime>(at) * k->tick_nsec();
}

void timer_setup(timer_list* timer, timer_func_t func, unsigned int flags) {
  timer->function = func;
  timer->flags = flags;
  timer->expires = 0;
  timer->pending = false;
  timer->ev = sim::EventId{};
}

void add_timer(timer_list* timer) {
  SIM_CHECK(!timer->pending) << "add_timer of a pending timer";
  SIM_CHECK(timer->function != nullptr) << "add_timer without timer_setup";
  arm(timer);
}

bool mod_timer(timer_list* timer, unsigned long expires) {
  SIM_CHECK(timer->function != nullptr) << "mod_timer without timer_setup";
  const bool was_pending = del_timer(timer);
  timer->expires = expires;
  arm(timer);
  return was_pending;
}

bool del_timer(timer_list* timer) {
  if (!timer->pending) return false;
  Kernel::Current()->sched.Cancel(timer->ev);
  timer->ev = sim::EventId{};
  timer->pending = false;
  return true;
}

bool del_timer_sync(timer_list* timer) { return del_timer(timer); }

void hrtimer_setup(hrtimer* timer, hrtimer_func_t function, int clock_id, hrtimer_mode mode) {
  timer->function = function;
  timer->expires = 0;
  timer->pending = false;
  timer->ev = sim::EventId{};
}

void hrtimer_start(hrtimer* timer, ktime_t tim, hrtimer_mode mode) {
  SIM_CHECK(timer->function != nullptr) << "hrtimer_start without a function";
  hrtimer_try_to_cancel(timer);
  timer->expires = mode == HRTIMER_MODE_REL ? sim::AddTime(ktime_get(), tim) : tim;
  arm_hr(timer);
}

int hrtimer_try_to_cancel(hrtimer* timer) {
  if (!timer->pending) return 0;
  Kernel::Current()->sched.Cancel(timer->ev);
  timer->ev = sim::EventId{};
  timer->pending = false;
  return 1;
}

int hrtimer_cancel(hrtimer* timer) { return hrtimer_try_to_cancel(timer); }

u64 hrtimer_forward_now(hrtimer* timer, ktime_t interval) {
  const ktime_t now = ktime_get();
  const ktime_t delta = now - timer->expires;
  if (delta < 0) return 0;
  if (interval < 1) interval = 1;
  u64 orun = 1;
  if (delta >= interval) {
    orun = static_cast<u64>(delta / interval);
    timer->expires += interval * static_cast<ktime_t>(orun);
    if (timer->expires > now) return orun;
    ++orun;
  }
  timer->expires += interval;
  return orun;
}

}  // namespace kernel
