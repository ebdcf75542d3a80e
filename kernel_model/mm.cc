// Address spaces (mm/mmap.c, mm/mremap.c, kernel/fork.c). See mm.h.
#include "kernel_model/mm.h"

#include <algorithm>
#include <iterator>
#include <utility>

#include "kernel_model/sched.h"
#include "sim/check.h"

namespace kernel {

namespace {

constexpr unsigned long kGuardGap = PAGE_SIZE;  // between bump allocations

unsigned long err_value(int err) { return static_cast<unsigned long>(static_cast<long>(err)); }

unsigned long vm_flags_of(unsigned long prot, bool shared) {
  unsigned long f = 0;
  // x86: writable (or executable) pages are readable.
  if (prot & (PROT_READ | PROT_WRITE | PROT_EXEC)) f |= VM_READ;
  if (prot & PROT_WRITE) f |= VM_WRITE;
  if (prot & PROT_EXEC) f |= VM_EXEC;
  if (shared) f |= VM_SHARED;
  return f;
}

bool range_free(mm_struct* mm, unsigned long start, unsigned long end) {
  auto it = mm->mmap.lower_bound(start);
  if (it != mm->mmap.end() && it->first < end) return false;
  if (it != mm->mmap.begin()) {
    --it;
    if (it->second->vm_end > start) return false;
  }
  return true;
}

// Finds room for len bytes at `align` from the bump pointer; 0 if none.
unsigned long get_unmapped_area(mm_struct* mm, unsigned long len, unsigned long align) {
  unsigned long start = (mm->free_area + align - 1) & ~(align - 1);
  if (start < mm->free_area || start > TASK_SIZE_MAX || len > TASK_SIZE_MAX - start) return 0;
  mm->free_area = start + len + kGuardGap;
  return start;
}

std::unique_ptr<vm_area_struct> copy_vma_view(const vm_area_struct& v) {
  auto n = std::make_unique<vm_area_struct>();
  n->vm_start = v.vm_start;
  n->vm_end = v.vm_end;
  n->vm_flags = v.vm_flags;
  n->vm_mm = v.vm_mm;
  n->vm_ops = v.vm_ops;
  n->vm_private_data = v.vm_private_data;
  n->vm_file = v.vm_file;
  n->backing = v.backing;
  n->backing_off = v.backing_off;
  return n;
}

void insert_vma(mm_struct* mm, std::unique_ptr<vm_area_struct> vma) {
  mm->total_vm_bytes += vma->vm_end - vma->vm_start;
  unsigned long start = vma->vm_start;
  mm->mmap.emplace(start, std::move(vma));
}

// Splits the mapping containing addr (if any) so a mapping starts at addr.
void split_at(mm_struct* mm, unsigned long addr) {
  vm_area_struct* v = find_vma_containing(mm, addr);
  if (!v || v->vm_start == addr) return;
  auto right = copy_vma_view(*v);
  right->backing_off = v->backing_off + (addr - v->vm_start);
  right->vm_start = addr;
  v->vm_end = addr;
  vm_area_struct* r = right.get();
  mm->mmap.emplace(addr, std::move(right));
  if (r->vm_ops && r->vm_ops->open) r->vm_ops->open(r);
}

// Removes every mapping piece inside [start, end), running vm_ops->close.
void unmap_range(mm_struct* mm, unsigned long start, unsigned long end) {
  split_at(mm, start);
  split_at(mm, end);
  auto it = mm->mmap.lower_bound(start);
  while (it != mm->mmap.end() && it->first < end) {
    std::unique_ptr<vm_area_struct> v = std::move(it->second);
    it = mm->mmap.erase(it);
    vmacache_invalidate(mm);  // after each erase: a close() may look up
    mm->total_vm_bytes -= v->vm_end - v->vm_start;
    if (v->vm_ops && v->vm_ops->close) v->vm_ops->close(v.get());
  }
}

void exit_mmap(mm_struct* mm) {
  while (!mm->mmap.empty()) {
    auto it = mm->mmap.begin();
    std::unique_ptr<vm_area_struct> v = std::move(it->second);
    mm->mmap.erase(it);
    vmacache_invalidate(mm);
    if (v->vm_ops && v->vm_ops->close) v->vm_ops->close(v.get());
  }
  mm->total_vm_bytes = 0;
  mm->dead = true;
}

}  // namespace

void vm_backing_grow(vm_backing* b, size_t need) {
  if (b->bytes.size() >= need) return;
  if (b->pins == 0) {
    b->bytes.resize(need, 0);
    return;
  }
  std::vector<u8> grown(need, 0);
  std::memcpy(grown.data(), b->bytes.data(), b->bytes.size());
  b->retired.push_back(std::move(b->bytes));  // the buffer itself is kept
  b->bytes = std::move(grown);
}

int pin_user_pages(mm_struct* mm, user_ptr addr, unsigned long len, unsigned gup_flags,
                   std::vector<user_pin>* out) {
  if (len == 0) return 0;
  if (!mm || !access_ok(addr, len)) return -EFAULT;
  const unsigned long need = (gup_flags & FOLL_WRITE) ? VM_WRITE : VM_READ;
  const size_t first = out->size();
  unsigned long a = addr;
  const unsigned long end = addr + len;
  while (a < end) {
    vm_area_struct* v = find_vma_containing(mm, a);
    if (!v || (v->vm_flags & need) != need) {
      for (size_t i = first; i < out->size(); ++i) unpin_user_pages(&(*out)[i]);
      out->resize(first);
      return -EFAULT;
    }
    const unsigned long n = std::min(end, v->vm_end) - a;
    user_pin p;
    p.backing = v->backing;
    p.off = v->backing_off + (a - v->vm_start);
    p.len = n;
    p.at = v->data_at(a);
    p.written = (gup_flags & FOLL_WRITE) != 0;
    ++p.backing->pins;
    out->push_back(std::move(p));
    a += n;
  }
  return 0;
}

void unpin_user_pages(user_pin* p) {
  if (!p->backing) return;
  vm_backing* b = p->backing.get();
  u8* now = b->bytes.data() + p->off;
  if (p->written && now != p->at) std::memcpy(now, p->at, p->len);
  if (--b->pins == 0) b->retired.clear();
  p->backing.reset();
  p->at = nullptr;
}

mm_struct* mm_alloc() {
  Kernel* k = Kernel::Current();
  k->mms_.push_back(std::make_unique<mm_struct>());
  mm_struct* mm = k->mms_.back().get();
  mm->id = k->next_id();
  return mm;
}

mm_struct* dup_mm(mm_struct* oldmm) {
  mm_struct* mm = mm_alloc();
  mm->free_area = oldmm->free_area;
  mm->mmap_base = oldmm->mmap_base;
  for (auto& [start, v] : oldmm->mmap) {
    if (v->vm_flags & VM_DONTCOPY) continue;
    auto n = copy_vma_view(*v);
    n->vm_mm = mm;
    if (!(v->vm_flags & VM_SHARED)) {
      // Private memory: the child gets its own copy of the bytes.
      auto b = std::make_shared<vm_backing>();
      const u8* src = v->data_at(v->vm_start);
      b->bytes.assign(src, src + (v->vm_end - v->vm_start));
      n->backing = std::move(b);
      n->backing_off = 0;
    }
    vm_area_struct* raw = n.get();
    insert_vma(mm, std::move(n));
    if (raw->vm_ops && raw->vm_ops->open) raw->vm_ops->open(raw);
  }
  return mm;
}

void mmget(mm_struct* mm) {
  SIM_CHECK(mm->mm_users > 0) << "mmget on a dead mm " << mm->id;
  ++mm->mm_users;
}

bool mmget_not_zero(mm_struct* mm) {
  if (mm->mm_users <= 0) return false;
  ++mm->mm_users;
  return true;
}

void mmput(mm_struct* mm) {
  SIM_CHECK(mm->mm_users > 0) << "mmput underflow on mm " << mm->id;
  if (--mm->mm_users > 0) return;
  // __mmput
  Kernel* k = Kernel::Current();
  const size_t n = k->mmput_hooks.size();
  for (size_t i = 0; i < n; ++i) k->mmput_hooks[i](mm);
  exit_mmap(mm);
  mmdrop(mm);
}

void mmdrop(mm_struct* mm) {
  SIM_CHECK(mm->mm_count > 0) << "mmdrop underflow on mm " << mm->id;
  --mm->mm_count;  // the struct itself lives until the Kernel goes
}

vm_area_struct* find_vma_containing(mm_struct* mm, unsigned long addr) {
  if (vm_area_struct* v = vmacache_find(mm, addr)) return v;
  auto it = mm->mmap.upper_bound(addr);
  if (it == mm->mmap.begin()) return nullptr;
  --it;
  if (addr >= it->second->vm_end) return nullptr;
  vmacache_update(mm, addr, it->second.get());
  return it->second.get();
}

unsigned long vm_mmap(mm_struct* mm, unsigned long addr, unsigned long len, unsigned long prot,
                      unsigned long flags, unsigned long align) {
  if (!len) return err_value(-EINVAL);
  const unsigned long type = flags & 0x3;  // MAP_SHARED / MAP_PRIVATE
  if (type != MAP_SHARED && type != MAP_PRIVATE) return err_value(-EINVAL);
  if (!(flags & MAP_ANONYMOUS)) return err_value(-EINVAL);
  if (prot & ~static_cast<unsigned long>(PROT_READ | PROT_WRITE | PROT_EXEC)) return err_value(-EINVAL);
  if (len > TASK_SIZE_MAX) return err_value(-ENOMEM);
  len = PAGE_ALIGN(len);
  if (align == 0) align = PAGE_SIZE;
  if (align < PAGE_SIZE || (align & (align - 1))) return err_value(-EINVAL);
  unsigned long start;
  if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
    if (addr & ~PAGE_MASK) return err_value(-EINVAL);
    if (addr > TASK_SIZE_MAX || len > TASK_SIZE_MAX - addr) return err_value(-ENOMEM);
    if (flags & MAP_FIXED_NOREPLACE) {
      if (!range_free(mm, addr, addr + len)) return err_value(-EEXIST);
    } else {
      unmap_range(mm, addr, addr + len);
    }
    start = addr;
  } else {
    start = get_unmapped_area(mm, len, align);
    if (!start) return err_value(-ENOMEM);
  }
  auto v = std::make_unique<vm_area_struct>();
  v->vm_start = start;
  v->vm_end = start + len;
  v->vm_flags = vm_flags_of(prot, type == MAP_SHARED);
  v->vm_mm = mm;
  v->backing = std::make_shared<vm_backing>();
  v->backing->bytes.assign(len, 0);
  insert_vma(mm, std::move(v));
  return start;
}

