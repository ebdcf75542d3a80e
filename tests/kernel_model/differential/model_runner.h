// The model side of the differential test: runs a case in a fresh world (a
// sim::Scheduler and a kernel::Kernel with a ramdisk mounted at /tmp) as
// the main thread of a simulated process, with the case's memory in that
// process's simulated address space and every syscall through the model's
// sys_* functions and the syscall exit path (do_syscall).
//
// Contract:
// - The Kernel is configured like the host: nr_cpus = the host's possible
//   CPUs and aio-max-nr = the host's, so sizes and slot counts compare raw.
// - One world per case; nothing carries over between cases.
// - Outcome::error reports anything but a clean run: a violation (SIM_CHECK
//   or a leak found by aio_check_leaks after the process exited), a
//   deadlock, a step or time limit, or a process that never finished.
#ifndef AIOSIM_TESTS_KERNEL_MODEL_DIFFERENTIAL_MODEL_RUNNER_H_
#define AIOSIM_TESTS_KERNEL_MODEL_DIFFERENTIAL_MODEL_RUNNER_H_

#include "tests/kernel_model/differential/cases.h"
#include "tests/kernel_model/differential/outcome.h"

namespace diff {

struct ModelConfig {
  unsigned nr_cpus = 2;
  unsigned long aio_max_nr = 65536;
  uint64_t seed = 1;
};

Outcome RunOnModel(const DiffCase& c, const ModelConfig& cfg);

}  // namespace diff

#endif  // AIOSIM_TESTS_KERNEL_MODEL_DIFFERENTIAL_MODEL_RUNNER_H_
