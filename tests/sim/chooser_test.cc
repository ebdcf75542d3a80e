// Pins the choosers: FIFO, seeded random, PCT, and exact replay of a
// recorded decision list through the Scheduler.
#include "sim/chooser.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "sim/scheduler.h"

using sim::ChoiceKind;
using sim::ChoicePoint;
using sim::RunStatus;
using sim::Scheduler;

namespace {

struct Outcome {
  std::vector<int> order;
  uint64_t hash = 0;
  std::vector<uint32_t> decisions;
  RunStatus status = RunStatus::kIdle;
};

// 4 fibers append their id around Yield(); plus events due at the same
// instant and a wait point, so every choice kind of the engine shows up.
// `inspect` sees the scheduler after the run, before it is destroyed.
Outcome RacyRun(std::unique_ptr<sim::Chooser> chooser,
                const std::function<void(Scheduler&)>& inspect = nullptr) {
  Scheduler s(sim::SchedulerOptions{}, std::move(chooser));
  sim::WaitPoint wp(&s, "wp");
  Outcome out;
  for (int id = 1; id <= 4; ++id) {
    s.Spawn("t" + std::to_string(id), [&s, &wp, &out, id] {
      for (int k = 0; k < 4; ++k) {
        out.order.push_back(id);
        s.Yield();
      }
      s.SleepFor(10);
      out.order.push_back(10 + id);
      if (id == 4) {
        s.SleepFor(1);
        while (wp.WakeOne()) {
        }
      } else {
        wp.Wait();
        out.order.push_back(20 + id);
      }
    });
  }
  for (int e = 0; e < 3; ++e) {
    s.At(10, [&out, e] { out.order.push_back(100 + e); });
  }
  out.status = s.Run().status;
  out.hash = s.trace().hash();
  out.decisions = s.decisions();
  if (inspect) inspect(s);
  return out;
}

ChoicePoint Point(ChoiceKind kind, const std::vector<uint64_t>& options, uint32_t preferred = 0) {
  return ChoicePoint{kind, "test", options, preferred};
}

}  // namespace

TEST_CASE("Chooser: FIFO answers the preferred option", "[sim][chooser]") {
  sim::FifoChooser fifo;
  const std::vector<uint64_t> opts{5, 6, 7};
  CHECK(fifo.Choose(Point(ChoiceKind::kRunnable, opts)) == 0);
  CHECK(fifo.Choose(Point(ChoiceKind::kFault, {0, 1}, 1)) == 1);
  CHECK(fifo.IsFifo());
  CHECK(fifo.name() == "fifo");
}

TEST_CASE("Chooser: the FIFO scheduler runs fibers first come, first served", "[sim][chooser]") {
  Outcome o = RacyRun(std::make_unique<sim::FifoChooser>());
  REQUIRE(o.status == RunStatus::kIdle);
  const std::vector<int> want = {1,   2,   3,   4,  1,  2,  3,  4,  1,  2,  3,  4,  1,  2,
                                 3,   4,   100, 101, 102, 11, 12, 13, 14, 21, 22, 23};
  CHECK(o.order == want);
  // Every answer was the first option.
  CHECK_FALSE(o.decisions.empty());
  for (uint32_t d : o.decisions) CHECK(d == 0);
}

TEST_CASE("Chooser: random choosers with two seeds interleave a race differently", "[sim][chooser]") {
  Outcome a = RacyRun(std::make_unique<sim::RandomChooser>(sim::Prng(1)));
  Outcome b = RacyRun(std::make_unique<sim::RandomChooser>(sim::Prng(2)));
  REQUIRE(a.status == RunStatus::kIdle);
  REQUIRE(b.status == RunStatus::kIdle);
  CHECK(a.order != b.order);
  CHECK(a.hash != b.hash);
  // Same seed, same interleaving.
  Outcome a2 = RacyRun(std::make_unique<sim::RandomChooser>(sim::Prng(1)));
  CHECK(a2.order == a.order);
  CHECK(a2.hash == a.hash);
  CHECK(a2.decisions == a.decisions);
  // Each run still holds every step exactly once.
  std::vector<int> sa = a.order;
  std::vector<int> sf = RacyRun(std::make_unique<sim::FifoChooser>()).order;
  std::sort(sa.begin(), sa.end());
  std::sort(sf.begin(), sf.end());
  CHECK(sa == sf);
}

TEST_CASE("Chooser: random picks every option, in range", "[sim][chooser]") {
  sim::RandomChooser r(sim::Prng(3));
  const std::vector<uint64_t> opts{10, 20, 30, 40};
  std::set<uint32_t> seen;
  for (int i = 0; i < 400; ++i) {
    const uint32_t pick = r.Choose(Point(ChoiceKind::kRunnable, opts));
    REQUIRE(pick < opts.size());
    seen.insert(pick);
  }
  CHECK(seen.size() == 4);
  // Faults stay as drawn: the fault stream decides them, not the chooser.
  for (int i = 0; i < 50; ++i) {
    CHECK(r.Choose(Point(ChoiceKind::kFault, {0, 1}, 1)) == 1);
    CHECK(r.Choose(Point(ChoiceKind::kFault, {0, 1}, 0)) == 0);
  }
}

