// O_DIRECT for simplefs: a_ops->direct_IO. Models fs/iomap/direct-io.c
// (__iomap_dio_rw, iomap_dio_bio_end_io, iomap_dio_complete, sub-block
// zeroing of new blocks) with mm/filemap.c's kiocb_write_and_wait /
// kiocb_invalidate_pages around it.
//
// Contract (what the AIO layer builds on):
// - REQUIRES the caller to hold inode_lock (writes) or inode_lock_shared
//   (reads) during the call; completion does not need it.
// - -EINVAL unless the file position, the length and every user segment's
//   address and length are multiples of the device's logical block size.
// - Before the I/O, dirty cached pages of the range are written back and
//   waited for; for writes the cached pages of the range are then dropped
//   (and dropped again, without sleeping, at completion). With IOCB_NOWAIT
//   a read or write that would have to write back or allocate blocks fails
//   with -EAGAIN.
// - Reads stop at EOF (0 at or past it, a short count across it); holes read
//   as zeros without I/O. Writes allocate blocks (ENOSPC: a short write, or
//   -ENOSPC if nothing fit), zero the parts of newly allocated blocks the
//   write does not cover, use REQ_FUA with IOCB_DSYNC (so no later flush is
//   needed), and grow i_size at completion.
// - The user buffer is pinned at submission (pin_user_pages, as
//   bio_iov_iter_get_pages does; FOLL_WRITE for a read): a buffer that is not
//   mapped readable (writes) or writable (reads) gives -EFAULT before any
//   I/O. The bios point into the pinned memory. A write's data is what the
//   buffer holds when its request is dispatched (the block layer gathers it
//   then, as a device's DMA reads it). A read's data is written into the
//   buffer as each bio completes, whole blocks up to io size (past EOF within
//   the last block too, as Linux's DMA does); holes are zeroed in it at
//   submission. The pins go when the request completes: a buffer unmapped
//   meanwhile still takes part (the pages stay with the pin), no -EFAULT.
// - Synchronous kiocbs (no ki_complete) sleep until every bio is done and
//   return the byte count or -errno. Asynchronous ones return -EIOCBQUEUED
//   (or an error before any I/O was issued); the last bio's completion, in
//   interrupt context, calls ki_complete(iocb, result) exactly once.
// - ki_pos is not advanced here (the read_iter/write_iter callers do for
//   synchronous results).
// Difference from Linux: a write that fails with a device error keeps the
// blocks it allocated beyond EOF (ext4 would truncate them through its
// orphan list); their contents are never read, since i_size did not grow,
// unless a later ftruncate grows the file over them.
#include <algorithm>
#include <cstring>
#include <memory>
#include <span>
#include <vector>

#include "kernel_model/blkdev.h"
#include "kernel_model/mm.h"
#include "kernel_model/sched.h"
#include "kernel_model/vfs_simplefs.h"
#include "kernel_model/vfs_storage.h"
#include "kernel_model/writeback.h"
#include "sim/check.h"

namespace kernel {

struct dio;

namespace {

struct dio_segment {
  user_ptr uaddr = 0;       // user memory (ITER_UBUF / ITER_IOVEC)
  void* kaddr = nullptr;    // kernel memory (ITER_KVEC)
  size_t len = 0;
};

// The iter's segments in order. One segment (a single user buffer, as every
// non-vectored AIO read or write has) is kept without a heap allocation.
struct dio_segments {
  void push_back(const dio_segment& s) {
    if (n == 0) {
      one = s;
    } else {
      if (n == 1) many.push_back(one);
      many.push_back(s);
    }
    ++n;
  }
  std::span<const dio_segment> view() const {
    return n <= 1 ? std::span<const dio_segment>(&one, n) : std::span<const dio_segment>(many);
  }

