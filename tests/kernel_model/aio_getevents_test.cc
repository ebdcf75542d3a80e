// io_getevents and io_pgetevents: argument checks, min_nr and timeouts
// (including the unvalidated quirks), signals, a context destroyed under a
// waiter, EFAULT leaving the event in the ring, the head taken modulo nr,
// and the signal mask of io_pgetevents.
#include <catch2/catch.hpp>

#include "kernel_model/aio.h"
#include "kernel_model/aio_abi.h"
#include "kernel_model/aio_user.h"
#include "kernel_model/read_write.h"
#include "kernel_model/sched.h"
#include "kernel_model/signal.h"
#include "tests/kernel_model/aio_world.h"

using namespace kernel;
using namespace aiotest;

namespace {

user_ptr Timespec(UserMem& m, int64_t sec, int64_t nsec) {
  user_ptr t = m.Alloc(16, 8);
  PokeU64(t, static_cast<uint64_t>(sec));
  PokeU64(t + 8, static_cast<uint64_t>(nsec));
  return t;
}

// A context with a pipe; Complete(n) submits n writes that complete at once.
struct Fixture {
  explicit Fixture(UserMem& m) : m(m) {
    ctx = Setup(m, 8);
    Pipe(m, fds);
    buf = m.Alloc(64);
  }
  long Complete(int n, uint64_t data = 0) {
    iocb cb = io_prep_pwrite(fds[1], buf, 1, 0);
    cb.aio_data = data;
    std::vector<iocb> cbs(static_cast<size_t>(n), cb);
    return sys_io_submit(ctx, n, PlaceIocbs(m, cbs));
  }
  // A poll that completes when the pipe gets data.
  long PendingPoll() {
    return sys_io_submit(ctx, 1, PlaceIocbs(m, {io_prep_poll(fds[0], POLLIN)}));
  }
  UserMem& m;
  aio_context_t ctx = 0;
  int fds[2];
  user_ptr buf = 0;
};

void SetUserHandler(int sig) {
  k_sigaction act;
  act.handler = 0x1000;
  REQUIRE(do_sigaction(sig, &act, nullptr) == 0);
}

}  // namespace

TEST_CASE("io_getevents: argument errors in the kernel's order", "[aio][getevents]") {
  AioWorld w;
  w.Run([&] {
    UserMem m(1 << 16);
    Fixture f(m);
    user_ptr evs = m.Alloc(32 * 4);
    CHECK(sys_io_getevents(0, 1, 1, evs, 0x1000) == -EFAULT);  // timeout before the context
    CHECK(sys_io_getevents(0, 1, 1, evs, 0) == -EINVAL);
    CHECK(sys_io_getevents(f.ctx, 2, 1, evs, 0) == -EINVAL);
    CHECK(sys_io_getevents(f.ctx, -1, 1, evs, 0) == -EINVAL);
    CHECK(sys_io_getevents(f.ctx, 0, -1, evs, 0) == -EINVAL);
    CHECK(sys_io_getevents(f.ctx, 0, 0, evs, 0) == 0);
    return 0;
  });
  CHECK(w.result.status == sim::RunStatus::kIdle);
}

TEST_CASE("io_getevents: {0,0} returns at once; a timeout returns the count so far",
          "[aio][getevents]") {
  AioWorld w;
  w.Run([&] {
    UserMem m(1 << 16);
    Fixture f(m);
    user_ptr evs = m.Alloc(32 * 4);
    sim::SimTime t0 = w.Now();
    CHECK(sys_io_getevents(f.ctx, 1, 4, evs, Timespec(m, 0, 0)) == 0);
    CHECK(w.Now() == t0);
    CHECK(sys_io_getevents(f.ctx, 1, 4, evs, Timespec(m, 0, sim::kMillisecond)) == 0);
    CHECK(w.Now() - t0 == sim::kMillisecond);
    CHECK(f.Complete(1) == 1);
    t0 = w.Now();
    CHECK(sys_io_getevents(f.ctx, 2, 4, evs, Timespec(m, 0, 5 * sim::kMillisecond)) == 1);
    CHECK(w.Now() - t0 == 5 * sim::kMillisecond);
    return 0;
  });
  CHECK(w.result.status == sim::RunStatus::kIdle);
}

