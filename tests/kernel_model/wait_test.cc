// Wait queues: callback order, exclusive wake-ups, lost-wakeup protection,
// timeouts and bit waits.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "kernel_model/poll.h"
#include "kernel_model/wait.h"
#include "kernel_model/wait_bit.h"
#include "tests/kernel_model/world.h"

using namespace kernel;
using kernel_test::World;

namespace {

// An entry whose callback records its name and returns a fixed value.
struct Recorder {
  wait_queue_entry wq;
  std::string name;
  int ret = 1;
  std::vector<std::string>* log = nullptr;
  bool remove_self = false;
};

int record_func(wait_queue_entry* wq_entry, unsigned mode, int flags, void* key) {
  auto* r = static_cast<Recorder*>(wq_entry->private_);
  r->log->push_back(r->name);
  if (r->remove_self) list_del_init(&wq_entry->entry);
  return r->ret;
}

void init_recorder(Recorder* r, std::string name, std::vector<std::string>* log) {
  init_waitqueue_func_entry(&r->wq, record_func);
  r->wq.private_ = r;
  r->name = std::move(name);
  r->log = log;
}

}  // namespace

TEST_CASE("wait queue: entries are called in list order, add_wait_queue at the head, exclusive at the tail",
          "[kernel][wait]") {
  World w;
  wait_queue_head wq("t");
  std::vector<std::string> log;
  Recorder a, b, x1, x2;
  init_recorder(&a, "a", &log);
  init_recorder(&b, "b", &log);
  init_recorder(&x1, "x1", &log);
  init_recorder(&x2, "x2", &log);
  add_wait_queue(&wq, &a.wq);
  add_wait_queue_exclusive(&wq, &x1.wq);
  add_wait_queue(&wq, &b.wq);
  add_wait_queue_exclusive(&wq, &x2.wq);

  SECTION("wake_up: every non-exclusive entry, then one exclusive") {
    CHECK(__wake_up(&wq, TASK_NORMAL, 1, nullptr) == 1);
    CHECK(log == std::vector<std::string>{"b", "a", "x1"});
  }
  SECTION("wake_up_all: everything") {
    wake_up_all(&wq);
    CHECK(log == std::vector<std::string>{"b", "a", "x1", "x2"});
  }
  SECTION("an exclusive callback that wakes nothing does not count") {
    x1.ret = 0;
    wake_up(&wq);
    CHECK(log == std::vector<std::string>{"b", "a", "x1", "x2"});
  }
  SECTION("a negative return stops the walk") {
    b.ret = -1;
    wake_up_all(&wq);
    CHECK(log == std::vector<std::string>{"b"});
  }
  SECTION("a callback may remove its own entry during the walk") {
    a.remove_self = true;
    b.remove_self = true;
    wake_up_all(&wq);
    CHECK(log == std::vector<std::string>{"b", "a", "x1", "x2"});
    log.clear();
    wake_up_all(&wq);
    CHECK(log == std::vector<std::string>{"x1", "x2"});
  }
  SECTION("the key reaches the callback unchanged") {
    void* seen = nullptr;
    wait_queue_head wq2;
    wait_queue_entry e;
    init_waitqueue_func_entry(&e, [](wait_queue_entry* en, unsigned, int, void* key) {
      *static_cast<void**>(en->private_) = key;
      return 0;
    });
    e.private_ = &seen;
    add_wait_queue(&wq2, &e);
    wake_up_poll(&wq2, EPOLLIN | EPOLLRDNORM);
    CHECK(key_to_poll(seen) == 0x41u);
    remove_wait_queue(&wq2, &e);
  }
  list_del_init(&a.wq.entry);
  list_del_init(&b.wq.entry);
  list_del_init(&x1.wq.entry);
  list_del_init(&x2.wq.entry);
}

