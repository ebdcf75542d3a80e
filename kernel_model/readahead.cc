// Readahead; see readahead.h.
#include "kernel_model/readahead.h"

#include "kernel_model/blkdev.h"
#include "kernel_model/filemap_lru.h"
#include "kernel_model/kernel.h"
#include "kernel_model/vfs_inode.h"
#include "kernel_model/vfs_storage.h"
#include "sim/check.h"

namespace kernel {

namespace {

unsigned long roundup_pow_of_two(unsigned long n) {
  unsigned long p = 1;
  while (p < n) p <<= 1;
  return p;
}

// read_pages: hands the collected pages to the file system under a plug.
void read_pages(readahead_control* rac) {
  if (rac->pages.empty()) return;
  std::vector<page*> pages = rac->pages;  // our references, dropped below
  blk_plug plug;
  bool plugged = in_task();
  if (plugged) blk_start_plug(&plug);
  const address_space_operations* aops = rac->mapping->a_ops;
  if (aops->readahead != nullptr) {
    aops->readahead(rac);
  } else {
    for (page* pg : rac->pages) aops->read_folio(rac->file_, pg);
  }
  rac->pages.clear();
  if (plugged) blk_finish_plug(&plug);
  for (page* pg : pages) put_page(pg);
}

// do_page_cache_ra: clamps the request to EOF.
void do_page_cache_ra(readahead_control* rac, unsigned long nr_to_read, unsigned long lookahead_size) {
  inode* host = rac->mapping->host;
  loff_t isize = i_size_read(host);
  if (isize == 0) return;
  pgoff_t end_index = static_cast<pgoff_t>((isize - 1) >> PAGE_SHIFT);
  if (rac->_index > end_index) return;
  if (nr_to_read > end_index - rac->_index + 1) nr_to_read = end_index - rac->_index + 1;
  page_cache_ra_unbounded(rac, nr_to_read, lookahead_size);
}

// The first index at or after `index` not in the cache, looking at most max.
pgoff_t next_miss(address_space* mapping, pgoff_t index, unsigned long max) {
  for (unsigned long i = 0; i < max; ++i) {
    if (mapping->i_pages.count(index + i) == 0) return index + i;
  }
  return index + max;
}

void ondemand_readahead(readahead_control* rac, page* marker, unsigned long req_size) {
  file_ra_state* ra = rac->ra;
  unsigned long max_pages = ra->ra_pages;
  pgoff_t index = rac->_index;
  pagecache* pc = page_cache();
  bool initial = false;

  if (index == 0) {
    initial = true;
  } else if (index == ra->start + ra->size - ra->async_size || index == ra->start + ra->size) {
    // The expected next index: sequential. Ramp up and push forward.
    ra->start += ra->size;
    ra->size = static_cast<unsigned>(get_next_ra_size(ra, max_pages));
    ra->async_size = ra->size;
  } else if (marker != nullptr) {
    // A marked page without matching state (interleaved streams): continue
    // after what is already cached.
    pgoff_t start = next_miss(rac->mapping, index + 1, max_pages);
    if (start - index > max_pages) return;
    ra->start = start;
    ra->size = static_cast<unsigned>(start - index + req_size);
    ra->size = static_cast<unsigned>(get_next_ra_size(ra, max_pages));
    ra->async_size = ra->size;
  } else if (req_size > max_pages) {
    initial = true;
  } else {
    bool sequential = ra->prev_pos >= 0 && index - static_cast<pgoff_t>(ra->prev_pos >> PAGE_SHIFT) <= 1;
    if (!sequential) {
      // A small random read: read what was asked, leave the window alone.
      storage()->kernel->trace().Emit(
          pc->k_readahead, {static_cast<int64_t>(rac->mapping->host->i_ino), static_cast<int64_t>(index),
                            static_cast<int64_t>(req_size), 0, 0});
      do_page_cache_ra(rac, req_size, 0);
      return;
    }
    initial = true;
  }
  if (initial) {
    ra->start = index;
    ra->size = static_cast<unsigned>(get_init_ra_size(req_size, max_pages));
    ra->async_size = ra->size > req_size ? static_cast<unsigned>(ra->size - req_size) : ra->size;
  }
  // Will this read hit its own marker at once? Then open the next window now.
  if (marker == nullptr && index == ra->start && ra->size == ra->async_size) {
    unsigned long add = get_next_ra_size(ra, max_pages);
    if (ra->size + add <= max_pages) {
      ra->async_size = static_cast<unsigned>(add);
      ra->size += static_cast<unsigned>(add);
    } else {
      ra->size = static_cast<unsigned>(max_pages);
      ra->async_size = static_cast<unsigned>(max_pages >> 1);
    }
  }
  rac->_index = ra->start;
  storage()->kernel->trace().Emit(
      pc->k_readahead, {static_cast<int64_t>(rac->mapping->host->i_ino), static_cast<int64_t>(ra->start),
                        ra->size, ra->async_size, marker != nullptr ? 1 : 0});
  do_page_cache_ra(rac, ra->size, ra->async_size);
}

}  // namespace

unsigned long get_init_ra_size(unsigned long size, unsigned long max) {
  unsigned long newsize = roundup_pow_of_two(size);
  if (newsize <= max / 32) {
    newsize *= 4;
  } else if (newsize <= max / 4) {
    newsize *= 2;
  } else {
    newsize = max;
  }
  return newsize;
}

unsigned long get_next_ra_size(const file_ra_state* ra, unsigned long max) {
  unsigned long cur = ra->size;
  if (cur < max / 16) return 4 * cur;
  if (cur <= max / 2) return 2 * cur;
  return max;
}

void file_ra_state_init(file_ra_state* ra, address_space* mapping) {
  ra->ra_pages = page_cache()->cfg.ra_pages;
  ra->start = 0;
  ra->size = 0;
  ra->async_size = 0;
  ra->prev_pos = -1;
}

void page_cache_ra_unbounded(readahead_control* rac, unsigned long nr_to_read, unsigned long lookahead_size) {
  address_space* mapping = rac->mapping;
  pgoff_t index = rac->_index;
  pagecache* pc = page_cache();
  for (unsigned long i = 0; i < nr_to_read; ++i) {
    pgoff_t at = index + i;
    if (mapping->i_pages.count(at) != 0) {
      // Already cached: read what we have so far and skip it.
      read_pages(rac);
      continue;
    }
    page* pg = page_cache_alloc(mapping, false);
    if (pg == nullptr) break;
    if (add_to_page_cache_lru(pg, mapping, at) != 0) {
      put_page(pg);
      read_pages(rac);
      continue;
    }
    if (lookahead_size <= nr_to_read && i == nr_to_read - lookahead_size) SetPageReadahead(pg);
    ++pc->stats.readahead_pages;
    rac->pages.push_back(pg);
  }
  read_pages(rac);
}

void page_cache_sync_readahead(address_space* mapping, file_ra_state* ra, file* f, pgoff_t index,
                               unsigned long req_count) {
  readahead_control rac;
  rac.file_ = f;
  rac.mapping = mapping;
  rac.ra = ra;
  rac._index = index;
  if (ra->ra_pages == 0) {  // readahead disabled: read what was asked
    do_page_cache_ra(&rac, req_count, 0);
    return;
  }
  ondemand_readahead(&rac, nullptr, req_count);
}

void page_cache_async_readahead(address_space* mapping, file_ra_state* ra, file* f, page* pg, pgoff_t index,
                                unsigned long req_count) {
  if (ra->ra_pages == 0) return;
  if (PageWriteback(pg)) return;
  ClearPageReadahead(pg);
  readahead_control rac;
  rac.file_ = f;
  rac.mapping = mapping;
  rac.ra = ra;
  rac._index = index;
  ondemand_readahead(&rac, pg, req_count);
}

}  // namespace kernel
