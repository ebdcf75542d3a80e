// The mapping-lookup cache of an mm, after mm/vmacache.c (Linux 3.15-5.x,
// where it is per task; per mm here, which with one thread per mm in the
// common case is the same): the last few mappings a lookup found, so that
// uaccess on the handful of buffers a syscall touches skips the tree walk.
//
// Contract:
// - Holds only mappings that are in their mm's map. Code that takes a
//   mapping out of the map (erase, extract, clear) calls
//   vmacache_invalidate() first or right after, before any other lookup.
// - vmacache_find() reads each entry's bounds afresh, so splitting,
//   resizing or moving a cached mapping (which keep it in the map, or
//   invalidate) needs nothing; protections are the caller's to check.
// - A hit returns exactly the mapping the map lookup would: mappings do
//   not overlap. Slots are chosen by page number (VMACACHE_HASH, as
//   Linux), so one probe answers; a miss just costs the map lookup. What
//   is cached decides only speed, never a result.
#ifndef AIOSIM_KERNEL_MODEL_VMACACHE_H_
#define AIOSIM_KERNEL_MODEL_VMACACHE_H_

namespace kernel {

struct vm_area_struct;

struct vmacache {
  // Linux has 4 per task; 64 here keep a process's few small buffers and a
  // 32-page I/O buffer from evicting each other (the bump allocator puts
  // them on consecutive pages).
  static constexpr unsigned VMACACHE_SIZE = 64;
  vm_area_struct* vmas[VMACACHE_SIZE] = {};  // by VMACACHE_HASH(addr)
};

}  // namespace kernel

#endif  // AIOSIM_KERNEL_MODEL_VMACACHE_H_
