// Path lookup, open, unlink, truncate, and the inode's end; see
// vfs_namei.h and vfs_inode.h.
#include "kernel_model/vfs_namei.h"

#include <cstring>

#include "kernel_model/fdtable.h"
#include "kernel_model/filemap_rw.h"
#include "kernel_model/sched.h"
#include "kernel_model/vfs_simplefs.h"
#include "kernel_model/vfs_storage.h"
#include "kernel_model/writeback.h"
#include "sim/check.h"

namespace kernel {

namespace {

// NAME_MAX (255) comes from <climits>.

struct resolved {
  super_block* sb = nullptr;
  std::string name;
  int err = 0;
};

// "<mountpoint>/<name>": the longest mount point that prefixes the path.
resolved resolve(std::string_view path) {
  resolved r;
  if (path.empty() || path.front() != '/') {
    r.err = -ENOENT;
    return r;
  }
  storage_state* st = storage();
  size_t best = 0;
  for (auto& [mp, sb] : st->supers) {
    if (path.size() >= mp.size() && path.compare(0, mp.size(), mp) == 0 &&
        (path.size() == mp.size() || path[mp.size()] == '/' || mp == "/") && mp.size() >= best) {
      r.sb = sb.get();
      best = mp.size();
    }
  }
  if (r.sb == nullptr) {
    r.err = -ENOENT;
    return r;
  }
  std::string_view rest = path.substr(best);
  while (!rest.empty() && rest.front() == '/') rest.remove_prefix(1);
  if (rest.empty()) {
    r.err = -EISDIR;
    return r;
  }
  if (rest.find('/') != std::string_view::npos) {
    r.err = -ENOENT;
    return r;
  }
  if (rest.size() > NAME_MAX) {
    r.err = -ENAMETOOLONG;
    return r;
  }
  r.name = std::string(rest);
  return r;
}

inode* lookup_name(super_block* sb, const std::string& name) {
  auto it = sb->s_names.find(name);
  if (it == sb->s_names.end()) return nullptr;
  auto ino = sb->s_inodes.find(it->second);
  SIM_CHECK(ino != sb->s_inodes.end()) << "name " << name << " points at freed inode " << it->second;
  return ino->second.get();
}

// evict(): the last reference of an unlinked inode is gone.
void evict(inode* ino) {
  storage_state* st = storage();
  super_block* sb = ino->i_sb;
  ino->i_state |= I_FREEING;
  inode_dio_wait(ino);
  while (ino->i_state & I_SYNC) wait_event(ino->i_sync_wait, [ino] { return !(ino->i_state & I_SYNC); });
  truncate_inode_pages(ino->i_mapping, 0);
  inode_clear_dirty(ino);
  uint64_t blocks = ino->i_blocks;
  simplefs_free_blocks_from(ino, 0);
  st->kernel->trace().Emit(st->tk.evict, {static_cast<int64_t>(ino->i_ino), static_cast<int64_t>(blocks)});
  SIM_CHECK(ino->i_mapping->nrpages == 0) << "inode " << ino->i_ino << " evicted with cached pages";
  sb->s_inodes.erase(ino->i_ino);  // frees it
}

long do_truncate(inode* ino, loff_t length) {
  if (length < 0) return -EINVAL;
  if (length > ino->i_sb->s_maxbytes) return -EFBIG;
  inode_lock(ino);
  int err = simplefs_setattr_size(ino, length);
  inode_unlock(ino);
  return err;
}

}  // namespace

inode* lookup_path(std::string_view path) {
  resolved r = resolve(path);
  if (r.err) return nullptr;
  return lookup_name(r.sb, r.name);
}

inode* simplefs_new_inode(super_block* sb, umode_t mode) {
  auto owned = std::make_unique<inode>();
  inode* ino = owned.get();
  ino->i_ino = sb->next_ino++;
  ino->i_mode = static_cast<umode_t>(S_IFREG | (mode & 07777));
  ino->i_nlink = 0;
  ino->i_sb = sb;
  ino->i_count = 1;
  ino->i_data.host = ino;
  ino->i_data.a_ops = &simplefs_aops;
  sb->s_inodes.emplace(ino->i_ino, std::move(owned));
  return ino;
}

void iput(inode* ino) {
  SIM_CHECK(ino->i_count > 0) << "iput below zero on inode " << ino->i_ino;
  if (--ino->i_count > 0) return;
  // At Kernel shutdown files are released after every fiber is gone: the
  // storage teardown frees inodes, so nothing is evicted (it could sleep).
  Kernel* k = Kernel::Current();
  if (k != nullptr && k->shutting_down()) return;
  if (ino->i_nlink == 0) evict(ino);
}

void inode_dio_end(inode* ino) {
  SIM_CHECK(ino->i_dio_count > 0) << "inode_dio_end without inode_dio_begin on inode " << ino->i_ino;
  if (--ino->i_dio_count == 0) wake_up_all(&ino->i_dio_wait);
}

void inode_dio_wait(inode* ino) {
  wait_event(ino->i_dio_wait, [ino] { return ino->i_dio_count == 0; });
}

int simplefs_setattr_size(inode* ino, loff_t newsize) {
  storage_state* st = storage();
  inode_dio_wait(ino);
  loff_t oldsize = i_size_read(ino);
  st->kernel->trace().Emit(st->tk.truncate, {static_cast<int64_t>(ino->i_ino), oldsize, newsize});
  if (newsize >= oldsize) {
    // Growing: the new range is a hole; the old last block's tail is
    // already zero (see vfs_inode.h).
    i_size_write(ino, newsize);
    return 0;
  }
  address_space* mapping = ino->i_mapping;
  uint32_t tail = static_cast<uint32_t>(newsize & (PAGE_SIZE - 1));
  if (tail != 0) {
    // block_truncate_page: zero the rest of the new last block, through the
    // cache, so the zeros reach the disk.
    pgoff_t index = static_cast<pgoff_t>(newsize >> PAGE_SHIFT);
    uint64_t pblk = 0, len = 0;
    bool fresh = false;
    simplefs_map_blocks(ino, index, 1, false, &pblk, &len, &fresh);
    if (pblk != SIMPLEFS_HOLE) {
      for (;;) {
        page* pg = find_or_create_page(mapping, index, true);
        if (!PageUptodate(pg)) {
          int err = filemap_read_page(nullptr, mapping, pg);
          if (err) {
            put_page(pg);
            return err;
          }
          lock_page(pg);
          if (pg->mapping != mapping) {
            unlock_page(pg);
            put_page(pg);
            continue;
          }
        }
        wait_on_page_writeback(pg);
        std::memset(page_address(pg) + tail, 0, PAGE_SIZE - tail);
        set_page_dirty(pg);
        unlock_page(pg);
        put_page(pg);
        break;
      }
    }
  }
  i_size_write(ino, newsize);
  truncate_inode_pages(mapping, newsize);
  simplefs_free_blocks_from(ino, static_cast<uint64_t>((newsize + PAGE_SIZE - 1) >> PAGE_SHIFT));
  if (mapping->nr_dirty == 0 && mapping->nr_writeback == 0) inode_clear_dirty(ino);
  return 0;
}

long sys_open(std::string_view path, int flags, umode_t mode) {
  resolved r = resolve(path);
  if (r.err) return r.err;
  super_block* sb = r.sb;
  inode* ino = lookup_name(sb, r.name);
  if (ino != nullptr) {
    if ((flags & O_CREAT) && (flags & O_EXCL)) return -EEXIST;
  } else {
    if (!(flags & O_CREAT)) return -ENOENT;
  }
  if ((flags & O_DIRECT) && simplefs_aops.direct_IO == nullptr) return -EINVAL;
  int fd = get_unused_fd_flags(static_cast<unsigned>(flags));
  if (fd < 0) return fd;
  if (ino == nullptr) {
    ino = simplefs_new_inode(sb, mode);  // i_count 1: the name's reference
    ino->i_nlink = 1;
    sb->s_names.emplace(r.name, ino->i_ino);
  }
  ihold(ino);  // the file's reference
  if ((flags & O_TRUNC) && i_size_read(ino) != 0) {
    long err = do_truncate(ino, 0);
    if (err) {
      iput(ino);
      put_unused_fd(static_cast<unsigned>(fd));
      return err;
    }
  }
  file* f = alloc_empty_file(static_cast<unsigned>(flags) & ~static_cast<unsigned>(O_CREAT | O_EXCL | O_TRUNC));
  f->f_op = &simplefs_file_operations;
  f->f_inode = ino;
  f->f_mapping = ino->i_mapping;
  f->name = std::string(path);
  f->f_mode |= FMODE_LSEEK | FMODE_PREAD | FMODE_PWRITE | FMODE_NOWAIT | FMODE_BUF_RASYNC | FMODE_OPENED;
  if (f->f_mode & FMODE_READ) f->f_mode |= FMODE_CAN_READ;
  if (f->f_mode & FMODE_WRITE) f->f_mode |= FMODE_CAN_WRITE;
  auto* priv = new simplefs_file();
  file_ra_state_init(&priv->f_ra, ino->i_mapping);
  f->private_data = priv;
  fd_install(static_cast<unsigned>(fd), f);
  storage_state* st = storage();
  st->kernel->trace().Emit(st->tk.open, {static_cast<int64_t>(ino->i_ino), fd, flags});
  return fd;
}

long sys_openat(int dfd, std::string_view path, int flags, umode_t mode) { return sys_open(path, flags, mode); }

long sys_creat(std::string_view path, umode_t mode) { return sys_open(path, O_CREAT | O_WRONLY | O_TRUNC, mode); }

long sys_unlink(std::string_view path) {
  resolved r = resolve(path);
  if (r.err) return r.err;
  inode* ino = lookup_name(r.sb, r.name);
  if (ino == nullptr) return -ENOENT;
  r.sb->s_names.erase(r.name);
  --ino->i_nlink;
  storage_state* st = storage();
  st->kernel->trace().Emit(st->tk.unlink, {static_cast<int64_t>(ino->i_ino), ino->i_nlink, ino->i_count - 1});
  iput(ino);  // the name's reference
  return 0;
}

long sys_ftruncate(unsigned int fd, loff_t length) {
  if (length < 0) return -EINVAL;
  file* f = fget(fd);
  if (f == nullptr) return -EBADF;
  long err;
  if (f->f_op != &simplefs_file_operations || !(f->f_mode & FMODE_WRITE)) {
    err = -EINVAL;
  } else {
    err = do_truncate(file_inode(f), length);
  }
  fput(f);
  return err;
}

long sys_truncate(std::string_view path, loff_t length) {
  if (length < 0) return -EINVAL;
  resolved r = resolve(path);
  if (r.err) return r.err;
  inode* ino = lookup_name(r.sb, r.name);
  if (ino == nullptr) return -ENOENT;
  ihold(ino);
  long err = do_truncate(ino, length);
  iput(ino);
  return err;
}

}  // namespace kernel
