// Writeback; see writeback.h.
#include "kernel_model/writeback.h"

#include <algorithm>
#include <vector>

#include "kernel_model/blkdev.h"
#include "kernel_model/filemap_lru.h"
#include "kernel_model/vfs_inode.h"
#include "kernel_model/vfs_storage.h"
#include "sim/check.h"

namespace kernel {

namespace {

// Pages one inode gets per turn before the flusher moves on (fs-writeback.c).
constexpr long MAX_WRITEBACK_PAGES = 1024;

backing_dev_info* inode_to_bdi(inode* ino) { return ino->i_sb ? ino->i_sb->s_bdi : nullptr; }

bool over_bg_thresh() {
  pagecache* pc = page_cache();
  return pc->nr_dirty > pc->dirty_background_thresh();
}

// writeback_single_inode.
long writeback_single_inode(inode* ino, writeback_control* wbc) {
  while (ino->i_state & I_SYNC) {
    if (wbc->sync_mode != WB_SYNC_ALL) return 0;
    wait_event(ino->i_sync_wait, [ino] { return !(ino->i_state & I_SYNC); });
  }
  ino->i_state |= I_SYNC;
  long before = wbc->nr_to_write;
  do_writepages(ino->i_mapping, wbc);
  ino->i_state &= ~I_SYNC;
  wake_up_all(&ino->i_sync_wait);
  if (ino->i_mapping->nr_dirty == 0) inode_clear_dirty(ino);
  return before - wbc->nr_to_write;
}

// wb_writeback: one pass over the dirty inodes, oldest first.
long wb_writeback(backing_dev_info* bdi, wb_reason reason) {
  pagecache* pc = page_cache();
  Kernel* k = storage()->kernel;
  k->trace().Emit(pc->k_wb_start, {bdi->bdev ? bdi->bdev->bd_device->trace_id() : 0, reason, pc->nr_dirty});
  ++bdi->flusher_runs;
  sim::SimTime now = k->sched.Now();
  sim::SimTime expired = now - pc->cfg.dirty_expire_interval_ns;
  long written = 0;
  blk_plug plug;
  blk_start_plug(&plug);
  // Snapshot by (super block, ino): the list changes as inodes are cleaned,
  // and an inode may be freed while we sleep on another's page.
  std::vector<std::pair<super_block*, unsigned long>> todo;
  for (const auto& [key, ino] : bdi->b_dirty) {
    if (reason == WB_REASON_PERIODIC && key.first > expired) break;
    todo.emplace_back(ino->i_sb, ino->i_ino);
  }
  for (const auto& [sb, ino_nr] : todo) {
    if (reason == WB_REASON_BACKGROUND && !over_bg_thresh()) break;
    auto found = sb->s_inodes.find(ino_nr);
    if (found == sb->s_inodes.end()) continue;
    inode* ino = found->second.get();
    if (!ino->on_dirty_list || (ino->i_state & I_FREEING)) continue;
    for (;;) {
      writeback_control wbc;
      wbc.sync_mode = WB_SYNC_NONE;
      wbc.nr_to_write = MAX_WRITEBACK_PAGES;
      wbc.for_kupdate = reason == WB_REASON_PERIODIC;
      wbc.for_background = reason == WB_REASON_BACKGROUND;
      wbc.for_reclaim = reason == WB_REASON_VMSCAN;
      long n = writeback_single_inode(ino, &wbc);
      written += n;
      if (n < MAX_WRITEBACK_PAGES || !ino->on_dirty_list) break;
      if (reason == WB_REASON_BACKGROUND && !over_bg_thresh()) break;
    }
  }
  blk_finish_plug(&plug);
  bdi->pages_written += static_cast<uint64_t>(written);
  k->trace().Emit(pc->k_wb_written, {bdi->bdev ? bdi->bdev->bd_device->trace_id() : 0, reason, written});
  return written;
}

// The flusher thread: wb_workfn with the old kupdate timer folded in.
int flusher_main(backing_dev_info* bdi) {
  Kernel* k = storage()->kernel;
  pagecache* pc = page_cache();
  while (!kthread_should_stop()) {
    bdi->kicked = false;
    if (bdi->want_reclaim) {
      bdi->want_reclaim = false;
      wb_writeback(bdi, WB_REASON_VMSCAN);
    }
    if (bdi->want_background || over_bg_thresh()) {
      bdi->want_background = false;
      if (!bdi->b_dirty.empty()) wb_writeback(bdi, WB_REASON_BACKGROUND);
    }
    sim::SimTime now = k->sched.Now();
    if (bdi->next_kupdate != sim::kNever && now >= bdi->next_kupdate) {
      wb_writeback(bdi, WB_REASON_PERIODIC);
      bdi->next_kupdate = bdi->b_dirty.empty() ? sim::kNever : now + pc->cfg.dirty_writeback_interval_ns;
    }
    if (bdi->b_dirty.empty()) bdi->next_kupdate = sim::kNever;
    long timeout = MAX_SCHEDULE_TIMEOUT;
    if (bdi->next_kupdate != sim::kNever) {
      sim::SimTime delay = std::max<sim::SimTime>(bdi->next_kupdate - k->sched.Now(), 1);
      timeout = static_cast<long>(nsecs_to_jiffies(static_cast<u64>(delay)));
      if (timeout < 1) timeout = 1;
    }
    auto cond = [bdi] { return bdi->kicked || bdi->want_reclaim || bdi->want_background || kthread_should_stop(); };
    if (timeout == MAX_SCHEDULE_TIMEOUT) {
      wait_event_idle(bdi->wb_wait, cond);
    } else {
      wait_event_idle_timeout(bdi->wb_wait, cond, timeout);
    }
  }
  return 0;
}

void wb_kick(backing_dev_info* bdi) {
  bdi->kicked = true;
  wake_up_all(&bdi->wb_wait);
}

}  // namespace

const char* wb_reason_name(wb_reason reason) {
  switch (reason) {
    case WB_REASON_BACKGROUND:
      return "background";
    case WB_REASON_VMSCAN:
      return "vmscan";
    case WB_REASON_SYNC:
      return "sync";
    case WB_REASON_PERIODIC:
      return "periodic";
    case WB_REASON_FS_FREE_SPACE:
      return "fs_free_space";
  }
  return "?";
}

void bdi_register(backing_dev_info* bdi) {
  if (bdi->flusher != nullptr) return;
  bdi->flusher = kthread_run([bdi] { return flusher_main(bdi); }, "flush-" + bdi->name);
}

void bdi_unregister(backing_dev_info* bdi) {
  if (bdi->flusher == nullptr) return;
  task_struct* t = bdi->flusher;
  bdi->flusher = nullptr;
  kthread_stop(t);
}

void __mark_inode_dirty(inode* ino, unsigned long flags) {
  if ((ino->i_state & flags) == flags && ino->on_dirty_list) return;
  ino->i_state |= flags;
  if (!(flags & I_DIRTY_PAGES) || ino->on_dirty_list || (ino->i_state & I_FREEING)) return;
  backing_dev_info* bdi = inode_to_bdi(ino);
  if (bdi == nullptr) return;
  Kernel* k = storage()->kernel;
  bool was_empty = bdi->b_dirty.empty();
  ino->dirtied_when = k->sched.Now();
  bdi->b_dirty.emplace(std::make_pair(ino->dirtied_when, ino->i_ino), ino);
  ino->on_dirty_list = true;
  if (was_empty || bdi->next_kupdate == sim::kNever) {
    // wb_wakeup_delayed: the periodic pass comes one interval from now.
    bdi->next_kupdate = k->sched.Now() + page_cache()->cfg.dirty_writeback_interval_ns;
    wb_kick(bdi);
  }
}

void inode_clear_dirty(inode* ino) {
  ino->i_state &= ~I_DIRTY;
  if (!ino->on_dirty_list) return;
  backing_dev_info* bdi = inode_to_bdi(ino);
  if (bdi) bdi->b_dirty.erase({ino->dirtied_when, ino->i_ino});
  ino->on_dirty_list = false;
}

void wakeup_flusher_threads(wb_reason reason) {
  for (auto& [name, bdi] : storage()->bdis) {
    if (bdi->b_dirty.empty()) continue;
    if (reason == WB_REASON_VMSCAN) {
      bdi->want_reclaim = true;
    } else {
      bdi->want_background = true;
    }
    wb_kick(bdi.get());
  }
}

void wb_start_background_writeback(backing_dev_info* bdi) {
  if (bdi == nullptr || bdi->want_background) return;
  bdi->want_background = true;
  wb_kick(bdi);
}

int do_writepages(address_space* mapping, writeback_control* wbc) {
  if (mapping->nr_dirty == 0) return 0;
  blk_plug plug;
  bool plugged = in_task();
  if (plugged) blk_start_plug(&plug);
  long before = wbc->nr_to_write;
  int ret = mapping->a_ops->writepages ? mapping->a_ops->writepages(mapping, wbc) : -EINVAL;
  if (plugged) blk_finish_plug(&plug);
  page_cache()->stats.pages_written += static_cast<uint64_t>(std::max<long>(before - wbc->nr_to_write, 0));
  return ret;
}

int write_cache_pages(address_space* mapping, writeback_control* wbc, writepage_t writepage, void* data) {
  pgoff_t index = static_cast<pgoff_t>(wbc->range_start >> PAGE_SHIFT);
  pgoff_t end = static_cast<pgoff_t>(wbc->range_end >> PAGE_SHIFT);
  // Snapshot of the dirty tag (tag_pages_for_writeback).
  std::vector<pgoff_t> todo;
  for (auto it = mapping->dirty_tag.lower_bound(index); it != mapping->dirty_tag.end() && *it <= end; ++it) {
    todo.push_back(*it);
  }
  int ret = 0;
  for (pgoff_t idx : todo) {
    page* pg = find_get_page(mapping, idx);
    if (pg == nullptr) continue;
    lock_page(pg);
    if (pg->mapping != mapping || !PageDirty(pg)) {
      unlock_page(pg);
      put_page(pg);
      continue;
    }
    if (PageWriteback(pg)) {
      if (wbc->sync_mode == WB_SYNC_NONE) {
        unlock_page(pg);
        put_page(pg);
        ++wbc->pages_skipped;
        continue;
      }
      wait_on_page_writeback(pg);
    }
    if (!clear_page_dirty_for_io(pg)) {
      unlock_page(pg);
      put_page(pg);
      continue;
    }
    int err = writepage(pg, wbc, data);  // unlocks
    put_page(pg);
    if (err < 0) {
      if (ret == 0) ret = err;
      if (wbc->sync_mode == WB_SYNC_NONE) break;
    }
    if (--wbc->nr_to_write <= 0 && wbc->sync_mode == WB_SYNC_NONE) break;
  }
  return ret;
}

int filemap_fdatawrite_range(address_space* mapping, loff_t start, loff_t end) {
  if (mapping->nr_dirty == 0) return 0;
  writeback_control wbc;
  wbc.sync_mode = WB_SYNC_ALL;
  wbc.nr_to_write = LONG_MAX;
  wbc.range_start = start;
  wbc.range_end = end;
  inode* ino = mapping->host;
  // Data integrity: wait for a flusher pass on this inode to finish first,
  // so every page dirtied before this call is covered.
  while (ino && (ino->i_state & I_SYNC)) {
    wait_event(ino->i_sync_wait, [ino] { return !(ino->i_state & I_SYNC); });
  }
  if (ino) ino->i_state |= I_SYNC;
  int ret = do_writepages(mapping, &wbc);
  if (ino) {
    ino->i_state &= ~I_SYNC;
    wake_up_all(&ino->i_sync_wait);
    if (mapping->nr_dirty == 0) inode_clear_dirty(ino);
  }
  return ret;
}

int filemap_fdatawait_range(address_space* mapping, loff_t start, loff_t end) {
  pgoff_t index = static_cast<pgoff_t>(start >> PAGE_SHIFT);
  pgoff_t last = static_cast<pgoff_t>(end >> PAGE_SHIFT);
  std::vector<pgoff_t> todo;
  for (auto it = mapping->writeback_tag.lower_bound(index); it != mapping->writeback_tag.end() && *it <= last; ++it) {
    todo.push_back(*it);
  }
  for (pgoff_t idx : todo) {
    page* pg = find_get_page(mapping, idx);
    if (pg == nullptr) continue;
    wait_on_page_writeback(pg);
    put_page(pg);
  }
  return filemap_check_errors(mapping);
}

int filemap_fdatawait_range_async(address_space* mapping, loff_t start, loff_t end, wait_page_queue* wait) {
  pgoff_t index = static_cast<pgoff_t>(start >> PAGE_SHIFT);
  pgoff_t last = static_cast<pgoff_t>(end >> PAGE_SHIFT);
  auto it = mapping->writeback_tag.lower_bound(index);
  if (it != mapping->writeback_tag.end() && *it <= last) {
    auto pit = mapping->i_pages.find(*it);
    SIM_CHECK(pit != mapping->i_pages.end()) << "writeback tag on an index with no page";
    // A page under writeback cannot leave the cache until it ends, which
    // is when the entry fires.
    return wait_on_page_bit_async(pit->second, PG_writeback, wait);
  }
  return filemap_check_errors(mapping);
}

int filemap_write_and_wait_range(address_space* mapping, loff_t start, loff_t end) {
  int err = 0;
  if (mapping->nr_dirty > 0 || mapping->nr_writeback > 0) {
    err = filemap_fdatawrite_range(mapping, start, end);
    if (err != -EIO) {
      int err2 = filemap_fdatawait_range(mapping, start, end);
      if (err == 0) err = err2;
      return err;
    }
  }
  int err2 = filemap_check_errors(mapping);
  return err ? err : err2;
}

int file_write_and_wait_range(file* f, loff_t start, loff_t end) {
  return filemap_write_and_wait_range(f->f_mapping, start, end);
}

void balance_dirty_pages_ratelimited(address_space* mapping) {
  pagecache* pc = page_cache();
  backing_dev_info* bdi = mapping->host ? inode_to_bdi(mapping->host) : nullptr;
  if (pc->nr_dirty > pc->dirty_background_thresh()) wb_start_background_writeback(bdi);
  long thresh = pc->dirty_thresh();
  if (pc->nr_dirty + pc->nr_writeback <= thresh || !in_task()) return;
  storage()->kernel->trace().Emit(pc->k_wb_throttle, {mapping->host ? static_cast<int64_t>(mapping->host->i_ino) : 0,
                                                      pc->nr_dirty + pc->nr_writeback, thresh});
  while (pc->nr_dirty + pc->nr_writeback > thresh) {
    // Make sure someone is writing (the flushers), then sleep until
    // completions bring the level down.
    for (auto& [name, b] : storage()->bdis) wb_start_background_writeback(b.get());
    long level = pc->nr_dirty + pc->nr_writeback;
    wait_event(pc->dirty_throttle_wait,
               [pc, thresh, level] { return pc->nr_dirty + pc->nr_writeback < level || pc->nr_dirty + pc->nr_writeback <= thresh; });
  }
}

void wb_wakeup_throttled() {
  Kernel* k = Kernel::Current();
  if (k == nullptr || !k->storage) return;
  pagecache* pc = page_cache();
  if (waitqueue_active(&pc->dirty_throttle_wait)) wake_up_all(&pc->dirty_throttle_wait);
}

}  // namespace kernel