unsigned long vm_mmap_backing(mm_struct* mm, std::shared_ptr<vm_backing> backing, unsigned long off,
                              unsigned long len, unsigned long prot,
                              const vm_operations_struct* ops, void* private_data) {
  if (!len || !backing || (off & ~PAGE_MASK)) return err_value(-EINVAL);
  len = PAGE_ALIGN(len);
  if (off > backing->bytes.size() || len > backing->bytes.size() - off) return err_value(-EINVAL);
  unsigned long start = get_unmapped_area(mm, len, PAGE_SIZE);
  if (!start) return err_value(-ENOMEM);
  auto v = std::make_unique<vm_area_struct>();
  v->vm_start = start;
  v->vm_end = start + len;
  v->vm_flags = vm_flags_of(prot, true);
  v->vm_mm = mm;
  v->vm_ops = ops;
  v->vm_private_data = private_data;
  v->backing = std::move(backing);
  v->backing_off = off;
  insert_vma(mm, std::move(v));
  return start;
}

int vm_munmap(mm_struct* mm, unsigned long start, size_t len) {
  if ((start & ~PAGE_MASK) || !len || start > TASK_SIZE_MAX) return -EINVAL;
  if (len > TASK_SIZE_MAX - start) return -EINVAL;
  len = PAGE_ALIGN(len);
  unmap_range(mm, start, start + len);
  return 0;
}

