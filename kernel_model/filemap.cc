// Page-cache lookup, insertion, removal, locking, waiting, dirty and
// writeback state, truncation; see filemap.h.
#include "kernel_model/filemap.h"

#include <cstring>
#include <vector>

#include "kernel_model/filemap_lru.h"
#include "kernel_model/vfs_inode.h"
#include "kernel_model/vfs_storage.h"
#include "kernel_model/writeback.h"
#include "sim/check.h"

namespace kernel {

namespace {
int64_t ino_of(const address_space* mapping) {
  return mapping && mapping->host ? static_cast<int64_t>(mapping->host->i_ino) : 0;
}
}  // namespace

// --- references ---

void get_page(page* pg) {
  SIM_CHECK(pg->_refcount > 0) << "get_page on freed page " << pg->id;
  ++pg->_refcount;
}

void put_page(page* pg) {
  SIM_CHECK(pg->_refcount > 0) << "put_page below zero on page " << pg->id;
  if (--pg->_refcount > 0) {
    if (pg->_refcount == 1 && PageLRU(pg)) wake_reclaim();
    return;
  }
  SIM_CHECK(pg->mapping == nullptr && !PageLRU(pg))
      << "page " << pg->id << " freed while still in the page cache (index " << pg->index << ")";
  SIM_CHECK(!PageLocked(pg) && !PageWriteback(pg)) << "page " << pg->id << " freed while locked or under writeback";
  --page_cache()->nr_allocated;
  delete pg;
}

// --- allocation, lookup, insertion ---

page* page_cache_alloc(address_space* mapping, bool may_block) {
  if (!reclaim_for_alloc(may_block)) return nullptr;
  pagecache* pc = page_cache();
  page* pg = new page();
  pg->id = pc->next_page_id++;
  ++pc->nr_allocated;
  return pg;
}

page* find_get_page(address_space* mapping, pgoff_t index) {
  auto it = mapping->i_pages.find(index);
  if (it == mapping->i_pages.end()) return nullptr;
  get_page(it->second);
  return it->second;
}

page* find_lock_page(address_space* mapping, pgoff_t index) {
  for (;;) {
    page* pg = find_get_page(mapping, index);
    if (pg == nullptr) return nullptr;
    lock_page(pg);
    if (pg->mapping == mapping && pg->index == index) return pg;
    // Truncated (or evicted) while we slept: look again.
    unlock_page(pg);
    put_page(pg);
  }
}

page* find_or_create_page(address_space* mapping, pgoff_t index, bool may_block) {
  for (;;) {
    page* pg = find_lock_page(mapping, index);
    if (pg != nullptr) return pg;
    pg = page_cache_alloc(mapping, may_block);
    if (pg == nullptr) return nullptr;
    if (add_to_page_cache_lru(pg, mapping, index) == 0) return pg;
    put_page(pg);  // someone else added one while we allocated
  }
}

int add_to_page_cache_lru(page* pg, address_space* mapping, pgoff_t index) {
  SIM_CHECK(pg->mapping == nullptr && !PageLRU(pg)) << "add_to_page_cache_lru of page " << pg->id << " already cached";
  if (mapping->i_pages.count(index) != 0) return -EEXIST;
  pagecache* pc = page_cache();
  SetPageLocked(pg);
  pg->mapping = mapping;
  pg->index = index;
  get_page(pg);  // the cache's reference
  mapping->i_pages.emplace(index, pg);
  ++mapping->nrpages;
  ++pc->nr_pages;
  ++pc->stats.pages_added;
  lru_cache_add(pg);
  storage()->kernel->trace().Emit(pc->k_add, {ino_of(mapping), static_cast<int64_t>(index),
                                              static_cast<int64_t>(pg->id), pc->nr_pages});
  return 0;
}

void __delete_from_page_cache(page* pg) {
  address_space* mapping = pg->mapping;
  SIM_CHECK(mapping != nullptr) << "delete_from_page_cache of page " << pg->id << " not in a mapping";
  SIM_CHECK(PageLocked(pg)) << "delete_from_page_cache of unlocked page " << pg->id;
  SIM_CHECK(!PageWriteback(pg)) << "delete_from_page_cache of page " << pg->id << " under writeback";
  pagecache* pc = page_cache();
  if (TestClearPageDirty(pg)) {  // cancel_dirty_page: the data is being thrown away
    --mapping->nr_dirty;
    mapping->dirty_tag.erase(pg->index);
    --pc->nr_dirty;
    wb_wakeup_throttled();
  }
  mapping->i_pages.erase(pg->index);
  --mapping->nrpages;
  --pc->nr_pages;
  lru_cache_del(pg);
  pg->mapping = nullptr;
}

void delete_from_page_cache(page* pg) {
  __delete_from_page_cache(pg);
  put_page(pg);
}

void mark_page_accessed(page* pg) {
  SetPageReferenced(pg);
  lru_touch(pg);
}

// --- locking and waiting ---

bool wake_page_match(const wait_page_queue* wait, void* key) {
  const auto* k = static_cast<const wait_bit_key*>(key);
  if (k == nullptr || wait->pg == nullptr) return false;
  if (k->flags != &wait->pg->flags || k->bit_nr != wait->bit_nr) return false;
  return !test_bit(wait->bit_nr, &wait->pg->flags);
}

wait_queue_head* page_waitqueue(page* pg) { return &pg->wait; }

void wake_up_page_bit(page* pg, int bit_nr) { __wake_up_bit(&pg->wait, &pg->flags, bit_nr); }

namespace {
// folio_wait_bit_common: sleeps in `state` on the page's queue until `bit`
// is clear (lock: until this task set it). 0, or -EINTR when a signal the
// state allows arrived first.
int page_wait_bit_common(page* pg, int bit_nr, long state, bool lock) {
  wait_queue_head* q = page_waitqueue(pg);
  wait_bit_queue_entry wbq;
  init_wait_bit_entry(&wbq, &pg->flags, bit_nr);
  int ret = 0;
  for (;;) {
    if (lock) {
      prepare_to_wait_exclusive(q, &wbq.wq_entry, static_cast<int>(state));
    } else {
      prepare_to_wait(q, &wbq.wq_entry, static_cast<int>(state));
    }
    if (lock ? !test_and_set_bit(bit_nr, &pg->flags) : !test_bit(bit_nr, &pg->flags)) break;
    if (signal_pending_state(state, current())) {
      ret = -EINTR;
      break;
    }
    schedule();
  }
  finish_wait(q, &wbq.wq_entry);
  return ret;
}
}  // namespace

void __lock_page(page* pg) { page_wait_bit_common(pg, PG_locked, TASK_UNINTERRUPTIBLE, true); }

int lock_page_killable(page* pg) {
  if (trylock_page(pg)) return 0;
  return page_wait_bit_common(pg, PG_locked, TASK_KILLABLE, true);
}

int __lock_page_async(page* pg, wait_page_queue* wait) {
  if (trylock_page(pg)) return 0;
  wait->pg = pg;
  wait->bit_nr = PG_locked;
  __add_wait_queue_entry_tail(page_waitqueue(pg), &wait->wait);
  return -EIOCBRETRY;
}

int wait_on_page_bit_async(page* pg, int bit_nr, wait_page_queue* wait) {
  if (!test_bit(bit_nr, &pg->flags)) return 0;
  wait->pg = pg;
  wait->bit_nr = bit_nr;
  __add_wait_queue_entry_tail(page_waitqueue(pg), &wait->wait);
  return -EIOCBRETRY;
}

void unlock_page(page* pg) {
  SIM_CHECK(PageLocked(pg)) << "unlock_page of unlocked page " << pg->id;
  ClearPageLocked(pg);
  wake_up_page_bit(pg, PG_locked);
  wake_reclaim();
}

void wait_on_page_locked(page* pg) {
  if (PageLocked(pg)) page_wait_bit_common(pg, PG_locked, TASK_UNINTERRUPTIBLE, false);
}

int wait_on_page_locked_killable(page* pg) {
  if (!PageLocked(pg)) return 0;
  return page_wait_bit_common(pg, PG_locked, TASK_KILLABLE, false);
}

void wait_on_page_writeback(page* pg) {
  while (PageWriteback(pg)) page_wait_bit_common(pg, PG_writeback, TASK_UNINTERRUPTIBLE, false);
}

// --- dirty and writeback state ---

bool set_page_dirty(page* pg) {
  if (TestSetPageDirty(pg)) return false;
  address_space* mapping = pg->mapping;
  SIM_CHECK(mapping != nullptr) << "set_page_dirty of page " << pg->id << " outside the page cache";
  ++mapping->nr_dirty;
  mapping->dirty_tag.insert(pg->index);
  ++page_cache()->nr_dirty;
  if (mapping->host) __mark_inode_dirty(mapping->host, I_DIRTY_PAGES);
  return true;
}

bool clear_page_dirty_for_io(page* pg) {
  SIM_CHECK(PageLocked(pg)) << "clear_page_dirty_for_io of unlocked page " << pg->id;
  if (!TestClearPageDirty(pg)) return false;
  if (pg->mapping) {
    --pg->mapping->nr_dirty;
    pg->mapping->dirty_tag.erase(pg->index);
  }
  --page_cache()->nr_dirty;
  return true;
}

void set_page_writeback(page* pg) {
  SIM_CHECK(PageLocked(pg)) << "set_page_writeback of unlocked page " << pg->id;
  SIM_CHECK(!PageWriteback(pg)) << "set_page_writeback of page " << pg->id << " already under writeback";
  SetPageWriteback(pg);
  if (pg->mapping) {
    ++pg->mapping->nr_writeback;
    pg->mapping->writeback_tag.insert(pg->index);
  }
  ++page_cache()->nr_writeback;
}

void end_page_writeback(page* pg) {
  SIM_CHECK(PageWriteback(pg)) << "end_page_writeback of page " << pg->id << " not under writeback";
  ClearPageWriteback(pg);
  if (pg->mapping) {
    --pg->mapping->nr_writeback;
    pg->mapping->writeback_tag.erase(pg->index);
  }
  --page_cache()->nr_writeback;
  wake_up_page_bit(pg, PG_writeback);
  wake_reclaim();
  wb_wakeup_throttled();
}

void mapping_set_error(address_space* mapping, int error) {
  if (error == 0) return;
  set_bit(error == -ENOSPC ? AS_ENOSPC : AS_EIO, &mapping->flags);
}

int filemap_check_errors(address_space* mapping) {
  int ret = 0;
  if (test_and_clear_bit(AS_ENOSPC, &mapping->flags)) ret = -ENOSPC;
  if (test_and_clear_bit(AS_EIO, &mapping->flags)) ret = -EIO;
  return ret;
}

// --- truncation and invalidation ---

namespace {
// The first cached index in [start, end) or end.
pgoff_t next_cached(address_space* mapping, pgoff_t start, pgoff_t end) {
  auto it = mapping->i_pages.lower_bound(start);
  if (it == mapping->i_pages.end() || it->first >= end) return end;
  return it->first;
}

void zero_page_range(address_space* mapping, pgoff_t index, uint32_t from, uint32_t to) {
  page* pg = find_lock_page(mapping, index);
  if (pg == nullptr) return;
  wait_on_page_writeback(pg);
  if (from < to) std::memset(page_address(pg) + from, 0, to - from);
  unlock_page(pg);
  put_page(pg);
}
}  // namespace

void truncate_inode_pages_range(address_space* mapping, loff_t lstart, loff_t lend) {
  const pgoff_t kMax = ~pgoff_t{0};
  uint32_t partial_start = static_cast<uint32_t>(lstart & (PAGE_SIZE - 1));
  pgoff_t start = static_cast<pgoff_t>((lstart + PAGE_SIZE - 1) >> PAGE_SHIFT);
  pgoff_t end = kMax;  // exclusive
  uint32_t partial_end = 0;
  if (lend != -1) {
    end = static_cast<pgoff_t>((lend + 1) >> PAGE_SHIFT);
    partial_end = static_cast<uint32_t>((lend + 1) & (PAGE_SIZE - 1));
  }
  // Whole pages.
  for (pgoff_t index = next_cached(mapping, start, end); index < end; index = next_cached(mapping, index, end)) {
    page* pg = find_lock_page(mapping, index);
    if (pg == nullptr) continue;
    wait_on_page_writeback(pg);
    if (pg->mapping == mapping) delete_from_page_cache(pg);
    unlock_page(pg);
    put_page(pg);
  }
  // Partial pages at either end: zero the truncated part.
  pgoff_t start_page = static_cast<pgoff_t>(lstart >> PAGE_SHIFT);
  bool same_page = lend != -1 && start_page == static_cast<pgoff_t>(lend >> PAGE_SHIFT);
  if (partial_start != 0) {
    uint32_t to = same_page && partial_end != 0 ? partial_end : PAGE_SIZE;
    zero_page_range(mapping, start_page, partial_start, to);
  }
  if (lend != -1 && partial_end != 0 && !(partial_start != 0 && same_page)) {
    zero_page_range(mapping, end, 0, partial_end);
  }
}

int invalidate_inode_pages2_range(address_space* mapping, pgoff_t start, pgoff_t end) {
  int ret = 0;
  pgoff_t stop = end == ~pgoff_t{0} ? end : end + 1;
  for (pgoff_t index = next_cached(mapping, start, stop); index < stop;) {
    page* pg = find_lock_page(mapping, index);
    if (pg != nullptr) {
      wait_on_page_writeback(pg);
      if (pg->mapping == mapping) {
        if (PageDirty(pg)) {
          ret = -EBUSY;
        } else {
          delete_from_page_cache(pg);
        }
      }
      unlock_page(pg);
      put_page(pg);
    }
    if (index == ~pgoff_t{0}) break;
    index = next_cached(mapping, index + 1, stop);
  }
  return ret;
}

unsigned long invalidate_mapping_pages(address_space* mapping, pgoff_t start, pgoff_t end) {
  std::vector<page*> victims;
  for (auto it = mapping->i_pages.lower_bound(start); it != mapping->i_pages.end() && it->first <= end; ++it) {
    if (page_evictable(it->second)) victims.push_back(it->second);
  }
  for (page* pg : victims) {
    SetPageLocked(pg);
    __delete_from_page_cache(pg);
    ClearPageLocked(pg);
    put_page(pg);
  }
  return victims.size();
}

}  // namespace kernel
