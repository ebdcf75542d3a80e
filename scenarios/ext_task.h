// Binding scenario threads to kernel tasks, and the return path of every
// syscall a scenario makes.
//
// kernel_model/sched.h creates tasks together with their fibers
// (create_process, create_thread); a scenario thread's fiber already exists
// (the runner spawned it), so AdoptFiber makes the task around it: the
// same steps as create_thread (a new pid in the leader's thread group,
// sharing its mm, fd table and signal handlers) except that the fiber is
// the calling one. ExitTask runs the kernel's exit path for it (do_exit:
// exit_mm, exit_files, the last thread of the group also exit hooks and
// mmput -> exit_aio).
//
// Syscall() is what a raw syscall does on return to user space: it runs
// the kernel function, then syscall_exit_to_user_mode (signal delivery,
// restart codes become -EINTR or a restart). A fatal signal ends the
// thread: its task exits and the scenario thread stops quietly (its
// remaining statements do not run), like a killed program.
//
// Both ExitTask and the fatal path use the kernel's task body wrapper
// (run_task_body, declared in sched.h, which catches do_exit's unwinding), so the
// kernel's own exit code runs unchanged.
#ifndef AIOSIM_SCENARIOS_EXT_TASK_H_
#define AIOSIM_SCENARIOS_EXT_TASK_H_

#include <functional>
#include <string>

#include "kernel_model/sched.h"
#include "scenarios/calls.h"

namespace scenarios::kext {

// A new user process whose group leader runs `fn` on a fiber of its own
// (create_process's steps: a fresh mm, an empty fd table, default signal
// dispositions), except that the fiber is a daemon: the leader waits for
// the scenario's threads, and a deadlock report should name those threads,
// not it. Its signal mask blocks everything it may. Returning from fn
// exits the group.
kernel::task_struct* CreateProcessLeader(std::string comm, std::function<int()> fn);

// A new task in leader's thread group bound to the current fiber (which
// must not have a task yet). Its signal mask is empty. If the group is
// already exiting the task starts with SIGKILL pending (its first syscall
// ends it).
kernel::task_struct* AdoptFiber(kernel::task_struct* leader, std::string comm);

// Runs the kernel's exit path for `t` on the current fiber (its own):
// do_exit(code). May sleep (the group's last thread waits in exit_aio).
void ExitTask(kernel::task_struct* t, long code);

// Returns what `ret` becomes on the way back to user space (see above). On
// a fatal signal: exits the task and ends the calling scenario thread.
long ReturnToUser(CallContext& ctx, long ret);

// fn() then ReturnToUser, re-issuing fn while the kernel asks for a restart
// (-ERESTARTNOINTR), as the kernel's syscall loop does.
long Syscall(CallContext& ctx, const std::function<long()>& fn);

}  // namespace scenarios::kext

#endif  // AIOSIM_SCENARIOS_EXT_TASK_H_