unsigned long vm_mremap(mm_struct* mm, unsigned long old_addr, unsigned long old_len,
                        unsigned long new_len, unsigned long flags, unsigned long new_addr) {
  if (flags & ~static_cast<unsigned long>(MREMAP_MAYMOVE | MREMAP_FIXED)) return err_value(-EINVAL);
  if ((flags & MREMAP_FIXED) && !(flags & MREMAP_MAYMOVE)) return err_value(-EINVAL);
  if (old_addr & ~PAGE_MASK) return err_value(-EINVAL);
  old_len = PAGE_ALIGN(old_len);
  new_len = PAGE_ALIGN(new_len);
  if (!new_len || !old_len) return err_value(-EINVAL);
  if (old_addr > TASK_SIZE_MAX || old_len > TASK_SIZE_MAX - old_addr) return err_value(-EINVAL);
  vm_area_struct* v = find_vma_containing(mm, old_addr);
  if (!v || old_addr + old_len > v->vm_end) return err_value(-EFAULT);
  if (new_len > old_len && (v->vm_flags & VM_DONTEXPAND)) return err_value(-EFAULT);
  if (flags & MREMAP_FIXED) {
    if (new_addr & ~PAGE_MASK) return err_value(-EINVAL);
    if (new_addr > TASK_SIZE_MAX || new_len > TASK_SIZE_MAX - new_addr) return err_value(-EINVAL);
    // Source and destination may not overlap.
    if (new_addr < old_addr + old_len && old_addr < new_addr + new_len) return err_value(-EINVAL);
  }
  // Isolate [old_addr, old_addr + old_len) as one mapping.
  split_at(mm, old_addr);
  split_at(mm, old_addr + old_len);
  v = find_vma_containing(mm, old_addr);
  if (!(flags & MREMAP_FIXED)) {
    if (new_len <= old_len) {
      if (new_len < old_len) unmap_range(mm, old_addr + new_len, old_addr + old_len);
      return old_addr;
    }
    if (range_free(mm, old_addr + old_len, old_addr + new_len)) {
      // Grow in place.
      const unsigned long need = v->backing_off + new_len;
      if (v->backing->bytes.size() < need) vm_backing_grow(v->backing.get(), need);
      mm->total_vm_bytes += new_len - old_len;
      v->vm_end = old_addr + new_len;
      return old_addr;
    }
    if (!(flags & MREMAP_MAYMOVE)) return err_value(-ENOMEM);
  }
  unsigned long dest;
  if (flags & MREMAP_FIXED) {
    unmap_range(mm, new_addr, new_addr + new_len);
    dest = new_addr;
  } else {
    dest = get_unmapped_area(mm, new_len, PAGE_SIZE);
    if (!dest) return err_value(-ENOMEM);
  }
  vmacache_invalidate(mm);  // out of the map while vm_ops->mremap runs
  auto node = mm->mmap.extract(old_addr);
  std::unique_ptr<vm_area_struct> moved = std::move(node.mapped());
  const unsigned long saved_end = moved->vm_end;
  moved->vm_start = dest;
  moved->vm_end = dest + std::min(old_len, new_len);
  if (moved->vm_ops && moved->vm_ops->mremap) {
    int err = moved->vm_ops->mremap(moved.get());
    if (err) {
      moved->vm_start = old_addr;
      moved->vm_end = saved_end;
      mm->mmap.emplace(old_addr, std::move(moved));
      return err_value(err);
    }
  }
  mm->total_vm_bytes -= old_len;
  if (new_len > old_len) {
    const unsigned long need = moved->backing_off + new_len;
    if (moved->backing->bytes.size() < need) vm_backing_grow(moved->backing.get(), need);
  }
  moved->vm_end = dest + new_len;
  insert_vma(mm, std::move(moved));
  return dest;
}

