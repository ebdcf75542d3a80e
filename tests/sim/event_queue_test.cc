// Pins sim::EventQueue: (time, schedule order) ordering, cancellation with
// stale ids, raw callbacks, the simultaneous-event interface used by the
// choosers, and a randomized comparison against a std::multimap reference.
#include "sim/event_queue.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <utility>
#include <vector>

#include "sim/check.h"
#include "sim/prng.h"

using sim::EventId;
using sim::EventQueue;
using sim::SimTime;

TEST_CASE("EventQueue: events fire in increasing time", "[sim][event_queue]") {
  EventQueue q;
  std::vector<SimTime> fired;
  for (SimTime t : {50, 10, 40, 20, 30}) q.Schedule(t, [&fired, &q] { fired.push_back(q.Now()); });
  CHECK(q.Size() == 5);
  CHECK(q.NextTime() == 10);
  CHECK(q.RunUntilIdle() == 5);
  CHECK(fired == std::vector<SimTime>{10, 20, 30, 40, 50});
  CHECK(q.Now() == 50);
  CHECK(q.Empty());
  CHECK(q.NextTime() == sim::kNever);
}

TEST_CASE("EventQueue: same-time events fire in schedule order", "[sim][event_queue]") {
  EventQueue q;
  std::vector<int> fired;
  for (int i = 0; i < 100; ++i) q.Schedule(SimTime{10}, [&fired, i] { fired.push_back(i); });
  q.Schedule(SimTime{5}, [&fired] { fired.push_back(-1); });
  q.RunUntilIdle();
  std::vector<int> want{-1};
  for (int i = 0; i < 100; ++i) want.push_back(i);
  CHECK(fired == want);
}

TEST_CASE("EventQueue: an event scheduled for now by a callback runs after those already due",
          "[sim][event_queue]") {
  EventQueue q;
  std::vector<int> fired;
  q.Schedule(SimTime{10}, [&] {
    fired.push_back(1);
    q.Schedule(q.Now(), [&] { fired.push_back(3); });
  });
  q.Schedule(SimTime{10}, [&] { fired.push_back(2); });
  q.RunUntilIdle();
  CHECK(fired == std::vector<int>{1, 2, 3});
}

TEST_CASE("EventQueue: Pop reports time and sequence and advances Now", "[sim][event_queue]") {
  EventQueue q;
  q.Schedule(SimTime{30}, [] {});
  q.Schedule(SimTime{20}, [] {});
  CHECK(q.Scheduled() == 2);
  EventQueue::Fired f;
  REQUIRE(q.Pop(&f));
  CHECK(f.time == 20);
  CHECK(f.seq == 1);
  CHECK(q.Now() == 20);
  REQUIRE(q.Pop(&f));
  CHECK(f.time == 30);
  CHECK(f.seq == 0);
  CHECK_FALSE(q.Pop(&f));
  CHECK(q.Now() == 30);
}

TEST_CASE("EventQueue: a cancelled event does not fire", "[sim][event_queue]") {
  EventQueue q;
  std::vector<int> fired;
  q.Schedule(SimTime{10}, [&] { fired.push_back(1); });
  EventId id = q.Schedule(SimTime{20}, [&] { fired.push_back(2); });
  q.Schedule(SimTime{30}, [&] { fired.push_back(3); });
  CHECK(q.Cancel(id));
  CHECK(q.Size() == 2);
  q.RunUntilIdle();
  CHECK(fired == std::vector<int>{1, 3});
  // The time of the cancelled event was never reached on its own account.
  CHECK(q.Now() == 30);
}

TEST_CASE("EventQueue: cancelling a fired, cancelled or default id is a no-op", "[sim][event_queue]") {
  EventQueue q;
  int fired = 0;
  EventId a = q.Schedule(SimTime{10}, [&] { ++fired; });
  CHECK(q.Cancel(a));
  CHECK_FALSE(q.Cancel(a));  // twice
  EventId b = q.Schedule(SimTime{10}, [&] { ++fired; });
  q.RunUntilIdle();
  CHECK(fired == 1);
  CHECK_FALSE(q.Cancel(b));  // already fired
  CHECK_FALSE(q.Cancel(EventId{}));
  CHECK_FALSE(EventId{}.valid());
  CHECK_FALSE(q.Cancel(EventId{12345, 0}));  // slot never used
}

