// Writeback of dirty pages: the per-device flusher thread, data-integrity
// writeback for fsync, and dirty throttling. Models fs/fs-writeback.c
// (__mark_inode_dirty, wb_workfn / wb_do_writeback, wb_check_old_data_flush,
// wb_check_background_flush, wakeup_flusher_threads), mm/page-writeback.c
// (write_cache_pages, do_writepages, balance_dirty_pages, global dirty
// limits) and the filemap_fdatawrite/fdatawait family of mm/filemap.c.
//
// Contract:
// - Dirtying a page puts its inode on its backing device's b_dirty list,
//   stamped with the time it first became dirty.
// - One flusher kernel thread per backing device ("flush-<dev>", a daemon)
//   sleeps for dirty_writeback_interval and then writes back every inode
//   dirtied at least dirty_expire ago (kupdate); it also wakes early to write
//   while dirty pages exceed the background threshold (background), and when
//   reclaim asks for clean pages (vmscan: everything dirty). Flusher writeback
//   is WB_SYNC_NONE: it submits and does not wait; pages under writeback or
//   locked are skipped.
// - filemap_fdatawrite_range / filemap_write_and_wait_range are
//   data-integrity writeback (WB_SYNC_ALL): every dirty page of the range is
//   written, waiting for page locks and for writeback already in flight, and
//   the wait part waits for every page of the range and reports -EIO/-ENOSPC
//   recorded by failed writeback (filemap_check_errors).
// - balance_dirty_pages: a writer that finds dirty + writeback pages above
//   the background threshold starts background writeback; above dirty_thresh
//   it sleeps until writeback brings them back under (no pause-time
//   estimation: it waits for completions).
// - The async fdatawait (for the retry AIO design) queues a caller's
//   wait_page_queue on the first page still under writeback and returns
//   -EIOCBRETRY instead of sleeping.
//
// Differences from Linux: no per-bdi bandwidth estimation, no cgroup
// writeback, no inode metadata writeback (simplefs keeps metadata in memory).
//
// Trace kinds:
//   writeback.start   {dev, reason, nr_dirty}   a flusher pass begins
//   writeback.written {dev, reason, pages}      it ended, having submitted pages
//   writeback.throttle {ino, nr_dirty, thresh}  a writer sleeps in balance_dirty_pages
#ifndef AIOSIM_KERNEL_MODEL_WRITEBACK_H_
#define AIOSIM_KERNEL_MODEL_WRITEBACK_H_

#include <climits>
#include <cstdint>
#include <map>
#include <string>
#include <utility>

#include "kernel_model/filemap.h"
#include "kernel_model/sched.h"
#include "kernel_model/vfs_inode.h"
#include "kernel_model/wait.h"

namespace kernel {

struct inode;
struct block_device;

enum writeback_sync_modes { WB_SYNC_NONE = 0, WB_SYNC_ALL = 1 };

enum wb_reason {
  WB_REASON_BACKGROUND = 0,
  WB_REASON_VMSCAN = 1,
  WB_REASON_SYNC = 2,
  WB_REASON_PERIODIC = 3,
  WB_REASON_FS_FREE_SPACE = 4,
};
const char* wb_reason_name(wb_reason reason);

struct writeback_control {
  long nr_to_write = LONG_MAX;  // pages; decremented as pages are submitted
  long pages_skipped = 0;
  loff_t range_start = 0;
  loff_t range_end = LLONG_MAX;  // inclusive
  writeback_sync_modes sync_mode = WB_SYNC_NONE;
  bool for_kupdate = false;
  bool for_background = false;
  bool for_reclaim = false;
  bool range_cyclic = false;
};

// The kernel's backing_dev_info + its one bdi_writeback.
struct backing_dev_info {
  std::string name;  // the device's name
  block_device* bdev = nullptr;
  // Dirty inodes by (dirtied_when, ino): oldest first.
  std::map<std::pair<sim::SimTime, unsigned long>, inode*> b_dirty;
  task_struct* flusher = nullptr;
  wait_queue_head wb_wait{"flusher idle"};
  // Requests for the flusher (set by wakers, cleared when served).
  bool want_background = false;
  bool want_reclaim = false;
  bool kicked = false;                   // re-evaluate (new dirty data, stop)
  sim::SimTime next_kupdate = sim::kNever;  // next periodic pass
  uint64_t pages_written = 0;
  uint64_t flusher_runs = 0;
};

// Creates the flusher thread for bdi. REQUIRES a Kernel.
void bdi_register(backing_dev_info* bdi);
// Stops the flusher (kthread_stop) if it runs; from task context only.
void bdi_unregister(backing_dev_info* bdi);

// Puts the inode on its bdi's dirty list (flags: I_DIRTY_*).
void __mark_inode_dirty(inode* ino, unsigned long flags);
inline void mark_inode_dirty(inode* ino) { __mark_inode_dirty(ino, I_DIRTY); }
// Takes it off (when it has no dirty pages left, or it is freed).
void inode_clear_dirty(inode* ino);

// Wakes every flusher to write for `reason` (WB_REASON_VMSCAN: reclaim).
void wakeup_flusher_threads(wb_reason reason);
// Wakes the flusher of `bdi` for background writeback.
void wb_start_background_writeback(backing_dev_info* bdi);

// a_ops->writepages, or the generic page-by-page loop.
int do_writepages(address_space* mapping, writeback_control* wbc);
// The generic loop: for each dirty page of the range, in index order, calls
// writepage(pg, wbc, data) with the page locked and PG_dirty cleared (the
// callee sets PG_writeback and unlocks). WB_SYNC_ALL waits for locks and
// writeback in flight; WB_SYNC_NONE skips such pages.
using writepage_t = int (*)(page* pg, writeback_control* wbc, void* data);
int write_cache_pages(address_space* mapping, writeback_control* wbc, writepage_t writepage, void* data);

// --- data integrity (mm/filemap.c) ---
int filemap_fdatawrite_range(address_space* mapping, loff_t start, loff_t end);
inline int filemap_fdatawrite(address_space* mapping) { return filemap_fdatawrite_range(mapping, 0, LLONG_MAX); }
// Waits for writeback of every page of [start, end] (bytes, inclusive),
// then returns filemap_check_errors().
int filemap_fdatawait_range(address_space* mapping, loff_t start, loff_t end);
// As above but never sleeps: 0 when nothing is under writeback (after
// checking errors), else queues `wait` on the first page under writeback and
// returns -EIOCBRETRY.
int filemap_fdatawait_range_async(address_space* mapping, loff_t start, loff_t end, wait_page_queue* wait);
int filemap_write_and_wait_range(address_space* mapping, loff_t start, loff_t end);
inline int filemap_write_and_wait(address_space* mapping) {
  return filemap_write_and_wait_range(mapping, 0, LLONG_MAX);
}
// file_write_and_wait_range: the fsync helper for a file.
int file_write_and_wait_range(file* f, loff_t start, loff_t end);

// --- throttling ---
// Called after each page a writer dirties (see the contract). May sleep.
void balance_dirty_pages_ratelimited(address_space* mapping);
// The number of dirty+writeback pages went down: wake throttled writers.
void wb_wakeup_throttled();

}  // namespace kernel

#endif  // AIOSIM_KERNEL_MODEL_WRITEBACK_H_
