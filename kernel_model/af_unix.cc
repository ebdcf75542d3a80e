// AF_UNIX stream socket pairs with a modelled link (net/unix/af_unix.c,
// net/core/sock.c). See af_unix.h.
#include "kernel_model/af_unix.h"

#include <algorithm>
#include <string>

#include "kernel_model/mm.h"
#include "kernel_model/signal.h"
#include "sim/check.h"

namespace kernel {

namespace {

unix_sock* sk_of(file* f) { return static_cast<unix_sock*>(f->private_data); }

void sock_put(unix_sock* sk) {
  SIM_CHECK(sk->refs > 0) << "unix_sock refcount underflow";
  if (--sk->refs == 0) delete sk;
}

// unix_writable: at most a quarter of the send buffer in use.
bool unix_writable(const unix_sock* sk) { return (sk->wmem_alloc << 2) <= sk->sndbuf; }

void sock_def_readable(unix_sock* sk) {
  if (waitqueue_active(&sk->wait))
    wake_up_interruptible_sync_poll(&sk->wait, EPOLLIN | EPOLLPRI | EPOLLRDNORM | EPOLLRDBAND);
}

void unix_write_space(unix_sock* sk) {
  if (unix_writable(sk) && waitqueue_active(&sk->wait))
    wake_up_interruptible_sync_poll(&sk->wait, EPOLLOUT | EPOLLWRNORM | EPOLLWRBAND);
}

void sk_state_change(unix_sock* sk) {
  if (waitqueue_active(&sk->wait)) wake_up_interruptible_all(&sk->wait);
}

// Data reaches the receiver: `from` sent it, `to` reads it.
void deliver(unix_sock* from, unix_sock* to, unix_skb skb) {
  if (to->dead) {
    // Nobody will read it: the sender's accounting is released.
    from->wmem_alloc -= skb.data.size();
    unix_write_space(from);
    return;
  }
  to->receive_queue.push_back(std::move(skb));
  sock_def_readable(to);
}

// The peer's shutdown travels behind the data already sent.
void deliver_shutdown(unix_sock* to, int err) {
  if (err) to->sk_err = err;
  to->sk_shutdown = SHUTDOWN_MASK;
  sk_state_change(to);
}

// Sends one chunk from `sk` to its peer over the link.
void send_chunk(unix_sock* sk, std::vector<u8> data) {
  Kernel* k = Kernel::Current();
  unix_sock* peer = sk->peer;
  const u64 len = data.size();
  sk->wmem_alloc += len;
  const sim::SimTime now = k->sched.Now();
  const sim::SimTime tx = unix_tx_time_ns(len, sk->bandwidth_bytes_per_s);
  if (sk->latency_ns == 0 && tx == 0 && sk->in_flight_events == 0) {
    unix_skb skb;
    skb.data = std::move(data);
    deliver(sk, peer, std::move(skb));
    return;
  }
  const sim::SimTime start = std::max(now, sk->link_free_at);
  sk->link_free_at = sim::AddTime(start, tx);
  const sim::SimTime arrival = std::max(sim::AddTime(sk->link_free_at, sk->latency_ns), sk->last_arrival);
  sk->last_arrival = arrival;
  ++sk->in_flight_events;
  ++sk->refs;
  ++peer->refs;
  k->sched.At(arrival, [sk, peer, d = std::move(data)]() mutable {
    --sk->in_flight_events;
    unix_skb skb;
    skb.data = std::move(d);
    deliver(sk, peer, std::move(skb));
    sock_put(sk);
    sock_put(peer);
  });
}

// Holds a reference on a socket for the length of a call that may sleep.
struct sock_ref {
  unix_sock* sk;
  explicit sock_ref(unix_sock* s) : sk(s) {
    if (sk) ++sk->refs;
  }
  ~sock_ref() {
    if (sk) sock_put(sk);
  }
  sock_ref(const sock_ref&) = delete;
  sock_ref& operator=(const sock_ref&) = delete;
};

ssize_t unix_stream_sendmsg(kiocb* iocb, iov_iter* from) {
  file* f = iocb->ki_filp;
  unix_sock* sk = sk_of(f);
  unix_sock* other = sk->peer;
  sock_ref hold(other);
  size_t len = iov_iter_count(from);
  ssize_t sent = 0;
  if (sk->sk_shutdown & SEND_SHUTDOWN || !other || other->dead || (other->sk_shutdown & RCV_SHUTDOWN)) {
    send_sig(SIGPIPE, current(), 0);
    return -EPIPE;
  }
  if (len == 0) return 0;
  const size_t max_chunk = std::max<size_t>(sk->sndbuf / 2, 1);
  while (static_cast<size_t>(sent) < len) {
    // sock_alloc_send_pskb: wait for send-buffer room.
    while (sk->wmem_alloc >= sk->sndbuf) {
      if ((f->f_flags & O_NONBLOCK) || (iocb->ki_flags & IOCB_NOWAIT)) return sent ? sent : -EAGAIN;
      if (signal_pending(current())) return sent ? sent : -ERESTARTSYS;
      wait_event_interruptible(sk->wait, [sk, other] {
        return sk->wmem_alloc < sk->sndbuf || other->dead || (sk->sk_shutdown & SEND_SHUTDOWN) ||
               (other->sk_shutdown & RCV_SHUTDOWN);
      });
      if (other->dead || (sk->sk_shutdown & SEND_SHUTDOWN) || (other->sk_shutdown & RCV_SHUTDOWN)) {
        if (sent) return sent;
        send_sig(SIGPIPE, current(), 0);
        return -EPIPE;
      }
    }
    if (sk->peer != other) {  // the peer went away meanwhile
      if (sent) return sent;
      send_sig(SIGPIPE, current(), 0);
      return -EPIPE;
    }
    const size_t size = std::min(len - static_cast<size_t>(sent), max_chunk);
    std::vector<u8> data(size);
    const size_t copied = copy_from_iter(data.data(), size, from);
    if (copied < size) return sent ? sent : -EFAULT;
    send_chunk(sk, std::move(data));
    sent += static_cast<ssize_t>(size);
  }
  return sent;
}

ssize_t unix_stream_recvmsg(kiocb* iocb, iov_iter* to) {
  file* f = iocb->ki_filp;
  unix_sock* sk = sk_of(f);
  size_t size = iov_iter_count(to);
  ssize_t copied = 0;
  if (size == 0) return 0;
  for (;;) {
    if (sk->receive_queue.empty()) {
      if (copied) break;
      if (sk->sk_err) {
        int err = sk->sk_err;
        sk->sk_err = 0;
        return -err;
      }
      if (sk->sk_shutdown & RCV_SHUTDOWN) break;  // EOF
      if ((f->f_flags & O_NONBLOCK) || (iocb->ki_flags & IOCB_NOWAIT)) return -EAGAIN;
      if (wait_event_interruptible(sk->wait, [sk] {
            return !sk->receive_queue.empty() || sk->sk_err || (sk->sk_shutdown & RCV_SHUTDOWN);
          }))
        return -ERESTARTSYS;
      continue;
    }
    unix_skb& skb = sk->receive_queue.front();
    const size_t avail = skb.data.size() - skb.consumed;
    const size_t chunk = std::min(avail, size - static_cast<size_t>(copied));
    const size_t done = copy_to_iter(skb.data.data() + skb.consumed, chunk, to);
    if (done < chunk) {
      if (!copied) copied = -EFAULT;
      break;
    }
    skb.consumed += chunk;
    copied += static_cast<ssize_t>(chunk);
    if (skb.consumed == skb.data.size()) {
      const u64 n = skb.data.size();
      sk->receive_queue.pop_front();
      // sock_wfree: the sender's buffer space comes back.
      if (unix_sock* sender = sk->peer) {
        sender->wmem_alloc -= n;
        unix_write_space(sender);
      }
    }
    if (static_cast<size_t>(copied) == size) break;
  }
  return copied;
}

__poll_t unix_poll(file* f, poll_table* wait) {
  unix_sock* sk = sk_of(f);
  poll_wait(f, &sk->wait, wait);
  __poll_t mask = 0;
  if (sk->sk_err) mask |= EPOLLERR;
  if (sk->sk_shutdown == SHUTDOWN_MASK) mask |= EPOLLHUP;
  if (sk->sk_shutdown & RCV_SHUTDOWN) mask |= EPOLLRDHUP | EPOLLIN | EPOLLRDNORM;
  if (!sk->receive_queue.empty()) mask |= EPOLLIN | EPOLLRDNORM;
  if (unix_writable(sk)) mask |= EPOLLOUT | EPOLLWRNORM | EPOLLWRBAND;
  return mask;
}

// Sends `sk`'s end-of-stream to its peer, behind the data in flight.
void send_shutdown(unix_sock* sk, int err) {
  unix_sock* peer = sk->peer;
  if (!peer) return;
  Kernel* k = Kernel::Current();
  if (sk->in_flight_events == 0 && sk->latency_ns == 0) {
    deliver_shutdown(peer, err);
    return;
  }
  const sim::SimTime at = std::max(sim::AddTime(k->sched.Now(), sk->latency_ns), sk->last_arrival);
  ++peer->refs;
  k->sched.At(at, [peer, err] {
    deliver_shutdown(peer, err);
    sock_put(peer);
  });
}

int unix_release(inode*, file* f) {
  unix_sock* sk = sk_of(f);
  sk->dead = true;
  sk->sk_shutdown = SHUTDOWN_MASK;
  unix_sock* peer = sk->peer;
  if (peer) {
    // Unread data here resets the peer's connection.
    const int err = sk->receive_queue.empty() ? 0 : ECONNRESET;
    // What we never read no longer counts against the peer's send buffer.
    u64 unread = 0;
    for (const unix_skb& skb : sk->receive_queue) unread += skb.data.size() - skb.consumed;
    sk->receive_queue.clear();
    peer->wmem_alloc -= std::min(peer->wmem_alloc, unread);
    unix_write_space(peer);
    send_shutdown(sk, err);
    peer->peer = nullptr;
    sk->peer = nullptr;
    sock_put(peer);  // sk's reference to its peer
    sock_put(sk);    // the peer's reference to sk
  }
  sk_state_change(sk);
  sock_put(sk);  // the file's reference
  return 0;
}

}  // namespace

const file_operations socket_file_ops = {
    .name = "socket",
    .llseek = no_llseek,
    .read_iter = unix_stream_recvmsg,
    .write_iter = unix_stream_sendmsg,
    .poll = unix_poll,
    .release = unix_release,
};

sim::SimTime unix_tx_time_ns(u64 len, u64 bandwidth_bytes_per_s) {
  if (bandwidth_bytes_per_s == 0 || len == 0) return 0;
  const unsigned __int128 num = static_cast<unsigned __int128>(len) * 1000000000u;
  const unsigned __int128 t = (num + bandwidth_bytes_per_s - 1) / bandwidth_bytes_per_s;
  return t > static_cast<unsigned __int128>(sim::kNever) ? sim::kNever : static_cast<sim::SimTime>(t);
}

unix_sock* unix_sk_of(file* f) { return f->f_op == &socket_file_ops ? sk_of(f) : nullptr; }

int unix_set_link(file* f, sim::SimTime latency_ns, u64 bandwidth_bytes_per_s, unsigned sndbuf) {
  unix_sock* sk = unix_sk_of(f);
  if (!sk) return -ENOTSOCK;
  if (latency_ns < 0) return -EINVAL;
  sk->latency_ns = latency_ns;
  sk->bandwidth_bytes_per_s = bandwidth_bytes_per_s;
  if (sndbuf) sk->sndbuf = sndbuf;
  return 0;
}

long sys_socketpair(int family, int type, int protocol, user_ptr usockvec) {
  const int flags = type & (SOCK_NONBLOCK | SOCK_CLOEXEC);
  const int base = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC | 0xf)) return -EINVAL;
  if (family != AF_UNIX) return -EAFNOSUPPORT;
  if (base != SOCK_STREAM) return -ESOCKTNOSUPPORT;
  if (protocol != 0) return -EPROTONOSUPPORT;
  Kernel* k = Kernel::Current();
  const unsigned fflags = O_RDWR | ((flags & SOCK_NONBLOCK) ? O_NONBLOCK : 0);
  int fd1 = get_unused_fd_flags((flags & SOCK_CLOEXEC) ? O_CLOEXEC : 0);
  if (fd1 < 0) return fd1;
  int fd2 = get_unused_fd_flags((flags & SOCK_CLOEXEC) ? O_CLOEXEC : 0);
  if (fd2 < 0) {
    put_unused_fd(static_cast<unsigned>(fd1));
    return fd2;
  }
  unix_sock* a = new unix_sock;
  unix_sock* b = new unix_sock;
  for (unix_sock* s : {a, b}) {
    s->id = k->next_id();
    s->latency_ns = k->opts.unix_latency_ns;
    s->bandwidth_bytes_per_s = k->opts.unix_bandwidth_bytes_per_s;
    s->sndbuf = k->opts.unix_sndbuf_bytes;
  }
  // Each holds a reference on its peer, as unix_peer does.
  a->peer = b;
  b->peer = a;
  ++a->refs;
  ++b->refs;
  file* fa = alloc_file_pseudo("socket:[" + std::to_string(a->id) + "]", fflags, &socket_file_ops, a);
  file* fb = alloc_file_pseudo("socket:[" + std::to_string(b->id) + "]", fflags, &socket_file_ops, b);
  for (file* f : {fa, fb}) {
    stream_open(nullptr, f);
    f->f_mode |= FMODE_NOWAIT;
  }
  a->file_ = fa;
  b->file_ = fb;
  int fds[2] = {fd1, fd2};
  if (copy_to_user(usockvec, fds, sizeof(fds))) {
    put_unused_fd(static_cast<unsigned>(fd1));
    put_unused_fd(static_cast<unsigned>(fd2));
    fput(fa);
    fput(fb);
    return -EFAULT;
  }
  fd_install(static_cast<unsigned>(fd1), fa);
  fd_install(static_cast<unsigned>(fd2), fb);
  return 0;
}

