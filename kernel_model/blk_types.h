// The bio: one block I/O as the page cache and direct I/O hand it to the block
// layer. Models include/linux/blk_types.h, include/linux/bio.h and
// block/bio.c (bio_alloc, bio_add_page, bio_put, bio_endio, bio_chain).
//
// Contract:
// - bio_alloc() returns a bio with one reference (bi_cnt == 1); bio_put()
//   drops one and frees the bio at zero. A put below zero is a modelled-kernel
//   bug (SIM_CHECK). A freed bio's storage is kept for reuse by its device's
//   queue (bio_alloc_cache), so the last bio_put of a bio with a bi_bdev
//   REQUIRES that block device to be alive. submit_bio() does not take a reference: as in Linux the
//   bi_end_io callback (or the submit_bio_wait caller) owns the final put.
// - bio_endio() runs bi_end_io exactly once per bio (a second call is a
//   SIM_CHECK). It runs in the context that completes the I/O: interrupt
//   context (a sim event, no fiber) for device completions, or the submitter
//   when the block layer fails a bio before it reaches a device.
// - bi_iter.bi_sector/bi_size describe the device range; the payload is the
//   bi_io_vec segments in order, whose lengths sum to bi_size.
//
// Differences from Linux:
// - A bio_vec carries the host address of its bytes (bv_addr) beside the
//   optional page-cache page (bv_page): pages of user memory pinned for
//   O_DIRECT have no struct page here. bv_offset is kept for the trace only.
// - blk_opf_t packs the op in the low 8 bits and flags above, as Linux, but
//   the flag bit numbers are ours.
// - Every bio gets a stable id (bi_id) at submit, for the trace.
#ifndef AIOSIM_KERNEL_MODEL_BLK_TYPES_H_
#define AIOSIM_KERNEL_MODEL_BLK_TYPES_H_

#include <cstdint>
#include <memory>
#include <span>

#include "kernel_model/errno.h"

namespace kernel {

struct page;
struct block_device;

using sector_t = uint64_t;
inline constexpr unsigned SECTOR_SHIFT = 9;
inline constexpr unsigned SECTOR_SIZE = 1u << SECTOR_SHIFT;

// --- completion status (include/linux/blk_types.h) ---
using blk_status_t = uint8_t;
inline constexpr blk_status_t BLK_STS_OK = 0;
inline constexpr blk_status_t BLK_STS_NOTSUPP = 1;
inline constexpr blk_status_t BLK_STS_NOSPC = 3;
inline constexpr blk_status_t BLK_STS_RESOURCE = 9;
inline constexpr blk_status_t BLK_STS_IOERR = 10;
inline constexpr blk_status_t BLK_STS_AGAIN = 12;
// -errno <-> status, as block/blk-core.c's table (unknown errno -> IOERR).
// Inline: every request's completion converts.
inline int blk_status_to_errno(blk_status_t status) {
  switch (status) {
    case BLK_STS_OK:
      return 0;
    case BLK_STS_NOTSUPP:
      return -EOPNOTSUPP;
    case BLK_STS_NOSPC:
      return -ENOSPC;
    case BLK_STS_RESOURCE:
      return -ENOMEM;
    case BLK_STS_AGAIN:
      return -EAGAIN;
    default:
      return -EIO;
  }
}
inline blk_status_t errno_to_blk_status(int err) {
  switch (err) {
    case 0:
      return BLK_STS_OK;
    case -EOPNOTSUPP:
      return BLK_STS_NOTSUPP;
    case -ENOSPC:
      return BLK_STS_NOSPC;
    case -ENOMEM:
      return BLK_STS_RESOURCE;
    case -EAGAIN:
      return BLK_STS_AGAIN;
    default:
      return BLK_STS_IOERR;
  }
}

// --- operation and flags ---
using blk_opf_t = uint32_t;
enum req_op : uint32_t {
  REQ_OP_READ = 0,
  REQ_OP_WRITE = 1,
  REQ_OP_FLUSH = 2,
  REQ_OP_DISCARD = 3,
};
inline constexpr blk_opf_t REQ_OP_MASK = 0xff;
inline constexpr blk_opf_t REQ_SYNC = 1u << 11;        // the submitter waits for it
inline constexpr blk_opf_t REQ_META = 1u << 12;
inline constexpr blk_opf_t REQ_NOMERGE = 1u << 14;     // never merge with anything
inline constexpr blk_opf_t REQ_IDLE = 1u << 15;
inline constexpr blk_opf_t REQ_FUA = 1u << 17;         // persisted before completion
inline constexpr blk_opf_t REQ_PREFLUSH = 1u << 18;    // flush the device cache first
inline constexpr blk_opf_t REQ_RAHEAD = 1u << 19;      // readahead: may be dropped
inline constexpr blk_opf_t REQ_BACKGROUND = 1u << 20;  // writeback
// Flags that forbid merging (Linux: REQ_NOMERGE_FLAGS).
inline constexpr blk_opf_t REQ_NOMERGE_FLAGS = REQ_NOMERGE | REQ_PREFLUSH | REQ_FUA;

inline req_op op_of(blk_opf_t opf) { return static_cast<req_op>(opf & REQ_OP_MASK); }
inline bool op_is_write(blk_opf_t opf) { return (opf & 1) != 0; }
inline bool op_is_flush(blk_opf_t opf) { return (opf & (REQ_FUA | REQ_PREFLUSH)) != 0; }
const char* blk_op_str(req_op op);  // "READ", "WRITE", "FLUSH", "DISCARD"

// --- the bio ---
struct bio_vec {
  page* bv_page = nullptr;     // the page-cache page, if any
  uint8_t* bv_addr = nullptr;  // host address of the first byte
  uint32_t bv_len = 0;
  uint32_t bv_offset = 0;      // offset within the page (trace only)
};

// Where a bio's remaining I/O starts: the segments bi_io_vec[bi_idx...],
// the first of them already consumed by bi_bvec_done bytes. Splitting
// advances the iterator and leaves bi_io_vec intact, so bi_end_io still sees
// every page (bio_for_each_segment_all), as Linux.
struct bvec_iter {
  sector_t bi_sector = 0;     // device address in 512-byte sectors
  uint32_t bi_size = 0;       // residual I/O count in bytes
  uint32_t bi_idx = 0;        // current index into bi_io_vec
  uint32_t bi_bvec_done = 0;  // bytes of bi_io_vec[bi_idx] already done
};

struct bio;
using bio_end_io_t = void (*)(bio*);

// BIO_MAX_VECS: the most segments one bio may carry (bio_add_page refuses more).
inline constexpr uint32_t BIO_MAX_VECS = 256;
// Segments kept inside the bio itself; a bio allocated for more gets a
// separate array (block/bio.c: BIO_INLINE_VECS, bvec_alloc).
inline constexpr uint32_t BIO_INLINE_VECS = 4;

struct bio {
  bio() = default;
  bio(const bio&) = delete;  // bi_io_vec may point into the bio itself
  bio& operator=(const bio&) = delete;

