// Submission and the life of a request, after fs/aio.c: aio_get_req,
// iocb_destroy, iocb_put, kiocb_set_cancel_fn, __io_submit_one,
// io_submit_one, io_submit, io_cancel.
#include "kernel_model/aio.h"
#include "kernel_model/aio_design.h"
#include "kernel_model/aio_internal.h"
#include "kernel_model/blkdev.h"
#include "kernel_model/eventfd.h"
#include "kernel_model/fs.h"
#include "kernel_model/kernel.h"
#include "kernel_model/mm.h"
#include "kernel_model/sched.h"
#include "sim/check.h"

namespace kernel {
namespace {

constexpr u32 KIOCB_KEY = 0;
constexpr long AIO_PLUG_THRESHOLD = 2;

void trace_ref(uint32_t kind, aio_kiocb* req, const sim::TraceText& who) {
  Kernel::Current()->trace().Emit(kind,
                                  {static_cast<int64_t>(req->ki_ctx ? req->ki_ctx->slot.id : 0),
                                   static_cast<int64_t>(req->slot.id), req->ki_refcnt},
                                  who);
}

int __io_submit_one(kioctx* ctx, const iocb* iocb, user_ptr user_iocb, aio_kiocb* req) {
  req->ki_filp = fget(iocb->aio_fildes);
  if (!req->ki_filp) return -EBADF;
  req->rw.ki_filp = req->ki_filp;
  req->fsync.file = req->ki_filp;
  req->poll.file = req->ki_filp;

  if (iocb->aio_flags & IOCB_FLAG_RESFD) {
    // The descriptor must be an eventfd; it is signalled once per completion.
    eventfd_ctx* eventfd = eventfd_ctx_fdget(static_cast<int>(iocb->aio_resfd));
    if (IS_ERR(eventfd)) return static_cast<int>(PTR_ERR(eventfd));
    req->ki_eventfd = eventfd;
  }

  if (put_user(KIOCB_KEY, user_iocb + IOCB_KEY_OFFSET)) return -EFAULT;

  req->ki_res.obj = user_iocb;
  req->ki_res.data = iocb->aio_data;
  req->ki_res.res = 0;
  req->ki_res.res2 = 0;
  req->ki_opcode = iocb->aio_lio_opcode;

  aio_state* s = aio_get_state();
  Kernel::Current()->trace().Emit(
      s->tk.submit,
      {static_cast<int64_t>(ctx->slot.id), static_cast<int64_t>(req->slot.id), iocb->aio_lio_opcode,
       iocb->aio_fildes, static_cast<int64_t>(user_iocb), static_cast<int64_t>(iocb->aio_nbytes)});
  ctx->nr_submitted++;

  switch (iocb->aio_lio_opcode) {
    case IOCB_CMD_PREAD:
      return aio_read(&req->rw, iocb, false);
    case IOCB_CMD_PWRITE:
      return aio_write(&req->rw, iocb, false);
    case IOCB_CMD_PREADV:
      return aio_read(&req->rw, iocb, true);
    case IOCB_CMD_PWRITEV:
      return aio_write(&req->rw, iocb, true);
    case IOCB_CMD_FSYNC:
      return aio_fsync(&req->fsync, iocb, false);
    case IOCB_CMD_FDSYNC:
      return aio_fsync(&req->fsync, iocb, true);
    case IOCB_CMD_POLL:
      return aio_poll(req, iocb);
    default:
      return -EINVAL;
  }
}

int io_submit_one(kioctx* ctx, user_ptr user_iocb) {
  u8 bytes[IOCB_SIZE];
  if (copy_from_user(bytes, user_iocb, IOCB_SIZE)) return -EFAULT;
  iocb cb = iocb_from_bytes(bytes);

  // Forwards compatibility: the field meant for a sigevent must be zero.
  if (cb.aio_reserved2) return -EINVAL;
  // Overflows (aio_buf and aio_nbytes fit unsigned long and size_t on
  // x86-64; only a negative ssize_t length is left).
  if (static_cast<s64>(cb.aio_nbytes) < 0) return -EINVAL;

  aio_kiocb* req = aio_get_req(ctx);
  if (!req) return -EAGAIN;

  int err = __io_submit_one(ctx, &cb, user_iocb, req);

  // Done with the synchronous reference.
  iocb_put(req, "io_submit_one");

  // 0: the completion was posted or arranged. Anything else: the request
  // never started; destroy it here and give its slot back.
  if (err) {
    iocb_destroy(req);
    put_reqs_available(ctx, 1);
  }
  return err;
}

}  // namespace

aio_kiocb* aio_get_req(kioctx* ctx) {
  // The kernel allocates first and frees on a missing slot; allocation
  // cannot fail here, so checking the slot first is equivalent and keeps
  // request ids contiguous in traces.
  if (!get_reqs_available(ctx)) return nullptr;
  aio_state* s = aio_get_state();
  aio_kiocb* req = s->reqs.Alloc();
  ctx_reqs_get(ctx, "aio_get_req");
  req->ki_ctx = ctx;
  INIT_LIST_HEAD(&req->ki_list);
  // Two references: one for the submit path, one for completion.
  req->ki_refcnt = 2;
  trace_ref(s->tk.iocb_get, req, "aio_get_req");
  req->ki_eventfd = nullptr;
  return req;
}

void iocb_get(aio_kiocb* req, const sim::TraceText& who) {
  aio_state* s = aio_get_state();
  s->reqs.Check(req, who.text());
  SIM_CHECK(req->ki_refcnt > 0) << who.text() << ": iocb_get on aio_kiocb " << req->slot.id
                                << " with ki_refcnt 0";
  ++req->ki_refcnt;
  trace_ref(s->tk.iocb_get, req, who);
}

namespace {
// iocb_put's report, out of line (same condition, same message): the
// message builder inline made each call keep a full frame.
[[gnu::cold, gnu::noinline]] void iocb_put_below_zero(const aio_kiocb* req, const sim::TraceText& who) {
  SIM_CHECK(req->ki_refcnt > 0) << who.text() << ": iocb_put below zero on aio_kiocb "
                                << req->slot.id;
}
}  // namespace

void iocb_put(aio_kiocb* req, const sim::TraceText& who) {
  aio_state* s = aio_get_state();
  s->reqs.Check(req, who.text());
  if (!(req->ki_refcnt > 0)) [[unlikely]] iocb_put_below_zero(req, who);
  --req->ki_refcnt;
  trace_ref(s->tk.iocb_put, req, who);
  if (req->ki_refcnt == 0) {
    aio_complete(req);
    iocb_destroy(req);
  }
}

void iocb_destroy(aio_kiocb* req) {
  aio_state* s = aio_get_state();
  s->reqs.Check(req, "iocb_destroy");
  // What would be a use after free in the kernel: the request still
  // reachable from a wait queue, a workqueue or the active list.
  SIM_CHECK(list_empty(&req->poll.wait.entry))
      << "iocb_destroy: aio_kiocb " << req->slot.id << " freed while on a wait queue";
  SIM_CHECK(list_empty(&req->ki_list))
      << "iocb_destroy: aio_kiocb " << req->slot.id << " freed while on active_reqs";
  SIM_CHECK(!work_pending(&req->poll.work) && !work_pending(&req->fsync.work))
      << "iocb_destroy: aio_kiocb " << req->slot.id << " freed with its work queued";
  kioctx* ctx = req->ki_ctx;
  Kernel::Current()->trace().Emit(
      s->tk.destroy, {static_cast<int64_t>(ctx->slot.id), static_cast<int64_t>(req->slot.id)});
  if (req->ki_eventfd) eventfd_ctx_put(req->ki_eventfd);
  if (req->ki_filp) fput(req->ki_filp);
  if (ctx->design && ctx->design->iocb_destroy) ctx->design->iocb_destroy(req);
  ctx_reqs_put(ctx, "iocb_destroy");
  s->reqs.Free(req, "iocb_destroy");
}

void aio_mark_completion(aio_kiocb* req, std::string_view who) {
  aio_get_state()->reqs.Check(req, who);
  SIM_CHECK(!req->ki_completion_done) << who << ": double completion of aio_kiocb " << req->slot.id;
  req->ki_completion_done = true;
}

void kiocb_set_cancel_fn(kiocb* iocb, kiocb_cancel_fn cancel) {
  // Not from AIO, or neither a read nor a write: ignore.
  if (!(iocb->ki_flags & IOCB_AIO_RW)) return;
  aio_kiocb* req = aio_kiocb_from_rw(iocb);
  if (!list_empty(&req->ki_list)) {
    Kernel::Current()->sched.ReportViolation("kiocb_set_cancel_fn: request already cancellable",
                                             false);
    return;
  }
  list_add_tail(&req->ki_list, &req->ki_ctx->active_reqs);
  req->ki_cancel = cancel;
}

// io_submit(2): submits up to nr iocbs (nr is clamped to the ring size),
// stopping at the first that fails. Returns how many were submitted if any,
// else the first one's error. Errors, in the kernel's order:
//   -EINVAL  nr < 0
//   -EINVAL  no live context with this handle in the caller's mm
//   then per iocb:
//   -EFAULT  the pointer iocbpp[i] or the iocb itself is unreadable
//   -EINVAL  aio_reserved2 != 0; aio_nbytes negative as ssize_t
//   -EAGAIN  no ring slot free (after refilling from consumed events)
//   -EBADF   aio_fildes is not open
//   -EBADF   IOCB_FLAG_RESFD with a bad aio_resfd; -EINVAL if not an eventfd
//   -EFAULT  aio_key cannot be written back (it is set to 0)
//   -EINVAL  opcode not one of PREAD PWRITE FSYNC FDSYNC POLL PREADV PWRITEV
//   read/write (aio_prep_rw, then the file, then the buffers):
//   -EINVAL  IOCB_FLAG_IOPRIO with a bad class or level; -EPERM RT class
//            without CAP_SYS_ADMIN / CAP_SYS_NICE
//   -EOPNOTSUPP unknown RWF bit, NOWAIT where unsupported, ATOMIC on a read;
//   -EINVAL  RWF_APPEND with RWF_NOAPPEND
//   -EBADF   file not open for that direction; -EINVAL no read_iter/write_iter
//   -EFAULT  buffer outside user space / unreadable iovec array;
//   -EINVAL  more than 1024 iovecs, a negative total
//   -EINVAL  negative offset (rw_verify_area)
//   fsync/fdsync: -EINVAL non-zero buf/offset/nbytes/rw_flags, no fsync method
//   poll: -EINVAL mask above 16 bits, non-zero offset/nbytes/rw_flags, a
//         file registering two wait queues, nothing ready on a file without
//         a poll method
// A bad data buffer is not a submit error: the event carries -EFAULT.
long sys_io_submit(aio_context_t ctx_id, long nr, user_ptr iocbpp) {
  if (nr < 0) return -EINVAL;
  kioctx* ctx = lookup_ioctx(ctx_id);
  if (!ctx) return -EINVAL;
  if (nr > static_cast<long>(ctx->nr_events)) nr = ctx->nr_events;

  blk_plug plug;
  if (nr > AIO_PLUG_THRESHOLD) blk_start_plug(&plug);
  long ret = 0;
  long i = 0;
  aio_state* s = aio_get_state();
  for (i = 0; i < nr; i++) {
    user_ptr user_iocb = 0;
    if (get_user(user_iocb, iocbpp + static_cast<user_ptr>(i) * sizeof(user_ptr))) {
      ret = -EFAULT;
      Kernel::Current()->trace().Emit(s->tk.submit_err,
                                      {static_cast<int64_t>(ctx->slot.id), 0, ret});
      break;
    }
    ret = io_submit_one(ctx, user_iocb);
    if (ret) {
      Kernel::Current()->trace().Emit(s->tk.submit_err, {static_cast<int64_t>(ctx->slot.id),
                                                         static_cast<int64_t>(user_iocb), ret});
      break;
    }
  }
  if (nr > AIO_PLUG_THRESHOLD) blk_finish_plug(&plug);

  ctx_users_put(ctx, "io_submit");
  return i ? i : ret;
}

// io_cancel(2): cancels a request that can be cancelled (today: POLL). The
// event arrives through the ring; `result` is never written. Errors, in the
// kernel's order:
//   -EFAULT      iocb->aio_key unreadable (checked before the context)
//   -EINVAL      aio_key != 0
//   -EINVAL      no live context with this handle in the caller's mm
//   -EINPROGRESS found on the active list and cancelled (the success case)
//   -EINVAL      not found: not cancellable (read, write, fsync), already
//                completed, cancelled before, or a copy at another address
long sys_io_cancel(aio_context_t ctx_id, user_ptr iocb_addr, user_ptr result) {
  u32 key = 0;
  u64 obj = iocb_addr;
  if (get_user(key, iocb_addr + IOCB_KEY_OFFSET)) return -EFAULT;
  if (key != KIOCB_KEY) return -EINVAL;
  kioctx* ctx = lookup_ioctx(ctx_id);
  if (!ctx) return -EINVAL;

  int ret = -EINVAL;
  int64_t req_id = 0;
  for (list_head* p = ctx->active_reqs.next; p != &ctx->active_reqs; p = p->next) {
    aio_kiocb* kiocb = list_entry(p, aio_kiocb, ki_list);
    if (kiocb->ki_res.obj == obj) {
      req_id = static_cast<int64_t>(kiocb->slot.id);
      ret = kiocb->ki_cancel(&kiocb->rw);
      list_del_init(&kiocb->ki_list);
      break;
    }
  }
  // The io_event always comes through the ring: -EINPROGRESS says so.
  if (!ret) ret = -EINPROGRESS;
  Kernel::Current()->trace().Emit(aio_get_state()->tk.cancel,
                                  {static_cast<int64_t>(ctx->slot.id), req_id, ret});
  ctx_users_put(ctx, "io_cancel");
  return ret;
}

}  // namespace kernel
