// The generic buffered read and write paths of regular files. Models
// mm/filemap.c (filemap_read, filemap_get_pages, filemap_update_page,
// filemap_create_folio, filemap_read_folio, generic_file_read_iter,
// generic_perform_write, __generic_file_write_iter), fs/read_write.c's
// generic_write_checks and include/linux/fs.h's generic_write_sync.
//
// Reads (filemap_read): pages are looked up in runs; a missing page starts
// synchronous readahead, a PG_readahead page starts asynchronous readahead;
// a page that is not uptodate is waited for (it is locked while its read is
// in flight), or read again if an earlier read failed (then -EIO if that read
// fails too). Bytes are copied up to i_size: a read at EOF returns 0, one
// straddling EOF a short count. A fault in the user buffer ends the read
// with the bytes copied so far, or -EFAULT.
//
// The kiocb decides what happens where the read would block:
//   default          sleep (killable: a fatal signal gives -EINTR);
//   IOCB_NOWAIT      -EAGAIN (readahead is still started), or the bytes
//                    already copied;
//   IOCB_NOIO        -EAGAIN without starting any I/O;
//   IOCB_WAITQ       (with ki_waitq) queue the caller's wait_page_queue on
//                    the page and return -EIOCBRETRY; the entry's func runs
//                    when the page unlocks, and the caller retries the read
//                    for the remaining bytes. Once some bytes were copied the
//                    read turns NOWAIT (as Linux), so -EIOCBRETRY always
//                    means "nothing copied, one entry queued". A page that
//                    failed to read (PG_error) ends a WAITQ read with -EIO
//                    instead of being read again.
// The blocking points are named in filemap.h; in this file they are reached
// only from filemap_update_page, filemap_read_page and filemap_create_page
// (reads) and from a_ops->write_begin and balance_dirty_pages (writes).
//
// Writes (generic_perform_write): page by page, write_begin (which may read
// the page first), copy from the user, write_end (uptodate + dirty, i_size
// grows), then dirty throttling. A short copy on a page that was not
// uptodate writes nothing of that page.
#ifndef AIOSIM_KERNEL_MODEL_FILEMAP_RW_H_
#define AIOSIM_KERNEL_MODEL_FILEMAP_RW_H_

#include "kernel_model/filemap.h"
#include "kernel_model/fs.h"
#include "kernel_model/uio.h"

namespace kernel {

// Returned by page-cache helpers when the page went away: look again.
inline constexpr int AOP_TRUNCATED_PAGE = 0x80001;

// Buffered read into iter from iocb->ki_pos, advancing ki_pos. Returns
// bytes (already_read plus what this call copied) or -errno.
ssize_t filemap_read(kiocb* iocb, iov_iter* iter, ssize_t already_read);
// read_iter for regular files: O_DIRECT through a_ops->direct_IO (falling
// back to buffered reads for what it left short before EOF), else
// filemap_read.
ssize_t generic_file_read_iter(kiocb* iocb, iov_iter* iter);
// Reads one locked page synchronously: read_folio, wait, 0 or -EIO.
int filemap_read_page(file* f, address_space* mapping, page* pg);

// O_APPEND positioning and size limits: returns the bytes that may be
// written (iter truncated to them), 0, or -EFBIG (pos at or past
// s_maxbytes), -EINVAL (negative pos).
ssize_t generic_write_checks(kiocb* iocb, iov_iter* from);
// Buffered write of iter at iocb->ki_pos; advances ki_pos. Bytes or -errno.
ssize_t generic_perform_write(kiocb* iocb, iov_iter* i);
// O_DIRECT write (a_ops->direct_IO) or buffered write; caller holds
// inode_lock. Bytes, -EIOCBQUEUED, or -errno.
ssize_t __generic_file_write_iter(kiocb* iocb, iov_iter* from);
// For IOCB_DSYNC writes: writes back and waits for [pos - count, pos)
// (vfs_fsync_range); returns count or the error.
ssize_t generic_write_sync(kiocb* iocb, ssize_t count);

}  // namespace kernel

#endif  // AIOSIM_KERNEL_MODEL_FILEMAP_RW_H_
