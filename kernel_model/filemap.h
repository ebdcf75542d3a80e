// The page cache: address_space, lookups, page locking and waiting, dirty
// and writeback state, truncation. Models include/linux/pagemap.h,
// mm/filemap.c (lookup, insertion, lock/wait, end_page_writeback),
// mm/page-writeback.c (set_page_dirty, clear_page_dirty_for_io),
// mm/truncate.c and mm/swap.c (mark_page_accessed).
//
// Contract:
// - An address_space maps page index -> page in an ordered map (the kernel's
//   xarray). Pages in it hold one reference from the cache; lookups return a
//   further reference the caller drops with put_page().
// - Pages enter the cache locked (add_to_page_cache_lru) and !uptodate; the
//   one who filled them (a read's bi_end_io, or a writer) sets PG_uptodate
//   and unlocks. PG_error is set when a read fails; the page then stays
//   !uptodate and readers see -EIO.
// - Every page in a cache is on the pagecache LRU (filemap_lru.h), which is
//   what eviction scans.
// - The blocking points of the page cache are exactly these functions (the
//   retry AIO design splits a request at them):
//     __lock_page / lock_page / lock_page_killable   sleep for PG_locked
//     wait_on_page_locked / _killable                sleep until PG_locked clears
//     wait_on_page_writeback                         sleep until PG_writeback clears
//   plus page_cache_alloc (waits for reclaim when the cache is full) and
//   balance_dirty_pages (writeback.h). Each async twin (__lock_page_async,
//   wait_on_page_bit_async) queues a caller-provided wait_page_queue on the
//   page's wait queue instead of sleeping and returns -EIOCBRETRY; the
//   entry's func is called (from the waker's context) when the bit clears.
//
// Page wait queues: every page has one head, page_waitqueue(page), shared
// by the PG_locked and PG_writeback waiters (Linux hashes pages into a table
// of heads; either way waiters filter by key). A wake-up passes a
// wait_bit_key naming (&page->flags, bit) (wait_bit.h); sleeping waiters use
// wake_bit_function, and a caller's wait_page_queue func should check
// wake_page_match() before acting (and remove its entry when it acts).
//
// Differences from Linux: no folios, no xarray marks (dirty/writeback pages
// are found by scanning the ordered map), errors are the 2.6-era AS_EIO /
// AS_ENOSPC mapping flags (reported once by the next fsync) instead of
// errseq_t, and no mmap (no page tables, no page_mkwrite).
#ifndef AIOSIM_KERNEL_MODEL_FILEMAP_H_
#define AIOSIM_KERNEL_MODEL_FILEMAP_H_

#include <cstdint>
#include <map>
#include <set>

#include "kernel_model/filemap_page.h"
#include "kernel_model/fs.h"
#include "kernel_model/types.h"
#include "kernel_model/wait.h"
#include "kernel_model/wait_bit.h"

