// Pipes, after fs/pipe.c and include/linux/pipe_fs_i.h (Linux 6.x).
//
// A pipe is a ring of page-sized buffers (default 16 = 64 KiB; F_SETPIPE_SZ
// changes it). Faithful to pipe_write/pipe_read:
// - a write first merges its sub-page remainder (len % 4096) into the last
//   buffer if it fits there entirely, then fills fresh pages; writes of at
//   most PIPE_BUF (4096) bytes are therefore atomic;
// - a full pipe blocks the writer (exclusive wait on wr_wait) or gives
//   -EAGAIN with O_NONBLOCK/IOCB_NOWAIT (or the bytes already written);
//   no readers: SIGPIPE to the writer and -EPIPE (or the bytes written);
// - an empty pipe blocks the reader (exclusive wait on rd_wait) or -EAGAIN;
//   no writers: 0 (EOF); a read returns what is there, it does not wait to
//   fill its buffer;
// - wake-ups: readers get EPOLLIN|EPOLLRDNORM (0x41) when a write finds the
//   pipe empty or anyone ever polled it (poll_usage); writers get
//   EPOLLOUT|EPOLLWRNORM (0x104) when a read finds it full; closing one side
//   wakes everyone on both queues with no key.
// - poll: EPOLLIN|EPOLLRDNORM if not empty, EPOLLHUP if no writers (read
//   side); EPOLLOUT|EPOLLWRNORM if not full, EPOLLERR if no readers (write
//   side).
// Differences: pages are plain byte arrays; no splice, no packet mode, no
// FIFOs (named pipes); the user-pipe quota is not enforced.
#ifndef AIOSIM_KERNEL_MODEL_PIPE_H_
#define AIOSIM_KERNEL_MODEL_PIPE_H_

#include <climits>

#include <array>
#include <memory>
#include <vector>

#include "kernel_model/fs.h"
#include "kernel_model/wait.h"

static_assert(PIPE_BUF == 4096, "PIPE_BUF (the host's <limits.h> macro)");

namespace kernel {

inline constexpr unsigned PIPE_DEF_BUFFERS = 16;
inline constexpr unsigned PIPE_BUF_FLAG_CAN_MERGE = 0x10;

struct pipe_buffer {
  std::unique_ptr<std::array<u8, 4096>> page;
  unsigned int offset = 0;
  unsigned int len = 0;
  unsigned int flags = 0;
};

struct pipe_inode_info {
  wait_queue_head rd_wait{"pipe_read"};
  wait_queue_head wr_wait{"pipe_write"};
  unsigned int head = 0;  // next buffer to fill (free-running)
  unsigned int tail = 0;  // next buffer to read (free-running)
  unsigned int max_usage = PIPE_DEF_BUFFERS;
  unsigned int ring_size = PIPE_DEF_BUFFERS;
  unsigned int readers = 0;
  unsigned int writers = 0;
  unsigned int files = 0;  // files referring to this pipe
  bool poll_usage = false;
  std::vector<pipe_buffer> bufs;  // ring_size slots
  uint64_t id = 0;
};

inline bool pipe_empty(unsigned head, unsigned tail) { return head == tail; }
inline unsigned pipe_occupancy(unsigned head, unsigned tail) { return head - tail; }
inline bool pipe_full(unsigned head, unsigned tail, unsigned limit) {
  return pipe_occupancy(head, tail) >= limit;
}
// Bytes currently buffered (model introspection).
size_t pipe_bytes(const pipe_inode_info* pipe);

extern const file_operations pipefifo_fops;

// pipe2(2): writes the two fds (read end, write end) as two ints at fildes.
// flags: O_NONBLOCK, O_CLOEXEC, O_DIRECT (accepted, packet mode not
// modelled). Errors: -EINVAL other flags, -EMFILE, -EFAULT (the fds are
// closed again).
long sys_pipe2(user_ptr fildes, int flags);
// In-kernel creation: res[0] read end, res[1] write end (one reference each).
int create_pipe_files(file** res, int flags);
// F_GETPIPE_SZ / F_SETPIPE_SZ: the size in bytes (rounded up to a power of
// two pages), or -EBUSY (data would not fit), -EPERM (above
// pipe_max_size_bytes), -EINVAL, -EBADF (not a pipe).
long pipe_fcntl(file* f, unsigned int cmd, unsigned long arg);
// The pipe behind a file, or nullptr.
pipe_inode_info* get_pipe_info(file* f);

}  // namespace kernel

#endif  // AIOSIM_KERNEL_MODEL_PIPE_H_
