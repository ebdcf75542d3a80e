// Wait queues, after include/linux/wait.h and kernel/sched/wait.c.
//
// A wait_queue_head is a list of wait_queue_entry; each entry has a callback
// `func` run in the waker's context by __wake_up(). The default callbacks
// wake the task in `private_`; custom ones may wake nothing at all (an AIO
// retry kick, an epoll or AIO poll wake-up) and reach their owner through
// `private_` or container_of().
//
// Order, as in the kernel: add_wait_queue()/prepare_to_wait() insert at the
// HEAD (after any WQ_FLAG_PRIORITY entries), add_wait_queue_exclusive()/
// prepare_to_wait_exclusive() at the TAIL. __wake_up() calls entries in list
// order; a callback returning > 0 on an exclusive entry counts toward
// nr_exclusive and the walk stops when that reaches 0 (0 means all); a
// negative return stops the walk. The walk keeps the next entry before each
// call, so a callback may remove its own entry.
//
// Differences from the kernel: the spinlock is a no-op (fibers switch only
// at sim:: calls, so a whole wake-up is atomic); the entry field `private`
// is `private_` (a C++ keyword otherwise). An entry destroyed while still
// queued unlinks itself, and a head destroyed with entries detaches them:
// that only happens when fibers are killed at shutdown (a live run that
// does it is reported by invariant checkers, not here).
#ifndef AIOSIM_KERNEL_MODEL_WAIT_H_
#define AIOSIM_KERNEL_MODEL_WAIT_H_

#include <cstdint>

#include "kernel_model/kernel.h"
#include "kernel_model/list.h"
#include "kernel_model/sched.h"
#include "kernel_model/types.h"

namespace kernel {

struct wait_queue_entry;
using wait_queue_func_t = int (*)(wait_queue_entry* wq_entry, unsigned mode, int flags, void* key);

inline constexpr unsigned WQ_FLAG_EXCLUSIVE = 0x01;
inline constexpr unsigned WQ_FLAG_WOKEN = 0x02;
inline constexpr unsigned WQ_FLAG_CUSTOM = 0x04;
inline constexpr unsigned WQ_FLAG_DONE = 0x08;
inline constexpr unsigned WQ_FLAG_PRIORITY = 0x10;

int default_wake_function(wait_queue_entry* wq_entry, unsigned mode, int wake_flags, void* key);
int autoremove_wake_function(wait_queue_entry* wq_entry, unsigned mode, int sync, void* key);
int woken_wake_function(wait_queue_entry* wq_entry, unsigned mode, int sync, void* key);

struct spinlock_t {};  // no-op: see the header comment
inline void spin_lock(spinlock_t*) {}
inline void spin_unlock(spinlock_t*) {}
inline void spin_lock_irq(spinlock_t*) {}
inline void spin_unlock_irq(spinlock_t*) {}

// Standard-layout, so container_of(wq_entry, struct_that_embeds_it, member)
// works for standard-layout owners.
struct wait_queue_entry {
  unsigned int flags = 0;
  void* private_ = nullptr;
  wait_queue_func_t func = nullptr;
  list_head entry;

  wait_queue_entry() = default;
  // init_wait_entry-style: private_ = p, func = f.
  wait_queue_entry(task_struct* p, wait_queue_func_t f) : private_(p), func(f) {}
  ~wait_queue_entry() {
    if (!list_empty(&entry)) list_del_init(&entry);
  }
  wait_queue_entry(const wait_queue_entry&) = delete;
  wait_queue_entry& operator=(const wait_queue_entry&) = delete;
};

struct wait_queue_head {
  spinlock_t lock;
  list_head head;
  const char* name = "wait_queue";  // static string: names the wait in deadlock reports
  uint64_t id = 0;                  // for traces; 0 until first wake-up

