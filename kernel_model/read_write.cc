// File syscalls (fs/read_write.c, fs/open.c, fs/sync.c, fs/fcntl.c). See
// read_write.h.
#include "kernel_model/read_write.h"

#include <vector>

#include "kernel_model/pipe.h"
#include "kernel_model/mm.h"
#include "kernel_model/sched.h"

namespace kernel {

namespace {

// fdget (or fdget_raw) + fdput as a scope guard.
struct fd_ref {
  file* f;
  explicit fd_ref(unsigned fd, bool raw = false) : f(raw ? fget_raw(fd) : fget(fd)) {}
  ~fd_ref() {
    if (f) fput(f);
  }
  fd_ref(const fd_ref&) = delete;
  fd_ref& operator=(const fd_ref&) = delete;
};

loff_t* file_ppos(file* f) { return (f->f_mode & FMODE_STREAM) ? nullptr : &f->f_pos; }

long vfs_readv(file* f, user_ptr vec, unsigned long vlen, loff_t* pos, rwf_t flags, int rw) {
  if (vlen > UIO_MAXIOV) return -EINVAL;
  std::vector<iovec> iov;
  iov_iter iter;
  ssize_t ret = import_iovec(rw == READ ? ITER_DEST : ITER_SOURCE, vec,
                             static_cast<unsigned>(vlen), &iov, &iter);
  if (ret < 0) return ret;
  return rw == READ ? vfs_iter_read(f, &iter, pos, flags) : vfs_iter_write(f, &iter, pos, flags);
}

long do_readv(unsigned long fd, user_ptr vec, unsigned long vlen, rwf_t flags, int rw) {
  fd_ref ref(static_cast<unsigned>(fd));
  if (!ref.f) return -EBADF;
  loff_t pos, *ppos = file_ppos(ref.f);
  if (ppos) {
    pos = *ppos;
    ppos = &pos;
  }
  long ret = vfs_readv(ref.f, vec, vlen, ppos, flags, rw);
  if (ret >= 0 && ppos) ref.f->f_pos = pos;
  return ret;
}

long do_preadv(unsigned long fd, user_ptr vec, unsigned long vlen, loff_t pos, rwf_t flags, int rw) {
  if (pos < 0) return -EINVAL;
  fd_ref ref(static_cast<unsigned>(fd));
  if (!ref.f) return -EBADF;
  if (!(ref.f->f_mode & (rw == READ ? FMODE_PREAD : FMODE_PWRITE))) return -ESPIPE;
  return vfs_readv(ref.f, vec, vlen, &pos, flags, rw);
}

long do_fsync(unsigned int fd, int datasync) {
  fd_ref ref(fd);
  if (!ref.f) return -EBADF;
  return vfs_fsync(ref.f, datasync);
}

}  // namespace

long sys_read(unsigned int fd, user_ptr buf, size_t count) {
  fd_ref ref(fd);
  if (!ref.f) return -EBADF;
  loff_t pos, *ppos = file_ppos(ref.f);
  if (ppos) {
    pos = *ppos;
    ppos = &pos;
  }
  long ret = vfs_read(ref.f, buf, count, ppos);
  if (ret >= 0 && ppos) ref.f->f_pos = pos;
  return ret;
}

long sys_write(unsigned int fd, user_ptr buf, size_t count) {
  fd_ref ref(fd);
  if (!ref.f) return -EBADF;
  loff_t pos, *ppos = file_ppos(ref.f);
  if (ppos) {
    pos = *ppos;
    ppos = &pos;
  }
  long ret = vfs_write(ref.f, buf, count, ppos);
  if (ret >= 0 && ppos) ref.f->f_pos = pos;
  return ret;
}

long sys_pread64(unsigned int fd, user_ptr buf, size_t count, loff_t pos) {
  if (pos < 0) return -EINVAL;
  fd_ref ref(fd);
  if (!ref.f) return -EBADF;
  if (!(ref.f->f_mode & FMODE_PREAD)) return -ESPIPE;
  return vfs_read(ref.f, buf, count, &pos);
}

long sys_pwrite64(unsigned int fd, user_ptr buf, size_t count, loff_t pos) {
  if (pos < 0) return -EINVAL;
  fd_ref ref(fd);
  if (!ref.f) return -EBADF;
  if (!(ref.f->f_mode & FMODE_PWRITE)) return -ESPIPE;
  return vfs_write(ref.f, buf, count, &pos);
}

long sys_readv(unsigned long fd, user_ptr vec, unsigned long vlen) { return do_readv(fd, vec, vlen, 0, READ); }
long sys_writev(unsigned long fd, user_ptr vec, unsigned long vlen) {
  return do_readv(fd, vec, vlen, 0, WRITE);
}
long sys_preadv(unsigned long fd, user_ptr vec, unsigned long vlen, loff_t pos) {
  return do_preadv(fd, vec, vlen, pos, 0, READ);
}
long sys_pwritev(unsigned long fd, user_ptr vec, unsigned long vlen, loff_t pos) {
  return do_preadv(fd, vec, vlen, pos, 0, WRITE);
}
long sys_preadv2(unsigned long fd, user_ptr vec, unsigned long vlen, loff_t pos, rwf_t flags) {
  if (pos == -1) return do_readv(fd, vec, vlen, flags, READ);
  return do_preadv(fd, vec, vlen, pos, flags, READ);
}
long sys_pwritev2(unsigned long fd, user_ptr vec, unsigned long vlen, loff_t pos, rwf_t flags) {
  if (pos == -1) return do_readv(fd, vec, vlen, flags, WRITE);
  return do_preadv(fd, vec, vlen, pos, flags, WRITE);
}

long sys_lseek(unsigned int fd, loff_t offset, unsigned int whence) {
  fd_ref ref(fd);
  if (!ref.f) return -EBADF;
  if (whence > SEEK_HOLE) return -EINVAL;
  return vfs_llseek(ref.f, offset, static_cast<int>(whence));
}

long sys_close(unsigned int fd) {
  int ret = close_fd(fd);
  // The table entry is gone: a restart would close another file.
  if (ret == -ERESTARTSYS || ret == -ERESTARTNOINTR || ret == -ERESTARTNOHAND ||
      ret == -ERESTART_RESTARTBLOCK)
    ret = -EINTR;
  return ret;
}

long sys_fsync(unsigned int fd) { return do_fsync(fd, 0); }
long sys_fdatasync(unsigned int fd) { return do_fsync(fd, 1); }

long sys_dup(unsigned int fildes) {
  file* f = fget_raw(fildes);
  if (!f) return -EBADF;
  int fd = get_unused_fd_flags(0);
  if (fd < 0) {
    fput(f);
    return fd;
  }
  fd_install(static_cast<unsigned>(fd), f);
  return fd;
}

long sys_dup3(unsigned int oldfd, unsigned int newfd, int flags) {
  if (flags & ~O_CLOEXEC) return -EINVAL;
  if (oldfd == newfd) return -EINVAL;
  fd_ref ref(oldfd, /*raw=*/true);
  if (!ref.f) return -EBADF;
  return replace_fd(newfd, ref.f, static_cast<unsigned>(flags));
}

long sys_dup2(unsigned int oldfd, unsigned int newfd) {
  if (oldfd == newfd) {
    fd_ref ref(oldfd, /*raw=*/true);
    return ref.f ? static_cast<long>(newfd) : -EBADF;
  }
  return sys_dup3(oldfd, newfd, 0);
}

long sys_fcntl(unsigned int fd, unsigned int cmd, unsigned long arg) {
  fd_ref ref(fd, /*raw=*/true);
  if (!ref.f) return -EBADF;
  file* f = ref.f;
  files_struct* files = current()->files;
  switch (cmd) {
    case F_DUPFD:
    case F_DUPFD_CLOEXEC: {
      if (arg >= files->max_fds) return -EINVAL;
      int nfd = alloc_fd(files, static_cast<unsigned>(arg), cmd == F_DUPFD_CLOEXEC ? O_CLOEXEC : 0);
      if (nfd < 0) return nfd;
      fd_install(static_cast<unsigned>(nfd), get_file(f));
      return nfd;
    }
    case F_GETFD:
      return files->close_on_exec[fd] ? FD_CLOEXEC : 0;
    case F_SETFD:
      files->close_on_exec[fd] = (arg & FD_CLOEXEC) ? 1 : 0;
      return 0;
    case F_GETFL:
      return f->f_flags;
    case F_SETFL: {
      const unsigned setfl_mask = O_APPEND | O_NONBLOCK | O_DIRECT | O_NOATIME;
      // O_DIRECT on a pipe switches packet mode (accepted, not modelled).
      if ((arg & O_DIRECT) && f->f_op != &pipefifo_fops && !(f->f_mode & FMODE_CAN_ODIRECT))
        return -EINVAL;
      f->f_flags = (static_cast<unsigned>(arg) & setfl_mask) | (f->f_flags & ~setfl_mask);
      return 0;
    }
    case F_GETPIPE_SZ:
    case F_SETPIPE_SZ:
      return pipe_fcntl(f, cmd, arg);
    default:
      return -EINVAL;
  }
}

}  // namespace kernel