TEST_CASE("Chooser: PCT runs and is deterministic per seed", "[sim][chooser]") {
  Outcome a = RacyRun(std::make_unique<sim::PctChooser>(sim::Prng(5), 3, 60));
  Outcome a2 = RacyRun(std::make_unique<sim::PctChooser>(sim::Prng(5), 3, 60));
  REQUIRE(a.status == RunStatus::kIdle);
  CHECK(a.order == a2.order);
  CHECK(a.hash == a2.hash);
  std::set<std::vector<int>> distinct;
  for (uint64_t seed = 1; seed <= 10; ++seed) {
    Outcome o = RacyRun(std::make_unique<sim::PctChooser>(sim::Prng(seed), 3, 60));
    REQUIRE(o.status == RunStatus::kIdle);
    distinct.insert(o.order);
  }
  CHECK(distinct.size() >= 2);
}

TEST_CASE("Chooser: PCT keeps a winner until a change point lowers it", "[sim][chooser]") {
  const std::vector<uint64_t> opts{1, 2, 3};
  // Depth 1: no change points, the highest priority wins every time.
  sim::PctChooser steady(sim::Prng(9), 1, 100);
  const uint32_t first = steady.Choose(Point(ChoiceKind::kRunnable, opts));
  for (int i = 0; i < 20; ++i) CHECK(steady.Choose(Point(ChoiceKind::kRunnable, opts)) == first);
  // Depth 2 with one expected step: the change point is step 1, so the first
  // winner drops below the others.
  sim::PctChooser changing(sim::Prng(9), 2, 1);
  const uint32_t w1 = changing.Choose(Point(ChoiceKind::kRunnable, opts));
  const uint32_t w2 = changing.Choose(Point(ChoiceKind::kRunnable, opts));
  CHECK(w1 != w2);
  CHECK(changing.Choose(Point(ChoiceKind::kRunnable, opts)) == w2);
}

TEST_CASE("Chooser: replaying a random run's decisions reproduces it exactly", "[sim][chooser]") {
  for (uint64_t seed : {1, 7, 42}) {
    Outcome rec = RacyRun(std::make_unique<sim::RandomChooser>(sim::Prng(seed)));
    REQUIRE(rec.status == RunStatus::kIdle);
    REQUIRE(rec.decisions.size() > 10);
    uint64_t divergences = 99;
    size_t consumed = 0;
    Outcome again = RacyRun(std::make_unique<sim::ReplayChooser>(rec.decisions), [&](Scheduler& s) {
      auto& rp = dynamic_cast<sim::ReplayChooser&>(s.chooser());
      divergences = rp.divergences();
      consumed = rp.consumed();
    });
    CHECK(again.order == rec.order);
    CHECK(again.hash == rec.hash);
    CHECK(again.decisions == rec.decisions);
    CHECK(divergences == 0);
    CHECK(consumed == rec.decisions.size());
  }
}

TEST_CASE("Chooser: replaying a PCT run's decisions reproduces it exactly", "[sim][chooser]") {
  Outcome rec = RacyRun(std::make_unique<sim::PctChooser>(sim::Prng(11), 3, 60));
  Outcome again = RacyRun(std::make_unique<sim::ReplayChooser>(rec.decisions));
  CHECK(again.order == rec.order);
  CHECK(again.hash == rec.hash);
}

TEST_CASE("Chooser: a FIFO run's decisions replay to the same trace", "[sim][chooser]") {
  // FIFO takes a shortcut (it never gathers the options); the trace must not
  // show it, or a FIFO run could not be replayed exactly.
  Outcome rec = RacyRun(std::make_unique<sim::FifoChooser>());
  Outcome again = RacyRun(std::make_unique<sim::ReplayChooser>(rec.decisions));
  CHECK(again.order == rec.order);
  CHECK(again.hash == rec.hash);
  CHECK(again.decisions == rec.decisions);
}

