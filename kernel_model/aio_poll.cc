// IOCB_CMD_POLL, after fs/aio.c (6.x): aio_poll_put_work,
// poll_iocb_lock_wq, aio_poll_complete_work, aio_poll_cancel,
// aio_poll_wake, aio_poll_queue_proc, aio_poll.
//
// A poll request is one-shot. Its wait entry (func aio_poll_wake) stays on
// the file's wait queue until the request completes; a wake-up with a
// matching key completes it inline in the waker's context when it can,
// else schedules aio_poll_complete_work, which re-polls and either re-arms
// or completes. Cancellation (io_cancel, io_destroy) marks it cancelled and
// lets the work complete it with res 0. POLLFREE (the wait queue is about
// to be freed) force-cancels it and clears req->head last.
//
// Model note: ctx_lock is a no-op (aio_types.h), so the trylock in
// aio_poll_wake succeeds unless the fault site
// "aio_poll_wake.ctx_lock_trylock" fires (aio_options sets its chance).
#include "kernel_model/aio_internal.h"
#include "kernel_model/eventfd.h"
#include "kernel_model/fs.h"
#include "kernel_model/kernel.h"
#include "kernel_model/poll.h"
#include "kernel_model/wait.h"
#include "kernel_model/workqueue.h"

namespace kernel {
namespace {

// include/linux/poll.h: the user ABI's POLL* bits and the kernel's EPOLL*
// bits coincide on x86-64, but only the known bits cross (POLLFREE and
// other kernel-internal bits are dropped).
constexpr __poll_t kPollAbiBits = EPOLLIN | EPOLLPRI | EPOLLOUT | EPOLLERR | EPOLLHUP | EPOLLNVAL |
                                  EPOLLRDNORM | EPOLLRDBAND | EPOLLWRNORM | EPOLLWRBAND | EPOLLMSG |
                                  EPOLLRDHUP;
inline __poll_t demangle_poll(u16 val) { return val & kPollAbiBits; }
inline u16 mangle_poll(__poll_t val) { return static_cast<u16>(val & kPollAbiBits); }

enum poll_wake_action { kIgnored = 0, kInline = 1, kWork = 2, kResched = 3 };

aio_kiocb* iocb_of(poll_iocb* req) { return container_of(req, aio_kiocb, poll); }

void trace_wake(aio_kiocb* iocb, __poll_t mask, int action) {
  aio_state* s = aio_get_state();
  Kernel::Current()->trace().Emit(s->tk.poll_wake,
                                  {static_cast<int64_t>(iocb->ki_ctx->slot.id),
                                   static_cast<int64_t>(iocb->slot.id), mask, action});
}

void aio_poll_put_work(work_struct* work) {
  poll_iocb* req = container_of(work, poll_iocb, work);
  iocb_put(iocb_of(req), "aio_poll_put_work");
}

// True if the request is still on its wait queue (whose lock the kernel
// would now hold). False if POLLFREE or a completion removed it.
bool poll_iocb_lock_wq(poll_iocb* req) {
  wait_queue_head* head = req->head;
  return head && !list_empty(&req->wait.entry);
}

void aio_poll_complete_work(work_struct* work) {
  poll_iocb* req = container_of(work, poll_iocb, work);
  aio_kiocb* iocb = iocb_of(req);
  aio_state* s = aio_get_state();
  s->reqs.Check(iocb, "aio_poll_complete_work");
  poll_table pt;
  pt._qproc = nullptr;
  pt._key = req->events;
  __poll_t mask = 0;
  if (!req->cancelled) mask = vfs_poll(req->file, &pt) & req->events;

  if (poll_iocb_lock_wq(req)) {
    if (!mask && !req->cancelled) {
      // Not ready yet: re-arm, or run again if another wake-up came in.
      bool again = req->work_need_resched;
      if (again) {
        schedule_work(&req->work);
        req->work_need_resched = false;
      } else {
        req->work_scheduled = false;
      }
      Kernel::Current()->trace().Emit(s->tk.poll_work,
                                      {static_cast<int64_t>(iocb->ki_ctx->slot.id),
                                       static_cast<int64_t>(iocb->slot.id), 0, 0, again ? 2 : 1});
      return;
    }
    list_del_init(&req->wait.entry);
  }  // else POLLFREE freed the wait queue: complete now
  list_del_init(&iocb->ki_list);
  iocb->ki_res.res = mangle_poll(mask);
  Kernel::Current()->trace().Emit(
      s->tk.poll_work, {static_cast<int64_t>(iocb->ki_ctx->slot.id),
                        static_cast<int64_t>(iocb->slot.id), mask, req->cancelled ? 1 : 0, 0});
  aio_mark_completion(iocb, "aio_poll_complete_work");
  iocb_put(iocb, "aio_poll_complete_work");
}

int aio_poll_cancel(kiocb* iocb) {
  aio_kiocb* aiocb = aio_kiocb_from_rw(iocb);
  poll_iocb* req = &aiocb->poll;
  if (poll_iocb_lock_wq(req)) {
    req->cancelled = true;
    if (!req->work_scheduled) {
      schedule_work(&aiocb->poll.work);
      req->work_scheduled = true;
    }
  }  // else POLLFREE already force-cancelled it
  return 0;
}

bool ctx_lock_trylock() {
  aio_state* s = aio_get_state();
  if (s->opts.poll_trylock_fail_num == 0) return true;
  bool drawn = s->trylock_rng.Chance(s->opts.poll_trylock_fail_num, s->opts.poll_trylock_fail_den);
  return !Kernel::Current()->sched.Fault("aio_poll_wake.ctx_lock_trylock", drawn);
}

int aio_poll_wake(wait_queue_entry* wait, unsigned mode, int sync, void* key) {
  poll_iocb* req = container_of(wait, poll_iocb, wait);
  aio_kiocb* iocb = iocb_of(req);
  aio_get_state()->reqs.Check(iocb, "aio_poll_wake");
  __poll_t mask = key_to_poll(key);

  // For wake-ups that carry a mask, check for an event match first.
  if (mask && !(mask & req->events)) {
    trace_wake(iocb, mask, kIgnored);
    return 0;
  }

  // Complete inline when the wake-up carries a mask, no work is scheduled
  // and ctx_lock is free (a trylock: the wait-queue lock is held, which
  // inverts the usual order).
  if (mask && !req->work_scheduled && ctx_lock_trylock()) {
    list_del_init(&req->wait.entry);
    list_del_init(&iocb->ki_list);
    iocb->ki_res.res = mangle_poll(mask);
    trace_wake(iocb, mask, kInline);
    aio_mark_completion(iocb, "aio_poll_wake");
    if (iocb->ki_eventfd && !eventfd_signal_allowed()) {
      // Inside an eventfd wake-up: signalling another eventfd here could
      // recurse; put the request from a work item instead.
      INIT_WORK(&req->work, aio_poll_put_work);
      schedule_work(&req->work);
    } else {
      iocb_put(iocb, "aio_poll_wake");
    }
  } else {
    // Schedule the completion work, or note that another wake-up came in.
    // The entry stays queued: no wake-up may be missed.
    if (req->work_scheduled) {
      req->work_need_resched = true;
      trace_wake(iocb, mask, kResched);
    } else {
      schedule_work(&req->work);
      req->work_scheduled = true;
      trace_wake(iocb, mask, kWork);
    }
    // The wait queue is being freed: leave it now, mark the request
    // cancelled, and clear head last (after that the work may complete and
    // free the request without touching the queue).
    if (mask & POLLFREE) {
      req->cancelled = true;
      list_del_init(&req->wait.entry);
      req->head = nullptr;
    }
  }
  return 1;
}

struct aio_poll_table {
  poll_table_struct pt;
  aio_kiocb* iocb = nullptr;
  bool queued = false;
  int error = 0;
};

void aio_poll_queue_proc(file* f, wait_queue_head* head, poll_table_struct* p) {
  aio_poll_table* pt = container_of(p, aio_poll_table, pt);
  // Multiple wait queues per file are not supported.
  if (pt->queued) {
    pt->error = -EINVAL;
    return;
  }
  pt->queued = true;
  pt->error = 0;
  pt->iocb->poll.head = head;
  add_wait_queue(head, &pt->iocb->poll.wait);
}

}  // namespace

int aio_poll(aio_kiocb* aiocb, const iocb* iocb) {
  kioctx* ctx = aiocb->ki_ctx;
  poll_iocb* req = &aiocb->poll;

  // Reject unknown events outside the 16-bit poll mask, and fields that
  // mean nothing for poll.
  if (static_cast<u16>(iocb->aio_buf) != iocb->aio_buf) return -EINVAL;
  if (iocb->aio_offset || iocb->aio_nbytes || iocb->aio_rw_flags) return -EINVAL;

  INIT_WORK(&req->work, aio_poll_complete_work);
  req->events = demangle_poll(static_cast<u16>(iocb->aio_buf)) | EPOLLERR | EPOLLHUP;
  req->head = nullptr;
  req->cancelled = false;
  req->work_scheduled = false;
  req->work_need_resched = false;

  aio_poll_table apt;
  apt.pt._qproc = aio_poll_queue_proc;
  apt.pt._key = req->events;
  apt.iocb = aiocb;
  apt.queued = false;
  apt.error = -EINVAL;  // the same as no support for IOCB_CMD_POLL

  INIT_LIST_HEAD(&req->wait.entry);
  init_waitqueue_func_entry(&req->wait, aio_poll_wake);

  __poll_t mask = vfs_poll(req->file, &apt.pt) & req->events;
  bool cancel = false;
  if (apt.queued) {
    bool on_queue = poll_iocb_lock_wq(req);
    if (!on_queue || req->work_scheduled) {
      // aio_poll_wake already scheduled the work or completed inline.
      if (apt.error) cancel = true;  // the unsupported case: two queues
      apt.error = 0;
      mask = 0;
    }
    if (mask || apt.error) {
      list_del_init(&req->wait.entry);  // steal it to complete synchronously
    } else if (cancel) {
      req->cancelled = true;  // cancel if possible (may be too late)
    } else if (on_queue) {
      // Really waiting: cancellable from now on.
      list_add_tail(&aiocb->ki_list, &ctx->active_reqs);
      aiocb->ki_cancel = aio_poll_cancel;
    }
  }
  if (mask) {  // no async: we stole it
    aiocb->ki_res.res = mangle_poll(mask);
    apt.error = 0;
    aio_mark_completion(aiocb, "aio_poll");
    iocb_put(aiocb, "aio_poll");
  }
  return apt.error;
}

}  // namespace kernel