TEST_CASE("io_getevents: the timeout is not validated (tv_nsec 2e9 waits 2 s; tv_sec < 0 forever)",
          "[aio][getevents]") {
  AioWorld w;
  sim::SimTime forever_returned = -1;
  w.Run([&] {
    UserMem m(1 << 16);
    Fixture f(m);
    user_ptr evs = m.Alloc(32 * 4);
    sim::SimTime t0 = w.Now();
    CHECK(sys_io_getevents(f.ctx, 1, 1, evs, Timespec(m, 0, 2000000000)) == 0);
    CHECK(w.Now() - t0 == 2 * sim::kSecond);
    CHECK(f.PendingPoll() == 1);
    create_thread(current(), "feeder", [&] {
      sys_nanosleep_ns(10 * sim::kSecond);
      WriteBytes(m, f.fds[1], 1);
      return 0;
    });
    t0 = w.Now();
    CHECK(sys_io_getevents(f.ctx, 1, 1, evs, Timespec(m, -1, 0)) == 1);
    forever_returned = w.Now() - t0;
    return 0;
  });
  CHECK(forever_returned == 10 * sim::kSecond);
}

TEST_CASE("io_getevents: a NULL timeout waits until min_nr events are there", "[aio][getevents]") {
  AioWorld w;
  sim::SimTime waited = -1;
  w.Run([&] {
    UserMem m(1 << 16);
    Fixture f(m);
    user_ptr evs = m.Alloc(32 * 4);
    CHECK(f.PendingPoll() == 1);
    create_thread(current(), "feeder", [&] {
      sys_nanosleep_ns(3 * sim::kMillisecond);
      WriteBytes(m, f.fds[1], 1);
      return 0;
    });
    sim::SimTime t0 = w.Now();
    CHECK(sys_io_getevents(f.ctx, 1, 4, evs, 0) == 1);
    waited = w.Now() - t0;
    return 0;
  });
  CHECK(waited == 3 * sim::kMillisecond);
}

TEST_CASE("io_getevents: a signal with nothing copied is EINTR", "[aio][getevents]") {
  AioWorld w;
  long ret = 0;
  w.Run([&] {
    UserMem m(1 << 16);
    Fixture f(m);
    SetUserHandler(SIGUSR1);
    task_struct* self = current();
    create_thread(current(), "killer", [&] {
      sys_nanosleep_ns(sim::kMillisecond);
      sys_tgkill(self->tgid, self->pid, SIGUSR1);
      return 0;
    });
    ret = sys_io_getevents(f.ctx, 1, 1, m.Alloc(32), 0);
    return 0;
  });
  CHECK(ret == -EINTR);
}

TEST_CASE("io_getevents: a context destroyed under a waiter gives EINVAL", "[aio][getevents]") {
  AioWorld w;
  long ret = 0;
  w.Run([&] {
    UserMem m(1 << 16);
    Fixture f(m);
    create_thread(current(), "destroyer", [&] {
      sys_nanosleep_ns(sim::kMillisecond);
      CHECK(sys_io_destroy(f.ctx) == 0);
      return 0;
    });
    ret = sys_io_getevents(f.ctx, 1, 1, m.Alloc(32), 0);
    return 0;
  });
  CHECK(ret == -EINVAL);
  CHECK(aio_check_leaks() == 0);
}

TEST_CASE("io_getevents: EFAULT on the events buffer leaves the events in the ring",
          "[aio][getevents]") {
  AioWorld w;
  w.Run([&] {
    UserMem m(1 << 16);
    Fixture f(m);
    CHECK(f.Complete(2, 9) == 2);
    CHECK(sys_io_getevents(f.ctx, 1, 2, 0x1000, 0) == -EFAULT);
    CHECK(RingHeader(f.ctx).head == 0);
    user_ptr evs = m.Alloc(64);
    CHECK(sys_io_getevents(f.ctx, 1, 2, evs, 0) == 2);
    CHECK(Events(evs, 2)[1].data == 9);
    return 0;
  });
}

