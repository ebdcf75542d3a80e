// The page cache's memory: a capacity in pages, one LRU list of every cached
// page, the global counters, and reclaim. Models the file LRU of
// mm/vmscan.c (shrink_folio_list's rules for what may be dropped), mm/swap.c
// (LRU insertion and promotion) and the NR_FILE_PAGES / NR_FILE_DIRTY /
// NR_WRITEBACK counters of vm_stat, plus the vm.dirty_* and readahead
// sysctls of this run.
//
// Contract:
// - Every page in an address_space is on the LRU, oldest use first.
//   mark_page_accessed() moves a page to the young end.
// - Reclaim (page_cache_alloc when nr_pages >= capacity) evicts from the old
//   end the first pages that are clean, unlocked, not under writeback and not
//   referenced by anyone but the cache. Dirty pages are never dropped: when
//   nothing can be evicted, reclaim asks the flushers for writeback and a
//   caller that may block sleeps on reclaim_wait until a page becomes
//   reclaimable (unlock, end of writeback, last user reference). When no
//   page is dirty, locked or under writeback, waiting could never end, so
//   the cache grows past its capacity instead (counted in
//   stats.over_capacity; Linux would OOM).
//
// Differences from Linux: one LRU instead of active/inactive lists with
// refault detection (pure LRU order); no per-zone or per-memcg accounting.
//
// Trace kinds:
//   pagecache.add   {ino, index, page, nr_pages}
//   pagecache.evict {ino, index, page, nr_pages}
#ifndef AIOSIM_KERNEL_MODEL_FILEMAP_LRU_H_
#define AIOSIM_KERNEL_MODEL_FILEMAP_LRU_H_

#include <cstdint>
#include <map>

#include "kernel_model/filemap_page.h"
#include "kernel_model/wait.h"
#include "sim/time.h"
#include "sim/trace.h"

namespace kernel {

struct pagecache_config {
  uint64_t capacity_pages = 16384;  // 64 MiB
  // Readahead: the largest window in pages (VM_READAHEAD_PAGES, 128 KiB).
  uint32_t ra_pages = 32;
  // vm.dirty_background_ratio / vm.dirty_ratio, in percent of the capacity.
  uint32_t dirty_background_ratio = 10;
  uint32_t dirty_ratio = 20;
  // vm.dirty_writeback_centisecs and vm.dirty_expire_centisecs.
  sim::SimTime dirty_writeback_interval_ns = 5 * sim::kSecond;
  sim::SimTime dirty_expire_interval_ns = 30 * sim::kSecond;
};

struct pagecache_stats {
  uint64_t lookups_hit = 0;    // filemap_read found the page uptodate
  uint64_t lookups_miss = 0;   // filemap_read had to read or wait
  uint64_t pages_added = 0;
  uint64_t pages_evicted = 0;
  uint64_t readahead_pages = 0;
  uint64_t pages_written = 0;  // writeback submitted
  uint64_t reclaim_waits = 0;
  uint64_t over_capacity = 0;
};

struct pagecache {
  explicit pagecache(sim::Trace& trace);
  pagecache(const pagecache&) = delete;
  pagecache& operator=(const pagecache&) = delete;

  pagecache_config cfg;
  std::map<uint64_t, page*> lru;  // lru_seq -> page, oldest first
  uint64_t next_lru_seq = 1;
  uint64_t next_page_id = 1;
  long nr_pages = 0;      // NR_FILE_PAGES
  long nr_dirty = 0;      // NR_FILE_DIRTY
  long nr_writeback = 0;  // NR_WRITEBACK
  long nr_allocated = 0;  // pages alive, cached or not (leak checks)
  // Sleepers waiting for a page to become reclaimable.
  wait_queue_head reclaim_wait{"page reclaim"};
  uint64_t reclaim_wakeups = 0;  // bumped by wake_reclaim; waiters compare it
  // Writers throttled in balance_dirty_pages (writeback.h).
  wait_queue_head dirty_throttle_wait{"balance_dirty_pages"};
  pagecache_stats stats;
  uint32_t k_add, k_evict, k_readahead, k_wb_start, k_wb_written, k_wb_throttle;

  // Thresholds in pages (global_dirty_limits).
  long dirty_background_thresh() const {
    return static_cast<long>(cfg.capacity_pages * cfg.dirty_background_ratio / 100);
  }
  long dirty_thresh() const { return static_cast<long>(cfg.capacity_pages * cfg.dirty_ratio / 100); }
};

// The current Kernel's page cache (created with the storage state).
pagecache* page_cache();

// LRU bookkeeping (called by filemap.cc).
void lru_cache_add(page* pg);
void lru_cache_del(page* pg);
void lru_touch(page* pg);
// True if reclaim may drop the page now.
bool page_evictable(const page* pg);
// Evicts up to nr evictable pages from the old end; returns how many.
unsigned long shrink_page_cache(unsigned long nr);
// Makes room for one more page: see the contract. Returns false only when
// !may_block and nothing could be evicted.
bool reclaim_for_alloc(bool may_block);
// A page may have become reclaimable: wake reclaim waiters.
void wake_reclaim();

}  // namespace kernel

#endif  // AIOSIM_KERNEL_MODEL_FILEMAP_LRU_H_
