// Credentials, after include/linux/cred.h and kernel/cred.c, reduced to what
// the AIO layer needs: who a piece of work runs as (aio_fsync_work runs with
// the submitter's credentials, captured by prepare_creds) and capabilities
// (IOCB_FLAG_IOPRIO with the RT class needs CAP_SYS_ADMIN or CAP_SYS_NICE).
//
// Contract:
// - Every user process has one base cred (created on first use: uid 1000,
//   no capabilities, i.e. unprivileged); its threads share it. Kernel
//   threads run as root with every capability. set_process_capabilities()
//   changes a process's capabilities (the scenario's "privileged" switch).
// - prepare_creds() returns a new cred (one reference) copying the current
//   one; put_cred() drops a reference. override_creds() makes a cred the
//   current task's until revert_creds(); nesting works as in the kernel.
//
// Differences from the kernel: a cred is not attached to task_struct (the
// core has no credentials yet): base creds are kept by tgid and overrides
// by pid in the AIO state, so forked children start unprivileged instead
// of inheriting. Only uid and the effective capability set exist.
#ifndef AIOSIM_KERNEL_MODEL_CRED_H_
#define AIOSIM_KERNEL_MODEL_CRED_H_

#include <cstdint>

#include "kernel_model/arena.h"
#include "kernel_model/types.h"

namespace kernel {

struct task_struct;

// include/uapi/linux/capability.h
inline constexpr int CAP_SYS_ADMIN = 21;
inline constexpr int CAP_SYS_NICE = 23;
inline constexpr u64 CAP_FULL_SET = ~u64{0};
inline constexpr u64 cap_bit(int cap) { return u64{1} << cap; }

struct cred {
  arena_slot slot;
  int usage = 0;
  uid_t uid = 0;
  u64 cap_effective = 0;
  pid_t owner_tgid = 0;  // model: the process these were made for (0: kernel)
};

// The current task's effective credentials (never nullptr in task context;
// the kernel's cred in event context).
const cred* current_cred();
// A copy of current_cred() with one reference. Never fails.
cred* prepare_creds();
const cred* get_cred(const cred* c);
void put_cred(const cred* c);
// Makes `new_cred` current for this task; returns what was current before.
const cred* override_creds(const cred* new_cred);
void revert_creds(const cred* old);
// Does the current task have `cap` in its effective set?
bool capable(int cap);

// Model: sets the capabilities of p's process (every thread).
void set_process_capabilities(task_struct* p, u64 caps);

}  // namespace kernel

#endif  // AIOSIM_KERNEL_MODEL_CRED_H_
