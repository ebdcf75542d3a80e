// What a user program does around the AIO syscalls: libaio's io_prep_*
// builders, writing iocbs and reading io_events in its own memory, and
// reaping events straight from the mapped ring without a syscall (libaio's
// and fio's user_io_getevents, libev's linuxaio backend).
//
// This is user-space code, not kernel code: it touches only the calling
// task's memory (copy_from_user / copy_to_user stand in for plain loads and
// stores) and never looks at kernel objects. Tests and the scenario layer
// use it to act as the program would.
#ifndef AIOSIM_KERNEL_MODEL_AIO_USER_H_
#define AIOSIM_KERNEL_MODEL_AIO_USER_H_

#include <vector>

#include "kernel_model/aio_abi.h"
#include "kernel_model/types.h"

namespace kernel {

// libaio's builders (aio_data defaults to 0; set it on the result).
iocb io_prep_pread(int fd, user_ptr buf, size_t count, long long offset);
iocb io_prep_pwrite(int fd, user_ptr buf, size_t count, long long offset);
iocb io_prep_preadv(int fd, user_ptr iov, int iovcnt, long long offset);
iocb io_prep_pwritev(int fd, user_ptr iov, int iovcnt, long long offset);
iocb io_prep_fsync(int fd);
iocb io_prep_fdsync(int fd);
iocb io_prep_poll(int fd, int events);
// Sets IOCB_FLAG_RESFD with this eventfd.
void io_set_eventfd(iocb* cb, int eventfd);

// The current task's memory. 0 or -EFAULT.
int aio_user_put_iocb(user_ptr at, const iocb& cb);
int aio_user_get_iocb(user_ptr at, iocb* cb);
int aio_user_get_event(user_ptr at, io_event* ev);
// The ring header as the program sees it at its handle. 0 or -EFAULT.
int aio_user_ring_header(aio_context_t ctx, aio_ring* out);
// Reaps up to max events from the ring in user space: while head != tail,
// copy events[head] and advance head modulo nr, storing head back. Returns
// the number reaped, or -EFAULT if the ring is not mapped.
long aio_user_reap(aio_context_t ctx, long max, std::vector<io_event>* out);

}  // namespace kernel

#endif  // AIOSIM_KERNEL_MODEL_AIO_USER_H_
