// User-space helpers (see aio_user.h).
#include "kernel_model/aio_user.h"

#include <cstddef>

#include "kernel_model/mm.h"

namespace kernel {
namespace {

iocb prep_rw(u16 op, int fd, user_ptr buf, u64 count, long long offset) {
  iocb cb;
  cb.aio_lio_opcode = op;
  cb.aio_fildes = static_cast<u32>(fd);
  cb.aio_buf = buf;
  cb.aio_nbytes = count;
  cb.aio_offset = offset;
  return cb;
}

}  // namespace

iocb io_prep_pread(int fd, user_ptr buf, size_t count, long long offset) {
  return prep_rw(IOCB_CMD_PREAD, fd, buf, count, offset);
}
iocb io_prep_pwrite(int fd, user_ptr buf, size_t count, long long offset) {
  return prep_rw(IOCB_CMD_PWRITE, fd, buf, count, offset);
}
iocb io_prep_preadv(int fd, user_ptr iov, int iovcnt, long long offset) {
  return prep_rw(IOCB_CMD_PREADV, fd, iov, static_cast<u64>(iovcnt), offset);
}
iocb io_prep_pwritev(int fd, user_ptr iov, int iovcnt, long long offset) {
  return prep_rw(IOCB_CMD_PWRITEV, fd, iov, static_cast<u64>(iovcnt), offset);
}
iocb io_prep_fsync(int fd) { return prep_rw(IOCB_CMD_FSYNC, fd, 0, 0, 0); }
iocb io_prep_fdsync(int fd) { return prep_rw(IOCB_CMD_FDSYNC, fd, 0, 0, 0); }
iocb io_prep_poll(int fd, int events) {
  return prep_rw(IOCB_CMD_POLL, fd, static_cast<user_ptr>(events), 0, 0);
}
void io_set_eventfd(iocb* cb, int eventfd) {
  cb->aio_flags |= IOCB_FLAG_RESFD;
  cb->aio_resfd = static_cast<u32>(eventfd);
}

int aio_user_put_iocb(user_ptr at, const iocb& cb) {
  u8 b[IOCB_SIZE];
  iocb_to_bytes(cb, b);
  return copy_to_user(at, b, IOCB_SIZE) ? -EFAULT : 0;
}

int aio_user_get_iocb(user_ptr at, iocb* cb) {
  u8 b[IOCB_SIZE];
  if (copy_from_user(b, at, IOCB_SIZE)) return -EFAULT;
  *cb = iocb_from_bytes(b);
  return 0;
}

int aio_user_get_event(user_ptr at, io_event* ev) {
  u8 b[IO_EVENT_SIZE];
  if (copy_from_user(b, at, IO_EVENT_SIZE)) return -EFAULT;
  *ev = io_event_from_bytes(b);
  return 0;
}

int aio_user_ring_header(aio_context_t ctx, aio_ring* out) {
  return copy_from_user(out, ctx, AIO_RING_HEADER_SIZE) ? -EFAULT : 0;
}

long aio_user_reap(aio_context_t ctx, long max, std::vector<io_event>* out) {
  aio_ring ring;
  if (aio_user_ring_header(ctx, &ring)) return -EFAULT;
  if (ring.nr == 0) return 0;
  u32 head = ring.head;
  long n = 0;
  while (n < max && head != ring.tail) {
    io_event ev;
    if (aio_user_get_event(ctx + AIO_RING_HEADER_SIZE + static_cast<user_ptr>(head) * IO_EVENT_SIZE,
                           &ev)) {
      return -EFAULT;
    }
    out->push_back(ev);
    head = (head + 1) % ring.nr;
    if (put_user(head, ctx + offsetof(aio_ring, head))) return -EFAULT;
    ++n;
  }
  return n;
}

}  // namespace kernel
