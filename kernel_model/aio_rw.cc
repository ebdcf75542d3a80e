// Reads and writes, after fs/aio.c (aio_complete_rw, aio_prep_rw,
// aio_setup_rw, aio_rw_done, aio_read, aio_write) and block/ioprio.c
// (ioprio_check_cap). What happens once a request is prepared is the
// design's (aio_design.h): mainline calls read_iter/write_iter right here.
#include "kernel_model/aio.h"
#include "kernel_model/aio_design.h"
#include "kernel_model/aio_internal.h"
#include "kernel_model/cred.h"
#include "kernel_model/fs.h"
#include "kernel_model/kernel.h"
#include "sim/check.h"

namespace kernel {
namespace {

// block/ioprio.c (6.x): the class is 3 bits, the level the low 3 bits of
// the data.
int ioprio_check_cap(int ioprio) {
  int cls = IOPRIO_PRIO_CLASS(ioprio);
  int level = IOPRIO_PRIO_DATA(ioprio) & 0x7;
  switch (cls) {
    case IOPRIO_CLASS_RT:
      if (!capable(CAP_SYS_ADMIN) && !capable(CAP_SYS_NICE)) return -EPERM;
      [[fallthrough]];
    case IOPRIO_CLASS_BE:
      if (level >= IOPRIO_NR_LEVELS) return -EINVAL;
      break;
    case IOPRIO_CLASS_IDLE:
      break;
    case IOPRIO_CLASS_NONE:
      if (level) return -EINVAL;
      break;
    default:  // 4..7, IOPRIO_CLASS_INVALID included
      return -EINVAL;
  }
  return 0;
}

int aio_prep_rw(kiocb* req, const iocb* iocb, int rw_type) {
  req->ki_complete = aio_complete_rw;
  req->private_ = nullptr;
  req->ki_pos = iocb->aio_offset;
  req->ki_flags = iocb_flags(req->ki_filp) | IOCB_AIO_RW;
  if (iocb->aio_flags & IOCB_FLAG_RESFD) req->ki_flags |= IOCB_EVENTFD;
  if (iocb->aio_flags & IOCB_FLAG_IOPRIO) {
    // aio_reqprio is an I/O scheduling class and level.
    int ret = ioprio_check_cap(static_cast<u16>(iocb->aio_reqprio));
    if (ret) return ret;
    req->ki_ioprio = static_cast<u16>(iocb->aio_reqprio);
  } else {
    req->ki_ioprio = 0;  // get_current_ioprio(): the default
  }
  int ret = kiocb_set_rw_flags(req, static_cast<rwf_t>(iocb->aio_rw_flags), rw_type);
  if (ret) return ret;
  req->ki_flags &= ~IOCB_HIPRI;  // no one is going to poll for this I/O
  return 0;
}

// 0 (single buffer) or the total length (iovecs), or -errno.
ssize_t aio_setup_rw(int rw, const iocb* iocb, std::vector<iovec>* iovec, bool vectored,
                     iov_iter* iter) {
  user_ptr buf = iocb->aio_buf;
  size_t len = iocb->aio_nbytes;
  if (!vectored) return import_ubuf(rw, buf, len, iter);
  // The kernel's __import_iovec takes an unsigned segment count.
  return import_iovec(rw, buf, static_cast<unsigned>(len), iovec, iter);
}

}  // namespace

void aio_complete_rw(kiocb* kiocb, long res) {
  aio_kiocb* iocb = aio_kiocb_from_rw(kiocb);
  aio_mark_completion(iocb, "aio_complete_rw");
  if (!list_empty_careful(&iocb->ki_list)) list_del_init(&iocb->ki_list);  // aio_remove_iocb
  // kiocb_end_write: freeze protection is not modelled.
  iocb->ki_res.res = res;
  iocb->ki_res.res2 = 0;
  iocb_put(iocb, "aio_complete_rw");
}

void aio_rw_done(kiocb* req, ssize_t ret) {
  switch (ret) {
    case -EIOCBQUEUED:
      break;
    case -ERESTARTSYS:
    case -ERESTARTNOINTR:
    case -ERESTARTNOHAND:
    case -ERESTART_RESTARTBLOCK:
      // Other requests may already be running: the syscall cannot be
      // restarted, so this one fails with -EINTR.
      req->ki_complete(req, -EINTR);
      break;
    default:
      SIM_CHECK(ret != -EIOCBRETRY) << "aio_rw_done: -EIOCBRETRY outside the retry design";
      req->ki_complete(req, ret);
  }
}

int aio_read(kiocb* req, const iocb* iocb, bool vectored) {
  int ret = aio_prep_rw(req, iocb, READ);
  if (ret) return ret;
  file* f = req->ki_filp;
  if (!(f->f_mode & FMODE_READ)) return -EBADF;
  if (!f->f_op->read_iter) return -EINVAL;

  std::vector<iovec> iovec;
  iov_iter iter;
  ssize_t r = aio_setup_rw(ITER_DEST, iocb, &iovec, vectored, &iter);
  if (r < 0) return static_cast<int>(r);
  ret = rw_verify_area(READ, f, &req->ki_pos, iov_iter_count(&iter));
  if (!ret) {
    aio_kiocb* aiocb = aio_kiocb_from_rw(req);
    aiocb->ki_ctx->design->submit_rw(aiocb, READ, &iter, &iovec);
  }
  return ret;
}

int aio_write(kiocb* req, const iocb* iocb, bool vectored) {
  int ret = aio_prep_rw(req, iocb, WRITE);
  if (ret) return ret;
  file* f = req->ki_filp;
  if (!(f->f_mode & FMODE_WRITE)) return -EBADF;
  if (!f->f_op->write_iter) return -EINVAL;

  std::vector<iovec> iovec;
  iov_iter iter;
  ssize_t r = aio_setup_rw(ITER_SOURCE, iocb, &iovec, vectored, &iter);
  if (r < 0) return static_cast<int>(r);
  ret = rw_verify_area(WRITE, f, &req->ki_pos, iov_iter_count(&iter));
  if (!ret) {
    // kiocb_start_write: freeze protection is not modelled.
    req->ki_flags |= IOCB_WRITE;
    aio_kiocb* aiocb = aio_kiocb_from_rw(req);
    aiocb->ki_ctx->design->submit_rw(aiocb, WRITE, &iter, &iovec);
  }
  return ret;
}

}  // namespace kernel
