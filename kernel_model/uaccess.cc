// Copies between kernel buffers and simulated user memory
// (arch/x86/lib/usercopy, mm/memory.c access_remote_vm). See mm.h.
#include <algorithm>
#include <cstring>

#include "kernel_model/mm.h"
#include "kernel_model/sched.h"
#include "sim/check.h"

namespace kernel {

namespace {

// Walks the mappings covering [addr, addr + n) from the one containing
// addr, calling fn(host pointer, chunk) for each readable (or writable)
// piece; stops at a gap or a missing permission. Returns bytes done.
template <typename Fn>
unsigned long walk_user(mm_struct* mm, user_ptr addr, unsigned long n, unsigned long need_flags,
                        Fn&& fn) {
  if (!mm || n == 0) return 0;
  if (!access_ok(addr, n)) return 0;
  // The common case: the whole range inside a recently found mapping.
  vm_area_struct* c = vmacache_find(mm, addr);
  if (c && n <= c->vm_end - addr) {
    if ((c->vm_flags & need_flags) != need_flags) return 0;
    fn(c->data_at(addr), 0, n);
    return n;
  }
  auto it = mm->mmap.upper_bound(addr);
  if (it == mm->mmap.begin()) return 0;
  --it;
  if (!c && addr < it->second->vm_end) vmacache_update(mm, addr, it->second.get());
  unsigned long done = 0;
  unsigned long a = addr;
  while (done < n) {
    vm_area_struct* v = it->second.get();
    if (a < v->vm_start || a >= v->vm_end) break;
    if ((v->vm_flags & need_flags) != need_flags) break;
    const unsigned long chunk = std::min<unsigned long>(n - done, v->vm_end - a);
    fn(v->data_at(a), done, chunk);
    done += chunk;
    a += chunk;
    if (done == n) break;
    ++it;
    if (it == mm->mmap.end()) break;
  }
  return done;
}

mm_struct* uaccess_mm() {
  task_struct* t = current();
  SIM_CHECK(t != nullptr) << "user memory access in event context";
  return t->mm;
}

}  // namespace

unsigned long copy_from_mm(mm_struct* mm, void* to, user_ptr from, unsigned long n) {
  auto* dst = static_cast<u8*>(to);
  unsigned long done = walk_user(mm, from, n, VM_READ, [dst](const u8* src, unsigned long off,
                                                              unsigned long len) {
    std::memcpy(dst + off, src, len);
  });
  return n - done;
}

unsigned long copy_to_mm(mm_struct* mm, user_ptr to, const void* from, unsigned long n) {
  const auto* src = static_cast<const u8*>(from);
  unsigned long done = walk_user(mm, to, n, VM_WRITE, [src](u8* dst, unsigned long off,
                                                             unsigned long len) {
    std::memcpy(dst, src + off, len);
  });
  return n - done;
}

namespace uaccess_internal {

unsigned long copy_from_user_walk(void* to, user_ptr from, unsigned long n) {
  return copy_from_mm(uaccess_mm(), to, from, n);
}

unsigned long copy_to_user_walk(user_ptr to, const void* from, unsigned long n) {
  return copy_to_mm(uaccess_mm(), to, from, n);
}

}  // namespace uaccess_internal

unsigned long clear_user(user_ptr to, unsigned long n) {
  unsigned long done = walk_user(uaccess_mm(), to, n, VM_WRITE,
                                 [](u8* dst, unsigned long, unsigned long len) { std::memset(dst, 0, len); });
  return n - done;
}

long access_remote_vm(mm_struct* mm, unsigned long addr, void* buf, long len, unsigned gup_flags) {
  if (len <= 0) return 0;
  const bool write = gup_flags & FOLL_WRITE;
  const unsigned long need = (gup_flags & FOLL_FORCE) ? 0 : (write ? VM_WRITE : VM_READ);
  auto* b = static_cast<u8*>(buf);
  unsigned long done =
      walk_user(mm, addr, static_cast<unsigned long>(len), need,
                [b, write](u8* mem, unsigned long off, unsigned long chunk) {
                  if (write) {
                    std::memcpy(mem, b + off, chunk);
                  } else {
                    std::memcpy(b + off, mem, chunk);
                  }
                });
  return static_cast<long>(done);
}

}  // namespace kernel
