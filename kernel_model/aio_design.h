// AIO designs: how a validated request is carried out. One design is active
// per run (aio_set_design, by name); a context keeps the design it was
// created under. Every design shares fs/aio.c's front end (the syscalls,
// argument checks, ring, refcounts, cancel and destroy); a design decides
// what happens once a request is prepared:
//
//   mainline  today's Linux: read_iter/write_iter run in the submitter
//             (buffered I/O completes inside io_submit, O_DIRECT returns
//             -EIOCBQUEUED and completes from bi_end_io), fsync on
//             system_wq, POLL through a wait-queue callback.
//   retry     Bhattacharya's retry-based filesystem AIO (2003-07): a
//             buffered read or O_SYNC write that would wait for a page
//             returns -EIOCBRETRY with the iocb's own wait entry queued on
//             the page; the wake-up kicks the iocb onto ctx->run_list and
//             aio_kick_handler retries it on the "aio" workqueue in the
//             submitter's mm until done.
//
// aio_designs() lists every design in one place (aio_design.cc); later
// designs (worktodo, threadpool) add an entry there.
//
// Contract of the hooks: they run in the submitter's context during
// io_submit, after every submit-time check has passed and the iterator is
// set up. submit_rw must arrange for req->rw.ki_complete to be called
// exactly once (now or later) and return 0; it never fails the submission.
#ifndef AIOSIM_KERNEL_MODEL_AIO_DESIGN_H_
#define AIOSIM_KERNEL_MODEL_AIO_DESIGN_H_

#include <string_view>
#include <vector>

#include "kernel_model/aio_types.h"
#include "kernel_model/uio.h"

namespace kernel {

struct aio_design {
  const char* name;
  const char* summary;
  // Per-context set-up and tear-down (nullable). ctx_init runs in
  // ioctx_alloc, ctx_exit in free_ioctx.
  void (*ctx_init)(kioctx* ctx);
  void (*ctx_exit)(kioctx* ctx);
  // Carries out a prepared read (rw == READ) or write (rw == WRITE). `iter`
  // describes the user buffers; `iovec` holds the iovec array it points
  // into (empty for a single buffer) and may be taken over by the design.
  void (*submit_rw)(aio_kiocb* req, int rw, iov_iter* iter, std::vector<iovec>* iovec);
  // Called by io_getevents before it sleeps (nullable); returns true if it
  // made progress (then io_getevents looks at the ring again).
  bool (*getevents_idle)(kioctx* ctx);
  // Releases the design's per-request state (nullable); runs in
  // iocb_destroy, before the request is freed.
  void (*iocb_destroy)(aio_kiocb* req);
  // Kernel shutdown (nullable): unlink the request's per-design wait
  // entries and lists without freeing anything.
  void (*iocb_detach)(aio_kiocb* req);
};

// Every design, in listing order ("mainline" first: the default).
const std::vector<const aio_design*>& aio_designs();
// The design with this name, or nullptr.
const aio_design* aio_find_design(std::string_view name);

extern const aio_design aio_mainline_design;
extern const aio_design aio_retry_design;

}  // namespace kernel

#endif  // AIOSIM_KERNEL_MODEL_AIO_DESIGN_H_
