// Linux AIO: the six syscalls, process-exit teardown, and the run-level
// controls (design, sysctls, leak check). Models fs/aio.c (6.x); the
// objects are in aio_types.h, the ABI in aio_abi.h, the designs in
// aio_design.h, and the reference behaviour in /work/shared/AIO_REFERENCE.md.
//
// Calling convention: every sys_io_* runs in the calling task's context
// (a fiber bound to a task_struct with an mm), takes simulated user
// addresses (user_ptr) and returns what the kernel's syscall returns: a
// count or -errno, including the kernel-private restart codes where Linux
// returns them (io_pgetevents: -ERESTARTNOHAND), which the syscall exit
// path (signal.h, do_syscall) turns into -EINTR or a restart.
//
// Where the model differs from Linux on purpose, aio_types.h and
// docs/aio-model.md say so.
#ifndef AIOSIM_KERNEL_MODEL_AIO_H_
#define AIOSIM_KERNEL_MODEL_AIO_H_

#include <cstddef>
#include <string_view>

#include "kernel_model/aio_abi.h"
#include "kernel_model/aio_types.h"
#include "kernel_model/kernel.h"
#include "kernel_model/types.h"

namespace kernel {

// --- the run's AIO layer ---
// The current Kernel's AIO state, created on first use (which also registers
// exit_aio as an mmput hook and selects the "mainline" design). Inline for
// the common case, where it exists.
aio_state* aio_get_state_slow();
inline aio_state* aio_get_state() {
  Kernel* k = Kernel::Current();
  if (k != nullptr && k->aio) [[likely]] return k->aio.get();
  return aio_get_state_slow();
}
// Selects the design for contexts created from now on. 0, or -EINVAL for an
// unknown name (aio_designs() lists them).
int aio_set_design(std::string_view name);
const aio_design* aio_current_design();
// /proc/sys/fs/aio-nr and aio-max-nr.
unsigned long aio_nr();
unsigned long aio_max_nr();
void set_aio_max_nr(unsigned long max);

// --- the syscalls (each lists its errors in the kernel's order) ---
long sys_io_setup(unsigned nr_events, user_ptr ctxp);
long sys_io_destroy(aio_context_t ctx);
long sys_io_submit(aio_context_t ctx_id, long nr, user_ptr iocbpp);
long sys_io_cancel(aio_context_t ctx_id, user_ptr iocb, user_ptr result);
long sys_io_getevents(aio_context_t ctx_id, long min_nr, long nr, user_ptr events,
                      user_ptr timeout);
long sys_io_pgetevents(aio_context_t ctx_id, long min_nr, long nr, user_ptr events,
                       user_ptr timeout, user_ptr usig);

// Kills every context of mm and waits (uninterruptibly, when called from a
// task) until their requests are done. Run by __mmput through the Kernel's
// mmput hooks; safe to call again (the table is gone after the first call).
void exit_aio(mm_struct* mm);

// --- end-of-run checks and introspection ---
// Reports every kioctx and aio_kiocb still alive as a (non-fatal) violation
// on the run's Scheduler, one per object, and returns how many there were.
// Call it after every process has exited and the scheduler went idle.
size_t aio_check_leaks();
// The live context with this handle in mm's table, without taking a
// reference (nullptr if none). For tests and reports.
kioctx* aio_find_ioctx(mm_struct* mm, aio_context_t ctx_id);
// Bytes of host memory one aio_kiocb costs (object + arena slot pointer).
size_t aio_kiocb_bytes();

}  // namespace kernel

#endif  // AIOSIM_KERNEL_MODEL_AIO_H_
