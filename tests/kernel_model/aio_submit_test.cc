// io_submit: per-iocb checks in the kernel's order, partial success, aio_key
// write-back, RESFD, IOPRIO, RWF flags, and errors that travel in the event
// instead of the return value. Files: pipes and eventfds (regular files are
// in aio_file_test.cc).
#include <sys/mman.h>

#include <catch2/catch.hpp>

#include "kernel_model/aio.h"
#include "kernel_model/aio_user.h"
#include "kernel_model/cred.h"
#include "kernel_model/mm.h"
#include "kernel_model/sched.h"
#include "kernel_model/signal.h"
#include "tests/kernel_model/aio_world.h"

using namespace kernel;
using namespace aiotest;

namespace {

constexpr int kClosedFd = 999;
constexpr user_ptr kUnmapped = 0x1000;
constexpr user_ptr kKernelAddr = 0xffff888000000000ull;

// What a table case may use.
struct Env {
  UserMem* m;
  int rfd, wfd, efd;
  user_ptr buf;
  user_ptr ro_page;  // readable, not writable
};

struct Case {
  const char* what;
  std::function<iocb(const Env&)> make;
  long want;
  bool read_only_iocb = false;  // place the iocb on a read-only page
  bool privileged = false;
};

iocb With(iocb cb, std::function<void(iocb&)> f) {
  f(cb);
  return cb;
}

}  // namespace