TEST_CASE("Chooser: a truncated decision list diverges and counts it", "[sim][chooser]") {
  Outcome rec = RacyRun(std::make_unique<sim::RandomChooser>(sim::Prng(3)));
  std::vector<uint32_t> half(rec.decisions.begin(), rec.decisions.begin() + rec.decisions.size() / 2);
  REQUIRE(half.size() >= 5);

  // Directly: the list is answered in order, then `preferred` past its end.
  sim::ReplayChooser replay(half);
  const std::vector<uint64_t> opts{1, 2, 3, 4, 5, 6, 7, 8};
  for (size_t i = 0; i < half.size(); ++i) CHECK(replay.Choose(Point(ChoiceKind::kRunnable, opts, 0)) == half[i]);
  CHECK(replay.divergences() == 0);
  CHECK(replay.Choose(Point(ChoiceKind::kRunnable, opts, 2)) == 2);
  CHECK(replay.divergences() == 1);
  CHECK(replay.consumed() == half.size());

  // Through the same run: the first half matches, the rest is counted.
  uint64_t divergences = 0;
  size_t consumed = 0;
  Outcome cut = RacyRun(std::make_unique<sim::ReplayChooser>(half), [&](Scheduler& s) {
    auto& rp = dynamic_cast<sim::ReplayChooser&>(s.chooser());
    divergences = rp.divergences();
    consumed = rp.consumed();
  });
  CHECK(cut.status == RunStatus::kIdle);
  CHECK(consumed == half.size());
  CHECK(divergences > 0);
  CHECK(divergences == cut.decisions.size() - half.size());
  CHECK(std::equal(half.begin(), half.end(), cut.decisions.begin()));
}

TEST_CASE("Chooser: a recorded index that no longer fits is a divergence", "[sim][chooser]") {
  sim::ReplayChooser replay({5, 1});
  const std::vector<uint64_t> opts{1, 2};
  CHECK(replay.Choose(Point(ChoiceKind::kRunnable, opts, 0)) == 0);
  CHECK(replay.divergences() == 1);
  CHECK(replay.Choose(Point(ChoiceKind::kRunnable, opts, 0)) == 1);
  CHECK(replay.divergences() == 1);
}

TEST_CASE("Chooser: Fault answers the drawn value under FIFO and is recorded", "[sim][chooser]") {
  Scheduler s;
  CHECK(s.Fault("aio_poll_wake.trylock_fails", true));
  CHECK_FALSE(s.Fault("aio_poll_wake.trylock_fails", false));
  CHECK(s.decisions() == std::vector<uint32_t>{1, 0});
}

TEST_CASE("Chooser: replay overrides what the fault stream drew", "[sim][chooser]") {
  Scheduler s(sim::SchedulerOptions{}, std::make_unique<sim::ReplayChooser>(std::vector<uint32_t>{1, 0}));
  CHECK(s.Fault("site", false));
  CHECK_FALSE(s.Fault("site", true));
  CHECK(s.decisions() == std::vector<uint32_t>{1, 0});
  // Random keeps the drawn answer for faults.
  Scheduler r(sim::SchedulerOptions{}, std::make_unique<sim::RandomChooser>(sim::Prng(1)));
  for (int i = 0; i < 20; ++i) {
    CHECK(r.Fault("site", true));
    CHECK_FALSE(r.Fault("site", false));
  }
}

TEST_CASE("Chooser: a choice with one option is not asked nor recorded", "[sim][chooser]") {
  Scheduler s(sim::SchedulerOptions{}, std::make_unique<sim::RandomChooser>(sim::Prng(1)));
  const std::vector<uint64_t> one{9};
  CHECK(s.Choose(ChoiceKind::kModel, "single", one) == 0);
  CHECK(s.decisions().empty());
}

TEST_CASE("Chooser: random order of simultaneous events differs by seed", "[sim][chooser]") {
  auto run = [](uint64_t seed) {
    Scheduler s(sim::SchedulerOptions{}, std::make_unique<sim::RandomChooser>(sim::Prng(seed)));
    std::vector<int> order;
    for (int e = 0; e < 6; ++e) s.At(10, [&order, e] { order.push_back(e); });
    s.At(20, [&order] { order.push_back(99); });
    s.Run();
    return order;
  };
  std::set<std::vector<int>> distinct;
  for (uint64_t seed = 1; seed <= 8; ++seed) {
    std::vector<int> o = run(seed);
    REQUIRE(o.size() == 7);
    CHECK(o.back() == 99);
    std::vector<int> sorted(o.begin(), o.end() - 1);
    std::sort(sorted.begin(), sorted.end());
    CHECK(sorted == std::vector<int>{0, 1, 2, 3, 4, 5});
    distinct.insert(o);
  }
  CHECK(distinct.size() >= 4);
}

TEST_CASE("Chooser: MakeChooser knows fifo, random and pct", "[sim][chooser]") {
  CHECK(sim::MakeChooser("fifo", sim::Prng(1))->name() == "fifo");
  CHECK(sim::MakeChooser("random", sim::Prng(1))->name() == "random");
  CHECK(sim::MakeChooser("pct", sim::Prng(1))->name() == "pct");
  CHECK(sim::MakeChooser("bounded-magic", sim::Prng(1)) == nullptr);
  CHECK(sim::ChoiceKindName(ChoiceKind::kRunnable) == "runnable");
  CHECK(sim::ChoiceKindName(ChoiceKind::kSimultaneous) == "simultaneous");
  CHECK(sim::ChoiceKindName(ChoiceKind::kWakeOrder) == "wake_order");
  CHECK(sim::ChoiceKindName(ChoiceKind::kFault) == "fault");
  CHECK(sim::ChoiceKindName(ChoiceKind::kModel) == "model");
}
