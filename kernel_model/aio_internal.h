// fs/aio.c's internal functions, shared by the aio*.cc files and the
// designs, and reachable from tests (which drive broken sequences through
// them to check that misuse is reported). Names and boundaries are the
// kernel's; `who` arguments name the kernel function taking or dropping a
// reference, for the trace (a sim::TraceText: literals are hashed at compile
// time, these records being on every request's path).
#ifndef AIOSIM_KERNEL_MODEL_AIO_INTERNAL_H_
#define AIOSIM_KERNEL_MODEL_AIO_INTERNAL_H_

#include <cstddef>
#include <string_view>

#include "kernel_model/aio.h"
#include "kernel_model/aio_types.h"
#include "kernel_model/kernel.h"
#include "kernel_model/list.h"
#include "kernel_model/sched.h"
#include "sim/trace.h"

namespace kernel {

// --- state (aio_state.cc) ---
// The state if it exists (no creation), else nullptr.
aio_state* aio_state_or_null();
// "This CPU" for the per-CPU slot caches (see aio_types.h). Inline: every
// request asks twice (get_reqs_available, put_reqs_available), and the
// call cost more than the answer.
inline unsigned aio_this_cpu() {
  task_struct* t = current();
  if (!t) return 0;  // interrupt context: the device's IRQ is on CPU 0
  return static_cast<unsigned>(t->pid) % Kernel::Current()->opts.nr_cpus;
}
static_assert(std::is_standard_layout_v<aio_kiocb>, "container_of(aio_kiocb)");
static_assert(std::is_standard_layout_v<kioctx>, "container_of(kioctx)");
inline aio_kiocb* aio_kiocb_from_rw(kiocb* k) { return container_of(k, aio_kiocb, rw); }

// --- kioctx references (aio_ctx.cc) ---
// percpu_ref_tryget_live(&ctx->users): fails once killed.
bool ctx_users_tryget_live(kioctx* ctx, const sim::TraceText& who);
void ctx_users_get(kioctx* ctx, const sim::TraceText& who);
// The last put runs free_ioctx_users.
void ctx_users_put(kioctx* ctx, const sim::TraceText& who);
void ctx_reqs_get(kioctx* ctx, const sim::TraceText& who);
// The last put runs free_ioctx_reqs.
void ctx_reqs_put(kioctx* ctx, const sim::TraceText& who);
// percpu_ref_kill: marks dead and drops the base reference.
void ctx_users_kill(kioctx* ctx, const sim::TraceText& who);
void ctx_reqs_kill(kioctx* ctx, const sim::TraceText& who);

// A live context of current's mm with a users reference, or nullptr.
kioctx* lookup_ioctx(aio_context_t ctx_id);
// 0, or -EINVAL if it was already dead.
int kill_ioctx(mm_struct* mm, kioctx* ctx, ctx_rq_wait* wait);

// --- slots and events (aio_ring.cc) ---
void put_reqs_available(kioctx* ctx, unsigned nr);
bool get_reqs_available(kioctx* ctx);
// Writes req->ki_res at the tail, advances the tail, refills slots, signals
// the eventfd and wakes the io_getevents waiters whose min_nr is met.
void aio_complete(aio_kiocb* req);
// Copies up to nr events to user memory at `event` (task context); the
// count, or -EFAULT (head not advanced).
long aio_read_events_ring(kioctx* ctx, user_ptr event, long nr);
// The ring pages as the kernel sees them (not through the user mapping):
// a 32-bit header field at byte `offset` (offsetof(aio_ring, head) ...).
u32 aio_ring_read_u32(const kioctx* ctx, size_t offset);
void aio_ring_write_u32(kioctx* ctx, size_t offset, u32 value);
// One io_event slot (index < ctx->nr_events).
io_event aio_ring_read_event(const kioctx* ctx, unsigned index);

// An io_getevents sleeper (struct aio_waiter): aio_complete wakes it only
// when the events available reach its remaining min_nr.
struct aio_waiter {
  wait_queue_entry w;
  size_t min_nr = 0;
};

// --- requests (aio_submit.cc) ---
// A request with ki_refcnt 2 and a ring slot, or nullptr (no slot).
aio_kiocb* aio_get_req(kioctx* ctx);
void iocb_get(aio_kiocb* req, const sim::TraceText& who);
// Drops a reference; the last one posts the event and destroys the request.
void iocb_put(aio_kiocb* req, const sim::TraceText& who);
void iocb_destroy(aio_kiocb* req);
// Marks the completion side as run; a second call is a double completion.
void aio_mark_completion(aio_kiocb* req, std::string_view who);
void kiocb_set_cancel_fn(kiocb* iocb, kiocb_cancel_fn cancel);

// --- read and write (aio_rw.cc) ---
void aio_complete_rw(kiocb* kiocb, long res);
// The end of a synchronous read_iter/write_iter: -EIOCBQUEUED means later;
// restart codes become -EINTR; anything else completes now.
void aio_rw_done(kiocb* req, ssize_t ret);
int aio_read(kiocb* req, const iocb* iocb, bool vectored);
int aio_write(kiocb* req, const iocb* iocb, bool vectored);

// --- fsync and poll (aio_fsync.cc, aio_poll.cc) ---
int aio_fsync(fsync_iocb* req, const iocb* iocb, bool datasync);
int aio_poll(aio_kiocb* aiocb, const iocb* iocb);

}  // namespace kernel

#endif  // AIOSIM_KERNEL_MODEL_AIO_INTERNAL_H_
