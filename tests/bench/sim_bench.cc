// sim_bench: the cost of the engine's hot paths, in ns per operation.
//
//   bazel run //tests/bench:sim_bench            (-c opt is the default, .bazelrc)
//   bazel run //tests/bench:sim_bench -- --quick (fewer operations, for a smoke run)
//
// Cases (docs/performance.md has the figures and the targets):
// - bare timer events: pop one event, run it, schedule one new event at
//   now + delta, so the pending population stays at 1k or 10^6 (the "hold"
//   model); deltas in [1 ns, 1 ms] come from a Prng table shared with the
//   baseline;
// - the same workloads on std::priority_queue of (time, seq, fn, arg), the
//   baseline for the "event queue vs std::priority_queue" ratio;
// - a fiber switch round trip (Resume + Suspend) on sim::Fiber directly, with
//   one fiber and with 1k fibers taking turns (cold stacks);
// - the bare loop of the target: pop a timer -> resume the fiber it
//   names -> the fiber pushes its next timer, with 1k fibers, on EventQueue
//   and Fiber alone (prefetching the next timer's fiber, as the Scheduler
//   does);
// - the Scheduler loop (the same through sim::Scheduler) with 10 and 1k
//   fibers, each sleeping for a Prng delta in [1 ns, 1 ms] in a loop, tracing
//   on (the hash covers every step: two records per sleep, sched.block and
//   sched.timeout).
//
// Each case runs several repetitions; the median is the figure, the minimum
// is printed beside it. Times are the thread's CPU time
// (CLOCK_THREAD_CPUTIME_ID), not wall time: on a small shared machine other
// processes steal the core now and then, and CPU time does not count that.
// On an idle machine the two agree. This binary reads the host clock: it
// measures the engine, it is not part of a run.
#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <memory>
#include <queue>
#include <string>
#include <vector>

#include "sim/event_queue.h"
#include "sim/fiber.h"
#include "sim/prng.h"
#include "sim/scheduler.h"

