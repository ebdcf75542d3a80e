// Pins sim::Scheduler and sim::WaitPoint: virtual time, blocking and waking,
// joins, wait lists, deadlock reports, limits, and violations caught at the
// fiber and event boundaries.
#include "sim/scheduler.h"

#include <catch2/catch.hpp>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "sim/check.h"

using sim::FiberId;
using sim::RunStatus;
using sim::Scheduler;
using sim::SimTime;

namespace {

struct Sentinel {
  bool* destroyed;
  ~Sentinel() { *destroyed = true; }
};

std::vector<std::string> TraceLines(Scheduler& s) {
  std::vector<std::string> out;
  for (const auto& r : s.trace().records()) out.push_back(s.trace().FormatText(r));
  return out;
}

}  // namespace

TEST_CASE("Scheduler: SleepFor and SleepUntil advance virtual time exactly", "[sim][scheduler]") {
  Scheduler s;
  std::vector<SimTime> seen;
  s.Spawn("sleeper", [&] {
    seen.push_back(s.Now());
    s.SleepFor(150);
    seen.push_back(s.Now());
    s.SleepFor(0);
    seen.push_back(s.Now());
    s.SleepUntil(1000);
    seen.push_back(s.Now());
    s.SleepUntil(500);  // already past: returns at once
    seen.push_back(s.Now());
    s.SleepFor(sim::kSecond);
    seen.push_back(s.Now());
  });
  sim::RunResult r = s.Run();
  CHECK(r.status == RunStatus::kIdle);
  CHECK(seen == std::vector<SimTime>{0, 150, 150, 1000, 1000, 1000 + sim::kSecond});
  CHECK(r.end_time == 1000 + sim::kSecond);
  CHECK(s.Now() == r.end_time);
  CHECK(s.LiveFibers() == 0);
}

TEST_CASE("Scheduler: the trace of a sleep has a stable text form", "[sim][scheduler][trace]") {
  Scheduler s;
  s.trace().KeepRecords(true);
  s.Spawn("napper", [&] { s.SleepFor(100); });
  REQUIRE(s.Run().status == RunStatus::kIdle);
  CHECK(TraceLines(s) == std::vector<std::string>{
                             "             0 irq sched.spawn fiber=1",
                             "             0 napper sched.run fiber=1",
                             "             0 napper sched.block fiber=1 deadline=100",
                             "           100 irq sched.timeout fiber=1",
                             "           100 napper sched.exit fiber=1",
                         });
}

TEST_CASE("Scheduler: a timeout that meets another runnable fiber leaves the choice to the loop",
          "[sim][scheduler][trace]") {
  // The sleeper's timeout (t=100) and the event that wakes the waiter fire at
  // the same instant: the sleeper does not jump the queue, and its run is
  // recorded, as every run that followed a choice is.
  Scheduler s;
  s.trace().KeepRecords(true);
  FiberId waiter = s.Spawn("waiter", [&] { s.Block("io"); });
  s.Spawn("sleeper", [&] { s.SleepFor(100); });
  s.At(100, [&] { s.Wake(waiter); });
  REQUIRE(s.Run().status == RunStatus::kIdle);
  CHECK(TraceLines(s) == std::vector<std::string>{
                             "             0 irq sched.spawn fiber=1",
                             "             0 irq sched.spawn fiber=2",
                             "             0 irq sched.choose kind=0 options=2 pick=0",
                             "             0 waiter sched.run fiber=1",
                             "             0 waiter sched.block fiber=1 deadline=-1",
                             "             0 sleeper sched.run fiber=2",
                             "             0 sleeper sched.block fiber=2 deadline=100",
                             "           100 irq sched.choose kind=1 options=2 pick=0",
                             "           100 irq sched.event seq=0",
                             "           100 irq sched.wake fiber=1",
                             "           100 irq sched.choose kind=0 options=2 pick=0",
                             "           100 waiter sched.run fiber=1",
                             "           100 waiter sched.exit fiber=1",
                             "           100 irq sched.timeout fiber=2",
                             "           100 sleeper sched.exit fiber=2",
                         });
}

