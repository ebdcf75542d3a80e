#include "scenarios/ext_world.h"

#include <sys/mman.h>

#include <algorithm>

#include "sim/check.h"

namespace scenarios::kext {

namespace {
constexpr uint64_t kHeapChunkBytes = uint64_t{1} << 20;  // one mapping serves many small blocks
constexpr uint64_t kOwnMappingBytes = kHeapChunkBytes / 4;
}  // namespace

kernel::user_ptr UserHeap::Alloc(kernel::mm_struct* mm, uint64_t len, uint64_t align) {
  if (align <= 1) align = 16;
  if (len == 0) len = 1;
  if (len >= kOwnMappingBytes || align > kernel::PAGE_SIZE) {
    const unsigned long a = kernel::vm_mmap(mm, 0, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                                            align > kernel::PAGE_SIZE ? align : 0);
    return kernel::IS_ERR_VALUE(a) ? 0 : a;
  }
  kernel::user_ptr at = (cur_ + align - 1) & ~(align - 1);
  if (cur_ == 0 || at + len > end_) {
    const unsigned long a =
        kernel::vm_mmap(mm, 0, kHeapChunkBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, 0);
    if (kernel::IS_ERR_VALUE(a)) return 0;
    cur_ = a;
    end_ = a + kHeapChunkBytes;
    at = (cur_ + align - 1) & ~(align - 1);
  }
  cur_ = at + len;
  return at;
}

ProcessState& Process(CallContext& ctx) {
  ProcessState* p = ctx.process().slots().Get(kProcessSlot);
  SIM_CHECK(p != nullptr) << "kernel call in a process the kernel extension did not start";
  return *p;
}

ThreadState& Thread(CallContext& ctx) {
  ThreadState* t = ctx.thread().slots().Get(kThreadSlot);
  SIM_CHECK(t != nullptr) << "kernel call on a thread the kernel extension did not start";
  return *t;
}

kernel::task_struct* Task(CallContext& ctx) {
  ThreadState& t = Thread(ctx);
  if (t.task == nullptr || t.exited) ctx.ExitThread();
  return t.task;
}

kernel::mm_struct* Mm(CallContext& ctx) {
  ProcessState& p = Process(ctx);
  if (p.mm == nullptr || p.mm->dead) ctx.Fail("the process's memory is gone (the process has exited)");
  return p.mm;
}

kernel::user_ptr HeapAlloc(CallContext& ctx, uint64_t len, uint64_t align) {
  kernel::user_ptr a = Process(ctx).heap.Alloc(Mm(ctx), len, align);
  if (a == 0) ctx.Fail("out of simulated user memory allocating " + std::to_string(len) + " bytes");
  return a;
}

kernel::user_ptr Scratch(CallContext& ctx, uint64_t len, int area) {
  ThreadState& t = Thread(ctx);
  SIM_CHECK(area >= 0 && area < ThreadState::kScratchAreas) << "scratch area " << area;
  if (t.scratch[area] == 0 || t.scratch_len[area] < len) {
    const uint64_t want = std::max<uint64_t>(len, 4096);
    t.scratch[area] = HeapAlloc(ctx, want, 64);
    t.scratch_len[area] = want;
  }
  return t.scratch[area];
}

}  // namespace scenarios::kext