namespace {

// CPU time of this thread, in ns.
double CpuNs() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

constexpr size_t kDeltaCount = 1 << 16;  // power of two: index with a mask
constexpr size_t kDeltaMask = kDeltaCount - 1;

// Random-ish deltas in [1, 1ms], the same for every queue case.
std::vector<sim::SimTime> MakeDeltas() {
  sim::Prng rng = sim::Prng(2024).Fork("bench.deltas");
  std::vector<sim::SimTime> d(kDeltaCount);
  for (auto& x : d) x = rng.Range(1, sim::kMillisecond);
  return d;
}
const std::vector<sim::SimTime>& Deltas() {
  static const std::vector<sim::SimTime> d = MakeDeltas();
  return d;
}

double ElapsedNs(double t0) { return CpuNs() - t0; }

struct Sample {
  double median = 0;
  double min = 0;
};

// Runs `one` (which returns ns per op for one repetition) `reps` times.
template <typename F>
Sample Repeat(int reps, F one) {
  std::vector<double> v;
  for (int i = 0; i < reps; ++i) v.push_back(one());
  std::sort(v.begin(), v.end());
  return Sample{v[v.size() / 2], v.front()};
}

uint64_t g_sink = 0;  // keeps the work observable

void CountRaw(void* arg, uint64_t) { ++*static_cast<uint64_t*>(arg); }

// Hold model on sim::EventQueue with raw callbacks.
double EventQueueRaw(size_t pending, uint64_t ops) {
  const auto& deltas = Deltas();
  sim::EventQueue q;
  uint64_t fired = 0;
  size_t d = 0;
  for (size_t i = 0; i < pending; ++i) q.ScheduleRaw(deltas[d++ & kDeltaMask], &CountRaw, &fired);
  sim::EventQueue::Fired f;
  const double t0 = CpuNs();
  for (uint64_t i = 0; i < ops; ++i) {
    q.Pop(&f);
    f.Run();
    q.ScheduleRaw(f.time + deltas[d++ & kDeltaMask], &CountRaw, &fired);
  }
  const double ns = ElapsedNs(t0);
  g_sink += fired;
  return ns / static_cast<double>(ops);
}

// The same with std::function callbacks (a lambda capturing one pointer).
double EventQueueFunction(size_t pending, uint64_t ops) {
  const auto& deltas = Deltas();
  sim::EventQueue q;
  uint64_t fired = 0;
  size_t d = 0;
  for (size_t i = 0; i < pending; ++i) q.Schedule(deltas[d++ & kDeltaMask], [&fired] { ++fired; });
  sim::EventQueue::Fired f;
  const double t0 = CpuNs();
  for (uint64_t i = 0; i < ops; ++i) {
    q.Pop(&f);
    f.Run();
    q.Schedule(f.time + deltas[d++ & kDeltaMask], [&fired] { ++fired; });
  }
  const double ns = ElapsedNs(t0);
  g_sink += fired;
  return ns / static_cast<double>(ops);
}

// Baseline: what a straightforward engine would write.
struct PqEntry {
  sim::SimTime time;
  uint64_t seq;
  sim::RawCallback fn;
  void* arg;
  bool operator>(const PqEntry& o) const { return time > o.time || (time == o.time && seq > o.seq); }
};

double PriorityQueueBaseline(size_t pending, uint64_t ops) {
  const auto& deltas = Deltas();
  std::priority_queue<PqEntry, std::vector<PqEntry>, std::greater<PqEntry>> q;
  uint64_t fired = 0;
  uint64_t seq = 0;
  size_t d = 0;
  for (size_t i = 0; i < pending; ++i) q.push(PqEntry{deltas[d++ & kDeltaMask], seq++, &CountRaw, &fired});
  const double t0 = CpuNs();
  for (uint64_t i = 0; i < ops; ++i) {
    PqEntry e = q.top();
    q.pop();
    e.fn(e.arg, 0);
    q.push(PqEntry{e.time + deltas[d++ & kDeltaMask], seq++, &CountRaw, &fired});
  }
  const double ns = ElapsedNs(t0);
  g_sink += fired;
  return ns / static_cast<double>(ops);
}

// One Resume() + one Suspend() per op.
double FiberRoundTrip(uint64_t ops) {
  sim::StackPool pool(64 * 1024);
  bool stop = false;
  uint64_t turns = 0;
  sim::Fiber* self = nullptr;
  sim::Fiber fiber(
      [&] {
        while (!stop) {
          ++turns;
          self->Suspend();
        }
      },
      &pool);
  self = &fiber;
  fiber.Resume();  // first entry: stack setup, not a round trip
  const double t0 = CpuNs();
  for (uint64_t i = 0; i < ops; ++i) fiber.Resume();
  const double ns = ElapsedNs(t0);
  stop = true;
  fiber.Resume();
  g_sink += turns;
  return ns / static_cast<double>(ops);
}

// The same among `count` fibers taking turns round-robin, each on its own
// stack: the cost once the stacks' top lines no longer stay in L1.
double FiberRoundTripAmong(size_t count, uint64_t ops) {
  sim::StackPool pool(256 * 1024);
  bool stop = false;
  uint64_t turns = 0;
  std::vector<std::unique_ptr<sim::Fiber>> fibers;
  fibers.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    fibers.push_back(std::make_unique<sim::Fiber>(
        [&fibers, &stop, &turns, i] {
          while (!stop) {
            ++turns;
            fibers[i]->Suspend();
          }
        },
        &pool));
    fibers.back()->Resume();
  }
  const double t0 = CpuNs();
  size_t next = 0;
  for (uint64_t i = 0; i < ops; ++i) {
    fibers[next]->Resume();
    if (++next == count) next = 0;
  }
  const double ns = ElapsedNs(t0);
  stop = true;
  for (auto& f : fibers) f->Resume();
  g_sink += turns;
  return ns / static_cast<double>(ops);
}

void Wake(void*, uint64_t) {}  // the bare loop's timers: the loop resumes the fiber itself

// The engine's two primitives alone, as the issue states the loop: pop the
// earliest timer, resume the fiber it names, which pushes its next timer
// (now + a Prng delta) and suspends. No Scheduler: no trace, no chooser, no
// run queue, no states. The floor under the Scheduler loop below.
double BareFiberLoop(uint32_t count, uint64_t events) {
  sim::StackPool pool(256 * 1024);
  sim::EventQueue q;
  bool stop = false;
  std::vector<std::unique_ptr<sim::Fiber>> fibers;
  fibers.reserve(count);
  for (uint32_t i = 0; i < count; ++i) {
    fibers.push_back(std::make_unique<sim::Fiber>(
        [&fibers, &q, &stop, i] {
          sim::Prng rng = sim::Prng(i).Fork("bench.sleep");
          sim::Fiber* self = fibers[i].get();
          while (!stop) {
            q.ScheduleRaw(q.Now() + 1 + static_cast<sim::SimTime>(rng.Uniform(sim::kMillisecond)),
                          &Wake, self);
            self->Suspend();
          }
        },
        &pool));
    fibers.back()->Resume();  // first entry: schedules its first timer
  }
  sim::EventQueue::Fired f;
  const double t0 = CpuNs();
  for (uint64_t i = 0; i < events; ++i) {
    q.Pop(&f);
    // As the Scheduler does: the next timers are known now. The next one's
    // stack lines are fetched while this one runs (its object, which names
    // them, was fetched one event earlier), and the one after it's object.
    q.NextTime();
    if (auto* next = static_cast<sim::Fiber*>(q.NextArgIf(&Wake))) next->Prefetch();
    if (auto* after = q.NextArgIf(&Wake, 1)) __builtin_prefetch(after);
    static_cast<sim::Fiber*>(f.arg)->Resume();
  }
  const double ns = ElapsedNs(t0);
  stop = true;
  for (auto& fib : fibers) fib->Resume();
  g_sink += q.Scheduled();
  return ns / static_cast<double>(events);
}

