// IOCB_CMD_POLL: synchronous and wake-up completions, the work path,
// one-shot semantics, cancellation, destroy with polls pending, POLLFREE,
// files with two wait queues or none, and the refcount history of each path.
#include <catch2/catch.hpp>

#include "kernel_model/aio.h"
#include "kernel_model/aio_types.h"
#include "kernel_model/aio_user.h"
#include "kernel_model/eventfd.h"
#include "kernel_model/fs.h"
#include "kernel_model/kernel.h"
#include "kernel_model/poll.h"
#include "kernel_model/read_write.h"
#include "kernel_model/sched.h"
#include "kernel_model/wait.h"
#include "tests/kernel_model/aio_world.h"

using namespace kernel;
using namespace aiotest;

namespace {

// A test file type: poll registers one or two wait queues of its own and
// reports `ready`; the queues outlive the run.
struct TestPollFile {
  wait_queue_head a{"test_poll_a"};
  wait_queue_head b{"test_poll_b"};
  __poll_t ready = 0;
  bool two_queues = false;
};

__poll_t test_poll(file* f, poll_table* pt) {
  auto* t = static_cast<TestPollFile*>(f->private_data);
  poll_wait(f, &t->a, pt);
  if (t->two_queues) poll_wait(f, &t->b, pt);
  return t->ready;
}

const file_operations test_poll_fops = {.name = "test_poll", .poll = test_poll};
const file_operations test_nopoll_fops = {.name = "test_nopoll"};

int InstallFile(const file_operations* fops, void* priv) {
  int fd = get_unused_fd_flags(0);
  REQUIRE(fd >= 0);
  fd_install(static_cast<unsigned>(fd), alloc_file_pseudo("test", O_RDWR, fops, priv));
  return fd;
}

io_event OneEvent(UserMem& m, aio_context_t ctx) {
  user_ptr evs = m.Alloc(32);
  REQUIRE(sys_io_getevents(ctx, 1, 1, evs, 0) == 1);
  return Events(evs, 1)[0];
}

}  // namespace

TEST_CASE("POLL on a ready file completes inside io_submit with the polled mask", "[aio][poll]") {
  AioWorld w;
  io_event ev;
  w.Run([&] {
    UserMem m(1 << 16);
    aio_context_t ctx = Setup(m, 8);
    int fds[2];
    Pipe(m, fds);
    WriteBytes(m, fds[1], 1);
    CHECK(sys_io_submit(ctx, 1, PlaceIocbs(m, {io_prep_poll(fds[0], POLLIN)})) == 1);
    CHECK(RingHeader(ctx).tail == 1);
    ev = OneEvent(m, ctx);
    return 0;
  });
  CHECK(ev.res == POLLIN);  // EPOLLIN|EPOLLRDNORM from the pipe, ANDed with the request
  // The completion reference is dropped by aio_poll, the last one by the submit path.
  CHECK(w.RefHistory(1) ==
        std::vector<std::string>{"+aio_get_req:2", "-aio_poll:1", "-io_submit_one:0"});
  CHECK(aio_check_leaks() == 0);
}

TEST_CASE("A pending POLL completes inline from the waker with the raw wake-key mask",
          "[aio][poll]") {
  AioWorld w;
  io_event pipe_ev, efd_ev;
  w.Run([&] {
    UserMem m(1 << 16);
    aio_context_t ctx = Setup(m, 8);
    int fds[2];
    Pipe(m, fds);
    int efd = Eventfd();
    CHECK(sys_io_submit(ctx, 1, PlaceIocbs(m, {io_prep_poll(fds[0], POLLIN)})) == 1);
    CHECK(RingHeader(ctx).tail == 0);
    WriteBytes(m, fds[1], 1);
    CHECK(RingHeader(ctx).tail == 1);  // completed in the writer's wake-up
    pipe_ev = OneEvent(m, ctx);
    CHECK(sys_io_submit(ctx, 1, PlaceIocbs(m, {io_prep_poll(efd, POLLIN)})) == 1);
    user_ptr one = m.Alloc(8, 8);
    PokeU64(one, 1);
    CHECK(sys_write(static_cast<unsigned>(efd), one, 8) == 8);
    efd_ev = OneEvent(m, ctx);
    return 0;
  });
  CHECK(pipe_ev.res == 0x41);
  CHECK(efd_ev.res == 0x1);
  CHECK(w.RefHistory(1) ==
        std::vector<std::string>{"+aio_get_req:2", "-io_submit_one:1", "-aio_poll_wake:0"});
  auto wakes = w.Records("aio.poll_wake");
  REQUIRE(!wakes.empty());
  CHECK(wakes[0].values[3] == 1);  // inline
  CHECK(aio_check_leaks() == 0);
}

