// The kernel extension's per-run world: the simulated Kernel on the run's
// Scheduler, the devices the scenario declared, and the per-process and
// per-thread state the call handlers reach through Slots.
//
// Ownership and lifetime: KernelWorld is owned by the kernel extension (one
// per run or check). The Kernel inside it is created in Configure and
// destroyed with the extension, i.e. after RunContext has killed every fiber
// and destroyed the processes (see context.h), so no fiber ever runs or
// unwinds against a freed kernel object. ProcessState/ThreadState hang on
// the run's ProcessContext/ThreadContext slots and point at Kernel-owned
// tasks and memory without owning them.
//
// A scenario process is a kernel thread group: a group leader task (the
// process's "main", which waits until the scenario threads are done and then
// exits the group: exit_mm -> mmput -> exit_aio) plus one task per scenario
// thread, bound to that thread's fiber (ext_task.h).
#ifndef AIOSIM_SCENARIOS_EXT_WORLD_H_
#define AIOSIM_SCENARIOS_EXT_WORLD_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "devices/block_device.h"
#include "devices/faulty_device.h"
#include "kernel_model/kernel.h"
#include "kernel_model/mm.h"
#include "kernel_model/wait.h"
#include "scenarios/calls.h"
#include "scenarios/context.h"
#include "scenarios/slots.h"

namespace scenarios::kext {

class StatsSink;

// A bump allocator over anonymous mappings of one process: the scenario's
// malloc. Memory is zeroed and never reused (a stale pointer stays mapped
// to its old bytes, as after free() without munmap).
class UserHeap {
 public:
  // An address with `align` (a power of two; 0 or 1: 16), or 0 when the
  // process's mm is out of room. Large blocks get their own mapping.
  kernel::user_ptr Alloc(kernel::mm_struct* mm, uint64_t len, uint64_t align);

 private:
  kernel::user_ptr cur_ = 0;
  kernel::user_ptr end_ = 0;
};

// The group leader's gate: it sleeps (killably) until released.
struct LeaderGate {
  kernel::wait_queue_head wq{"process main: waits for its threads"};
  bool released = false;
};

struct ProcessState {
  kernel::task_struct* leader = nullptr;
  kernel::mm_struct* mm = nullptr;
  std::shared_ptr<LeaderGate> gate;
  UserHeap heap;
};

struct ThreadState {
  kernel::task_struct* task = nullptr;  // nullptr: the process died before this thread started
  bool exited = false;                  // the task ran its exit path
  // Reusable user memory for synchronous calls that need temporary user
  // buffers (a string written with write(), the fds of pipe2, a timespec,
  // an events array): a few independent areas, so one call can use several.
  static constexpr int kScratchAreas = 4;
  kernel::user_ptr scratch[kScratchAreas] = {};
  uint64_t scratch_len[kScratchAreas] = {};
};

inline constexpr SlotKey<ProcessState> kProcessSlot{"kernel.process"};
inline constexpr SlotKey<ThreadState> kThreadSlot{"kernel.thread"};

// One [[device]] as built.
struct DeviceEntry {
  std::string name;
  std::string kind;           // the model's kind ("ssd")
  std::string mount;          // "/data"
  devices::BlockDevice* dev = nullptr;       // what the block layer talks to
  devices::FaultyDevice* faulty = nullptr;   // when [[fault]]s name this device
};

struct KernelWorld {
  std::unique_ptr<kernel::Kernel> kernel;
  std::map<std::string, DeviceEntry> devices;  // by name
  StatsSink* stats = nullptr;                  // owned by the run's trace (nullptr when checking)
};

// --- helpers for call handlers (all REQUIRE a run, not a check) ---

ProcessState& Process(CallContext& ctx);
ThreadState& Thread(CallContext& ctx);
// The calling thread's task. A thread whose process was killed before it
// started, or whose task already exited (a fatal signal), ends quietly here.
kernel::task_struct* Task(CallContext& ctx);
// The process's user memory.
kernel::mm_struct* Mm(CallContext& ctx);
// len bytes of fresh zeroed user memory (never reused); fails the call on
// exhaustion.
kernel::user_ptr HeapAlloc(CallContext& ctx, uint64_t len, uint64_t align = 16);
// The thread's scratch area `area` (0..3), at least len bytes (contents
// undefined; valid until the thread's next call that uses the same area).
kernel::user_ptr Scratch(CallContext& ctx, uint64_t len, int area = 0);

}  // namespace scenarios::kext

#endif  // AIOSIM_SCENARIOS_EXT_WORLD_H_
