// iov_iter over user and kernel buffers (lib/iov_iter.c). See uio.h.
#include <algorithm>
#include <cstring>

#include "kernel_model/mm.h"
#include "kernel_model/uio.h"

namespace kernel {

namespace {

// Copies up to `bytes` between the iter's current position and a kernel
// buffer, segment by segment; stops at the first fault. Returns bytes done
// and advances the iter by exactly that.
template <typename UserCopy, typename KernCopy>
size_t iterate(iov_iter* i, size_t bytes, UserCopy&& ucopy, KernCopy&& kcopy) {
  bytes = std::min(bytes, i->count);
  size_t done = 0;
  if (i->type == ITER_UBUF) {
    unsigned long left = ucopy(i->ubuf + i->iov_offset, 0, bytes);
    done = bytes - left;
    i->iov_offset += done;
    i->count -= done;
    return done;
  }
  while (done < bytes && i->nr_segs > 0) {
    const size_t seg_len = i->type == ITER_IOVEC ? i->iov->iov_len : i->kv->iov_len;
    const size_t avail = seg_len - i->iov_offset;
    const size_t chunk = std::min(avail, bytes - done);
    size_t copied = chunk;
    if (chunk) {
      if (i->type == ITER_IOVEC) {
        copied = chunk - ucopy(i->iov->iov_base + i->iov_offset, done, chunk);
      } else {
        kcopy(static_cast<u8*>(i->kv->iov_base) + i->iov_offset, done, chunk);
      }
    }
    done += copied;
    i->count -= copied;
    i->iov_offset += copied;
    if (i->iov_offset == seg_len) {
      if (i->type == ITER_IOVEC) {
        ++i->iov;
      } else {
        ++i->kv;
      }
      --i->nr_segs;
      i->iov_offset = 0;
    }
    if (copied < chunk) break;
  }
  return done;
}

}  // namespace

void iov_iter_ubuf(iov_iter* i, unsigned direction, user_ptr buf, size_t count) {
  *i = iov_iter{};
  i->type = ITER_UBUF;
  i->data_source = direction == ITER_SOURCE;
  i->ubuf = buf;
  i->count = count;
  i->nr_segs = 1;
}

void iov_iter_init(iov_iter* i, unsigned direction, const iovec* iov, unsigned long nr_segs,
                   size_t count) {
  *i = iov_iter{};
  i->type = ITER_IOVEC;
  i->data_source = direction == ITER_SOURCE;
  i->iov = iov;
  i->nr_segs = nr_segs;
  i->count = count;
}

void iov_iter_kvec(iov_iter* i, unsigned direction, const kvec* kvec, unsigned long nr_segs,
                   size_t count) {
  *i = iov_iter{};
  i->type = ITER_KVEC;
  i->data_source = direction == ITER_SOURCE;
  i->kv = kvec;
  i->nr_segs = nr_segs;
  i->count = count;
}

int import_ubuf(int type, user_ptr buf, size_t len, iov_iter* i) {
  if (len > MAX_RW_COUNT) len = MAX_RW_COUNT;
  if (!access_ok(buf, len)) return -EFAULT;
  iov_iter_ubuf(i, static_cast<unsigned>(type), buf, len);
  return 0;
}

ssize_t import_iovec(int type, user_ptr uvec, unsigned nr_segs, std::vector<iovec>* iov_storage,
                     iov_iter* i) {
  iov_storage->clear();
  if (nr_segs == 0) {
    iov_iter_init(i, static_cast<unsigned>(type), nullptr, 0, 0);
    return 0;
  }
  if (nr_segs > UIO_MAXIOV) return -EINVAL;
  iov_storage->resize(nr_segs);
  if (copy_from_user(iov_storage->data(), uvec, nr_segs * sizeof(iovec))) return -EFAULT;
  for (const iovec& v : *iov_storage) {
    if (static_cast<ssize_t>(v.iov_len) < 0) return -EINVAL;
  }
  size_t total_len = 0;
  for (iovec& v : *iov_storage) {
    size_t len = v.iov_len;
    if (!access_ok(v.iov_base, len)) return -EFAULT;
    if (len > MAX_RW_COUNT - total_len) {
      len = MAX_RW_COUNT - total_len;
      v.iov_len = len;
    }
    total_len += len;
  }
  iov_iter_init(i, static_cast<unsigned>(type), iov_storage->data(), nr_segs, total_len);
  return static_cast<ssize_t>(total_len);
}

void iov_iter_advance(iov_iter* i, size_t bytes) {
  bytes = std::min(bytes, i->count);
  if (i->type == ITER_UBUF) {
    i->iov_offset += bytes;
    i->count -= bytes;
    return;
  }
  i->count -= bytes;
  bytes += i->iov_offset;
  while (i->nr_segs > 0) {
    const size_t seg_len = i->type == ITER_IOVEC ? i->iov->iov_len : i->kv->iov_len;
    if (bytes < seg_len) break;
    bytes -= seg_len;
    if (i->type == ITER_IOVEC) {
      ++i->iov;
    } else {
      ++i->kv;
    }
    --i->nr_segs;
  }
  i->iov_offset = bytes;
}

void iov_iter_revert(iov_iter* i, size_t unroll) {
  if (!unroll) return;
  i->count += unroll;
  if (i->type == ITER_UBUF) {
    i->iov_offset -= unroll;
    return;
  }
  if (unroll <= i->iov_offset) {
    i->iov_offset -= unroll;
    return;
  }
  unroll -= i->iov_offset;
  for (;;) {
    size_t n;
    if (i->type == ITER_IOVEC) {
      --i->iov;
      n = i->iov->iov_len;
    } else {
      --i->kv;
      n = i->kv->iov_len;
    }
    ++i->nr_segs;
    if (unroll <= n) {
      i->iov_offset = n - unroll;
      return;
    }
    unroll -= n;
  }
}

size_t copy_to_iter(const void* addr, size_t bytes, iov_iter* i) {
  const auto* src = static_cast<const u8*>(addr);
  return iterate(
      i, bytes,
      [src](user_ptr to, size_t off, size_t len) { return copy_to_user(to, src + off, len); },
      [src](u8* to, size_t off, size_t len) { std::memcpy(to, src + off, len); });
}

size_t copy_from_iter(void* addr, size_t bytes, iov_iter* i) {
  auto* dst = static_cast<u8*>(addr);
  return iterate(
      i, bytes,
      [dst](user_ptr from, size_t off, size_t len) { return copy_from_user(dst + off, from, len); },
      [dst](u8* from, size_t off, size_t len) { std::memcpy(dst + off, from, len); });
}

size_t iov_iter_zero(size_t bytes, iov_iter* i) {
  return iterate(
      i, bytes, [](user_ptr to, size_t, size_t len) { return clear_user(to, len); },
      [](u8* to, size_t, size_t len) { std::memset(to, 0, len); });
}

}  // namespace kernel
