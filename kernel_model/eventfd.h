// eventfd, after fs/eventfd.c and include/linux/eventfd.h (Linux 6.x).
//
// A 64-bit counter behind a file. read(8 bytes): blocks (interruptibly, on
// the context's wait queue) while the counter is 0 unless O_NONBLOCK /
// IOCB_NOWAIT (-EAGAIN); then returns the counter and zeroes it, or with
// EFD_SEMAPHORE returns 1 and decrements; then wakes the queue with
// EPOLLOUT. write(8 bytes): value 0xffffffffffffffff is -EINVAL; blocks
// while the sum would exceed 0xfffffffffffffffe unless O_NONBLOCK
// (-EAGAIN); adds and wakes with EPOLLIN. Buffers shorter than 8 bytes are
// -EINVAL. A read whose copy-out faults has already consumed the value
// (-EFAULT), as in Linux. poll: EPOLLIN if > 0, EPOLLOUT if below the
// maximum, EPOLLERR at 0xffffffffffffffff (reachable only through
// eventfd_signal, which saturates there).
//
// Kernel users (AIO's IOCB_FLAG_RESFD) hold an eventfd_ctx reference
// (eventfd_ctx_fdget/eventfd_ctx_put) and call eventfd_signal() from any
// context; eventfd_signal_allowed() is false while an eventfd wake-up is
// already running on this context (the recursion guard), in which case the
// caller must defer.
#ifndef AIOSIM_KERNEL_MODEL_EVENTFD_H_
#define AIOSIM_KERNEL_MODEL_EVENTFD_H_

#include "kernel_model/fs.h"
#include "kernel_model/wait.h"

namespace kernel {

inline constexpr int EFD_SEMAPHORE = 1;
inline constexpr int EFD_CLOEXEC = O_CLOEXEC;
inline constexpr int EFD_NONBLOCK = O_NONBLOCK;
inline constexpr u64 EVENTFD_MAX = 0xfffffffffffffffeull;

struct eventfd_ctx {
  int kref = 1;
  wait_queue_head wqh{"eventfd"};
  u64 count = 0;
  unsigned int flags = 0;  // EFD_SEMAPHORE | EFD_NONBLOCK | EFD_CLOEXEC
  int id = 0;
  u64 nr_signals = 0;  // model: eventfd_signal calls that added to count
};

extern const file_operations eventfd_fops;

// eventfd2(2). Errors: -EINVAL unknown flags, -EMFILE.
long sys_eventfd2(unsigned int count, int flags);
long sys_eventfd(unsigned int count);
// A file for a new context (one reference), or ERR_PTR.
file* eventfd_file_create(unsigned int count, int flags);

// References for kernel users. fdget: ERR_PTR(-EBADF) for a bad fd,
// ERR_PTR(-EINVAL) for a file that is not an eventfd.
eventfd_ctx* eventfd_ctx_fdget(int fd);
eventfd_ctx* eventfd_ctx_fileget(file* f);
void eventfd_ctx_put(eventfd_ctx* ctx);

bool eventfd_signal_allowed();
// Adds n (saturating at ULLONG_MAX) and wakes waiters with EPOLLIN | mask.
// Any context. Called while !eventfd_signal_allowed() it adds nothing,
// returns 0 and records a non-fatal violation (the kernel's WARN_ON_ONCE).
// Returns the amount added.
u64 eventfd_signal_mask(eventfd_ctx* ctx, u64 n, __poll_t mask);
inline u64 eventfd_signal(eventfd_ctx* ctx, u64 n = 1) { return eventfd_signal_mask(ctx, n, 0); }
// The counter (model introspection).
inline u64 eventfd_count(const eventfd_ctx* ctx) { return ctx->count; }

}  // namespace kernel

#endif  // AIOSIM_KERNEL_MODEL_EVENTFD_H_
