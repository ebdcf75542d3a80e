// Error numbers: Linux x86-64 values, the kernel-private restart codes, and
// the one model-private code.
//
// The simulated kernel returns -errno exactly as Linux does. The user-visible
// numbers (EPERM 1 ... EHWPOISON 133) are the host libc's macros, which on
// x86-64 Linux are the kernel's own; static_asserts below pin the ones the
// model relies on so a foreign host fails to compile instead of drifting.
//
// Kernel-private codes (include/linux/errno.h) never reach user space: the
// syscall exit path turns the restart family into -EINTR or a restart (see
// syscall_exit_to_user_mode in signal.h), and -EIOCBQUEUED means "the I/O
// will complete later through kiocb::ki_complete".
//
// EIOCBRETRY is model-private: the 2.6-era retry-based AIO patches used 530,
// a number today's kernel gives to ERECALLCONDITION, so the model puts it at
// 600 (inside the kernel-private range 512..4095, unused by Linux). It means
// "a wait entry is queued; the iocb will be kicked and retried".
#ifndef AIOSIM_KERNEL_MODEL_ERRNO_H_
#define AIOSIM_KERNEL_MODEL_ERRNO_H_

#include <cerrno>
#include <string_view>

static_assert(EPERM == 1 && ENOENT == 2 && EINTR == 4 && EIO == 5 && EBADF == 9 &&
                  EAGAIN == 11 && ENOMEM == 12 && EFAULT == 14 && EEXIST == 17 &&
                  EINVAL == 22 && EMFILE == 24 && EFBIG == 27 && ENOSPC == 28 &&
                  ESPIPE == 29 && EPIPE == 32 && ELOOP == 40 && ENOSYS == 38 &&
                  EOPNOTSUPP == 95 && ECONNRESET == 104 && ETIME == 62 && ETIMEDOUT == 110 &&
                  EINPROGRESS == 115 && ECANCELED == 125,
              "host errno values differ from Linux x86-64");

// Kernel-private (include/linux/errno.h).
#define ERESTARTSYS 512
#define ERESTARTNOINTR 513
#define ERESTARTNOHAND 514
#define ENOIOCTLCMD 515
#define ERESTART_RESTARTBLOCK 516
#define EPROBE_DEFER 517
#define EOPENSTALE 518
#define ENOPARAM 519
#define EBADHANDLE 521
#define ENOTSYNC 522
#define EBADCOOKIE 523
#define ENOTSUPP 524
#define ETOOSMALL 525
#define ESERVERFAULT 526
#define EBADTYPE 527
#define EJUKEBOX 528
#define EIOCBQUEUED 529
#define ERECALLCONDITION 530
// Model-private (see the header comment).
#define EIOCBRETRY 600

// include/linux/err.h: the top 4095 values of a pointer encode -errno.
#define MAX_ERRNO 4095

namespace kernel {

// "EAGAIN" for 11 (sign ignored); "E?" for an unknown number.
std::string_view errno_name(long err);
// The number for a name ("EAGAIN" -> 11), or 0 if unknown.
int errno_from_name(std::string_view name);

}  // namespace kernel

#endif  // AIOSIM_KERNEL_MODEL_ERRNO_H_
