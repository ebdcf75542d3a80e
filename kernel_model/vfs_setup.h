// Building and inspecting the storage of a run, outside virtual time: for
// scenario setup ([[device]], [[file]], [cache]), tests and checkers. None
// of these calls sleeps or takes virtual time; all act on Kernel::Current().
//
// - add_disk: the Kernel takes ownership of a device model and builds its
//   request queue (blkdev.h) with the given scheduler and limits.
// - mount_simplefs: a simplefs over the whole device at a mount point
//   ("/data"); one per device. Starts the device's flusher thread.
// - create_file: a file with initial contents, written straight to the
//   media: the deterministic pattern of (inode number, offset), zeros (a
//   sparse file: no blocks), or a repeated text. Bytes of the last block
//   beyond the size are zeros.
// - read_file_contents: what a reader would see now (cached pages first,
//   then the media; holes as zeros), short at EOF.
#ifndef AIOSIM_KERNEL_MODEL_VFS_SETUP_H_
#define AIOSIM_KERNEL_MODEL_VFS_SETUP_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "devices/block_device.h"
#include "kernel_model/blkdev.h"
#include "kernel_model/filemap_lru.h"
#include "kernel_model/vfs_inode.h"
#include "sim/status.h"

namespace kernel {

// Errors: a second device with the same name, a bad queue config.
sim::Status add_disk(std::unique_ptr<devices::BlockDevice> dev, const blk_queue_config& cfg,
                     block_device** out = nullptr);
// The block device of that name, or nullptr.
block_device* lookup_bdev(std::string_view name);

struct simplefs_options {
  loff_t max_file_bytes = loff_t{1} << 44;  // s_maxbytes (16 TiB, ext4's with 4 KiB blocks)
};
// Errors: unknown device, device already mounted, a mount point that is not
// absolute or already used, a logical block larger than a page, a device
// smaller than one block, max_file_bytes < 1.
sim::Status mount_simplefs(std::string_view dev_name, std::string_view mountpoint, const simplefs_options& opts,
                           super_block** out = nullptr);

// The page cache's tunables for this run; change before the run starts.
pagecache_config& pagecache_tunables();

enum class file_fill { kPattern, kZeros, kText };
struct file_spec {
  std::string path;
  loff_t size = 0;
  file_fill fill = file_fill::kPattern;
  std::string text;  // kText: repeated to fill the size (must not be empty)
  umode_t mode = 0644;
};
// Errors: bad path, existing file, size beyond s_maxbytes, ENOSPC.
sim::Status create_file(const file_spec& spec);

// The initial byte of a pattern file at `offset`.
uint8_t file_pattern_byte(unsigned long ino, uint64_t offset);

// Errors: no such file, negative offset.
sim::Status read_file_contents(std::string_view path, loff_t offset, size_t len, std::vector<uint8_t>* out);

// Consistency of the page-cache counters against the pages themselves
// (per-mapping and global dirty/writeback counts, tags, LRU membership).
// Returns "" when consistent, else what is wrong.
std::string pagecache_check_consistency();

}  // namespace kernel

#endif  // AIOSIM_KERNEL_MODEL_VFS_SETUP_H_
