// User memory of a simulated process, after include/linux/mm_types.h,
// mm/mmap.c, mm/mremap.c and the uaccess helpers.
//
// An mm_struct holds a sparse set of mappings (vm_area_struct), each
// [vm_start, vm_end) with real bytes, keyed by vm_start in an ordered map.
// Bytes live in a vm_backing buffer that a mapping views at an offset: a
// private anonymous mapping has its own; a shared mapping (or a kernel
// object that maps its pages into user space, like the AIO ring) shares one,
// so munmap/mremap/fork move or split views without copying, and the kernel
// object keeps its pages after the user mapping goes, as in Linux.
//
// Addresses are deterministic: a bump allocator from 0x7f0000000000 upward,
// page aligned (or to a larger power-of-two alignment on request); addresses
// are never reused within an mm, so a stale user pointer faults instead of
// aliasing new memory. (Linux allocates top-down and reuses.)
//
// uaccess: copy_from_user()/copy_to_user() use current()->mm (a kernel
// thread must kthread_use_mm() first) and return the number of bytes NOT
// copied: they copy up to the first byte that is unmapped or lacks the
// permission, byte-exactly, like Linux's fixup path. Each call finds its
// mapping once (one map lookup, then walks adjacent mappings); a lookup
// first tries the mm's last few finds (vmacache.h), so a syscall's
// handful of buffers costs no tree walk; a range wholly inside such a
// mapping is copied inline, without a call.
#ifndef AIOSIM_KERNEL_MODEL_MM_H_
#define AIOSIM_KERNEL_MODEL_MM_H_

#include <sys/mman.h>

#include <cstring>
#include <map>
#include <memory>
#include <vector>

#include "kernel_model/kernel.h"
#include "kernel_model/sched.h"
#include "kernel_model/types.h"
#include "kernel_model/vmacache.h"

static_assert(PROT_READ == 1 && PROT_WRITE == 2 && PROT_EXEC == 4 && PROT_NONE == 0, "PROT_*");
static_assert(MAP_SHARED == 1 && MAP_PRIVATE == 2 && MAP_FIXED == 0x10 && MAP_ANONYMOUS == 0x20 &&
                  MAP_POPULATE == 0x8000 && MAP_FIXED_NOREPLACE == 0x100000,
              "MAP_*");
static_assert(MREMAP_MAYMOVE == 1 && MREMAP_FIXED == 2, "MREMAP_*");

namespace kernel {

inline constexpr unsigned PAGE_SHIFT = 12;
inline constexpr unsigned long PAGE_SIZE = 1ul << PAGE_SHIFT;
inline constexpr unsigned long PAGE_MASK = ~(PAGE_SIZE - 1);
inline constexpr unsigned long PAGE_ALIGN(unsigned long x) { return (x + PAGE_SIZE - 1) & PAGE_MASK; }
// Highest user address + 1 (x86-64, 4-level paging).
inline constexpr unsigned long TASK_SIZE_MAX = 0x00007ffffffff000ul;
inline constexpr unsigned long MMAP_BASE = 0x7f0000000000ul;

inline constexpr unsigned long VM_READ = 0x00000001;
inline constexpr unsigned long VM_WRITE = 0x00000002;
inline constexpr unsigned long VM_EXEC = 0x00000004;
inline constexpr unsigned long VM_SHARED = 0x00000008;
inline constexpr unsigned long VM_DONTCOPY = 0x00020000;
inline constexpr unsigned long VM_DONTEXPAND = 0x00040000;

// FOLL_* for access_remote_vm.
inline constexpr unsigned FOLL_WRITE = 0x01;
inline constexpr unsigned FOLL_FORCE = 0x10;  // ignore the mapping's permissions

struct mm_struct;
struct vm_area_struct;
struct file;
struct kioctx_table;  // defined by AIO; the mm holds a pointer only

// Real bytes, shared by every mapping and kernel object that views them.
// Pinned bytes (pin_user_pages) never move: growing a pinned backing
// (mremap) gives it new bytes and keeps the old ones, where DMA may still
// land, until the last pin goes (see unpin_user_pages).
struct vm_backing {
  std::vector<u8> bytes;
  int pins = 0;                          // live user_pins on these bytes
  std::vector<std::vector<u8>> retired;  // earlier bytes, kept while pinned
};

// Grows b->bytes to at least `need` bytes (new bytes zero), keeping the
// current ones in place when they are pinned.
void vm_backing_grow(vm_backing* b, size_t need);

struct vm_operations_struct {
  void (*open)(vm_area_struct* vma) = nullptr;   // a copy was made (fork, split)
  void (*close)(vm_area_struct* vma) = nullptr;  // the mapping goes
  // mremap moved the mapping to vma->vm_start; non-zero refuses the move.
  int (*mremap)(vm_area_struct* vma) = nullptr;
  const char* name = nullptr;
};

struct vm_area_struct {
  unsigned long vm_start = 0;
  unsigned long vm_end = 0;
  unsigned long vm_flags = 0;  // VM_*
  mm_struct* vm_mm = nullptr;
  const vm_operations_struct* vm_ops = nullptr;
  void* vm_private_data = nullptr;
  file* vm_file = nullptr;  // not referenced (the model does not pin it)
  std::shared_ptr<vm_backing> backing;
  unsigned long backing_off = 0;  // offset of vm_start in backing->bytes