  dio_segment one;
  size_t n = 0;
  std::vector<dio_segment> many;  // all of them, once there are two or more
};

}  // namespace

struct dio {
  kiocb* iocb = nullptr;
  inode* ino = nullptr;
  int rw = READ;
  loff_t pos = 0;
  size_t size = 0;          // bytes of I/O issued (reads: up to EOF, block aligned)
  size_t result = 0;        // bytes reported on success
  std::vector<uint8_t> zeros;  // source for zeroing new blocks
  // The data's memory, in order (size bytes in all): pinned user memory, or
  // kernel memory (a pin without a backing). A recycled request keeps the
  // vector's capacity.
  std::vector<user_pin> pins;
  int remaining = 1;        // bios in flight + the submitter's reference
  int error = 0;
  bool is_async = false;
  bool done = false;
  wait_queue_head wait{"dio wait"};
};

void dio_cache_free::operator()(dio* d) const { delete d; }

namespace {

constexpr size_t kDioCacheMax = 256;    // requests kept for reuse

// A request in its initial state, from the cache when one is there.
dio* dio_alloc(storage_state* st) {
  if (st->dio_cache.empty()) return new dio();
  dio* d = st->dio_cache.back().release();
  st->dio_cache.pop_back();
  return d;
}

// The request is finished: back to its initial state and into the cache.
void dio_free(dio* d) {
  storage_state* st = storage();
  if (st->dio_cache.size() >= kDioCacheMax || !list_empty(&d->wait.head)) {
    delete d;
    return;
  }
  d->iocb = nullptr;
  d->ino = nullptr;
  d->rw = READ;
  d->pos = 0;
  d->size = 0;
  d->result = 0;
  d->zeros.clear();
  d->pins.clear();
  d->remaining = 1;
  d->error = 0;
  d->is_async = false;
  d->done = false;
  d->wait.id = 0;  // a new head to the trace, as a fresh request's would be
  st->dio_cache.emplace_back(d);
}

// Collects the iter's segments for `count` bytes without copying, and
// checks their alignment. Returns 0 or -EINVAL.
int collect_segments(iov_iter* iter, size_t count, uint32_t align, dio_segments* out) {
  size_t left = count;
  if (iter->type == ITER_UBUF) {
    dio_segment s;
    s.uaddr = iter->ubuf + iter->iov_offset;
    s.len = std::min(left, iter->count);
    out->push_back(s);
  } else if (iter->type == ITER_IOVEC) {
    size_t skip = iter->iov_offset;
    for (unsigned long i = 0; i < iter->nr_segs && left > 0; ++i) {
      const iovec& v = iter->iov[i];
      if (v.iov_len <= skip) {
        skip -= v.iov_len;
        continue;
      }
      dio_segment s;
      s.uaddr = v.iov_base + skip;
      s.len = std::min<size_t>(v.iov_len - skip, left);
      skip = 0;
      left -= s.len;
      if (s.len > 0) out->push_back(s);
    }
  } else {
    size_t skip = iter->iov_offset;
    for (unsigned long i = 0; i < iter->nr_segs && left > 0; ++i) {
      const kvec& v = iter->kv[i];
      if (v.iov_len <= skip) {
        skip -= v.iov_len;
        continue;
      }
      dio_segment s;
      s.kaddr = static_cast<uint8_t*>(v.iov_base) + skip;
      s.len = std::min<size_t>(v.iov_len - skip, left);
      skip = 0;
      left -= s.len;
      if (s.len > 0) out->push_back(s);
    }
  }
  for (const dio_segment& s : out->view()) {
    uintptr_t addr = s.kaddr ? reinterpret_cast<uintptr_t>(s.kaddr) : s.uaddr;
    if ((addr | s.len) & (align - 1)) return -EINVAL;
  }
  return 0;
}

void dio_trace_done(dio* d, long res) {
  storage_state* st = storage();
  st->kernel->trace().Emit(st->tk.dio_done, {static_cast<int64_t>(d->ino->i_ino), d->rw, res});
}

// iomap_dio_complete: the result, the copy-out of read data, i_size,
// cache invalidation, and the end of the inode's direct I/O.
long dio_complete(dio* d) {
  long res;
  if (d->error) {
    res = d->error;
  } else {
    res = static_cast<long>(d->result);
    if (d->rw == WRITE) {
      loff_t end = d->pos + static_cast<loff_t>(d->result);
      if (end > i_size_read(d->ino)) i_size_write(d->ino, end);
    }
  }
  for (user_pin& p : d->pins) unpin_user_pages(&p);
  if (d->rw == WRITE && d->result > 0) {
    // kiocb_invalidate_post_direct_write, without sleeping.
    invalidate_mapping_pages(d->ino->i_mapping, static_cast<pgoff_t>(d->pos >> PAGE_SHIFT),
                             static_cast<pgoff_t>((d->pos + static_cast<loff_t>(d->result) - 1) >> PAGE_SHIFT));
  }
  inode_dio_end(d->ino);
  dio_trace_done(d, res);
  return res;
}

void dio_put(dio* d) {
  if (--d->remaining > 0) return;
  if (d->is_async) {
    kiocb* iocb = d->iocb;
    long res = dio_complete(d);
    dio_free(d);
    iocb->ki_complete(iocb, res);
  } else {
    d->done = true;
    wake_up(&d->wait);
  }
}

void dio_bio_end_io(bio* b) {
  dio* d = static_cast<dio*>(b->bi_private);
  if (b->bi_status != BLK_STS_OK && d->error == 0) d->error = blk_status_to_errno(b->bi_status);
  bio_put(b);
  dio_put(d);
}

// Bios for `len` bytes at `sector`, whose memory comes as one or more runs
// (add() each in order, then finish()): page-sized segments, a bio filled
// until it has no vec left, then the next.
struct dio_bio_builder {
  dio* d;
  block_device* bdev;
  blk_opf_t opf;
  sector_t sector;
  size_t left;  // bytes not yet added
  bio* b = nullptr;