namespace kernel {

struct inode;
struct readahead_control;
struct writeback_control;

struct address_space_operations {
  // Starts reading one locked, !uptodate page; the completion sets
  // PG_uptodate (or PG_error) and unlocks it. Returns 0 or -errno (the page
  // is unlocked on error).
  int (*read_folio)(file* f, page* pg) = nullptr;
  // Starts reading the locked pages of rac (readahead.h), same completion.
  void (*readahead)(readahead_control* rac) = nullptr;
  // Writes back dirty pages of the range in wbc (writeback.h).
  int (*writepages)(address_space* mapping, writeback_control* wbc) = nullptr;
  // Prepares a page for a write of [pos, pos + len) within it: returns it
  // locked in *pagep, read first when the write covers only part of a page
  // that has data. 0 or -errno (-ENOSPC when no block can be allocated).
  int (*write_begin)(file* f, address_space* mapping, loff_t pos, unsigned len, page** pagep) = nullptr;
  // Finishes a write of `copied` bytes: marks the page uptodate and dirty,
  // grows i_size, unlocks and puts the page. Returns copied.
  int (*write_end)(file* f, address_space* mapping, loff_t pos, unsigned len, unsigned copied,
                   page* pg) = nullptr;
  // O_DIRECT (vfs_direct.h).
  ssize_t (*direct_IO)(kiocb* iocb, iov_iter* iter) = nullptr;
};

// mapping->flags: the errors of asynchronous writeback.
inline constexpr int AS_EIO = 0;
inline constexpr int AS_ENOSPC = 1;

struct address_space {
  inode* host = nullptr;
  std::map<pgoff_t, page*> i_pages;
  unsigned long nrpages = 0;
  const address_space_operations* a_ops = nullptr;
  unsigned long flags = 0;  // AS_EIO, AS_ENOSPC
  long nr_dirty = 0;        // pages with PG_dirty
  long nr_writeback = 0;    // pages with PG_writeback
  // The xarray's PAGECACHE_TAG_DIRTY / _WRITEBACK: indexes of such pages.
  std::set<pgoff_t> dirty_tag;
  std::set<pgoff_t> writeback_tag;
};

// The async wait entry for IOCB_WAITQ and the retry design (Linux's
// struct wait_page_queue). Standard-layout: container_of(wq_entry,
// wait_page_queue, wait) reaches it from the wait entry.
struct wait_page_queue {
  page* pg = nullptr;  // Linux: folio
  int bit_nr = -1;
  wait_queue_entry wait;
};
// True if a page wake-up `key` (a wait_bit_key*) concerns this entry's page
// and bit, and the bit is now clear.
bool wake_page_match(const wait_page_queue* wait, void* key);

// --- lookup and insertion ---
// The page at index with a reference, or nullptr.
page* find_get_page(address_space* mapping, pgoff_t index);
// As find_get_page, then lock_page; rechecks that the page was not
// truncated meanwhile (then looks again). May sleep.
page* find_lock_page(address_space* mapping, pgoff_t index);
// A locked page at index with a reference, creating an empty !uptodate one
// when absent. May sleep (page lock, reclaim). nullptr only when the cache
// cannot make room and may_block is false.
page* find_or_create_page(address_space* mapping, pgoff_t index, bool may_block = true);
// A new page with one reference, not in any mapping. Makes room in the
// cache first (filemap_lru.h): with may_block it may sleep waiting for
// writeback; without, it returns nullptr when no clean page can be evicted.
page* page_cache_alloc(address_space* mapping, bool may_block);
// Locks pg and inserts it at index (taking a cache reference) and puts it on
// the LRU. -EEXIST if the index is taken (pg left unlocked, caller's ref).
int add_to_page_cache_lru(page* pg, address_space* mapping, pgoff_t index);
// Removes a page (locked, clean, not under writeback) from its mapping and
// the LRU, dropping the cache's reference.
void delete_from_page_cache(page* pg);
// The removal without the put (the caller drops the cache's reference).
void __delete_from_page_cache(page* pg);
// A use: sets PG_referenced and moves the page to the LRU's young end.
void mark_page_accessed(page* pg);

// --- locking and waiting (the blocking points) ---
wait_queue_head* page_waitqueue(page* pg);
// Wakes the page's waiters for `bit` (which the caller has just cleared).
void wake_up_page_bit(page* pg, int bit_nr);
inline bool trylock_page(page* pg) { return !TestSetPageLocked(pg); }
// Sleeps (TASK_UNINTERRUPTIBLE) until it holds PG_locked.
void __lock_page(page* pg);
inline void lock_page(page* pg) {
  if (!trylock_page(pg)) __lock_page(pg);
}
// 0, or -EINTR if a fatal signal arrived while waiting.
int lock_page_killable(page* pg);
// Takes the lock (0) or queues `wait` for PG_locked and returns -EIOCBRETRY.
int __lock_page_async(page* pg, wait_page_queue* wait);
// Clears PG_locked and wakes the page's waiters.
void unlock_page(page* pg);
void wait_on_page_locked(page* pg);
int wait_on_page_locked_killable(page* pg);
void wait_on_page_writeback(page* pg);
// 0 if `bit` is already clear; else queues `wait` for it and returns
// -EIOCBRETRY (the 2.6 retry patches' wait_on_page_bit with an io_wait).
int wait_on_page_bit_async(page* pg, int bit_nr, wait_page_queue* wait);

// --- dirty and writeback state ---
// Marks the page dirty (accounting it, and its inode for writeback).
// Returns true if it was clean.
bool set_page_dirty(page* pg);
// Clears PG_dirty before a write (accounting); true if it was dirty.
bool clear_page_dirty_for_io(page* pg);
// Sets PG_writeback (accounting). REQUIRES the page locked.
void set_page_writeback(page* pg);
// Clears PG_writeback, wakes its waiters and reclaim (any context).
void end_page_writeback(page* pg);
// Records an asynchronous write error for the next fsync.
void mapping_set_error(address_space* mapping, int error);
// Returns and clears the recorded error: -EIO, -ENOSPC or 0.
int filemap_check_errors(address_space* mapping);

// --- truncation and invalidation ---
// Drops the pages wholly within [lstart, lend] (bytes, lend inclusive; -1 =
// to the end), waiting for locks and writeback; dirty data there is lost (a
// truncate). A partial page at lstart keeps its head; its tail is zeroed.
void truncate_inode_pages_range(address_space* mapping, loff_t lstart, loff_t lend);
inline void truncate_inode_pages(address_space* mapping, loff_t lstart) {
  truncate_inode_pages_range(mapping, lstart, -1);
}
// Drops the clean pages of [start, end] (page indexes); dirty ones are
// written first. Returns 0 or -EBUSY if a page could not be dropped (used
// before and after O_DIRECT).
int invalidate_inode_pages2_range(address_space* mapping, pgoff_t start, pgoff_t end);
// Drops the pages of [start, end] (page indexes) that are unlocked, clean,
// not under writeback and unused; never sleeps (any context). Returns how
// many were dropped.
unsigned long invalidate_mapping_pages(address_space* mapping, pgoff_t start, pgoff_t end);

}  // namespace kernel

#endif  // AIOSIM_KERNEL_MODEL_FILEMAP_H_