TEST_CASE("io_getevents: a garbage head is taken modulo nr (stale events, no failure)",
          "[aio][getevents]") {
  AioWorld w;
  std::vector<io_event> got;
  w.Run([&] {
    UserMem m(1 << 16);
    Fixture f(m);
    CHECK(f.Complete(1, 1) == 1);
    CHECK(f.Complete(1, 2) == 1);
    PokeU32(f.ctx + 8, 127 + 1);  // head = nr + 1: slot 1
    user_ptr evs = m.Alloc(32 * 4);
    long n = sys_io_getevents(f.ctx, 0, 4, evs, Timespec(m, 0, 0));
    got = Events(evs, n);
    CHECK(RingHeader(f.ctx).head == 2);
    return 0;
  });
  REQUIRE(got.size() == 1);
  CHECK(got[0].data == 2);
}

TEST_CASE("io_pgetevents: sigset checks and the mask installed for the call", "[aio][getevents]") {
  AioWorld w;
  long blocked_ret = 0, unblocked_ret = 0;
  sim::SimTime blocked_waited = -1;
  w.Run([&] {
    UserMem m(1 << 16);
    Fixture f(m);
    user_ptr evs = m.Alloc(32);
    user_ptr mask = m.Alloc(8, 8);
    PokeU64(mask, sigmask64(SIGUSR1));
    user_ptr usig = m.Alloc(16, 8);
    PokeU64(usig, mask);
    PokeU64(usig + 8, 4);
    CHECK(sys_io_pgetevents(f.ctx, 0, 1, evs, 0, usig) == -EINVAL);  // sigsetsize != 8
    PokeU64(usig, 0x1000);
    PokeU64(usig + 8, 8);
    CHECK(sys_io_pgetevents(f.ctx, 0, 1, evs, 0, usig) == -EFAULT);       // bad sigmask
    CHECK(sys_io_pgetevents(f.ctx, 0, 1, evs, 0, 0x1000) == -EFAULT);     // bad usig
    CHECK(sys_io_pgetevents(f.ctx, 0, 1, evs, 0x1000, usig) == -EFAULT);  // bad timeout first
    CHECK(sys_io_pgetevents(0, -1, -1, evs, 0, 0) == -EINVAL);
    CHECK(sys_io_pgetevents(f.ctx, 0, 1, evs, Timespec(m, 0, 0), 0) == 0);  // NULL usig

    // SIGUSR1 blocked for the call: the signal does not end the wait.
    SetUserHandler(SIGUSR1);
    PokeU64(usig, mask);
    task_struct* self = current();
    create_thread(current(), "killer", [&] {
      sys_nanosleep_ns(sim::kMillisecond);
      sys_tgkill(self->tgid, self->pid, SIGUSR1);
      return 0;
    });
    sim::SimTime t0 = w.Now();
    blocked_ret = do_syscall([&] {
      return sys_io_pgetevents(f.ctx, 1, 1, evs, Timespec(m, 0, 5 * sim::kMillisecond), usig);
    });
    blocked_waited = w.Now() - t0;
    // Unblocked: interrupted with nothing copied; the handler runs: -EINTR.
    PokeU64(mask, 0);
    create_thread(current(), "killer2", [&] {
      sys_nanosleep_ns(sim::kMillisecond);
      sys_tgkill(self->tgid, self->pid, SIGUSR1);
      return 0;
    });
    unblocked_ret = do_syscall([&] { return sys_io_pgetevents(f.ctx, 1, 1, evs, 0, usig); });
    return 0;
  });
  CHECK(blocked_ret == 0);
  CHECK(blocked_waited == 5 * sim::kMillisecond);
  CHECK(unblocked_ret == -EINTR);
}