// `fibers` fibers, each `for (;;) SleepFor(delta)`. One op = one timer event
// (the pop, the resumption of its fiber, the fiber's next delta draw and
// SleepFor push, and the four trace records of the cycle).
double SchedulerSleepLoop(uint32_t fibers, uint64_t events, uint64_t* steps_per_event_x100) {
  sim::SchedulerOptions opts;
  opts.seed = 7;
  // Each timer event costs two steps: the event and the fiber's resumption.
  // The initial run of each fiber adds one step per fiber.
  opts.step_limit = fibers + 2 * events;
  sim::Scheduler sched(opts);
  uint64_t wakeups = 0;
  for (uint32_t i = 0; i < fibers; ++i) {
    sched.Spawn("sleeper" + std::to_string(i), [&sched, &wakeups, i] {
      // The delta stream lives on the fiber's own stack, like a model's locals.
      sim::Prng rng = sim::Prng(i).Fork("bench.sleep");
      for (;;) {
        sched.SleepFor(1 + static_cast<sim::SimTime>(rng.Uniform(sim::kMillisecond)));
        ++wakeups;
      }
    });
  }
  const double t0 = CpuNs();
  sim::RunResult r = sched.Run();
  const double ns = ElapsedNs(t0);
  if (r.status != sim::RunStatus::kStepLimit) {
    std::fprintf(stderr, "sim_bench: scheduler loop ended with %s\n",
                 std::string(sim::RunStatusName(r.status)).c_str());
  }
  g_sink += sched.trace().hash();
  *steps_per_event_x100 = wakeups ? r.steps * 100 / wakeups : 0;
  return ns / static_cast<double>(wakeups);
}

void PrintRow(const char* name, const Sample& s, const char* target) {
  std::printf("%-58s %9.2f %9.2f   %s\n", name, s.median, s.min, target);
}

void PrintVerdict(const char* name, double ns, double target) {
  if (ns <= target) {
    std::printf("target %-40s %8.2f <= %6.1f  met\n", name, ns, target);
  } else {
    std::printf("target %-40s %8.2f <= %6.1f  MISSED by %.0f%%\n", name, ns, target, 100.0 * (ns / target - 1));
  }
}

}  // namespace

