// epoll: level vs edge triggering, one-shot, timeouts, errors, nesting,
// and items going away with their file.
#include <catch2/catch.hpp>

#include <cstring>
#include <vector>

#include "kernel_model/af_unix.h"
#include "kernel_model/eventpoll.h"
#include "kernel_model/pipe.h"
#include "kernel_model/read_write.h"
#include "kernel_model/signal.h"
#include "tests/kernel_model/world.h"

using namespace kernel;
using kernel_test::uget_val;
using kernel_test::uput;
using kernel_test::World;

namespace {

std::pair<unsigned, unsigned> make_pipe(int flags = 0) {
  user_ptr fds = kernel_test::ualloc(PAGE_SIZE);
  sys_pipe2(fds, flags);
  return {uget_val<unsigned>(fds), uget_val<unsigned>(fds + 4)};
}

long ctl(int epfd, int op, int fd, __poll_t events, u64 data) {
  user_ptr ev = kernel_test::ualloc(PAGE_SIZE);
  u8 buf[12];
  std::memcpy(buf, &events, 4);
  std::memcpy(buf + 4, &data, 8);
  uput(ev, buf, 12);
  return sys_epoll_ctl(epfd, op, fd, ev);
}

struct Ev {
  __poll_t events;
  u64 data;
  bool operator==(const Ev& o) const { return events == o.events && data == o.data; }
};

// epoll_wait into scratch memory; returns the decoded events, or one Ev
// with events = the (negative) return value.
std::vector<Ev> wait(int epfd, int maxevents, int timeout_ms, long* ret = nullptr) {
  user_ptr out = kernel_test::ualloc(16 * PAGE_SIZE);
  long n = sys_epoll_wait(epfd, out, maxevents, timeout_ms);
  if (ret) *ret = n;
  std::vector<Ev> v;
  for (long i = 0; i < n; ++i) {
    u8 b[12];
    copy_from_user(b, out + static_cast<user_ptr>(i) * 12, 12);
    Ev e;
    std::memcpy(&e.events, b, 4);
    std::memcpy(&e.data, b + 4, 8);
    v.push_back(e);
  }
  return v;
}

}  // namespace

TEST_CASE("epoll: level-triggered items are reported while the condition holds", "[kernel][epoll]") {
  World w;
  std::vector<Ev> first, second, after_drain;
  create_process("p", [&] {
    auto [r, wfd] = make_pipe();
    int ep = static_cast<int>(sys_epoll_create1(0));
    ctl(ep, EPOLL_CTL_ADD, static_cast<int>(r), EPOLLIN, 0xabc);
    user_ptr buf = kernel_test::ualloc(PAGE_SIZE);
    sys_write(wfd, buf, 10);
    first = wait(ep, 8, 0);
    second = wait(ep, 8, 0);
    sys_read(r, buf, 10);
    after_drain = wait(ep, 8, 0);
    return 0;
  });
  w.Run();
  CHECK(first == std::vector<Ev>{{EPOLLIN, 0xabc}});
  CHECK(second == std::vector<Ev>{{EPOLLIN, 0xabc}});
  CHECK(after_drain.empty());
}

TEST_CASE("epoll: edge-triggered items are reported once per new arrival", "[kernel][epoll]") {
  World w;
  size_t first = 0, again = 0, after_write = 0;
  create_process("p", [&] {
    auto [r, wfd] = make_pipe();
    int ep = static_cast<int>(sys_epoll_create1(0));
    ctl(ep, EPOLL_CTL_ADD, static_cast<int>(r), EPOLLIN | EPOLLET, 1);
    user_ptr buf = kernel_test::ualloc(PAGE_SIZE);
    sys_write(wfd, buf, 10);
    first = wait(ep, 8, 0).size();
    again = wait(ep, 8, 0).size();  // data still there, no new edge
    sys_write(wfd, buf, 10);
    after_write = wait(ep, 8, 0).size();
    return 0;
  });
  w.Run();
  CHECK(first == 1);
  CHECK(again == 0);
  CHECK(after_write == 1);
}

TEST_CASE("epoll: EPOLLONESHOT disables the item until EPOLL_CTL_MOD re-arms it", "[kernel][epoll]") {
  World w;
  size_t first = 0, disabled = 0, rearmed = 0;
  create_process("p", [&] {
    auto [r, wfd] = make_pipe();
    int ep = static_cast<int>(sys_epoll_create1(0));
    ctl(ep, EPOLL_CTL_ADD, static_cast<int>(r), EPOLLIN | EPOLLONESHOT, 1);
    user_ptr buf = kernel_test::ualloc(PAGE_SIZE);
    sys_write(wfd, buf, 1);
    first = wait(ep, 8, 0).size();
    sys_write(wfd, buf, 1);
    disabled = wait(ep, 8, 0).size();
    ctl(ep, EPOLL_CTL_MOD, static_cast<int>(r), EPOLLIN | EPOLLONESHOT, 2);
    rearmed = wait(ep, 8, 0).size();
    return 0;
  });
  w.Run();
  CHECK(first == 1);
  CHECK(disabled == 0);
  CHECK(rearmed == 1);
}

