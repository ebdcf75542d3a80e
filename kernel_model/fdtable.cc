// The fd table (fs/file.c). See fdtable.h.
#include "kernel_model/fdtable.h"

#include "kernel_model/fs.h"
#include "kernel_model/sched.h"
#include "sim/check.h"

namespace kernel {

namespace {

files_struct* current_files(const char* what) {
  task_struct* t = current();
  SIM_CHECK(t != nullptr) << what << " outside task context";
  SIM_CHECK(t->files != nullptr) << what << " in a task without an fd table";
  return t->files;
}

void ensure_size(files_struct* files, unsigned n) {
  if (files->fd_array.size() < n) {
    files->fd_array.resize(n, nullptr);
    files->open_fds.resize(n, 0);
    files->close_on_exec.resize(n, 0);
  }
}

void trace_fd(uint32_t kind, unsigned fd, const file* f) {
  Kernel* k = Kernel::Current();
  task_struct* t = current();
  k->trace().Emit(kind, {t ? t->pid : 0, fd, static_cast<int64_t>(f->id)});
}

}  // namespace

// Lowest free fd >= start in files; -EMFILE if none below max_fds.
int alloc_fd(files_struct* files, unsigned start, unsigned flags) {
  unsigned fd = start < files->next_fd ? files->next_fd : start;
  while (fd < files->max_fds && fd < files->open_fds.size() && files->open_fds[fd]) ++fd;
  if (fd >= files->max_fds) return -EMFILE;
  ensure_size(files, fd + 1);
  files->open_fds[fd] = 1;
  files->close_on_exec[fd] = (flags & O_CLOEXEC) ? 1 : 0;
  if (start <= files->next_fd) files->next_fd = fd + 1;
  return static_cast<int>(fd);
}

files_struct* files_alloc() {
  Kernel* k = Kernel::Current();
  k->files_structs_.push_back(std::make_unique<files_struct>());
  files_struct* files = k->files_structs_.back().get();
  files->max_fds = k->opts.nr_open;
  return files;
}

files_struct* dup_fd(files_struct* oldf) {
  files_struct* files = files_alloc();
  files->fd_array = oldf->fd_array;
  files->open_fds = oldf->open_fds;
  files->close_on_exec = oldf->close_on_exec;
  files->next_fd = oldf->next_fd;
  files->max_fds = oldf->max_fds;
  for (size_t fd = 0; fd < files->fd_array.size(); ++fd) {
    if (files->fd_array[fd]) {
      get_file(files->fd_array[fd]);
    } else {
      files->open_fds[fd] = 0;  // a reserved slot is not inherited
    }
  }
  return files;
}

void put_files_struct(files_struct* files) {
  SIM_CHECK(files->count > 0) << "put_files_struct underflow";
  if (--files->count > 0) return;
  for (size_t fd = 0; fd < files->fd_array.size(); ++fd) {
    file* f = files->fd_array[fd];
    if (!f) continue;
    files->fd_array[fd] = nullptr;
    files->open_fds[fd] = 0;
    fput(f);
  }
  files->next_fd = 0;
}

int get_unused_fd_flags(unsigned flags) { return alloc_fd(current_files("get_unused_fd_flags"), 0, flags); }

void put_unused_fd(unsigned fd) {
  files_struct* files = current_files("put_unused_fd");
  SIM_CHECK(fd < files->open_fds.size() && files->open_fds[fd] && !files->fd_array[fd])
      << "put_unused_fd of fd " << fd << " that is not reserved";
  files->open_fds[fd] = 0;
  if (fd < files->next_fd) files->next_fd = fd;
}

void fd_install(unsigned fd, file* f) {
  files_struct* files = current_files("fd_install");
  SIM_CHECK(fd < files->open_fds.size() && files->open_fds[fd] && !files->fd_array[fd])
      << "fd_install on fd " << fd << " that is not reserved";
  files->fd_array[fd] = f;
  trace_fd(Kernel::Current()->k.fd_install, fd, f);
}

namespace {
file* lookup_fd(files_struct* files, unsigned fd, fmode_t refuse) {
  if (!files || fd >= files->fd_array.size()) return nullptr;
  file* f = files->fd_array[fd];
  if (!f || (f->f_mode & refuse)) return nullptr;
  return get_file(f);
}
files_struct* files_of_current(const char* what) {
  task_struct* t = current();
  SIM_CHECK(t != nullptr) << what << " outside task context";
  return t->files;
}
}  // namespace

file* fget_task(files_struct* files, unsigned fd) { return lookup_fd(files, fd, FMODE_PATH); }
file* fget(unsigned fd) { return lookup_fd(files_of_current("fget"), fd, FMODE_PATH); }
file* fget_raw(unsigned fd) { return lookup_fd(files_of_current("fget_raw"), fd, 0); }

file* file_close_fd(unsigned fd) {
  files_struct* files = current_files("close");
  if (fd >= files->fd_array.size() || !files->fd_array[fd]) return nullptr;
  file* f = files->fd_array[fd];
  files->fd_array[fd] = nullptr;
  files->open_fds[fd] = 0;
  if (fd < files->next_fd) files->next_fd = fd;
  trace_fd(Kernel::Current()->k.fd_close, fd, f);
  return f;
}

int close_fd(unsigned fd) {
  file* f = file_close_fd(fd);
  if (!f) return -EBADF;
  fput(f);
  return 0;
}

int replace_fd(unsigned newfd, file* f, unsigned flags) {
  files_struct* files = current_files("dup2");
  if (newfd >= files->max_fds) return -EBADF;
  ensure_size(files, newfd + 1);
  if (files->open_fds[newfd] && !files->fd_array[newfd]) return -EBUSY;  // reserved by an open
  file* old = files->fd_array[newfd];
  files->fd_array[newfd] = get_file(f);
  files->open_fds[newfd] = 1;
  files->close_on_exec[newfd] = (flags & O_CLOEXEC) ? 1 : 0;
  trace_fd(Kernel::Current()->k.fd_install, newfd, f);
  if (old) fput(old);
  return static_cast<int>(newfd);
}

}  // namespace kernel