TEST_CASE("Scheduler: each fiber's data is what CurrentFiberData gives while it runs", "[sim][scheduler]") {
  Scheduler s;
  int task_a = 0;
  int task_b = 0;
  std::vector<void*> seen;
  FiberId a = s.Spawn("a", [&] {
    seen.push_back(s.CurrentFiberData());
    s.SleepFor(10);
    seen.push_back(s.CurrentFiberData());
  });
  FiberId b = s.Spawn("b", [&] {
    seen.push_back(s.CurrentFiberData());
    s.SleepFor(5);
    seen.push_back(s.CurrentFiberData());
  });
  FiberId unset = s.Spawn("unset", [&] { seen.push_back(s.CurrentFiberData()); });
  s.SetFiberData(a, &task_a);
  s.SetFiberData(b, &task_b);
  CHECK(s.FiberData(a) == &task_a);
  CHECK(s.FiberData(unset) == nullptr);
  CHECK(s.FiberData(0) == nullptr);
  CHECK(s.FiberData(unset + 1) == nullptr);
  s.At(7, [&] { seen.push_back(s.CurrentFiberData()); });  // event context: no fiber
  CHECK(s.CurrentFiberData() == nullptr);                   // outside the loop
  CHECK_THROWS_WITH(s.SetFiberData(0, &task_a), Catch::Contains("SetFiberData of unknown fiber 0"));
  CHECK_THROWS_AS(s.SetFiberData(unset + 1, &task_a), sim::Violation);
  REQUIRE(s.Run().status == RunStatus::kIdle);
  CHECK(seen == std::vector<void*>{&task_a, &task_b, nullptr, &task_b, nullptr, &task_a});
}

TEST_CASE("Scheduler: Block waits until Wake", "[sim][scheduler]") {
  Scheduler s;
  std::vector<std::string> log;
  FiberId a = s.Spawn("a", [&] {
    const bool woken = s.Block("disk");
    log.push_back(std::string(woken ? "woken" : "timeout") + "@" + std::to_string(s.Now()));
  });
  s.At(500, [&] {
    CHECK(s.FiberBlocked(a));
    CHECK(s.Wake(a));
    CHECK_FALSE(s.Wake(a));  // already runnable
    CHECK_FALSE(s.FiberBlocked(a));
  });
  CHECK_FALSE(s.Wake(a));  // not blocked yet
  CHECK_FALSE(s.Wake(0));
  CHECK_FALSE(s.Wake(99));
  sim::RunResult r = s.Run();
  CHECK(r.status == RunStatus::kIdle);
  CHECK(log == std::vector<std::string>{"woken@500"});
  CHECK(s.FiberFinished(a));
}

TEST_CASE("Scheduler: Block with a deadline returns false on timeout", "[sim][scheduler]") {
  Scheduler s;
  bool woken = true;
  SimTime at = -1;
  s.Spawn("a", [&] {
    woken = s.Block("io", 300);
    at = s.Now();
  });
  CHECK(s.Run().status == RunStatus::kIdle);
  CHECK_FALSE(woken);
  CHECK(at == 300);
}

TEST_CASE("Scheduler: Block with a deadline returns true when woken earlier and cancels the timeout",
          "[sim][scheduler]") {
  Scheduler s;
  bool woken = false;
  SimTime at = -1;
  FiberId a = s.Spawn("a", [&] {
    woken = s.Block("io", 1000);
    at = s.Now();
  });
  s.At(200, [&] {
    CHECK(s.PendingEvents() == 1);  // the timeout
    CHECK(s.Wake(a));
    CHECK(s.PendingEvents() == 0);  // cancelled
  });
  sim::RunResult r = s.Run();
  CHECK(r.status == RunStatus::kIdle);
  CHECK(woken);
  CHECK(at == 200);
  CHECK(r.end_time == 200);  // the cancelled timeout never advanced the clock
}