namespace {
mm_struct* current_mm(const char* what) {
  task_struct* t = current();
  SIM_CHECK(t != nullptr) << what << " outside task context";
  return t->mm;
}
long ret_of(unsigned long r) { return static_cast<long>(r); }
}  // namespace

long sys_mmap(unsigned long addr, unsigned long len, unsigned long prot, unsigned long flags, int fd,
              unsigned long off) {
  mm_struct* mm = current_mm("mmap");
  if (!mm) return -EINVAL;
  if (!(flags & MAP_ANONYMOUS)) return -ENODEV;
  if (off & ~PAGE_MASK) return -EINVAL;
  return ret_of(vm_mmap(mm, addr, len, prot, flags & ~static_cast<unsigned long>(MAP_POPULATE), 0));
}

long sys_munmap(unsigned long addr, size_t len) {
  mm_struct* mm = current_mm("munmap");
  if (!mm) return -EINVAL;
  return vm_munmap(mm, addr, len);
}

long sys_mremap(unsigned long addr, unsigned long old_len, unsigned long new_len, unsigned long flags,
                unsigned long new_addr) {
  mm_struct* mm = current_mm("mremap");
  if (!mm) return -EINVAL;
  return ret_of(vm_mremap(mm, addr, old_len, new_len, flags, new_addr));
}

long sys_mprotect(unsigned long start, size_t len, unsigned long prot) {
  mm_struct* mm = current_mm("mprotect");
  if (!mm) return -EINVAL;
  if ((start & ~PAGE_MASK) || start > TASK_SIZE_MAX) return -EINVAL;
  if (prot & ~static_cast<unsigned long>(PROT_READ | PROT_WRITE | PROT_EXEC)) return -EINVAL;
  if (!len) return 0;
  if (len > TASK_SIZE_MAX - start) return -ENOMEM;
  const unsigned long end = start + PAGE_ALIGN(len);
  // Every page must be mapped.
  for (unsigned long a = start; a < end;) {
    vm_area_struct* v = find_vma_containing(mm, a);
    if (!v) return -ENOMEM;
    a = v->vm_end;
  }
  split_at(mm, start);
  split_at(mm, end);
  for (auto it = mm->mmap.lower_bound(start); it != mm->mmap.end() && it->first < end; ++it) {
    vm_area_struct* v = it->second.get();
    v->vm_flags = (v->vm_flags & ~(VM_READ | VM_WRITE | VM_EXEC)) |
                  (vm_flags_of(prot, false) & (VM_READ | VM_WRITE | VM_EXEC));
  }
  return 0;
}

}  // namespace kernel
