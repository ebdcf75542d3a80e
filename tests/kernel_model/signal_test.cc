// Signals: generation, interrupted waits, delivery on return to user space.
#include <catch2/catch.hpp>

#include "kernel_model/signal.h"
#include "kernel_model/wait.h"
#include "tests/kernel_model/world.h"

using namespace kernel;
using kernel_test::World;

namespace {
void set_handler(int sig, uint64_t handler, unsigned long flags = 0) {
  k_sigaction act;
  act.handler = handler;
  act.sa_flags = flags;
  do_sigaction(sig, &act, nullptr);
}
}  // namespace

TEST_CASE("signal: an interruptible wait returns -ERESTARTSYS, which a handler turns into -EINTR",
          "[kernel][signal]") {
  World w;
  wait_queue_head wq;
  long ret = 0, user_ret = 0;
  sim::SimTime t = -1;
  task_struct* p = create_process("p", [&] {
    set_handler(SIGUSR1, 5);
    ret = wait_event_interruptible(wq, [] { return false; });
    t = w.Now();
    user_ret = syscall_exit_to_user_mode(ret);
    return 0;
  });
  w.sched.At(1000, [&] { send_sig(SIGUSR1, p, 0); });
  auto r = w.Run();
  CHECK(r.status == sim::RunStatus::kIdle);
  CHECK(ret == -ERESTARTSYS);
  CHECK(t == 1000);
  CHECK(user_ret == -EINTR);
  CHECK(p->signal->nr_delivered[SIGUSR1] == 1);
}

TEST_CASE("signal: SA_RESTART restarts the interrupted call", "[kernel][signal]") {
  World w;
  wait_queue_head wq;
  bool cond = false;
  int calls = 0;
  long ret = -1;
  task_struct* p = create_process("p", [&] {
    set_handler(SIGUSR2, 9, SA_RESTART);
    ret = do_syscall([&]() -> long {
      ++calls;
      return wait_event_interruptible(wq, [&] { return cond; });
    });
    return 0;
  });
  w.sched.At(10, [&] { send_sig(SIGUSR2, p, 0); });
  w.sched.At(20, [&] {
    cond = true;
    wake_up(&wq);
  });
  w.Run();
  CHECK(ret == 0);
  CHECK(calls == 2);
  CHECK(w.Now() == 20);
  CHECK(p->nr_syscall_restarts == 1);
}

TEST_CASE("signal: an uninterruptible wait ignores signals until its condition holds",
          "[kernel][signal]") {
  World w;
  wait_queue_head wq;
  bool cond = false;
  sim::SimTime t = -1;
  task_struct* p = create_process("p", [&] {
    set_handler(SIGUSR1, 5);
    wait_event(wq, [&] { return cond; });
    t = w.Now();
    return 0;
  });
  w.sched.At(10, [&] { send_sig(SIGUSR1, p, 0); });
  w.sched.At(50, [&] {
    cond = true;
    wake_up(&wq);
  });
  w.Run();
  CHECK(t == 50);
  // Never returned to user space through the exit path: never delivered.
  CHECK(p->signal->nr_delivered[SIGUSR1] == 0);
}

TEST_CASE("signal: a fatal signal kills the whole process, even threads in killable sleeps",
          "[kernel][signal]") {
  World w;
  wait_queue_head wq;
  bool after_wait = false;
  int status = -1;
  task_struct* p = create_process("victim", [&] {
    create_thread(current(), "t2", [&] {
      wait_event_killable(wq, [] { return false; });
      syscall_exit_to_user_mode(-ERESTARTSYS);
      after_wait = true;  // never reached: the group is exiting
      return 0;
    });
    long r = wait_event_interruptible(wq, [] { return false; });
    syscall_exit_to_user_mode(r);
    after_wait = true;
    return 0;
  });
  create_process("killer", [&] {
    msleep(1);
    sys_kill(p->pid, SIGTERM);
    user_ptr st = kernel_test::ualloc(4096);
    sys_wait4(p->pid, st, 0, 0);
    status = kernel_test::uget_val<int>(st);
    return 0;
  });
  auto r = w.Run();
  CHECK(r.status == sim::RunStatus::kIdle);
  CHECK_FALSE(after_wait);
  CHECK(status == SIGTERM);
  CHECK(p->signal->group_dead);
}

