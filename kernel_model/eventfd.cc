// eventfd (fs/eventfd.c, Linux 6.x). See eventfd.h.
#include "kernel_model/eventfd.h"

#include <climits>

#include "kernel_model/mm.h"
#include "kernel_model/sched.h"
#include "sim/check.h"

namespace kernel {

namespace {

constexpr u64 kULLONG_MAX = ~0ull;

eventfd_ctx* ctx_of(file* f) { return static_cast<eventfd_ctx*>(f->private_data); }

int& in_eventfd_flag() {
  task_struct* t = current();
  return t ? t->in_eventfd : Kernel::Current()->irq_in_eventfd;
}

void eventfd_ctx_do_read(eventfd_ctx* ctx, u64* cnt) {
  *cnt = (ctx->flags & EFD_SEMAPHORE) ? 1 : ctx->count;
  ctx->count -= *cnt;
}

ssize_t eventfd_read(kiocb* iocb, iov_iter* to) {
  file* f = iocb->ki_filp;
  eventfd_ctx* ctx = ctx_of(f);
  if (iov_iter_count(to) < sizeof(u64)) return -EINVAL;
  if (!ctx->count) {
    if ((f->f_flags & O_NONBLOCK) || (iocb->ki_flags & IOCB_NOWAIT)) return -EAGAIN;
    if (wait_event_interruptible_locked_irq(ctx->wqh, [ctx] { return ctx->count != 0; }))
      return -ERESTARTSYS;
  }
  u64 ucnt;
  eventfd_ctx_do_read(ctx, &ucnt);
  int& guard = in_eventfd_flag();
  guard = 1;
  if (waitqueue_active(&ctx->wqh)) wake_up_locked_poll(&ctx->wqh, EPOLLOUT);
  guard = 0;
  if (copy_to_iter(&ucnt, sizeof(ucnt), to) != sizeof(ucnt)) return -EFAULT;
  return sizeof(ucnt);
}

ssize_t eventfd_write(kiocb* iocb, iov_iter* from) {
  file* f = iocb->ki_filp;
  eventfd_ctx* ctx = ctx_of(f);
  if (iov_iter_count(from) < sizeof(u64)) return -EINVAL;
  u64 ucnt;
  if (copy_from_iter(&ucnt, sizeof(ucnt), from) != sizeof(ucnt)) return -EFAULT;
  if (ucnt == kULLONG_MAX) return -EINVAL;
  ssize_t res = -EAGAIN;
  if (kULLONG_MAX - ctx->count > ucnt) {
    res = sizeof(ucnt);
  } else if (!(f->f_flags & O_NONBLOCK)) {
    res = wait_event_interruptible_locked_irq(
        ctx->wqh, [ctx, ucnt] { return kULLONG_MAX - ctx->count > ucnt; });
    if (!res) res = sizeof(ucnt);
  }
  if (res > 0) {
    ctx->count += ucnt;
    int& guard = in_eventfd_flag();
    guard = 1;
    if (waitqueue_active(&ctx->wqh)) wake_up_locked_poll(&ctx->wqh, EPOLLIN);
    guard = 0;
  }
  return res;
}

__poll_t eventfd_poll(file* f, poll_table* wait) {
  eventfd_ctx* ctx = ctx_of(f);
  poll_wait(f, &ctx->wqh, wait);
  const u64 count = ctx->count;
  __poll_t events = 0;
  if (count > 0) events |= EPOLLIN;
  if (count == kULLONG_MAX) events |= EPOLLERR;
  if (kULLONG_MAX - 1 > count) events |= EPOLLOUT;
  return events;
}

int eventfd_release(inode*, file* f) {
  eventfd_ctx* ctx = ctx_of(f);
  wake_up_poll(&ctx->wqh, EPOLLHUP);
  eventfd_ctx_put(ctx);
  return 0;
}

}  // namespace

const file_operations eventfd_fops = {
    .name = "eventfd",
    .llseek = noop_llseek,
    .read_iter = eventfd_read,
    .write_iter = eventfd_write,
    .poll = eventfd_poll,
    .release = eventfd_release,
};

file* eventfd_file_create(unsigned int count, int flags) {
  if (flags & ~(EFD_SEMAPHORE | EFD_CLOEXEC | EFD_NONBLOCK)) return ERR_PTR<file>(-EINVAL);
  Kernel* k = Kernel::Current();
  auto* ctx = new eventfd_ctx;
  ctx->count = count;
  ctx->flags = static_cast<unsigned>(flags);
  ctx->id = static_cast<int>(k->next_id());
  const unsigned fflags = O_RDWR | (static_cast<unsigned>(flags) & O_NONBLOCK);
  file* f = alloc_file_pseudo("anon_inode:[eventfd]", fflags, &eventfd_fops, ctx);
  f->f_mode |= FMODE_NOWAIT;
  return f;
}

long sys_eventfd2(unsigned int count, int flags) {
  if (flags & ~(EFD_SEMAPHORE | EFD_CLOEXEC | EFD_NONBLOCK)) return -EINVAL;
  int fd = get_unused_fd_flags(static_cast<unsigned>(flags) & O_CLOEXEC);
  if (fd < 0) return fd;
  file* f = eventfd_file_create(count, flags);
  if (IS_ERR(f)) {
    put_unused_fd(static_cast<unsigned>(fd));
    return PTR_ERR(f);
  }
  fd_install(static_cast<unsigned>(fd), f);
  return fd;
}

long sys_eventfd(unsigned int count) { return sys_eventfd2(count, 0); }

eventfd_ctx* eventfd_ctx_fileget(file* f) {
  if (f->f_op != &eventfd_fops) return ERR_PTR<eventfd_ctx>(-EINVAL);
  eventfd_ctx* ctx = ctx_of(f);
  ++ctx->kref;
  return ctx;
}

eventfd_ctx* eventfd_ctx_fdget(int fd) {
  if (fd < 0) return ERR_PTR<eventfd_ctx>(-EBADF);
  file* f = fget(static_cast<unsigned>(fd));
  if (!f) return ERR_PTR<eventfd_ctx>(-EBADF);
  eventfd_ctx* ctx = eventfd_ctx_fileget(f);
  fput(f);
  return ctx;
}

void eventfd_ctx_put(eventfd_ctx* ctx) {
  SIM_CHECK(ctx->kref > 0) << "eventfd_ctx_put underflow on eventfd " << ctx->id;
  if (--ctx->kref == 0) delete ctx;
}

bool eventfd_signal_allowed() { return !in_eventfd_flag(); }

u64 eventfd_signal_mask(eventfd_ctx* ctx, u64 n, __poll_t mask) {
  int& guard = in_eventfd_flag();
  if (guard) {
    Kernel::Current()->sched.ReportViolation(
        "eventfd_signal while an eventfd wake-up runs on this context (WARN_ON_ONCE)", false);
    return 0;
  }
  guard = 1;
  if (kULLONG_MAX - ctx->count < n) n = kULLONG_MAX - ctx->count;
  ctx->count += n;
  ++ctx->nr_signals;
  if (waitqueue_active(&ctx->wqh)) wake_up_locked_poll(&ctx->wqh, EPOLLIN | mask);
  guard = 0;
  return n;
}

}  // namespace kernel
