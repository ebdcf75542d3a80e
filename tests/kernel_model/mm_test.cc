// User memory: mappings, uaccess with faults and partial copies, munmap,
// mremap, fork.
#include <catch2/catch.hpp>

#include <cstring>
#include <string>
#include <vector>

#include "kernel_model/mm.h"
#include "tests/kernel_model/world.h"

using namespace kernel;
using kernel_test::uget;
using kernel_test::uput;
using kernel_test::World;

namespace {
// One page of private anonymous memory at exactly addr (MAP_FIXED).
user_ptr map_page_at(mm_struct* mm, user_ptr addr, unsigned long prot = PROT_READ | PROT_WRITE) {
  return vm_mmap(mm, addr, PAGE_SIZE, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED);
}
}  // namespace

TEST_CASE("mm: mappings come from a deterministic bump allocator", "[kernel][mm]") {
  World w;
  unsigned long a = 0, b = 0, c = 0, bad_align = 0;
  create_process("p", [&] {
    mm_struct* mm = current()->mm;
    a = vm_mmap(mm, 0, 100, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
    b = vm_mmap(mm, 0, 8192, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS);
    c = vm_mmap(mm, 0, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, 1ul << 20);
    bad_align = vm_mmap(mm, 0, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, 3 * 4096);
    return 0;
  });
  w.Run();
  CHECK(a == MMAP_BASE);
  CHECK(b == MMAP_BASE + 2 * PAGE_SIZE);  // one page used, one guard page
  CHECK(c == MMAP_BASE + (1ul << 20));
  CHECK(static_cast<long>(bad_align) == -EINVAL);
}

TEST_CASE("mm: copy_to_user and copy_from_user move real bytes", "[kernel][mm]") {
  World w;
  std::string back;
  unsigned long nc1 = 1, nc2 = 1;
  create_process("p", [&] {
    user_ptr buf = kernel_test::ualloc(3 * PAGE_SIZE);
    std::string data(10000, 'x');
    for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>('a' + i % 26);
    nc1 = copy_to_user(buf + 100, data.data(), data.size());
    back.assign(data.size(), '\0');
    nc2 = copy_from_user(back.data(), buf + 100, back.size());
    return 0;
  });
  w.Run();
  CHECK(nc1 == 0);
  CHECK(nc2 == 0);
  CHECK(back.substr(0, 5) == "abcde");
  CHECK(back[9999] == static_cast<char>('a' + 9999 % 26));
}

TEST_CASE("mm: an unmapped address faults; a copy that runs off a mapping is partial",
          "[kernel][mm]") {
  World w;
  unsigned long not_copied_unmapped = 0, not_copied_partial = 0, not_copied_kernel = 0;
  int gu = 0;
  std::string head;
  create_process("p", [&] {
    user_ptr buf = kernel_test::ualloc(PAGE_SIZE);  // followed by a guard gap
    char tmp[100];
    not_copied_unmapped = copy_from_user(tmp, buf + 2 * PAGE_SIZE, 100);
    std::string src(100, 'z');
    not_copied_partial = copy_to_user(buf + PAGE_SIZE - 40, src.data(), 100);
    head = uget(buf + PAGE_SIZE - 40, 40);
    u32 v;
    gu = get_user(v, buf + PAGE_SIZE - 2);
    not_copied_kernel = copy_from_user(tmp, 0xffff888000000000ul, 8);
    return 0;
  });
  w.Run();
  CHECK(not_copied_unmapped == 100);
  CHECK(not_copied_partial == 60);
  CHECK(head == std::string(40, 'z'));
  CHECK(gu == -EFAULT);
  CHECK(not_copied_kernel == 8);
  CHECK_FALSE(access_ok(0xffff888000000000ul, 8));
  CHECK(access_ok(0x1000, 8));
}

TEST_CASE("mm: a copy spans adjacent mappings", "[kernel][mm]") {
  World w;
  unsigned long nc = 1;
  create_process("p", [&] {
    mm_struct* mm = current()->mm;
    user_ptr a = map_page_at(mm, 0x10000000);
    map_page_at(mm, a + PAGE_SIZE);
    std::string s(2 * PAGE_SIZE, 'q');
    nc = copy_to_user(a, s.data(), s.size());
    return 0;
  });
  w.Run();
  CHECK(nc == 0);
}

TEST_CASE("mm: protections are enforced", "[kernel][mm]") {
  World w;
  unsigned long w_ro = 0, r_ro = 1, r_none = 0;
  create_process("p", [&] {
    user_ptr ro = kernel_test::ualloc(PAGE_SIZE, PROT_READ);
    user_ptr none = kernel_test::ualloc(PAGE_SIZE, PROT_NONE);
    char c = 1;
    w_ro = copy_to_user(ro, &c, 1);
    r_ro = copy_from_user(&c, ro, 1);
    r_none = copy_from_user(&c, none, 1);
    return 0;
  });
  w.Run();
  CHECK(w_ro == 1);
  CHECK(r_ro == 0);
  CHECK(r_none == 1);
}

TEST_CASE("mm: munmap of a middle page splits the mapping and keeps the rest", "[kernel][mm]") {
  World w;
  int rc = 1;
  unsigned long nc_mid = 0;
  std::string first, last;
  size_t nr_maps = 0;
  create_process("p", [&] {
    user_ptr buf = kernel_test::ualloc(3 * PAGE_SIZE);
    uput(buf, "first");
    uput(buf + 2 * PAGE_SIZE, "last!");
    rc = vm_munmap(current()->mm, buf + PAGE_SIZE, PAGE_SIZE);
    char c;
    nc_mid = copy_from_user(&c, buf + PAGE_SIZE + 5, 1);
    first = uget(buf, 5);
    last = uget(buf + 2 * PAGE_SIZE, 5);
    nr_maps = current()->mm->mmap.size();
    return 0;
  });
  w.Run();
  CHECK(rc == 0);
  CHECK(nc_mid == 1);
  CHECK(first == "first");
  CHECK(last == "last!");
  CHECK(nr_maps == 2);
}

TEST_CASE("mm: munmap rejects an unaligned start", "[kernel][mm]") {
  World w;
  long r = 0, r0 = 1;
  create_process("p", [&] {
    r = sys_munmap(MMAP_BASE + 1, 10);
    r0 = sys_munmap(MMAP_BASE, 4096);  // nothing mapped there: fine
    return 0;
  });
  w.Run();
  CHECK(r == -EINVAL);
  CHECK(r0 == 0);
}

namespace {
int g_mremap_calls = 0;
unsigned long g_mremap_to = 0;
int count_mremap(vm_area_struct* vma) {
  ++g_mremap_calls;
  g_mremap_to = vma->vm_start;
  return 0;
}
const vm_operations_struct g_ring_ops = {.mremap = count_mremap, .name = "ring"};
}  // namespace

TEST_CASE("mm: a kernel backing mapped into user space survives munmap and follows mremap",
          "[kernel][mm]") {
  World w;
  g_mremap_calls = 0;
  auto backing = std::make_shared<vm_backing>();
  backing->bytes.assign(2 * PAGE_SIZE, 0);
  unsigned long moved = 0, grow = 0;
  std::string seen_after_move;
  create_process("p", [&] {
    mm_struct* mm = current()->mm;
    unsigned long a = vm_mmap_backing(mm, backing, 0, 2 * PAGE_SIZE, PROT_READ | PROT_WRITE,
                                      &g_ring_ops, nullptr);
    find_vma_containing(mm, a)->vm_flags |= VM_DONTEXPAND;
    uput(a + 10, "ring");
    moved = vm_mremap(mm, a, 2 * PAGE_SIZE, 2 * PAGE_SIZE, MREMAP_MAYMOVE | MREMAP_FIXED,
                      0x20000000);
    seen_after_move = uget(0x20000000 + 10, 4);
    grow = vm_mremap(mm, 0x20000000, 2 * PAGE_SIZE, 3 * PAGE_SIZE, MREMAP_MAYMOVE, 0);
    vm_munmap(mm, 0x20000000, 2 * PAGE_SIZE);
    return 0;
  });
  w.Run();
  CHECK(moved == 0x20000000);
  CHECK(g_mremap_calls == 1);
  CHECK(g_mremap_to == 0x20000000);
  CHECK(seen_after_move == "ring");
  CHECK(static_cast<long>(grow) == -EFAULT);
  // The kernel side still has the bytes.
  CHECK(std::string(reinterpret_cast<char*>(backing->bytes.data()) + 10, 4) == "ring");
}

TEST_CASE("mm: mremap grows in place when it can, else moves with MREMAP_MAYMOVE",
          "[kernel][mm]") {
  World w;
  unsigned long in_place = 0, no_move = 0, moved = 0;
  std::string kept;
  create_process("p", [&] {
    mm_struct* mm = current()->mm;
    user_ptr a = map_page_at(mm, 0x30000000);
    uput(a, "keep");
    in_place = vm_mremap(mm, a, PAGE_SIZE, 2 * PAGE_SIZE, 0, 0);
    map_page_at(mm, a + 2 * PAGE_SIZE, PROT_READ);
    no_move = vm_mremap(mm, a, 2 * PAGE_SIZE, 4 * PAGE_SIZE, 0, 0);
    moved = vm_mremap(mm, a, 2 * PAGE_SIZE, 4 * PAGE_SIZE, MREMAP_MAYMOVE, 0);
    kept = uget(moved, 4);
    return 0;
  });
  w.Run();
  CHECK(in_place == 0x30000000);
  CHECK(static_cast<long>(no_move) == -ENOMEM);
  CHECK(moved != 0x30000000);
  CHECK_FALSE(IS_ERR_VALUE(moved));
  CHECK(kept == "keep");
}

TEST_CASE("mm: fork copies private memory and shares shared memory", "[kernel][mm]") {
  World w;
  std::string child_saw_private, child_saw_shared, parent_private_after, parent_shared_after;
  create_process("parent", [&] {
    mm_struct* mm = current()->mm;
    user_ptr priv = kernel_test::ualloc(PAGE_SIZE);
    user_ptr shared = vm_mmap(mm, 0, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS);
    uput(priv, "parent");
    uput(shared, "parent");
    task_struct* child = fork_process(current(), "child", [&, priv, shared] {
      child_saw_private = uget(priv, 6);
      child_saw_shared = uget(shared, 6);
      uput(priv, "child!");
      uput(shared, "child!");
      return 0;
    });
    sys_wait4(child->pid, 0, 0, 0);
    parent_private_after = uget(priv, 6);
    parent_shared_after = uget(shared, 6);
    return 0;
  });
  w.Run();
  CHECK(child_saw_private == "parent");
  CHECK(child_saw_shared == "parent");
  CHECK(parent_private_after == "parent");
  CHECK(parent_shared_after == "child!");
}

TEST_CASE("mm: mmput hooks run before the mappings go", "[kernel][mm]") {
  World w;
  std::string seen;
  user_ptr addr = 0;
  w.k.mmput_hooks.push_back([&](mm_struct* mm) {
    char buf[4];
    if (copy_from_mm(mm, buf, addr, 4) == 0) seen.assign(buf, 4);
  });
  create_process("p", [&] {
    addr = kernel_test::ualloc(PAGE_SIZE);
    uput(addr, "ring");
    return 0;
  });
  w.Run();
  CHECK(seen == "ring");
}

// The lookup cache (mm->vmacache) must never outlive its mapping's
// place in the map: each access below follows a hit on the same mapping.
TEST_CASE("mm: a warm lookup cache still sees munmap, mprotect and mremap", "[kernel][mm]") {
  World w;
  unsigned long after_munmap = 0, after_mprotect = 0, old_after_mremap = 0, new_after_mremap = 1;
  unsigned long warm = 1;
  long moved = 0;
  user_ptr a_addr = 0;
  create_process("p", [&] {
    char c = 'x';
    user_ptr a = kernel_test::ualloc(PAGE_SIZE);
    a_addr = a;
    warm = copy_to_user(a, &c, 1);  // a is now the cached mapping
    sys_munmap(a, PAGE_SIZE);
    after_munmap = copy_to_user(a, &c, 1);

    user_ptr b = kernel_test::ualloc(PAGE_SIZE);
    copy_to_user(b, &c, 1);
    sys_mprotect(b, PAGE_SIZE, PROT_READ);
    after_mprotect = copy_to_user(b, &c, 1);

    user_ptr d = kernel_test::ualloc(PAGE_SIZE);
    copy_to_user(d, &c, 1);
    // Moved onto a's old address: both ends of the move were cached once.
    moved = sys_mremap(d, PAGE_SIZE, PAGE_SIZE, MREMAP_MAYMOVE | MREMAP_FIXED, a);
    old_after_mremap = copy_from_user(&c, d, 1);
    new_after_mremap = copy_from_user(&c, static_cast<user_ptr>(moved), 1);
    return 0;
  });
  w.Run();
  CHECK(warm == 0);
  CHECK(after_munmap == 1);
  CHECK(after_mprotect == 1);
  CHECK(moved == static_cast<long>(a_addr));
  CHECK(old_after_mremap == 1);
  CHECK(new_after_mremap == 0);
}

TEST_CASE("mm: pin_user_pages pins each mapping a range crosses, or nothing on a fault",
          "[kernel][mm]") {
  World w;
  size_t crossing = 0, after_fault = 0;
  int fault = 0, readonly_write = 0, readonly_read = 0;
  int pins_held = -1, pins_after = -1;
  std::string via_pin;
  create_process("p", [&] {
    mm_struct* mm = current()->mm;
    user_ptr a = map_page_at(mm, 0x30000000);
    map_page_at(mm, a + PAGE_SIZE);
    user_ptr ro = map_page_at(mm, 0x40000000, PROT_READ);
    std::vector<user_pin> pins;
    // Two adjacent mappings: two pins, each onto its own bytes.
    REQUIRE(pin_user_pages(mm, a + PAGE_SIZE - 2, 4, FOLL_WRITE, &pins) == 0);
    crossing = pins.size();
    std::memcpy(pins[0].at, "ab", 2);
    std::memcpy(pins[1].at, "cd", 2);
    via_pin = uget(a + PAGE_SIZE - 2, 4);
    pins_held = find_vma_containing(mm, a)->backing->pins;
    // A range running into unmapped memory pins nothing and leaves the
    // vector as it was.
    fault = pin_user_pages(mm, a + PAGE_SIZE, 2 * PAGE_SIZE, FOLL_WRITE, &pins);
    after_fault = pins.size();
    readonly_write = pin_user_pages(mm, ro, 16, FOLL_WRITE, &pins);
    readonly_read = pin_user_pages(mm, ro, 16, 0, &pins);
    for (user_pin& p : pins) unpin_user_pages(&p);
    pins_after = find_vma_containing(mm, a)->backing->pins + find_vma_containing(mm, ro)->backing->pins;
    return 0;
  });
  w.Run();
  CHECK(crossing == 2);
  CHECK(via_pin == "abcd");
  CHECK(pins_held == 1);
  CHECK(fault == -EFAULT);
  CHECK(after_fault == 2);
  CHECK(readonly_write == -EFAULT);
  CHECK(readonly_read == 0);
  CHECK(pins_after == 0);
}

TEST_CASE("mm: pinned bytes stay put through munmap and mremap; unpinning shows what was written",
          "[kernel][mm]") {
  World w;
  std::string after_grow, after_move, after_read_pin;
  size_t retired_while_pinned = 0, retired_after = 1;
  std::string seen_while_pinned;
  create_process("p", [&] {
    mm_struct* mm = current()->mm;
    // Grown in place while pinned: the bytes written through the pin after
    // the growth appear in the mapping once unpinned.
    user_ptr a = map_page_at(mm, 0x30000000);
    uput(a, "old");
    std::vector<user_pin> pins;
    REQUIRE(pin_user_pages(mm, a, 3, FOLL_WRITE, &pins) == 0);
    REQUIRE(vm_mremap(mm, a, PAGE_SIZE, 64 * PAGE_SIZE, 0, 0) == a);
    retired_while_pinned = find_vma_containing(mm, a)->backing->retired.size();
    std::memcpy(pins[0].at, "new", 3);  // the "DMA", into the old bytes
    seen_while_pinned = uget(a, 3);
    unpin_user_pages(&pins[0]);
    after_grow = uget(a, 3);
    retired_after = find_vma_containing(mm, a)->backing->retired.size();
    // Pinned for reading (a direct write's source) and grown: what the
    // program writes into the grown mapping meanwhile is kept at unpin.
    pins.clear();
    REQUIRE(pin_user_pages(mm, a, 3, 0, &pins) == 0);
    REQUIRE(vm_mremap(mm, a, 64 * PAGE_SIZE, 128 * PAGE_SIZE, 0, 0) == a);
    uput(a, "usr");
    unpin_user_pages(&pins[0]);
    after_read_pin = uget(a, 3);
    // Moved and grown, then unmapped, while pinned: the pin still holds the
    // bytes (nothing faults, nothing is freed under the writer).
    user_ptr b = vm_mmap(mm, 0, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
    pins.clear();
    REQUIRE(pin_user_pages(mm, b, PAGE_SIZE, FOLL_WRITE, &pins) == 0);
    user_ptr nb = vm_mremap(mm, b, PAGE_SIZE, 8 * PAGE_SIZE, MREMAP_MAYMOVE, 0);
    REQUIRE_FALSE(IS_ERR_VALUE(nb));
    std::memcpy(pins[0].at, "moved", 5);
    unpin_user_pages(&pins[0]);
    after_move = uget(nb, 5);
    user_ptr c = vm_mmap(mm, 0, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
    pins.clear();
    REQUIRE(pin_user_pages(mm, c, PAGE_SIZE, FOLL_WRITE, &pins) == 0);
    REQUIRE(vm_munmap(mm, c, PAGE_SIZE) == 0);
    std::memset(pins[0].at, 0x5a, PAGE_SIZE);
    unpin_user_pages(&pins[0]);
    return 0;
  });
  w.Run();
  CHECK(retired_while_pinned == 1);  // the pinned bytes did not move
  CHECK(seen_while_pinned == "old");  // the mapping shows the grown copy
  CHECK(after_grow == "new");
  CHECK(after_read_pin == "usr");
  CHECK(retired_after == 0);
  CHECK(after_move == "moved");
}