TEST_CASE("EventQueue: a stale id does not cancel the event that reuses its slot", "[sim][event_queue]") {
  EventQueue q;
  int fired = 0;
  EventId old_id = q.Schedule(SimTime{1}, [] {});
  q.RunUntilIdle();
  // The slot is free again; the next event reuses it with a new generation.
  EventId new_id = q.Schedule(SimTime{5}, [&] { ++fired; });
  CHECK(new_id.slot == old_id.slot);
  CHECK(new_id.generation != old_id.generation);
  CHECK_FALSE(q.Cancel(old_id));
  q.RunUntilIdle();
  CHECK(fired == 1);
}

TEST_CASE("EventQueue: cancelling releases the callback's captures at once", "[sim][event_queue]") {
  EventQueue q;
  auto token = std::make_shared<int>(1);
  EventId id = q.Schedule(SimTime{10}, [token] {});
  CHECK(token.use_count() == 2);
  q.Cancel(id);
  CHECK(token.use_count() == 1);
}

namespace {
void AppendArg(void* arg, uint64_t) { static_cast<std::vector<int>*>(arg)->push_back(7); }
void AppendOther(void* arg, uint64_t) { static_cast<std::vector<int>*>(arg)->push_back(8); }
void AppendWord(void* arg, uint64_t word) { static_cast<std::vector<int>*>(arg)->push_back(static_cast<int>(word)); }
}  // namespace

TEST_CASE("EventQueue: raw callbacks get their argument and word and keep schedule order", "[sim][event_queue]") {
  EventQueue q;
  std::vector<int> fired;
  q.ScheduleRaw(SimTime{10}, &AppendArg, &fired);
  q.Schedule(SimTime{10}, [&] { fired.push_back(1); });
  q.ScheduleRaw(SimTime{10}, &AppendOther, &fired);
  q.ScheduleRaw(SimTime{10}, &AppendWord, &fired, 42);
  q.ScheduleRaw(SimTime{10}, &AppendWord, &fired);  // the word defaults to 0
  EventId id = q.ScheduleRaw(SimTime{5}, &AppendWord, &fired, 5);
  CHECK(q.Cancel(id));
  // A slot freed by the cancel is reused without its old word.
  q.ScheduleRaw(SimTime{11}, &AppendWord, &fired, 3);
  q.RunUntilIdle();
  CHECK(fired == std::vector<int>{7, 1, 8, 42, 0, 3});
}

TEST_CASE("EventQueue: Pop gives exactly one of raw and cb", "[sim][event_queue]") {
  EventQueue q;
  std::vector<int> fired;
  q.Schedule(SimTime{1}, [&] { fired.push_back(1); });
  q.ScheduleRaw(SimTime{2}, &AppendArg, &fired);
  EventQueue::Fired f;
  REQUIRE(q.Pop(&f));
  CHECK(f.raw == nullptr);
  CHECK(static_cast<bool>(f.cb));
  f.Run();
  REQUIRE(q.Pop(&f));  // the same Fired reused: the old callback is dropped
  CHECK(f.raw == &AppendArg);
  CHECK(f.arg == &fired);
  CHECK(f.word == 0);
  CHECK_FALSE(static_cast<bool>(f.cb));
  f.Run();
  CHECK(fired == std::vector<int>{1, 7});
}

TEST_CASE("EventQueue: scheduling in the past is a violation", "[sim][event_queue]") {
  EventQueue q;
  q.Schedule(SimTime{100}, [] {});
  q.RunUntilIdle();
  REQUIRE(q.Now() == 100);
  CHECK_THROWS_AS(q.Schedule(SimTime{99}, [] {}), sim::Violation);
  CHECK_THROWS_WITH(q.Schedule(SimTime{50}, [] {}), Catch::Contains("scheduled in the past: 50 < 100"));
  CHECK_THROWS_AS(q.ScheduleRaw(SimTime{99}, &AppendArg, nullptr), sim::Violation);
  CHECK(q.Empty());
  // Now itself and kNever are fine.
  q.Schedule(SimTime{100}, [] {});
  q.Schedule(sim::kNever, [] {});
  CHECK(q.Size() == 2);
}