long sys_shutdown(int fd, int how) {
  if (fd < 0) return -EBADF;
  file* f = fget(static_cast<unsigned>(fd));
  if (!f) return -EBADF;
  unix_sock* sk = unix_sk_of(f);
  long ret = 0;
  if (!sk) {
    ret = -ENOTSOCK;
  } else if (how < SHUT_RD || how > SHUT_RDWR) {
    ret = -EINVAL;
  } else {
    // SHUT_RD 0 -> RCV_SHUTDOWN, SHUT_WR 1 -> SEND_SHUTDOWN, SHUT_RDWR both.
    const int mode = how + 1;
    sk->sk_shutdown |= mode;
    sk_state_change(sk);
    if (unix_sock* peer = sk->peer) {
      int peer_mode = 0;
      if (mode & RCV_SHUTDOWN) peer_mode |= SEND_SHUTDOWN;
      if (mode & SEND_SHUTDOWN) peer_mode |= RCV_SHUTDOWN;
      if (peer_mode & RCV_SHUTDOWN) {
        // Behind the data in flight.
        Kernel* k = Kernel::Current();
        if (sk->in_flight_events == 0 && sk->latency_ns == 0) {
          peer->sk_shutdown |= peer_mode;
          sk_state_change(peer);
        } else {
          const sim::SimTime at =
              std::max(sim::AddTime(k->sched.Now(), sk->latency_ns), sk->last_arrival);
          ++peer->refs;
          k->sched.At(at, [peer, peer_mode] {
            peer->sk_shutdown |= peer_mode;
            sk_state_change(peer);
            sock_put(peer);
          });
        }
      } else {
        peer->sk_shutdown |= peer_mode;
        sk_state_change(peer);
      }
    }
  }
  fput(f);
  return ret;
}

}  // namespace kernel
