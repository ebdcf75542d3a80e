// Pipes (fs/pipe.c, Linux 6.x). See pipe.h.
#include "kernel_model/pipe.h"

#include <string>

#include "kernel_model/mm.h"
#include "kernel_model/signal.h"
#include "sim/check.h"

namespace kernel {

namespace {

pipe_inode_info* pipe_of(file* f) { return static_cast<pipe_inode_info*>(f->private_data); }

bool pipe_readable(const pipe_inode_info* pipe) {
  return !pipe_empty(pipe->head, pipe->tail) || !pipe->writers;
}

bool pipe_writable(const pipe_inode_info* pipe) {
  return !pipe_full(pipe->head, pipe->tail, pipe->max_usage) || !pipe->readers;
}

pipe_inode_info* alloc_pipe_info() {
  Kernel* k = Kernel::Current();
  auto* pipe = new pipe_inode_info;
  pipe->ring_size = k->opts.pipe_def_buffers;
  pipe->max_usage = pipe->ring_size;
  pipe->bufs.resize(pipe->ring_size);
  pipe->id = k->next_id();
  return pipe;
}

ssize_t pipe_read(kiocb* iocb, iov_iter* to) {
  size_t total_len = iov_iter_count(to);
  file* filp = iocb->ki_filp;
  pipe_inode_info* pipe = pipe_of(filp);
  bool wake_next_reader = false;
  ssize_t ret = 0;
  if (total_len == 0) return 0;  // null read succeeds
  bool was_full = pipe_full(pipe->head, pipe->tail, pipe->max_usage);
  for (;;) {
    const unsigned head = pipe->head;
    unsigned tail = pipe->tail;
    const unsigned mask = pipe->ring_size - 1;
    if (!pipe_empty(head, tail)) {
      pipe_buffer* buf = &pipe->bufs[tail & mask];
      size_t chars = buf->len;
      if (chars > total_len) chars = total_len;
      size_t written = chars ? copy_to_iter(buf->page->data() + buf->offset, chars, to) : 0;
      if (written < chars) {
        if (!ret) ret = -EFAULT;
        break;
      }
      ret += static_cast<ssize_t>(chars);
      buf->offset += static_cast<unsigned>(chars);
      buf->len -= static_cast<unsigned>(chars);
      if (!buf->len) {
        buf->page.reset();
        ++tail;
        pipe->tail = tail;
      }
      total_len -= chars;
      if (!total_len) break;
      if (tail != head) continue;
    }
    if (!pipe->writers) break;
    if (ret) break;
    if ((filp->f_flags & O_NONBLOCK) || (iocb->ki_flags & IOCB_NOWAIT)) {
      ret = -EAGAIN;
      break;
    }
    if (was_full) wake_up_interruptible_sync_poll(&pipe->wr_wait, EPOLLOUT | EPOLLWRNORM);
    if (wait_event_interruptible_exclusive(pipe->rd_wait, [pipe] { return pipe_readable(pipe); }) < 0)
      return -ERESTARTSYS;
    was_full = pipe_full(pipe->head, pipe->tail, pipe->max_usage);
    wake_next_reader = true;
  }
  if (pipe_empty(pipe->head, pipe->tail)) wake_next_reader = false;
  if (was_full) wake_up_interruptible_sync_poll(&pipe->wr_wait, EPOLLOUT | EPOLLWRNORM);
  if (wake_next_reader) wake_up_interruptible_sync_poll(&pipe->rd_wait, EPOLLIN | EPOLLRDNORM);
  return ret;
}

ssize_t pipe_write(kiocb* iocb, iov_iter* from) {
  file* filp = iocb->ki_filp;
  pipe_inode_info* pipe = pipe_of(filp);
  ssize_t ret = 0;
  size_t total_len = iov_iter_count(from);
  bool was_empty = false;
  bool wake_next_writer = false;
  if (total_len == 0) return 0;  // null write succeeds
  const unsigned mask = pipe->ring_size - 1;
  if (!pipe->readers) {
    send_sig(SIGPIPE, current(), 0);
    ret = -EPIPE;
    goto out;
  }
  {
    // Merge the sub-page remainder into the last buffer if it fits whole.
    const unsigned head = pipe->head;
    was_empty = pipe_empty(head, pipe->tail);
    const size_t chars = total_len & (PAGE_SIZE - 1);
    if (chars && !was_empty) {
      pipe_buffer* buf = &pipe->bufs[(head - 1) & mask];
      const size_t offset = buf->offset + buf->len;
      if ((buf->flags & PIPE_BUF_FLAG_CAN_MERGE) && offset + chars <= PAGE_SIZE) {
        size_t copied = copy_from_iter(buf->page->data() + offset, chars, from);
        if (copied < chars) {
          ret = -EFAULT;
          goto out;
        }
        buf->len += static_cast<unsigned>(copied);
        ret = static_cast<ssize_t>(copied);
        if (!iov_iter_count(from)) goto out;
      }
    }
  }
  for (;;) {
    if (!pipe->readers) {
      send_sig(SIGPIPE, current(), 0);
      if (!ret) ret = -EPIPE;
      break;
    }
    const unsigned head = pipe->head;
    if (!pipe_full(head, pipe->tail, pipe->max_usage)) {
      pipe_buffer* buf = &pipe->bufs[head & mask];
      pipe->head = head + 1;
      buf->page = std::make_unique<std::array<u8, 4096>>();
      buf->offset = 0;
      buf->len = 0;
      buf->flags = PIPE_BUF_FLAG_CAN_MERGE;
      size_t copied = copy_from_iter(buf->page->data(), PAGE_SIZE, from);
      if (copied < PAGE_SIZE && iov_iter_count(from)) {
        if (!ret) ret = -EFAULT;
        break;
      }
      ret += static_cast<ssize_t>(copied);
      buf->len = static_cast<unsigned>(copied);
      if (!iov_iter_count(from)) break;
    }
    if (!pipe_full(head, pipe->tail, pipe->max_usage)) continue;
    // Wait for buffer space.
    if ((filp->f_flags & O_NONBLOCK) || (iocb->ki_flags & IOCB_NOWAIT)) {
      if (!ret) ret = -EAGAIN;
      break;
    }
    if (signal_pending(current())) {
      if (!ret) ret = -ERESTARTSYS;
      break;
    }
    if (was_empty) wake_up_interruptible_sync_poll(&pipe->rd_wait, EPOLLIN | EPOLLRDNORM);
    wait_event_interruptible_exclusive(pipe->wr_wait, [pipe] { return pipe_writable(pipe); });
    was_empty = pipe_empty(pipe->head, pipe->tail);
    wake_next_writer = true;
  }
out:
  if (pipe_full(pipe->head, pipe->tail, pipe->max_usage)) wake_next_writer = false;
  if (was_empty || pipe->poll_usage) wake_up_interruptible_sync_poll(&pipe->rd_wait, EPOLLIN | EPOLLRDNORM);
  if (wake_next_writer) wake_up_interruptible_sync_poll(&pipe->wr_wait, EPOLLOUT | EPOLLWRNORM);
  return ret;
}

__poll_t pipe_poll(file* filp, poll_table* wait) {
  pipe_inode_info* pipe = pipe_of(filp);
  pipe->poll_usage = true;
  if (filp->f_mode & FMODE_READ) poll_wait(filp, &pipe->rd_wait, wait);
  if (filp->f_mode & FMODE_WRITE) poll_wait(filp, &pipe->wr_wait, wait);
  __poll_t mask = 0;
  if (filp->f_mode & FMODE_READ) {
    if (!pipe_empty(pipe->head, pipe->tail)) mask |= EPOLLIN | EPOLLRDNORM;
    if (!pipe->writers) mask |= EPOLLHUP;
  }
  if (filp->f_mode & FMODE_WRITE) {
    if (!pipe_full(pipe->head, pipe->tail, pipe->max_usage)) mask |= EPOLLOUT | EPOLLWRNORM;
    if (!pipe->readers) mask |= EPOLLERR;
  }
  return mask;
}

int pipe_release(inode*, file* filp) {
  pipe_inode_info* pipe = pipe_of(filp);
  if (filp->f_mode & FMODE_READ) --pipe->readers;
  if (filp->f_mode & FMODE_WRITE) --pipe->writers;
  // One side gone, the other still there: everyone re-checks.
  if (!pipe->readers != !pipe->writers) {
    wake_up_interruptible_all(&pipe->rd_wait);
    wake_up_interruptible_all(&pipe->wr_wait);
  }
  if (--pipe->files == 0) {
    SIM_CHECK(!waitqueue_active(&pipe->rd_wait) && !waitqueue_active(&pipe->wr_wait))
        << "pipe freed with waiters";
    delete pipe;
  }
  return 0;
}

unsigned round_pipe_size_pages(unsigned long size) {
  if (size > (1ul << 31)) return 0;
  unsigned long pages = (size + PAGE_SIZE - 1) / PAGE_SIZE;
  if (pages == 0) pages = 1;
  unsigned long p = 1;
  while (p < pages) p <<= 1;
  return static_cast<unsigned>(p);
}

}  // namespace

const file_operations pipefifo_fops = {
    .name = "pipe",
    .llseek = no_llseek,
    .read_iter = pipe_read,
    .write_iter = pipe_write,
    .poll = pipe_poll,
    .release = pipe_release,
};

size_t pipe_bytes(const pipe_inode_info* pipe) {
  size_t n = 0;
  const unsigned mask = pipe->ring_size - 1;
  for (unsigned t = pipe->tail; t != pipe->head; ++t) n += pipe->bufs[t & mask].len;
  return n;
}

pipe_inode_info* get_pipe_info(file* f) { return f->f_op == &pipefifo_fops ? pipe_of(f) : nullptr; }

int create_pipe_files(file** res, int flags) {
  pipe_inode_info* pipe = alloc_pipe_info();
  pipe->readers = pipe->writers = 1;
  pipe->files = 2;
  const std::string name = "pipe:[" + std::to_string(pipe->id) + "]";
  const unsigned keep = static_cast<unsigned>(flags) & (O_NONBLOCK | O_DIRECT);
  file* r = alloc_file_pseudo(name, O_RDONLY | keep, &pipefifo_fops, pipe);
  file* w = alloc_file_pseudo(name, O_WRONLY | keep, &pipefifo_fops, pipe);
  stream_open(nullptr, r);
  stream_open(nullptr, w);
  r->f_mode |= FMODE_NOWAIT;
  w->f_mode |= FMODE_NOWAIT;
  res[0] = r;
  res[1] = w;
  return 0;
}

long sys_pipe2(user_ptr fildes, int flags) {
  if (flags & ~(O_CLOEXEC | O_NONBLOCK | O_DIRECT)) return -EINVAL;
  file* files[2];
  create_pipe_files(files, flags);
  int fdr = get_unused_fd_flags(static_cast<unsigned>(flags));
  if (fdr < 0) {
    fput(files[0]);
    fput(files[1]);
    return fdr;
  }
  int fdw = get_unused_fd_flags(static_cast<unsigned>(flags));
  if (fdw < 0) {
    put_unused_fd(static_cast<unsigned>(fdr));
    fput(files[0]);
    fput(files[1]);
    return fdw;
  }
  int fd[2] = {fdr, fdw};
  if (copy_to_user(fildes, fd, sizeof(fd))) {
    put_unused_fd(static_cast<unsigned>(fdr));
    put_unused_fd(static_cast<unsigned>(fdw));
    fput(files[0]);
    fput(files[1]);
    return -EFAULT;
  }
  fd_install(static_cast<unsigned>(fdr), files[0]);
  fd_install(static_cast<unsigned>(fdw), files[1]);
  return 0;
}

long pipe_fcntl(file* f, unsigned int cmd, unsigned long arg) {
  pipe_inode_info* pipe = get_pipe_info(f);
  if (!pipe) return -EBADF;
  if (cmd == F_GETPIPE_SZ) return static_cast<long>(pipe->max_usage * PAGE_SIZE);
  if (cmd != F_SETPIPE_SZ) return -EINVAL;
  const unsigned nr_slots = round_pipe_size_pages(arg);
  if (!nr_slots) return -EINVAL;
  if (nr_slots * PAGE_SIZE > Kernel::Current()->opts.pipe_max_size_bytes) return -EPERM;
  const unsigned occupancy = pipe_occupancy(pipe->head, pipe->tail);
  if (nr_slots < occupancy) return -EBUSY;
  // pipe_resize_ring: move the live buffers to a new ring.
  std::vector<pipe_buffer> bufs(nr_slots);
  const unsigned old_mask = pipe->ring_size - 1;
  for (unsigned i = 0; i < occupancy; ++i) bufs[i] = std::move(pipe->bufs[(pipe->tail + i) & old_mask]);
  pipe->bufs = std::move(bufs);
  pipe->tail = 0;
  pipe->head = occupancy;
  pipe->ring_size = nr_slots;
  pipe->max_usage = nr_slots;
  // Writers may have room now.
  wake_up_interruptible(&pipe->wr_wait);
  return static_cast<long>(nr_slots * PAGE_SIZE);
}

}  // namespace kernel