TEST_CASE("wait queue: priority entries stay in front of later non-exclusive ones", "[kernel][wait]") {
  World w;
  wait_queue_head wq;
  std::vector<std::string> log;
  Recorder p, a;
  init_recorder(&p, "p", &log);
  init_recorder(&a, "a", &log);
  p.ret = 0;  // a priority entry that consumes nothing
  add_wait_queue_priority(&wq, &p.wq);
  add_wait_queue(&wq, &a.wq);
  wake_up_all(&wq);
  CHECK(log == std::vector<std::string>{"p", "a"});
}

TEST_CASE("wait queue: wake_up wakes every non-exclusive sleeper and the first exclusive one",
          "[kernel][wait]") {
  World w;
  wait_queue_head wq("test_wq");
  std::vector<std::pair<std::string, sim::SimTime>> woke;
  auto sleeper = [&](std::string name, bool exclusive) {
    create_process(name, [&, name, exclusive] {
      DEFINE_WAIT(wait);
      if (exclusive) {
        prepare_to_wait_exclusive(&wq, &wait, TASK_UNINTERRUPTIBLE);
      } else {
        prepare_to_wait(&wq, &wait, TASK_UNINTERRUPTIBLE);
      }
      schedule();
      finish_wait(&wq, &wait);
      woke.emplace_back(name, w.Now());
      return 0;
    });
  };
  sleeper("n1", false);
  sleeper("x1", true);
  sleeper("n2", false);
  sleeper("x2", true);
  sleeper("x3", true);
  w.sched.At(10, [&] { wake_up(&wq); });
  w.sched.At(20, [&] { wake_up_nr(&wq, 2); });
  auto r = w.Run();
  CHECK(r.status == sim::RunStatus::kIdle);
  // List order at the first wake: n2, n1 (heads), x1, x2, x3 (tail).
  REQUIRE(woke.size() == 5);
  CHECK(woke[0] == std::make_pair(std::string("n2"), sim::SimTime{10}));
  CHECK(woke[1] == std::make_pair(std::string("n1"), sim::SimTime{10}));
  CHECK(woke[2] == std::make_pair(std::string("x1"), sim::SimTime{10}));
  CHECK(woke[3] == std::make_pair(std::string("x2"), sim::SimTime{20}));
  CHECK(woke[4] == std::make_pair(std::string("x3"), sim::SimTime{20}));
}

TEST_CASE("wait queue: a wake-up between prepare_to_wait and schedule is not lost", "[kernel][wait]") {
  World w;
  wait_queue_head wq("lost_wakeup");
  bool cond = false;
  bool done = false;
  bool waker_ran_first = false;
  create_process("sleeper", [&] {
    DEFINE_WAIT(wait);
    prepare_to_wait(&wq, &wait, TASK_UNINTERRUPTIBLE);
    yield();  // the waker runs here, after the state is set
    waker_ran_first = cond;
    schedule();  // must return at once: the wake-up set TASK_RUNNING
    finish_wait(&wq, &wait);
    done = true;
    return 0;
  });
  create_process("waker", [&] {
    cond = true;
    wake_up(&wq);
    return 0;
  });
  auto r = w.Run();
  CHECK(r.status == sim::RunStatus::kIdle);
  CHECK(waker_ran_first);
  CHECK(done);
  CHECK(w.Now() == 0);
}

TEST_CASE("wait queue: schedule() with nobody to wake it is a deadlock naming the queue",
          "[kernel][wait]") {
  World w;
  wait_queue_head wq("nobody_wakes_me");
  create_process("sleeper", [&] {
    DEFINE_WAIT(wait);
    prepare_to_wait(&wq, &wait, TASK_UNINTERRUPTIBLE);
    schedule();
    finish_wait(&wq, &wait);
    return 0;
  });
  auto r = w.Run();
  REQUIRE(r.status == sim::RunStatus::kDeadlock);
  REQUIRE(r.blocked.size() == 1);
  CHECK(r.blocked[0].waits_on == "nobody_wakes_me");
}