TEST_CASE("EventQueue: PeekSimultaneous lists the live events due first, in order", "[sim][event_queue]") {
  EventQueue q;
  std::vector<uint64_t> seqs;
  q.PeekSimultaneous(&seqs);
  CHECK(seqs.empty());
  q.Schedule(SimTime{20}, [] {});                  // seq 0
  q.Schedule(SimTime{10}, [] {});                  // seq 1
  EventId c = q.Schedule(SimTime{10}, [] {});      // seq 2
  q.Schedule(SimTime{10}, [] {});                  // seq 3
  q.Schedule(SimTime{11}, [] {});                  // seq 4
  for (int i = 0; i < 40; ++i) q.Schedule(SimTime{10 + i % 3}, [] {});  // seq 5..44
  q.Cancel(c);
  q.PeekSimultaneous(&seqs);
  std::vector<uint64_t> want{1, 3};
  for (uint64_t s = 5; s < 45; ++s) {
    if ((s - 5) % 3 == 0) want.push_back(s);
  }
  CHECK(seqs == want);
  CHECK(q.Size() == 44);  // peeking removes nothing
}

TEST_CASE("EventQueue: PopSequence takes a chosen simultaneous event", "[sim][event_queue]") {
  EventQueue q;
  std::vector<int> fired;
  for (int i = 0; i < 5; ++i) q.Schedule(SimTime{10}, [&fired, i] { fired.push_back(i); });
  q.Schedule(SimTime{20}, [&fired] { fired.push_back(20); });
  EventQueue::Fired f;
  CHECK_FALSE(q.PopSequence(5, &f));  // not due first
  CHECK_FALSE(q.PopSequence(99, &f));
  REQUIRE(q.PopSequence(3, &f));
  CHECK(f.time == 10);
  CHECK(f.seq == 3);
  CHECK(q.Now() == 10);
  f.Run();
  REQUIRE(q.PopSequence(0, &f));
  f.Run();
  q.RunUntilIdle();
  CHECK(fired == std::vector<int>{3, 0, 1, 2, 4, 20});
}

TEST_CASE("EventQueue: many cancelled far-future events do not pile up", "[sim][event_queue]") {
  // The timeout pattern: every wait arms a far deadline and is woken early.
  EventQueue q;
  uint64_t fired = 0;
  SimTime t = 0;
  for (int i = 0; i < 200000; ++i) {
    EventId timeout = q.Schedule(t + sim::kSecond, [] { FAIL("a cancelled timeout fired"); });
    q.Schedule(t + 1, [&fired] { ++fired; });
    q.Cancel(timeout);
    EventQueue::Fired f;
    REQUIRE(q.Pop(&f));
    f.Run();
    t = q.Now();
    REQUIRE(q.Size() == 0);
  }
  CHECK(fired == 200000);
  CHECK(q.NextTime() == sim::kNever);
}

TEST_CASE("EventQueue: an event scheduled after a peek at a later one still fires first",
          "[sim][event_queue]") {
  // PeekSimultaneous() reorganises the queue around the next event (1 ms
  // away); events scheduled afterwards for sooner, at several distinct times
  // and with ties, must come out before it and in (time, seq) order.
  EventQueue q;
  std::vector<int> fired;
  q.Schedule(sim::kMillisecond, [&] { fired.push_back(0); });
  q.Schedule(sim::kMillisecond + 5000, [&] { fired.push_back(1); });
  std::vector<uint64_t> seqs;
  q.PeekSimultaneous(&seqs);
  REQUIRE(seqs == std::vector<uint64_t>{0});
  q.Schedule(SimTime{700}, [&] { fired.push_back(4); });
  q.Schedule(SimTime{300}, [&] { fired.push_back(2); });
  q.Schedule(SimTime{300}, [&] { fired.push_back(3); });
  q.Schedule(sim::kMillisecond, [&] { fired.push_back(5); });
  REQUIRE(q.NextTime() == 300);
  q.PeekSimultaneous(&seqs);
  CHECK(seqs == std::vector<uint64_t>{3, 4});
  q.RunUntilIdle();
  CHECK(fired == std::vector<int>{2, 3, 4, 0, 5, 1});
}

TEST_CASE("EventQueue: NextTime sees through cancelled events without reordering anything",
          "[sim][event_queue]") {
  EventQueue q;
  std::vector<int> fired;
  EventId a = q.Schedule(SimTime{1} << 20, [&] { fired.push_back(0); });
  q.Schedule((SimTime{1} << 20) + 9, [&] { fired.push_back(2); });
  EventId c = q.Schedule(SimTime{3}, [&] { fired.push_back(-1); });
  q.Cancel(c);
  q.Cancel(a);
  CHECK(q.NextTime() == (SimTime{1} << 20) + 9);
  q.Schedule(SimTime{5}, [&] { fired.push_back(1); });
  CHECK(q.NextTime() == 5);
  q.RunUntilIdle();
  CHECK(fired == std::vector<int>{1, 2});
}

