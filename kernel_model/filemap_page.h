// struct page: one 4 KiB page of the page cache, its flags and references.
// Models include/linux/mm_types.h (struct page), include/linux/page-flags.h
// (PG_* and the PageX/SetPageX/ClearPageX helpers) and the reference helpers
// of include/linux/mm.h (get_page/put_page).
//
// Contract:
// - A page holds its bytes inline (page_address() is their host address).
// - _refcount: the page cache holds one reference while the page is in an
//   address_space; every lookup (find_get_page ...) takes one that the caller
//   drops with put_page(). The page is freed when the count reaches zero,
//   which REQUIRES that it is no longer in a mapping and not on the LRU. A
//   put below zero is a SIM_CHECK.
// - Flags are plain bit operations (fibers switch only at sim:: calls, so a
//   read-modify-write is atomic with respect to every other context).
//
// Differences from Linux: no folios (one page per cache entry), no compound
// pages, no PG_waiters optimisation (unlock always walks the wait queue),
// PG_readahead is its own bit instead of aliasing PG_reclaim, and each page
// has its own wait queue head instead of a slot in a hashed table (so trace
// ids of wake-ups never depend on where the host allocator put a page).
#ifndef AIOSIM_KERNEL_MODEL_FILEMAP_PAGE_H_
#define AIOSIM_KERNEL_MODEL_FILEMAP_PAGE_H_

#include <cstdint>

#include "kernel_model/blk_types.h"
#include "kernel_model/mm.h"
#include "kernel_model/types.h"
#include "kernel_model/wait.h"

namespace kernel {

struct address_space;

// PAGE_SIZE, PAGE_SHIFT, PAGE_MASK come from mm.h.
using pgoff_t = uint64_t;

enum pageflags : int {
  PG_locked = 0,     // under I/O or being changed: lock_page waits
  PG_writeback = 1,  // a write of the page is in flight
  PG_referenced = 2,
  PG_uptodate = 3,   // the bytes are valid
  PG_dirty = 4,      // newer than the disk
  PG_lru = 5,        // on the LRU list
  PG_active = 6,
  PG_error = 10,     // the last I/O failed
  PG_reclaim = 18,
  PG_readahead = 19,  // reaching this page starts the next async readahead
};

struct page {
  unsigned long flags = 0;
  address_space* mapping = nullptr;  // nullptr once truncated / evicted
  pgoff_t index = 0;                 // offset in the file, in pages
  int _refcount = 1;
  uint64_t id = 0;       // model: stable id for the trace
  uint64_t lru_seq = 0;  // model: position on the LRU (0: not on it)
  // Waiters for PG_locked / PG_writeback (page_waitqueue in filemap.h).
  wait_queue_head wait{"page"};
  alignas(64) uint8_t data[PAGE_SIZE];
};

inline uint8_t* page_address(page* pg) { return pg->data; }
inline loff_t page_offset(const page* pg) { return static_cast<loff_t>(pg->index) << PAGE_SHIFT; }

#define AIOSIM_PAGEFLAG(Name, bit)                                                   \
  inline bool Page##Name(const page* pg) { return test_bit(bit, &pg->flags); }       \
  inline void SetPage##Name(page* pg) { set_bit(bit, &pg->flags); }                  \
  inline void ClearPage##Name(page* pg) { clear_bit(bit, &pg->flags); }              \
  inline bool TestSetPage##Name(page* pg) { return test_and_set_bit(bit, &pg->flags); } \
  inline bool TestClearPage##Name(page* pg) { return test_and_clear_bit(bit, &pg->flags); }
AIOSIM_PAGEFLAG(Locked, PG_locked)
AIOSIM_PAGEFLAG(Writeback, PG_writeback)
AIOSIM_PAGEFLAG(Referenced, PG_referenced)
AIOSIM_PAGEFLAG(Uptodate, PG_uptodate)
AIOSIM_PAGEFLAG(Dirty, PG_dirty)
AIOSIM_PAGEFLAG(LRU, PG_lru)
AIOSIM_PAGEFLAG(Active, PG_active)
AIOSIM_PAGEFLAG(Error, PG_error)
AIOSIM_PAGEFLAG(Reclaim, PG_reclaim)
AIOSIM_PAGEFLAG(Readahead, PG_readahead)
#undef AIOSIM_PAGEFLAG

// References. put_page frees the page at zero (see the contract).
void get_page(page* pg);
void put_page(page* pg);
inline int page_count(const page* pg) { return pg->_refcount; }

// bio_add_page (block/bio.c): a segment of the page's bytes.
inline uint32_t bio_add_page(bio* b, page* pg, uint32_t len, uint32_t offset) {
  return __bio_add_page(b, pg, page_address(pg), len, offset);
}

}  // namespace kernel

#endif  // AIOSIM_KERNEL_MODEL_FILEMAP_PAGE_H_
