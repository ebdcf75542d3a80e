// The page cache's LRU, capacity and reclaim; see filemap_lru.h.
#include "kernel_model/filemap_lru.h"

#include "kernel_model/filemap.h"
#include "kernel_model/vfs_inode.h"
#include "kernel_model/vfs_storage.h"
#include "kernel_model/writeback.h"
#include "sim/check.h"

namespace kernel {

namespace {
// How far from the old end one reclaim pass looks before a full scan.
constexpr unsigned long kScanWindow = 1024;
}  // namespace

pagecache::pagecache(sim::Trace& trace) {
  k_add = trace.Kind("pagecache.add", {"ino", "index", "page", "nr_pages"});
  k_evict = trace.Kind("pagecache.evict", {"ino", "index", "page", "nr_pages"});
  k_readahead = trace.Kind("readahead", {"ino", "index", "nr_pages", "async_size", "marker_hit"});
  k_wb_start = trace.Kind("writeback.start", {"dev", "reason", "nr_dirty"});
  k_wb_written = trace.Kind("writeback.written", {"dev", "reason", "pages"});
  k_wb_throttle = trace.Kind("writeback.throttle", {"ino", "nr_dirty", "thresh"});
}

pagecache* page_cache() { return &storage()->pc; }

void lru_cache_add(page* pg) {
  pagecache* pc = page_cache();
  SIM_CHECK(!PageLRU(pg)) << "lru_cache_add of page " << pg->id << " already on the LRU";
  pg->lru_seq = pc->next_lru_seq++;
  pc->lru.emplace(pg->lru_seq, pg);
  SetPageLRU(pg);
}

void lru_cache_del(page* pg) {
  if (!PageLRU(pg)) return;
  page_cache()->lru.erase(pg->lru_seq);
  pg->lru_seq = 0;
  ClearPageLRU(pg);
}

void lru_touch(page* pg) {
  if (!PageLRU(pg)) return;
  pagecache* pc = page_cache();
  if (pg->lru_seq + 1 == pc->next_lru_seq) return;  // already the youngest
  pc->lru.erase(pg->lru_seq);
  pg->lru_seq = pc->next_lru_seq++;
  pc->lru.emplace(pg->lru_seq, pg);
}

bool page_evictable(const page* pg) {
  return PageLRU(pg) && pg->mapping != nullptr && !PageLocked(pg) && !PageDirty(pg) && !PageWriteback(pg) &&
         page_count(pg) == 1;
}

namespace {
void evict_one(pagecache* pc, page* pg) {
  SetPageLocked(pg);
  unsigned long ino = pg->mapping->host ? pg->mapping->host->i_ino : 0;
  pgoff_t index = pg->index;
  uint64_t id = pg->id;
  __delete_from_page_cache(pg);
  ClearPageLocked(pg);
  ++pc->stats.pages_evicted;
  storage()->kernel->trace().Emit(pc->k_evict, {static_cast<int64_t>(ino), static_cast<int64_t>(index),
                                                static_cast<int64_t>(id), pc->nr_pages});
  put_page(pg);  // the cache's reference: frees the page
}

// Scans up to `window` pages from the old end (0: all) and evicts up to nr.
unsigned long shrink_window(pagecache* pc, unsigned long nr, unsigned long window) {
  unsigned long freed = 0;
  unsigned long scanned = 0;
  for (auto it = pc->lru.begin(); it != pc->lru.end() && freed < nr;) {
    if (window != 0 && scanned++ >= window) break;
    page* pg = it->second;
    ++it;
    if (!page_evictable(pg)) continue;
    evict_one(pc, pg);
    ++freed;
  }
  return freed;
}

// Could waiting ever make a page reclaimable?
bool reclaim_can_progress(pagecache* pc) {
  if (pc->nr_dirty > 0 || pc->nr_writeback > 0) return true;
  for (const auto& [seq, pg] : pc->lru) {
    if (PageLocked(pg) || page_count(pg) > 1) return true;
  }
  return false;
}
}  // namespace

unsigned long shrink_page_cache(unsigned long nr) {
  pagecache* pc = page_cache();
  unsigned long freed = shrink_window(pc, nr, kScanWindow);
  if (freed < nr && pc->lru.size() > kScanWindow) freed += shrink_window(pc, nr - freed, 0);
  return freed;
}

bool reclaim_for_alloc(bool may_block) {
  pagecache* pc = page_cache();
  while (pc->nr_pages >= static_cast<long>(pc->cfg.capacity_pages)) {
    unsigned long want = static_cast<unsigned long>(pc->nr_pages - static_cast<long>(pc->cfg.capacity_pages) + 1);
    if (shrink_page_cache(want) > 0) continue;
    if (pc->nr_dirty > 0) wakeup_flusher_threads(WB_REASON_VMSCAN);
    if (!may_block) return false;
    if (!reclaim_can_progress(pc)) {
      ++pc->stats.over_capacity;
      return true;
    }
    ++pc->stats.reclaim_waits;
    uint64_t gen = pc->stats.pages_evicted + pc->reclaim_wakeups;
    wait_event(pc->reclaim_wait, [pc, gen] { return pc->stats.pages_evicted + pc->reclaim_wakeups != gen; });
  }
  return true;
}

void wake_reclaim() {
  Kernel* k = Kernel::Current();
  if (k == nullptr || !k->storage) return;
  pagecache* pc = page_cache();
  if (!waitqueue_active(&pc->reclaim_wait)) return;
  ++pc->reclaim_wakeups;
  wake_up_all(&pc->reclaim_wait);
}

}  // namespace kernel