  u8* data_at(unsigned long addr) const {
    return backing->bytes.data() + backing_off + (addr - vm_start);
  }
};

struct mm_struct {
  std::map<unsigned long, std::unique_ptr<vm_area_struct>> mmap;  // by vm_start
  // Recent lookups. REQUIRES of code that takes a mapping out of `mmap`
  // (erase, extract, clear): vmacache_invalidate(this) (see vmacache.h).
  struct vmacache vmacache;
  unsigned long mmap_base = MMAP_BASE;
  unsigned long free_area = MMAP_BASE;  // next address the bump allocator hands out
  int mm_users = 1;  // address-space users (threads, mmget)
  int mm_count = 1;  // references to the struct (mmgrab)
  kioctx_table* ioctx_table = nullptr;  // AIO's per-process context table
  task_struct* owner = nullptr;
  uint64_t id = 0;
  bool dead = false;  // __mmput ran: every mapping is gone
  unsigned long total_vm_bytes = 0;
};

// mm/vmacache.c: forget every cached mapping; the cached mapping containing
// addr, or nullptr; remember the mapping a lookup of addr found.
inline void vmacache_invalidate(mm_struct* mm) { mm->vmacache = {}; }
inline unsigned VMACACHE_HASH(unsigned long addr) {
  return (addr >> PAGE_SHIFT) & (vmacache::VMACACHE_SIZE - 1);
}
inline vm_area_struct* vmacache_find(mm_struct* mm, unsigned long addr) {
  vm_area_struct* v = mm->vmacache.vmas[VMACACHE_HASH(addr)];
  return v && addr - v->vm_start < v->vm_end - v->vm_start ? v : nullptr;
}
inline void vmacache_update(mm_struct* mm, unsigned long addr, vm_area_struct* vma) {
  mm->vmacache.vmas[VMACACHE_HASH(addr)] = vma;
}

// Allocates an empty mm (Kernel-owned).
mm_struct* mm_alloc();
// fork's copy: private mappings copied byte for byte, shared ones shared,
// VM_DONTCOPY ones skipped, vm_ops->open run on each copy; ioctx_table not
// copied.
mm_struct* dup_mm(mm_struct* oldmm);

void mmget(mm_struct* mm);
bool mmget_not_zero(mm_struct* mm);
// Drops a user; the last one runs Kernel::mmput_hooks and then tears down
// every mapping (vm_ops->close on each, in address order).
void mmput(mm_struct* mm);
inline void mmgrab(mm_struct* mm) { ++mm->mm_count; }
void mmdrop(mm_struct* mm);

// The mapping containing addr, or nullptr.
vm_area_struct* find_vma_containing(mm_struct* mm, unsigned long addr);

// Maps len bytes (rounded up to pages) of fresh zeroed anonymous memory.
// prot: PROT_*; flags: MAP_PRIVATE or MAP_SHARED, with MAP_ANONYMOUS,
// optionally MAP_FIXED (replace whatever is at addr) or MAP_FIXED_NOREPLACE
// (-EEXIST if occupied). align: 0 or a power of two >= PAGE_SIZE. Returns
// the address, or -errno as unsigned long (IS_ERR_VALUE): -EINVAL bad
// length/flags/alignment/unaligned fixed addr, -ENOMEM no room below
// TASK_SIZE_MAX.
unsigned long vm_mmap(mm_struct* mm, unsigned long addr, unsigned long len, unsigned long prot,
                      unsigned long flags, unsigned long align = 0);
// Maps `len` bytes of an existing backing (at backing offset `off`) shared,
// for kernel objects that expose pages to user space (the AIO ring).
unsigned long vm_mmap_backing(mm_struct* mm, std::shared_ptr<vm_backing> backing,
                              unsigned long off, unsigned long len, unsigned long prot,
                              const vm_operations_struct* ops, void* private_data);
// Unmaps [start, start+len) (len rounded up to pages), splitting mappings.
// 0, or -EINVAL for an unaligned start, zero length or a range past
// TASK_SIZE_MAX. Unmapping nothing is not an error.
int vm_munmap(mm_struct* mm, unsigned long start, size_t len);
// mremap of one whole mapping: new_len may differ; MREMAP_MAYMOVE lets it
// move (to a fresh address, or to new_addr with MREMAP_FIXED). The
// mapping's vm_ops->mremap is told; its refusal aborts the move. Returns the
// new address or -errno: -EINVAL bad flags/alignment/len 0, -EFAULT old
// range not exactly one mapping's start, -ENOMEM cannot grow in place
// without MREMAP_MAYMOVE.
unsigned long vm_mremap(mm_struct* mm, unsigned long old_addr, unsigned long old_len,
                        unsigned long new_len, unsigned long flags, unsigned long new_addr);

// pin_user_pages (mm/gup.c, FOLL_PIN): the bytes behind a user range, held
// for DMA by the device model. A pin keeps its mapping's bytes alive and in
// place (a later munmap, mprotect or fork does not move them, as pinned
// pages stay with the pinner in Linux), so a device may write `at` until
// unpin_user_pages.
struct user_pin {
  std::shared_ptr<vm_backing> backing;  // null: kernel memory, not pinned
  unsigned long off = 0;                // of the pinned range in backing->bytes
  unsigned long len = 0;
  u8* at = nullptr;                     // the range's bytes
  bool written = false;                 // pinned with FOLL_WRITE: a device writes `at`
};
// Pins [addr, addr+len) of mm, one pin per mapping the range crosses,
// appended to *out. gup_flags: FOLL_WRITE needs VM_WRITE, else VM_READ.
// Returns 0, or -EFAULT when a byte of the range is not mapped or lacks the
// permission (then nothing is pinned and *out is unchanged).
int pin_user_pages(mm_struct* mm, user_ptr addr, unsigned long len, unsigned gup_flags,
                   std::vector<user_pin>* out);
// Releases a pin. If its backing grew while pinned and the pin was for
// writing, the bytes written at p->at (the DMA) are copied to where the
// range now lives, as if they had landed there; a pin for reading copies
// nothing (what the program wrote into the grown mapping stays).
void unpin_user_pages(user_pin* p);

// The syscalls on current()->mm. Errors as above; mmap of a file (fd != -1
// without MAP_ANONYMOUS) is -ENODEV.
long sys_mmap(unsigned long addr, unsigned long len, unsigned long prot, unsigned long flags,
              int fd, unsigned long off);
long sys_munmap(unsigned long addr, size_t len);
long sys_mremap(unsigned long addr, unsigned long old_len, unsigned long new_len,
                unsigned long flags, unsigned long new_addr);
long sys_mprotect(unsigned long start, size_t len, unsigned long prot);

// --- uaccess ---
// Range check only (no mapping lookup), as Linux's access_ok.
inline bool access_ok(user_ptr addr, unsigned long size) {
  return size <= TASK_SIZE_MAX && addr <= TASK_SIZE_MAX - size;
}
// Bytes NOT copied (0 on success). REQUIRES: task context with an mm.
// Inline: the common case (the whole range inside a mapping the vmacache
// holds, with the permission) is a cache probe and a memcpy, which for
// get_user/put_user's fixed sizes is a single move; everything else
// (other mappings, faults, the missing-task check) is the out-of-line walk.
inline unsigned long copy_from_user(void* to, user_ptr from, unsigned long n);
inline unsigned long copy_to_user(user_ptr to, const void* from, unsigned long n);
unsigned long clear_user(user_ptr to, unsigned long n);
// The same against an explicit mm, ignoring current (used by kernel paths
// that name the mm, and by the scenario layer to inspect memory).
unsigned long copy_from_mm(mm_struct* mm, void* to, user_ptr from, unsigned long n);
unsigned long copy_to_mm(mm_struct* mm, user_ptr to, const void* from, unsigned long n);
// Bytes accessed (gup_flags: FOLL_WRITE to write; FOLL_FORCE ignores
// protections, as ptrace does).
long access_remote_vm(mm_struct* mm, unsigned long addr, void* buf, long len, unsigned gup_flags);

namespace uaccess_internal {
// The whole walk (uaccess.cc): finds current's mm (a violation outside a
// task) and copies mapping by mapping up to the first fault.
unsigned long copy_from_user_walk(void* to, user_ptr from, unsigned long n);
unsigned long copy_to_user_walk(user_ptr to, const void* from, unsigned long n);
// The mapping of current's mm that the vmacache holds for addr, if it
// covers all of [addr, addr + n) and allows need_flags; else nullptr (the
// walk decides). Such a range is inside user space, so access_ok holds.
inline vm_area_struct* uaccess_cached_vma(user_ptr addr, unsigned long n,
                                          unsigned long need_flags) {
  task_struct* t = current();
  if (n == 0 || t == nullptr || t->mm == nullptr) [[unlikely]] return nullptr;
  vm_area_struct* v = vmacache_find(t->mm, addr);
  if (v == nullptr || n > v->vm_end - addr || (v->vm_flags & need_flags) != need_flags) return nullptr;
  return v;
}
}  // namespace uaccess_internal

inline unsigned long copy_from_user(void* to, user_ptr from, unsigned long n) {
  if (vm_area_struct* v = uaccess_internal::uaccess_cached_vma(from, n, VM_READ)) [[likely]] {
    std::memcpy(to, v->data_at(from), n);
    return 0;
  }
  return uaccess_internal::copy_from_user_walk(to, from, n);
}
inline unsigned long copy_to_user(user_ptr to, const void* from, unsigned long n) {
  if (vm_area_struct* v = uaccess_internal::uaccess_cached_vma(to, n, VM_WRITE)) [[likely]] {
    std::memcpy(v->data_at(to), from, n);
    return 0;
  }
  return uaccess_internal::copy_to_user_walk(to, from, n);
}

// get_user/put_user: 0 or -EFAULT.
template <typename T>
int get_user(T& x, user_ptr ptr) {
  T v{};
  if (copy_from_user(&v, ptr, sizeof(T))) return -EFAULT;
  x = v;
  return 0;
}
template <typename T>
int put_user(T x, user_ptr ptr) {
  return copy_to_user(ptr, &x, sizeof(T)) ? -EFAULT : 0;
}

}  // namespace kernel

#endif  // AIOSIM_KERNEL_MODEL_MM_H_
