// Timers on virtual time, after include/linux/timer.h (kernel/time/timer.c)
// and include/linux/hrtimer.h (kernel/time/hrtimer.c).
//
// timer_list counts in jiffies: a timer with `expires` fires at the tick
// boundary expires * (1 s / HZ), or at the next tick boundary if that is not
// in the future (a timer never fires before its jiffy, and one armed for a
// past jiffy fires on the next tick, as with the timer wheel). hrtimer counts
// in nanoseconds and fires exactly at its expiry (never in the past: a past
// expiry fires now). Callbacks run as sim events: the model's softirq
// context (current() == nullptr; they must not sleep).
//
// Differences from the kernel: no wheel granularity beyond one tick (the
// kernel may batch long timers into coarser buckets); del_timer_sync() never
// has to wait, because a callback runs atomically inside one event and never
// overlaps a task.
#ifndef AIOSIM_KERNEL_MODEL_TIMER_H_
#define AIOSIM_KERNEL_MODEL_TIMER_H_

#include <type_traits>

#include "kernel_model/kernel.h"
#include "kernel_model/types.h"
#include "sim/event_queue.h"

namespace kernel {

struct timer_list;
using timer_func_t = void (*)(timer_list* timer);

// Standard-layout: container_of(timer, owner, member) / from_timer().
struct timer_list {
  unsigned long expires = 0;
  timer_func_t function = nullptr;
  u32 flags = 0;
  // Model: the pending event, valid while the timer is pending.
  sim::EventId ev;
  bool pending = false;
};
#define from_timer(var, callback_timer, timer_fieldname) \
  container_of(callback_timer, std::remove_pointer_t<decltype(var)>, timer_fieldname)

void timer_setup(timer_list* timer, timer_func_t func, unsigned int flags);
inline bool timer_pending(const timer_list* timer) { return timer->pending; }
// REQUIRES: not pending.
void add_timer(timer_list* timer);
// Re-arms (or arms) the timer; returns true if it was pending.
bool mod_timer(timer_list* timer, unsigned long expires);
// Disarms; returns true if it was pending.
bool del_timer(timer_list* timer);
bool del_timer_sync(timer_list* timer);
inline bool timer_delete(timer_list* timer) { return del_timer(timer); }
inline bool timer_delete_sync(timer_list* timer) { return del_timer_sync(timer); }
// The virtual time (ns) at which a timer armed now for `expires` fires.
sim::SimTime timer_fire_time(unsigned long expires);

// --- hrtimer ---
enum hrtimer_restart { HRTIMER_NORESTART, HRTIMER_RESTART };
enum hrtimer_mode { HRTIMER_MODE_ABS = 0, HRTIMER_MODE_REL = 1 };
struct hrtimer;
using hrtimer_func_t = hrtimer_restart (*)(hrtimer* timer);

struct hrtimer {
  ktime_t expires = 0;  // absolute ns
  hrtimer_func_t function = nullptr;
  sim::EventId ev;
  bool pending = false;
};

void hrtimer_setup(hrtimer* timer, hrtimer_func_t function, int clock_id, hrtimer_mode mode);
inline void hrtimer_init(hrtimer* timer, int clock_id, hrtimer_mode mode) {
  hrtimer_setup(timer, nullptr, clock_id, mode);
}
void hrtimer_start(hrtimer* timer, ktime_t tim, hrtimer_mode mode);
// Returns 1 if it was active (now cancelled), 0 if not.
int hrtimer_cancel(hrtimer* timer);
int hrtimer_try_to_cancel(hrtimer* timer);
inline bool hrtimer_active(const hrtimer* timer) { return timer->pending; }
inline ktime_t hrtimer_get_expires(const hrtimer* timer) { return timer->expires; }
// Moves expires forward by whole intervals past now; returns the overruns.
u64 hrtimer_forward_now(hrtimer* timer, ktime_t interval);

inline constexpr int CLOCK_MONOTONIC_ID = 1;

}  // namespace kernel

#endif  // AIOSIM_KERNEL_MODEL_TIMER_H_
