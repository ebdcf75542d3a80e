// The call families the kernel extension registers, one file each:
//   ext_constants.cc    errno names, O_*, SEEK_*, POLL*, EPOLL*, EFD_*, RWF_*,
//                       IOCB_CMD_*, IOCB_FLAG_*, SIG*, PROT_*, SOCK_*, BAD_PTR
//   ext_user_memory.cc  alloc, mmap, munmap, mprotect, fill, bytes, text,
//                       peek, poke, file, persisted
//   ext_file_calls.cc   open, close, read, write, pread64, pwrite64, readv,
//                       writev, preadv2, pwritev2, lseek, fsync, fdatasync,
//                       ftruncate, truncate, unlink, dup, dup2, fcntl
//   ext_ipc_calls.cc    pipe2, socketpair, shutdown, eventfd, eventfd_read,
//                       eventfd_write, epoll_create1, epoll_ctl, epoll_wait
//   ext_signal_calls.cc getpid, gettid, kill, tgkill, sigaction,
//                       sigprocmask, signals_delivered, nanosleep, sched_yield
//   ext_aio_calls.cc    io_setup, io_destroy, io_submit, io_cancel,
//                       io_getevents, io_pgetevents, the iocb constructors,
//                       ring, ring_event, ring_set_head, ring_reap, event_for
//   ext_stats.cc        dev_stats, cache_stats, blk_requests, aio_stats
// Every syscall returns what the raw syscall returns in the kernel's
// convention: a count or handle, or -errno.
#ifndef AIOSIM_SCENARIOS_EXT_CALLS_H_
#define AIOSIM_SCENARIOS_EXT_CALLS_H_

#include "scenarios/calls.h"

namespace scenarios::kext {

struct KernelWorld;

void RegisterConstants(CallRegistry& calls);
void RegisterFileCalls(CallRegistry& calls);
void RegisterIpcCalls(CallRegistry& calls);
void RegisterSignalCalls(CallRegistry& calls);
void RegisterAioCalls(CallRegistry& calls, KernelWorld* world);
// RegisterMemoryCalls: ext_user_memory.h; RegisterStatsCalls: ext_stats.h.

}  // namespace scenarios::kext

#endif  // AIOSIM_SCENARIOS_EXT_CALLS_H_