TEST_CASE("POLL: a non-matching wake-up is ignored; a keyless one goes through the work",
          "[aio][poll]") {
  AioWorld w;
  io_event ev;
  w.Run([&] {
    UserMem m(1 << 16);
    aio_context_t ctx = Setup(m, 8);
    int fds[2];
    Pipe(m, fds);
    CHECK(sys_io_submit(ctx, 1, PlaceIocbs(m, {io_prep_poll(fds[0], POLLPRI)})) == 1);
    WriteBytes(m, fds[1], 1);  // key 0x41: no overlap with PRI|ERR|HUP
    CHECK(RingHeader(ctx).tail == 0);
    CHECK(sys_close(static_cast<unsigned>(fds[1])) == 0);  // wakes without a key
    ev = OneEvent(m, ctx);
    return 0;
  });
  CHECK(ev.res == POLLHUP);  // the worker re-polled: no writers
  auto wakes = w.Records("aio.poll_wake");
  REQUIRE(wakes.size() >= 2);
  CHECK(wakes[0].values[3] == 0);  // ignored
  CHECK(wakes[1].values[3] == 2);  // work scheduled
  CHECK(w.RefHistory(1) == std::vector<std::string>{"+aio_get_req:2", "-io_submit_one:1",
                                                    "-aio_poll_complete_work:0"});
  CHECK(aio_check_leaks() == 0);
}

TEST_CASE("POLL: when the ctx_lock trylock fails the work completes it", "[aio][poll]") {
  AioWorld w;
  io_event ev;
  w.Run([&] {
    aio_get_state()->opts.poll_trylock_fail_num = 1;
    aio_get_state()->opts.poll_trylock_fail_den = 1;
    UserMem m(1 << 16);
    aio_context_t ctx = Setup(m, 8);
    int fds[2];
    Pipe(m, fds);
    CHECK(sys_io_submit(ctx, 1, PlaceIocbs(m, {io_prep_poll(fds[0], POLLIN)})) == 1);
    WriteBytes(m, fds[1], 1);
    ev = OneEvent(m, ctx);
    return 0;
  });
  CHECK(ev.res == POLLIN);  // re-polled mask, not the wake key
  CHECK(w.Records("aio.poll_wake")[0].values[3] == 2);
  CHECK(aio_check_leaks() == 0);
}

TEST_CASE("POLL is one-shot: one pipe write completes every pending poll", "[aio][poll]") {
  AioWorld w;
  long got = 0;
  w.Run([&] {
    UserMem m(1 << 20);
    aio_context_t ctx = Setup(m, 128);
    int fds[2];
    Pipe(m, fds);
    std::vector<iocb> cbs(118, io_prep_poll(fds[0], POLLIN));
    CHECK(sys_io_submit(ctx, 118, PlaceIocbs(m, cbs)) == 118);
    WriteBytes(m, fds[1], 1);
    user_ptr evs = m.Alloc(32 * 200);
    got = sys_io_getevents(ctx, 1, 200, evs, 0);
    return 0;
  });
  CHECK(got == 118);
  CHECK(aio_check_leaks() == 0);
}

