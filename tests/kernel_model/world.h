// World: a Scheduler plus a Kernel for kernel_model tests, with helpers for
// simulated user memory.
//
//   World w;
//   long r = 0;
//   kernel::create_process("p", [&] { r = kernel::sys_getpid(); return 0; });
//   w.Run();
//
// The Kernel is destroyed before the Scheduler (member order), and its
// destructor kills fibers first.
#ifndef AIOSIM_TESTS_KERNEL_MODEL_WORLD_H_
#define AIOSIM_TESTS_KERNEL_MODEL_WORLD_H_

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "kernel_model/kernel.h"
#include "kernel_model/mm.h"
#include "kernel_model/sched.h"
#include "sim/chooser.h"
#include "sim/scheduler.h"

namespace kernel_test {

inline sim::SchedulerOptions SchedOptions(uint64_t seed) {
  sim::SchedulerOptions o;
  o.seed = seed;
  return o;
}

struct World {
  explicit World(uint64_t seed = 1, kernel::KernelOptions opts = {},
                 std::unique_ptr<sim::Chooser> chooser = nullptr)
      : sched(SchedOptions(seed), std::move(chooser)), k(sched, opts) {}

  sim::RunResult Run() {
    sim::RunResult r = sched.Run();
    last = r;
    return r;
  }
  // Time as seen by tests (ns).
  sim::SimTime Now() const { return sched.Now(); }
  // The first violation message, or "" (for failure messages).
  std::string Violations() const {
    std::string s;
    for (const auto& v : sched.violations()) s += v.message + "\n";
    return s;
  }

  sim::Scheduler sched;
  kernel::Kernel k;
  sim::RunResult last;
};

// --- user memory of the current task (call from inside a task) ---
inline kernel::user_ptr ualloc(size_t len, unsigned long prot = PROT_READ | PROT_WRITE) {
  unsigned long a = kernel::vm_mmap(kernel::current()->mm, 0, len, prot, MAP_PRIVATE | MAP_ANONYMOUS);
  return static_cast<kernel::user_ptr>(a);
}
inline void uput(kernel::user_ptr addr, const void* data, size_t len) {
  kernel::copy_to_user(addr, data, len);
}
inline void uput(kernel::user_ptr addr, const std::string& s) { uput(addr, s.data(), s.size()); }
inline std::string uget(kernel::user_ptr addr, size_t len) {
  std::string s(len, '\0');
  kernel::copy_from_user(s.data(), addr, len);
  return s;
}
template <typename T>
T uget_val(kernel::user_ptr addr) {
  T v{};
  kernel::copy_from_user(&v, addr, sizeof(T));
  return v;
}

}  // namespace kernel_test

#endif  // AIOSIM_TESTS_KERNEL_MODEL_WORLD_H_