TEST_CASE("epoll: epoll_wait sleeps until an event or its timeout", "[kernel][epoll]") {
  World w;
  long n_timeout = -1, n_event = -1;
  sim::SimTime t_timeout = -1, t_event = -1;
  create_process("p", [&] {
    auto [a, b] = [] {
      user_ptr fds = kernel_test::ualloc(PAGE_SIZE);
      sys_socketpair(AF_UNIX, SOCK_STREAM, 0, fds);
      return std::make_pair(uget_val<unsigned>(fds), uget_val<unsigned>(fds + 4));
    }();
    file* fa = fget(a);
    unix_set_link(fa, 3 * sim::kMillisecond, 0, 0);
    fput(fa);
    int ep = static_cast<int>(sys_epoll_create1(0));
    ctl(ep, EPOLL_CTL_ADD, static_cast<int>(b), EPOLLIN, 7);
    wait(ep, 4, 5, &n_timeout);  // nothing for 5 ms
    t_timeout = w.Now();
    user_ptr buf = kernel_test::ualloc(PAGE_SIZE);
    sys_write(a, buf, 1);  // arrives 3 ms later
    wait(ep, 4, -1, &n_event);
    t_event = w.Now();
    return 0;
  });
  w.Run();
  CHECK(n_timeout == 0);
  CHECK(t_timeout == 5 * sim::kMillisecond);
  CHECK(n_event == 1);
  CHECK(t_event == 8 * sim::kMillisecond);
}

TEST_CASE("epoll: maxevents limits one call; the rest stay ready", "[kernel][epoll]") {
  World w;
  std::vector<Ev> a, b;
  create_process("p", [&] {
    int ep = static_cast<int>(sys_epoll_create1(0));
    user_ptr buf = kernel_test::ualloc(PAGE_SIZE);
    for (u64 i = 0; i < 3; ++i) {
      auto [r, wfd] = make_pipe();
      sys_write(wfd, buf, 1);
      ctl(ep, EPOLL_CTL_ADD, static_cast<int>(r), EPOLLIN | EPOLLET, i);
    }
    a = wait(ep, 2, 0);
    b = wait(ep, 2, 0);
    return 0;
  });
  w.Run();
  CHECK(a == std::vector<Ev>{{EPOLLIN, 0}, {EPOLLIN, 1}});
  CHECK(b == std::vector<Ev>{{EPOLLIN, 2}});
}

TEST_CASE("epoll: epoll_ctl and epoll_wait errors", "[kernel][epoll]") {
  World w;
  long exist = 0, noent_mod = 0, noent_del = 0, badf = 0, notep = 0, self = 0, loop = 0;
  long maxev = 0, badop = 0, perm = 0, efault = 0, create_bad = 0;
  create_process("p", [&] {
    auto [r, wfd] = make_pipe();
    int ep = static_cast<int>(sys_epoll_create1(0));
    int ep2 = static_cast<int>(sys_epoll_create1(0));
    ctl(ep, EPOLL_CTL_ADD, static_cast<int>(r), EPOLLIN, 0);
    exist = ctl(ep, EPOLL_CTL_ADD, static_cast<int>(r), EPOLLIN, 0);
    noent_mod = ctl(ep, EPOLL_CTL_MOD, static_cast<int>(wfd), EPOLLOUT, 0);
    noent_del = sys_epoll_ctl(ep, EPOLL_CTL_DEL, static_cast<int>(wfd), 0);
    badf = ctl(ep, EPOLL_CTL_ADD, 77, EPOLLIN, 0);
    notep = ctl(static_cast<int>(r), EPOLL_CTL_ADD, static_cast<int>(wfd), EPOLLOUT, 0);
    self = ctl(ep, EPOLL_CTL_ADD, ep, EPOLLIN, 0);
    ctl(ep, EPOLL_CTL_ADD, ep2, EPOLLIN, 0);
    loop = ctl(ep2, EPOLL_CTL_ADD, ep, EPOLLIN, 0);
    badop = ctl(ep, 9, static_cast<int>(r), EPOLLIN, 0);
    user_ptr out = kernel_test::ualloc(PAGE_SIZE);
    maxev = sys_epoll_wait(ep, out, 0, 0);
    efault = sys_epoll_ctl(ep, EPOLL_CTL_ADD, static_cast<int>(wfd), 0x1000);
    create_bad = sys_epoll_create1(1);
    // A file without a poll method cannot be watched.
    static const file_operations nopoll = {.name = "nopoll"};
    int fd = get_unused_fd_flags(0);
    fd_install(static_cast<unsigned>(fd), alloc_file_pseudo("nopoll", O_RDWR, &nopoll, nullptr));
    perm = ctl(ep, EPOLL_CTL_ADD, fd, EPOLLIN, 0);
    return 0;
  });
  w.Run();
  CHECK(exist == -EEXIST);
  CHECK(noent_mod == -ENOENT);
  CHECK(noent_del == -ENOENT);
  CHECK(badf == -EBADF);
  CHECK(notep == -EINVAL);
  CHECK(self == -EINVAL);
  CHECK(loop == -ELOOP);
  CHECK(badop == -EINVAL);
  CHECK(maxev == -EINVAL);
  CHECK(efault == -EFAULT);
  CHECK(create_bad == -EINVAL);
  CHECK(perm == -EPERM);
}

