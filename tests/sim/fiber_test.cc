// Pins sim::Fiber and sim::StackPool: the resume/suspend protocol, errors
// kept in error(), unwinding of unfinished fibers, and stack reuse.
#include "sim/fiber.h"

#include <catch2/catch.hpp>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "sim/check.h"

namespace {

// Sets a flag when destroyed: proves a stack frame was unwound.
struct Sentinel {
  bool* destroyed;
  ~Sentinel() { *destroyed = true; }
};

}  // namespace

TEST_CASE("Fiber: resume and suspend hand control back and forth", "[sim][fiber]") {
  sim::StackPool pool(64 * 1024);
  std::vector<std::string> log;
  sim::Fiber* self = nullptr;
  sim::Fiber f(
      [&] {
        log.push_back("f1");
        self->Suspend();
        log.push_back("f2");
        self->Suspend();
        log.push_back("f3");
      },
      &pool);
  self = &f;
  CHECK_FALSE(f.started());
  CHECK(log.empty());  // construction runs nothing
  log.push_back("m1");
  f.Resume();
  CHECK(f.started());
  CHECK_FALSE(f.finished());
  log.push_back("m2");
  f.Resume();
  log.push_back("m3");
  f.Resume();
  CHECK(f.finished());
  CHECK_FALSE(f.error());
  CHECK(log == std::vector<std::string>{"m1", "f1", "m2", "f2", "m3", "f3"});
}

TEST_CASE("Fiber: a body that returns at once finishes on the first resume", "[sim][fiber]") {
  sim::StackPool pool(16 * 1024);
  int runs = 0;
  sim::Fiber f([&] { ++runs; }, &pool);
  f.Resume();
  CHECK(f.finished());
  CHECK(runs == 1);
}

TEST_CASE("Fiber: resuming a finished fiber is a violation", "[sim][fiber]") {
  sim::StackPool pool(16 * 1024);
  sim::Fiber f([] {}, &pool);
  f.Resume();
  REQUIRE(f.finished());
  CHECK_THROWS_AS(f.Resume(), sim::Violation);
}

TEST_CASE("Fiber: an exception escaping the body is kept in error()", "[sim][fiber]") {
  sim::StackPool pool(64 * 1024);
  sim::Fiber f([] { throw std::runtime_error("boom"); }, &pool);
  f.Resume();  // does not throw here
  CHECK(f.finished());
  REQUIRE(f.error());
  CHECK_THROWS_WITH(std::rethrow_exception(f.error()), "boom");
}

TEST_CASE("Fiber: a failed SIM_CHECK inside the body is kept as a Violation", "[sim][fiber]") {
  sim::StackPool pool(64 * 1024);
  sim::Fiber* self = nullptr;
  sim::Fiber f(
      [&] {
        self->Suspend();
        int refs = 0;
        SIM_CHECK(refs > 0) << "put of a freed object " << 42;
      },
      &pool);
  self = &f;
  f.Resume();
  CHECK_FALSE(f.error());
  f.Resume();
  REQUIRE(f.error());
  CHECK_THROWS_AS(std::rethrow_exception(f.error()), sim::Violation);
  CHECK_THROWS_WITH(std::rethrow_exception(f.error()),
                    Catch::Contains("check failed: refs > 0: put of a freed object 42"));
}

TEST_CASE("Fiber: destroying an unfinished fiber unwinds its stack", "[sim][fiber]") {
  sim::StackPool pool(64 * 1024);
  bool outer = false;
  bool inner = false;
  bool after = false;
  {
    sim::Fiber* self = nullptr;
    auto f = std::make_unique<sim::Fiber>(
        [&] {
          Sentinel a{&outer};
          {
            Sentinel b{&inner};
            self->Suspend();
            after = true;  // never reached
          }
        },
        &pool);
    self = f.get();
    f->Resume();
    CHECK_FALSE(outer);
    CHECK_FALSE(inner);
    f.reset();
  }
  CHECK(outer);
  CHECK(inner);
  CHECK_FALSE(after);
  CHECK(pool.allocated() == 1);
}

