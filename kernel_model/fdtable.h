// The per-process fd table, after include/linux/fdtable.h and fs/file.c.
//
// files_struct maps fds to files; fds are allocated lowest-first up to the
// nr_open limit (-EMFILE beyond). A table slot holds one reference to its
// file. Threads of a process share one files_struct (count); fork copies it
// (dup_fd), taking a reference on every file.
#ifndef AIOSIM_KERNEL_MODEL_FDTABLE_H_
#define AIOSIM_KERNEL_MODEL_FDTABLE_H_

#include <vector>

#include "kernel_model/types.h"

namespace kernel {

struct file;

struct files_struct {
  int count = 1;
  std::vector<file*> fd_array;    // nullptr: free or reserved
  std::vector<u8> open_fds;       // 1: allocated (installed or reserved)
  std::vector<u8> close_on_exec;  // kept for fcntl(F_GETFD); exec is not modelled
  unsigned next_fd = 0;           // no free fd below this
  unsigned max_fds = 1024;
};

files_struct* files_alloc();
files_struct* dup_fd(files_struct* oldf);
// Drops a reference; the last closes every fd in ascending order.
void put_files_struct(files_struct* files);

// The lowest free fd >= start, reserved; -EMFILE when none is below max_fds.
int alloc_fd(files_struct* files, unsigned start, unsigned flags);
// In current()->files. -EMFILE when the table is full.
int get_unused_fd_flags(unsigned flags);
void put_unused_fd(unsigned fd);
// Installs f at a reserved fd; the table takes over the caller's reference.
void fd_install(unsigned fd, file* f);
// A new reference to the file at fd, or nullptr (the caller returns -EBADF).
// O_PATH files are refused (nullptr), as Linux's fget does.
file* fget(unsigned fd);
file* fget_task(files_struct* files, unsigned fd);
// The same, accepting O_PATH files (close, dup, fcntl use it).
file* fget_raw(unsigned fd);
// Detaches fd's file from the table and returns it (with the table's
// reference), or nullptr.
file* file_close_fd(unsigned fd);
// close(): 0 or -EBADF.
int close_fd(unsigned fd);
// dup2-style: installs a new reference to f at newfd, closing what was
// there. Returns newfd or -EBADF/-EMFILE.
int replace_fd(unsigned newfd, file* f, unsigned flags);

}  // namespace kernel

#endif  // AIOSIM_KERNEL_MODEL_FDTABLE_H_