TEST_CASE("wait queue: wait_event_timeout returns 0 at the deadline, or the jiffies left",
          "[kernel][wait]") {
  World w;  // HZ 250: a jiffy is 4 ms
  wait_queue_head wq;
  bool cond = false;
  long timed_out = -1, in_time = -1;
  sim::SimTime t_timeout = -1, t_woken = -1;
  create_process("p", [&] {
    timed_out = wait_event_timeout(wq, [] { return false; }, 5);
    t_timeout = w.Now();
    in_time = wait_event_timeout(wq, [&] { return cond; }, 5);
    t_woken = w.Now();
    return 0;
  });
  // 20 ms is the first timeout; cond turns true 10 ms later (jiffy 7, i.e.
  // 2 of the 5 jiffies used).
  w.sched.At(30 * sim::kMillisecond, [&] {
    cond = true;
    wake_up(&wq);
  });
  w.Run();
  CHECK(timed_out == 0);
  CHECK(t_timeout == 20 * sim::kMillisecond);
  CHECK(in_time == 3);
  CHECK(t_woken == 30 * sim::kMillisecond);
}

TEST_CASE("wait queue: wait_event_timeout with a true condition returns at once", "[kernel][wait]") {
  World w;
  wait_queue_head wq;
  long r0 = -1, r1 = -1;
  create_process("p", [&] {
    r0 = wait_event_timeout(wq, [] { return true; }, 7);
    r1 = wait_event_timeout(wq, [] { return true; }, 0);
    return 0;
  });
  w.Run();
  CHECK(r0 == 7);
  CHECK(r1 == 1);
  CHECK(w.Now() == 0);
}

TEST_CASE("wait queue: woken_wake_function and wait_woken do not lose a wake-up", "[kernel][wait]") {
  World w;
  wait_queue_head wq;
  long left = -1;
  create_process("p", [&] {
    DEFINE_WAIT_FUNC(wait, woken_wake_function);
    add_wait_queue(&wq, &wait);
    yield();  // the waker runs before we sleep
    left = wait_woken(&wait, TASK_INTERRUPTIBLE, 10);
    remove_wait_queue(&wq, &wait);
    return 0;
  });
  create_process("waker", [&] {
    wake_up(&wq);
    return 0;
  });
  w.Run();
  CHECK(left == 10);
  CHECK(w.Now() == 0);
}

TEST_CASE("wait_bit: wake_up_bit wakes only waiters of that word and bit", "[kernel][wait]") {
  World w;
  unsigned long word = (1ul << 3) | (1ul << 4);
  sim::SimTime woke3 = -1, woke4 = -1;
  create_process("bit3", [&] {
    wait_on_bit(&word, 3, TASK_UNINTERRUPTIBLE);
    woke3 = w.Now();
    return 0;
  });
  create_process("bit4", [&] {
    wait_on_bit(&word, 4, TASK_UNINTERRUPTIBLE);
    woke4 = w.Now();
    return 0;
  });
  w.sched.At(5, [&] { clear_and_wake_up_bit(3, &word); });
  w.sched.At(9, [&] { clear_and_wake_up_bit(4, &word); });
  auto r = w.Run();
  CHECK(r.status == sim::RunStatus::kIdle);
  CHECK(woke3 == 5);
  CHECK(woke4 == 9);
}

TEST_CASE("wait_bit: wait_on_bit_lock hands the bit to one waiter at a time", "[kernel][wait]") {
  World w;
  unsigned long word = 0;
  std::vector<std::pair<std::string, sim::SimTime>> got;
  for (std::string name : {"a", "b", "c"}) {
    create_process(name, [&, name] {
      wait_on_bit_lock(&word, 0, TASK_UNINTERRUPTIBLE);
      got.emplace_back(name, w.Now());
      kernel::Kernel::Current()->sched.SleepFor(10);  // hold the "lock"
      clear_and_wake_up_bit(0, &word);
      return 0;
    });
  }
  auto r = w.Run();
  CHECK(r.status == sim::RunStatus::kIdle);
  REQUIRE(got.size() == 3);
  CHECK(got[0] == std::make_pair(std::string("a"), sim::SimTime{0}));
  CHECK(got[1] == std::make_pair(std::string("b"), sim::SimTime{10}));
  CHECK(got[2] == std::make_pair(std::string("c"), sim::SimTime{20}));
  CHECK(word == 0);
}
