// simplefs: the model's file system, as its operations tables and internal
// helpers. A flat directory per mount, 4 KiB blocks (== pages), an extent
// block map per inode and a first-fit extent allocator that tries to place a
// file's next block right after its previous one (so sequential files are
// contiguous and their pages merge into large requests). Blocks are
// allocated when a write first reaches them (no delayed allocation), so
// ENOSPC is reported by the write itself. Models the shape of fs/ext2 (block
// map, get_block) over fs/mpage.c (mpage_readahead, mpage_writepages) and
// fs/buffer.c (block_write_begin/end), with fs/iomap/direct-io.c's rules
// for O_DIRECT.
#ifndef AIOSIM_KERNEL_MODEL_VFS_SIMPLEFS_H_
#define AIOSIM_KERNEL_MODEL_VFS_SIMPLEFS_H_

#include <cstdint>

#include "kernel_model/filemap.h"
#include "kernel_model/fs.h"
#include "kernel_model/readahead.h"
#include "kernel_model/vfs_inode.h"

namespace kernel {

extern const address_space_operations simplefs_aops;
extern const file_operations simplefs_file_operations;

// What an open regular file keeps (file->private_data).
struct simplefs_file {
  file_ra_state f_ra;
};

// --- block map (vfs_alloc.cc) ---
// Maps the run of blocks starting at logical block lblk, at most max_len
// long. On return *len blocks from lblk are either mapped contiguously from
// *pblk, or (when *pblk == UINT64_MAX and !create) a hole. With create, an
// unmapped lblk gets one newly allocated block (*fresh = true, *len = 1).
// Returns 0 or -ENOSPC.
inline constexpr uint64_t SIMPLEFS_HOLE = UINT64_MAX;
int simplefs_map_blocks(inode* ino, uint64_t lblk, uint64_t max_len, bool create, uint64_t* pblk, uint64_t* len,
                        bool* fresh);
// Frees every block at or after logical block `from`.
void simplefs_free_blocks_from(inode* ino, uint64_t from);
// The first 512-byte sector of a file-system block.
inline sector_t simplefs_block_sector(const super_block* sb, uint64_t pblk) {
  return pblk * (sb->s_blocksize >> SECTOR_SHIFT);
}

// --- inodes (vfs_namei.cc) ---
// A new empty regular inode with one reference (the caller's).
inode* simplefs_new_inode(super_block* sb, umode_t mode);
// Changes i_size (ftruncate, O_TRUNC): shrinking drops cached pages and
// blocks beyond the new end and zeroes the tail of the new last block.
// REQUIRES inode_lock held. Returns 0 or -errno.
int simplefs_setattr_size(inode* ino, loff_t newsize);

// --- address space operations (vfs_aops.cc) and O_DIRECT (vfs_direct.cc) ---
ssize_t simplefs_direct_IO(kiocb* iocb, iov_iter* iter);

}  // namespace kernel

#endif  // AIOSIM_KERNEL_MODEL_VFS_SIMPLEFS_H_
