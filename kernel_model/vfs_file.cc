// simplefs's file_operations for regular files. Models fs/ext4/file.c's
// shape (ext4_file_read_iter, ext4_buffered_write_iter, ext4_dio_write_iter,
// ext4_sync_file) over the generic helpers: buffered reads take no lock,
// O_DIRECT reads take i_rwsem shared during submission, writes take it
// exclusive (IOCB_NOWAIT: trylock or -EAGAIN).
//
// Differences: a buffered IOCB_NOWAIT write is -EOPNOTSUPP (as ext4); a
// short O_DIRECT write is not completed through the cache; fsync writes no
// metadata (simplefs keeps it in memory) and ends with a device flush when
// the device has a volatile write cache.
#include <climits>

#include "kernel_model/blkdev.h"
#include "kernel_model/filemap_rw.h"
#include "kernel_model/vfs_simplefs.h"
#include "kernel_model/vfs_storage.h"
#include "kernel_model/writeback.h"

namespace kernel {

namespace {

ssize_t simplefs_file_read_iter(kiocb* iocb, iov_iter* to) {
  if (!(iocb->ki_flags & IOCB_DIRECT)) return generic_file_read_iter(iocb, to);
  inode* ino = file_inode(iocb->ki_filp);
  if (iocb->ki_flags & IOCB_NOWAIT) {
    if (!down_read_trylock(&ino->i_rwsem)) return -EAGAIN;
  } else {
    inode_lock_shared(ino);
  }
  ssize_t ret = generic_file_read_iter(iocb, to);
  inode_unlock_shared(ino);
  return ret;
}

ssize_t simplefs_file_write_iter(kiocb* iocb, iov_iter* from) {
  inode* ino = file_inode(iocb->ki_filp);
  if ((iocb->ki_flags & IOCB_NOWAIT) && !(iocb->ki_flags & IOCB_DIRECT)) return -EOPNOTSUPP;
  if (iocb->ki_flags & IOCB_NOWAIT) {
    if (!down_write_trylock(&ino->i_rwsem)) return -EAGAIN;
  } else {
    inode_lock(ino);
  }
  ssize_t ret = generic_write_checks(iocb, from);
  if (ret > 0) ret = __generic_file_write_iter(iocb, from);
  inode_unlock(ino);
  // O_DIRECT with IOCB_DSYNC used FUA writes; buffered data still needs
  // writing back.
  if (ret > 0 && !(iocb->ki_flags & IOCB_DIRECT)) ret = generic_write_sync(iocb, ret);
  return ret;
}

// ext4_sync_file without a journal: data, then the device cache.
int simplefs_fsync(file* f, loff_t start, loff_t end, int datasync) {
  inode* ino = file_inode(f);
  int ret = file_write_and_wait_range(f, start, end);
  if (ret == 0 && bdev_write_cache(ino->i_sb->s_bdev)) ret = blkdev_issue_flush(ino->i_sb->s_bdev);
  storage_state* st = storage();
  st->kernel->trace().Emit(st->tk.fsync, {static_cast<int64_t>(ino->i_ino), datasync, ret});
  return ret;
}

// generic_file_llseek (SEEK_DATA/SEEK_HOLE treat the file as all data).
loff_t simplefs_llseek(file* f, loff_t offset, int whence) {
  inode* ino = file_inode(f);
  loff_t isize = i_size_read(ino);
  loff_t pos;
  switch (whence) {
    case SEEK_SET:
      pos = offset;
      break;
    case SEEK_CUR:
      if (offset == 0) return f->f_pos;
      pos = f->f_pos + offset;
      break;
    case SEEK_END:
      pos = isize + offset;
      break;
    case SEEK_DATA:
      if (offset < 0 || offset >= isize) return -ENXIO;
      pos = offset;
      break;
    case SEEK_HOLE:
      if (offset < 0 || offset >= isize) return -ENXIO;
      pos = isize;
      break;
    default:
      return -EINVAL;
  }
  if (pos < 0 || pos > ino->i_sb->s_maxbytes) return -EINVAL;
  if (pos != f->f_pos) {
    f->f_pos = pos;
    f->f_version = 0;
  }
  return pos;
}

int simplefs_release(inode* ino, file* f) {
  delete static_cast<simplefs_file*>(f->private_data);
  f->private_data = nullptr;
  iput(ino);
  return 0;
}

file_operations make_fops() {
  file_operations ops;
  ops.name = "simplefs";
  ops.llseek = simplefs_llseek;
  ops.read_iter = simplefs_file_read_iter;
  ops.write_iter = simplefs_file_write_iter;
  ops.release = simplefs_release;
  ops.fsync = simplefs_fsync;
  return ops;
}

}  // namespace

const file_operations simplefs_file_operations = make_fops();

file_ra_state* file_ra(file* f) {
  if (f == nullptr || f->f_op != &simplefs_file_operations || f->private_data == nullptr) return nullptr;
  return &static_cast<simplefs_file*>(f->private_data)->f_ra;
}

}  // namespace kernel
