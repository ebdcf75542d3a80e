// Buffered read and write paths; see filemap_rw.h.
#include "kernel_model/filemap_rw.h"

#include <algorithm>
#include <vector>

#include "kernel_model/filemap_lru.h"
#include "kernel_model/readahead.h"
#include "kernel_model/vfs_inode.h"
#include "kernel_model/writeback.h"
#include "sim/check.h"

namespace kernel {

namespace {

// Pages present from index to last (inclusive), in order, stopping at the
// first hole and after the first page that is not uptodate or carries the
// readahead mark (filemap_get_read_batch).
void filemap_get_read_batch(address_space* mapping, pgoff_t index, pgoff_t last, std::vector<page*>* batch) {
  for (auto it = mapping->i_pages.find(index); it != mapping->i_pages.end() && it->first <= last; ++it) {
    if (it->first != index + batch->size()) break;
    page* pg = it->second;
    get_page(pg);
    batch->push_back(pg);
    if (!PageUptodate(pg) || PageReadahead(pg)) break;
  }
}

void put_batch(std::vector<page*>* batch) {
  for (page* pg : *batch) put_page(pg);
  batch->clear();
}

// Makes a page that is present but not uptodate usable (takes a reference
// the caller holds). 0: uptodate; AOP_TRUNCATED_PAGE: look again; -errno.
int filemap_update_page(kiocb* iocb, address_space* mapping, page* pg) {
  if (!trylock_page(pg)) {
    if (iocb->ki_flags & (IOCB_NOWAIT | IOCB_NOIO)) return -EAGAIN;
    if (!(iocb->ki_flags & IOCB_WAITQ)) {
      // Someone (a read in flight) holds it: wait for the unlock, then
      // look again (folio_put_wait_locked).
      int err = wait_on_page_locked_killable(pg);
      return err ? err : AOP_TRUNCATED_PAGE;
    }
    int err = __lock_page_async(pg, iocb->ki_waitq);
    if (err) return err;
  }
  if (pg->mapping == nullptr) {
    unlock_page(pg);
    return AOP_TRUNCATED_PAGE;
  }
  if (PageUptodate(pg)) {
    unlock_page(pg);
    return 0;
  }
  if (iocb->ki_flags & (IOCB_NOIO | IOCB_NOWAIT)) {
    unlock_page(pg);
    return -EAGAIN;
  }
  if (iocb->ki_flags & IOCB_WAITQ) {
    if (PageError(pg)) {  // our earlier read (or someone's) failed: report it
      unlock_page(pg);
      return -EIO;
    }
    ClearPageError(pg);
    int err = mapping->a_ops->read_folio(iocb->ki_filp, pg);
    if (err) return err;
    err = wait_on_page_bit_async(pg, PG_locked, iocb->ki_waitq);
    return err ? err : AOP_TRUNCATED_PAGE;
  }
  return filemap_read_page(iocb->ki_filp, mapping, pg);
}

// No page at index even after readahead: make one and read it.
int filemap_create_page(kiocb* iocb, address_space* mapping, pgoff_t index, std::vector<page*>* batch) {
  page* pg = page_cache_alloc(mapping, true);
  if (add_to_page_cache_lru(pg, mapping, index) != 0) {
    put_page(pg);
    return AOP_TRUNCATED_PAGE;
  }
  if (iocb->ki_flags & IOCB_WAITQ) {
    int err = mapping->a_ops->read_folio(iocb->ki_filp, pg);
    if (err == 0) err = wait_on_page_bit_async(pg, PG_locked, iocb->ki_waitq);
    put_page(pg);
    return err ? err : AOP_TRUNCATED_PAGE;
  }
  int err = filemap_read_page(iocb->ki_filp, mapping, pg);
  if (err) {
    put_page(pg);
    return err;
  }
  batch->push_back(pg);
  return 0;
}

int filemap_get_pages(kiocb* iocb, size_t count, file_ra_state* ra, std::vector<page*>* batch) {
  file* filp = iocb->ki_filp;
  address_space* mapping = filp->f_mapping;
  pagecache* pc = page_cache();
  pgoff_t index = static_cast<pgoff_t>(iocb->ki_pos >> PAGE_SHIFT);
  pgoff_t last_index = static_cast<pgoff_t>((iocb->ki_pos + static_cast<loff_t>(count) + PAGE_SIZE - 1) >> PAGE_SHIFT);
  for (;;) {
    filemap_get_read_batch(mapping, index, last_index - 1, batch);
    if (batch->empty()) {
      ++pc->stats.lookups_miss;
      if (iocb->ki_flags & IOCB_NOIO) return -EAGAIN;
      page_cache_sync_readahead(mapping, ra, filp, index, last_index - index);
      filemap_get_read_batch(mapping, index, last_index - 1, batch);
    } else if (PageUptodate(batch->front())) {
      pc->stats.lookups_hit += batch->size();
    }
    if (batch->empty()) {
      if (iocb->ki_flags & IOCB_NOWAIT) return -EAGAIN;
      int err = filemap_create_page(iocb, mapping, index, batch);
      if (err == AOP_TRUNCATED_PAGE) continue;
      return err;
    }
    page* pg = batch->back();
    int err = 0;
    if (PageReadahead(pg)) {
      if (iocb->ki_flags & IOCB_NOIO) {
        err = -EAGAIN;
      } else {
        page_cache_async_readahead(mapping, ra, filp, pg, pg->index, last_index - pg->index);
      }
    }
    if (err == 0 && !PageUptodate(pg)) {
      if (batch->size() > 1) {  // use the uptodate ones first
        batch->pop_back();
        put_page(pg);
        return 0;
      }
      ++pc->stats.lookups_miss;
      err = filemap_update_page(iocb, mapping, pg);
    }
    if (err == 0) return 0;
    batch->pop_back();
    put_page(pg);
    if (!batch->empty()) return 0;
    if (err == AOP_TRUNCATED_PAGE) continue;
    return err;
  }
}

}  // namespace

int filemap_read_page(file* f, address_space* mapping, page* pg) {
  ClearPageError(pg);
  int err = mapping->a_ops->read_folio(f, pg);
  if (err) return err;
  err = wait_on_page_locked_killable(pg);
  if (err) return err;
  if (PageUptodate(pg)) return 0;
  return -EIO;
}

ssize_t filemap_read(kiocb* iocb, iov_iter* iter, ssize_t already_read) {
  file* filp = iocb->ki_filp;
  address_space* mapping = filp->f_mapping;
  inode* ino = mapping->host;
  loff_t maxbytes = ino->i_sb ? ino->i_sb->s_maxbytes : LLONG_MAX;
  if (iocb->ki_pos >= maxbytes) return 0;
  if (iov_iter_count(iter) == 0) return 0;
  iov_iter_truncate(iter, static_cast<u64>(maxbytes - iocb->ki_pos));
  file_ra_state local_ra;
  file_ra_state* ra = file_ra(filp);
  if (ra == nullptr) {
    file_ra_state_init(&local_ra, mapping);
    ra = &local_ra;
  }
  ssize_t error = 0;
  std::vector<page*> batch;
  loff_t isize = 0;
  do {
    // Once bytes were copied, an async (WAITQ) read must not queue a wait:
    // it returns what it has instead.
    if ((iocb->ki_flags & IOCB_WAITQ) && already_read) iocb->ki_flags |= IOCB_NOWAIT;
    int err = filemap_get_pages(iocb, iov_iter_count(iter), ra, &batch);
    if (err < 0) {
      error = err;
      break;
    }
    isize = i_size_read(ino);
    if (iocb->ki_pos >= isize) {
      put_batch(&batch);
      break;
    }
    loff_t end_offset = std::min<loff_t>(isize, iocb->ki_pos + static_cast<loff_t>(iov_iter_count(iter)));
    for (page* pg : batch) {
      if (iocb->ki_pos >= end_offset) break;
      size_t offset = static_cast<size_t>(iocb->ki_pos & (PAGE_SIZE - 1));
      size_t bytes = std::min<size_t>(static_cast<size_t>(end_offset - iocb->ki_pos), PAGE_SIZE - offset);
      size_t copied = copy_to_iter(page_address(pg) + offset, bytes, iter);
      already_read += static_cast<ssize_t>(copied);
      iocb->ki_pos += static_cast<loff_t>(copied);
      ra->prev_pos = iocb->ki_pos;
      mark_page_accessed(pg);
      if (copied < bytes) {
        error = -EFAULT;
        break;
      }
    }
    put_batch(&batch);
  } while (iov_iter_count(iter) && iocb->ki_pos < isize && !error);
  return already_read ? already_read : error;
}

ssize_t generic_file_read_iter(kiocb* iocb, iov_iter* iter) {
  size_t count = iov_iter_count(iter);
  if (count == 0) return 0;
  ssize_t retval = 0;
  if (iocb->ki_flags & IOCB_DIRECT) {
    address_space* mapping = iocb->ki_filp->f_mapping;
    retval = mapping->a_ops->direct_IO(iocb, iter);
    if (retval >= 0) {
      iocb->ki_pos += retval;
      count -= static_cast<size_t>(retval);
    }
    if (retval < 0 || count == 0) return retval;
    if (iocb->ki_pos >= i_size_read(mapping->host)) return retval;
    // A short direct read before EOF: finish through the cache.
  }
  return filemap_read(iocb, iter, retval);
}

ssize_t generic_write_checks(kiocb* iocb, iov_iter* from) {
  inode* ino = iocb->ki_filp->f_mapping->host;
  if (iov_iter_count(from) == 0) return 0;
  if (iocb->ki_flags & IOCB_APPEND) iocb->ki_pos = i_size_read(ino);
  if (iocb->ki_pos < 0) return -EINVAL;
  loff_t maxbytes = ino->i_sb ? ino->i_sb->s_maxbytes : LLONG_MAX;
  if (iocb->ki_pos >= maxbytes) return -EFBIG;
  iov_iter_truncate(from, static_cast<u64>(maxbytes - iocb->ki_pos));
  return static_cast<ssize_t>(iov_iter_count(from));
}

ssize_t generic_perform_write(kiocb* iocb, iov_iter* i) {
  file* f = iocb->ki_filp;
  address_space* mapping = f->f_mapping;
  const address_space_operations* aops = mapping->a_ops;
  loff_t pos = iocb->ki_pos;
  ssize_t written = 0;
  ssize_t status = 0;
  do {
    size_t offset = static_cast<size_t>(pos & (PAGE_SIZE - 1));
    size_t bytes = std::min<size_t>(PAGE_SIZE - offset, iov_iter_count(i));
    page* pg = nullptr;
    status = aops->write_begin(f, mapping, pos, static_cast<unsigned>(bytes), &pg);
    if (status < 0) break;
    size_t copied = copy_from_iter(page_address(pg) + offset, bytes, i);
    status = aops->write_end(f, mapping, pos, static_cast<unsigned>(bytes), static_cast<unsigned>(copied), pg);
    if (status < static_cast<ssize_t>(copied)) iov_iter_revert(i, copied - static_cast<size_t>(status));
    if (status == 0 && bytes > 0) {  // the user buffer faulted
      status = -EFAULT;
      break;
    }
    pos += status;
    written += status;
    balance_dirty_pages_ratelimited(mapping);
  } while (iov_iter_count(i));
  if (written == 0) return status;
  iocb->ki_pos += written;
  return written;
}

ssize_t __generic_file_write_iter(kiocb* iocb, iov_iter* from) {
  address_space* mapping = iocb->ki_filp->f_mapping;
  if (iocb->ki_flags & IOCB_DIRECT) {
    ssize_t ret = mapping->a_ops->direct_IO(iocb, from);
    if (ret > 0) iocb->ki_pos += ret;
    return ret;
  }
  return generic_perform_write(iocb, from);
}

ssize_t generic_write_sync(kiocb* iocb, ssize_t count) {
  if (iocb->ki_flags & IOCB_DSYNC) {
    int ret = vfs_fsync_range(iocb->ki_filp, iocb->ki_pos - count, iocb->ki_pos - 1,
                              (iocb->ki_flags & IOCB_SYNC) ? 0 : 1);
    if (ret) return ret;
  }
  return count;
}

}  // namespace kernel
