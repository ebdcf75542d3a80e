// Inodes and super blocks of the model's one file system ("simplefs", a
// flat ext2-like file system on a block device). Models the generic parts of
// include/linux/fs.h (struct inode, struct super_block, i_state bits,
// inode_lock, i_size_read/write, iget/iput, inode_dio_begin/end/wait) plus
// the file system's private state (block map, allocator, names).
//
// Contract:
// - An inode lives while i_count > 0. The name in the directory holds one
//   reference (i_nlink == 1); each open file holds one. unlink drops the
//   name's; the last iput of an unlinked inode truncates it (freeing its
//   blocks and pages) and frees it: "the inode lives until the last close".
// - File block size is PAGE_SIZE: page index == logical block number. The
//   block map is an ordered map of extents (logical start -> physical start,
//   length); unmapped blocks are holes and read as zeros.
// - Invariant kept by every path: bytes of the last block beyond i_size are
//   zero on the media and in the cache, so extending a file never exposes
//   stale bytes.
//
// Differences from Linux: one flat directory per mount, no dentries, no
// timestamps or ownership, no on-disk metadata (the block map and sizes live
// in memory and survive power cuts).
#ifndef AIOSIM_KERNEL_MODEL_VFS_INODE_H_
#define AIOSIM_KERNEL_MODEL_VFS_INODE_H_

#include <sys/stat.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "kernel_model/blkdev.h"
#include "kernel_model/filemap.h"
#include "kernel_model/vfs_rwsem.h"
#include "kernel_model/wait.h"
#include "sim/time.h"

namespace kernel {

struct super_block;
struct backing_dev_info;

using umode_t = unsigned short;

// i_state bits (include/linux/fs.h).
inline constexpr unsigned long I_DIRTY_SYNC = 1ul << 0;
inline constexpr unsigned long I_DIRTY_DATASYNC = 1ul << 1;
inline constexpr unsigned long I_DIRTY_PAGES = 1ul << 2;
inline constexpr unsigned long I_NEW = 1ul << 3;
inline constexpr unsigned long I_FREEING = 1ul << 5;
inline constexpr unsigned long I_SYNC = 1ul << 7;  // writeback of this inode in progress
inline constexpr unsigned long I_DIRTY_INODE = I_DIRTY_SYNC | I_DIRTY_DATASYNC;
inline constexpr unsigned long I_DIRTY = I_DIRTY_INODE | I_DIRTY_PAGES;

// One extent of the block map.
struct simplefs_extent {
  uint64_t pblk = 0;  // first physical block (in file-system blocks)
  uint64_t len = 0;   // blocks
};

struct inode {
  umode_t i_mode = S_IFREG | 0644;
  unsigned int i_nlink = 1;
  unsigned long i_ino = 0;
  loff_t i_size = 0;
  super_block* i_sb = nullptr;
  address_space i_data;
  address_space* i_mapping = &i_data;
  int i_count = 0;
  unsigned long i_state = 0;
  sim::SimTime dirtied_when = 0;  // when the inode became dirty (writeback age)
  bool on_dirty_list = false;     // on its bdi's b_dirty list
  rw_semaphore i_rwsem;
  int i_dio_count = 0;  // direct I/O in flight (inode_dio_begin/end)
  wait_queue_head i_dio_wait{"inode_dio_wait"};
  wait_queue_head i_sync_wait{"inode writeback (I_SYNC)"};
  // simplefs: logical block -> extent
  std::map<uint64_t, simplefs_extent> i_extents;
  uint64_t i_blocks = 0;  // blocks allocated
};

struct super_block {
  std::string s_id;          // the block device's name ("sda")
  std::string s_mountpoint;  // "/data"
  block_device* s_bdev = nullptr;
  unsigned long s_blocksize = PAGE_SIZE;
  loff_t s_maxbytes = 0;     // largest file size (EFBIG beyond)
  backing_dev_info* s_bdi = nullptr;
  // simplefs: the block allocator (free extents: start -> length) and names.
  std::map<uint64_t, uint64_t> free_extents;
  uint64_t nr_blocks = 0;
  uint64_t free_blocks = 0;
  std::map<unsigned long, std::unique_ptr<inode>> s_inodes;  // every live inode
  std::map<std::string, unsigned long> s_names;               // name -> ino
  unsigned long next_ino = 12;
};

inline loff_t i_size_read(const inode* ino) { return ino->i_size; }
inline void i_size_write(inode* ino, loff_t size) { ino->i_size = size; }

inline void inode_lock(inode* ino) { down_write(&ino->i_rwsem); }
inline void inode_unlock(inode* ino) { up_write(&ino->i_rwsem); }
inline void inode_lock_shared(inode* ino) { down_read(&ino->i_rwsem); }
inline void inode_unlock_shared(inode* ino) { up_read(&ino->i_rwsem); }

inline void inode_dio_begin(inode* ino) { ++ino->i_dio_count; }
// Any context.
void inode_dio_end(inode* ino);
// Sleeps until no direct I/O is in flight on the inode.
void inode_dio_wait(inode* ino);

inline void ihold(inode* ino) { ++ino->i_count; }
// Drops a reference; see the contract for the last one.
void iput(inode* ino);

}  // namespace kernel

#endif  // AIOSIM_KERNEL_MODEL_VFS_INODE_H_