TEST_CASE("Scheduler: a deadline in the past times out at once", "[sim][scheduler]") {
  Scheduler s;
  bool woken = true;
  s.Spawn("a", [&] {
    s.SleepFor(100);
    woken = s.Block("late", 50);
    CHECK(s.Now() == 100);
  });
  CHECK(s.Run().status == RunStatus::kIdle);
  CHECK_FALSE(woken);
}

TEST_CASE("Scheduler: Yield lets the other runnable fibers go first", "[sim][scheduler]") {
  Scheduler s;
  std::vector<int> order;
  for (int id = 1; id <= 3; ++id) {
    s.Spawn("y" + std::to_string(id), [&, id] {
      for (int k = 0; k < 3; ++k) {
        order.push_back(id);
        s.Yield();
      }
    });
  }
  CHECK(s.Run().status == RunStatus::kIdle);
  CHECK(order == std::vector<int>{1, 2, 3, 1, 2, 3, 1, 2, 3});
  CHECK(s.Now() == 0);
}

TEST_CASE("Scheduler: Join waits for the fiber to finish", "[sim][scheduler]") {
  Scheduler s;
  int value = 0;
  bool checked = false;
  s.Spawn("main", [&] {
    FiberId w = s.Spawn("worker", [&] {
      s.SleepFor(100);
      value = 7;
    });
    FiberId w2 = s.Spawn("second joiner", [&] {
      s.Join(w);
      CHECK(value == 7);
    });
    s.Join(w);
    CHECK(value == 7);
    CHECK(s.Now() == 100);
    CHECK(s.FiberFinished(w));
    s.Join(w);  // already finished: returns at once
    CHECK(s.Now() == 100);
    s.Join(w2);
    checked = true;
  });
  CHECK(s.Run().status == RunStatus::kIdle);
  CHECK(checked);
}

TEST_CASE("Scheduler: joining itself or an unknown fiber is a violation", "[sim][scheduler]") {
  {
    Scheduler s;
    s.Spawn("narcissus", [&] { s.Join(s.CurrentFiber()); });
    CHECK(s.Run().status == RunStatus::kViolation);
    REQUIRE(s.violations().size() == 1);
    CHECK_THAT(s.violations()[0].message, Catch::Contains("fiber joins itself"));
  }
  {
    Scheduler s;
    s.Spawn("lost", [&] { s.Join(42); });
    CHECK(s.Run().status == RunStatus::kViolation);
    REQUIRE(s.violations().size() == 1);
    CHECK_THAT(s.violations()[0].message, Catch::Contains("Join of unknown fiber 42"));
  }
}

TEST_CASE("Scheduler: fibers know who and where they are", "[sim][scheduler]") {
  Scheduler s;
  CHECK(Scheduler::Current() == nullptr);
  CHECK(s.CurrentFiber() == 0);
  CHECK(s.FiberName(0) == "irq");
  FiberId inner = 0;
  FiberId outer = s.Spawn("outer", [&] {
    CHECK(Scheduler::Current() == &s);
    CHECK(s.FiberName(s.CurrentFiber()) == "outer");
    inner = s.Spawn("inner", [&] { CHECK(s.CurrentFiber() == inner); });
    CHECK(s.LiveFibers() == 2);
  });
  CHECK(outer == 1);
  s.At(5, [&] {
    CHECK(Scheduler::Current() == &s);
    CHECK(s.CurrentFiber() == 0);
  });
  CHECK(s.Run().status == RunStatus::kIdle);
  CHECK(inner == 2);
  CHECK(s.FiberName(inner) == "inner");
  CHECK(Scheduler::Current() == nullptr);
}

TEST_CASE("Scheduler: a fiber can have its own stack size", "[sim][scheduler]") {
  Scheduler s;
  bool done = false;
  s.Spawn(
      "big", [&] {
        volatile char buf[600 * 1024];
        buf[0] = 1;
        buf[sizeof buf - 1] = 2;
        done = buf[0] + buf[sizeof buf - 1] == 3;
      },
      Scheduler::SpawnOptions{false, 1024 * 1024});
  CHECK(s.Run().status == RunStatus::kIdle);
  CHECK(done);
}

