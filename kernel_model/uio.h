// iov_iter: a cursor over the buffers of one read or write, after
// include/linux/uio.h and lib/iov_iter.c.
//
// Kinds kept: ITER_UBUF (one user buffer), ITER_IOVEC (an array of user
// iovecs), ITER_KVEC (kernel buffers). User segments are copied with
// copy_to_user/copy_from_user against current()->mm, so a worker that
// kthread_use_mm()s the submitter's mm can continue an iter (the retry AIO
// design). A copy stops at the first fault and returns the bytes done; the
// iter advances by exactly that much.
//
// The iter points at its iovec array; whoever builds it keeps the array
// alive (import_iovec fills a caller-owned vector instead of kmalloc).
#ifndef AIOSIM_KERNEL_MODEL_UIO_H_
#define AIOSIM_KERNEL_MODEL_UIO_H_

#include <cstddef>
#include <vector>

#include "kernel_model/types.h"

namespace kernel {

// The user ABI's struct iovec (16 bytes: base, length).
struct iovec {
  user_ptr iov_base = 0;
  u64 iov_len = 0;
};
static_assert(sizeof(iovec) == 16, "struct iovec is 16 bytes");

struct kvec {
  void* iov_base = nullptr;
  size_t iov_len = 0;
};

enum iter_type : u8 { ITER_UBUF, ITER_IOVEC, ITER_KVEC };

inline constexpr int READ = 0;
inline constexpr int WRITE = 1;
inline constexpr unsigned ITER_DEST = READ;    // data flows into the buffers
inline constexpr unsigned ITER_SOURCE = WRITE; // data comes from the buffers

inline constexpr unsigned UIO_FASTIOV = 8;
inline constexpr unsigned UIO_MAXIOV = 1024;
// INT_MAX rounded down to a page: the most one read or write moves.
inline constexpr size_t MAX_RW_COUNT = 0x7ffff000;

struct iov_iter {
  iter_type type = ITER_UBUF;
  bool data_source = false;  // true: ITER_SOURCE (a write's data)
  size_t iov_offset = 0;     // offset into the current segment
  size_t count = 0;          // bytes left
  user_ptr ubuf = 0;         // ITER_UBUF
  const iovec* iov = nullptr;  // ITER_IOVEC: current segment
  const kvec* kv = nullptr;    // ITER_KVEC: current segment
  unsigned long nr_segs = 0;   // segments left, the current one included
};

void iov_iter_ubuf(iov_iter* i, unsigned direction, user_ptr buf, size_t count);
void iov_iter_init(iov_iter* i, unsigned direction, const iovec* iov, unsigned long nr_segs,
                   size_t count);
void iov_iter_kvec(iov_iter* i, unsigned direction, const kvec* kvec, unsigned long nr_segs,
                   size_t count);

// Checks one user buffer (-EFAULT if !access_ok) and sets up an ITER_UBUF;
// len is clamped to MAX_RW_COUNT. Returns 0 or -errno.
int import_ubuf(int type, user_ptr buf, size_t len, iov_iter* i);
// Reads nr_segs iovecs from user memory into *iov_storage and sets up the
// iter. Returns the total length (segments clamped so the total stays within
// MAX_RW_COUNT), or -EINVAL (nr_segs > UIO_MAXIOV, a negative length),
// -EFAULT (unreadable array, a segment failing access_ok).
ssize_t import_iovec(int type, user_ptr uvec, unsigned nr_segs, std::vector<iovec>* iov_storage,
                     iov_iter* i);

inline size_t iov_iter_count(const iov_iter* i) { return i->count; }
inline int iov_iter_rw(const iov_iter* i) { return i->data_source ? WRITE : READ; }
inline bool iter_is_ubuf(const iov_iter* i) { return i->type == ITER_UBUF; }
inline bool iter_is_iovec(const iov_iter* i) { return i->type == ITER_IOVEC; }
inline bool iov_iter_is_kvec(const iov_iter* i) { return i->type == ITER_KVEC; }
inline bool user_backed_iter(const iov_iter* i) { return i->type != ITER_KVEC; }

void iov_iter_advance(iov_iter* i, size_t bytes);
void iov_iter_revert(iov_iter* i, size_t bytes);
inline void iov_iter_truncate(iov_iter* i, u64 count) {
  if (i->count > count) i->count = count;
}
inline void iov_iter_reexpand(iov_iter* i, size_t count) { i->count = count; }

// Copies into the iter's buffers (a read's result). Returns bytes copied;
// fewer than asked means a fault (or the iter ran out).
size_t copy_to_iter(const void* addr, size_t bytes, iov_iter* i);
// Copies out of the iter's buffers (a write's data).
size_t copy_from_iter(void* addr, size_t bytes, iov_iter* i);
size_t iov_iter_zero(size_t bytes, iov_iter* i);

}  // namespace kernel

#endif  // AIOSIM_KERNEL_MODEL_UIO_H_
