// The objects of Linux AIO, after fs/aio.c (6.x): kioctx (one io_setup
// context and its ring), aio_kiocb (one submitted iocb), kioctx_table (the
// per-mm table of contexts), and the run's AIO state (aio-nr, the arenas,
// the design, the trace kinds).
//
// Lifetime rules (fs/aio.c's, enforced by checks):
// - kioctx::users counts lookups and the context's life: 1 at creation,
//   +1 for io_setup (dropped before io_setup returns), +1 per lookup_ioctx
//   (dropped at the end of each syscall). kill_ioctx drops the base
//   reference and marks it dead (no lookup succeeds any more); the last put
//   runs free_ioctx_users, which runs the cancel function of every request
//   on active_reqs and then drops the base and the setup reference of reqs.
// - kioctx::reqs counts in-flight requests: 1 base + 1 from setup + 1 per
//   aio_kiocb (aio_get_req takes it, iocb_destroy drops it). Its last put
//   runs free_ioctx_reqs: it completes io_destroy's wait and queues
//   free_ioctx on system_wq, which unmaps nothing (already done), drops the
//   ring pages and frees the context.
// - aio_kiocb::ki_refcnt starts at 2 in aio_get_req: one for the submit
//   path (io_submit_one drops it right after dispatch), one for completion
//   (aio_complete_rw, aio_fsync_work, the poll completion paths). Whoever
//   drops the last reference posts the event (aio_complete) and destroys
//   the request (iocb_destroy: put eventfd, put file, put ctx->reqs, free).
//   On a submit error the submit reference is dropped (2 -> 1) and the
//   request destroyed directly, with its ring slot returned; no event.
// Every get and put of either kind is a trace record naming who did it.
//
// Differences from the kernel (deliberate):
// - percpu_ref is a plain counter; percpu_ref_kill drops the base
//   reference at once (the kernel switches to atomic mode after an RCU
//   grace period first). RCU itself is not modelled: free_ioctx runs from
//   system_wq as queue_rcu_work would, without the grace period.
// - ctx_lock, completion_lock, ring_lock and mm->ioctx_lock are no-ops:
//   fibers switch only at sim:: calls, so every critical section is
//   atomic. The one place the kernel's locking is observable, the trylock
//   of ctx_lock in aio_poll_wake, is a named fault site instead.
// - The union {ki_filp, rw, fsync, poll} of struct aio_kiocb is four
//   separate members here (a C++ union of non-trivial members would need
//   manual lifetimes); each sub-object's file pointer is set from ki_filp.
// - reqs_available is modelled exactly, per-CPU batches included. The model
//   has no CPUs, so "this CPU" is a fixed function of the context
//   (aio_this_cpu(): a task's pid modulo nr_cpus, interrupt context CPU 0).
//   With one submitting thread, io_setup(1) on 2 CPUs therefore admits 120
//   requests and the 121st gets EAGAIN, as measured on Linux.
#ifndef AIOSIM_KERNEL_MODEL_AIO_TYPES_H_
#define AIOSIM_KERNEL_MODEL_AIO_TYPES_H_

#include <cstdint>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "kernel_model/aio_abi.h"
#include "kernel_model/arena.h"
#include "kernel_model/fs.h"
#include "kernel_model/list.h"
#include "kernel_model/mm.h"
#include "kernel_model/types.h"
#include "kernel_model/wait.h"
#include "kernel_model/workqueue.h"
#include "sim/prng.h"

namespace kernel {

struct kioctx;
struct aio_kiocb;
struct aio_design;
struct eventfd_ctx;
struct cred;
struct aio_retry_iocb;

// IOCB_AIO_RW (include/linux/fs.h): the kiocb belongs to an aio_kiocb's rw
// member (kiocb_set_cancel_fn checks it). fs.h does not define it yet.
inline constexpr int IOCB_AIO_RW = 1 << 22;

using kiocb_cancel_fn = int (*)(kiocb* iocb);

// struct percpu_ref, as a plain counter (see the header comment).
struct aio_ref {
  long count = 0;
  bool dead = false;  // percpu_ref_kill ran: tryget_live fails
};

struct kioctx_cpu {
  unsigned reqs_available = 0;
};

// io_destroy's and exit_aio's wait for in-flight requests (struct
// ctx_rq_wait: a completion and a count of contexts still to finish).
struct ctx_rq_wait {
  wait_queue_head wq{"io_destroy"};
  int count = 0;
  bool done = false;
};

struct kioctx {
  arena_slot slot;

  aio_ref users;
  bool dead = false;
  aio_ref reqs;

  unsigned long user_id = 0;  // the ring's user address: the handle

  std::vector<kioctx_cpu> cpu;  // [nr_cpus]
  unsigned req_batch = 0;
  unsigned max_reqs = 0;   // what io_setup was given (aio-nr accounting)
  unsigned nr_events = 0;  // ring size in io_events (ring.nr)

  unsigned long mmap_base = 0;
  unsigned long mmap_size = 0;
  // The ring pages (the kernel's ring_pages): the bytes the user maps. They
  // outlive the user mapping until free_ioctx.
  std::shared_ptr<vm_backing> ring_pages;
  long nr_pages = 0;

  work_struct free_work;  // free_ioctx (the kernel's free_rwork)
  ctx_rq_wait* rq_wait = nullptr;

  int reqs_available = 0;  // the global pool (atomic_t)

