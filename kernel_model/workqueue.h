// Workqueues, after include/linux/workqueue.h and kernel/workqueue.c.
//
// A workqueue_struct owns worker kthreads (daemon fibers) that run queued
// work_structs in FIFO order. Kernel semantics kept:
// - queue_work() returns false if the item is already pending (the PENDING
//   bit); the bit is cleared just before the item's func runs, so an item
//   queued while it runs is pending again and runs again afterwards.
// - Non-reentrancy: an item never runs concurrently with itself. Queued
//   while running (on any workqueue), it goes to the worker already running
//   it and runs there next.
// - The worker never touches a work_struct after its func returns (the func
//   may free it), so flush/cancel bookkeeping lives in the workqueue.
// - flush_work() waits until the last queueing instance at the time of the
//   call has finished (a later re-queue is not waited for); cancel_work_sync()
//   removes a pending instance and waits for a running one, keeping the item
//   from being queued meanwhile.
//
// Differences from the kernel: no per-CPU pools or concurrency management.
// Each workqueue has its own workers, created on demand up to max_active
// (0 means WQ_DFL_ACTIVE, 256); an item queued when no worker is idle gets a
// new one if the limit allows, else waits its turn. Idle workers are reused
// most-recently-idle first (the kernel's idle list order); when several are
// woken at once the Scheduler's chooser decides which runs first. Idle
// workers never time out.
#ifndef AIOSIM_KERNEL_MODEL_WORKQUEUE_H_
#define AIOSIM_KERNEL_MODEL_WORKQUEUE_H_

#include <string>
#include <vector>

#include "kernel_model/kernel.h"
#include "kernel_model/list.h"
#include "kernel_model/timer.h"
#include "kernel_model/wait.h"

namespace kernel {

struct work_struct;
struct workqueue_struct;
struct worker;
using work_func_t = void (*)(work_struct* work);

inline constexpr unsigned long WORK_STRUCT_PENDING_BIT = 0;
inline constexpr unsigned long WORK_STRUCT_PENDING = 1ul << WORK_STRUCT_PENDING_BIT;

// Standard-layout: container_of(work, owner, member) works for
// standard-layout owners.
struct work_struct {
  unsigned long data = 0;  // WORK_STRUCT_PENDING
  list_head entry;
  work_func_t func = nullptr;
  // Model bookkeeping: instances queued so far (each queueing that sets
  // PENDING is one instance), a cancel-in-progress flag, the workqueue it
  // was last queued on, and a trace id (assigned at the first queueing).
  u64 nr_queued = 0;
  bool canceling = false;
  workqueue_struct* wq = nullptr;
  u64 id = 0;
};

inline void INIT_WORK(work_struct* work, work_func_t func) {
  work->data = 0;
  INIT_LIST_HEAD(&work->entry);
  work->func = func;
  work->nr_queued = 0;
  work->canceling = false;
  work->wq = nullptr;
}
inline bool work_pending(const work_struct* work) { return work->data & WORK_STRUCT_PENDING; }

struct delayed_work {
  work_struct work;
  timer_list timer;
  workqueue_struct* wq = nullptr;
};
inline delayed_work* to_delayed_work(work_struct* work) { return container_of(work, delayed_work, work); }
void INIT_DELAYED_WORK(delayed_work* dwork, work_func_t func);
inline bool delayed_work_pending(const delayed_work* dwork) { return work_pending(&dwork->work); }

// Workqueue flags (subset).
inline constexpr unsigned WQ_UNBOUND = 1 << 1;
inline constexpr unsigned WQ_FREEZABLE = 1 << 2;
inline constexpr unsigned WQ_MEM_RECLAIM = 1 << 3;
inline constexpr unsigned WQ_HIGHPRI = 1 << 4;
inline constexpr int WQ_DFL_ACTIVE = 256;

struct worker {
  task_struct* task = nullptr;
  workqueue_struct* wq = nullptr;
  work_struct* current_work = nullptr;  // identity only while running
  work_func_t current_func = nullptr;
  u64 current_instance = 0;  // which queueing of current_work is running
  list_head scheduled;       // items that must run on this worker (collisions)
  bool idle = false;
  bool claimed = false;  // woken for an item but not yet running
};

struct workqueue_struct {
  std::string name;
  unsigned flags = 0;
  int max_active = 0;
  uint64_t id = 0;
  list_head worklist;
  std::vector<std::unique_ptr<worker>> workers;  // creation order
  std::vector<worker*> idle_list;                // back = most recently idle
  bool destroying = false;
};

// A task waiting for (work, instance) to be done: finished or cancelled.
// Registered in Kernel::wq_flushers_ (an item may run on any workqueue).
struct wq_flusher {
  const work_struct* work = nullptr;
  u64 instance = 0;
  bool done = false;
  task_struct* waiter = nullptr;
};

// Creates a workqueue with up to max_active workers (0: WQ_DFL_ACTIVE).
workqueue_struct* alloc_workqueue(const std::string& name, unsigned flags, int max_active);
inline workqueue_struct* alloc_ordered_workqueue(const std::string& name, unsigned flags) {
  return alloc_workqueue(name, flags | WQ_UNBOUND, 1);
}
// Flushes, stops the workers and frees wq. REQUIRES: task context.
void destroy_workqueue(workqueue_struct* wq);

// Any context. False if already pending (or being cancelled).
bool queue_work(workqueue_struct* wq, work_struct* work);
bool schedule_work(work_struct* work);  // on system_wq
// Waits for the last queueing instance to finish; true if it had to wait.
// REQUIRES: task context.
bool flush_work(work_struct* work);
// Waits until every item queued on wq before the call has finished.
void flush_workqueue(workqueue_struct* wq);
inline void flush_scheduled_work() { flush_workqueue(Kernel::Current()->system_wq); }
// Removes a pending instance without running it; true if one was pending.
bool cancel_work(work_struct* work);
// As cancel_work, then waits for a running instance. REQUIRES: task context.
bool cancel_work_sync(work_struct* work);

// Delay in jiffies; 0 queues at once.
bool queue_delayed_work(workqueue_struct* wq, delayed_work* dwork, unsigned long delay);
bool schedule_delayed_work(delayed_work* dwork, unsigned long delay);
// Like queue_delayed_work, but re-arms a pending item; true if it was pending.
bool mod_delayed_work(workqueue_struct* wq, delayed_work* dwork, unsigned long delay);
bool cancel_delayed_work(delayed_work* dwork);
bool cancel_delayed_work_sync(delayed_work* dwork);
bool flush_delayed_work(delayed_work* dwork);

// The work item the current worker runs, or nullptr (kernel's current_work()).
work_struct* current_work();
// Model introspection: workers currently existing, and idle.
size_t workqueue_nr_workers(const workqueue_struct* wq);
size_t workqueue_nr_idle(const workqueue_struct* wq);

}  // namespace kernel

#endif  // AIOSIM_KERNEL_MODEL_WORKQUEUE_H_