TEST_CASE("WaitPoint: WakeOne wakes the longest waiter first", "[sim][scheduler][waitpoint]") {
  Scheduler s;
  sim::WaitPoint wp(&s, "queue");
  std::vector<int> order;
  // Fiber 3 starts waiting first, fiber 1 last.
  for (int id = 1; id <= 3; ++id) {
    s.Spawn("w" + std::to_string(id), [&, id] {
      s.SleepFor(10 * (4 - id));
      CHECK(wp.Wait());
      order.push_back(id);
    });
  }
  s.Spawn("waker", [&] {
    s.SleepFor(100);
    CHECK(wp.waiters() == 3);
    for (int i = 0; i < 3; ++i) {
      CHECK(wp.WakeOne());
      s.SleepFor(1);
    }
    CHECK(wp.waiters() == 0);
    CHECK_FALSE(wp.WakeOne());
  });
  CHECK(s.Run().status == RunStatus::kIdle);
  CHECK(order == std::vector<int>{3, 2, 1});
  CHECK(wp.name() == "queue");
}

TEST_CASE("WaitPoint: WakeAll wakes every waiter", "[sim][scheduler][waitpoint]") {
  Scheduler s;
  sim::WaitPoint wp(&s, "barrier");
  std::vector<SimTime> woke;
  for (int id = 0; id < 5; ++id) {
    s.Spawn("w" + std::to_string(id), [&, id] {
      s.SleepFor(id);
      wp.Wait();
      woke.push_back(s.Now());
    });
  }
  s.At(50, [&] { CHECK(wp.WakeAll() == 5); });
  CHECK(s.Run().status == RunStatus::kIdle);
  CHECK(woke == std::vector<SimTime>(5, 50));
  CHECK(wp.WakeAll() == 0);
}

TEST_CASE("WaitPoint: a timed-out waiter leaves the wait list", "[sim][scheduler][waitpoint]") {
  Scheduler s;
  sim::WaitPoint wp(&s, "slow");
  bool woken = true;
  s.Spawn("w", [&] { woken = wp.Wait(100); });
  s.At(50, [&] { CHECK(wp.waiters() == 1); });
  s.At(150, [&] {
    CHECK(wp.waiters() == 0);
    CHECK_FALSE(wp.WakeOne());
  });
  CHECK(s.Run().status == RunStatus::kIdle);
  CHECK_FALSE(woken);
}

TEST_CASE("WaitPoint: a waiter woken directly leaves the wait list", "[sim][scheduler][waitpoint]") {
  // Otherwise a later WakeOne would pick a fiber that waits on something else.
  Scheduler s;
  sim::WaitPoint wp(&s, "wp");
  std::vector<std::string> log;
  FiberId a = s.Spawn("a", [&] {
    CHECK(wp.Wait());  // woken by Wake(a), not by the wait point
    log.push_back("a left wp");
    s.Block("elsewhere", 1000);
    log.push_back("a left elsewhere @" + std::to_string(s.Now()));
  });
  s.At(10, [&] { s.Wake(a); });
  s.At(20, [&] {
    CHECK(wp.waiters() == 0);
    CHECK_FALSE(wp.WakeOne());
  });
  CHECK(s.Run().status == RunStatus::kIdle);
  CHECK(log == std::vector<std::string>{"a left wp", "a left elsewhere @1000"});
}

TEST_CASE("WaitPoint: WakeOne passes over a waiter that is no longer blocked", "[sim][scheduler][waitpoint]") {
  // As with a failed try_to_wake_up in Linux, the exclusive wake-up is not
  // used up on a waiter whose wait already ended (here: woken directly, still
  // runnable, not yet run): it goes to a waiter still blocked.
  Scheduler s;
  sim::WaitPoint wp(&s, "wp");
  std::vector<std::string> log;
  FiberId a = s.Spawn("a", [&] {
    wp.Wait();
    log.push_back("a");
  });
  s.Spawn("b", [&] {
    s.SleepFor(1);
    wp.Wait();
    log.push_back("b");
  });
  s.At(10, [&] {
    REQUIRE(wp.waiters() == 2);
    CHECK(s.Wake(a));
    CHECK(wp.WakeOne());
    CHECK(wp.waiters() == 0);
    CHECK_FALSE(wp.WakeOne());
  });
  sim::RunResult r = s.Run();
  CHECK(r.status == RunStatus::kIdle);
  CHECK(log == std::vector<std::string>{"a", "b"});
}

