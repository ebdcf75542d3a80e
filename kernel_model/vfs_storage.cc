// The storage state's life; see vfs_storage.h.
#include "kernel_model/vfs_storage.h"

#include "sim/check.h"

namespace kernel {

storage_state::storage_state(Kernel* k) : kernel(k), pc(k->trace()) {
  sim::Trace& t = k->trace();
  tk.open = t.Kind("vfs.open", {"ino", "fd", "flags"});
  tk.truncate = t.Kind("vfs.truncate", {"ino", "old_size", "new_size"});
  tk.unlink = t.Kind("vfs.unlink", {"ino", "nlink", "count"});
  tk.evict = t.Kind("vfs.evict", {"ino", "blocks"});
  tk.dio = t.Kind("vfs.dio", {"ino", "rw", "pos", "count", "async"});
  tk.dio_done = t.Kind("vfs.dio_done", {"ino", "rw", "result"});
  tk.fsync = t.Kind("vfs.fsync", {"ino", "datasync", "result"});
}

// Runs after Kernel::Shutdown: no fiber is left and every file is released,
// so nothing can reach these objects any more. Pages are freed directly
// (put_page's accounting needs a live Kernel).
storage_state::~storage_state() {
  for (auto& [mp, sb] : supers) {
    for (auto& [nr, ino] : sb->s_inodes) {
      for (auto& [index, pg] : ino->i_data.i_pages) delete pg;
      ino->i_data.i_pages.clear();
    }
  }
}

storage_state* storage_create() {
  Kernel* k = Kernel::Current();
  SIM_CHECK(k != nullptr) << "storage used without a Kernel";
  if (!k->storage) k->storage = std::make_shared<storage_state>(k);
  return k->storage.get();
}

}  // namespace kernel
