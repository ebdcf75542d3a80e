// epoll (fs/eventpoll.c, Linux 6.x). See eventpoll.h.
#include "kernel_model/eventpoll.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "kernel_model/mm.h"
#include "kernel_model/signal.h"
#include "sim/check.h"

namespace kernel {

namespace {

constexpr __poll_t EP_PRIVATE_BITS = EPOLLWAKEUP | EPOLLONESHOT | EPOLLET | EPOLLEXCLUSIVE;
constexpr __poll_t EPOLLEXCLUSIVE_OK_BITS =
    EPOLLINOUT_BITS | EPOLLERR | EPOLLHUP | EPOLLWAKEUP | EPOLLET | EPOLLEXCLUSIVE;

eventpoll* ep_of(file* f) { return static_cast<eventpoll*>(f->private_data); }
epitem* epi_of_rdllink(list_head* node) { return container_of(node, epitem, rdllink); }

bool ep_op_has_event(int op) { return op != EPOLL_CTL_DEL; }

int ep_poll_callback(wait_queue_entry* wait, unsigned mode, int sync, void* key) {
  eppoll_entry* pwq = container_of(wait, eppoll_entry, wait);
  epitem* epi = pwq->base;
  eventpoll* ep = epi->ep;
  const __poll_t pollflags = key_to_poll(key);
  int ewake = 0;
  bool pwake = false;
  // A disabled EPOLLONESHOT item, or a key outside its events: ignore.
  if ((epi->event.events & ~EP_PRIVATE_BITS) && !(pollflags && !(pollflags & epi->event.events))) {
    if (!ep_is_linked(epi)) list_add_tail(&epi->rdllink, &ep->rdllist);
    if (waitqueue_active(&ep->wq)) {
      if ((epi->event.events & EPOLLEXCLUSIVE) && !(pollflags & POLLFREE)) {
        switch (pollflags & EPOLLINOUT_BITS) {
          case EPOLLIN:
            if (epi->event.events & EPOLLIN) ewake = 1;
            break;
          case EPOLLOUT:
            if (epi->event.events & EPOLLOUT) ewake = 1;
            break;
          case 0:
            ewake = 1;
            break;
        }
      }
      wake_up(&ep->wq);
    }
    if (waitqueue_active(&ep->poll_wait)) pwake = true;
  }
  if (pwake) wake_up_poll(&ep->poll_wait, EPOLLIN | (pollflags & EPOLL_URING_WAKE));
  if (!(epi->event.events & EPOLLEXCLUSIVE)) ewake = 1;
  if (pollflags & POLLFREE) {
    // The head is going away: unhook, and remember not to touch it again.
    list_del_init(&wait->entry);
    pwq->whead = nullptr;
  }
  return ewake;
}

// The queue procedure used when an item is added: hooks an eppoll_entry on
// every wait queue the target's poll names.
struct ep_pqueue {
  poll_table pt;
  epitem* epi;
};

void ep_ptable_queue_proc(file* f, wait_queue_head* whead, poll_table* pt) {
  ep_pqueue* epq = container_of(pt, ep_pqueue, pt);
  epitem* epi = epq->epi;
  auto pwq = std::make_unique<eppoll_entry>();
  init_waitqueue_func_entry(&pwq->wait, ep_poll_callback);
  pwq->whead = whead;
  pwq->base = epi;
  if (epi->event.events & EPOLLEXCLUSIVE) {
    add_wait_queue_exclusive(whead, &pwq->wait);
  } else {
    add_wait_queue(whead, &pwq->wait);
  }
  epi->pwqlist.push_back(std::move(pwq));
}

__poll_t ep_item_poll(epitem* epi, poll_table* pt);

void ep_unregister_pollwait(epitem* epi) {
  for (auto& pwq : epi->pwqlist) {
    if (pwq->whead) remove_wait_queue(pwq->whead, &pwq->wait);
    pwq->whead = nullptr;
  }
  epi->pwqlist.clear();
}

void ep_remove(eventpoll* ep, epitem* epi) {
  file* f = epi->ffd_file;
  ep_unregister_pollwait(epi);
  auto& fep = f->f_ep;
  fep.erase(std::remove(fep.begin(), fep.end(), epi), fep.end());
  if (ep_is_linked(epi)) list_del_init(&epi->rdllink);
  ep->rbr.erase({f->id, epi->ffd_fd});  // frees epi
}

epitem* ep_find(eventpoll* ep, file* f, int fd) {
  auto it = ep->rbr.find({f->id, fd});
  return it == ep->rbr.end() ? nullptr : it->second.get();
}

// Does any epoll reachable from `f` (a target being added) reach `ep`,
// or nest deeper than EP_MAX_NESTS?
bool ep_loop_check_proc(eventpoll* ep, eventpoll* to_check, int depth) {
  if (depth > EP_MAX_NESTS) return true;
  for (auto& [key, epi] : ep->rbr) {
    if (!is_file_epoll(epi->ffd_file)) continue;
    eventpoll* child = ep_of(epi->ffd_file);
    if (child == to_check) return true;
    if (ep_loop_check_proc(child, to_check, depth + 1)) return true;
  }
  return false;
}

// Is `ep` (or an epoll above it)... the kernel checks both directions; the
// model checks that adding `target` under `ep` creates no cycle and no chain
// deeper than EP_MAX_NESTS below ep.
bool ep_loop_check(eventpoll* ep, eventpoll* target) {
  if (target == ep) return true;
  return ep_loop_check_proc(target, ep, 1);
}

int ep_insert(eventpoll* ep, const epoll_event* event, file* tfile, int fd) {
  auto owned = std::make_unique<epitem>();
  epitem* epi = owned.get();
  epi->ep = ep;
  epi->ffd_file = tfile;
  epi->ffd_fd = fd;
  epi->event = *event;
  ep->rbr.emplace(std::make_pair(tfile->id, fd), std::move(owned));
  tfile->f_ep.push_back(epi);
  ep_pqueue epq;
  epq.epi = epi;
  init_poll_funcptr(&epq.pt, ep_ptable_queue_proc);
  epq.pt._key = epi->event.events;
  const __poll_t revents = ep_item_poll(epi, &epq.pt);
  if (revents && !ep_is_linked(epi)) {
    list_add_tail(&epi->rdllink, &ep->rdllist);
    if (waitqueue_active(&ep->wq)) wake_up(&ep->wq);
    if (waitqueue_active(&ep->poll_wait)) wake_up_poll(&ep->poll_wait, EPOLLIN);
  }
  return 0;
}

int ep_modify(eventpoll* ep, epitem* epi, const epoll_event* event) {
  epi->event.events = event->events;
  epi->event.data = event->data;
  poll_table pt;
  init_poll_funcptr(&pt, nullptr);
  if (ep_item_poll(epi, &pt)) {
    if (!ep_is_linked(epi)) {
      list_add_tail(&epi->rdllink, &ep->rdllist);
      if (waitqueue_active(&ep->wq)) wake_up(&ep->wq);
      if (waitqueue_active(&ep->poll_wait)) wake_up_poll(&ep->poll_wait, EPOLLIN);
    }
  }
  return 0;
}

// Nested epoll: is any ready item of ep really ready?
__poll_t ep_read_events(eventpoll* ep, int depth) {
  poll_table pt;
  init_poll_funcptr(&pt, nullptr);
  for (list_head* p = ep->rdllist.next; p != &ep->rdllist;) {
    list_head* next = p->next;
    epitem* epi = epi_of_rdllink(p);
    if (ep_item_poll(epi, &pt)) return EPOLLIN | EPOLLRDNORM;
    // Not ready any more: off the list (the kernel does the same).
    list_del_init(&epi->rdllink);
    p = next;
  }
  return 0;
}

__poll_t ep_item_poll(epitem* epi, poll_table* pt) {
  pt->_key = epi->event.events;
  __poll_t res;
  if (!is_file_epoll(epi->ffd_file)) {
    res = vfs_poll(epi->ffd_file, pt);
  } else {
    eventpoll* child = ep_of(epi->ffd_file);
    poll_wait(epi->ffd_file, &child->poll_wait, pt);
    res = ep_read_events(child, 1);
  }
  return res & epi->event.events;
}

// Copies ready events out; returns the count or -EFAULT (nothing copied).
int ep_send_events(eventpoll* ep, user_ptr events, int maxevents) {
  list_head txlist;
  list_splice_init(&ep->rdllist, &txlist);
  poll_table pt;
  init_poll_funcptr(&pt, nullptr);
  int res = 0;
  for (list_head* p = txlist.next; p != &txlist;) {
    list_head* next = p->next;
    epitem* epi = epi_of_rdllink(p);
    if (res >= maxevents) break;
    list_del_init(&epi->rdllink);
    const __poll_t revents = ep_item_poll(epi, &pt);
    if (!revents) {
      p = next;
      continue;
    }
    u8 buf[EPOLL_EVENT_SIZE];
    std::memcpy(buf, &revents, 4);
    std::memcpy(buf + 4, &epi->event.data, 8);
    if (copy_to_user(events + static_cast<user_ptr>(res) * EPOLL_EVENT_SIZE, buf, sizeof(buf))) {
      list_add(&epi->rdllink, &txlist);
      if (!res) res = -EFAULT;
      break;
    }
    ++res;
    if (epi->event.events & EPOLLONESHOT) {
      epi->event.events &= EP_PRIVATE_BITS;
    } else if (!(epi->event.events & EPOLLET)) {
      // Level-triggered: back on the ready list, reported again next time.
      list_add_tail(&epi->rdllink, &ep->rdllist);
    }
    p = next;
  }
  // ep_done_scan: what was not taken goes back to the front.
  list_splice_init(&txlist, &ep->rdllist);
  if (!list_empty(&ep->rdllist) && waitqueue_active(&ep->wq)) wake_up(&ep->wq);
  return res;
}

int ep_autoremove_wake_function(wait_queue_entry* wq_entry, unsigned mode, int sync, void* key) {
  int ret = default_wake_function(wq_entry, mode, sync, key);
  // Removed even if the task was already running: the waiter must not be
  // counted twice.
  list_del_init_careful(&wq_entry->entry);
  return ret;
}

__poll_t ep_eventpoll_poll(file* f, poll_table* wait) {
  eventpoll* ep = ep_of(f);
  poll_wait(f, &ep->poll_wait, wait);
  return ep_read_events(ep, 1);
}

void ep_clear_and_put(eventpoll* ep) {
  if (waitqueue_active(&ep->poll_wait)) wake_up_poll(&ep->poll_wait, EPOLLIN);
  while (!ep->rbr.empty()) ep_remove(ep, ep->rbr.begin()->second.get());
  delete ep;
}

int ep_eventpoll_release(inode*, file* f) {
  ep_clear_and_put(ep_of(f));
  return 0;
}

int epoll_create_file(int flags) {
  if (flags & ~EPOLL_CLOEXEC) return -EINVAL;
  int fd = get_unused_fd_flags(O_RDWR | (static_cast<unsigned>(flags) & O_CLOEXEC));
  if (fd < 0) return fd;
  auto* ep = new eventpoll;
  ep->id = Kernel::Current()->next_id();
  file* f = alloc_file_pseudo("anon_inode:[eventpoll]", O_RDWR | (static_cast<unsigned>(flags) & O_CLOEXEC),
                              &eventpoll_fops, ep);
  ep->file_ = f;
  fd_install(static_cast<unsigned>(fd), f);
  return fd;
}

struct fd_ref {
  file* f;
  explicit fd_ref(int fd) : f(fd < 0 ? nullptr : fget(static_cast<unsigned>(fd))) {}
  ~fd_ref() {
    if (f) fput(f);
  }
  fd_ref(const fd_ref&) = delete;
  fd_ref& operator=(const fd_ref&) = delete;
};

}  // namespace

const file_operations eventpoll_fops = {
    .name = "eventpoll",
    .llseek = noop_llseek,
    .poll = ep_eventpoll_poll,
    .release = ep_eventpoll_release,
};

long sys_epoll_create1(int flags) { return epoll_create_file(flags); }

long sys_epoll_create(int size) {
  if (size <= 0) return -EINVAL;
  return epoll_create_file(0);
}

int do_epoll_ctl(int epfd, int op, int fd, const epoll_event* epds_in) {
  fd_ref f(epfd);
  if (!f.f) return -EBADF;
  fd_ref tf(fd);
  if (!tf.f) return -EBADF;
  if (!file_can_poll(tf.f)) return -EPERM;
  epoll_event epds;
  if (epds_in) epds = *epds_in;
  if (f.f == tf.f || !is_file_epoll(f.f)) return -EINVAL;
  if (ep_op_has_event(op) && (epds.events & EPOLLEXCLUSIVE)) {
    if (op == EPOLL_CTL_MOD) return -EINVAL;
    if (op == EPOLL_CTL_ADD && (is_file_epoll(tf.f) || (epds.events & ~EPOLLEXCLUSIVE_OK_BITS)))
      return -EINVAL;
  }
  eventpoll* ep = ep_of(f.f);
  if (op == EPOLL_CTL_ADD && is_file_epoll(tf.f) && ep_loop_check(ep, ep_of(tf.f))) return -ELOOP;
  epitem* epi = ep_find(ep, tf.f, fd);
  switch (op) {
    case EPOLL_CTL_ADD:
      if (epi) return -EEXIST;
      epds.events |= EPOLLERR | EPOLLHUP;
      return ep_insert(ep, &epds, tf.f, fd);
    case EPOLL_CTL_DEL:
      if (!epi) return -ENOENT;
      ep_remove(ep, epi);
      return 0;
    case EPOLL_CTL_MOD:
      if (!epi) return -ENOENT;
      if (epi->event.events & EPOLLEXCLUSIVE) return -EINVAL;
      epds.events |= EPOLLERR | EPOLLHUP;
      return ep_modify(ep, epi, &epds);
    default:
      return -EINVAL;
  }
}

long sys_epoll_ctl(int epfd, int op, int fd, user_ptr event) {
  epoll_event epds;
  if (ep_op_has_event(op)) {
    u8 buf[EPOLL_EVENT_SIZE];
    if (copy_from_user(buf, event, sizeof(buf))) return -EFAULT;
    std::memcpy(&epds.events, buf, 4);
    std::memcpy(&epds.data, buf + 4, 8);
  }
  return do_epoll_ctl(epfd, op, fd, ep_op_has_event(op) ? &epds : nullptr);
}

bool ep_events_available(eventpoll* ep) { return !list_empty_careful(&ep->rdllist); }

int ep_poll(eventpoll* ep, user_ptr events, int maxevents, const ktime_t* deadline) {
  task_struct* self = current();
  SIM_CHECK(self != nullptr) << "ep_poll in event context";
  bool timed_out = deadline && *deadline <= ktime_get();
  bool eavail = ep_events_available(ep);
  for (;;) {
    if (eavail) {
      int res = ep_send_events(ep, events, maxevents);
      if (res) return res;
    }
    if (timed_out) return 0;
    if (signal_pending(self)) return -EINTR;
    wait_queue_entry wait;
    init_wait(&wait);
    wait.func = ep_autoremove_wake_function;
    __set_current_state(TASK_INTERRUPTIBLE);
    self->wait_name = ep->wq.name;
    eavail = ep_events_available(ep);
    if (!eavail) __add_wait_queue_exclusive(&ep->wq, &wait);
    if (!eavail) timed_out = schedule_hrtimeout(deadline) == 0;
    __set_current_state(TASK_RUNNING);
    self->wait_name = nullptr;
    eavail = true;
    if (!list_empty_careful(&wait.entry)) {
      if (timed_out) eavail = list_empty(&wait.entry);
      __remove_wait_queue(&ep->wq, &wait);
    }
  }
}

long sys_epoll_wait(int epfd, user_ptr events, int maxevents, int timeout_ms) {
  if (maxevents <= 0 || maxevents > EP_MAX_EVENTS) return -EINVAL;
  if (!access_ok(events, static_cast<unsigned long>(maxevents) * EPOLL_EVENT_SIZE)) return -EFAULT;
  fd_ref f(epfd);
  if (!f.f) return -EBADF;
  if (!is_file_epoll(f.f)) return -EINVAL;
  ktime_t deadline = 0;
  const ktime_t* dl = nullptr;
  if (timeout_ms >= 0) {
    deadline = sim::AddTime(ktime_get(), static_cast<ktime_t>(timeout_ms) * NSEC_PER_MSEC);
    dl = &deadline;
  }
  return ep_poll(ep_of(f.f), events, maxevents, dl);
}

long sys_epoll_pwait(int epfd, user_ptr events, int maxevents, int timeout_ms, user_ptr sigmask,
                     size_t sigsetsize) {
  int error = set_user_sigmask(sigmask, sigsetsize);
  if (error) return error;
  long ret = sys_epoll_wait(epfd, events, maxevents, timeout_ms);
  restore_saved_sigmask_unless(ret == -EINTR);
  return ret;
}

void eventpoll_release(file* f) {
  // Items in creation order; each removal edits f->f_ep.
  while (!f->f_ep.empty()) {
    epitem* epi = f->f_ep.front();
    ep_remove(epi->ep, epi);
  }
}

}  // namespace kernel
