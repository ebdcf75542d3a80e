// Tasks: creation, sleeping and waking (kernel/sched/core.c, kernel/fork.c,
// kernel/kthread.c). Exit is in exit.cc.
#include "kernel_model/sched.h"

#include <cstdlib>
#include <utility>

#include "kernel_model/fdtable.h"
#include "kernel_model/mm.h"
#include "kernel_model/signal.h"
#include "kernel_model/timer.h"
#include "kernel_model/wait.h"
#include "sim/check.h"

namespace kernel {

void (*blk_schedule_flush_plug)(task_struct* tsk) = nullptr;

namespace {

task_struct* alloc_task(Kernel* k, std::string comm, bool kthread) {
  auto t = std::make_unique<task_struct>();
  if (kthread) {
    SIM_CHECK(k->next_kthread_pid_ < 1000) << "more than 998 kernel threads";
    t->pid = k->next_kthread_pid_++;
  } else {
    t->pid = k->next_user_pid_++;
  }
  t->tgid = t->pid;
  t->comm = std::move(comm);
  t->group_leader = t.get();
  task_struct* raw = t.get();
  k->pid_hash[raw->pid] = raw;
  k->tasks_.push_back(std::move(t));
  return raw;
}

signal_struct* alloc_signal(Kernel* k) {
  k->signals_.push_back(std::make_unique<signal_struct>());
  return k->signals_.back().get();
}

sighand_struct* alloc_sighand(Kernel* k, const sighand_struct* copy_from) {
  k->sighands_.push_back(std::make_unique<sighand_struct>());
  sighand_struct* sh = k->sighands_.back().get();
  if (copy_from) {
    for (int i = 0; i < KERNEL_NSIG; ++i) sh->action[i] = copy_from->action[i];
  }
  return sh;
}

void attach_to_group(task_struct* t, signal_struct* sig) {
  t->signal = sig;
  sig->thread_head.push_back(t);
  ++sig->nr_threads;
  ++sig->live;
}

void start_task(Kernel* k, task_struct* t, std::function<int()> fn, bool daemon) {
  sim::Scheduler::SpawnOptions so;
  so.daemon = daemon;
  t->fiber = k->sched.Spawn(
      t->comm, [t, fn = std::move(fn)] { run_task_body(t, fn); }, so);
  k->bind_task_to_fiber(t->fiber, t);
  k->trace().Emit(k->k.task_new, {t->pid, t->tgid, (t->flags & PF_KTHREAD) ? 1 : 0});
}

task_struct* new_process(Kernel* k, std::string comm, mm_struct* mm, files_struct* files,
                         const sighand_struct* sighand_from, sigset_t blocked) {
  task_struct* t = alloc_task(k, std::move(comm), /*kthread=*/false);
  t->mm = mm;
  t->active_mm = mm;
  mm->owner = t;
  t->files = files;
  attach_to_group(t, alloc_signal(k));
  t->sighand = alloc_sighand(k, sighand_from);
  t->blocked = blocked & ~(sigmask64(SIGKILL) | sigmask64(SIGSTOP));
  return t;
}

}  // namespace

void current_task_missing(const char* what) {
  task_struct* p = current();
  SIM_CHECK(p != nullptr) << what << " outside task context (in an event callback or a plain fiber)";
  std::abort();  // not reached: called only without a task, so the check throws
}

long schedule_timeout(long timeout) {
  task_struct* p = current_task_checked("schedule_timeout()");
  if (timeout == MAX_SCHEDULE_TIMEOUT) {
    sched_internal::schedule_until(p, sim::kNever);
    return timeout;
  }
  if (timeout < 0) {
    Kernel::Current()->log_sched->error("schedule_timeout: wrong timeout value {}", timeout);
    p->__state = TASK_RUNNING;
    return 0;
  }
  const unsigned long expire = jiffies() + static_cast<unsigned long>(timeout);
  sched_internal::schedule_until(p, timer_fire_time(expire));
  long left = static_cast<long>(expire - jiffies());
  return left < 0 ? 0 : left;
}

long schedule_timeout_interruptible(long timeout) {
  __set_current_state(TASK_INTERRUPTIBLE);
  return schedule_timeout(timeout);
}
long schedule_timeout_killable(long timeout) {
  __set_current_state(TASK_KILLABLE);
  return schedule_timeout(timeout);
}
long schedule_timeout_uninterruptible(long timeout) {
  __set_current_state(TASK_UNINTERRUPTIBLE);
  return schedule_timeout(timeout);
}
long schedule_timeout_idle(long timeout) {
  __set_current_state(TASK_IDLE);
  return schedule_timeout(timeout);
}

int schedule_hrtimeout(const ktime_t* expires) {
  task_struct* p = current_task_checked("schedule_hrtimeout()");
  if (!expires) {
    sched_internal::schedule_until(p, sim::kNever);
    return -EINTR;
  }
  return sched_internal::schedule_until(p, *expires) ? -EINTR : 0;
}

void msleep(unsigned int msecs) {
  long timeout = static_cast<long>(msecs_to_jiffies(msecs)) + 1;
  while (timeout) timeout = schedule_timeout_uninterruptible(timeout);
}

unsigned long msleep_interruptible(unsigned int msecs) {
  long timeout = static_cast<long>(msecs_to_jiffies(msecs)) + 1;
  while (timeout && !signal_pending(current())) timeout = schedule_timeout_interruptible(timeout);
  return jiffies_to_msecs(static_cast<unsigned long>(timeout));
}

void yield() {
  current_task_checked("yield()");
  Kernel::Current()->sched.Yield();
}

bool try_to_wake_up(task_struct* p, unsigned int state, int wake_flags) {
  if (!(p->__state & static_cast<long>(state))) return false;
  p->__state = TASK_RUNNING;
  Kernel::Current()->sched.Wake(p->fiber);
  return true;
}
bool wake_up_process(task_struct* p) { return try_to_wake_up(p, TASK_NORMAL, 0); }
bool wake_up_state(task_struct* p, unsigned int state) { return try_to_wake_up(p, state, 0); }

task_struct* create_process(std::string comm, std::function<int()> fn) {
  Kernel* k = Kernel::Current();
  task_struct* t = new_process(k, std::move(comm), mm_alloc(), files_alloc(), nullptr, 0);
  start_task(k, t, std::move(fn), /*daemon=*/false);
  return t;
}

task_struct* fork_process(task_struct* parent, std::string comm, std::function<int()> fn) {
  Kernel* k = Kernel::Current();
  SIM_CHECK(parent && parent->mm && parent->files) << "fork_process needs a user process";
  task_struct* t = new_process(k, std::move(comm), dup_mm(parent->mm), dup_fd(parent->files),
                               parent->sighand, parent->blocked);
  start_task(k, t, std::move(fn), /*daemon=*/false);
  return t;
}

task_struct* create_thread(task_struct* p, std::string comm, std::function<int()> fn) {
  Kernel* k = Kernel::Current();
  SIM_CHECK(p && p->mm && !(p->flags & PF_KTHREAD)) << "create_thread needs a user process";
  SIM_CHECK(!p->signal->group_dead) << "create_thread in a dead process " << p->tgid;
  task_struct* t = alloc_task(k, std::move(comm), /*kthread=*/false);
  task_struct* leader = p->group_leader;
  t->tgid = leader->tgid;
  t->group_leader = leader;
  t->mm = p->mm;
  t->active_mm = p->mm;
  mmget(p->mm);
  t->files = p->files;
  ++p->files->count;
  t->sighand = p->sighand;
  ++p->sighand->count;
  attach_to_group(t, p->signal);
  task_struct* cur = current();
  t->blocked = (cur && cur->signal == p->signal) ? cur->blocked : p->blocked;
  start_task(k, t, std::move(fn), /*daemon=*/false);
  return t;
}

task_struct* find_task_by_vpid(pid_t pid) {
  Kernel* k = Kernel::Current();
  auto it = k->pid_hash.find(pid);
  return it == k->pid_hash.end() ? nullptr : it->second;
}

long sys_getpid() { return current_task_checked("getpid")->tgid; }
long sys_gettid() { return current_task_checked("gettid")->pid; }
long sys_sched_yield() {
  yield();
  return 0;
}

long sys_nanosleep_ns(s64 ns) {
  if (ns < 0) return -EINVAL;
  task_struct* p = current_task_checked("nanosleep");
  const ktime_t expires = sim::AddTime(ktime_get(), ns);
  do {
    set_current_state(TASK_INTERRUPTIBLE);
    p->wait_name = "nanosleep";
    if (schedule_hrtimeout(&expires) == 0) {
      p->wait_name = nullptr;
      return 0;
    }
  } while (!signal_pending(p));
  p->wait_name = nullptr;
  return -ERESTART_RESTARTBLOCK;
}

// --- kernel threads ---

task_struct* kthread_run(std::function<int()> threadfn, std::string name) {
  Kernel* k = Kernel::Current();
  task_struct* t = alloc_task(k, std::move(name), /*kthread=*/true);
  t->flags |= PF_KTHREAD;
  attach_to_group(t, alloc_signal(k));
  t->sighand = alloc_sighand(k, nullptr);
  // ignore_signals(): kernel threads ignore everything unless allowed.
  for (int i = 0; i < KERNEL_NSIG; ++i) t->sighand->action[i].handler = SIG_IGN_HANDLER;
  t->kthread_data = std::make_unique<kthread>();
  kthread* kt = t->kthread_data.get();
  kt->threadfn = std::move(threadfn);
  start_task(k, t, [kt] { return kt->threadfn(); }, /*daemon=*/true);
  return t;
}

task_struct* kthread_run(int (*threadfn)(void* data), void* data, std::string name) {
  task_struct* t = kthread_run([threadfn, data] { return threadfn(data); }, std::move(name));
  t->kthread_data->data = data;
  return t;
}

bool kthread_should_stop() {
  task_struct* p = current();
  return p && p->kthread_data && p->kthread_data->should_stop;
}

int kthread_stop(task_struct* k) {
  task_struct* self = current_task_checked("kthread_stop()");
  SIM_CHECK(k && k->kthread_data) << "kthread_stop of a task that is not a kthread";
  SIM_CHECK(k != self) << "kthread_stop of itself";
  kthread* kt = k->kthread_data.get();
  kt->should_stop = true;
  wake_up_process(k);
  while (!kt->exited) {
    kt->stopper = self;
    set_current_state(TASK_UNINTERRUPTIBLE);
    self->wait_name = "kthread_stop";
    if (!kt->exited) schedule();
    __set_current_state(TASK_RUNNING);
  }
  self->wait_name = nullptr;
  kt->stopper = nullptr;
  return kt->result;
}

void kthread_use_mm(mm_struct* mm) {
  task_struct* p = current_task_checked("kthread_use_mm()");
  SIM_CHECK(p->flags & PF_KTHREAD) << "kthread_use_mm from a user task";
  SIM_CHECK(p->mm == nullptr) << "kthread_use_mm while already using an mm";
  mmgrab(mm);
  p->mm = mm;
  p->active_mm = mm;
}

void kthread_unuse_mm(mm_struct* mm) {
  task_struct* p = current_task_checked("kthread_unuse_mm()");
  SIM_CHECK(p->mm == mm) << "kthread_unuse_mm of an mm not in use";
  p->mm = nullptr;
  p->active_mm = nullptr;
  mmdrop(mm);
}

}  // namespace kernel