TEST_CASE("EventQueue: a tie with a peeked lone event keeps its place when later events follow",
          "[sim][event_queue]") {
  // A is alone and far ahead when peeked; B ties with it; once A has fired,
  // C (1 ns after B) must not overtake B.
  EventQueue q;
  std::vector<char> fired;
  const SimTime t = SimTime{1} << 16;
  q.Schedule(t, [&] { fired.push_back('A'); });
  REQUIRE(q.NextTime() == t);
  q.Schedule(t, [&] { fired.push_back('B'); });
  EventQueue::Fired f;
  REQUIRE(q.Pop(&f));
  f.Run();
  q.Schedule(t + 1, [&] { fired.push_back('C'); });
  q.RunUntilIdle();
  CHECK(fired == std::vector<char>{'A', 'B', 'C'});
}

TEST_CASE("EventQueue: a later event that joins a peeked lone event's bucket keeps its place",
          "[sim][event_queue]") {
  // A (alone, far ahead) is peeked; B, 5 ns after A, lands beside it; after A
  // fires, C (95 ns after A) must not overtake B.
  EventQueue q;
  std::vector<char> fired;
  const SimTime t = (SimTime{1} << 18) + 5;
  q.Schedule(t, [&] { fired.push_back('A'); });
  REQUIRE(q.NextTime() == t);
  q.Schedule(t + 5, [&] { fired.push_back('B'); });
  EventQueue::Fired f;
  REQUIRE(q.Pop(&f));
  f.Run();
  q.Schedule(t + 95, [&] { fired.push_back('C'); });
  q.RunUntilIdle();
  CHECK(fired == std::vector<char>{'A', 'B', 'C'});
}

TEST_CASE("EventQueue: times far apart and near the top of the range keep their order", "[sim][event_queue]") {
  // Every level of the wheel: deltas from 1 ns to 2^61 ns.
  EventQueue q;
  std::vector<SimTime> fired;
  std::vector<SimTime> want;
  for (int bit = 61; bit >= 0; bit -= 3) {
    const SimTime t = (SimTime{1} << bit) + bit;
    want.push_back(t);
    q.Schedule(t, [&fired, &q] { fired.push_back(q.Now()); });
  }
  std::sort(want.begin(), want.end());
  q.RunUntilIdle();
  CHECK(fired == want);
}