TEST_CASE("io_submit: per-iocb errors come in the kernel's order", "[aio]") {
  const std::vector<Case> cases = {
      {"aio_reserved2 != 0 beats a bad fd",
       [](const Env& e) {
         return With(io_prep_pread(kClosedFd, e.buf, 8, 0), [](iocb& c) { c.aio_reserved2 = 1; });
       },
       -EINVAL},
      {"negative aio_nbytes beats a bad fd",
       [](const Env& e) { return io_prep_pread(kClosedFd, e.buf, 1ull << 63, 0); }, -EINVAL},
      {"bad aio_fildes", [](const Env& e) { return io_prep_pread(kClosedFd, e.buf, 8, 0); },
       -EBADF},
      {"bad fd beats a bad opcode",
       [](const Env& e) {
         return With(io_prep_pread(kClosedFd, e.buf, 8, 0), [](iocb& c) { c.aio_lio_opcode = 6; });
       },
       -EBADF},
      {"RESFD with a closed resfd",
       [](const Env& e) {
         iocb c = io_prep_pread(e.rfd, e.buf, 8, 0);
         io_set_eventfd(&c, kClosedFd);
         return c;
       },
       -EBADF},
      {"RESFD that is not an eventfd",
       [](const Env& e) {
         iocb c = io_prep_pread(e.rfd, e.buf, 8, 0);
         io_set_eventfd(&c, e.wfd);
         return c;
       },
       -EINVAL},
      {"opcode 4 (never implemented)",
       [](const Env& e) {
         return With(io_prep_pread(e.rfd, e.buf, 8, 0), [](iocb& c) { c.aio_lio_opcode = 4; });
       },
       -EINVAL},
      {"opcode 6 (NOOP) is rejected",
       [](const Env& e) {
         return With(io_prep_pread(e.rfd, e.buf, 8, 0), [](iocb& c) { c.aio_lio_opcode = 6; });
       },
       -EINVAL},
      {"opcode 9 (the unmerged EPOLL_WAIT)",
       [](const Env& e) {
         return With(io_prep_pread(e.rfd, e.buf, 8, 0), [](iocb& c) { c.aio_lio_opcode = 9; });
       },
       -EINVAL},
      {"aio_key write-back fails before the opcode check",
       [](const Env& e) {
         return With(io_prep_pread(e.rfd, e.buf, 8, 0), [](iocb& c) { c.aio_lio_opcode = 6; });
       },
       -EFAULT, true},
      {"bad fd before the aio_key write-back",
       [](const Env& e) { return io_prep_pread(kClosedFd, e.buf, 8, 0); }, -EBADF, true},
      {"read from the write end", [](const Env& e) { return io_prep_pread(e.wfd, e.buf, 8, 0); },
       -EBADF},
      {"write to the read end", [](const Env& e) { return io_prep_pwrite(e.rfd, e.buf, 8, 0); },
       -EBADF},
      {"IOPRIO class 5",
       [](const Env& e) {
         return With(io_prep_pread(e.rfd, e.buf, 8, 0), [](iocb& c) {
           c.aio_flags |= IOCB_FLAG_IOPRIO;
           c.aio_reqprio = static_cast<int16_t>(IOPRIO_PRIO_VALUE(5, 0));
         });
       },
       -EINVAL},
      {"IOPRIO NONE with a level",
       [](const Env& e) {
         return With(io_prep_pread(e.rfd, e.buf, 8, 0), [](iocb& c) {
           c.aio_flags |= IOCB_FLAG_IOPRIO;
           c.aio_reqprio = static_cast<int16_t>(IOPRIO_PRIO_VALUE(IOPRIO_CLASS_NONE, 1));
         });
       },
       -EINVAL},
      {"IOPRIO RT without privilege",
       [](const Env& e) {
         return With(io_prep_pread(e.rfd, e.buf, 8, 0), [](iocb& c) {
           c.aio_flags |= IOCB_FLAG_IOPRIO;
           c.aio_reqprio = static_cast<int16_t>(IOPRIO_PRIO_VALUE(IOPRIO_CLASS_RT, 0));
         });
       },
       -EPERM},
      {"IOPRIO is checked before the file's direction",
       [](const Env& e) {
         return With(io_prep_pread(e.wfd, e.buf, 8, 0), [](iocb& c) {
           c.aio_flags |= IOCB_FLAG_IOPRIO;
           c.aio_reqprio = static_cast<int16_t>(IOPRIO_PRIO_VALUE(IOPRIO_CLASS_RT, 0));
         });
       },
       -EPERM},
      {"unknown RWF bit",
       [](const Env& e) {
         return With(io_prep_pread(e.rfd, e.buf, 8, 0),
                     [](iocb& c) { c.aio_rw_flags = 0x80000000u; });
       },
       -EOPNOTSUPP},
      {"RWF_APPEND with RWF_NOAPPEND",
       [](const Env& e) {
         return With(io_prep_pwrite(e.wfd, e.buf, 8, 0),
                     [](iocb& c) { c.aio_rw_flags = RWF_APPEND | RWF_NOAPPEND; });
       },
       -EINVAL},
      {"RWF_ATOMIC on a read",
       [](const Env& e) {
         return With(io_prep_pread(e.rfd, e.buf, 8, 0),
                     [](iocb& c) { c.aio_rw_flags = RWF_ATOMIC; });
       },
       -EOPNOTSUPP},
      {"buffer in the kernel half",
       [](const Env& e) { return io_prep_pread(e.rfd, kKernelAddr, 8, 0); }, -EFAULT},
      {"more than 1024 iovecs", [](const Env& e) { return io_prep_preadv(e.rfd, e.buf, 1025, 0); },
       -EINVAL},
      {"unreadable iovec array",
       [](const Env& e) { return io_prep_preadv(e.rfd, kUnmapped, 2, 0); }, -EFAULT},
      {"negative offset", [](const Env& e) { return io_prep_pread(e.rfd, e.buf, 8, -1); }, -EINVAL},
      {"FSYNC on a file without fsync", [](const Env& e) { return io_prep_fsync(e.rfd); }, -EINVAL},
      {"FSYNC with nbytes",
       [](const Env& e) { return With(io_prep_fsync(e.rfd), [](iocb& c) { c.aio_nbytes = 1; }); },
       -EINVAL},
      {"FDSYNC with rw_flags",
       [](const Env& e) {
         return With(io_prep_fdsync(e.efd), [](iocb& c) { c.aio_rw_flags = RWF_HIPRI; });
       },
       -EINVAL},
      {"POLL mask above 16 bits", [](const Env& e) { return io_prep_poll(e.rfd, 0x10000); },
       -EINVAL},
      {"POLL with an offset",
       [](const Env& e) {
         return With(io_prep_poll(e.rfd, POLLIN), [](iocb& c) { c.aio_offset = 1; });
       },
       -EINVAL},
      // Accepted ones, for contrast.
      {"IOPRIO RT with privilege",
       [](const Env& e) {
         return With(io_prep_pwrite(e.wfd, e.buf, 8, 0), [](iocb& c) {
           c.aio_flags |= IOCB_FLAG_IOPRIO;
           c.aio_reqprio = static_cast<int16_t>(IOPRIO_PRIO_VALUE(IOPRIO_CLASS_RT, 3));
         });
       },
       1, false, true},
      {"IOPRIO BE level 7",
       [](const Env& e) {
         return With(io_prep_pwrite(e.wfd, e.buf, 8, 0), [](iocb& c) {
           c.aio_flags |= IOCB_FLAG_IOPRIO;
           c.aio_reqprio = static_cast<int16_t>(IOPRIO_PRIO_VALUE(IOPRIO_CLASS_BE, 7));
         });
       },
       1},
      {"RWF_HIPRI is dropped",
       [](const Env& e) {
         return With(io_prep_pwrite(e.wfd, e.buf, 8, 0),
                     [](iocb& c) { c.aio_rw_flags = RWF_HIPRI; });
       },
       1},
      {"unknown aio_flags bits are ignored",
       [](const Env& e) {
         return With(io_prep_pwrite(e.wfd, e.buf, 8, 0), [](iocb& c) { c.aio_flags = 0xfffc; });
       },
       1},
      {"a bad data buffer is not a submit error",
       [](const Env& e) { return io_prep_pwrite(e.wfd, kUnmapped, 8, 0); }, 1},
  };
  for (const Case& c : cases) {
    AioWorld w;
    long got = 0;
    w.Run([&] {
      UserMem m(1 << 18);
      if (c.privileged) set_process_capabilities(current(), cap_bit(CAP_SYS_NICE));
      aio_context_t ctx = Setup(m, 8);
      int fds[2];
      Pipe(m, fds);
      Env e{&m, fds[0], fds[1], Eventfd(), m.Alloc(4096), 0};
      iocb cb = c.make(e);
      user_ptr arr = m.Alloc(8, 8);
      long page =
          sys_mmap(0, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      user_ptr at = static_cast<user_ptr>(page);
      REQUIRE(aio_user_put_iocb(at, cb) == 0);
      if (c.read_only_iocb) REQUIRE(sys_mprotect(at, PAGE_SIZE, PROT_READ) == 0);
      PokeU64(arr, at);
      got = sys_io_submit(ctx, 1, arr);
      return 0;
    });
    INFO(c.what);
    CHECK(got == c.want);
    CHECK(w.result.status == sim::RunStatus::kIdle);
    CHECK(aio_check_leaks() == 0);
  }
}

TEST_CASE("io_submit: nr, the context and the pointer array", "[aio]") {
  AioWorld w;
  w.Run([&] {
    UserMem m(1 << 16);
    aio_context_t ctx = Setup(m, 8);
    CHECK(sys_io_submit(ctx, -1, 0) == -EINVAL);
    CHECK(sys_io_submit(0, -1, 0) == -EINVAL);
    CHECK(sys_io_submit(0, 1, 0) == -EINVAL);
    CHECK(sys_io_submit(ctx, 0, kUnmapped) == 0);
    CHECK(sys_io_submit(ctx, 1, kUnmapped) == -EFAULT);
    user_ptr arr = m.Alloc(8, 8);
    PokeU64(arr, kUnmapped);
    CHECK(sys_io_submit(ctx, 1, arr) == -EFAULT);
    return 0;
  });
  CHECK(w.result.status == sim::RunStatus::kIdle);
}

TEST_CASE("io_submit: stops at the first failing iocb and returns the count if any", "[aio]") {
  AioWorld w;
  w.Run([&] {
    UserMem m(1 << 18);
    aio_context_t ctx = Setup(m, 8);
    int fds[2];
    Pipe(m, fds);
    user_ptr buf = m.Alloc(64);
    iocb ok = io_prep_pwrite(fds[1], buf, 1, 0);
    iocb bad = With(ok, [](iocb& c) { c.aio_lio_opcode = 6; });
    CHECK(sys_io_submit(ctx, 3, PlaceIocbs(m, {ok, bad, ok})) == 1);
    CHECK(sys_io_submit(ctx, 2, PlaceIocbs(m, {bad, ok})) == -EINVAL);
    user_ptr arr = PlaceIocbs(m, {ok, ok});
    PokeU64(arr + 8, kUnmapped);
    CHECK(sys_io_submit(ctx, 2, arr) == 1);
    PokeU64(arr, kUnmapped);
    CHECK(sys_io_submit(ctx, 1, arr) == -EFAULT);
    // Exactly two writes went through.
    CHECK(RingHeader(ctx).tail == 2);
    return 0;
  });
  CHECK(w.result.status == sim::RunStatus::kIdle);
  CHECK(aio_check_leaks() == 0);
}

TEST_CASE("io_submit: aio_key is written back as 0", "[aio]") {
  AioWorld w;
  w.Run([&] {
    UserMem m(1 << 16);
    aio_context_t ctx = Setup(m, 8);
    int fds[2];
    Pipe(m, fds);
    iocb cb = io_prep_pwrite(fds[1], m.Alloc(8), 1, 0);
    cb.aio_key = 1234;
    std::vector<user_ptr> at;
    user_ptr arr = PlaceIocbs(m, {cb}, &at);
    CHECK(PeekU32(at[0] + 8) == 1234);
    CHECK(sys_io_submit(ctx, 1, arr) == 1);
    CHECK(PeekU32(at[0] + 8) == 0);
    return 0;
  });
  CHECK(w.result.status == sim::RunStatus::kIdle);
}

TEST_CASE("io_submit: a failed iocb gives its slot back and posts no event", "[aio]") {
  AioWorld w;
  w.Run([&] {
    UserMem m(1 << 18);
    aio_context_t ctx = Setup(m, 1);
    iocb bad = io_prep_pread(kClosedFd, m.Alloc(8), 8, 0);
    user_ptr arr = PlaceIocbs(m, {bad});
    for (int i = 0; i < 300; ++i) REQUIRE(sys_io_submit(ctx, 1, arr) == -EBADF);
    CHECK(RingHeader(ctx).tail == 0);
    return 0;
  });
  CHECK(w.result.status == sim::RunStatus::kIdle);
  CHECK(w.Records("aio.complete").empty());
  CHECK(aio_check_leaks() == 0);
}

TEST_CASE("Read/write errors travel in io_event.res", "[aio]") {
  AioWorld w;
  std::vector<io_event> ev;
  w.Run([&] {
    UserMem m(1 << 18);
    aio_context_t ctx = Setup(m, 8);
    int fds[2];
    Pipe(m, fds);
    user_ptr buf = m.Alloc(64);
    CHECK(WriteBytes(m, fds[1], 10) == 10);
    iocb read10 = io_prep_pread(fds[0], buf, 64, 0);  // a short count: what the pipe holds
    read10.aio_data = 1;
    iocb bad_buf = io_prep_pwrite(fds[1], kUnmapped, 8, 0);
    bad_buf.aio_data = 2;
    iocb nowait = io_prep_pread(fds[0], buf, 8, 0);  // the pipe is empty now
    nowait.aio_rw_flags = RWF_NOWAIT;
    nowait.aio_data = 3;
    std::vector<user_ptr> at;
    CHECK(sys_io_submit(ctx, 3, PlaceIocbs(m, {read10, bad_buf, nowait}, &at)) == 3);
    // Synchronous completions: the events are in the ring on return.
    CHECK(RingHeader(ctx).tail == 3);
    user_ptr evs = m.Alloc(32 * 3);
    CHECK(sys_io_getevents(ctx, 3, 3, evs, 0) == 3);
    ev = Events(evs, 3);
    for (int i = 0; i < 3; ++i) CHECK(ev[i].obj == at[i]);
    return 0;
  });
  REQUIRE(ev.size() == 3);
  CHECK(ev[0].data == 1);
  CHECK(ev[0].res == 10);
  CHECK(ev[1].res == -EFAULT);
  CHECK(ev[2].res == -EAGAIN);
  for (const auto& e : ev) CHECK(e.res2 == 0);
  CHECK(aio_check_leaks() == 0);
}

TEST_CASE("A read interrupted by a signal inside io_submit completes with -EINTR", "[aio]") {
  AioWorld w;
  long submitted = 0;
  io_event ev;
  w.Run([&] {
    UserMem m(1 << 16);
    aio_context_t ctx = Setup(m, 8);
    int fds[2];
    Pipe(m, fds);
    k_sigaction act;
    act.handler = 0x1000;  // a user handler
    REQUIRE(do_sigaction(SIGUSR1, &act, nullptr) == 0);
    user_ptr arr = PlaceIocbs(m, {io_prep_pread(fds[0], m.Alloc(8), 8, 0)});
    task_struct* self = current();
    create_thread(current(), "killer", [&] {
      sys_nanosleep_ns(sim::kMillisecond);
      sys_tgkill(self->tgid, self->pid, SIGUSR1);
      return 0;
    });
    submitted = sys_io_submit(ctx, 1, arr);
    user_ptr evs = m.Alloc(32);
    CHECK(sys_io_getevents(ctx, 1, 1, evs, 0) == 1);
    ev = Events(evs, 1)[0];
    return 0;
  });
  CHECK(submitted == 1);
  CHECK(ev.res == -EINTR);
  CHECK(aio_check_leaks() == 0);
}

TEST_CASE("IOCB_FLAG_RESFD signals the eventfd once per completion", "[aio]") {
  AioWorld w;
  int64_t count = 0;
  w.Run([&] {
    UserMem m(1 << 16);
    aio_context_t ctx = Setup(m, 8);
    int fds[2];
    Pipe(m, fds);
    int efd = Eventfd();
    iocb cb = io_prep_pwrite(fds[1], m.Alloc(8), 4, 0);
    io_set_eventfd(&cb, efd);
    CHECK(sys_io_submit(ctx, 3, PlaceIocbs(m, {cb, cb, cb})) == 3);
    count = ReadEventfd(m, efd);
    return 0;
  });
  CHECK(count == 3);
  CHECK(aio_check_leaks() == 0);
}
