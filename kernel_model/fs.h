// Open files, after include/linux/fs.h, fs/file_table.c, fs/read_write.c,
// fs/open.c and include/linux/poll.h.
//
// struct file: f_op, f_flags (O_*), f_mode (FMODE_*), f_pos, private_data,
// and a reference count: fget()/get_file() take one, fput() drops one; the
// last fput() releases the file (eventpoll_release, then f_op->release, then
// the object goes). kiocb/iov_iter carry one read or write to
// f_op->read_iter/write_iter; a return of -EIOCBQUEUED means the I/O will
// complete later through kiocb::ki_complete (only when ki_complete is set,
// i.e. !is_sync_kiocb). f_op->poll reports a mask and registers wait queues
// through the poll_table's queue procedure (poll_wait).
//
// O_* values are the host's <fcntl.h> macros (identical on x86-64 Linux,
// pinned below); FMODE_*, IOCB_* and RWF_* follow Linux 6.x. RWF_* are
// constants in namespace kernel (glibc has no macros for them here).
//
// Differences from the kernel:
// - fput() releases synchronously in task context (the kernel defers to
//   task_work on return to user space, which is observably the same for the
//   model's callers); from event context or a kernel thread it defers the
//   release to system_wq, as the kernel's delayed_fput does.
// - No dentries or mounts: a file has a name for traces, and an f_inode
//   only when the VFS layer (regular files) gives it one.
#ifndef AIOSIM_KERNEL_MODEL_FS_H_
#define AIOSIM_KERNEL_MODEL_FS_H_

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "kernel_model/kernel.h"
#include "kernel_model/poll.h"
#include "kernel_model/types.h"
#include "kernel_model/uio.h"

static_assert(O_RDONLY == 0 && O_WRONLY == 1 && O_RDWR == 2 && O_ACCMODE == 3 &&
                  O_CREAT == 0100 && O_EXCL == 0200 && O_TRUNC == 01000 && O_APPEND == 02000 &&
                  O_NONBLOCK == 04000 && O_DSYNC == 010000 && O_DIRECT == 040000 &&
                  O_DIRECTORY == 0200000 && O_NOATIME == 01000000 && O_CLOEXEC == 02000000 &&
                  O_SYNC == 04010000 && O_PATH == 010000000,
              "host O_* flags differ from Linux x86-64");
static_assert(SEEK_SET == 0 && SEEK_CUR == 1 && SEEK_END == 2 && SEEK_DATA == 3 && SEEK_HOLE == 4,
              "SEEK_*");
static_assert(F_DUPFD == 0 && F_GETFD == 1 && F_SETFD == 2 && F_GETFL == 3 && F_SETFL == 4 &&
                  F_SETPIPE_SZ == 1031 && F_GETPIPE_SZ == 1032 && F_DUPFD_CLOEXEC == 1030,
              "F_*");

