// AIO on regular files (simplefs on a ramdisk): buffered I/O completing
// inside io_submit, O_DIRECT completing from bi_end_io, fsync on system_wq
// with the submitter's credentials, in-event errors, and the retry design
// against mainline on a cold-cache buffered read.
#include <catch2/catch.hpp>

#include "kernel_model/aio.h"
#include "kernel_model/aio_user.h"
#include "kernel_model/mm.h"
#include "kernel_model/read_write.h"
#include "kernel_model/sched.h"
#include "kernel_model/vfs_namei.h"
#include "kernel_model/vfs_setup.h"
#include "tests/kernel_model/aio_world.h"

using namespace kernel;
using namespace aiotest;

namespace {

constexpr size_t kFileBytes = 1 << 20;

// A world with a ramdisk (100 us per request), simplefs at /data and a
// pattern file /data/f of 1 MiB.
struct FileWorld : AioWorld {
  explicit FileWorld(kernel_test::DiskSpec spec = {}, simplefs_options fs = {}) {
    AddRamdisk("sda", spec);
    Mount("sda", "/data", fs);
    File("/data/f", kFileBytes);
    ino = lookup_path("/data/f")->i_ino;
  }
  std::vector<uint8_t> Pattern(uint64_t off, size_t len) const {
    return kernel_test::PatternBytes(ino, off, len);
  }
  unsigned long ino = 0;
};

std::vector<uint8_t> Bytes(user_ptr at, size_t n) {
  std::vector<uint8_t> v(n);
  Peek(at, v.data(), n);
  return v;
}

io_event Reap(UserMem& m, aio_context_t ctx, user_ptr timeout = 0) {
  user_ptr evs = m.Alloc(32);
  REQUIRE(sys_io_getevents(ctx, 1, 1, evs, timeout) == 1);
  return Events(evs, 1)[0];
}

// An aligned buffer for O_DIRECT.
user_ptr Aligned(UserMem& m, size_t n) { return m.Alloc(n, 4096); }

}  // namespace

TEST_CASE("Buffered read: completes inside io_submit, blocking on the device (mainline)",
          "[aio][file]") {
  FileWorld w;
  sim::SimTime in_submit = -1;
  uint32_t tail_on_return = 0;
  std::vector<uint8_t> data;
  io_event ev;
  w.Run([&] {
    UserMem m(1 << 20);
    aio_context_t ctx = Setup(m, 8);
    long fd = sys_open("/data/f", O_RDONLY, 0);
    REQUIRE(fd >= 0);
    user_ptr buf = m.Alloc(4096);
    user_ptr arr = PlaceIocbs(m, {io_prep_pread(static_cast<int>(fd), buf, 4096, 8192)});
    sim::SimTime t0 = w.Now();
    CHECK(sys_io_submit(ctx, 1, arr) == 1);
    in_submit = w.Now() - t0;
    tail_on_return = RingHeader(ctx).tail;
    ev = Reap(m, ctx);
    data = Bytes(buf, 4096);
    return 0;
  });
  CHECK(in_submit >= 100 * sim::kMicrosecond);
  CHECK(tail_on_return == 1);
  CHECK(ev.res == 4096);
  CHECK(data == w.Pattern(8192, 4096));
  CHECK(w.RefHistory(1) ==
        std::vector<std::string>{"+aio_get_req:2", "-aio_complete_rw:1", "-io_submit_one:0"});
  CHECK(aio_check_leaks() == 0);
}

TEST_CASE("O_DIRECT read: io_submit returns before the device; bi_end_io completes it",
          "[aio][file]") {
  FileWorld w;
  sim::SimTime in_submit = -1, done_after = -1;
  uint32_t tail_on_return = 99;
  std::vector<uint8_t> data;
  io_event ev;
  w.Run([&] {
    UserMem m(1 << 20);
    aio_context_t ctx = Setup(m, 8);
    long fd = sys_open("/data/f", O_RDONLY | O_DIRECT, 0);
    REQUIRE(fd >= 0);
    user_ptr buf = Aligned(m, 4096);
    user_ptr arr = PlaceIocbs(m, {io_prep_pread(static_cast<int>(fd), buf, 4096, 4096)});
    sim::SimTime t0 = w.Now();
    CHECK(sys_io_submit(ctx, 1, arr) == 1);
    in_submit = w.Now() - t0;
    tail_on_return = RingHeader(ctx).tail;
    ev = Reap(m, ctx);
    done_after = w.Now() - t0;
    data = Bytes(buf, 4096);
    return 0;
  });
  CHECK(in_submit == 0);
  CHECK(tail_on_return == 0);
  CHECK(done_after >= 100 * sim::kMicrosecond);
  CHECK(ev.res == 4096);
  CHECK(data == w.Pattern(4096, 4096));
  // The submit path lets go first; the completion side (in interrupt
  // context) drops the last reference and posts the event.
  CHECK(w.RefHistory(1) ==
        std::vector<std::string>{"+aio_get_req:2", "-io_submit_one:1", "-aio_complete_rw:0"});
  auto puts = w.Records("aio.iocb_put");
  REQUIRE(puts.size() == 2);
  CHECK(puts[1].task == 0);  // interrupt context
  CHECK(aio_check_leaks() == 0);
}