TEST_CASE("signal: a blocked signal stays pending until unblocked", "[kernel][signal]") {
  World w;
  bool pending_while_blocked = false, pending_after = true;
  task_struct* p = create_process("p", [&] {
    set_handler(SIGUSR1, 5);
    kernel::sigset_t set = sigmask64(SIGUSR1);
    sigprocmask(SIG_BLOCK, &set, nullptr);
    msleep(10);  // the signal arrives meanwhile
    pending_while_blocked = signal_pending(current());
    sigprocmask(SIG_UNBLOCK, &set, nullptr);
    syscall_exit_to_user_mode(0);
    pending_after = signal_pending(current());
    return 0;
  });
  w.sched.At(5, [&] { send_sig(SIGUSR1, p, 0); });
  w.Run();
  CHECK_FALSE(pending_while_blocked);
  CHECK_FALSE(pending_after);
  CHECK(p->signal->nr_delivered[SIGUSR1] == 1);
}

TEST_CASE("signal: standard signals coalesce, real-time signals queue", "[kernel][signal]") {
  World w;
  task_struct* p = create_process("p", [&] {
    set_handler(SIGUSR1, 5);
    set_handler(KERNEL_SIGRTMIN + 2, 5);
    kernel::sigset_t set = sigmask64(SIGUSR1) | sigmask64(KERNEL_SIGRTMIN + 2);
    sigprocmask(SIG_BLOCK, &set, nullptr);
    for (int i = 0; i < 3; ++i) {
      send_sig(SIGUSR1, current(), 0);
      send_sig(KERNEL_SIGRTMIN + 2, current(), 0);
    }
    sigprocmask(SIG_UNBLOCK, &set, nullptr);
    syscall_exit_to_user_mode(0);
    return 0;
  });
  w.Run();
  CHECK(p->signal->nr_delivered[SIGUSR1] == 1);
  CHECK(p->signal->nr_delivered[KERNEL_SIGRTMIN + 2] == 3);
}

TEST_CASE("signal: tgkill targets one thread; kill is taken by a thread that does not block it",
          "[kernel][signal]") {
  World w;
  task_struct *t1 = nullptr, *t2 = nullptr;
  long r_bad = 0;
  wait_queue_head wq;
  long t2_ret = 0;
  t1 = create_process("p", [&] {
    set_handler(SIGUSR1, 5);
    kernel::sigset_t set = sigmask64(SIGUSR1);
    sigprocmask(SIG_BLOCK, &set, nullptr);  // main blocks it
    t2 = create_thread(current(), "t2", [&] {
      kernel::sigset_t none = 0;
      sigprocmask(SIG_SETMASK, &none, nullptr);
      t2_ret = wait_event_interruptible(wq, [] { return false; });
      syscall_exit_to_user_mode(t2_ret);
      return 0;
    });
    msleep(1);
    sys_kill(t1->pid, SIGUSR1);  // process-directed: t2 takes it
    msleep(1);
    r_bad = sys_tgkill(t1->pid, 99999, SIGUSR1);
    return 0;
  });
  w.Run();
  CHECK(t2_ret == -ERESTARTSYS);
  CHECK(r_bad == -ESRCH);
  CHECK(t1->signal->nr_delivered[SIGUSR1] == 1);
}

TEST_CASE("signal: set_user_sigmask installs a mask for one call and the exit path restores it",
          "[kernel][signal]") {
  World w;
  kernel::sigset_t during = 0, after = 0;
  long einval = 0;
  create_process("p", [&] {
    user_ptr m = kernel_test::ualloc(4096);
    kernel::sigset_t mask = sigmask64(SIGUSR1) | sigmask64(SIGKILL);
    kernel_test::uput(m, &mask, sizeof(mask));
    einval = set_user_sigmask(m, 4);
    set_user_sigmask(m, 8);
    during = current()->blocked;
    restore_saved_sigmask_unless(true);  // "interrupted": restored on exit
    syscall_exit_to_user_mode(-EINTR);
    after = current()->blocked;
    return 0;
  });
  w.Run();
  CHECK(einval == -EINVAL);
  CHECK(during == sigmask64(SIGUSR1));  // SIGKILL cannot be blocked
  CHECK(after == 0);
}

TEST_CASE("signal: sys_kill and do_sigaction reject bad arguments", "[kernel][signal]") {
  World w;
  long a = 0, b = 0, c = 0, d = 0;
  create_process("p", [&] {
    a = sys_kill(current()->pid, 65);
    b = sys_kill(424242, SIGUSR1);
    k_sigaction act;
    act.handler = SIG_IGN_HANDLER;
    c = do_sigaction(SIGKILL, &act, nullptr);
    d = sys_kill(current()->pid, 0);
    return 0;
  });
  w.Run();
  CHECK(a == -EINVAL);
  CHECK(b == -ESRCH);
  CHECK(c == -EINVAL);
  CHECK(d == 0);
}
