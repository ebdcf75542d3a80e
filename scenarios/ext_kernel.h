// The kernel extension: plugs the simulated kernel (kernel_model/), the
// devices (devices/) and Linux AIO into the scenario language.
//
// Per run it builds a KernelWorld (ext_world.h): a kernel::Kernel on the
// run's Scheduler with the run's AIO design ([sim] design / --design), the
// [[device]] / [[file]] / [cache] / [[fault]] tables (ext_config.h), and a
// StatsSink on the trace (ext_stats.h). Each scenario process becomes a
// kernel thread group: a group leader task created at process start, and
// one task per scenario thread bound to the thread's own fiber
// (ext_task.h). A thread's end runs the kernel's exit path for its task;
// after the process's last thread the leader exits the group, which runs
// exit_mm -> mmput -> exit_aio (in-flight AIO is waited for, contexts are
// killed) and closes the fd table.
//
// At the end of a run in which every process exited, leftover AIO objects
// (aio_check_leaks), open files and page-cache counter inconsistencies are
// reported as violations. The report gains "aio" (per-op counts and
// latency percentiles), one "device <name>" section per device and "page
// cache".
//
// Shutdown order: RunContext kills every fiber first, then processes and
// threads, then extensions: the Kernel (owned here) goes last of what
// fibers could reference.
#ifndef AIOSIM_SCENARIOS_EXT_KERNEL_H_
#define AIOSIM_SCENARIOS_EXT_KERNEL_H_

#include <memory>

#include "scenarios/extension.h"

namespace scenarios {

std::unique_ptr<Extension> MakeKernelExtension();

}  // namespace scenarios

#endif  // AIOSIM_SCENARIOS_EXT_KERNEL_H_
