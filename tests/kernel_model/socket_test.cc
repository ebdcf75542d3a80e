// AF_UNIX socket pairs with a modelled link: arrival times from latency and
// bandwidth, EOF behind the data, EPIPE, the send buffer, wake-up keys.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "kernel_model/af_unix.h"
#include "kernel_model/read_write.h"
#include "kernel_model/signal.h"
#include "tests/kernel_model/world.h"

using namespace kernel;
using kernel_test::uget;
using kernel_test::uget_val;
using kernel_test::uput;
using kernel_test::World;

namespace {
std::pair<unsigned, unsigned> make_pair_fds(int type = SOCK_STREAM) {
  user_ptr fds = kernel_test::ualloc(PAGE_SIZE);
  long r = sys_socketpair(AF_UNIX, type, 0, fds);
  if (r) return {~0u, ~0u};
  return {uget_val<unsigned>(fds), uget_val<unsigned>(fds + 4)};
}
void set_link(unsigned fd, sim::SimTime latency, u64 bw, unsigned sndbuf = 0) {
  file* f = fget(fd);
  unix_set_link(f, latency, bw, sndbuf);
  fput(f);
}
}  // namespace

TEST_CASE("socket: with no latency a write is readable at once", "[kernel][socket]") {
  World w;
  long n = 0;
  std::string got;
  create_process("p", [&] {
    auto [a, b] = make_pair_fds();
    user_ptr buf = kernel_test::ualloc(PAGE_SIZE);
    uput(buf, "ping");
    sys_write(a, buf, 4);
    n = sys_read(b, buf + 100, 100);
    got = uget(buf + 100, 4);
    return 0;
  });
  w.Run();
  CHECK(n == 4);
  CHECK(got == "ping");
  CHECK(w.Now() == 0);
}

TEST_CASE("socket: data arrives after latency plus size over bandwidth, in order",
          "[kernel][socket]") {
  World w;
  std::vector<std::pair<long, sim::SimTime>> reads;
  long early = 0;
  __poll_t before = 0, after = 0;
  create_process("p", [&] {
    auto [a, b] = make_pair_fds();
    // a -> b: 100 us latency, 1 MB/s.
    set_link(a, 100 * sim::kMicrosecond, 1000000);
    user_ptr buf = kernel_test::ualloc(4 * PAGE_SIZE);
    sys_write(a, buf, 1000);  // on the wire 0..1 ms, readable at 1.1 ms
    sys_write(a, buf, 500);   // waits for the link: 1..1.5 ms, readable at 1.6 ms
    file* fb = fget(b);
    before = vfs_poll(fb, nullptr);
    sys_fcntl(b, F_SETFL, O_NONBLOCK);
    early = sys_read(b, buf, 4096);
    sys_fcntl(b, F_SETFL, 0);
    for (int i = 0; i < 2; ++i) {
      long n = sys_read(b, buf, 4096);
      reads.emplace_back(n, w.Now());
    }
    after = vfs_poll(fb, nullptr);
    fput(fb);
    return 0;
  });
  w.Run();
  CHECK(early == -EAGAIN);
  CHECK((before & EPOLLIN) == 0);
  REQUIRE(reads.size() == 2);
  CHECK(reads[0] == std::make_pair(1000L, 1100 * sim::kMicrosecond));
  CHECK(reads[1] == std::make_pair(500L, 1600 * sim::kMicrosecond));
  CHECK((after & EPOLLIN) == 0);
  CHECK(unix_tx_time_ns(1000, 1000000) == sim::kMillisecond);
  CHECK(unix_tx_time_ns(1, 3) == 333333334);  // rounds up
}

TEST_CASE("socket: closing one end gives the peer its data, then EOF, behind the data",
          "[kernel][socket]") {
  World w;
  std::vector<std::pair<long, sim::SimTime>> reads;
  __poll_t at_eof = 0;
  create_process("p", [&] {
    auto [a, b] = make_pair_fds();
    set_link(a, 2000, 0);
    user_ptr buf = kernel_test::ualloc(PAGE_SIZE);
    sys_write(a, buf, 10);
    sys_close(a);
    for (int i = 0; i < 2; ++i) {
      long n = sys_read(b, buf, 100);
      reads.emplace_back(n, w.Now());
    }
    file* fb = fget(b);
    at_eof = vfs_poll(fb, nullptr);
    fput(fb);
    return 0;
  });
  w.Run();
  REQUIRE(reads.size() == 2);
  CHECK(reads[0] == std::make_pair(10L, sim::SimTime{2000}));
  CHECK(reads[1] == std::make_pair(0L, sim::SimTime{2000}));
  CHECK((at_eof & (EPOLLHUP | EPOLLRDHUP | EPOLLIN)) == (EPOLLHUP | EPOLLRDHUP | EPOLLIN));
}

