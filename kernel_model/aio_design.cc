// The list of AIO designs (the one place where designs are named) and the
// mainline design's hooks.
#include "kernel_model/aio_design.h"

#include "kernel_model/aio_internal.h"
#include "kernel_model/fs.h"

namespace kernel {
namespace {

// mainline: read_iter/write_iter run now, in the submitter; -EIOCBQUEUED
// (O_DIRECT) completes later through ki_complete, anything else at once.
void mainline_submit_rw(aio_kiocb* req, int rw, iov_iter* iter, std::vector<iovec>* iovec) {
  file* f = req->rw.ki_filp;
  ssize_t ret =
      rw == READ ? f->f_op->read_iter(&req->rw, iter) : f->f_op->write_iter(&req->rw, iter);
  aio_rw_done(&req->rw, ret);
}

}  // namespace

const aio_design aio_mainline_design = {
    .name = "mainline",
    .summary =
        "Linux today: buffered I/O runs inside io_submit, O_DIRECT completes from "
        "bi_end_io, fsync on system_wq, POLL through a wait-queue callback",
    .ctx_init = nullptr,
    .ctx_exit = nullptr,
    .submit_rw = mainline_submit_rw,
    .getevents_idle = nullptr,
    .iocb_destroy = nullptr,
    .iocb_detach = nullptr,
};

const std::vector<const aio_design*>& aio_designs() {
  static const std::vector<const aio_design*> designs = {
      &aio_mainline_design,
      &aio_retry_design,
  };
  return designs;
}

const aio_design* aio_find_design(std::string_view name) {
  for (const aio_design* d : aio_designs()) {
    if (name == d->name) return d;
  }
  return nullptr;
}

}  // namespace kernel
