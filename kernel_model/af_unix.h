// Connected AF_UNIX stream socket pairs, after net/unix/af_unix.c and
// net/core/sock.c, with a configurable link between the two ends.
//
// Each direction is a link with a one-way latency and a bandwidth: a chunk
// written at time t starts transmitting when the link is free
// (tx_start = max(t, link_free)), occupies it for ceil(len * 1e9 /
// bandwidth) ns, and becomes readable at the peer at tx_start + that +
// latency, delivered by a sim event in order. With latency 0 and unlimited
// bandwidth (the defaults) delivery is synchronous inside write(), exactly
// as Linux's unix sockets.
//
// Kernel semantics kept:
// - Send buffer: bytes in flight plus bytes unread at the peer count against
//   the writer's sndbuf (the kernel's sk_wmem_alloc). A write sends chunks of
//   at most sndbuf/2 bytes, each once the count is below sndbuf; otherwise it
//   blocks (interruptibly) or returns -EAGAIN / the bytes sent so far.
// - Reads return what has arrived (up to the buffer), blocking while none
//   has unless O_NONBLOCK (-EAGAIN); 0 once the peer shut down and
//   everything before the shutdown was read.
// - One wait queue per socket, for readers and writers. Arrival wakes the
//   receiver with EPOLLIN|EPOLLPRI|EPOLLRDNORM|EPOLLRDBAND (0xc3, the
//   kernel's sock_def_readable); consuming data wakes the writer with
//   EPOLLOUT|EPOLLWRNORM|EPOLLWRBAND (0x304) once it is writable again
//   (unread+in-flight <= sndbuf/4); a shutdown wakes all with no key.
// - Closing one end: the peer's sk_shutdown becomes SHUTDOWN_MASK, carried
//   on the link behind the data already sent; if the closing end had unread
//   data the peer also gets ECONNRESET. Writing to a shut-down peer: SIGPIPE
//   and -EPIPE.
// - poll: EPOLLERR on a socket error, EPOLLHUP when fully shut down,
//   EPOLLRDHUP|EPOLLIN|EPOLLRDNORM when the peer shut down writing,
//   EPOLLIN|EPOLLRDNORM with data, EPOLLOUT|EPOLLWRNORM|EPOLLWRBAND when
//   writable.
// Differences: only SOCK_STREAM pairs; no ancillary data, no MSG_* flags
// beyond those named; shutdown(2) is SHUT_WR/SHUT_RD/SHUT_RDWR on the pair.
#ifndef AIOSIM_KERNEL_MODEL_AF_UNIX_H_
#define AIOSIM_KERNEL_MODEL_AF_UNIX_H_

#include <sys/socket.h>

#include <deque>
#include <vector>

#include "kernel_model/fs.h"
#include "kernel_model/wait.h"

static_assert(AF_UNIX == 1 && SOCK_STREAM == 1 && SOCK_DGRAM == 2 && SOCK_NONBLOCK == 04000 &&
                  SOCK_CLOEXEC == 02000000 && SHUT_RD == 0 && SHUT_WR == 1 && SHUT_RDWR == 2,
              "socket constants");

namespace kernel {

inline constexpr int RCV_SHUTDOWN = 1;
inline constexpr int SEND_SHUTDOWN = 2;
inline constexpr int SHUTDOWN_MASK = 3;

struct unix_sock;

// One chunk on the wire or in the receive queue.
struct unix_skb {
  std::vector<u8> data;
  size_t consumed = 0;  // bytes already read
};

struct unix_sock {
  wait_queue_head wait{"unix_sock"};  // sk_wq->wait
  unix_sock* peer = nullptr;
  std::deque<unix_skb> receive_queue;  // arrived, unread
  int sk_shutdown = 0;                 // RCV_SHUTDOWN | SEND_SHUTDOWN
  int sk_err = 0;                      // positive errno, reported once
  bool dead = false;                   // this end was closed
  // Send side (this end -> peer): link parameters and accounting.
  sim::SimTime latency_ns = 0;
  u64 bandwidth_bytes_per_s = 0;  // 0: unlimited
  unsigned sndbuf = 212992;
  sim::SimTime link_free_at = 0;   // when the link finishes the last chunk
  sim::SimTime last_arrival = 0;   // arrival time of the last chunk sent
  u64 wmem_alloc = 0;              // in flight + unread at the peer
  size_t in_flight_events = 0;     // arrivals scheduled and not yet fired
  file* file_ = nullptr;
  uint64_t id = 0;
  int refs = 1;  // the file, plus one per pending arrival event
};

extern const file_operations socket_file_ops;

// socketpair(2): writes two fds at usockvec. family must be AF_UNIX, type
// SOCK_STREAM (| SOCK_NONBLOCK | SOCK_CLOEXEC), protocol 0. Errors:
// -EAFNOSUPPORT, -ESOCKTNOSUPPORT (other types), -EPROTONOSUPPORT,
// -EINVAL (unknown type flags), -EMFILE, -EFAULT.
long sys_socketpair(int family, int type, int protocol, user_ptr usockvec);
// shutdown(2): -EBADF, -ENOTSOCK, -EINVAL (how).
long sys_shutdown(int fd, int how);
// Sets the link from this end to its peer (latency, bandwidth; 0 =
// unlimited) and optionally the send buffer (0 keeps it). -ENOTSOCK if f is
// not a socket.
int unix_set_link(file* f, sim::SimTime latency_ns, u64 bandwidth_bytes_per_s, unsigned sndbuf);
unix_sock* unix_sk_of(file* f);
// The time (ns) a chunk of len bytes takes on a link of this bandwidth.
sim::SimTime unix_tx_time_ns(u64 len, u64 bandwidth_bytes_per_s);

}  // namespace kernel

#endif  // AIOSIM_KERNEL_MODEL_AF_UNIX_H_