TEST_CASE("io_cancel: a pending POLL gives -EINPROGRESS and its event (res 0) arrives via the ring",
          "[aio][poll]") {
  AioWorld w;
  io_event ev;
  int64_t efd_count = 0;
  long second = 0, copy = 0, badkey = 0, fault = 0;
  w.Run([&] {
    UserMem m(1 << 16);
    aio_context_t ctx = Setup(m, 8);
    int fds[2];
    Pipe(m, fds);
    int efd = Eventfd();
    iocb cb = io_prep_poll(fds[0], POLLIN);
    io_set_eventfd(&cb, efd);
    cb.aio_data = 77;
    std::vector<user_ptr> at;
    CHECK(sys_io_submit(ctx, 1, PlaceIocbs(m, {cb}, &at)) == 1);
    user_ptr result = m.Alloc(32);
    PokeU64(result, 0xdead);
    // A copy of the iocb at another address is not the request.
    std::vector<user_ptr> copy_at;
    PlaceIocbs(m, {cb}, &copy_at);
    PokeU32(copy_at[0] + 8, 0);
    copy = sys_io_cancel(ctx, copy_at[0], result);
    CHECK(sys_io_cancel(ctx, at[0], result) == -EINPROGRESS);
    CHECK(PeekU64(result) == 0xdead);  // never written
    second = sys_io_cancel(ctx, at[0], result);
    ev = OneEvent(m, ctx);
    efd_count = ReadEventfd(m, efd);
    PokeU32(at[0] + 8, 5);
    badkey = sys_io_cancel(ctx, at[0], result);
    fault = sys_io_cancel(0, 0, 0);  // EFAULT before the context check
    return 0;
  });
  CHECK(copy == -EINVAL);
  CHECK(second == -EINVAL);
  CHECK(badkey == -EINVAL);
  CHECK(fault == -EFAULT);
  CHECK(ev.res == 0);
  CHECK(ev.res2 == 0);
  CHECK(ev.data == 77);
  CHECK(efd_count == 1);
  CHECK(w.RefHistory(1) == std::vector<std::string>{"+aio_get_req:2", "-io_submit_one:1",
                                                    "-aio_poll_complete_work:0"});
  CHECK(aio_check_leaks() == 0);
}

TEST_CASE("io_cancel of a read in flight is -EINVAL (reads are not cancellable)", "[aio]") {
  AioWorld w;
  long cancel = 0;
  w.Run([&] {
    UserMem m(1 << 16);
    aio_context_t ctx = Setup(m, 8);
    int fds[2];
    Pipe(m, fds);
    std::vector<user_ptr> at;
    user_ptr arr = PlaceIocbs(m, {io_prep_pread(fds[0], m.Alloc(8), 8, 0)}, &at);
    create_thread(current(), "reader",
                  [&] { return static_cast<int>(sys_io_submit(ctx, 1, arr)); });
    sys_nanosleep_ns(sim::kMillisecond);  // the reader now sleeps in pipe_read
    cancel = sys_io_cancel(ctx, at[0], m.Alloc(32));
    WriteBytes(m, fds[1], 8);
    OneEvent(m, ctx);
    return 0;
  });
  CHECK(cancel == -EINVAL);
  CHECK(aio_check_leaks() == 0);
}

TEST_CASE("io_destroy with pending polls cancels them: events res 0, eventfd counts each",
          "[aio][poll]") {
  AioWorld w;
  int64_t count = 0;
  sim::SimTime took = -1;
  w.Run([&] {
    UserMem m(1 << 16);
    aio_context_t ctx = Setup(m, 16);
    int fds[2];
    Pipe(m, fds);
    int efd = Eventfd();
    iocb cb = io_prep_poll(fds[0], POLLIN);
    io_set_eventfd(&cb, efd);
    std::vector<iocb> cbs(10, cb);
    CHECK(sys_io_submit(ctx, 10, PlaceIocbs(m, cbs)) == 10);
    sim::SimTime t0 = w.sched.Now();
    CHECK(sys_io_destroy(ctx) == 0);
    took = w.sched.Now() - t0;
    count = ReadEventfd(m, efd);
    return 0;
  });
  CHECK(took == 0);
  CHECK(count == 10);
  auto done = w.Records("aio.complete");
  REQUIRE(done.size() == 10);
  for (const auto& r : done) CHECK(r.values[2] == 0);
  CHECK(aio_check_leaks() == 0);
}

TEST_CASE("POLLFREE: a freed wait queue completes the poll inline with POLLHUP", "[aio][poll]") {
  AioWorld w;
  TestPollFile tf;
  io_event ev;
  w.Run([&] {
    UserMem m(1 << 16);
    aio_context_t ctx = Setup(m, 8);
    int fd = InstallFile(&test_poll_fops, &tf);
    CHECK(sys_io_submit(ctx, 1, PlaceIocbs(m, {io_prep_poll(fd, POLLIN)})) == 1);
    CHECK(waitqueue_active(&tf.a));
    wake_up_pollfree(&tf.a);  // every entry must have left the queue (checked)
    CHECK(!waitqueue_active(&tf.a));
    ev = OneEvent(m, ctx);
    return 0;
  });
  CHECK(w.result.status == sim::RunStatus::kIdle);
  CHECK(ev.res == POLLHUP);  // the key EPOLLHUP|POLLFREE, POLLFREE dropped by mangle_poll
  CHECK(w.Records("aio.poll_wake")[0].values[3] == 1);
  CHECK(aio_check_leaks() == 0);
}