int main(int argc, char** argv) {
  bool quick = false;
  // --only=CASE runs one group alone, for profiling: loop (the bare and the
  // scheduler loop with 1k fibers), bare, scheduler, queue (timer events,
  // 1k and 10^6 pending, raw callbacks).
  std::string only;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--quick") == 0) {
      quick = true;
    } else if (std::strncmp(argv[i], "--only=", 7) == 0 &&
               (std::strcmp(argv[i] + 7, "loop") == 0 || std::strcmp(argv[i] + 7, "bare") == 0 ||
                std::strcmp(argv[i] + 7, "scheduler") == 0 || std::strcmp(argv[i] + 7, "queue") == 0)) {
      only = argv[i] + 7;
    } else {
      std::fprintf(stderr, "sim_bench: unknown argument '%s' (--quick, --only=loop|bare|scheduler|queue)\n", argv[i]);
      return 2;
    }
  }
  if (only == "queue") {
    const Sample q = Repeat(quick ? 1 : 5, [&] { return EventQueueRaw(1000, quick ? 2000000 : 20000000); });
    PrintRow("timer events, 1k pending (raw callback)", q, "-");
    const Sample q1m = Repeat(quick ? 1 : 5, [&] { return EventQueueRaw(1000000, quick ? 500000 : 5000000); });
    PrintRow("timer events, 10^6 pending (raw callback)", q1m, "<= 150");
    return 0;
  }
  if (only == "bare") {
    const Sample bare = Repeat(quick ? 1 : 5, [&] { return BareFiberLoop(1000, quick ? 1000000 : 10000000); });
    PrintRow("bare loop: pop -> resume fiber -> push, 1k fibers", bare, "<= 40");
    return 0;
  }
  if (only == "scheduler") {
    uint64_t spe = 0;
    const Sample sl = Repeat(quick ? 1 : 5, [&] { return SchedulerSleepLoop(1000, quick ? 1000000 : 10000000, &spe); });
    PrintRow("scheduler loop, 1k fibers SleepFor, per timer event", sl, "<= 40");
    return 0;
  }
  if (only == "loop") {
    const Sample bare = Repeat(quick ? 1 : 5, [&] { return BareFiberLoop(1000, quick ? 1000000 : 10000000); });
    PrintRow("bare loop: pop -> resume fiber -> push, 1k fibers", bare, "<= 40");
    uint64_t spe = 0;
    const Sample sl = Repeat(quick ? 1 : 5, [&] { return SchedulerSleepLoop(1000, quick ? 1000000 : 10000000, &spe); });
    PrintRow("scheduler loop, 1k fibers SleepFor, per timer event", sl, "<= 40");
    return 0;
  }
  const int reps = quick ? 1 : 5;
  const uint64_t scale = quick ? 10 : 1;
  Deltas();

  std::printf("%-58s %9s %9s   %s\n", "case (median of reps, CPU time)", "ns/op", "min", "target");
  const Sample q1k = Repeat(reps, [&] { return EventQueueRaw(1000, 20000000 / scale); });
  PrintRow("timer events, 1k pending (raw callback)", q1k, "-");
  const Sample q1kf = Repeat(reps, [&] { return EventQueueFunction(1000, 20000000 / scale); });
  PrintRow("timer events, 1k pending (std::function callback)", q1kf, "-");
  const Sample pq1k = Repeat(reps, [&] { return PriorityQueueBaseline(1000, 20000000 / scale); });
  PrintRow("baseline std::priority_queue, 1k pending", pq1k, "-");
  const Sample q1m = Repeat(reps, [&] { return EventQueueRaw(1000000, 5000000 / scale); });
  PrintRow("timer events, 10^6 pending (raw callback)", q1m, "<= 150");
  const Sample q1mf = Repeat(reps, [&] { return EventQueueFunction(1000000, 5000000 / scale); });
  PrintRow("timer events, 10^6 pending (std::function callback)", q1mf, "-");
  const Sample pq1m = Repeat(reps, [&] { return PriorityQueueBaseline(1000000, 5000000 / scale); });
  PrintRow("baseline std::priority_queue, 10^6 pending", pq1m, "-");
  const Sample fib = Repeat(reps, [&] { return FiberRoundTrip(50000000 / scale); });
  PrintRow("fiber round trip (Resume + Suspend), one fiber", fib, "<= 12");
  const Sample fib1k = Repeat(reps, [&] { return FiberRoundTripAmong(1000, 20000000 / scale); });
  PrintRow("fiber round trip, 1k fibers taking turns", fib1k, "-");
  const Sample bare = Repeat(reps, [&] { return BareFiberLoop(1000, 10000000 / scale); });
  PrintRow("bare loop: pop -> resume fiber -> push, 1k fibers", bare, "<= 40");
  uint64_t spe = 0;
  const Sample sl10 = Repeat(reps, [&] { return SchedulerSleepLoop(10, 10000000 / scale, &spe); });
  PrintRow("scheduler loop, 10 fibers SleepFor, per timer event", sl10, "-");
  const Sample sl = Repeat(reps, [&] { return SchedulerSleepLoop(1000, 10000000 / scale, &spe); });
  PrintRow("scheduler loop, 1k fibers SleepFor, per timer event", sl, "(<= 40)");

  std::printf("\nevent queue vs std::priority_queue: %.2f\n", pq1m.median / q1m.median);
  std::printf("event queue vs std::priority_queue, 1k pending: %.2f\n", pq1k.median / q1k.median);
  PrintVerdict("fiber round trip", fib.median, 12);
  PrintVerdict("timer events, 10^6 pending", q1m.median, 150);
  PrintVerdict("bare loop, 1k fibers", bare.median, 40);
  PrintVerdict("scheduler loop, 1k fibers", sl.median, 40);
  std::printf("scheduler steps per timer event: %" PRIu64 ".%02" PRIu64 "\n", spe / 100, spe % 100);
  std::printf("(checksum %" PRIu64 ")\n", g_sink);
  return 0;
}
