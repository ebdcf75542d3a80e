// simplefs's address_space_operations: page reads (one page, or a
// readahead window as few bios as the block map allows), write_begin /
// write_end for buffered writes, and writepages. Models fs/mpage.c
// (do_mpage_readpage, mpage_readahead, __mpage_writepage) and fs/buffer.c
// (block_write_begin, block_write_end, generic_write_end).
#include <cstring>

#include "kernel_model/blkdev.h"
#include "kernel_model/filemap_rw.h"
#include "kernel_model/vfs_simplefs.h"
#include "kernel_model/writeback.h"
#include "sim/check.h"

namespace kernel {

namespace {

block_device* inode_bdev(const inode* ino) { return ino->i_sb->s_bdev; }

// The last page index holding file data, or -1 for an empty file.
int64_t last_page_index(const inode* ino) {
  loff_t isize = i_size_read(ino);
  return isize == 0 ? -1 : static_cast<int64_t>((isize - 1) >> PAGE_SHIFT);
}

// A page with no data behind it (a hole, or beyond EOF): zeros, uptodate.
void zero_fill_page(page* pg) {
  std::memset(page_address(pg), 0, PAGE_SIZE);
  SetPageUptodate(pg);
  unlock_page(pg);
}

// mpage_end_io for reads: every page of the bio becomes uptodate, or
// !uptodate with PG_error; then it is unlocked (interrupt context).
void mpage_read_end_io(bio* b) {
  for (const bio_vec& bv : bio_vecs_all(b)) {
    page* pg = bv.bv_page;
    if (b->bi_status == BLK_STS_OK) {
      SetPageUptodate(pg);
    } else {
      ClearPageUptodate(pg);
      SetPageError(pg);
    }
    unlock_page(pg);
  }
  bio_put(b);
}

// mpage_end_io for writes.
void mpage_write_end_io(bio* b) {
  for (const bio_vec& bv : bio_vecs_all(b)) {
    page* pg = bv.bv_page;
    if (b->bi_status != BLK_STS_OK) {
      SetPageError(pg);
      if (pg->mapping) mapping_set_error(pg->mapping, blk_status_to_errno(b->bi_status));
    }
    end_page_writeback(pg);
  }
  bio_put(b);
}

struct mpage_readctx {
  bio* b = nullptr;
  uint64_t next_pblk = 0;  // the block that would extend the bio
};

void mpage_submit(mpage_readctx* ctx) {
  if (ctx->b != nullptr) submit_bio(ctx->b);
  ctx->b = nullptr;
}

// do_mpage_readpage: adds one locked page to the bio being built (or reads
// it as zeros), starting a new bio where the blocks stop being contiguous.
void do_mpage_readpage(mpage_readctx* ctx, inode* ino, page* pg, blk_opf_t opf) {
  if (static_cast<int64_t>(pg->index) > last_page_index(ino)) {
    zero_fill_page(pg);
    return;
  }
  uint64_t pblk = 0, len = 0;
  bool fresh = false;
  simplefs_map_blocks(ino, pg->index, 1, false, &pblk, &len, &fresh);
  if (pblk == SIMPLEFS_HOLE) {
    zero_fill_page(pg);
    return;
  }
  if (ctx->b != nullptr && pblk != ctx->next_pblk) mpage_submit(ctx);
  if (ctx->b != nullptr && bio_add_page(ctx->b, pg, PAGE_SIZE, 0) == PAGE_SIZE) {
    ctx->next_pblk = pblk + 1;
    return;
  }
  mpage_submit(ctx);
  ctx->b = bio_alloc(inode_bdev(ino), BIO_MAX_VECS, opf);
  ctx->b->bi_iter.bi_sector = simplefs_block_sector(ino->i_sb, pblk);
  ctx->b->bi_end_io = mpage_read_end_io;
  bio_add_page(ctx->b, pg, PAGE_SIZE, 0);
  ctx->next_pblk = pblk + 1;
}

int simplefs_read_folio(file* f, page* pg) {
  SIM_CHECK(PageLocked(pg)) << "read_folio of unlocked page " << pg->id;
  mpage_readctx ctx;
  do_mpage_readpage(&ctx, pg->mapping->host, pg, REQ_OP_READ);
  mpage_submit(&ctx);
  return 0;
}

void simplefs_readahead(readahead_control* rac) {
  mpage_readctx ctx;
  inode* ino = rac->mapping->host;
  for (page* pg : rac->pages) do_mpage_readpage(&ctx, ino, pg, REQ_OP_READ | REQ_RAHEAD);
  mpage_submit(&ctx);
}

// block_write_begin: the page locked, its block allocated, its bytes valid
// outside the part the write will cover.
int simplefs_write_begin(file* f, address_space* mapping, loff_t pos, unsigned len, page** pagep) {
  inode* ino = mapping->host;
  pgoff_t index = static_cast<pgoff_t>(pos >> PAGE_SHIFT);
  for (;;) {
    page* pg = find_or_create_page(mapping, index, true);
    uint64_t pblk = 0, n = 0;
    bool fresh = false;
    int err = simplefs_map_blocks(ino, index, 1, true, &pblk, &n, &fresh);
    if (err) {
      unlock_page(pg);
      put_page(pg);
      return err;
    }
    if (fresh) {
      // A new block holds nothing: the page is zeros, and dirty so that the
      // zeros reach the disk even if this write copies nothing.
      std::memset(page_address(pg), 0, PAGE_SIZE);
      SetPageUptodate(pg);
      set_page_dirty(pg);
    }
    if (PageUptodate(pg)) {
      *pagep = pg;
      return 0;
    }
    uint32_t from = static_cast<uint32_t>(pos & (PAGE_SIZE - 1));
    if (from == 0 && len == PAGE_SIZE) {  // the write covers the whole page
      *pagep = pg;
      return 0;
    }
    // A partial write of a page that has data on disk: read it first.
    err = filemap_read_page(f, mapping, pg);
    if (err == 0 || err == -EIO) {
      lock_page(pg);
      if (pg->mapping != mapping) {  // truncated meanwhile: start again
        unlock_page(pg);
        put_page(pg);
        continue;
      }
      if (PageUptodate(pg)) {
        *pagep = pg;
        return 0;
      }
      err = -EIO;
      unlock_page(pg);
    }
    put_page(pg);
    return err;
  }
}

// block_write_end + generic_write_end.
int simplefs_write_end(file* f, address_space* mapping, loff_t pos, unsigned len, unsigned copied, page* pg) {
  inode* ino = mapping->host;
  if (copied < len && !PageUptodate(pg)) copied = 0;  // a short copy into a page that was never read
  if (copied > 0) {
    SetPageUptodate(pg);
    set_page_dirty(pg);
    if (pos + static_cast<loff_t>(copied) > i_size_read(ino)) i_size_write(ino, pos + copied);
  }
  unlock_page(pg);
  put_page(pg);
  return static_cast<int>(copied);
}

struct mpage_writectx {
  bio* b = nullptr;
  uint64_t next_pblk = 0;
  blk_opf_t opf = REQ_OP_WRITE;
};

void mpage_write_submit(mpage_writectx* ctx) {
  if (ctx->b != nullptr) submit_bio(ctx->b);
  ctx->b = nullptr;
}

// __mpage_writepage: the page is locked and was dirty; it goes under
// writeback in the bio being built and is unlocked.
int simplefs_writepage(page* pg, writeback_control* wbc, void* data) {
  auto* ctx = static_cast<mpage_writectx*>(data);
  inode* ino = pg->mapping->host;
  int64_t last = last_page_index(ino);
  if (static_cast<int64_t>(pg->index) > last) {  // wholly beyond EOF: nothing to write
    unlock_page(pg);
    return 0;
  }
  loff_t isize = i_size_read(ino);
  if (static_cast<int64_t>(pg->index) == last && (isize & (PAGE_SIZE - 1)) != 0) {
    // The page straddles EOF: what lies beyond it must be zeros on disk.
    uint32_t tail = static_cast<uint32_t>(isize & (PAGE_SIZE - 1));
    std::memset(page_address(pg) + tail, 0, PAGE_SIZE - tail);
  }
  uint64_t pblk = 0, n = 0;
  bool fresh = false;
  int err = simplefs_map_blocks(ino, pg->index, 1, true, &pblk, &n, &fresh);
  if (err) {
    mapping_set_error(pg->mapping, err);
    unlock_page(pg);
    return err;
  }
  set_page_writeback(pg);
  if (ctx->b != nullptr && pblk != ctx->next_pblk) mpage_write_submit(ctx);
  if (ctx->b == nullptr || bio_add_page(ctx->b, pg, PAGE_SIZE, 0) != PAGE_SIZE) {
    mpage_write_submit(ctx);
    ctx->b = bio_alloc(inode_bdev(ino), BIO_MAX_VECS, ctx->opf);
    ctx->b->bi_iter.bi_sector = simplefs_block_sector(ino->i_sb, pblk);
    ctx->b->bi_end_io = mpage_write_end_io;
    bio_add_page(ctx->b, pg, PAGE_SIZE, 0);
  }
  ctx->next_pblk = pblk + 1;
  unlock_page(pg);
  return 0;
}

int simplefs_writepages(address_space* mapping, writeback_control* wbc) {
  mpage_writectx ctx;
  ctx.opf = REQ_OP_WRITE | (wbc->sync_mode == WB_SYNC_ALL ? REQ_SYNC : REQ_BACKGROUND);
  int ret = write_cache_pages(mapping, wbc, simplefs_writepage, &ctx);
  mpage_write_submit(&ctx);
  return ret;
}

}  // namespace

const address_space_operations simplefs_aops = {
    simplefs_read_folio,
    simplefs_readahead,
    simplefs_writepages,
    simplefs_write_begin,
    simplefs_write_end,
    simplefs_direct_IO,
};

}  // namespace kernel