TEST_CASE("EventQueue: a small far bucket comes out sorted by time, ties in schedule order",
          "[sim][event_queue]") {
  // Twelve events inside one bucket's time range far ahead, scheduled out of
  // time order and with ties: the bucket is taken whole and sorted. Once for
  // a bucket of every level, as each level range sorts keys of its own width
  // (16 bits up to level 2, 32 up to level 4, 64 above).
  const SimTime fractions[] = {900, 17, 900, 3, 4000, 17, 0, 2048, 900, 3, 64, 4095};  // of 4096
  for (int level = 1; level <= 10; ++level) {
    INFO("a bucket of level " << level);
    const int range_bits = 6 * level;
    EventQueue q;
    std::vector<int> fired;
    const SimTime base = SimTime{1} << range_bits;  // in [2^(6 level), 2^(6 level + 1)): this level
    std::vector<std::pair<SimTime, int>> want;
    for (int i = 0; i < 12; ++i) {
      const SimTime offset = range_bits >= 12 ? fractions[i] << (range_bits - 12) : fractions[i] >> (12 - range_bits);
      q.Schedule(base + offset, [&fired, i] { fired.push_back(i); });
      want.emplace_back(offset, i);
    }
    std::stable_sort(want.begin(), want.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    q.RunUntilIdle();
    std::vector<int> order;
    for (const auto& w : want) order.push_back(w.second);
    CHECK(fired == order);
  }
}

TEST_CASE("EventQueue: events scheduled into the range being consumed keep (time, seq) order",
          "[sim][event_queue]") {
  // While a slice's events fire, each schedules another inside the same
  // slice (between, before and equal to the ones left) and one just past it.
  EventQueue q;
  std::vector<SimTime> fired;
  const SimTime base = SimTime{3} << 12;  // a 4096 ns slice: [base, base + 4096)
  std::function<void()> cb = [&] {
    fired.push_back(q.Now());
    if (fired.size() < 40) {
      const SimTime now = q.Now();
      q.Schedule(now + static_cast<SimTime>(fired.size() % 3) * 7, cb);
      if (fired.size() % 5 == 0) q.Schedule(base + 4096 + static_cast<SimTime>(fired.size()), cb);
    }
  };
  for (SimTime off : {4000, 100, 2000, 100, 50}) q.Schedule(base + off, cb);
  q.RunUntilIdle();
  REQUIRE(fired.size() >= 40);
  CHECK(std::is_sorted(fired.begin(), fired.end()));
}

TEST_CASE("EventQueue: cancelling inside a taken range, and all of it, leaves the rest in order",
          "[sim][event_queue]") {
  EventQueue q;
  std::vector<int> fired;
  const SimTime base = SimTime{5} << 18;
  std::vector<EventId> ids;
  for (int i = 0; i < 8; ++i) {
    ids.push_back(q.Schedule(base + 8 - i, [&fired, i] { fired.push_back(i); }));
  }
  q.Schedule(base + (SimTime{1} << 12) + 1, [&fired] { fired.push_back(100); });
  REQUIRE(q.NextTime() == base + 1);  // the slice of the first eight is taken here
  CHECK(q.Cancel(ids[7]));           // its front
  CHECK(q.Cancel(ids[3]));           // its middle
  CHECK(q.NextTime() == base + 2);
  EventQueue::Fired f;
  REQUIRE(q.Pop(&f));
  f.Run();
  for (int i : {0, 1, 2, 4, 5}) CHECK(q.Cancel(ids[static_cast<size_t>(i)]));  // all the rest of it
  CHECK(q.NextTime() == base + (SimTime{1} << 12) + 1);
  q.Schedule(base + 3, [&fired] { fired.push_back(50); });  // back inside the emptied slice
  q.RunUntilIdle();
  CHECK(fired == std::vector<int>{6, 50, 100});
}

TEST_CASE("EventQueue: CountSimultaneous follows pops, joins and cancels at the same instant",
          "[sim][event_queue]") {
  EventQueue q;
  std::vector<EventId> ids;
  for (int i = 0; i < 32; ++i) ids.push_back(q.Schedule(SimTime{1000}, [] {}));
  q.Schedule(SimTime{1001}, [] {});
  CHECK(q.CountSimultaneous() == 32);
  EventQueue::Fired f;
  REQUIRE(q.Pop(&f));
  CHECK(q.CountSimultaneous() == 31);
  q.Schedule(SimTime{1000}, [] {});  // joins the instant being drained
  CHECK(q.CountSimultaneous() == 32);
  CHECK(q.Cancel(ids[5]));
  CHECK(q.CountSimultaneous() == 31);
  std::vector<uint64_t> seqs;
  q.PeekSimultaneous(&seqs);
  REQUIRE(seqs.size() == 31);
  REQUIRE(q.PopSequence(seqs[7], &f));  // out of order
  CHECK(q.CountSimultaneous() == 30);
  for (int i = 0; i < 30; ++i) REQUIRE(q.Pop(&f));
  CHECK(q.Now() == 1000);
  q.Schedule(SimTime{1000}, [] {});  // the instant again, once drained
  CHECK(q.CountSimultaneous() == 1);
  REQUIRE(q.Pop(&f));
  CHECK(q.CountSimultaneous() == 1);  // the event at 1001
  CHECK(q.NextTime() == 1001);
}

// A reference model: std::multimap keyed by (time, seq) plays the queue.
TEST_CASE("EventQueue: 100k random operations agree with a (time, seq) multimap", "[sim][event_queue]") {
  for (uint64_t seed : {1, 2, 3}) {
    sim::Prng rng(seed);
    EventQueue q;
    std::multimap<std::pair<SimTime, uint64_t>, int> ref;
    std::map<uint64_t, EventId> ids;     // seq -> id, kept after firing (stale ids)
    std::map<uint64_t, SimTime> times;   // seq -> time, while pending
    std::vector<std::pair<SimTime, uint64_t>> fired;
    uint64_t next_seq = 0;
    for (int op = 0; op < 100000; ++op) {
      // Peeking may spread the wheel ahead of Now(); what is scheduled
      // next must still come out in order.
      if (rng.Chance(1, 4)) REQUIRE(q.NextTime() == (ref.empty() ? sim::kNever : ref.begin()->first.first));
      // PeekSimultaneous() spreads the wheel ahead of Now(): what comes
      // after it, sooner, takes the early path.
      if (rng.Chance(1, 8)) {
        std::vector<uint64_t> seqs;
        q.PeekSimultaneous(&seqs);
        REQUIRE(seqs.empty() == ref.empty());
      }
      // The count of simultaneous events is remembered between calls: it
      // must follow pops, joins and cancels.
      if (rng.Chance(1, 3)) {
        size_t n = 0;
        for (auto it = ref.begin(); it != ref.end() && it->first.first == ref.begin()->first.first; ++it) ++n;
        REQUIRE(q.CountSimultaneous() == n);
      }
      const uint64_t r = rng.Uniform(100);
      if (r < 55) {
        // Small deltas give many ties; far ones fill the wheel's high
        // levels; log-spread ones land at every level, beside peeked ones.
        const uint64_t shape = rng.Uniform(10);
        const SimTime delta = shape == 0   ? rng.Range(0, 1000000)
                              : shape < 4 ? rng.Range(0, (SimTime{1} << rng.Uniform(21)))
                                          : rng.Range(0, 8);
        const SimTime when = q.Now() + delta;
        const uint64_t seq = next_seq++;
        EventId id = rng.Chance(1, 2) ? q.Schedule(when, [&fired, when, seq] { fired.emplace_back(when, seq); })
                                      : q.ScheduleRaw(when, [](void*, uint64_t) {}, nullptr);
        ref.emplace(std::make_pair(when, seq), 0);
        ids[seq] = id;
        times[seq] = when;
      } else if (r < 68 && !ids.empty()) {
        // Cancel a random known event; it may have fired already (stale id).
        auto it = ids.lower_bound(rng.Uniform(next_seq));
        if (it == ids.end()) it = ids.begin();
        auto when = times.find(it->first);
        const bool pending = when != times.end();
        if (pending) {
          ref.erase(ref.find(std::make_pair(when->second, it->first)));
          times.erase(when);
        }
        REQUIRE(q.Cancel(it->second) == pending);
        REQUIRE_FALSE(q.Cancel(it->second));
        ids.erase(it);
      } else if (r < 74 && !ref.empty()) {
        // Take one of the simultaneous events out of order.
        std::vector<uint64_t> seqs;
        q.PeekSimultaneous(&seqs);
        std::vector<uint64_t> want;
        const SimTime t = ref.begin()->first.first;
        for (auto it = ref.begin(); it != ref.end() && it->first.first == t; ++it) want.push_back(it->first.second);
        REQUIRE(seqs == want);
        REQUIRE(q.CountSimultaneous() == want.size());
        const uint64_t pick = seqs[rng.Uniform(seqs.size())];
        EventQueue::Fired f;
        REQUIRE(q.PopSequence(pick, &f));
        REQUIRE(f.time == t);
        REQUIRE(f.seq == pick);
        ref.erase(ref.find(std::make_pair(t, pick)));
        times.erase(pick);
      } else {
        EventQueue::Fired f;
        if (ref.empty()) {
          REQUIRE_FALSE(q.Pop(&f));
          continue;
        }
        REQUIRE(q.NextTime() == ref.begin()->first.first);
        REQUIRE(q.Pop(&f));
        REQUIRE(f.time == ref.begin()->first.first);
        REQUIRE(f.seq == ref.begin()->first.second);
        times.erase(f.seq);
        ref.erase(ref.begin());
        f.Run();
      }
      REQUIRE(q.Size() == ref.size());
      REQUIRE(q.Scheduled() == next_seq);
    }
    // Drain: the rest comes out in (time, seq) order.
    EventQueue::Fired f;
    while (!ref.empty()) {
      REQUIRE(q.Pop(&f));
      REQUIRE(f.time == ref.begin()->first.first);
      REQUIRE(f.seq == ref.begin()->first.second);
      ref.erase(ref.begin());
    }
    CHECK_FALSE(q.Pop(&f));
    // Every callback that fired saw its own (time, seq) in order.
    for (size_t i = 1; i < fired.size(); ++i) REQUIRE(fired[i - 1] < fired[i]);
  }
}
