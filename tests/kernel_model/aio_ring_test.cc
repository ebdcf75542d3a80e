// The completion ring: io_event byte layout, wrap-around, slot accounting
// (120 in flight for io_setup(1) on 2 CPUs, from one thread), and slots
// coming back when user space reaps the ring itself.
#include <catch2/catch.hpp>

#include "kernel_model/aio.h"
#include "kernel_model/aio_user.h"
#include "kernel_model/read_write.h"
#include "kernel_model/sched.h"
#include "tests/kernel_model/aio_world.h"

using namespace kernel;
using namespace aiotest;

namespace {

// n pipe writes of one byte each (they complete inside io_submit).
long SubmitWrites(UserMem& m, aio_context_t ctx, int wfd, user_ptr buf, int n, uint64_t data0) {
  std::vector<iocb> cbs;
  for (int i = 0; i < n; ++i) {
    iocb cb = io_prep_pwrite(wfd, buf, 1, 0);
    cb.aio_data = data0 + static_cast<uint64_t>(i);
    cbs.push_back(cb);
  }
  return sys_io_submit(ctx, n, PlaceIocbs(m, cbs));
}

}  // namespace

TEST_CASE("Ring: io_event i sits at byte 32 + 32*i, little-endian data/obj/res/res2",
          "[aio][ring]") {
  AioWorld w;
  w.Run([&] {
    UserMem m(1 << 18);
    aio_context_t ctx = Setup(m, 8);
    int fds[2];
    Pipe(m, fds);
    user_ptr buf = m.Alloc(16);
    iocb a = io_prep_pwrite(fds[1], buf, 3, 0);
    a.aio_data = 0x1122334455667788ull;
    iocb b = io_prep_pwrite(fds[1], 0x1000, 3, 0);  // res -EFAULT
    b.aio_data = 7;
    std::vector<user_ptr> at;
    CHECK(sys_io_submit(ctx, 2, PlaceIocbs(m, {a, b}, &at)) == 2);
    uint8_t raw[64];
    Peek(ctx + 32, raw, 64);
    auto u64 = [&](int off) {
      uint64_t v = 0;
      for (int i = 7; i >= 0; --i) v = (v << 8) | raw[off + i];
      return v;
    };
    CHECK(u64(0) == 0x1122334455667788ull);
    CHECK(u64(8) == at[0]);
    CHECK(u64(16) == 3);
    CHECK(u64(24) == 0);
    CHECK(u64(32) == 7);
    CHECK(u64(40) == at[1]);
    CHECK(static_cast<int64_t>(u64(48)) == -EFAULT);
    CHECK(u64(56) == 0);
    return 0;
  });
  CHECK(w.result.status == sim::RunStatus::kIdle);
}

TEST_CASE("Ring: head and tail wrap at nr and events keep their order", "[aio][ring]") {
  AioWorld w;
  std::vector<uint64_t> seen;
  uint32_t final_tail = 0;
  w.Run([&] {
    UserMem m(1 << 22);
    aio_context_t ctx = Setup(m, 1);  // 127 slots
    int fds[2];
    Pipe(m, fds);
    user_ptr buf = m.Alloc(16);
    user_ptr evs = m.Alloc(32 * 50);
    user_ptr scratch = m.Alloc(4096);
    for (int round = 0; round < 6; ++round) {
      CHECK(SubmitWrites(m, ctx, fds[1], buf, 50, 1000 + 50 * static_cast<uint64_t>(round)) == 50);
      CHECK(sys_read(static_cast<unsigned>(fds[0]), scratch, 4096) ==
            50);  // keep the pipe from filling
      long n = sys_io_getevents(ctx, 50, 50, evs, 0);
      REQUIRE(n == 50);
      for (const auto& e : Events(evs, n)) seen.push_back(e.data);
    }
    final_tail = RingHeader(ctx).tail;
    return 0;
  });
  REQUIRE(seen.size() == 300);
  for (size_t i = 0; i < seen.size(); ++i) CHECK(seen[i] == 1000 + i);
  CHECK(final_tail == 300 % 127);
  CHECK(aio_check_leaks() == 0);
}