TEST_CASE("In-event errors and short counts on regular files", "[aio][file]") {
  FileWorld w(kernel_test::DiskSpec{}, simplefs_options{.max_file_bytes = 2 << 20});
  std::vector<io_event> ev;
  w.Run([&] {
    UserMem m(1 << 21);
    aio_context_t ctx = Setup(m, 32);
    int fd = static_cast<int>(sys_open("/data/f", O_RDWR, 0));
    int dfd = static_cast<int>(sys_open("/data/f", O_RDWR | O_DIRECT, 0));
    user_ptr buf = Aligned(m, 8192);
    std::vector<iocb> cbs = {
        io_prep_pread(dfd, buf + 1, 4096, 0),            // misaligned buffer
        io_prep_pread(dfd, buf, 100, 0),                 // misaligned length
        io_prep_pread(dfd, buf, 4096, 1),                // misaligned offset
        io_prep_pread(fd, buf, 4096, kFileBytes),        // at EOF: 0
        io_prep_pread(fd, buf, 4096, kFileBytes - 100),  // straddling EOF
        io_prep_pwrite(fd, buf, 4096, 2 << 20),          // at s_maxbytes: -EFBIG
        io_prep_pread(fd, 0x1000, 4096, 0),              // unmapped buffer
    };
    std::vector<iocb> numbered = cbs;
    for (size_t i = 0; i < numbered.size(); ++i) numbered[i].aio_data = i;
    CHECK(sys_io_submit(ctx, static_cast<long>(numbered.size()), PlaceIocbs(m, numbered)) ==
          static_cast<long>(numbered.size()));
    user_ptr evs = m.Alloc(32 * numbered.size());
    long n = sys_io_getevents(ctx, static_cast<long>(numbered.size()),
                              static_cast<long>(numbered.size()), evs, 0);
    REQUIRE(n == static_cast<long>(numbered.size()));
    ev = Events(evs, n);
    return 0;
  });
  std::map<uint64_t, int64_t> res;
  for (const auto& e : ev) res[e.data] = e.res;
  CHECK(res[0] == -EINVAL);
  CHECK(res[1] == -EINVAL);
  CHECK(res[2] == -EINVAL);
  CHECK(res[3] == 0);
  CHECK(res[4] == 100);
  CHECK(res[5] == -EFBIG);
  CHECK(res[6] == -EFAULT);
  CHECK(aio_check_leaks() == 0);
}

TEST_CASE("ENOSPC travels in the event", "[aio][file]") {
  kernel_test::DiskSpec small;
  small.capacity_bytes = 2 << 20;
  FileWorld w(small);
  io_event ev;
  w.Run([&] {
    UserMem m(4 << 20);
    aio_context_t ctx = Setup(m, 8);
    int fd = static_cast<int>(sys_open("/data/g", O_RDWR | O_CREAT, 0644));
    REQUIRE(fd >= 0);
    user_ptr buf = m.Alloc(3 << 20);
    CHECK(sys_io_submit(ctx, 1, PlaceIocbs(m, {io_prep_pwrite(fd, buf, 3 << 20, 0)})) == 1);
    ev = Reap(m, ctx);
    // Nothing is left for a second write.
    CHECK(sys_io_submit(ctx, 1, PlaceIocbs(m, {io_prep_pwrite(fd, buf, 4096, 3 << 20)})) == 1);
    io_event second = Reap(m, ctx);
    CHECK(second.res == -ENOSPC);
    return 0;
  });
  CHECK(ev.res > 0);
  CHECK(ev.res < (3 << 20));  // a short write
  CHECK(aio_check_leaks() == 0);
}

