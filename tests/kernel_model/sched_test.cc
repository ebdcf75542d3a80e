// Tasks: current, sleeping on virtual time, kernel threads, exit.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "kernel_model/fs.h"
#include "kernel_model/pipe.h"
#include "kernel_model/signal.h"
#include "kernel_model/wait.h"
#include "tests/kernel_model/world.h"

using namespace kernel;
using kernel_test::World;

TEST_CASE("sched: current() is the running task, nullptr in event context", "[kernel][sched]") {
  World w;
  task_struct* seen = nullptr;
  mm_struct* mm = nullptr;
  task_struct* in_event = reinterpret_cast<task_struct*>(1);
  task_struct* p = create_process("p", [&] {
    seen = current();
    mm = current()->mm;
    return 0;
  });
  w.sched.At(5, [&] { in_event = current(); });
  w.Run();
  CHECK(seen == p);
  CHECK(in_event == nullptr);
  CHECK(p->pid >= 1000);
  CHECK(p->tgid == p->pid);
  CHECK(mm != nullptr);
  CHECK(p->mm == nullptr);  // gone at exit
  CHECK(mm->dead);
}

TEST_CASE("sched: schedule_timeout wakes at a tick boundary and returns the jiffies left",
          "[kernel][sched]") {
  World w;  // HZ 250: 4 ms ticks
  long left = -1;
  sim::SimTime t = -1;
  unsigned long j_start = 0;
  create_process("p", [&] {
    w.sched.SleepFor(5 * sim::kMillisecond);  // jiffy 1, 1 ms into it
    j_start = jiffies();
    left = schedule_timeout_uninterruptible(3);  // expires at jiffy 4 = 16 ms
    t = w.Now();
    return 0;
  });
  w.Run();
  CHECK(j_start == 1);
  CHECK(left == 0);
  CHECK(t == 16 * sim::kMillisecond);
}

TEST_CASE("sched: msleep sleeps at least the time asked", "[kernel][sched]") {
  World w;
  sim::SimTime t = -1;
  create_process("p", [&] {
    msleep(10);  // 3 jiffies + 1
    t = w.Now();
    return 0;
  });
  w.Run();
  CHECK(t >= 10 * sim::kMillisecond);
  CHECK(t == 16 * sim::kMillisecond);
}

TEST_CASE("sched: schedule_hrtimeout sleeps to the nanosecond", "[kernel][sched]") {
  World w;
  int r = 1;
  create_process("p", [&] {
    ktime_t until = 1234567;
    set_current_state(TASK_INTERRUPTIBLE);
    r = schedule_hrtimeout(&until);
    return 0;
  });
  w.Run();
  CHECK(r == 0);
  CHECK(w.Now() == 1234567);
}

TEST_CASE("sched: wake_up_process only wakes a sleeping task", "[kernel][sched]") {
  World w;
  task_struct* sleeper = nullptr;
  bool woke_running = true, woke_sleeping = false;
  sleeper = create_process("sleeper", [&] {
    set_current_state(TASK_UNINTERRUPTIBLE);
    schedule();
    return 0;
  });
  create_process("waker", [&] {
    woke_sleeping = wake_up_process(sleeper);     // sleeper already blocked
    woke_running = wake_up_process(current());    // ourselves: TASK_RUNNING
    return 0;
  });
  auto r = w.Run();
  CHECK(r.status == sim::RunStatus::kIdle);
  CHECK(woke_sleeping);
  CHECK_FALSE(woke_running);
}

TEST_CASE("sched: kthread_stop stops a kernel thread and returns its result", "[kernel][sched]") {
  World w;
  int loops = 0;
  int result = -1;
  task_struct* kt = kthread_run(
      [&] {
        while (!kthread_should_stop()) {
          ++loops;
          schedule_timeout_interruptible(1);
        }
        return 42;
      },
      "ktest");
  create_process("stopper", [&] {
    msleep(20);
    result = kthread_stop(kt);
    return 0;
  });
  auto r = w.Run();
  CHECK(r.status == sim::RunStatus::kIdle);
  CHECK(result == 42);
  CHECK(kt->pid < 1000);
  CHECK((kt->flags & PF_KTHREAD) != 0);
  CHECK(kt->mm == nullptr);
  CHECK(loops >= 5);
}