TEST_CASE("Scheduler: a deadlock reports every blocked fiber with its wait and since-time",
          "[sim][scheduler]") {
  Scheduler s;
  s.Spawn("alpha", [&] {
    s.SleepFor(10);
    s.Block("lock A");
  });
  s.Spawn("beta", [&] {
    s.SleepFor(20);
    s.Block("lock B");
  });
  s.Spawn("kworker", [&] { s.Block("work"); }, Scheduler::SpawnOptions{true, 0});
  s.Spawn("finisher", [] {});
  s.Spawn("forever", [&] { s.SleepFor(sim::kNever); });
  sim::RunResult r = s.Run();
  CHECK(r.status == RunStatus::kDeadlock);
  CHECK(r.end_time == 20);
  REQUIRE(r.blocked.size() == 3);
  CHECK(r.blocked[0].id == 1);
  CHECK(r.blocked[0].name == "alpha");
  CHECK(r.blocked[0].waits_on == "lock A");
  CHECK(r.blocked[0].since == 10);
  CHECK(r.blocked[1].id == 2);
  CHECK(r.blocked[1].name == "beta");
  CHECK(r.blocked[1].waits_on == "lock B");
  CHECK(r.blocked[1].since == 20);
  CHECK(r.blocked[2].name == "forever");
  CHECK(r.blocked[2].waits_on == "sleep forever");
  CHECK(r.blocked[2].since == 0);
  CHECK(sim::RunStatusName(r.status) == "deadlock");
}

TEST_CASE("Scheduler: daemons blocked at the end are not a deadlock", "[sim][scheduler]") {
  Scheduler s;
  sim::WaitPoint work(&s, "work");
  int done = 0;
  s.Spawn("kworker", [&] {
    for (;;) {
      work.Wait();
      ++done;
    }
  }, Scheduler::SpawnOptions{true, 0});
  s.Spawn("user", [&] {
    s.SleepFor(5);
    work.WakeOne();
  });
  sim::RunResult r = s.Run();
  CHECK(r.status == RunStatus::kIdle);
  CHECK(r.blocked.empty());
  CHECK(done == 1);
}

TEST_CASE("Scheduler: the time limit stops the run at the last event within it", "[sim][scheduler]") {
  sim::SchedulerOptions opts;
  opts.time_limit = 1000;
  Scheduler s(opts);
  int ticks = 0;
  s.Spawn("ticker", [&] {
    for (;;) {
      s.SleepFor(100);
      ++ticks;
    }
  });
  sim::RunResult r = s.Run();
  CHECK(r.status == RunStatus::kTimeLimit);
  CHECK(r.end_time == 1000);
  CHECK(ticks == 10);
  CHECK_THAT(r.stop_reason, Catch::StartsWith("time limit"));
  CHECK(r.blocked.empty());
}

TEST_CASE("Scheduler: the step limit stops the run after that many steps", "[sim][scheduler]") {
  sim::SchedulerOptions opts;
  opts.step_limit = 50;
  Scheduler s(opts);
  s.Spawn("spinner", [&] {
    for (;;) s.Yield();
  });
  sim::RunResult r = s.Run();
  CHECK(r.status == RunStatus::kStepLimit);
  CHECK(r.steps == 50);
  CHECK(s.steps() == 50);
  CHECK_THAT(r.stop_reason, Catch::StartsWith("step limit"));
}

TEST_CASE("Scheduler: Stop ends the run with its reason", "[sim][scheduler]") {
  Scheduler s;
  bool later = false;
  s.Spawn("quitter", [&] {
    s.SleepFor(5);
    s.Stop("time limit of my own");  // a reason, not a time limit
    s.SleepFor(5);
    later = true;
  });
  sim::RunResult r = s.Run();
  CHECK(r.status == RunStatus::kStopped);
  CHECK(r.stop_reason == "time limit of my own");
  CHECK(r.end_time == 5);
  CHECK_FALSE(later);
}