TEST_CASE("RWF_NOWAIT on a cold page: -EAGAIN in the event, no blocking", "[aio][file]") {
  FileWorld w;
  io_event ev;
  sim::SimTime in_submit = -1;
  w.Run([&] {
    UserMem m(1 << 20);
    aio_context_t ctx = Setup(m, 8);
    int fd = static_cast<int>(sys_open("/data/f", O_RDONLY, 0));
    iocb cb = io_prep_pread(fd, m.Alloc(4096), 4096, 0);
    cb.aio_rw_flags = RWF_NOWAIT;
    sim::SimTime t0 = w.Now();
    CHECK(sys_io_submit(ctx, 1, PlaceIocbs(m, {cb})) == 1);
    in_submit = w.Now() - t0;
    ev = Reap(m, ctx);
    return 0;
  });
  CHECK(in_submit == 0);
  CHECK(ev.res == -EAGAIN);
  CHECK(aio_check_leaks() == 0);
}

TEST_CASE("FSYNC runs on system_wq with the submitter's credentials", "[aio][file]") {
  FileWorld w;
  uint32_t tail_on_return = 99;
  io_event ev;
  pid_t tgid = 0;
  w.Run([&] {
    tgid = current()->tgid;
    UserMem m(1 << 20);
    aio_context_t ctx = Setup(m, 8);
    int fd = static_cast<int>(sys_open("/data/f", O_RDWR, 0));
    user_ptr buf = m.Alloc(4096);
    CHECK(sys_write(static_cast<unsigned>(fd), buf, 4096) == 4096);  // something dirty
    CHECK(sys_io_submit(ctx, 1, PlaceIocbs(m, {io_prep_fsync(fd)})) == 1);
    tail_on_return = RingHeader(ctx).tail;
    ev = Reap(m, ctx);
    return 0;
  });
  CHECK(tail_on_return == 0);
  CHECK(ev.res == 0);
  auto work = w.Records("aio.fsync_work");
  REQUIRE(work.size() == 1);
  CHECK(work[0].values[3] == 1000);  // uid of the submitter
  CHECK(work[0].values[4] == tgid);  // its process's credentials, not the worker's
  CHECK(work[0].task != w.task->fiber);
  CHECK(w.RefHistory(1) ==
        std::vector<std::string>{"+aio_get_req:2", "-io_submit_one:1", "-aio_fsync_work:0"});
  CHECK(aio_check_leaks() == 0);
}

TEST_CASE("io_destroy waits for O_DIRECT reads in flight", "[aio][file]") {
  FileWorld w;
  sim::SimTime destroy_took = -1;
  w.Run([&] {
    UserMem m(1 << 20);
    aio_context_t ctx = Setup(m, 8);
    int fd = static_cast<int>(sys_open("/data/f", O_RDONLY | O_DIRECT, 0));
    user_ptr buf = Aligned(m, 16384);
    std::vector<iocb> cbs;
    for (int i = 0; i < 4; ++i) cbs.push_back(io_prep_pread(fd, buf + 4096 * i, 4096, 4096 * i));
    CHECK(sys_io_submit(ctx, 4, PlaceIocbs(m, cbs)) == 4);
    sim::SimTime t0 = w.Now();
    CHECK(sys_io_destroy(ctx) == 0);
    destroy_took = w.Now() - t0;
    return 0;
  });
  CHECK(destroy_took >= 100 * sim::kMicrosecond);
  CHECK(w.Records("aio.complete").size() == 4);
  CHECK(aio_check_leaks() == 0);
}

