// fsync and fdatasync, after fs/aio.c (aio_fsync, aio_fsync_work): checked
// at submit, run on system_wq with the submitter's credentials (captured by
// prepare_creds at submit; the 5.8 fix "aio: fix async fsync creds").
#include "kernel_model/aio_internal.h"
#include "kernel_model/cred.h"
#include "kernel_model/fs.h"
#include "kernel_model/kernel.h"
#include "kernel_model/sched.h"
#include "kernel_model/workqueue.h"

namespace kernel {
namespace {

void aio_fsync_work(work_struct* work) {
  aio_kiocb* iocb = container_of(work, aio_kiocb, fsync.work);
  aio_state* s = aio_get_state();
  s->reqs.Check(iocb, "aio_fsync_work");
  const cred* old_cred = override_creds(iocb->fsync.creds);
  const cred* now = current_cred();
  long res = vfs_fsync(iocb->fsync.file, iocb->fsync.datasync ? 1 : 0);
  Kernel::Current()->trace().Emit(
      s->tk.fsync_work, {static_cast<int64_t>(iocb->ki_ctx->slot.id),
                         static_cast<int64_t>(iocb->slot.id), res, now->uid, now->owner_tgid});
  revert_creds(old_cred);
  put_cred(iocb->fsync.creds);
  iocb->fsync.creds = nullptr;
  aio_mark_completion(iocb, "aio_fsync_work");
  iocb->ki_res.res = res;
  iocb_put(iocb, "aio_fsync_work");
}

}  // namespace

int aio_fsync(fsync_iocb* req, const iocb* iocb, bool datasync) {
  if (iocb->aio_buf || iocb->aio_offset || iocb->aio_nbytes || iocb->aio_rw_flags) return -EINVAL;
  if (!req->file->f_op->fsync) return -EINVAL;
  req->creds = prepare_creds();
  req->datasync = datasync;
  INIT_WORK(&req->work, aio_fsync_work);
  schedule_work(&req->work);
  return 0;
}

}  // namespace kernel
