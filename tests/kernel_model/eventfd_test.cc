// eventfd: counter and semaphore semantics, blocking, overflow, poll, and
// eventfd_signal from kernel code.
#include <catch2/catch.hpp>

#include "kernel_model/eventfd.h"
#include "kernel_model/pipe.h"
#include "kernel_model/read_write.h"
#include "tests/kernel_model/world.h"

using namespace kernel;
using kernel_test::uget_val;
using kernel_test::uput;
using kernel_test::World;

namespace {
long write_u64(unsigned fd, user_ptr buf, u64 v) {
  uput(buf, &v, 8);
  return sys_write(fd, buf, 8);
}
}  // namespace

TEST_CASE("eventfd: a read returns the counter and zeroes it", "[kernel][eventfd]") {
  World w;
  long r1 = 0, r2 = 0;
  u64 v = 0;
  create_process("p", [&] {
    unsigned fd = static_cast<unsigned>(sys_eventfd2(5, EFD_NONBLOCK));
    user_ptr buf = kernel_test::ualloc(PAGE_SIZE);
    write_u64(fd, buf, 3);
    r1 = sys_read(fd, buf, 8);
    v = uget_val<u64>(buf);
    r2 = sys_read(fd, buf, 8);
    return 0;
  });
  w.Run();
  CHECK(r1 == 8);
  CHECK(v == 8);
  CHECK(r2 == -EAGAIN);
}

TEST_CASE("eventfd: EFD_SEMAPHORE reads return 1 and decrement", "[kernel][eventfd]") {
  World w;
  u64 vals[3] = {};
  long last = 0;
  create_process("p", [&] {
    unsigned fd = static_cast<unsigned>(sys_eventfd2(2, EFD_SEMAPHORE | EFD_NONBLOCK));
    user_ptr buf = kernel_test::ualloc(PAGE_SIZE);
    for (int i = 0; i < 2; ++i) {
      sys_read(fd, buf, 8);
      vals[i] = uget_val<u64>(buf);
    }
    last = sys_read(fd, buf, 8);
    return 0;
  });
  w.Run();
  CHECK(vals[0] == 1);
  CHECK(vals[1] == 1);
  CHECK(last == -EAGAIN);
}

TEST_CASE("eventfd: a blocking read waits for a write", "[kernel][eventfd]") {
  World w;
  u64 v = 0;
  sim::SimTime t = -1;
  create_process("p", [&] {
    unsigned fd = static_cast<unsigned>(sys_eventfd2(0, 0));
    create_thread(current(), "w", [&, fd] {
      user_ptr b = kernel_test::ualloc(PAGE_SIZE);
      sys_nanosleep_ns(300);
      write_u64(fd, b, 42);
      return 0;
    });
    user_ptr buf = kernel_test::ualloc(PAGE_SIZE);
    sys_read(fd, buf, 8);
    v = uget_val<u64>(buf);
    t = w.Now();
    return 0;
  });
  w.Run();
  CHECK(v == 42);
  CHECK(t == 300);
}

TEST_CASE("eventfd: overflow blocks a writer at 0xfffffffffffffffe; O_NONBLOCK gives -EAGAIN",
          "[kernel][eventfd]") {
  World w;
  long max_ok = 0, over_nb = 0, all_ones = 0, short_buf = 0, blocked_write = 0;
  sim::SimTime t = -1;
  create_process("p", [&] {
    user_ptr buf = kernel_test::ualloc(PAGE_SIZE);
    unsigned nb = static_cast<unsigned>(sys_eventfd2(0, EFD_NONBLOCK));
    max_ok = write_u64(nb, buf, 0xfffffffffffffffeull);
    over_nb = write_u64(nb, buf, 1);
    all_ones = write_u64(nb, buf, ~0ull);
    short_buf = sys_write(nb, buf, 4);
    unsigned bl = static_cast<unsigned>(sys_eventfd2(0, 0));
    write_u64(bl, buf, 0xfffffffffffffff0ull);
    create_thread(current(), "drain", [&, bl] {
      user_ptr b = kernel_test::ualloc(PAGE_SIZE);
      sys_nanosleep_ns(50);
      sys_read(bl, b, 8);
      return 0;
    });
    blocked_write = write_u64(bl, buf, 0x100);
    t = w.Now();
    return 0;
  });
  w.Run();
  CHECK(max_ok == 8);
  CHECK(over_nb == -EAGAIN);
  CHECK(all_ones == -EINVAL);
  CHECK(short_buf == -EINVAL);
  CHECK(blocked_write == 8);
  CHECK(t == 50);
}

TEST_CASE("eventfd: poll reports IN when non-zero and OUT below the maximum", "[kernel][eventfd]") {
  World w;
  __poll_t zero = 0, some = 0, full = 0;
  create_process("p", [&] {
    unsigned fd = static_cast<unsigned>(sys_eventfd2(0, EFD_NONBLOCK));
    user_ptr buf = kernel_test::ualloc(PAGE_SIZE);
    file* f = fget(fd);
    zero = vfs_poll(f, nullptr);
    write_u64(fd, buf, 1);
    some = vfs_poll(f, nullptr);
    write_u64(fd, buf, 0xfffffffffffffffdull);
    full = vfs_poll(f, nullptr);
    fput(f);
    return 0;
  });
  w.Run();
  CHECK(zero == EPOLLOUT);
  CHECK(some == (EPOLLIN | EPOLLOUT));
  CHECK(full == EPOLLIN);
}

TEST_CASE("eventfd: eventfd_signal from event context wakes a reader; ctx refs outlive the fd",
          "[kernel][eventfd]") {
  World w;
  eventfd_ctx* ctx = nullptr;
  u64 v = 0;
  eventfd_ctx* not_efd = nullptr;
  eventfd_ctx* bad_fd = nullptr;
  create_process("p", [&] {
    unsigned fd = static_cast<unsigned>(sys_eventfd2(0, 0));
    ctx = eventfd_ctx_fdget(static_cast<int>(fd));
    user_ptr fds = kernel_test::ualloc(PAGE_SIZE);
    sys_pipe2(fds, 0);
    not_efd = eventfd_ctx_fdget(uget_val<int>(fds));
    bad_fd = eventfd_ctx_fdget(-1);
    user_ptr buf = kernel_test::ualloc(PAGE_SIZE);
    sys_read(fd, buf, 8);
    v = uget_val<u64>(buf);
    sys_close(fd);
    return 0;
  });
  w.sched.At(10, [&] {
    CHECK(eventfd_signal_allowed());
    eventfd_signal(ctx, 1);
    eventfd_signal(ctx, 2);
  });
  w.Run();
  CHECK(v == 3);
  CHECK(PTR_ERR(not_efd) == -EINVAL);
  CHECK(PTR_ERR(bad_fd) == -EBADF);
  REQUIRE(ctx != nullptr);
  CHECK(ctx->nr_signals == 2);
  eventfd_ctx_put(ctx);
}

TEST_CASE("eventfd: eventfd2 rejects unknown flags", "[kernel][eventfd]") {
  World w;
  long r = 0;
  create_process("p", [&] {
    r = sys_eventfd2(0, 0x10);
    return 0;
  });
  w.Run();
  CHECK(r == -EINVAL);
}