  // ctx_lock (no-op) protects:
  list_head active_reqs;  // cancellable requests, by aio_kiocb::ki_list

  // ring_lock (no-op) and the io_getevents waiters:
  wait_queue_head wait{"io_getevents"};

  // completion_lock (no-op) protects:
  unsigned tail = 0;
  unsigned completed_events = 0;

  unsigned id = 0;  // index in the mm's kioctx_table

  // --- model ---
  mm_struct* mm = nullptr;  // the owner (mmgrab'd), as 2.6's kioctx->mm
  const aio_design* design = nullptr;
  // The retry design's run list and kick work (2.6: ctx->run_list, ctx->wq).
  list_head run_list;
  delayed_work wq;
  u64 nr_submitted = 0;
  u64 nr_completed = 0;
};

// struct kioctx_table: the per-mm table, 4 slots first, growing x4.
struct kioctx_table {
  unsigned nr = 0;
  std::vector<kioctx*> table;
};

// struct fsync_iocb.
struct fsync_iocb {
  struct file* file = nullptr;
  work_struct work;
  bool datasync = false;
  const cred* creds = nullptr;
};

// struct poll_iocb.
struct poll_iocb {
  struct file* file = nullptr;
  wait_queue_head* head = nullptr;
  __poll_t events = 0;
  bool cancelled = false;
  bool work_scheduled = false;
  bool work_need_resched = false;
  wait_queue_entry wait;
  work_struct work;
};

struct aio_kiocb {
  arena_slot slot;

  // The kernel's union (see the header comment).
  file* ki_filp = nullptr;
  kiocb rw;
  fsync_iocb fsync;
  poll_iocb poll;

  kioctx* ki_ctx = nullptr;
  kiocb_cancel_fn ki_cancel = nullptr;
  io_event ki_res;
  list_head ki_list;  // on ctx->active_reqs while cancellable
  int ki_refcnt = 0;  // refcount_t
  eventfd_ctx* ki_eventfd = nullptr;

  // --- model ---
  u16 ki_opcode = 0;
  bool ki_completion_done = false;     // the completion side ran (double-completion check)
  bool ki_event_posted = false;        // aio_complete ran
  aio_retry_iocb* ki_retry = nullptr;  // the retry design's per-iocb state
};

// Trace kinds (registered on the run's trace by name).
struct aio_trace_kinds {
  uint32_t ctx_alloc;   // ctx, nr_events (ring), max_reqs, user_id, id
  uint32_t ctx_ref;     // ctx, ref (0 users, 1 reqs), delta, count  [text: who]
  uint32_t ctx_kill;    // ctx, aio_nr after
  uint32_t ctx_free;    // ctx
  uint32_t iocb_get;    // ctx, req, ki_refcnt (after)                [text: who]
  uint32_t iocb_put;    // ctx, req, ki_refcnt (after)                [text: who]
  uint32_t submit;      // ctx, req, opcode, fd, user iocb, nbytes
  uint32_t submit_err;  // ctx, user iocb, err
  uint32_t complete;    // ctx, req, res, res2, tail (after), user iocb
  uint32_t destroy;     // ctx, req
  uint32_t getevents;   // ctx, min_nr, nr, ret
  uint32_t cancel;      // ctx, req, ret
  uint32_t poll_wake;   // ctx, req, key mask, action (0 ignore, 1 inline, 2 work, 3 resched)
  uint32_t poll_work;   // ctx, req, mask, cancelled, requeued
  uint32_t fsync_work;  // ctx, req, res, cred uid, cred owner tgid
  uint32_t kick;        // ctx, req, queued (1) / already kicked (0)
  uint32_t retry;       // ctx, req, ret, bytes left
};

// Tunables of the AIO layer for one run.
struct aio_options {
  unsigned long aio_max_nr = 0x10000;  // /proc/sys/fs/aio-max-nr
  // The chance that the ctx_lock trylock in aio_poll_wake fails (the lock is
  // busy on another CPU), drawn from the "aio.poll_trylock" stream. The
  // answer goes through the fault site "aio_poll_wake.ctx_lock_trylock", so
  // a replay can flip it.
  uint64_t poll_trylock_fail_num = 0;
  uint64_t poll_trylock_fail_den = 1;
};

// The AIO layer's global state in one Kernel (the kernel's statics: aio_nr,
// aio_max_nr, the slab caches, aio_wq).
struct aio_state {
  explicit aio_state(sim::Prng root);
  ~aio_state();

  aio_options opts;
  unsigned long aio_nr = 0;
  Arena<kioctx> ctxs{"kioctx"};
  Arena<aio_kiocb> reqs{"aio_kiocb"};
  std::vector<std::unique_ptr<kioctx_table>> tables;  // live tables, creation order
  const aio_design* design = nullptr;
  aio_trace_kinds tk{};
  sim::Prng trylock_rng;
  // The retry design's workqueue ("aio", 2.6's aio_wq); created on demand.
  workqueue_struct* aio_wq = nullptr;
  // The retry design's per-iocb states (opaque here).
  std::shared_ptr<void> retry_arena;
  // Credentials (cred.h) until the core grows them: one per process, by
  // tgid, and per-task overrides, by pid.
  std::shared_ptr<void> creds;
};

}  // namespace kernel

#endif  // AIOSIM_KERNEL_MODEL_AIO_TYPES_H_
