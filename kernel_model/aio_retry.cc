// The "retry" design: Suparna Bhattacharya's retry-based filesystem AIO
// (2003-07, removed from mainline in 3.10), after 2.6's fs/aio.c
// (aio_run_iocb, __aio_run_iocbs, aio_queue_work, aio_run_all_iocbs,
// aio_kick_handler, try_queue_kicked_iocb, kick_iocb, aio_wake_function,
// aio_rw_vect_retry) and the fs-aio patches (lock_page_wq,
// wait_on_page_bit_wq, the O_SYNC write retries).
//
// A request is a series of non-blocking passes. Where a buffered read
// would sleep on a page, the page cache queues the iocb's own wait entry
// (a wait_page_queue whose func is aio_wake_function) and returns
// -EIOCBRETRY (kio's IOCB_WAITQ path). The wake-up calls kick_iocb, which
// puts the iocb on ctx->run_list and queues aio_kick_handler on the "aio"
// workqueue after 1 jiffy if someone waits in io_getevents, else HZ/10.
// The handler borrows the submitter's mm (use_mm) and re-runs the retry
// method for the remaining bytes, from where the last pass stopped. An
// O_SYNC / RWF_DSYNC buffered write is written in the submitter, its
// writeback started, and its wait for writeback is retried the same way;
// the final generic_write_sync then only flushes the device cache.
//
// Model notes: the 2.6 iocb fields (ki_retry, ki_run_list, ki_wait,
// ki_left, ki_nbytes, the KICKED bit) live in aio_retry_iocb, allocated
// per request from the design's own arena; the wait entry reaches it
// through private_ instead of container_of. Files other than regular files
// (pipes, sockets, eventfd) block in the submitter as in mainline, since
// only the page cache has async wait points. Requests are not cancellable,
// as in 2.6 for buffered file I/O.
#include <memory>

#include "kernel_model/aio_design.h"
#include "kernel_model/aio_internal.h"
#include "kernel_model/filemap.h"
#include "kernel_model/filemap_rw.h"
#include "kernel_model/kernel.h"
#include "kernel_model/sched.h"
#include "kernel_model/vfs_inode.h"
#include "kernel_model/workqueue.h"
#include "kernel_model/writeback.h"
#include "sim/check.h"