namespace kernel {

struct inode;          // the VFS layer's (regular files)
struct address_space;  // the page cache's
struct epitem;         // eventpoll.h
struct file;
struct kiocb;
struct poll_table_struct;
struct wait_queue_head;
struct wait_page_queue;  // the page cache's async-wait entry (IOCB_WAITQ)

using rwf_t = int;

// RWF_* (include/uapi/linux/fs.h): preadv2/pwritev2 and AIO aio_rw_flags.
// They belong here with the kiocb flags they map to; aio_abi.h should use
// these rather than define its own (two definitions in one TU collide).
inline constexpr u32 RWF_HIPRI = 0x00000001;
inline constexpr u32 RWF_DSYNC = 0x00000002;
inline constexpr u32 RWF_SYNC = 0x00000004;
inline constexpr u32 RWF_NOWAIT = 0x00000008;
inline constexpr u32 RWF_APPEND = 0x00000010;
inline constexpr u32 RWF_NOAPPEND = 0x00000020;
inline constexpr u32 RWF_ATOMIC = 0x00000040;
inline constexpr u32 RWF_DONTCACHE = 0x00000080;
inline constexpr u32 RWF_SUPPORTED = RWF_HIPRI | RWF_DSYNC | RWF_SYNC | RWF_NOWAIT | RWF_APPEND |
                                     RWF_NOAPPEND | RWF_ATOMIC | RWF_DONTCACHE;

// __O_SYNC: the bit O_SYNC adds to O_DSYNC.
inline constexpr unsigned __O_SYNC = O_SYNC & ~O_DSYNC;

// f_mode bits.
inline constexpr fmode_t FMODE_READ = 0x1;
inline constexpr fmode_t FMODE_WRITE = 0x2;
inline constexpr fmode_t FMODE_LSEEK = 0x4;
inline constexpr fmode_t FMODE_PREAD = 0x8;
inline constexpr fmode_t FMODE_PWRITE = 0x10;
inline constexpr fmode_t FMODE_EXEC = 0x20;
inline constexpr fmode_t FMODE_PATH = 0x4000;  // an O_PATH file: fget() refuses it
inline constexpr fmode_t FMODE_ATOMIC_POS = 0x8000;
inline constexpr fmode_t FMODE_CAN_READ = 0x20000;
inline constexpr fmode_t FMODE_CAN_WRITE = 0x40000;
inline constexpr fmode_t FMODE_OPENED = 0x80000;
inline constexpr fmode_t FMODE_STREAM = 0x200000;
inline constexpr fmode_t FMODE_CAN_ATOMIC_WRITE = 0x400000;
inline constexpr fmode_t FMODE_CAN_ODIRECT = 0x4000000;  // O_DIRECT may be set (fcntl)
inline constexpr fmode_t FMODE_NOWAIT = 0x8000000;   // supports IOCB_NOWAIT / RWF_NOWAIT
inline constexpr fmode_t FMODE_BUF_RASYNC = 0x40000000;  // async buffered reads (IOCB_WAITQ)
inline constexpr fmode_t FMODE_BUF_WASYNC = 0x80000000;
inline constexpr fmode_t OPEN_FMODE(unsigned flags) { return (flags + 1) & O_ACCMODE; }

// kiocb flags (include/linux/fs.h, 6.x).
inline constexpr int IOCB_HIPRI = static_cast<int>(RWF_HIPRI);
inline constexpr int IOCB_DSYNC = static_cast<int>(RWF_DSYNC);
inline constexpr int IOCB_SYNC = static_cast<int>(RWF_SYNC);
inline constexpr int IOCB_NOWAIT = static_cast<int>(RWF_NOWAIT);
inline constexpr int IOCB_APPEND = static_cast<int>(RWF_APPEND);
inline constexpr int IOCB_ATOMIC = static_cast<int>(RWF_ATOMIC);
inline constexpr int IOCB_DONTCACHE = static_cast<int>(RWF_DONTCACHE);
inline constexpr int IOCB_EVENTFD = 1 << 16;
inline constexpr int IOCB_DIRECT = 1 << 17;
inline constexpr int IOCB_WRITE = 1 << 18;
inline constexpr int IOCB_WAITQ = 1 << 19;  // wait for pages through ki_waitq instead of sleeping
inline constexpr int IOCB_NOIO = 1 << 20;
inline constexpr int IOCB_ALLOC_CACHE = 1 << 21;

// One read or write in flight. Standard-layout.
struct kiocb {
  file* ki_filp = nullptr;
  loff_t ki_pos = 0;
  // Set for asynchronous I/O: called (any context) with the result when
  // read_iter/write_iter returned -EIOCBQUEUED.
  void (*ki_complete)(kiocb* iocb, long ret) = nullptr;
  void* private_ = nullptr;
  int ki_flags = 0;  // IOCB_*
  u16 ki_ioprio = 0;
  wait_page_queue* ki_waitq = nullptr;  // with IOCB_WAITQ
};
inline bool is_sync_kiocb(const kiocb* k) { return k->ki_complete == nullptr; }
// IOCB_* implied by the file's flags (O_APPEND, O_DIRECT, O_DSYNC, O_SYNC).
int iocb_flags(const file* f);
// ki_filp = f, ki_flags = iocb_flags(f), ki_pos = 0, synchronous.
void init_sync_kiocb(kiocb* k, file* f);
// RWF_* from preadv2/pwritev2/AIO onto a kiocb. rw_type is READ or WRITE.
// Errors: -EOPNOTSUPP unknown bit, NOWAIT on a file without FMODE_NOWAIT,
// ATOMIC on a read or on a file that cannot; -EINVAL APPEND with NOAPPEND.
int kiocb_set_rw_flags(kiocb* ki, rwf_t flags, int rw_type);

using poll_queue_proc = void (*)(file* filp, wait_queue_head* wait_address, poll_table_struct* p);
struct poll_table_struct {
  poll_queue_proc _qproc = nullptr;
  __poll_t _key = ~0u;
};
using poll_table = poll_table_struct;
inline void init_poll_funcptr(poll_table* pt, poll_queue_proc qproc) {
  pt->_qproc = qproc;
  pt->_key = ~0u;
}
inline void poll_wait(file* filp, wait_queue_head* wait_address, poll_table* p) {
  if (p && p->_qproc && wait_address) p->_qproc(filp, wait_address, p);
}
inline __poll_t poll_requested_events(const poll_table* p) { return p ? p->_key : ~0u; }

struct file_operations {
  const char* name = nullptr;  // model: the file type, for traces and reports
  loff_t (*llseek)(file* f, loff_t offset, int whence) = nullptr;
  ssize_t (*read_iter)(kiocb* iocb, iov_iter* to) = nullptr;
  ssize_t (*write_iter)(kiocb* iocb, iov_iter* from) = nullptr;
  __poll_t (*poll)(file* f, poll_table_struct* pt) = nullptr;
  int (*open)(inode* ino, file* f) = nullptr;
  int (*release)(inode* ino, file* f) = nullptr;
  int (*fsync)(file* f, loff_t start, loff_t end, int datasync) = nullptr;
  long (*fallocate)(file* f, int mode, loff_t offset, loff_t len) = nullptr;
};

struct file {
  const file_operations* f_op = nullptr;
  unsigned int f_flags = 0;  // O_* (access mode and status flags)
  fmode_t f_mode = 0;        // FMODE_*
  loff_t f_pos = 0;
  long f_count = 1;
  void* private_data = nullptr;
  inode* f_inode = nullptr;
  address_space* f_mapping = nullptr;
  u64 f_version = 0;
  std::vector<epitem*> f_ep;  // epoll items watching this file (eventpoll.c)
  uint64_t id = 0;            // stable within a run, for traces and epoll keys
  std::string name;           // "pipe:[12]", "anon_inode:[eventfd]", a path
};
inline inode* file_inode(const file* f) { return f->f_inode; }

// A file with one reference, f_flags = flags, f_mode = OPEN_FMODE(flags)
// (FMODE_PATH alone for O_PATH, as do_dentry_open gives it).
file* alloc_empty_file(unsigned flags);
// A file for an object without a path (pipe, socket, eventfd, epoll):
// FMODE_CAN_READ/WRITE set when the op exists and the mode allows it.
file* alloc_file_pseudo(const std::string& name, unsigned flags, const file_operations* fop,
                        void* private_data);
inline file* get_file(file* f) {
  ++f->f_count;
  return f;
}
// Drops a reference; the last one releases the file (see the header).
void fput(file* f);
// The release itself (eventpoll_release, f_op->release, free).
void __fput(file* f);
// Count of files not yet released (leak checks).
size_t nr_live_files();

// Makes f a stream: no seeking, no positional I/O (pipes, sockets).
void stream_open(inode* ino, file* f);
loff_t no_llseek(file* f, loff_t offset, int whence);    // -ESPIPE
loff_t noop_llseek(file* f, loff_t offset, int whence);  // returns f_pos

// --- poll ---
inline bool file_can_poll(const file* f) { return f->f_op->poll != nullptr; }
// f_op->poll, or DEFAULT_POLLMASK for a file without one.
__poll_t vfs_poll(file* f, poll_table* pt);

// --- read/write on a file (fs/read_write.c) ---
// 0 or -EINVAL (negative position, or pos + count overflows).
int rw_verify_area(int rw, file* f, const loff_t* ppos, size_t count);
// The vfs_* family returns bytes or -errno: -EBADF wrong mode, -EINVAL no
// method, -EFAULT bad buffer; count is clamped to MAX_RW_COUNT.
ssize_t vfs_read(file* f, user_ptr buf, size_t count, loff_t* pos);
ssize_t vfs_write(file* f, user_ptr buf, size_t count, loff_t* pos);
ssize_t vfs_iter_read(file* f, iov_iter* iter, loff_t* ppos, rwf_t flags);
ssize_t vfs_iter_write(file* f, iov_iter* iter, loff_t* ppos, rwf_t flags);
ssize_t kernel_read(file* f, void* buf, size_t count, loff_t* pos);
ssize_t kernel_write(file* f, const void* buf, size_t count, loff_t* pos);
// -EINVAL if the file has no fsync.
int vfs_fsync_range(file* f, loff_t start, loff_t end, int datasync);
int vfs_fsync(file* f, int datasync);
loff_t vfs_llseek(file* f, loff_t offset, int whence);

}  // namespace kernel

#include "kernel_model/fdtable.h"

#endif  // AIOSIM_KERNEL_MODEL_FS_H_
