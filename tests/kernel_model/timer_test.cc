// Timers: jiffies-based timer_list and nanosecond hrtimers on virtual time.
#include <catch2/catch.hpp>

#include <vector>

#include "kernel_model/timer.h"
#include "tests/kernel_model/world.h"

using namespace kernel;
using kernel_test::World;

namespace {
std::vector<sim::SimTime>* g_fired = nullptr;
void record(timer_list*) { g_fired->push_back(ktime_get()); }
}  // namespace

TEST_CASE("timer: a timer fires at the tick boundary of its expiry", "[kernel][timer]") {
  World w;  // HZ 250: 4 ms ticks
  std::vector<sim::SimTime> fired;
  g_fired = &fired;
  timer_list t;
  timer_setup(&t, record, 0);
  w.sched.At(5 * sim::kMillisecond, [&] {  // jiffy 1
    t.expires = jiffies() + 3;             // jiffy 4 = 16 ms
    add_timer(&t);
  });
  w.Run();
  CHECK(fired == std::vector<sim::SimTime>{16 * sim::kMillisecond});
  CHECK_FALSE(timer_pending(&t));
}

TEST_CASE("timer: a timer armed for a past jiffy fires on the next tick", "[kernel][timer]") {
  World w;
  std::vector<sim::SimTime> fired;
  g_fired = &fired;
  timer_list t;
  timer_setup(&t, record, 0);
  w.sched.At(9 * sim::kMillisecond, [&] { mod_timer(&t, 0); });  // jiffy 2 now
  w.Run();
  CHECK(fired == std::vector<sim::SimTime>{12 * sim::kMillisecond});
}

TEST_CASE("timer: mod_timer re-arms a pending timer and del_timer disarms it", "[kernel][timer]") {
  World w;
  std::vector<sim::SimTime> fired;
  g_fired = &fired;
  timer_list a, b;
  timer_setup(&a, record, 0);
  timer_setup(&b, record, 0);
  bool mod_pending = false, mod_idle = true, del_pending = false, del_idle = true;
  w.sched.At(0, [&] {
    mod_idle = mod_timer(&a, 10);    // 40 ms
    mod_pending = mod_timer(&a, 2);  // moved to 8 ms
    mod_timer(&b, 5);
    del_pending = del_timer(&b);
    del_idle = del_timer(&b);
  });
  w.Run();
  CHECK_FALSE(mod_idle);
  CHECK(mod_pending);
  CHECK(del_pending);
  CHECK_FALSE(del_idle);
  CHECK(fired == std::vector<sim::SimTime>{8 * sim::kMillisecond});
}

TEST_CASE("timer: callbacks run in event context", "[kernel][timer]") {
  World w;
  static bool irq = false;
  timer_list t;
  timer_setup(&t, [](timer_list*) { irq = in_interrupt(); }, 0);
  create_process("p", [&] {
    mod_timer(&t, jiffies() + 1);
    msleep(10);
    return 0;
  });
  w.Run();
  CHECK(irq);
}

TEST_CASE("hrtimer: fires at the exact nanosecond; HRTIMER_RESTART with forward re-arms",
          "[kernel][timer]") {
  World w;
  struct Periodic {
    hrtimer timer;
    std::vector<sim::SimTime> fired;
    int left = 3;
  };
  static Periodic pd;
  pd = Periodic{};
  hrtimer_setup(
      &pd.timer,
      [](hrtimer* t) {
        pd.fired.push_back(ktime_get());
        if (--pd.left == 0) return HRTIMER_NORESTART;
        hrtimer_forward_now(t, 1500);
        return HRTIMER_RESTART;
      },
      CLOCK_MONOTONIC_ID, HRTIMER_MODE_REL);
  w.sched.At(100, [&] { hrtimer_start(&pd.timer, 777, HRTIMER_MODE_REL); });
  w.Run();
  CHECK(pd.fired == std::vector<sim::SimTime>{877, 2377, 3877});
  CHECK_FALSE(hrtimer_active(&pd.timer));
}

TEST_CASE("hrtimer: hrtimer_cancel stops a pending timer", "[kernel][timer]") {
  World w;
  static int fired = 0;
  hrtimer t;
  hrtimer_setup(
      &t, [](hrtimer*) { ++fired; return HRTIMER_NORESTART; }, CLOCK_MONOTONIC_ID,
      HRTIMER_MODE_ABS);
  int was_active = 0, again = 1;
  w.sched.At(0, [&] {
    hrtimer_start(&t, 50, HRTIMER_MODE_ABS);
    was_active = hrtimer_cancel(&t);
    again = hrtimer_cancel(&t);
  });
  w.Run();
  CHECK(was_active == 1);
  CHECK(again == 0);
  CHECK(fired == 0);
}