  bio* bi_next = nullptr;  // request chain
  block_device* bi_bdev = nullptr;
  blk_opf_t bi_opf = 0;
  blk_status_t bi_status = BLK_STS_OK;
  bvec_iter bi_iter;
  bio_end_io_t bi_end_io = nullptr;
  void* bi_private = nullptr;
  bio_vec* bi_io_vec = nullptr;  // bi_max_vecs slots: bi_inline_vecs or bi_vec_array
  uint16_t bi_vcnt = 0;          // segments in use
  uint16_t bi_max_vecs = 0;
  int bi_cnt = 1;                // references (bio_get/bio_put)
  int __bi_remaining = 1;        // bio_chain: children still in flight + 1
  bool bi_ended = false;         // bio_endio ran (model: catches double ends)
  uint64_t bi_id = 0;            // model: stable id for the trace, set at submit
  std::unique_ptr<bio_vec[]> bi_vec_array;  // when bi_max_vecs > BIO_INLINE_VECS
  bio_vec bi_inline_vecs[BIO_INLINE_VECS];
};

// Every segment of the bio, consumed or not (bio_for_each_segment_all).
inline std::span<bio_vec> bio_vecs_all(bio* b) { return {b->bi_io_vec, b->bi_vcnt}; }
inline std::span<const bio_vec> bio_vecs_all(const bio* b) { return {b->bi_io_vec, b->bi_vcnt}; }

// Allocates a bio for up to nr_vecs segments (<= BIO_MAX_VECS).
bio* bio_alloc(block_device* bdev, uint16_t nr_vecs, blk_opf_t opf);
void bio_get(bio* b);
void bio_put(bio* b);
// Appends a segment of `pg` whose bytes start at host address page_addr;
// returns len, or 0 when the bio is full (as Linux). bio_add_page(bio, page,
// len, offset), which finds the page's address itself, is in filemap_page.h.
// REQUIRES: offset + len <= PAGE_SIZE.
uint32_t __bio_add_page(bio* b, page* pg, uint8_t* page_addr, uint32_t len, uint32_t offset);
// Model: appends a segment of plain host memory (pinned user pages for
// O_DIRECT). Returns len, or 0 when the bio is full.
uint32_t bio_add_addr(bio* b, uint8_t* addr, uint32_t len);
// Ends the bio: runs bi_end_io (once). Honours bio_chain's remaining count.
void bio_endio(bio* b);
// Marks the bio failed with `status` and ends it.
void bio_io_error(bio* b);
// Makes `parent` complete only after `b` completes too (b's error, if any,
// is kept on the parent). Used when splitting.
void bio_chain(bio* b, bio* parent);
// Calls fn(addr, len) for each piece of the bio's remaining range
// (bio_for_each_segment).
template <typename Fn>
void bio_for_each_segment(const bio* b, Fn&& fn) {
  uint32_t left = b->bi_iter.bi_size;
  uint32_t skip = b->bi_iter.bi_bvec_done;
  for (uint32_t i = b->bi_iter.bi_idx; left > 0 && i < b->bi_vcnt; ++i) {
    const bio_vec& bv = b->bi_io_vec[i];
    uint32_t len = bv.bv_len - skip;
    if (len > left) len = left;
    fn(bv.bv_addr + skip, len);
    left -= len;
    skip = 0;
  }
}
// Segments in the remaining range.
uint32_t bio_segments(const bio* b);
// Consumes `bytes` from the front of the remaining range (bio_advance).
void bio_advance(bio* b, uint32_t bytes);
inline sector_t bio_sectors(const bio* b) { return b->bi_iter.bi_size >> SECTOR_SHIFT; }
inline sector_t bio_end_sector(const bio* b) { return b->bi_iter.bi_sector + bio_sectors(b); }
inline req_op bio_op(const bio* b) { return op_of(b->bi_opf); }
inline bool bio_data_dir_write(const bio* b) { return op_is_write(b->bi_opf); }

}  // namespace kernel

#endif  // AIOSIM_KERNEL_MODEL_BLK_TYPES_H_