namespace {

struct ColdRead {
  sim::SimTime in_submit = -1;
  sim::SimTime event_at = -1;
  uint32_t tail_on_return = 99;
  std::vector<uint8_t> data;
  io_event ev;
  std::vector<int64_t> dispatched;
  std::vector<std::string> refs;
};

// A cold-cache buffered read of 16 KiB at 64 KiB, reaped by io_getevents
// (waiting) or only after a sleep.
ColdRead RunColdRead(const std::string& design, bool wait_in_getevents) {
  FileWorld w;
  ColdRead r;
  sim::SimTime t0 = 0;
  w.Run(
      [&] {
        UserMem m(1 << 20);
        aio_context_t ctx = Setup(m, 8);
        int fd = static_cast<int>(sys_open("/data/f", O_RDONLY, 0));
        user_ptr buf = m.Alloc(16384);
        user_ptr arr = PlaceIocbs(m, {io_prep_pread(fd, buf, 16384, 65536)});
        t0 = w.Now();
        CHECK(sys_io_submit(ctx, 1, arr) == 1);
        r.in_submit = w.Now() - t0;
        r.tail_on_return = RingHeader(ctx).tail;
        if (!wait_in_getevents) sys_nanosleep_ns(500 * sim::kMillisecond);
        r.ev = Reap(m, ctx);
        r.data = Bytes(buf, 16384);
        return 0;
      },
      design);
  auto done = w.Records("aio.complete");
  REQUIRE(done.size() == 1);
  r.event_at = done[0].time - t0;
  r.dispatched = w.DispatchedSectors(REQ_OP_READ);
  r.refs = w.RefHistory(1);
  std::vector<uint8_t> want = w.Pattern(65536, 16384);
  CHECK(r.data == want);
  CHECK(w.result.status == sim::RunStatus::kIdle);
  CHECK(aio_check_leaks() == 0);
  return r;
}

}  // namespace

TEST_CASE("mainline vs retry on a cold-cache buffered read", "[aio][file][retry]") {
  ColdRead main = RunColdRead("mainline", true);
  ColdRead retry = RunColdRead("retry", true);
  // mainline: the submitter waited for the device; the event was there on return.
  CHECK(main.in_submit >= 100 * sim::kMicrosecond);
  CHECK(main.tail_on_return == 1);
  // retry: io_submit did not wait; the event came later.
  CHECK(retry.in_submit == 0);
  CHECK(retry.tail_on_return == 0);
  CHECK(retry.event_at >= 100 * sim::kMicrosecond);
  // Kicked with a waiter in io_getevents: within a jiffy (4 ms) of the device.
  CHECK(retry.event_at <= main.in_submit + 4 * sim::kMillisecond);
  // Same data (checked inside), same result, same device work.
  CHECK(main.ev.res == 16384);
  CHECK(retry.ev.res == 16384);
  CHECK(main.dispatched == retry.dispatched);
  // Submit reference, then the kick handler's pass: get, complete, put.
  CHECK(retry.refs == std::vector<std::string>{"+aio_get_req:2", "-io_submit_one:1",
                                               "+__aio_run_iocbs:2", "-aio_complete_rw:1",
                                               "-__aio_run_iocbs:0"});
}

TEST_CASE("retry: with nobody in io_getevents the kick waits HZ/10", "[aio][file][retry]") {
  ColdRead r = RunColdRead("retry", false);
  CHECK(r.in_submit == 0);
  CHECK(r.event_at >= 100 * sim::kMillisecond);
  CHECK(r.event_at <= 100 * sim::kMillisecond + 4 * sim::kMillisecond + sim::kMillisecond);
  CHECK(r.ev.res == 16384);
}

TEST_CASE("retry: an O_SYNC write returns at once and completes after writeback",
          "[aio][file][retry]") {
  FileWorld w;
  sim::SimTime in_submit = -1;
  io_event ev;
  w.Run(
      [&] {
        UserMem m(1 << 20);
        aio_context_t ctx = Setup(m, 8);
        int fd = static_cast<int>(sys_open("/data/f", O_RDWR | O_SYNC, 0));
        user_ptr buf = m.Alloc(8192);
        std::vector<uint8_t> ones(8192, 0x5a);
        Poke(buf, ones.data(), ones.size());
        // Page-aligned full pages: no read before the write.
        sim::SimTime t0 = w.Now();
        CHECK(sys_io_submit(ctx, 1, PlaceIocbs(m, {io_prep_pwrite(fd, buf, 8192, 0)})) == 1);
        in_submit = w.Now() - t0;
        ev = Reap(m, ctx);
        return 0;
      },
      "retry");
  CHECK(in_submit == 0);
  CHECK(ev.res == 8192);
  CHECK(w.Contents("/data/f", 0, 8192) == std::vector<uint8_t>(8192, 0x5a));
  CHECK(w.DispatchedSectors(REQ_OP_WRITE).size() >= 1);
  CHECK(!w.Records("aio.kick").empty());
  CHECK(aio_check_leaks() == 0);
}

