// The storage half of the world: the block devices a Kernel owns, their
// queues and flushers, the page cache, and the mounted file systems. Models
// what Linux keeps in globals (the bdev map, bdi_list, super_blocks, the
// node's LRU and vm_stat) gathered in one object hung on the Kernel
// (Kernel::storage), like the rest of the model's globals.
//
// Contract: created on first use by storage() for Kernel::Current();
// destroyed with the Kernel after every fiber is gone and every file is
// released, so teardown frees memory without running any kernel path
// (pending device completions are simply never delivered).
#ifndef AIOSIM_KERNEL_MODEL_VFS_STORAGE_H_
#define AIOSIM_KERNEL_MODEL_VFS_STORAGE_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "devices/block_device.h"
#include "kernel_model/blkdev.h"
#include "kernel_model/filemap_lru.h"
#include "kernel_model/kernel.h"
#include "kernel_model/vfs_inode.h"
#include "kernel_model/writeback.h"

namespace kernel {

struct dio;  // vfs_direct.cc
struct dio_cache_free {
  void operator()(dio* d) const;
};

struct vfs_trace_kinds {
  uint32_t open;      // ino, fd, flags
  uint32_t truncate;  // ino, old size, new size
  uint32_t unlink;    // ino, nlink, i_count
  uint32_t evict;     // ino, blocks freed
  uint32_t dio;       // ino, rw (0 read, 1 write), pos, count, async
  uint32_t dio_done;  // ino, rw, result
  uint32_t fsync;     // ino, datasync, result
};

struct storage_state {
  explicit storage_state(Kernel* k);
  ~storage_state();
  storage_state(const storage_state&) = delete;
  storage_state& operator=(const storage_state&) = delete;

  Kernel* kernel;
  // Declaration order is teardown order reversed: file systems go first,
  // then flushers' bdis, queues, and the device models last.
  std::map<std::string, std::unique_ptr<devices::BlockDevice>> devices;  // by name
  std::map<std::string, std::unique_ptr<block_device>> bdevs;             // by name
  std::map<std::string, std::unique_ptr<backing_dev_info>> bdis;          // by device name
  pagecache pc;
  std::map<std::string, std::unique_ptr<super_block>> supers;  // by mount point
  vfs_trace_kinds tk;
  // Finished direct-I/O requests kept for reuse with their buffers
  // (vfs_direct.cc), as the kernel allocates its iomap_dio from a slab.
  // Nothing about them is visible: a recycled request starts as a new one.
  std::vector<std::unique_ptr<dio, dio_cache_free>> dio_cache;
};

// The current Kernel's storage state, created on first use. REQUIRES a
// current Kernel. Inline once created: the direct-I/O path asks several
// times per request.
storage_state* storage_create();
inline storage_state* storage() {
  Kernel* k = Kernel::Current();
  if (k != nullptr && k->storage) [[likely]] return k->storage.get();
  return storage_create();
}

}  // namespace kernel

#endif  // AIOSIM_KERNEL_MODEL_VFS_STORAGE_H_
