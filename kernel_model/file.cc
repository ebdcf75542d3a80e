// struct file lifetime, kiocb helpers and the vfs_* calls
// (fs/file_table.c, fs/read_write.c, fs/open.c, fs/sync.c). See fs.h.
#include <climits>
#include <memory>

#include "kernel_model/eventpoll.h"
#include "kernel_model/fs.h"
#include "kernel_model/mm.h"
#include "kernel_model/sched.h"
#include "kernel_model/workqueue.h"
#include "sim/check.h"

namespace kernel {

namespace {

void delayed_fput(work_struct*) {
  Kernel* k = Kernel::Current();
  std::vector<file*> list;
  list.swap(k->delayed_fput_list_);
  for (file* f : list) __fput(f);
}

}  // namespace

file* alloc_empty_file(unsigned flags) {
  Kernel* k = Kernel::Current();
  file* f = new file;
  f->id = k->next_id();
  f->f_flags = flags;
  f->f_mode = (flags & O_PATH) ? FMODE_PATH : OPEN_FMODE(flags);
  f->f_count = 1;
  k->live_files_[f->id] = f;
  return f;
}

file* alloc_file_pseudo(const std::string& name, unsigned flags, const file_operations* fop,
                        void* private_data) {
  file* f = alloc_empty_file(flags);
  f->f_op = fop;
  f->private_data = private_data;
  f->name = name;
  if ((f->f_mode & FMODE_READ) && fop->read_iter) f->f_mode |= FMODE_CAN_READ;
  if ((f->f_mode & FMODE_WRITE) && fop->write_iter) f->f_mode |= FMODE_CAN_WRITE;
  if (fop->llseek && fop->llseek != no_llseek) f->f_mode |= FMODE_LSEEK;
  f->f_mode |= FMODE_OPENED;
  return f;
}

void fput(file* f) {
  SIM_CHECK(f->f_count > 0) << "fput on released file " << f->name << " (id " << f->id << ")";
  if (--f->f_count > 0) return;
  Kernel* k = Kernel::Current();
  task_struct* t = current();
  if (k->shutting_down() || (t && !(t->flags & PF_KTHREAD))) {
    __fput(f);
    return;
  }
  // Event context or a kernel thread: delayed_fput on system_wq.
  if (!k->delayed_fput_work_) {
    k->delayed_fput_work_ = std::make_unique<work_struct>();
    INIT_WORK(k->delayed_fput_work_.get(), delayed_fput);
  }
  k->delayed_fput_list_.push_back(f);
  schedule_work(k->delayed_fput_work_.get());
}

void __fput(file* f) {
  Kernel* k = Kernel::Current();
  if (!f->f_ep.empty()) eventpoll_release(f);
  if (f->f_op && f->f_op->release) f->f_op->release(f->f_inode, f);
  k->trace().Emit(k->k.file_release, {static_cast<int64_t>(f->id)});
  k->live_files_.erase(f->id);
  delete f;
}

size_t nr_live_files() { return Kernel::Current()->live_files_.size(); }

void stream_open(inode* ino, file* f) {
  f->f_mode &= ~(FMODE_LSEEK | FMODE_PREAD | FMODE_PWRITE | FMODE_ATOMIC_POS);
  f->f_mode |= FMODE_STREAM;
}

loff_t no_llseek(file* f, loff_t offset, int whence) { return -ESPIPE; }
loff_t noop_llseek(file* f, loff_t offset, int whence) { return f->f_pos; }

__poll_t vfs_poll(file* f, poll_table* pt) {
  if (!f->f_op->poll) return DEFAULT_POLLMASK;
  return f->f_op->poll(f, pt);
}

int iocb_flags(const file* f) {
  int res = 0;
  if (f->f_flags & O_APPEND) res |= IOCB_APPEND;
  if (f->f_flags & O_DIRECT) res |= IOCB_DIRECT;
  if (f->f_flags & O_DSYNC) res |= IOCB_DSYNC;
  if (f->f_flags & __O_SYNC) res |= IOCB_SYNC;
  return res;
}

void init_sync_kiocb(kiocb* k, file* f) {
  *k = kiocb{};
  k->ki_filp = f;
  k->ki_flags = iocb_flags(f);
}

int kiocb_set_rw_flags(kiocb* ki, rwf_t flags, int rw_type) {
  const u32 uflags = static_cast<u32>(flags);
  if (!uflags) return 0;
  if (uflags & ~RWF_SUPPORTED) return -EOPNOTSUPP;
  if ((uflags & RWF_APPEND) && (uflags & RWF_NOAPPEND)) return -EINVAL;
  int kiocb_flags = 0;
  if (uflags & RWF_NOWAIT) {
    if (!(ki->ki_filp->f_mode & FMODE_NOWAIT)) return -EOPNOTSUPP;
    kiocb_flags |= IOCB_NOIO;
  }
  if (uflags & RWF_ATOMIC) {
    if (rw_type != WRITE) return -EOPNOTSUPP;
    if (!(ki->ki_filp->f_mode & FMODE_CAN_ATOMIC_WRITE)) return -EOPNOTSUPP;
  }
  if (uflags & RWF_DONTCACHE) return -EOPNOTSUPP;  // no file here supports it
  kiocb_flags |= static_cast<int>(uflags & (RWF_HIPRI | RWF_DSYNC | RWF_SYNC | RWF_NOWAIT |
                                            RWF_APPEND | RWF_ATOMIC));
  if (uflags & RWF_SYNC) kiocb_flags |= IOCB_DSYNC;
  if ((uflags & RWF_NOAPPEND) && (ki->ki_flags & IOCB_APPEND)) ki->ki_flags &= ~IOCB_APPEND;
  ki->ki_flags |= kiocb_flags;
  return 0;
}

int rw_verify_area(int rw, file* f, const loff_t* ppos, size_t count) {
  if (static_cast<ssize_t>(count) < 0) return -EINVAL;
  if (ppos) {
    const loff_t pos = *ppos;
    if (pos < 0) return -EINVAL;
    if (static_cast<u64>(pos) + count > static_cast<u64>(LLONG_MAX)) return -EINVAL;
  }
  return 0;
}

ssize_t vfs_read(file* f, user_ptr buf, size_t count, loff_t* pos) {
  if (!(f->f_mode & FMODE_READ)) return -EBADF;
  if (!(f->f_mode & FMODE_CAN_READ)) return -EINVAL;
  if (!access_ok(buf, count)) return -EFAULT;
  int ret = rw_verify_area(READ, f, pos, count);
  if (ret) return ret;
  if (count > MAX_RW_COUNT) count = MAX_RW_COUNT;
  kiocb kio;
  init_sync_kiocb(&kio, f);
  kio.ki_pos = pos ? *pos : 0;
  iov_iter iter;
  iov_iter_ubuf(&iter, ITER_DEST, buf, count);
  ssize_t r = f->f_op->read_iter(&kio, &iter);
  SIM_CHECK(r != -EIOCBQUEUED) << "synchronous read returned -EIOCBQUEUED";
  if (pos) *pos = kio.ki_pos;
  return r;
}

ssize_t vfs_write(file* f, user_ptr buf, size_t count, loff_t* pos) {
  if (!(f->f_mode & FMODE_WRITE)) return -EBADF;
  if (!(f->f_mode & FMODE_CAN_WRITE)) return -EINVAL;
  if (!access_ok(buf, count)) return -EFAULT;
  int ret = rw_verify_area(WRITE, f, pos, count);
  if (ret) return ret;
  if (count > MAX_RW_COUNT) count = MAX_RW_COUNT;
  kiocb kio;
  init_sync_kiocb(&kio, f);
  kio.ki_pos = pos ? *pos : 0;
  iov_iter iter;
  iov_iter_ubuf(&iter, ITER_SOURCE, buf, count);
  ssize_t r = f->f_op->write_iter(&kio, &iter);
  SIM_CHECK(r != -EIOCBQUEUED) << "synchronous write returned -EIOCBQUEUED";
  if (r > 0 && pos) *pos = kio.ki_pos;
  return r;
}

namespace {
ssize_t do_iter_rw(file* f, iov_iter* iter, loff_t* ppos, rwf_t flags, int rw) {
  const fmode_t need = rw == READ ? FMODE_READ : FMODE_WRITE;
  const fmode_t can = rw == READ ? FMODE_CAN_READ : FMODE_CAN_WRITE;
  if (!(f->f_mode & need)) return -EBADF;
  if (!(f->f_mode & can)) return -EINVAL;
  const size_t tot_len = iov_iter_count(iter);
  if (!tot_len) return 0;
  int ret = rw_verify_area(rw, f, ppos, tot_len);
  if (ret < 0) return ret;
  kiocb kio;
  init_sync_kiocb(&kio, f);
  ret = kiocb_set_rw_flags(&kio, flags, rw);
  if (ret) return ret;
  kio.ki_pos = ppos ? *ppos : 0;
  ssize_t r = rw == READ ? f->f_op->read_iter(&kio, iter) : f->f_op->write_iter(&kio, iter);
  SIM_CHECK(r != -EIOCBQUEUED) << "synchronous I/O returned -EIOCBQUEUED";
  if (ppos) *ppos = kio.ki_pos;
  return r;
}
}  // namespace

ssize_t vfs_iter_read(file* f, iov_iter* iter, loff_t* ppos, rwf_t flags) {
  return do_iter_rw(f, iter, ppos, flags, READ);
}

ssize_t vfs_iter_write(file* f, iov_iter* iter, loff_t* ppos, rwf_t flags) {
  return do_iter_rw(f, iter, ppos, flags, WRITE);
}

ssize_t kernel_read(file* f, void* buf, size_t count, loff_t* pos) {
  kvec iov{buf, count};
  iov_iter iter;
  iov_iter_kvec(&iter, ITER_DEST, &iov, 1, count);
  return vfs_iter_read(f, &iter, pos, 0);
}

ssize_t kernel_write(file* f, const void* buf, size_t count, loff_t* pos) {
  kvec iov{const_cast<void*>(buf), count};
  iov_iter iter;
  iov_iter_kvec(&iter, ITER_SOURCE, &iov, 1, count);
  return vfs_iter_write(f, &iter, pos, 0);
}

int vfs_fsync_range(file* f, loff_t start, loff_t end, int datasync) {
  if (!f->f_op->fsync) return -EINVAL;
  return f->f_op->fsync(f, start, end, datasync);
}

int vfs_fsync(file* f, int datasync) { return vfs_fsync_range(f, 0, LLONG_MAX, datasync); }

loff_t vfs_llseek(file* f, loff_t offset, int whence) {
  if (!(f->f_mode & FMODE_LSEEK) || !f->f_op->llseek) return -ESPIPE;
  return f->f_op->llseek(f, offset, whence);
}

}  // namespace kernel