TEST_CASE("mainline: an O_SYNC write blocks io_submit until written back", "[aio][file]") {
  FileWorld w;
  sim::SimTime in_submit = -1;
  w.Run([&] {
    UserMem m(1 << 20);
    aio_context_t ctx = Setup(m, 8);
    int fd = static_cast<int>(sys_open("/data/f", O_RDWR | O_SYNC, 0));
    user_ptr buf = m.Alloc(8192);
    sim::SimTime t0 = w.Now();
    CHECK(sys_io_submit(ctx, 1, PlaceIocbs(m, {io_prep_pwrite(fd, buf, 8192, 0)})) == 1);
    in_submit = w.Now() - t0;
    CHECK(RingHeader(ctx).tail == 1);
    return 0;
  });
  CHECK(in_submit >= 100 * sim::kMicrosecond);
  CHECK(aio_check_leaks() == 0);
}

TEST_CASE("PREADV and PWRITEV move data through iovec arrays", "[aio][file]") {
  FileWorld w;
  std::vector<uint8_t> got_a, got_b;
  std::vector<io_event> ev;
  w.Run([&] {
    UserMem m(1 << 20);
    aio_context_t ctx = Setup(m, 8);
    int fd = static_cast<int>(sys_open("/data/f", O_RDWR, 0));
    user_ptr a = m.Alloc(100), b = m.Alloc(200);
    std::vector<uint8_t> as(100, 'a'), bs(200, 'b');
    Poke(a, as.data(), 100);
    Poke(b, bs.data(), 200);
    user_ptr wiov = m.Alloc(32, 8);
    PokeU64(wiov, a);
    PokeU64(wiov + 8, 100);
    PokeU64(wiov + 16, b);
    PokeU64(wiov + 24, 200);
    user_ptr ra = m.Alloc(150), rb = m.Alloc(150);
    user_ptr riov = m.Alloc(32, 8);
    PokeU64(riov, ra);
    PokeU64(riov + 8, 150);
    PokeU64(riov + 16, rb);
    PokeU64(riov + 24, 150);
    iocb wr = io_prep_pwritev(fd, wiov, 2, 10);
    iocb rd = io_prep_preadv(fd, riov, 2, 10);
    CHECK(sys_io_submit(ctx, 2, PlaceIocbs(m, {wr, rd})) == 2);
    user_ptr evs = m.Alloc(64);
    REQUIRE(sys_io_getevents(ctx, 2, 2, evs, 0) == 2);
    ev = Events(evs, 2);
    got_a = Bytes(ra, 150);
    got_b = Bytes(rb, 150);
    return 0;
  });
  REQUIRE(ev.size() == 2);
  CHECK(ev[0].res == 300);
  CHECK(ev[1].res == 300);
  std::vector<uint8_t> want_a(100, 'a');
  want_a.insert(want_a.end(), 50, 'b');
  CHECK(got_a == want_a);
  CHECK(got_b == std::vector<uint8_t>(150, 'b'));
  CHECK(aio_check_leaks() == 0);
}

TEST_CASE("Process exit: exit_aio waits for O_DIRECT reads in flight and cancels polls",
          "[aio][file]") {
  FileWorld w;
  w.Run([&] {
    UserMem m(1 << 20);
    aio_context_t ctx = Setup(m, 16);
    int fd = static_cast<int>(sys_open("/data/f", O_RDONLY | O_DIRECT, 0));
    int fds[2];
    Pipe(m, fds);
    user_ptr buf = Aligned(m, 4 * 4096);
    std::vector<iocb> cbs;
    for (int i = 0; i < 4; ++i) cbs.push_back(io_prep_pread(fd, buf + 4096 * i, 4096, 8192 * i));
    for (int i = 0; i < 3; ++i) cbs.push_back(io_prep_poll(fds[0], POLLIN));
    CHECK(sys_io_submit(ctx, 7, PlaceIocbs(m, cbs)) == 7);
    return 0;  // exit with everything in flight
  });
  CHECK(w.result.status == sim::RunStatus::kIdle);
  auto kill = w.Records("aio.ctx_kill");
  auto done = w.Records("aio.complete");
  REQUIRE(kill.size() == 1);
  REQUIRE(done.size() == 7);
  int polls_cancelled = 0;
  for (const auto& r : done) {
    if (r.values[2] == 0) ++polls_cancelled;
  }
  CHECK(polls_cancelled == 3);
  auto exits = w.Records("task.exit");
  REQUIRE(!exits.empty());
  // The exiting task left only after the last read completed.
  CHECK(exits.back().time >= done.back().time);
  CHECK(aio_check_leaks() == 0);
}