TEST_CASE("sched: a kernel thread borrows a user mm with kthread_use_mm", "[kernel][sched]") {
  World w;
  user_ptr buf = 0;
  std::string seen;
  unsigned long fault_without_mm = 0;
  task_struct* p = create_process("owner", [&] {
    buf = kernel_test::ualloc(4096);
    kernel_test::uput(buf, "hello");
    msleep(100);
    return 0;
  });
  kthread_run(
      [&] {
        msleep(10);
        char tmp[5];
        fault_without_mm = copy_from_user(tmp, buf, 5);
        mmget(p->mm);
        kthread_use_mm(p->mm);
        seen = kernel_test::uget(buf, 5);
        kthread_unuse_mm(p->mm);
        mmput(p->mm);
        return 0;
      },
      "kuser");
  w.Run();
  CHECK(fault_without_mm == 5);
  CHECK(seen == "hello");
}

TEST_CASE("sched: a process's exit status reaches wait4, and exit hooks run once per process",
          "[kernel][sched]") {
  World w;
  std::vector<pid_t> hooks;
  w.k.exit_hooks.push_back([&](task_struct* t) { hooks.push_back(t->tgid); });
  int status = -1;
  long waited = 0;
  mm_struct* child_mm = nullptr;
  task_struct* child = create_process("child", [&] {
    child_mm = current()->mm;
    create_thread(current(), "helper", [] {
      msleep(5);
      return 0;
    });
    msleep(1);
    return 7;  // exit(7): kills the helper thread too
  });
  create_process("parent", [&] {
    user_ptr st = kernel_test::ualloc(4096);
    waited = sys_wait4(child->pid, st, 0, 0);
    status = kernel_test::uget_val<int>(st);
    return 0;
  });
  auto r = w.Run();
  CHECK(r.status == sim::RunStatus::kIdle);
  CHECK(waited == child->pid);
  CHECK(status == (7 << 8));
  // The child's hooks ran once (for the whole group), and the parent's too.
  REQUIRE(hooks.size() == 2);
  CHECK(hooks[0] == child->pid);
  CHECK(child_mm->dead);
}

TEST_CASE("sched: exit closes the fd table and releases the files", "[kernel][sched]") {
  World w;
  size_t live_before_exit = 0;
  create_process("p", [&] {
    user_ptr fds = kernel_test::ualloc(4096);
    sys_pipe2(fds, 0);
    live_before_exit = nr_live_files();
    return 0;
  });
  w.Run();
  CHECK(live_before_exit == 2);
  CHECK(nr_live_files() == 0);
}

TEST_CASE("sched: pids are deterministic: user processes from 1000, kernel threads below",
          "[kernel][sched]") {
  World w;
  task_struct* a = create_process("a", [] { return 0; });
  task_struct* k = kthread_run([] { return 0; }, "k");
  task_struct* b = create_process("b", [] { return 0; });
  CHECK(a->pid == 1000);
  CHECK(b->pid == 1001);
  CHECK(k->pid >= 2);
  CHECK(k->pid < 1000);
  CHECK(find_task_by_vpid(1001) == b);
  w.Run();
}

TEST_CASE("sched: sleeping in event context is a reported violation, not a crash",
          "[kernel][sched]") {
  World w;
  w.sched.At(5, [] { set_current_state(TASK_UNINTERRUPTIBLE); });
  auto r = w.Run();
  CHECK(r.status == sim::RunStatus::kViolation);
  REQUIRE_FALSE(w.sched.violations().empty());
  CHECK(w.sched.violations()[0].message.find("outside task context") != std::string::npos);
}
