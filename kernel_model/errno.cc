#include "kernel_model/errno.h"

#include <cstdlib>
#include <iterator>

namespace kernel {
namespace {

struct ErrnoName {
  int number;
  std::string_view name;
};

// Linux x86-64 numbering, including the kernel-private codes.
constexpr ErrnoName kNames[] = {
    {EPERM, "EPERM"},
    {ENOENT, "ENOENT"},
    {ESRCH, "ESRCH"},
    {EINTR, "EINTR"},
    {EIO, "EIO"},
    {ENXIO, "ENXIO"},
    {E2BIG, "E2BIG"},
    {ENOEXEC, "ENOEXEC"},
    {EBADF, "EBADF"},
    {ECHILD, "ECHILD"},
    {EAGAIN, "EAGAIN"},
    {ENOMEM, "ENOMEM"},
    {EACCES, "EACCES"},
    {EFAULT, "EFAULT"},
    {ENOTBLK, "ENOTBLK"},
    {EBUSY, "EBUSY"},
    {EEXIST, "EEXIST"},
    {EXDEV, "EXDEV"},
    {ENODEV, "ENODEV"},
    {ENOTDIR, "ENOTDIR"},
    {EISDIR, "EISDIR"},
    {EINVAL, "EINVAL"},
    {ENFILE, "ENFILE"},
    {EMFILE, "EMFILE"},
    {ENOTTY, "ENOTTY"},
    {ETXTBSY, "ETXTBSY"},
    {EFBIG, "EFBIG"},
    {ENOSPC, "ENOSPC"},
    {ESPIPE, "ESPIPE"},
    {EROFS, "EROFS"},
    {EMLINK, "EMLINK"},
    {EPIPE, "EPIPE"},
    {EDOM, "EDOM"},
    {ERANGE, "ERANGE"},
    {EDEADLK, "EDEADLK"},
    {ENAMETOOLONG, "ENAMETOOLONG"},
    {ENOLCK, "ENOLCK"},
    {ENOSYS, "ENOSYS"},
    {ENOTEMPTY, "ENOTEMPTY"},
    {ELOOP, "ELOOP"},
    {ENOMSG, "ENOMSG"},
    {EIDRM, "EIDRM"},
    {ENODATA, "ENODATA"},
    {ETIME, "ETIME"},
    {EOVERFLOW, "EOVERFLOW"},
    {EBADFD, "EBADFD"},
    {EILSEQ, "EILSEQ"},
    {ENOTSOCK, "ENOTSOCK"},
    {EDESTADDRREQ, "EDESTADDRREQ"},
    {EMSGSIZE, "EMSGSIZE"},
    {EPROTOTYPE, "EPROTOTYPE"},
    {ENOPROTOOPT, "ENOPROTOOPT"},
    {EPROTONOSUPPORT, "EPROTONOSUPPORT"},
    {ESOCKTNOSUPPORT, "ESOCKTNOSUPPORT"},
    {EOPNOTSUPP, "EOPNOTSUPP"},
    {EPFNOSUPPORT, "EPFNOSUPPORT"},
    {EAFNOSUPPORT, "EAFNOSUPPORT"},
    {EADDRINUSE, "EADDRINUSE"},
    {EADDRNOTAVAIL, "EADDRNOTAVAIL"},
    {ENETDOWN, "ENETDOWN"},
    {ECONNABORTED, "ECONNABORTED"},
    {ECONNRESET, "ECONNRESET"},
    {ENOBUFS, "ENOBUFS"},
    {EISCONN, "EISCONN"},
    {ENOTCONN, "ENOTCONN"},
    {ESHUTDOWN, "ESHUTDOWN"},
    {ETIMEDOUT, "ETIMEDOUT"},
    {ECONNREFUSED, "ECONNREFUSED"},
    {EALREADY, "EALREADY"},
    {EINPROGRESS, "EINPROGRESS"},
    {ESTALE, "ESTALE"},
    {EDQUOT, "EDQUOT"},
    {ECANCELED, "ECANCELED"},
    {EOWNERDEAD, "EOWNERDEAD"},
    {ENOTRECOVERABLE, "ENOTRECOVERABLE"},
    {ERESTARTSYS, "ERESTARTSYS"},
    {ERESTARTNOINTR, "ERESTARTNOINTR"},
    {ERESTARTNOHAND, "ERESTARTNOHAND"},
    {ENOIOCTLCMD, "ENOIOCTLCMD"},
    {ERESTART_RESTARTBLOCK, "ERESTART_RESTARTBLOCK"},
    {ENOTSUPP, "ENOTSUPP"},
    {EIOCBQUEUED, "EIOCBQUEUED"},
    {ERECALLCONDITION, "ERECALLCONDITION"},
    {EIOCBRETRY, "EIOCBRETRY"},
};

}  // namespace

std::string_view errno_name(long err) {
  long n = err < 0 ? -err : err;
  for (const ErrnoName& e : kNames) {
    if (e.number == n) return e.name;
  }
  return "E?";
}

int errno_from_name(std::string_view name) {
  for (const ErrnoName& e : kNames) {
    if (e.name == name) return e.number;
  }
  // Aliases spelled in man pages.
  if (name == "EWOULDBLOCK") return EAGAIN;
  if (name == "ENOTSUP") return EOPNOTSUPP;
  return 0;
}

}  // namespace kernel