TEST_CASE("Ring: io_setup(1) on 2 CPUs admits 120 requests from one thread, the 121st is EAGAIN",
          "[aio][ring]") {
  AioWorld w;
  long first = 0, next = 0;
  w.Run([&] {
    UserMem m(1 << 20);
    aio_context_t ctx = Setup(m, 1);
    int fds[2];
    Pipe(m, fds);
    std::vector<iocb> polls(120, io_prep_poll(fds[0], POLLIN));
    first = sys_io_submit(ctx, 120, PlaceIocbs(m, polls));
    next = sys_io_submit(ctx, 1, PlaceIocbs(m, {io_prep_poll(fds[0], POLLIN)}));
    CHECK(sys_io_destroy(ctx) == 0);  // cancels the 120 polls
    return 0;
  });
  CHECK(first == 120);
  CHECK(next == -EAGAIN);
  CHECK(aio_check_leaks() == 0);
}

TEST_CASE("Ring: advancing head from user space frees slots for later submits", "[aio][ring]") {
  AioWorld w;
  long a = 0, b = 0, c = 0, d = 0, reaped = 0;
  std::vector<io_event> evs;
  w.Run([&] {
    UserMem m(1 << 22);
    aio_context_t ctx = Setup(m, 1);
    int fds[2];
    Pipe(m, fds, O_NONBLOCK);
    user_ptr buf = m.Alloc(16);
    user_ptr scratch = m.Alloc(8192);
    a = SubmitWrites(m, ctx, fds[1], buf, 120, 0);  // all complete: 120 events wait in the ring
    b = SubmitWrites(m, ctx, fds[1], buf, 1, 500);
    sys_read(static_cast<unsigned>(fds[0]), scratch, 8192);
    reaped = aio_user_reap(ctx, 1000, &evs);  // no syscall: head moves in user memory
    c = SubmitWrites(m, ctx, fds[1], buf, 120, 1000);
    d = SubmitWrites(m, ctx, fds[1], buf, 1, 2000);
    return 0;
  });
  CHECK(a == 120);
  CHECK(b == -EAGAIN);
  CHECK(reaped == 120);
  REQUIRE(evs.size() == 120);
  CHECK(evs[119].data == 119);
  CHECK(c == 120);
  CHECK(d == -EAGAIN);
  CHECK(aio_check_leaks() == 0);
}

TEST_CASE("Ring: user-space reaping and io_getevents see the same events", "[aio][ring]") {
  AioWorld w;
  std::vector<io_event> user, sys;
  w.Run([&] {
    UserMem m(1 << 20);
    aio_context_t ctx = Setup(m, 8);
    int fds[2];
    Pipe(m, fds);
    user_ptr buf = m.Alloc(16);
    CHECK(SubmitWrites(m, ctx, fds[1], buf, 4, 10) == 4);
    CHECK(aio_user_reap(ctx, 2, &user) == 2);
    user_ptr evs = m.Alloc(32 * 4);
    long n = sys_io_getevents(ctx, 0, 4, evs, 0);
    sys = Events(evs, n);
    return 0;
  });
  REQUIRE(user.size() == 2);
  REQUIRE(sys.size() == 2);
  CHECK(user[0].data == 10);
  CHECK(user[1].data == 11);
  CHECK(sys[0].data == 12);
  CHECK(sys[1].data == 13);
}

TEST_CASE("Ring: events consumed by io_getevents refill slots in aio_complete", "[aio][ring]") {
  AioWorld w;
  long total = 0;
  w.Run([&] {
    UserMem m(1 << 23);
    aio_context_t ctx = Setup(m, 1);
    int fds[2];
    Pipe(m, fds, O_NONBLOCK);
    user_ptr buf = m.Alloc(16);
    user_ptr scratch = m.Alloc(8192);
    user_ptr evs = m.Alloc(32 * 64);
    for (int i = 0; i < 40; ++i) {
      long r = SubmitWrites(m, ctx, fds[1], buf, 60, 0);
      REQUIRE(r == 60);
      total += r;
      sys_read(static_cast<unsigned>(fds[0]), scratch, 8192);
      REQUIRE(sys_io_getevents(ctx, 60, 64, evs, 0) == 60);
    }
    return 0;
  });
  CHECK(total == 2400);
  CHECK(aio_check_leaks() == 0);
}