TEST_CASE("Scheduler: a failed SIM_CHECK in a fiber is a violation with time and trace position",
          "[sim][scheduler]") {
  Scheduler s;
  uint64_t position = 0;
  bool other_ran = false;
  s.Spawn("buggy", [&] {
    s.SleepFor(250);
    int refs = 0;
    position = s.trace().count();
    SIM_CHECK(refs > 0) << "refcount underflow on obj " << 16;
  });
  s.Spawn("bystander", [&] {
    s.SleepFor(1000);
    other_ran = true;
  });
  sim::RunResult r = s.Run();
  CHECK(r.status == RunStatus::kViolation);
  CHECK(r.end_time == 250);
  REQUIRE(s.violations().size() == 1);
  const sim::ViolationReport& v = s.violations()[0];
  CHECK_THAT(v.message, Catch::Contains("check failed: refs > 0: refcount underflow on obj 16"));
  CHECK_THAT(v.message, Catch::Contains("scheduler_test.cc:"));
  CHECK(v.time == 250);
  CHECK(v.trace_position == position);
  CHECK(v.task == "buggy");
  CHECK_FALSE(other_ran);
}

TEST_CASE("Scheduler: a failed SIM_CHECK in an event callback is a violation", "[sim][scheduler]") {
  Scheduler s;
  uint64_t position = 0;
  bool later = false;
  s.At(300, [&] {
    position = s.trace().count();
    SIM_CHECK(1 + 1 == 3) << "irq handler bug";
  });
  s.At(400, [&] { later = true; });
  sim::RunResult r = s.Run();
  CHECK(r.status == RunStatus::kViolation);
  REQUIRE(s.violations().size() == 1);
  CHECK_THAT(s.violations()[0].message, Catch::Contains("irq handler bug"));
  CHECK(s.violations()[0].time == 300);
  CHECK(s.violations()[0].trace_position == position);
  CHECK(s.violations()[0].task == "irq");
  CHECK_FALSE(later);
}

TEST_CASE("Scheduler: an uncaught exception in a fiber is a violation", "[sim][scheduler]") {
  {
    Scheduler s;
    s.Spawn("thrower", [&] {
      s.SleepFor(7);
      throw std::runtime_error("disk on fire");
    });
    sim::RunResult r = s.Run();
    CHECK(r.status == RunStatus::kViolation);
    REQUIRE(s.violations().size() == 1);
    CHECK(s.violations()[0].message == "uncaught exception: disk on fire");
    CHECK(s.violations()[0].time == 7);
    CHECK(s.violations()[0].task == "thrower");
  }
  {
    Scheduler s;
    s.Spawn("odd", [] { throw 42; });
    CHECK(s.Run().status == RunStatus::kViolation);
    REQUIRE(s.violations().size() == 1);
    CHECK(s.violations()[0].message == "uncaught non-standard exception");
  }
}

TEST_CASE("Scheduler: a non-fatal violation is recorded and the run goes on", "[sim][scheduler]") {
  Scheduler s;
  bool later = false;
  s.Spawn("checker", [&] {
    s.SleepFor(3);
    s.ReportViolation("leaked 1 kiocb", /*fatal=*/false);
    s.SleepFor(3);
    later = true;
  });
  sim::RunResult r = s.Run();
  CHECK(r.status == RunStatus::kIdle);
  CHECK(later);
  REQUIRE(s.violations().size() == 1);
  CHECK(s.violations()[0].message == "leaked 1 kiocb");
  CHECK(s.violations()[0].time == 3);
  CHECK(s.violations()[0].task == "checker");
}

