// The bio's life: allocation, segments, references, completion, chaining.
// Models block/bio.c; see blk_types.h for the contract.
#include <new>

#include "kernel_model/blk_types.h"
#include "kernel_model/blkdev.h"
#include "kernel_model/errno.h"
#include "sim/check.h"

namespace kernel {

const char* blk_op_str(req_op op) {
  switch (op) {
    case REQ_OP_READ:
      return "READ";
    case REQ_OP_WRITE:
      return "WRITE";
    case REQ_OP_FLUSH:
      return "FLUSH";
    case REQ_OP_DISCARD:
      return "DISCARD";
  }
  return "UNKNOWN";
}

// The reports of bio_alloc's and bio_put's checks, out of line (same
// conditions, same messages): a SIM_CHECK's message builder inside a
// per-bio function makes every call set up a full frame with a
// stack-protector canary, although the checks pass.
[[gnu::cold, gnu::noinline]] static void bio_alloc_too_many_vecs(uint16_t nr_vecs) {
  SIM_CHECK(nr_vecs <= BIO_MAX_VECS) << "bio_alloc of " << nr_vecs << " vecs (max " << BIO_MAX_VECS << ")";
}
[[gnu::cold, gnu::noinline]] static void bio_put_below_zero(const bio* b) {
  SIM_CHECK(b->bi_cnt > 0) << "bio_put below zero on bio " << b->bi_id;
}

bio* bio_alloc(block_device* bdev, uint16_t nr_vecs, blk_opf_t opf) {
  if (!(nr_vecs <= BIO_MAX_VECS)) [[unlikely]] bio_alloc_too_many_vecs(nr_vecs);
  request_queue* q = bdev != nullptr ? bdev_get_queue(bdev) : nullptr;
  bio* b;
  if (q != nullptr && !q->bio_cache.empty()) {
    b = new (q->bio_cache.back()) bio();
    q->bio_cache.pop_back();
  } else {
    b = new bio();
  }
  b->bi_bdev = bdev;
  b->bi_opf = opf;
  b->bi_max_vecs = nr_vecs;
  if (nr_vecs <= BIO_INLINE_VECS) {
    b->bi_io_vec = b->bi_inline_vecs;
  } else {
    b->bi_vec_array = std::make_unique<bio_vec[]>(nr_vecs);
    b->bi_io_vec = b->bi_vec_array.get();
  }
  return b;
}

void bio_get(bio* b) {
  SIM_CHECK(b->bi_cnt > 0) << "bio_get on freed bio " << b->bi_id;
  ++b->bi_cnt;
}

void bio_put(bio* b) {
  if (!(b->bi_cnt > 0)) [[unlikely]] bio_put_below_zero(b);
  if (--b->bi_cnt != 0) return;
  request_queue* q = b->bi_bdev != nullptr ? bdev_get_queue(b->bi_bdev) : nullptr;
  if (q == nullptr) {
    delete b;
    return;
  }
  b->~bio();
  q->bio_cache.push_back(b);
}

static uint32_t bio_add_segment(bio* b, page* pg, uint8_t* addr, uint32_t len, uint32_t offset) {
  SIM_CHECK(!b->bi_ended) << "bio_add on an ended bio " << b->bi_id;
  if (len == 0) return 0;
  // Contiguous with the last segment of the same page: grow it (Linux's
  // same-page merge), which keeps segment counts honest for sub-page I/O.
  if (b->bi_vcnt > 0) {
    bio_vec& last = b->bi_io_vec[b->bi_vcnt - 1];
    if (last.bv_page == pg && last.bv_addr + last.bv_len == addr) {
      last.bv_len += len;
      b->bi_iter.bi_size += len;
      return len;
    }
  }
  if (b->bi_vcnt >= b->bi_max_vecs) return 0;
  b->bi_io_vec[b->bi_vcnt++] = bio_vec{pg, addr, len, offset};
  b->bi_iter.bi_size += len;
  return len;
}

uint32_t __bio_add_page(bio* b, page* pg, uint8_t* page_addr, uint32_t len, uint32_t offset) {
  SIM_CHECK(offset + len <= 4096) << "bio_add_page past the page end: offset " << offset << " len " << len;
  return bio_add_segment(b, pg, page_addr + offset, len, offset);
}

uint32_t bio_add_addr(bio* b, uint8_t* addr, uint32_t len) {
  return bio_add_segment(b, nullptr, addr, len, static_cast<uint32_t>(reinterpret_cast<uintptr_t>(addr) & 4095));
}

uint32_t bio_segments(const bio* b) {
  uint32_t n = 0;
  bio_for_each_segment(b, [&](uint8_t*, uint32_t) { ++n; });
  return n;
}

void bio_advance(bio* b, uint32_t bytes) {
  SIM_CHECK(bytes <= b->bi_iter.bi_size) << "bio_advance by " << bytes << " past the end of bio " << b->bi_id;
  SIM_CHECK(bytes % SECTOR_SIZE == 0) << "bio_advance by " << bytes << " (not whole sectors)";
  b->bi_iter.bi_sector += bytes >> SECTOR_SHIFT;
  b->bi_iter.bi_size -= bytes;
  while (bytes > 0) {
    uint32_t in_seg = b->bi_io_vec[b->bi_iter.bi_idx].bv_len - b->bi_iter.bi_bvec_done;
    if (bytes < in_seg) {
      b->bi_iter.bi_bvec_done += bytes;
      return;
    }
    bytes -= in_seg;
    ++b->bi_iter.bi_idx;
    b->bi_iter.bi_bvec_done = 0;
  }
}

void bio_endio(bio* b) {
  SIM_CHECK(b->__bi_remaining > 0) << "bio_endio on bio " << b->bi_id << " with nothing remaining";
  if (--b->__bi_remaining > 0) return;
  SIM_CHECK(!b->bi_ended) << "bio_endio twice on bio " << b->bi_id;
  b->bi_ended = true;
  if (b->bi_end_io) b->bi_end_io(b);
}

void bio_io_error(bio* b) {
  b->bi_status = BLK_STS_IOERR;
  bio_endio(b);
}

static void bio_chain_endio(bio* child) {
  bio* parent = static_cast<bio*>(child->bi_private);
  if (child->bi_status != BLK_STS_OK && parent->bi_status == BLK_STS_OK) parent->bi_status = child->bi_status;
  bio_put(child);
  bio_endio(parent);
}

void bio_chain(bio* b, bio* parent) {
  SIM_CHECK(b->bi_end_io == nullptr) << "bio_chain of a bio that already has an end_io";
  b->bi_private = parent;
  b->bi_end_io = bio_chain_endio;
  ++parent->__bi_remaining;
}

}  // namespace kernel
