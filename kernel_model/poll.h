// Poll and epoll event bits, after include/uapi/linux/eventpoll.h and
// include/uapi/asm-generic/poll.h.
//
// POLL* are the host's <poll.h> macros (identical on x86-64 Linux, pinned
// below); POLLFREE is kernel-only. The kernel's own code uses the EPOLL*
// names, which live here as constants in namespace kernel (the host's
// <sys/epoll.h> defines them as enumerators, so macros would collide).
#ifndef AIOSIM_KERNEL_MODEL_POLL_H_
#define AIOSIM_KERNEL_MODEL_POLL_H_

#include <poll.h>

#include "kernel_model/types.h"

static_assert(POLLIN == 0x1 && POLLPRI == 0x2 && POLLOUT == 0x4 && POLLERR == 0x8 &&
                  POLLHUP == 0x10 && POLLNVAL == 0x20 && POLLRDNORM == 0x40 &&
                  POLLRDBAND == 0x80 && POLLWRNORM == 0x100 && POLLWRBAND == 0x200 &&
                  POLLMSG == 0x400 && POLLRDHUP == 0x2000,
              "host poll bits differ from Linux");
#ifndef POLLFREE
#define POLLFREE 0x4000
#endif

namespace kernel {

inline constexpr __poll_t EPOLLIN = 0x00000001;
inline constexpr __poll_t EPOLLPRI = 0x00000002;
inline constexpr __poll_t EPOLLOUT = 0x00000004;
inline constexpr __poll_t EPOLLERR = 0x00000008;
inline constexpr __poll_t EPOLLHUP = 0x00000010;
inline constexpr __poll_t EPOLLNVAL = 0x00000020;
inline constexpr __poll_t EPOLLRDNORM = 0x00000040;
inline constexpr __poll_t EPOLLRDBAND = 0x00000080;
inline constexpr __poll_t EPOLLWRNORM = 0x00000100;
inline constexpr __poll_t EPOLLWRBAND = 0x00000200;
inline constexpr __poll_t EPOLLMSG = 0x00000400;
inline constexpr __poll_t EPOLLRDHUP = 0x00002000;
inline constexpr __poll_t EPOLL_URING_WAKE = 1u << 27;
inline constexpr __poll_t EPOLLEXCLUSIVE = 1u << 28;
inline constexpr __poll_t EPOLLWAKEUP = 1u << 29;
inline constexpr __poll_t EPOLLONESHOT = 1u << 30;
inline constexpr __poll_t EPOLLET = 1u << 31;

inline constexpr __poll_t EPOLLINOUT_BITS = EPOLLIN | EPOLLOUT;
// What vfs_poll reports for a file without a poll method.
inline constexpr __poll_t DEFAULT_POLLMASK = EPOLLIN | EPOLLOUT | EPOLLRDNORM | EPOLLWRNORM;

}  // namespace kernel

#endif  // AIOSIM_KERNEL_MODEL_POLL_H_