namespace kernel {

struct aio_retry_iocb {
  arena_slot slot;
  aio_kiocb* req = nullptr;
  int rw = READ;
  wait_page_queue ki_wait;  // func aio_wake_function, private_ this
  list_head ki_run_list;    // on ctx->run_list while kicked and waiting to run
  bool running = false;     // 2.6: ki_run_list.next == NULL during a pass
  bool kicked = false;      // 2.6: KIF_KICKED
  iov_iter iter;
  std::vector<iovec> iovecs;
  size_t nbytes = 0;  // ki_nbytes
  size_t left = 0;    // ki_left
  bool regular = false;
  // O_SYNC writes: the written range waits for writeback, then syncs.
  bool sync = false;
  bool sync_phase = false;
  int sync_flags = 0;  // the IOCB_DSYNC / IOCB_SYNC bits held back during the write
  loff_t sync_start = 0;
  ssize_t sync_count = 0;
};

namespace {

Arena<aio_retry_iocb>* retry_arena() {
  aio_state* s = aio_get_state();
  if (!s->retry_arena) s->retry_arena = std::make_shared<Arena<aio_retry_iocb>>("aio_retry_iocb");
  return static_cast<Arena<aio_retry_iocb>*>(s->retry_arena.get());
}

void aio_kick_handler(work_struct* work);
void kick_iocb(aio_kiocb* req);

// 1 jiffy if someone waits in io_getevents, else HZ/10.
void aio_queue_work(kioctx* ctx) {
  unsigned long timeout = waitqueue_active(&ctx->wait) ? 1 : HZ() / 10;
  queue_delayed_work(aio_get_state()->aio_wq, &ctx->wq, timeout);
}

int aio_wake_function(wait_queue_entry* wait, unsigned mode, int sync, void* key) {
  wait_page_queue* wpq = container_of(wait, wait_page_queue, wait);
  if (!wake_page_match(wpq, key)) return 0;
  list_del_init(&wait->entry);
  auto* st = static_cast<aio_retry_iocb*>(wait->private_);
  kick_iocb(st->req);
  return 1;
}

// try_queue_kicked_iocb: queue it unless already kicked; while a pass runs
// the kick is remembered and aio_run_iocb queues it afterwards.
void kick_iocb(aio_kiocb* req) {
  aio_retry_iocb* st = req->ki_retry;
  retry_arena()->Check(st, "kick_iocb");
  kioctx* ctx = req->ki_ctx;
  // The only path putting the iocb back is this one: if it is on a wait
  // queue again, a retry ran before we could queue it.
  SIM_CHECK(list_empty(&st->ki_wait.wait.entry))
      << "kick_iocb: aio_kiocb " << req->slot.id << " is back on a wait queue";
  bool run = false;
  if (!st->kicked) {
    st->kicked = true;
    if (!st->running && list_empty(&st->ki_run_list)) {
      list_add_tail(&st->ki_run_list, &ctx->run_list);
      run = true;
    }
  }
  Kernel::Current()->trace().Emit(
      aio_get_state()->tk.kick,
      {static_cast<int64_t>(ctx->slot.id), static_cast<int64_t>(req->slot.id), run ? 1 : 0});
  if (run) aio_queue_work(ctx);
}

// aio_rw_vect_retry, plus the O_SYNC writeback wait.
ssize_t aio_retry_rw(aio_kiocb* req) {
  aio_retry_iocb* st = req->ki_retry;
  kiocb* k = &req->rw;
  file* f = k->ki_filp;
  ssize_t ret = 0;
  if (!st->sync_phase) {
    do {
      int flags = k->ki_flags;
      ret = st->rw == READ ? f->f_op->read_iter(k, &st->iter) : f->f_op->write_iter(k, &st->iter);
      k->ki_flags = flags;  // filemap_read turns a WAITQ read NOWAIT once it copied
      if (ret > 0) st->left -= static_cast<size_t>(ret);
      // Retry partial writes, and partial reads of regular files.
    } while (ret > 0 && st->left > 0 && (st->rw == WRITE || st->regular));
    if (ret == -EIOCBRETRY || ret == -EIOCBQUEUED) return ret;
    // Everything that could be transferred was.
    if (ret == 0 || st->left == 0) ret = static_cast<ssize_t>(st->nbytes - st->left);
    // A write that got some bytes out reports them, not the later error.
    if (st->rw == WRITE && ret < 0 && st->nbytes != st->left) {
      ret = static_cast<ssize_t>(st->nbytes - st->left);
    }
    if (!st->sync || ret <= 0) return ret;
    // O_SYNC: start writeback of what was written, then wait for it below.
    st->sync_phase = true;
    st->sync_count = ret;
    st->sync_start = k->ki_pos - ret;
    int err = filemap_fdatawrite_range(f->f_mapping, st->sync_start, k->ki_pos - 1);
    if (err) return err;
  }
  int err = filemap_fdatawait_range_async(f->f_mapping, st->sync_start,
                                          st->sync_start + st->sync_count - 1, &st->ki_wait);
  if (err) return err;  // -EIOCBRETRY, or a writeback error
  // The pages are on the device; what is left of the sync is the cache flush.
  k->ki_flags |= st->sync_flags;
  return generic_write_sync(k, st->sync_count);
}

// One pass of one request.
ssize_t aio_run_iocb(aio_kiocb* req) {
  aio_retry_iocb* st = req->ki_retry;
  kioctx* ctx = req->ki_ctx;
  st->kicked = false;
  st->running = true;
  ssize_t ret = aio_retry_rw(req);
  Kernel::Current()->trace().Emit(aio_get_state()->tk.retry, {static_cast<int64_t>(ctx->slot.id),
                                                              static_cast<int64_t>(req->slot.id),
                                                              ret, static_cast<int64_t>(st->left)});
  st->running = false;
  if (ret != -EIOCBRETRY && ret != -EIOCBQUEUED) {
    SIM_CHECK(list_empty(&st->ki_wait.wait.entry))
        << "aio_run_iocb: aio_kiocb " << req->slot.id << " completes while on a wait queue";
    aio_rw_done(&req->rw, ret);
    return ret;
  }
  if (ret == -EIOCBRETRY && st->kicked) {
    // Kicked during the pass: queue the next one ourselves.
    list_add_tail(&st->ki_run_list, &ctx->run_list);
    aio_queue_work(ctx);
  }
  return ret;
}

// Runs every iocb on the run list once, each under an extra reference.
// True if more were kicked meanwhile.
bool __aio_run_iocbs(kioctx* ctx) {
  list_head run_list;
  list_splice_init(&ctx->run_list, &run_list);
  while (!list_empty(&run_list)) {
    aio_retry_iocb* st = list_first_entry(&run_list, aio_retry_iocb, ki_run_list);
    list_del_init(&st->ki_run_list);
    aio_kiocb* req = st->req;
    iocb_get(req, "__aio_run_iocbs");
    aio_run_iocb(req);
    iocb_put(req, "__aio_run_iocbs");
  }
  return !list_empty(&ctx->run_list);
}

// On the "aio" workqueue, in the submitter's address space.
void aio_kick_handler(work_struct* work) {
  kioctx* ctx = container_of(work, kioctx, wq.work);
  aio_get_state()->ctxs.Check(ctx, "aio_kick_handler");
  kthread_use_mm(ctx->mm);
  bool requeue = __aio_run_iocbs(ctx);
  kthread_unuse_mm(ctx->mm);
  // Already in a worker: no delay.
  if (requeue) queue_delayed_work(aio_get_state()->aio_wq, &ctx->wq, 0);
}

void retry_ctx_init(kioctx* ctx) {
  aio_state* s = aio_get_state();
  if (!s->aio_wq)
    s->aio_wq = alloc_workqueue("aio", 0, static_cast<int>(Kernel::Current()->opts.nr_cpus));
  INIT_DELAYED_WORK(&ctx->wq, aio_kick_handler);
  INIT_LIST_HEAD(&ctx->run_list);
}

void retry_ctx_exit(kioctx* ctx) {
  // 2.6's __put_ioctx: no kick may run on a freed context.
  SIM_CHECK(list_empty(&ctx->run_list))
      << "free_ioctx: retries still queued on ctx " << ctx->slot.id;
  cancel_delayed_work_sync(&ctx->wq);
}

void retry_submit_rw(aio_kiocb* req, int rw, iov_iter* iter, std::vector<iovec>* iovec) {
  aio_retry_iocb* st = retry_arena()->Alloc();
  req->ki_retry = st;
  st->req = req;
  st->rw = rw;
  st->iter = *iter;
  if (iter->type == ITER_IOVEC && !iovec->empty()) {
    size_t seg = static_cast<size_t>(iter->iov - iovec->data());
    st->iovecs = std::move(*iovec);
    st->iter.iov = st->iovecs.data() + seg;
  }
  st->nbytes = st->left = iov_iter_count(iter);
  kiocb* k = &req->rw;
  inode* ino = file_inode(k->ki_filp);
  st->regular = ino && S_ISREG(ino->i_mode);
  init_waitqueue_func_entry(&st->ki_wait.wait, aio_wake_function);
  st->ki_wait.wait.private_ = st;
  if (st->regular && !(k->ki_flags & IOCB_DIRECT)) {
    if (rw == READ) {
      k->ki_flags |= IOCB_WAITQ;
      k->ki_waitq = &st->ki_wait;
    } else if (k->ki_flags & (IOCB_DSYNC | IOCB_SYNC)) {
      st->sync = true;
      st->sync_flags = k->ki_flags & (IOCB_DSYNC | IOCB_SYNC);
      k->ki_flags &= ~(IOCB_DSYNC | IOCB_SYNC);
    }
  }
  // The first pass runs in the submitter; then drain what got kicked.
  aio_run_iocb(req);
  kioctx* ctx = req->ki_ctx;
  while (!list_empty(&ctx->run_list) && __aio_run_iocbs(ctx)) {
  }
}

bool retry_getevents_idle(kioctx* ctx) {
  if (list_empty(&ctx->run_list)) return false;
  // aio_run_all_iocbs: keep running until the list stays empty.
  while (__aio_run_iocbs(ctx)) {
  }
  return true;
}

void retry_iocb_destroy(aio_kiocb* req) {
  aio_retry_iocb* st = req->ki_retry;
  if (!st) return;
  Arena<aio_retry_iocb>* arena = retry_arena();
  arena->Check(st, "iocb_destroy");
  SIM_CHECK(list_empty(&st->ki_wait.wait.entry))
      << "iocb_destroy: aio_kiocb " << req->slot.id << " freed while its retry entry is queued";
  SIM_CHECK(list_empty(&st->ki_run_list))
      << "iocb_destroy: aio_kiocb " << req->slot.id << " freed while on the run list";
  req->ki_retry = nullptr;
  arena->Free(st, "iocb_destroy");
}

void retry_iocb_detach(aio_kiocb* req) {
  if (!req->ki_retry) return;
  list_del_init(&req->ki_retry->ki_wait.wait.entry);
  list_del_init(&req->ki_retry->ki_run_list);
}

}  // namespace

const aio_design aio_retry_design = {
    .name = "retry",
    .summary =
        "retry-based filesystem AIO (2.6 patches): a read that meets a page under I/O "
        "returns -EIOCBRETRY and is retried from the aio workqueue when the page unlocks",
    .ctx_init = retry_ctx_init,
    .ctx_exit = retry_ctx_exit,
    .submit_rw = retry_submit_rw,
    .getevents_idle = retry_getevents_idle,
    .iocb_destroy = retry_iocb_destroy,
    .iocb_detach = retry_iocb_detach,
};

}  // namespace kernel
