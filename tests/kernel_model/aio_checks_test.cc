// Misuse is reported, never undefined behaviour: use after free, puts
// below zero, double completion, requests freed while still reachable, and
// references left at the end of a run. Also the arena itself, and the
// determinism of an AIO run.
#include <catch2/catch.hpp>

#include "kernel_model/aio.h"
#include "kernel_model/aio_internal.h"
#include "kernel_model/aio_user.h"
#include "kernel_model/arena.h"
#include "kernel_model/sched.h"
#include "kernel_model/wait.h"
#include "sim/check.h"
#include "tests/kernel_model/aio_world.h"

using namespace kernel;
using namespace aiotest;

namespace {

struct Obj {
  arena_slot slot;
  int value = 0;
};

bool AnyContains(const std::vector<std::string>& msgs, const std::string& needle) {
  for (const auto& m : msgs) {
    if (m.find(needle) != std::string::npos) return true;
  }
  return false;
}

// A request taken directly from a live context (no file, no iocb).
aio_kiocb* RawRequest(aio_context_t ctx) {
  kioctx* k = aio_find_ioctx(current()->mm, ctx);
  REQUIRE(k != nullptr);
  aio_kiocb* req = aio_get_req(k);
  REQUIRE(req != nullptr);
  return req;
}

}  // namespace

TEST_CASE("Arena: generations detect stale handles; freed slots wait in quarantine",
          "[aio][arena]") {
  Arena<Obj> a("obj", 2);
  Obj* x = a.Alloc();
  arena_handle hx = a.HandleOf(x);
  CHECK(x->slot.id == 1);
  CHECK(a.Get(hx) == x);
  a.Free(x, "test");
  CHECK(a.Get(hx) == nullptr);
  CHECK_THROWS_AS(a.Deref(hx, "test"), sim::Violation);
  CHECK_THROWS_AS(a.Free(x, "test"), sim::Violation);  // double free
  CHECK_THROWS_AS(a.Check(x, "test"), sim::Violation);
  // Quarantine 2: the freed slot is not reused until more than 2 wait.
  Obj* y = a.Alloc();
  CHECK(y != x);
  Obj* z = a.Alloc();
  a.Free(y, "test");
  a.Free(z, "test");
  Obj* reused = a.Alloc();  // three waiting: the oldest (x's slot) comes back
  CHECK(reused == x);
  CHECK(reused->slot.generation == 1);
  CHECK(a.Get(hx) == nullptr);  // the old handle stays stale
  CHECK(reused->slot.id == 4);
  size_t live = 0;
  a.ForEachLive([&](Obj*) { ++live; });
  CHECK(live == 1);
  CHECK(a.live() == 1);
}

TEST_CASE("Checks: a put on a freed aio_kiocb is a use-after-free violation", "[aio][checks]") {
  AioWorld w;
  w.Run([&] {
    UserMem m(1 << 16);
    aio_context_t ctx = Setup(m, 8);
    aio_kiocb* req = RawRequest(ctx);
    iocb_put(req, "test");
    iocb_put(req, "test");  // the last one: event posted, request freed
    iocb_put(req, "test");  // broken: the request is gone
    return 0;
  });
  CHECK(w.result.status == sim::RunStatus::kViolation);
  CHECK(AnyContains(w.ViolationList(), "use after free of aio_kiocb"));
}

TEST_CASE("Checks: aio_complete_rw twice on one request is reported", "[aio][checks]") {
  AioWorld w;
  w.Run([&] {
    UserMem m(1 << 16);
    aio_context_t ctx = Setup(m, 8);
    aio_kiocb* req = RawRequest(ctx);
    aio_complete_rw(&req->rw, 0);  // the completion side: 2 -> 1
    aio_complete_rw(&req->rw, 0);  // broken: a second completion
    return 0;
  });
  CHECK(w.result.status == sim::RunStatus::kViolation);
  CHECK(AnyContains(w.ViolationList(), "double completion of aio_kiocb 1"));
}

TEST_CASE("Checks: a put below zero is reported", "[aio][checks]") {
  AioWorld w;
  w.Run([&] {
    UserMem m(1 << 16);
    aio_context_t ctx = Setup(m, 8);
    aio_kiocb* req = RawRequest(ctx);
    req->ki_refcnt = 0;  // broken bookkeeping
    iocb_put(req, "test");
    return 0;
  });
  CHECK(w.result.status == sim::RunStatus::kViolation);
  CHECK(AnyContains(w.ViolationList(), "iocb_put below zero"));
}

TEST_CASE("Checks: freeing a request still on a wait queue is reported", "[aio][checks]") {
  AioWorld w;
  wait_queue_head head("test");
  w.Run([&] {
    UserMem m(1 << 16);
    aio_context_t ctx = Setup(m, 8);
    aio_kiocb* req = RawRequest(ctx);
    init_waitqueue_func_entry(&req->poll.wait, autoremove_wake_function);
    add_wait_queue(&head, &req->poll.wait);
    iocb_put(req, "test");
    iocb_put(req, "test");
    return 0;
  });
  CHECK(w.result.status == sim::RunStatus::kViolation);
  CHECK(AnyContains(w.ViolationList(), "freed while on a wait queue"));
}

TEST_CASE("Checks: a leaked request reference hangs io_destroy and is reported at the end",
          "[aio][checks]") {
  // The shape of CVE-2012-0058: a reference nobody drops keeps the context's
  // reqs count up, so io_destroy (and process exit) wait forever.
  AioWorld w;
  w.Run([&] {
    UserMem m(1 << 16);
    aio_context_t ctx = Setup(m, 8);
    aio_kiocb* req = RawRequest(ctx);
    iocb_put(req, "test");  // the submit reference; the completion one leaks
    sys_io_destroy(ctx);
    return 0;
  });
  CHECK(w.result.status == sim::RunStatus::kDeadlock);
  CHECK(aio_check_leaks() == 2);  // the kioctx and the aio_kiocb
  CHECK(AnyContains(w.ViolationList(), "aio leak: aio_kiocb 1"));
  CHECK(AnyContains(w.ViolationList(), "aio leak: kioctx 1"));
}

TEST_CASE("Determinism: the same AIO run twice gives the same trace hash", "[aio][checks]") {
  auto run = [](const std::string& design) {
    AioWorld w;
    w.AddRamdisk("sda");
    w.Mount("sda", "/data");
    w.File("/data/f", 1 << 20);
    w.Run(
        [&] {
          UserMem m(1 << 20);
          aio_context_t ctx = Setup(m, 32);
          int fds[2];
          Pipe(m, fds);
          std::vector<iocb> cbs;
          for (int i = 0; i < 8; ++i) cbs.push_back(io_prep_poll(fds[0], POLLIN));
          CHECK(sys_io_submit(ctx, 8, PlaceIocbs(m, cbs)) == 8);
          WriteBytes(m, fds[1], 1);
          user_ptr evs = m.Alloc(32 * 8);
          CHECK(sys_io_getevents(ctx, 8, 8, evs, 0) == 8);
          return 0;
        },
        design);
    return w.sched.trace().hash();
  };
  CHECK(run("mainline") == run("mainline"));
  CHECK(run("retry") == run("retry"));
}