TEST_CASE("Fiber: unwinding runs before the body's captures are destroyed", "[sim][fiber]") {
  // Frames on the fiber's stack may use what the body captured; the captures
  // must outlive the unwinding.
  std::vector<std::string> log;
  struct Capture {
    std::vector<std::string>* log;
    bool moved = false;
    explicit Capture(std::vector<std::string>* l) : log(l) {}
    Capture(Capture&& o) noexcept : log(o.log) { o.moved = true; }
    Capture(const Capture& o) : log(o.log) {}
    ~Capture() {
      if (!moved) log->push_back("capture destroyed");
    }
  };
  struct Frame {
    std::vector<std::string>* log;
    ~Frame() { log->push_back("frame unwound"); }
  };
  sim::StackPool pool(64 * 1024);
  {
    sim::Fiber* self = nullptr;
    auto f = std::make_unique<sim::Fiber>(
        [cap = Capture(&log), &self] {
          Frame frame{cap.log};
          self->Suspend();
        },
        &pool);
    self = f.get();
    f->Resume();
    log.clear();  // drop any temporaries' noise from construction
    f.reset();
  }
  CHECK(log == std::vector<std::string>{"frame unwound", "capture destroyed"});
}

TEST_CASE("Fiber: destroying a fiber that never ran does not run its body", "[sim][fiber]") {
  sim::StackPool pool(64 * 1024);
  bool ran = false;
  auto token = std::make_shared<int>(0);
  {
    sim::Fiber f([&ran, token] { ran = true; }, &pool);
    CHECK(token.use_count() == 2);
  }
  CHECK_FALSE(ran);
  CHECK(token.use_count() == 1);  // the body (and its captures) were destroyed
  // Its stack went back to the pool.
  sim::Fiber g([] {}, &pool);
  g.Resume();
  CHECK(pool.allocated() == 1);
}

TEST_CASE("Fiber: StackPool reuses stacks across many fibers", "[sim][fiber]") {
  sim::StackPool pool(32 * 1024);
  uint64_t total = 0;
  for (int i = 0; i < 2000; ++i) {
    sim::Fiber* self = nullptr;
    sim::Fiber f(
        [&, i] {
          total += static_cast<uint64_t>(i);
          self->Suspend();
        },
        &pool);
    self = &f;
    f.Resume();
    f.Resume();
    REQUIRE(f.finished());
  }
  CHECK(total == 1999ull * 2000 / 2);
  CHECK(pool.allocated() == 1);

  // Ten alive at once need ten stacks, and then no more.
  for (int round = 0; round < 5; ++round) {
    std::vector<std::unique_ptr<sim::Fiber>> live;
    for (int i = 0; i < 10; ++i) live.push_back(std::make_unique<sim::Fiber>([] {}, &pool));
    for (auto& f : live) f->Resume();
  }
  CHECK(pool.allocated() == 10);
}

TEST_CASE("Fiber: StackPool rounds stack sizes up to whole pages", "[sim][fiber]") {
  CHECK(sim::StackPool(1).stack_bytes() == 4096);
  CHECK(sim::StackPool(5000).stack_bytes() == 8192);
  CHECK(sim::StackPool(64 * 1024).stack_bytes() == 64 * 1024);
}

TEST_CASE("Fiber: a fiber can use a deep stack within its size", "[sim][fiber]") {
  // Touch most of a 256 KiB stack: the canary stays intact and Suspend()
  // does not report an overflow.
  sim::StackPool pool(256 * 1024);
  sim::Fiber* self = nullptr;
  uint64_t sum = 0;
  sim::Fiber f(
      [&] {
        volatile unsigned char buf[192 * 1024];
        for (size_t i = 0; i < sizeof buf; i += 512) buf[i] = static_cast<unsigned char>(1 + (i / 512) % 200);
        for (size_t i = 0; i < sizeof buf; i += 512) sum += buf[i];
        self->Suspend();
      },
      &pool);
  self = &f;
  f.Resume();
  f.Resume();
  CHECK(f.finished());
  CHECK_FALSE(f.error());
  CHECK(sum > 0);
}