  wait_queue_head() = default;
  explicit wait_queue_head(const char* n) : name(n) {}
  ~wait_queue_head();
  wait_queue_head(const wait_queue_head&) = delete;
  wait_queue_head& operator=(const wait_queue_head&) = delete;
};

inline void init_waitqueue_head(wait_queue_head* wq_head) { INIT_LIST_HEAD(&wq_head->head); }
inline void init_waitqueue_entry(wait_queue_entry* wq_entry, task_struct* p) {
  wq_entry->flags = 0;
  wq_entry->private_ = p;
  wq_entry->func = default_wake_function;
}
inline void init_waitqueue_func_entry(wait_queue_entry* wq_entry, wait_queue_func_t func) {
  wq_entry->flags = 0;
  wq_entry->private_ = nullptr;
  wq_entry->func = func;
}
// init_wait_entry(): current task, autoremove_wake_function, given flags.
void init_wait_entry(wait_queue_entry* wq_entry, int flags);
inline void init_wait(wait_queue_entry* wq_entry) { init_wait_entry(wq_entry, 0); }

// DEFINE_WAIT(name): an entry for current with autoremove_wake_function.
#define DEFINE_WAIT(name) \
  ::kernel::wait_queue_entry name(::kernel::current(), ::kernel::autoremove_wake_function)
#define DEFINE_WAIT_FUNC(name, function) ::kernel::wait_queue_entry name(::kernel::current(), function)
#define DECLARE_WAITQUEUE(name, tsk) \
  ::kernel::wait_queue_entry name(tsk, ::kernel::default_wake_function)

inline bool waitqueue_active(const wait_queue_head* wq_head) { return !list_empty(&wq_head->head); }
inline bool wq_has_sleeper(const wait_queue_head* wq_head) { return waitqueue_active(wq_head); }
inline bool wq_has_single_sleeper(const wait_queue_head* wq_head) {
  return list_is_singular(&wq_head->head);
}

// Unlocked list operations (the caller "holds the lock").
void __add_wait_queue(wait_queue_head* wq_head, wait_queue_entry* wq_entry);
void __add_wait_queue_entry_tail(wait_queue_head* wq_head, wait_queue_entry* wq_entry);
inline void __add_wait_queue_exclusive(wait_queue_head* wq_head, wait_queue_entry* wq_entry) {
  wq_entry->flags |= WQ_FLAG_EXCLUSIVE;
  __add_wait_queue(wq_head, wq_entry);
}
inline void __remove_wait_queue(wait_queue_head*, wait_queue_entry* wq_entry) {
  list_del_init(&wq_entry->entry);
}

void add_wait_queue(wait_queue_head* wq_head, wait_queue_entry* wq_entry);
void add_wait_queue_exclusive(wait_queue_head* wq_head, wait_queue_entry* wq_entry);
void add_wait_queue_priority(wait_queue_head* wq_head, wait_queue_entry* wq_entry);
void remove_wait_queue(wait_queue_head* wq_head, wait_queue_entry* wq_entry);

void prepare_to_wait(wait_queue_head* wq_head, wait_queue_entry* wq_entry, int state);
// Returns true if the entry was not queued before (the kernel's return).
bool prepare_to_wait_exclusive(wait_queue_head* wq_head, wait_queue_entry* wq_entry, int state);
// For the wait_event family: -ERESTARTSYS (entry dequeued) if a signal
// interrupts `state`, else queues (per the entry's EXCLUSIVE flag), sets the
// state and returns 0.
long prepare_to_wait_event(wait_queue_head* wq_head, wait_queue_entry* wq_entry, int state);
void finish_wait(wait_queue_head* wq_head, wait_queue_entry* wq_entry);
// Sleeps until woken through woken_wake_function (or timeout); returns the
// jiffies left.
long wait_woken(wait_queue_entry* wq_entry, unsigned mode, long timeout);

// Walks the queue (see the header comment). Returns the number of exclusive
// entries woken (nr_exclusive minus what was left).
int __wake_up(wait_queue_head* wq_head, unsigned int mode, int nr_exclusive, void* key);
int __wake_up_sync_key(wait_queue_head* wq_head, unsigned int mode, void* key);
void __wake_up_locked_key(wait_queue_head* wq_head, unsigned int mode, void* key);
void __wake_up_locked(wait_queue_head* wq_head, unsigned int mode, int nr);
// Wakes everything with EPOLLHUP|POLLFREE: the head is about to be freed;
// every entry must remove itself (checked).
void __wake_up_pollfree(wait_queue_head* wq_head);

inline void* poll_to_key(__poll_t m) { return reinterpret_cast<void*>(static_cast<uintptr_t>(m)); }
inline __poll_t key_to_poll(void* key) {
  return static_cast<__poll_t>(reinterpret_cast<uintptr_t>(key));
}

inline void wake_up(wait_queue_head* x) { __wake_up(x, TASK_NORMAL, 1, nullptr); }
inline void wake_up_nr(wait_queue_head* x, int nr) { __wake_up(x, TASK_NORMAL, nr, nullptr); }
inline void wake_up_all(wait_queue_head* x) { __wake_up(x, TASK_NORMAL, 0, nullptr); }
inline void wake_up_locked(wait_queue_head* x) { __wake_up_locked(x, TASK_NORMAL, 1); }
inline void wake_up_all_locked(wait_queue_head* x) { __wake_up_locked(x, TASK_NORMAL, 0); }
inline void wake_up_interruptible(wait_queue_head* x) {
  __wake_up(x, TASK_INTERRUPTIBLE, 1, nullptr);
}
inline void wake_up_interruptible_nr(wait_queue_head* x, int nr) {
  __wake_up(x, TASK_INTERRUPTIBLE, nr, nullptr);
}
inline void wake_up_interruptible_all(wait_queue_head* x) {
  __wake_up(x, TASK_INTERRUPTIBLE, 0, nullptr);
}
inline void wake_up_interruptible_sync(wait_queue_head* x) {
  __wake_up_sync_key(x, TASK_INTERRUPTIBLE, nullptr);
}
inline void wake_up_poll(wait_queue_head* x, __poll_t m) {
  __wake_up(x, TASK_NORMAL, 1, poll_to_key(m));
}
inline void wake_up_locked_poll(wait_queue_head* x, __poll_t m) {
  __wake_up_locked_key(x, TASK_NORMAL, poll_to_key(m));
}
inline void wake_up_interruptible_poll(wait_queue_head* x, __poll_t m) {
  __wake_up(x, TASK_INTERRUPTIBLE, 1, poll_to_key(m));
}
inline void wake_up_interruptible_sync_poll(wait_queue_head* x, __poll_t m) {
  __wake_up_sync_key(x, TASK_INTERRUPTIBLE, poll_to_key(m));
}
inline void wake_up_interruptible_all_poll(wait_queue_head* x, __poll_t m) {
  __wake_up(x, TASK_INTERRUPTIBLE, 0, poll_to_key(m));
}
inline void wake_up_pollfree(wait_queue_head* x) {
  if (waitqueue_active(x)) __wake_up_pollfree(x);
}

// ---------------------------------------------------------------------------
// The wait_event family (templates standing in for the kernel's macros).
// `cond` is any callable returning something testable; it is evaluated with
// the task already queued and its state set, so a wake-up between the test
// and the sleep is never lost.

namespace internal {
// The body of ___wait_event: returns the kernel's __ret. `timeout` is in
// jiffies (MAX_SCHEDULE_TIMEOUT for none).
template <typename Cond>
long wait_event_common(wait_queue_head* wq_head, Cond&& cond, int state, bool exclusive,
                       long timeout) {
  wait_queue_entry wq_entry;
  init_wait_entry(&wq_entry, exclusive ? WQ_FLAG_EXCLUSIVE : 0);
  long ret = timeout;
  for (;;) {
    long intr = prepare_to_wait_event(wq_head, &wq_entry, state);
    bool done = static_cast<bool>(cond());
    if (timeout != MAX_SCHEDULE_TIMEOUT) {
      if (done && ret == 0) ret = 1;  // condition true at the timeout: report 1
      done = done || ret == 0;
    }
    if (done) break;
    if ((state & (TASK_INTERRUPTIBLE | TASK_WAKEKILL)) && intr) return intr;
    if (timeout == MAX_SCHEDULE_TIMEOUT) {
      schedule();
    } else {
      ret = schedule_timeout(ret);
    }
  }
  finish_wait(wq_head, &wq_entry);
  return timeout == MAX_SCHEDULE_TIMEOUT ? 0 : ret;
}
}  // namespace internal

template <typename Cond>
void wait_event(wait_queue_head& wq, Cond cond) {
  if (cond()) return;
  internal::wait_event_common(&wq, cond, TASK_UNINTERRUPTIBLE, false, MAX_SCHEDULE_TIMEOUT);
}
template <typename Cond>
void wait_event_idle(wait_queue_head& wq, Cond cond) {
  if (cond()) return;
  internal::wait_event_common(&wq, cond, TASK_IDLE, false, MAX_SCHEDULE_TIMEOUT);
}
template <typename Cond>
void wait_event_idle_exclusive(wait_queue_head& wq, Cond cond) {
  if (cond()) return;
  internal::wait_event_common(&wq, cond, TASK_IDLE, true, MAX_SCHEDULE_TIMEOUT);
}
// 0, or -ERESTARTSYS if a signal interrupted the wait.
template <typename Cond>
int wait_event_interruptible(wait_queue_head& wq, Cond cond) {
  if (cond()) return 0;
  return static_cast<int>(
      internal::wait_event_common(&wq, cond, TASK_INTERRUPTIBLE, false, MAX_SCHEDULE_TIMEOUT));
}
template <typename Cond>
int wait_event_interruptible_exclusive(wait_queue_head& wq, Cond cond) {
  if (cond()) return 0;
  return static_cast<int>(
      internal::wait_event_common(&wq, cond, TASK_INTERRUPTIBLE, true, MAX_SCHEDULE_TIMEOUT));
}
// The _locked variants: the same here (the lock is a no-op).
template <typename Cond>
int wait_event_interruptible_locked(wait_queue_head& wq, Cond cond) {
  return wait_event_interruptible(wq, cond);
}
template <typename Cond>
int wait_event_interruptible_locked_irq(wait_queue_head& wq, Cond cond) {
  return wait_event_interruptible(wq, cond);
}
// 0, or -ERESTARTSYS if a fatal signal (SIGKILL, group exit) interrupted it.
template <typename Cond>
int wait_event_killable(wait_queue_head& wq, Cond cond) {
  if (cond()) return 0;
  return static_cast<int>(
      internal::wait_event_common(&wq, cond, TASK_KILLABLE, false, MAX_SCHEDULE_TIMEOUT));
}
// 0 if the time ran out with cond false; else the jiffies left (at least 1).
template <typename Cond>
long wait_event_timeout(wait_queue_head& wq, Cond cond, long timeout) {
  if (cond()) return timeout ? timeout : 1;
  return internal::wait_event_common(&wq, cond, TASK_UNINTERRUPTIBLE, false, timeout);
}
// As wait_event_timeout, or -ERESTARTSYS on a signal.
template <typename Cond>
long wait_event_interruptible_timeout(wait_queue_head& wq, Cond cond, long timeout) {
  if (cond()) return timeout ? timeout : 1;
  return internal::wait_event_common(&wq, cond, TASK_INTERRUPTIBLE, false, timeout);
}
template <typename Cond>
long wait_event_idle_timeout(wait_queue_head& wq, Cond cond, long timeout) {
  if (cond()) return timeout ? timeout : 1;
  return internal::wait_event_common(&wq, cond, TASK_IDLE, false, timeout);
}
// Nanosecond timeout on virtual time: 0 when cond became true, -ETIME when
// the time ran out, -ERESTARTSYS on a signal (wait_event_interruptible_hrtimeout).
template <typename Cond>
int wait_event_interruptible_hrtimeout(wait_queue_head& wq, Cond cond, ktime_t timeout_ns) {
  if (cond()) return 0;
  ktime_t expires = sim::AddTime(ktime_get(), timeout_ns);
  wait_queue_entry wq_entry;
  init_wait_entry(&wq_entry, 0);
  int ret = 0;
  for (;;) {
    long intr = prepare_to_wait_event(&wq, &wq_entry, TASK_INTERRUPTIBLE);
    if (cond()) break;
    if (intr) return static_cast<int>(intr);
    if (ktime_get() >= expires) {
      ret = -ETIME;
      break;
    }
    schedule_hrtimeout(&expires);
  }
  finish_wait(&wq, &wq_entry);
  return ret;
}

}  // namespace kernel

#endif  // AIOSIM_KERNEL_MODEL_WAIT_H_
