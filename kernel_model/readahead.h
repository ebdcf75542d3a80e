// Readahead: the per-file window that grows on sequential reads. Models
// mm/readahead.c (page_cache_sync_ra, page_cache_async_ra, ondemand
// readahead, page_cache_ra_unbounded, read_pages) and struct file_ra_state /
// struct readahead_control of include/linux/fs.h and pagemap.h.
//
// The window (6.x rules, one page per folio):
// - a miss at index 0, or right after the previous read (prev_pos), starts a
//   window of get_init_ra_size(request) pages: the request rounded up to a
//   power of two, x4 when tiny (<= ra_pages/32), x2 when small (<= ra_pages/4),
//   else ra_pages; the pages beyond the request are the async part, and the
//   first of them gets PG_readahead;
// - reaching a PG_readahead page (or missing exactly at the expected next
//   index) moves the window forward and grows it: x4 while below
//   ra_pages/16, x2 up to ra_pages/2, then ra_pages (default 32 = 128 KiB);
//   the whole new window is async;
// - any other miss is a random read: exactly the request is read and the
//   window state is left alone.
// Windows stop at EOF. Pages are allocated without blocking: when the cache
// cannot make room without waiting, readahead reads fewer pages.
// The pages of one window are read with one plug around a_ops->readahead,
// so contiguous blocks become one request.
//
// Trace kind: readahead {ino, index, nr_pages, async_size, marker_hit}
//
// Differences from Linux: no context readahead (page-cache history probing
// for interleaved streams), no large folios, no mmap-fault readahead, no
// shrinking of the window after an I/O error.
#ifndef AIOSIM_KERNEL_MODEL_READAHEAD_H_
#define AIOSIM_KERNEL_MODEL_READAHEAD_H_

#include <vector>

#include "kernel_model/filemap.h"

namespace kernel {

struct file_ra_state {
  pgoff_t start = 0;            // where the current window starts
  unsigned int size = 0;        // its size in pages
  unsigned int async_size = 0;  // start the next window when this many are left
  unsigned int ra_pages = 32;   // the largest window
  loff_t prev_pos = -1;         // the byte after the last read
};

struct readahead_control {
  file* file_ = nullptr;  // Linux: file
  address_space* mapping = nullptr;
  file_ra_state* ra = nullptr;
  pgoff_t _index = 0;
  // The locked pages to read, in index order, contiguous from their first.
  // a_ops->readahead takes every one (they are unlocked by the I/O's end).
  std::vector<page*> pages;
};

// ra_pages from the page cache's configuration; window empty.
void file_ra_state_init(file_ra_state* ra, address_space* mapping);
// The readahead state of an open file (regular files keep one), or nullptr.
file_ra_state* file_ra(file* f);

// A read missed at index; req_count pages were asked for.
void page_cache_sync_readahead(address_space* mapping, file_ra_state* ra, file* f, pgoff_t index,
                               unsigned long req_count);
// A read reached pg, which carries PG_readahead.
void page_cache_async_readahead(address_space* mapping, file_ra_state* ra, file* f, page* pg, pgoff_t index,
                                unsigned long req_count);
// Reads up to nr_to_read pages from rac->_index that are not cached; marks
// the page lookahead_size from the end with PG_readahead.
void page_cache_ra_unbounded(readahead_control* rac, unsigned long nr_to_read, unsigned long lookahead_size);

// The window-size rules (exposed for tests).
unsigned long get_init_ra_size(unsigned long size, unsigned long max);
unsigned long get_next_ra_size(const file_ra_state* ra, unsigned long max);

}  // namespace kernel

#endif  // AIOSIM_KERNEL_MODEL_READAHEAD_H_