  void add(uint8_t* addr, size_t len) {
    while (len > 0) {
      if (b == nullptr) {
        // bio_iov_vecs_to_alloc: a vec per page, at most BIO_MAX_VECS.
        const size_t pages = (left + PAGE_SIZE - 1) / PAGE_SIZE;
        b = bio_alloc(bdev, static_cast<uint16_t>(std::min<size_t>(pages, BIO_MAX_VECS)), opf);
        b->bi_iter.bi_sector = sector;
        b->bi_private = d;
        b->bi_end_io = dio_bio_end_io;
      }
      const uint32_t chunk = static_cast<uint32_t>(std::min<size_t>(len, PAGE_SIZE));
      if (bio_add_addr(b, addr, chunk) == 0) {
        finish();
        continue;
      }
      addr += chunk;
      len -= chunk;
      left -= chunk;
      sector += chunk >> SECTOR_SHIFT;
    }
  }
  void finish() {
    if (b == nullptr) return;
    ++d->remaining;
    submit_bio(b);
    b = nullptr;
  }
};

// One bio chain over [addr, addr + len) at sector.
void dio_submit(dio* d, block_device* bdev, blk_opf_t opf, sector_t sector, uint8_t* addr, size_t len) {
  dio_bio_builder bb{d, bdev, opf, sector, len};
  bb.add(addr, len);
  bb.finish();
}

// fn(addr, n) for each run of host memory behind the request's pos-relative
// bytes [off, off + len), in order.
template <typename Fn>
void for_each_data_run(dio* d, size_t off, size_t len, Fn&& fn) {
  size_t base = 0;  // pos-relative start of the current pin
  for (user_pin& p : d->pins) {
    if (len == 0) break;
    if (off < base + p.len) {
      const size_t in = off - base;
      const size_t n = std::min<size_t>(p.len - in, len);
      fn(p.at + in, n);
      off += n;
      len -= n;
    }
    base += p.len;
  }
}

// Pins (or, for kernel memory, records) the memory of the first `len` bytes
// of the iter's segments as the request's data. 0 or -EFAULT.
int dio_pin_data(dio* d, const dio_segments& segs, size_t len, mm_struct* mm, unsigned gup_flags) {
  for (const dio_segment& s : segs.view()) {
    if (len == 0) break;
    const size_t n = std::min(s.len, len);
    if (s.kaddr) {
      user_pin p;
      p.len = n;
      p.at = static_cast<u8*>(s.kaddr);
      d->pins.push_back(std::move(p));
    } else if (pin_user_pages(mm, s.uaddr, n, gup_flags, &d->pins) != 0) {
      for (user_pin& p : d->pins) unpin_user_pages(&p);
      d->pins.clear();
      return -EFAULT;
    }
    len -= n;
  }
  return 0;
}

}  // namespace

ssize_t simplefs_direct_IO(kiocb* iocb, iov_iter* iter) {
  file* f = iocb->ki_filp;
  address_space* mapping = f->f_mapping;
  inode* ino = mapping->host;
  super_block* sb = ino->i_sb;
  block_device* bdev = sb->s_bdev;
  const uint32_t lbs = bdev_logical_block_size(bdev);
  const int rw = iov_iter_rw(iter);
  const loff_t pos = iocb->ki_pos;
  size_t count = iov_iter_count(iter);
  storage_state* st = storage();

  if ((static_cast<uint64_t>(pos) | count) & (lbs - 1)) return -EINVAL;
  dio_segments segs;
  if (int err = collect_segments(iter, count, lbs, &segs)) return err;
  if (count == 0) return 0;

  const loff_t isize = i_size_read(ino);
  size_t io_size = count;
  size_t result = count;
  if (rw == READ) {
    if (pos >= isize) return 0;
    result = std::min<size_t>(count, static_cast<size_t>(isize - pos));
    io_size = (result + lbs - 1) / lbs * lbs;
  }
  const loff_t end = pos + static_cast<loff_t>(io_size) - 1;
  const pgoff_t first_index = static_cast<pgoff_t>(pos >> PAGE_SHIFT);
  const pgoff_t last_index = static_cast<pgoff_t>(end >> PAGE_SHIFT);

  // kiocb_write_and_wait / kiocb_invalidate_pages.
  if (iocb->ki_flags & IOCB_NOWAIT) {
    auto it = mapping->i_pages.lower_bound(first_index);
    bool cached = it != mapping->i_pages.end() && it->first <= last_index;
    if (cached && (rw == WRITE || mapping->nr_dirty > 0 || mapping->nr_writeback > 0)) return -EAGAIN;
    if (rw == WRITE) {
      for (uint64_t lblk = first_index; lblk <= last_index;) {
        uint64_t pblk = 0, len = 0;
        bool fresh = false;
        simplefs_map_blocks(ino, lblk, last_index - lblk + 1, false, &pblk, &len, &fresh);
        if (pblk == SIMPLEFS_HOLE) return -EAGAIN;  // would allocate
        lblk += len;
      }
    }
  } else {
    int err = filemap_write_and_wait_range(mapping, pos, end);
    if (err) return err;
    if (rw == WRITE) invalidate_inode_pages2_range(mapping, first_index, last_index);
  }

  dio* d = dio_alloc(st);
  d->iocb = iocb;
  d->ino = ino;
  d->rw = rw;
  d->pos = pos;
  d->size = io_size;
  d->result = result;
  d->is_async = !is_sync_kiocb(iocb);
  task_struct* tsk = current();
  mm_struct* mm = tsk != nullptr ? tsk->mm : nullptr;
  if (dio_pin_data(d, segs, io_size, mm, rw == READ ? FOLL_WRITE : 0) != 0) {
    dio_free(d);
    return -EFAULT;
  }
  iov_iter_advance(iter, result);
  st->kernel->trace().Emit(st->tk.dio, {static_cast<int64_t>(ino->i_ino), rw, pos, static_cast<int64_t>(count),
                                        d->is_async ? 1 : 0});
  inode_dio_begin(ino);

  const uint64_t bs = sb->s_blocksize;
  const blk_opf_t opf = rw == WRITE ? (REQ_OP_WRITE | REQ_SYNC | REQ_IDLE | ((iocb->ki_flags & IOCB_DSYNC) ? REQ_FUA : 0))
                                    : REQ_OP_READ;
  blk_plug plug;
  blk_start_plug(&plug);
  int map_err = 0;
  // Walk the range block run by block run.
  uint64_t off = 0;  // pos-relative byte offset
  while (off < io_size) {
    loff_t at = pos + static_cast<loff_t>(off);
    uint64_t lblk = static_cast<uint64_t>(at) / bs;
    uint64_t in_blk = static_cast<uint64_t>(at) % bs;
    uint64_t blocks_left = (in_blk + (io_size - off) + bs - 1) / bs;
    uint64_t pblk = 0, len = 0;
    bool fresh = false;
    int err = simplefs_map_blocks(ino, lblk, blocks_left, rw == WRITE, &pblk, &len, &fresh);
    if (err) {
      map_err = err;
      break;
    }
    uint64_t run_bytes = std::min<uint64_t>(len * bs - in_blk, io_size - off);
    if (pblk == SIMPLEFS_HOLE) {  // reads only: a hole reads as zeros (iov_iter_zero)
      for_each_data_run(d, off, run_bytes, [](uint8_t* at, size_t n) { std::memset(at, 0, n); });
      off += run_bytes;
      continue;
    }
    if (fresh && (in_blk != 0 || run_bytes < bs)) {
      // iomap_dio_zero: the parts of a new block this write does not cover.
      if (d->zeros.empty()) d->zeros.assign(bs, 0);
      sector_t blk_sector = simplefs_block_sector(sb, pblk);
      if (in_blk != 0) dio_submit(d, bdev, opf, blk_sector, d->zeros.data(), in_blk);
      uint64_t tail = in_blk + run_bytes;
      if (tail < bs) dio_submit(d, bdev, opf, blk_sector + (tail >> SECTOR_SHIFT), d->zeros.data(), bs - tail);
    }
    sector_t sector = simplefs_block_sector(sb, pblk) + (in_blk >> SECTOR_SHIFT);
    dio_bio_builder bb{d, bdev, opf, sector, run_bytes};
    for_each_data_run(d, off, run_bytes, [&bb](uint8_t* at, size_t n) { bb.add(at, n); });
    bb.finish();
    off += run_bytes;
  }
  blk_finish_plug(&plug);
  if (map_err != 0) {
    // ENOSPC part way: what was issued is the write.
    d->result = off;
    d->size = off;
    if (off == 0 && d->error == 0) d->error = map_err;
  }

  // Drop the submitter's reference. If every bio already finished (or none
  // was needed: holes, an early error), complete here, even for an async
  // kiocb (as __iomap_dio_rw does); else an async kiocb is queued and a
  // synchronous one sleeps until the last bio ends.
  if (--d->remaining > 0) {
    if (d->is_async) return -EIOCBQUEUED;
    wait_event(d->wait, [d] { return d->done; });
  }
  long res = dio_complete(d);
  dio_free(d);
  return res;
}

}  // namespace kernel