TEST_CASE("POLLFREE without inline completion: cancelled, dequeued, head cleared; res 0",
          "[aio][poll]") {
  AioWorld w;
  TestPollFile tf;
  io_event ev;
  w.Run([&] {
    aio_get_state()->opts.poll_trylock_fail_num = 1;  // ctx_lock always busy
    UserMem m(1 << 16);
    aio_context_t ctx = Setup(m, 8);
    int fd = InstallFile(&test_poll_fops, &tf);
    CHECK(sys_io_submit(ctx, 1, PlaceIocbs(m, {io_prep_poll(fd, POLLIN)})) == 1);
    wake_up_pollfree(&tf.a);
    CHECK(!waitqueue_active(&tf.a));
    ev = OneEvent(m, ctx);
    return 0;
  });
  CHECK(w.result.status == sim::RunStatus::kIdle);
  CHECK(ev.res == 0);
  CHECK(w.Records("aio.poll_wake")[0].values[3] == 2);  // work scheduled
  auto work = w.Records("aio.poll_work");
  REQUIRE(work.size() == 1);
  CHECK(work[0].values[3] == 1);  // completed as cancelled
  CHECK(aio_check_leaks() == 0);
}

TEST_CASE("POLL on a file with two wait queues is EINVAL; without a poll method, the default mask",
          "[aio][poll]") {
  AioWorld w;
  TestPollFile two;
  two.two_queues = true;
  long two_ret = 0, nopoll_ret = 0, nopoll_pri = 0;
  io_event ev;
  w.Run([&] {
    UserMem m(1 << 16);
    aio_context_t ctx = Setup(m, 8);
    int fd2 = InstallFile(&test_poll_fops, &two);
    two_ret = sys_io_submit(ctx, 1, PlaceIocbs(m, {io_prep_poll(fd2, POLLIN)}));
    CHECK(!waitqueue_active(&two.a));
    CHECK(!waitqueue_active(&two.b));
    int fdn = InstallFile(&test_nopoll_fops, nullptr);
    nopoll_ret = sys_io_submit(ctx, 1, PlaceIocbs(m, {io_prep_poll(fdn, POLLIN)}));
    ev = OneEvent(m, ctx);
    nopoll_pri = sys_io_submit(ctx, 1, PlaceIocbs(m, {io_prep_poll(fdn, POLLPRI)}));
    return 0;
  });
  CHECK(two_ret == -EINVAL);
  CHECK(nopoll_ret == 1);
  CHECK(ev.res == 1);            // DEFAULT_POLLMASK & POLLIN
  CHECK(nopoll_pri == -EINVAL);  // nothing of the default mask was asked for
  CHECK(aio_check_leaks() == 0);
}

TEST_CASE("POLL with RESFD completing inside an eventfd wake-up defers its put to a work item",
          "[aio][poll]") {
  AioWorld w;
  int64_t b_count = 0;
  w.Run([&] {
    UserMem m(1 << 16);
    aio_context_t ctx = Setup(m, 8);
    int a = Eventfd(), b = Eventfd();
    iocb cb = io_prep_poll(a, POLLIN);
    io_set_eventfd(&cb, b);
    CHECK(sys_io_submit(ctx, 1, PlaceIocbs(m, {cb})) == 1);
    user_ptr one = m.Alloc(8, 8);
    PokeU64(one, 1);
    CHECK(sys_write(static_cast<unsigned>(a), one, 8) == 8);
    OneEvent(m, ctx);
    b_count = ReadEventfd(m, b);
    return 0;
  });
  CHECK(b_count == 1);
  CHECK(w.RefHistory(1) ==
        std::vector<std::string>{"+aio_get_req:2", "-io_submit_one:1", "-aio_poll_put_work:0"});
  CHECK(w.Violations().empty());
  CHECK(aio_check_leaks() == 0);
}
