// Wait queues (kernel/sched/wait.c). See wait.h.
#include "kernel_model/wait.h"

#include "kernel_model/poll.h"
#include "kernel_model/signal.h"
#include "sim/check.h"

namespace kernel {

namespace {

wait_queue_entry* entry_of(list_head* node) { return container_of(node, wait_queue_entry, entry); }

void note_wait(wait_queue_head* wq_head) {
  if (task_struct* t = current()) t->wait_name = wq_head->name;
}

// Keys that are poll masks go into the trace; pointer keys (wait_bit_key
// addresses) would make the trace depend on addresses, so they are -1.
int64_t trace_key(void* key) {
  auto v = reinterpret_cast<uintptr_t>(key);
  return v <= 0xffffffffu ? static_cast<int64_t>(v) : -1;
}

int __wake_up_common(wait_queue_head* wq_head, unsigned int mode, int nr_exclusive, int wake_flags,
                     void* key) {
  const int requested = nr_exclusive;
  int called = 0;
  list_head* pos = wq_head->head.next;
  while (pos != &wq_head->head) {
    list_head* next = pos->next;  // the callback may remove its own entry
    wait_queue_entry* curr = entry_of(pos);
    const unsigned flags = curr->flags;
    int ret = curr->func(curr, mode, wake_flags, key);
    ++called;
    if (ret < 0) break;
    if (ret && (flags & WQ_FLAG_EXCLUSIVE) && !--nr_exclusive) break;
    pos = next;
  }
  if (called > 0) {
    Kernel* k = Kernel::Current();
    if (!wq_head->id) wq_head->id = k->next_id();
    k->trace().Emit(k->k.wake_up, {static_cast<int64_t>(wq_head->id), mode, requested,
                                   trace_key(key), called});
  }
  return nr_exclusive;
}

}  // namespace

wait_queue_head::~wait_queue_head() {
  // Only at shutdown: detach entries so they do not point at freed memory.
  while (!list_empty(&head)) list_del_init(head.next);
}

int default_wake_function(wait_queue_entry* curr, unsigned mode, int wake_flags, void* key) {
  return try_to_wake_up(static_cast<task_struct*>(curr->private_), mode, wake_flags) ? 1 : 0;
}

int autoremove_wake_function(wait_queue_entry* wq_entry, unsigned mode, int sync, void* key) {
  int ret = default_wake_function(wq_entry, mode, sync, key);
  if (ret) list_del_init_careful(&wq_entry->entry);
  return ret;
}

int woken_wake_function(wait_queue_entry* wq_entry, unsigned mode, int sync, void* key) {
  wq_entry->flags |= WQ_FLAG_WOKEN;
  return default_wake_function(wq_entry, mode, sync, key);
}

void init_wait_entry(wait_queue_entry* wq_entry, int flags) {
  wq_entry->flags = static_cast<unsigned>(flags);
  wq_entry->private_ = current();
  wq_entry->func = autoremove_wake_function;
  INIT_LIST_HEAD(&wq_entry->entry);
}

void __add_wait_queue(wait_queue_head* wq_head, wait_queue_entry* wq_entry) {
  list_head* head = &wq_head->head;
  // After any priority entries, which stay at the front.
  for (list_head* p = wq_head->head.next; p != &wq_head->head; p = p->next) {
    if (!(entry_of(p)->flags & WQ_FLAG_PRIORITY)) break;
    head = p;
  }
  list_add(&wq_entry->entry, head);
}

void __add_wait_queue_entry_tail(wait_queue_head* wq_head, wait_queue_entry* wq_entry) {
  list_add_tail(&wq_entry->entry, &wq_head->head);
}

void add_wait_queue(wait_queue_head* wq_head, wait_queue_entry* wq_entry) {
  wq_entry->flags &= ~WQ_FLAG_EXCLUSIVE;
  __add_wait_queue(wq_head, wq_entry);
}

void add_wait_queue_exclusive(wait_queue_head* wq_head, wait_queue_entry* wq_entry) {
  wq_entry->flags |= WQ_FLAG_EXCLUSIVE;
  __add_wait_queue_entry_tail(wq_head, wq_entry);
}

void add_wait_queue_priority(wait_queue_head* wq_head, wait_queue_entry* wq_entry) {
  wq_entry->flags |= WQ_FLAG_EXCLUSIVE | WQ_FLAG_PRIORITY;
  __add_wait_queue(wq_head, wq_entry);
}

void remove_wait_queue(wait_queue_head* wq_head, wait_queue_entry* wq_entry) {
  __remove_wait_queue(wq_head, wq_entry);
}

void prepare_to_wait(wait_queue_head* wq_head, wait_queue_entry* wq_entry, int state) {
  wq_entry->flags &= ~WQ_FLAG_EXCLUSIVE;
  if (list_empty(&wq_entry->entry)) __add_wait_queue(wq_head, wq_entry);
  set_current_state(state);
  note_wait(wq_head);
}

bool prepare_to_wait_exclusive(wait_queue_head* wq_head, wait_queue_entry* wq_entry, int state) {
  bool was_empty = false;
  wq_entry->flags |= WQ_FLAG_EXCLUSIVE;
  if (list_empty(&wq_entry->entry)) {
    was_empty = list_empty(&wq_head->head);
    __add_wait_queue_entry_tail(wq_head, wq_entry);
  }
  set_current_state(state);
  note_wait(wq_head);
  return was_empty;
}

long prepare_to_wait_event(wait_queue_head* wq_head, wait_queue_entry* wq_entry, int state) {
  if (signal_pending_state(state, current())) {
    // Dequeue so a later wake-up does not count this entry as woken.
    list_del_init(&wq_entry->entry);
    return -ERESTARTSYS;
  }
  if (list_empty(&wq_entry->entry)) {
    if (wq_entry->flags & WQ_FLAG_EXCLUSIVE) {
      __add_wait_queue_entry_tail(wq_head, wq_entry);
    } else {
      __add_wait_queue(wq_head, wq_entry);
    }
  }
  set_current_state(state);
  note_wait(wq_head);
  return 0;
}

void finish_wait(wait_queue_head* wq_head, wait_queue_entry* wq_entry) {
  task_struct* t = current_task_checked("finish_wait");
  t->__state = TASK_RUNNING;
  t->wait_name = nullptr;
  if (!list_empty_careful(&wq_entry->entry)) list_del_init(&wq_entry->entry);
}

long wait_woken(wait_queue_entry* wq_entry, unsigned mode, long timeout) {
  set_current_state(static_cast<long>(mode));
  if (!(wq_entry->flags & WQ_FLAG_WOKEN) && !kthread_should_stop()) timeout = schedule_timeout(timeout);
  __set_current_state(TASK_RUNNING);
  wq_entry->flags &= ~WQ_FLAG_WOKEN;
  return timeout;
}

int __wake_up(wait_queue_head* wq_head, unsigned int mode, int nr_exclusive, void* key) {
  int remaining = __wake_up_common(wq_head, mode, nr_exclusive, 0, key);
  return nr_exclusive - remaining;
}

int __wake_up_sync_key(wait_queue_head* wq_head, unsigned int mode, void* key) {
  int remaining = __wake_up_common(wq_head, mode, 1, WF_SYNC, key);
  return 1 - remaining;
}

void __wake_up_locked_key(wait_queue_head* wq_head, unsigned int mode, void* key) {
  __wake_up_common(wq_head, mode, 1, 0, key);
}

void __wake_up_locked(wait_queue_head* wq_head, unsigned int mode, int nr) {
  __wake_up_common(wq_head, mode, nr, 0, nullptr);
}

void __wake_up_pollfree(wait_queue_head* wq_head) {
  __wake_up(wq_head, TASK_NORMAL, 0, poll_to_key(EPOLLHUP | POLLFREE));
  SIM_CHECK(!waitqueue_active(wq_head))
      << "POLLFREE wake-up left entries on wait queue " << wq_head->name;
}

}  // namespace kernel
