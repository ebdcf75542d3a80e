// File syscalls that dispatch through f_op, after fs/read_write.c, fs/open.c,
// fs/sync.c and fs/fcntl.c. All act on current()'s fd table and memory and
// return -errno as Linux. The exit path (signal.h) turns -ERESTARTSYS into
// -EINTR or a restart.
#ifndef AIOSIM_KERNEL_MODEL_READ_WRITE_H_
#define AIOSIM_KERNEL_MODEL_READ_WRITE_H_

#include "kernel_model/fs.h"

namespace kernel {

// read/write: -EBADF (bad fd or not open for that direction), -EINVAL (no
// read_iter/write_iter), -EFAULT (bad buffer), -EAGAIN, -EPIPE, what the
// file returns.
long sys_read(unsigned int fd, user_ptr buf, size_t count);
long sys_write(unsigned int fd, user_ptr buf, size_t count);
// pread64/pwrite64: as read/write, plus -ESPIPE (no FMODE_PREAD/PWRITE:
// pipes, sockets, eventfd) and -EINVAL (pos < 0).
long sys_pread64(unsigned int fd, user_ptr buf, size_t count, loff_t pos);
long sys_pwrite64(unsigned int fd, user_ptr buf, size_t count, loff_t pos);
// readv/writev: plus -EINVAL (vlen > 1024, a negative length), -EFAULT (iovec array).
long sys_readv(unsigned long fd, user_ptr vec, unsigned long vlen);
long sys_writev(unsigned long fd, user_ptr vec, unsigned long vlen);
long sys_preadv(unsigned long fd, user_ptr vec, unsigned long vlen, loff_t pos);
long sys_pwritev(unsigned long fd, user_ptr vec, unsigned long vlen, loff_t pos);
// preadv2/pwritev2: pos == -1 uses and moves f_pos; flags are RWF_* (see
// kiocb_set_rw_flags for their errors).
long sys_preadv2(unsigned long fd, user_ptr vec, unsigned long vlen, loff_t pos, rwf_t flags);
long sys_pwritev2(unsigned long fd, user_ptr vec, unsigned long vlen, loff_t pos, rwf_t flags);
// lseek: -EBADF, -ESPIPE (no llseek), -EINVAL (bad whence or result < 0).
long sys_lseek(unsigned int fd, loff_t offset, unsigned int whence);
// close: -EBADF.
long sys_close(unsigned int fd);
// fsync/fdatasync: -EBADF, -EINVAL (no fsync method: pipes, sockets,
// eventfd, epoll), what the file returns (-EIO).
long sys_fsync(unsigned int fd);
long sys_fdatasync(unsigned int fd);
// dup / dup2 / dup3: -EBADF, -EMFILE; dup3 -EINVAL for flags other than
// O_CLOEXEC or oldfd == newfd.
long sys_dup(unsigned int fildes);
long sys_dup2(unsigned int oldfd, unsigned int newfd);
long sys_dup3(unsigned int oldfd, unsigned int newfd, int flags);
// fcntl: F_DUPFD, F_DUPFD_CLOEXEC, F_GETFD, F_SETFD, F_GETFL, F_SETFL
// (O_APPEND, O_NONBLOCK, O_DIRECT, O_NOATIME changeable), F_GETPIPE_SZ and
// F_SETPIPE_SZ (pipes only, else -EBADF). Others: -EINVAL.
long sys_fcntl(unsigned int fd, unsigned int cmd, unsigned long arg);

}  // namespace kernel

#endif  // AIOSIM_KERNEL_MODEL_READ_WRITE_H_