TEST_CASE("Scheduler: KillFibers unwinds every unfinished fiber", "[sim][scheduler]") {
  Scheduler s;
  bool blocked_gone = false;
  bool unstarted_ran = false;
  FiberId a = s.Spawn("stuck", [&] {
    Sentinel guard{&blocked_gone};
    s.Block("never");
  });
  sim::RunResult r = s.Run();
  REQUIRE(r.status == RunStatus::kDeadlock);
  s.Spawn("unstarted", [&] { unstarted_ran = true; });
  CHECK(s.LiveFibers() == 2);
  CHECK_FALSE(blocked_gone);
  s.KillFibers();
  CHECK(blocked_gone);
  CHECK_FALSE(unstarted_ran);
  CHECK(s.LiveFibers() == 0);
  CHECK(s.FiberFinished(a));
  CHECK_FALSE(s.FiberBlocked(a));
  // Nothing is left to run.
  CHECK(s.Run().status == RunStatus::kIdle);
  CHECK_FALSE(unstarted_ran);
}

TEST_CASE("Scheduler: destroying a scheduler with blocked fibers unwinds them", "[sim][scheduler]") {
  bool gone = false;
  {
    Scheduler s;
    s.Spawn("stuck", [&] {
      Sentinel guard{&gone};
      s.Block("never", 1000000);
    });
    sim::SchedulerOptions opts;
    s.Run();
  }
  CHECK(gone);
}

TEST_CASE("Scheduler: Run inside Run and KillFibers inside a fiber are violations", "[sim][scheduler]") {
  {
    Scheduler s;
    s.Spawn("nested", [&] { s.Run(); });
    CHECK(s.Run().status == RunStatus::kViolation);
    REQUIRE(s.violations().size() == 1);
    CHECK_THAT(s.violations()[0].message, Catch::Contains("Run() inside Run()"));
  }
  {
    Scheduler s;
    s.Spawn("killer", [&] { s.KillFibers(); });
    CHECK(s.Run().status == RunStatus::kViolation);
    REQUIRE(s.violations().size() == 1);
    CHECK_THAT(s.violations()[0].message, Catch::Contains("KillFibers() from inside fiber killer"));
  }
}

TEST_CASE("Scheduler: Run can be called again after new work", "[sim][scheduler]") {
  Scheduler s;
  std::vector<SimTime> seen;
  s.Spawn("first", [&] {
    s.SleepFor(10);
    seen.push_back(s.Now());
  });
  CHECK(s.Run().status == RunStatus::kIdle);
  s.Spawn("second", [&] {
    s.SleepFor(5);
    seen.push_back(s.Now());
  });
  sim::RunResult r = s.Run();
  CHECK(r.status == RunStatus::kIdle);
  CHECK(seen == std::vector<SimTime>{10, 15});
  CHECK(r.end_time == 15);
}

TEST_CASE("Scheduler: Block and Yield outside a fiber are violations", "[sim][scheduler]") {
  Scheduler s;
  CHECK_THROWS_AS(s.Block("nowhere"), sim::Violation);
  CHECK_THROWS_AS(s.Yield(), sim::Violation);
}

TEST_CASE("Scheduler: RunStatusName names every status", "[sim][scheduler]") {
  CHECK(sim::RunStatusName(RunStatus::kIdle) == "idle");
  CHECK(sim::RunStatusName(RunStatus::kTimeLimit) == "time_limit");
  CHECK(sim::RunStatusName(RunStatus::kStepLimit) == "step_limit");
  CHECK(sim::RunStatusName(RunStatus::kDeadlock) == "deadlock");
  CHECK(sim::RunStatusName(RunStatus::kViolation) == "violation");
  CHECK(sim::RunStatusName(RunStatus::kStopped) == "stopped");
}

TEST_CASE("Scheduler: the same workload gives the same trace hash", "[sim][scheduler]") {
  auto run = [] {
    Scheduler s;
    sim::WaitPoint wp(&s, "wp");
    for (int i = 0; i < 8; ++i) {
      s.Spawn("f" + std::to_string(i), [&s, &wp, i] {
        s.SleepFor(i * 3);
        if (i % 2) {
          wp.Wait(50);
        } else {
          s.Yield();
          wp.WakeOne();
        }
      });
    }
    s.Run();
    return s.trace().hash();
  };
  CHECK(run() == run());
}