TEST_CASE("socket: writing to a closed peer is EPIPE with SIGPIPE", "[kernel][socket]") {
  World w;
  long r = 0;
  u64 sigs = 0;
  create_process("p", [&] {
    k_sigaction act;
    act.handler = 7;
    do_sigaction(SIGPIPE, &act, nullptr);
    auto [a, b] = make_pair_fds();
    sys_close(b);
    user_ptr buf = kernel_test::ualloc(PAGE_SIZE);
    r = syscall_exit_to_user_mode(sys_write(a, buf, 1));
    sigs = current()->signal->nr_delivered[SIGPIPE];
    return 0;
  });
  w.Run();
  CHECK(r == -EPIPE);
  CHECK(sigs == 1);
}

TEST_CASE("socket: the send buffer limits data in flight; a writer blocks until it drains",
          "[kernel][socket]") {
  World w;
  long nb = 0, blocking = 0;
  sim::SimTime t_done = -1;
  create_process("p", [&] {
    auto [a, b] = make_pair_fds();
    set_link(a, 1000, 0, 8192);  // 1 us latency, 8 KiB send buffer
    user_ptr buf = kernel_test::ualloc(8 * PAGE_SIZE);
    sys_fcntl(a, F_SETFL, O_NONBLOCK);
    nb = sys_write(a, buf, 20000);  // two chunks of 4096, then the buffer is full
    sys_fcntl(a, F_SETFL, 0);
    create_thread(current(), "reader", [&, b = b] {
      user_ptr rb = kernel_test::ualloc(8 * PAGE_SIZE);
      long total = 0;
      while (total < 8192 + 10000) {
        long n = sys_read(b, rb, 8 * PAGE_SIZE);
        if (n <= 0) break;  // the group exits once the writer is done
        total += n;
      }
      return 0;
    });
    blocking = sys_write(a, buf, 10000);
    t_done = w.Now();
    return 0;
  });
  auto r = w.Run();
  CHECK(r.status == sim::RunStatus::kIdle);
  CHECK(nb == 8192);
  CHECK(blocking == 10000);
  CHECK(t_done >= 1000);
}

TEST_CASE("socket: arrival wakes the receiver with key 0xc3", "[kernel][socket]") {
  World w;
  static std::vector<__poll_t> keys;
  keys.clear();
  create_process("p", [&] {
    auto [a, b] = make_pair_fds();
    set_link(a, 10, 0);
    file* fb = fget(b);
    wait_queue_entry e;
    init_waitqueue_func_entry(&e, [](wait_queue_entry*, unsigned, int, void* key) {
      keys.push_back(key_to_poll(key));
      return 0;
    });
    add_wait_queue(&unix_sk_of(fb)->wait, &e);
    user_ptr buf = kernel_test::ualloc(PAGE_SIZE);
    sys_write(a, buf, 3);
    sys_nanosleep_ns(100);
    remove_wait_queue(&unix_sk_of(fb)->wait, &e);
    fput(fb);
    return 0;
  });
  w.Run();
  CHECK(keys == std::vector<__poll_t>{0xc3});
}

TEST_CASE("socket: socketpair validates family, type and protocol", "[kernel][socket]") {
  World w;
  long fam = 0, type = 0, proto = 0, fault = 0, ok = -1;
  create_process("p", [&] {
    user_ptr fds = kernel_test::ualloc(PAGE_SIZE);
    fam = sys_socketpair(2 /* AF_INET */, SOCK_STREAM, 0, fds);
    type = sys_socketpair(AF_UNIX, SOCK_DGRAM, 0, fds);
    proto = sys_socketpair(AF_UNIX, SOCK_STREAM, 6, fds);
    fault = sys_socketpair(AF_UNIX, SOCK_STREAM, 0, 0x1000);
    ok = sys_socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds);
    return 0;
  });
  w.Run();
  CHECK(fam == -EAFNOSUPPORT);
  CHECK(type == -ESOCKTNOSUPPORT);
  CHECK(proto == -EPROTONOSUPPORT);
  CHECK(fault == -EFAULT);
  CHECK(ok == 0);
  CHECK(nr_live_files() == 0);
}

TEST_CASE("socket: shutdown(SHUT_WR) gives the peer EOF while the other direction works",
          "[kernel][socket]") {
  World w;
  long eof = -1, back = 0;
  create_process("p", [&] {
    auto [a, b] = make_pair_fds();
    user_ptr buf = kernel_test::ualloc(PAGE_SIZE);
    sys_shutdown(static_cast<int>(a), SHUT_WR);
    eof = sys_read(b, buf, 10);
    sys_write(b, buf, 5);
    back = sys_read(a, buf, 10);
    return 0;
  });
  w.Run();
  CHECK(eof == 0);
  CHECK(back == 5);
}
