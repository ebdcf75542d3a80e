// Workqueues (kernel/workqueue.c). See workqueue.h.
#include "kernel_model/workqueue.h"

#include <algorithm>
#include <string>

#include "sim/check.h"

namespace kernel {

namespace {

work_struct* work_of(list_head* node) { return container_of(node, work_struct, entry); }

worker* find_worker_executing_work(const work_struct* work) {
  for (auto& wq : Kernel::Current()->workqueues_) {
    for (auto& w : wq->workers) {
      if (w->current_work == work && w->current_func == work->func) return w.get();
    }
  }
  return nullptr;
}

// Marks flushers of (work, instance <= upto) done and wakes them.
void complete_flushers(const work_struct* work, u64 upto) {
  auto& flushers = Kernel::Current()->wq_flushers_;
  for (wq_flusher* f : flushers) {
    if (f->work == work && f->instance <= upto && !f->done) {
      f->done = true;
      wake_up_process(f->waiter);
    }
  }
  flushers.erase(std::remove_if(flushers.begin(), flushers.end(), [](wq_flusher* f) { return f->done; }),
                 flushers.end());
}

// A pending instance was cancelled: its flushers now wait for the running
// instance, if any (the kernel's barrier would run after it), else are done.
void retarget_flushers(const work_struct* work, u64 cancelled) {
  worker* w = find_worker_executing_work(work);
  if (w) {
    for (wq_flusher* f : Kernel::Current()->wq_flushers_) {
      if (f->work == work && f->instance == cancelled) f->instance = w->current_instance;
    }
  } else {
    complete_flushers(work, cancelled);
  }
}

// Sleeps until every flusher in `fs` is done. They must be registered.
void wait_flushers(std::vector<wq_flusher>& fs) {
  task_struct* self = current();
  for (;;) {
    bool all = std::all_of(fs.begin(), fs.end(), [](const wq_flusher& f) { return f.done; });
    if (all) break;
    set_current_state(TASK_UNINTERRUPTIBLE);
    self->wait_name = "flush_work";
    all = std::all_of(fs.begin(), fs.end(), [](const wq_flusher& f) { return f.done; });
    if (!all) schedule();
    __set_current_state(TASK_RUNNING);
  }
  self->wait_name = nullptr;
}

void register_flushers(std::vector<wq_flusher>& fs) {
  auto& reg = Kernel::Current()->wq_flushers_;
  for (wq_flusher& f : fs) {
    f.waiter = current();
    reg.push_back(&f);
  }
}

int worker_thread(worker* w);

worker* create_worker(workqueue_struct* wq) {
  auto owned = std::make_unique<worker>();
  worker* w = owned.get();
  w->wq = wq;
  w->claimed = true;  // starts runnable and looks for work
  const size_t n = wq->workers.size();
  wq->workers.push_back(std::move(owned));
  w->task = kthread_run([w] { return worker_thread(w); },
                        "kworker/" + wq->name + ":" + std::to_string(n));
  w->task->flags |= PF_WQ_WORKER;
  w->task->kthread_data->data = w;
  return w;
}

// Puts a PENDING item where it will run and makes sure a worker will see it.
void __queue_work(workqueue_struct* wq, work_struct* work) {
  Kernel* k = Kernel::Current();
  SIM_CHECK(!wq->destroying) << "queue_work on workqueue " << wq->name << " being destroyed";
  if (!work->id) work->id = k->next_id();
  work->wq = wq;
  k->trace().Emit(k->k.wq_queue, {static_cast<int64_t>(wq->id), static_cast<int64_t>(work->id)});
  // Non-reentrancy: if it runs somewhere, it runs there next.
  if (worker* running = find_worker_executing_work(work)) {
    list_add_tail(&work->entry, &running->scheduled);
    return;
  }
  list_add_tail(&work->entry, &wq->worklist);
  if (!wq->idle_list.empty()) {
    worker* w = wq->idle_list.back();  // most recently idle first
    wq->idle_list.pop_back();
    w->idle = false;
    w->claimed = true;
    wake_up_process(w->task);
    return;
  }
  const size_t limit = static_cast<size_t>(wq->max_active);
  size_t claimed = 0;
  for (auto& w : wq->workers) claimed += w->claimed ? 1 : 0;
  // Items already waiting for a claimed (woken, not yet running) worker
  // need workers of their own.
  size_t queued = list_count_nodes(&wq->worklist);
  if (queued > claimed && wq->workers.size() < limit) create_worker(wq);
}

void process_one_work(worker* w, work_struct* work) {
  Kernel* k = Kernel::Current();
  w->current_work = work;
  w->current_func = work->func;
  w->current_instance = work->nr_queued;
  const u64 wid = work->id;
  const work_func_t func = work->func;
  work->data &= ~WORK_STRUCT_PENDING;
  k->trace().Emit(k->k.wq_execute_start, {static_cast<int64_t>(w->wq->id), static_cast<int64_t>(wid), w->task->pid});
  func(work);
  // `work` may be freed now: only its identity is used below.
  SIM_CHECK(current()->__state == TASK_RUNNING)
      << "work function returned in state " << current()->__state;
  k->trace().Emit(k->k.wq_execute_end, {static_cast<int64_t>(w->wq->id), static_cast<int64_t>(wid), w->task->pid});
  const u64 instance = w->current_instance;
  w->current_work = nullptr;
  w->current_func = nullptr;
  complete_flushers(work, instance);
}

int worker_thread(worker* w) {
  workqueue_struct* wq = w->wq;
  task_struct* self = current();
  for (;;) {
    list_head* next = nullptr;
    if (!list_empty(&w->scheduled)) {
      next = w->scheduled.next;
    } else if (!list_empty(&wq->worklist)) {
      next = wq->worklist.next;
    }
    if (next) {
      w->claimed = false;
      work_struct* work = work_of(next);
      list_del_init(&work->entry);
      worker* other = find_worker_executing_work(work);
      if (other && other != w) {
        list_add_tail(&work->entry, &other->scheduled);
        continue;
      }
      process_one_work(w, work);
      continue;
    }
    if (kthread_should_stop()) break;
    // Idle.
    w->claimed = false;
    w->idle = true;
    wq->idle_list.push_back(w);
    set_current_state(TASK_IDLE);
    self->wait_name = "worker idle";
    if (list_empty(&wq->worklist) && list_empty(&w->scheduled) && !kthread_should_stop()) schedule();
    __set_current_state(TASK_RUNNING);
    self->wait_name = nullptr;
    if (w->idle) {
      w->idle = false;
      auto it = std::find(wq->idle_list.begin(), wq->idle_list.end(), w);
      if (it != wq->idle_list.end()) wq->idle_list.erase(it);
    }
  }
  return 0;
}

// try_to_grab_pending: steals a pending instance; true if it was pending.
bool grab_pending(work_struct* work, delayed_work* dwork) {
  if (!work_pending(work)) return false;
  if (dwork && timer_pending(&dwork->timer)) {
    del_timer(&dwork->timer);
  } else if (!list_empty(&work->entry)) {
    list_del_init(&work->entry);
  }
  work->data &= ~WORK_STRUCT_PENDING;
  retarget_flushers(work, work->nr_queued);
  return true;
}

bool cancel_sync(work_struct* work, delayed_work* dwork) {
  work->canceling = true;  // queue_work fails meanwhile, as with the kernel's CANCELING
  const bool was_pending = grab_pending(work, dwork);
  if (worker* w = find_worker_executing_work(work)) {
    std::vector<wq_flusher> fs(1);
    fs[0].work = work;
    fs[0].instance = w->current_instance;
    register_flushers(fs);
    wait_flushers(fs);
  }
  work->canceling = false;
  return was_pending;
}

bool mark_pending(work_struct* work) {
  if (work->canceling || (work->data & WORK_STRUCT_PENDING)) return false;
  work->data |= WORK_STRUCT_PENDING;
  ++work->nr_queued;
  return true;
}

void delayed_work_timer_fn(timer_list* t) {
  delayed_work* dwork = container_of(t, delayed_work, timer);
  __queue_work(dwork->wq, &dwork->work);
}

void __queue_delayed_work(workqueue_struct* wq, delayed_work* dwork, unsigned long delay) {
  dwork->wq = wq;
  if (!delay) {
    __queue_work(wq, &dwork->work);
    return;
  }
  dwork->timer.expires = jiffies() + delay;
  add_timer(&dwork->timer);
}

task_struct* task_context(const char* what) {
  task_struct* t = current();
  SIM_CHECK(t != nullptr) << what << " in event context";
  return t;
}

}  // namespace

void INIT_DELAYED_WORK(delayed_work* dwork, work_func_t func) {
  INIT_WORK(&dwork->work, func);
  timer_setup(&dwork->timer, delayed_work_timer_fn, 0);
  dwork->wq = nullptr;
}

workqueue_struct* alloc_workqueue(const std::string& name, unsigned flags, int max_active) {
  Kernel* k = Kernel::Current();
  SIM_CHECK(max_active >= 0) << "alloc_workqueue " << name << ": negative max_active";
  auto wq = std::make_unique<workqueue_struct>();
  wq->name = name;
  wq->flags = flags;
  wq->max_active = max_active ? max_active : WQ_DFL_ACTIVE;
  wq->id = k->next_id();
  workqueue_struct* raw = wq.get();
  k->workqueues_.push_back(std::move(wq));
  return raw;
}

void destroy_workqueue(workqueue_struct* wq) {
  Kernel* k = Kernel::Current();
  task_context("destroy_workqueue");
  // drain_workqueue: flush until nothing is queued or running.
  for (;;) {
    flush_workqueue(wq);
    bool busy = !list_empty(&wq->worklist);
    for (auto& w : wq->workers) busy = busy || w->current_work || !list_empty(&w->scheduled);
    if (!busy) break;
  }
  wq->destroying = true;
  for (auto& w : wq->workers) kthread_stop(w->task);
  wq->idle_list.clear();
  auto it = std::find_if(k->workqueues_.begin(), k->workqueues_.end(),
                         [wq](const auto& p) { return p.get() == wq; });
  SIM_CHECK(it != k->workqueues_.end()) << "destroy_workqueue of an unknown workqueue";
  if (k->system_wq == wq) k->system_wq = nullptr;
  k->workqueues_.erase(it);
}

bool queue_work(workqueue_struct* wq, work_struct* work) {
  if (!mark_pending(work)) return false;
  __queue_work(wq, work);
  return true;
}

bool schedule_work(work_struct* work) { return queue_work(Kernel::Current()->system_wq, work); }

bool flush_work(work_struct* work) {
  task_context("flush_work");
  std::vector<wq_flusher> fs(1);
  fs[0].work = work;
  if (work_pending(work)) {
    fs[0].instance = work->nr_queued;
  } else if (worker* w = find_worker_executing_work(work)) {
    fs[0].instance = w->current_instance;
  } else {
    return false;
  }
  register_flushers(fs);
  wait_flushers(fs);
  return true;
}

void flush_workqueue(workqueue_struct* wq) {
  task_context("flush_workqueue");
  std::vector<wq_flusher> fs;
  auto add = [&fs](const work_struct* work, u64 instance) {
    wq_flusher f;
    f.work = work;
    f.instance = instance;
    fs.push_back(f);
  };
  for (list_head* p = wq->worklist.next; p != &wq->worklist; p = p->next) {
    work_struct* work = work_of(p);
    add(work, work->nr_queued);
  }
  for (auto& w : wq->workers) {
    if (w->current_work) add(w->current_work, w->current_instance);
    for (list_head* p = w->scheduled.next; p != &w->scheduled; p = p->next) {
      work_struct* work = work_of(p);
      add(work, work->nr_queued);
    }
  }
  if (fs.empty()) return;
  register_flushers(fs);
  wait_flushers(fs);
}

bool cancel_work(work_struct* work) { return grab_pending(work, nullptr); }

bool cancel_work_sync(work_struct* work) {
  task_context("cancel_work_sync");
  return cancel_sync(work, nullptr);
}

bool queue_delayed_work(workqueue_struct* wq, delayed_work* dwork, unsigned long delay) {
  if (!mark_pending(&dwork->work)) return false;
  __queue_delayed_work(wq, dwork, delay);
  return true;
}

bool schedule_delayed_work(delayed_work* dwork, unsigned long delay) {
  return queue_delayed_work(Kernel::Current()->system_wq, dwork, delay);
}

bool mod_delayed_work(workqueue_struct* wq, delayed_work* dwork, unsigned long delay) {
  if (dwork->work.canceling) return false;
  const bool was_pending = grab_pending(&dwork->work, dwork);
  mark_pending(&dwork->work);
  __queue_delayed_work(wq, dwork, delay);
  return was_pending;
}

bool cancel_delayed_work(delayed_work* dwork) { return grab_pending(&dwork->work, dwork); }

bool cancel_delayed_work_sync(delayed_work* dwork) {
  task_context("cancel_delayed_work_sync");
  return cancel_sync(&dwork->work, dwork);
}

bool flush_delayed_work(delayed_work* dwork) {
  if (del_timer_sync(&dwork->timer)) __queue_work(dwork->wq, &dwork->work);
  return flush_work(&dwork->work);
}

work_struct* current_work() {
  task_struct* t = current();
  if (!t || !(t->flags & PF_WQ_WORKER)) return nullptr;
  return static_cast<worker*>(t->kthread_data->data)->current_work;
}

size_t workqueue_nr_workers(const workqueue_struct* wq) { return wq->workers.size(); }

size_t workqueue_nr_idle(const workqueue_struct* wq) { return wq->idle_list.size(); }

}  // namespace kernel