TEST_CASE("epoll: an item goes with its file's last reference, not with its fd", "[kernel][epoll]") {
  World w;
  size_t with_dup = 0, after_last = 9;
  create_process("p", [&] {
    auto [r, wfd] = make_pipe();
    int ep = static_cast<int>(sys_epoll_create1(0));
    user_ptr buf = kernel_test::ualloc(PAGE_SIZE);
    sys_write(wfd, buf, 1);
    ctl(ep, EPOLL_CTL_ADD, static_cast<int>(r), EPOLLIN, 5);
    long d = sys_dup(r);
    sys_close(r);
    with_dup = wait(ep, 8, 0).size();  // still watched through the dup
    sys_close(static_cast<unsigned>(d));
    after_last = wait(ep, 8, 0).size();
    return 0;
  });
  w.Run();
  CHECK(with_dup == 1);
  CHECK(after_last == 0);
}

TEST_CASE("epoll: a nested epoll reports readiness of its items", "[kernel][epoll]") {
  World w;
  std::vector<Ev> outer_before, outer_after;
  create_process("p", [&] {
    auto [r, wfd] = make_pipe();
    int inner = static_cast<int>(sys_epoll_create1(0));
    int outer = static_cast<int>(sys_epoll_create1(0));
    ctl(inner, EPOLL_CTL_ADD, static_cast<int>(r), EPOLLIN, 1);
    ctl(outer, EPOLL_CTL_ADD, inner, EPOLLIN, 2);
    outer_before = wait(outer, 4, 0);
    user_ptr buf = kernel_test::ualloc(PAGE_SIZE);
    sys_write(wfd, buf, 1);
    outer_after = wait(outer, 4, 0);
    return 0;
  });
  w.Run();
  CHECK(outer_before.empty());
  CHECK(outer_after == std::vector<Ev>{{EPOLLIN, 2}});
}

TEST_CASE("epoll: a signal interrupts epoll_wait with -EINTR", "[kernel][epoll]") {
  World w;
  long n = 0;
  task_struct* p = create_process("p", [&] {
    k_sigaction act;
    act.handler = 2;
    do_sigaction(SIGUSR1, &act, nullptr);
    int ep = static_cast<int>(sys_epoll_create1(0));
    wait(ep, 4, -1, &n);
    return 0;
  });
  w.sched.At(123, [&] { send_sig(SIGUSR1, p, 0); });
  w.Run();
  CHECK(n == -EINTR);
  CHECK(w.Now() == 123);
}

TEST_CASE("epoll: a write wakes exactly one of two epoll_wait sleepers (exclusive)",
          "[kernel][epoll]") {
  World w;
  int woke = 0;
  create_process("p", [&] {
    auto [r, wfd] = make_pipe();
    int ep = static_cast<int>(sys_epoll_create1(0));
    ctl(ep, EPOLL_CTL_ADD, static_cast<int>(r), EPOLLIN | EPOLLET, 1);
    for (int i = 0; i < 2; ++i) {
      create_thread(current(), "waiter", [&, ep] {
        long n = 0;
        wait(ep, 4, 10, &n);
        if (n == 1) ++woke;
        return 0;
      });
    }
    sys_nanosleep_ns(1000);
    user_ptr buf = kernel_test::ualloc(PAGE_SIZE);
    sys_write(wfd, buf, 1);
    sys_nanosleep_ns(20 * sim::kMillisecond);
    return 0;
  });
  w.Run();
  CHECK(woke == 1);
}
