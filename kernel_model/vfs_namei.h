// The path-level syscalls of regular files: open/openat/creat, unlink,
// truncate/ftruncate. Models fs/open.c (do_sys_open, do_truncate,
// do_sys_ftruncate), fs/namei.c (path lookup, O_CREAT/O_EXCL, do_unlinkat,
// may_open's O_TRUNC) and fs/inode.c (iput, evict).
//
// Paths are "<mountpoint>/<name>" with a flat namespace per mount (see
// mount_simplefs in vfs_setup.h); there is no cwd, so relative paths and
// deeper paths give -ENOENT. All calls act for current().
#ifndef AIOSIM_KERNEL_MODEL_VFS_NAMEI_H_
#define AIOSIM_KERNEL_MODEL_VFS_NAMEI_H_

#include <string>
#include <string_view>

#include "kernel_model/fs.h"
#include "kernel_model/vfs_inode.h"

namespace kernel {

// Opens (or creates) a regular file. flags: O_RDONLY/O_WRONLY/O_RDWR with
// O_CREAT, O_EXCL, O_TRUNC, O_APPEND, O_DIRECT, O_SYNC, O_DSYNC, O_NONBLOCK,
// O_CLOEXEC (others are kept in f_flags and ignored). mode: permission bits
// for a new file. Returns the fd or:
//   -ENOENT  no such file (without O_CREAT), a path outside every mount, or
//            a path with no name after the mount point
//   -EEXIST  O_CREAT|O_EXCL on an existing name
//   -EISDIR  the mount point itself
//   -EINVAL  O_DIRECT on a file system without direct I/O
//   -ENAMETOOLONG a name longer than 255 bytes
//   -EMFILE  the fd table is full
long sys_open(std::string_view path, int flags, umode_t mode);
long sys_openat(int dfd, std::string_view path, int flags, umode_t mode);  // dfd ignored unless relative
long sys_creat(std::string_view path, umode_t mode);  // O_CREAT|O_WRONLY|O_TRUNC
// Removes the name; the inode lives until its last open file is closed.
// -ENOENT, -EISDIR (the mount point).
long sys_unlink(std::string_view path);
// -EINVAL length < 0 or fd not a regular file open for writing, -EBADF,
// -EFBIG length beyond the file system's maximum file size.
long sys_ftruncate(unsigned int fd, loff_t length);
// -ENOENT, -EINVAL, -EFBIG as above.
long sys_truncate(std::string_view path, loff_t length);

// The inode a path names (no reference taken), or nullptr.
inode* lookup_path(std::string_view path);

}  // namespace kernel

#endif  // AIOSIM_KERNEL_MODEL_VFS_NAMEI_H_
