// epoll, after fs/eventpoll.c (Linux 6.x).
//
// An eventpoll holds one epitem per watched (file, fd). Adding an item polls
// the target with a queue procedure that hangs an eppoll_entry (a wait entry
// whose func is ep_poll_callback) on every wait queue the target's poll
// registers. ep_poll_callback runs in the waker's context: it ignores keys
// outside the item's events (and disabled EPOLLONESHOT items), puts the item
// on the ready list (rdllist) if not there, and wakes one epoll_wait sleeper
// (exclusive waiters; EPOLLEXCLUSIVE items count toward wake-one only for
// matching in/out keys).
//
// epoll_wait: takes ready items in list order, re-polls each (an item no
// longer ready is dropped from the list), copies {events, data} out (12
// bytes each, packed as on x86-64), and then: EPOLLONESHOT disables the
// item; level-triggered items go back on the tail of the ready list (so
// they are reported again while the condition holds); EPOLLET items stay
// off until the next wake-up. Leftovers stay ready and wake the next
// sleeper. Timeouts are in ms on virtual time (-1: none; 0: poll once).
// epoll_wait returns -EINTR itself on a signal (never restarted).
//
// epoll does not hold references on targets; the last fput of a target
// removes its items from every epoll (eventpoll_release).
//
// Differences: no ovflist (a scan cannot be interleaved with callbacks in
// the model, since copying out never sleeps); no wakeup sources; nesting is
// allowed with the loop/depth check (ELOOP) but without the kernel's
// path-count limits.
#ifndef AIOSIM_KERNEL_MODEL_EVENTPOLL_H_
#define AIOSIM_KERNEL_MODEL_EVENTPOLL_H_

#include <map>
#include <memory>
#include <utility>
#include <vector>

#include "kernel_model/fs.h"
#include "kernel_model/wait.h"

#ifndef EPOLL_CTL_ADD
#define EPOLL_CTL_ADD 1
#endif
#ifndef EPOLL_CTL_DEL
#define EPOLL_CTL_DEL 2
#endif
#ifndef EPOLL_CTL_MOD
#define EPOLL_CTL_MOD 3
#endif

namespace kernel {

inline constexpr int EPOLL_CLOEXEC = O_CLOEXEC;
inline constexpr int EP_MAX_NESTS = 4;
// The packed user struct epoll_event (x86-64): u32 events, u64 data.
inline constexpr size_t EPOLL_EVENT_SIZE = 12;
inline constexpr int EP_MAX_EVENTS = static_cast<int>(INT32_MAX / EPOLL_EVENT_SIZE);

struct epoll_event {
  __poll_t events = 0;
  u64 data = 0;
};

struct eventpoll;
struct epitem;

// One wait-queue hook of an item. Standard-layout: the callback finds it
// with container_of.
struct eppoll_entry {
  wait_queue_entry wait;
  wait_queue_head* whead = nullptr;  // nullptr after POLLFREE
  epitem* base = nullptr;
};

struct epitem {
  list_head rdllink;  // on ep->rdllist while ready
  eventpoll* ep = nullptr;
  file* ffd_file = nullptr;
  int ffd_fd = -1;
  epoll_event event;
  std::vector<std::unique_ptr<eppoll_entry>> pwqlist;
  bool dying = false;
};
inline bool ep_is_linked(const epitem* epi) { return !list_empty(&epi->rdllink); }

struct eventpoll {
  wait_queue_head wq{"epoll_wait"};      // epoll_wait sleepers
  wait_queue_head poll_wait{"epoll_poll"};  // pollers of the epoll file itself
  list_head rdllist;                     // ready items
  // All items by (target file id, fd): ordered, stable keys.
  std::map<std::pair<uint64_t, int>, std::unique_ptr<epitem>> rbr;
  file* file_ = nullptr;
  uint64_t id = 0;
};

extern const file_operations eventpoll_fops;
inline bool is_file_epoll(const file* f) { return f->f_op == &eventpoll_fops; }

// epoll_create1(2): -EINVAL flags other than EPOLL_CLOEXEC, -EMFILE.
long sys_epoll_create1(int flags);
// epoll_create(2): -EINVAL size <= 0.
long sys_epoll_create(int size);
// epoll_ctl(2). Errors in the kernel's order: -EFAULT event unreadable
// (ADD/MOD); -EBADF bad epfd or fd; -EPERM target cannot poll; -EINVAL
// epfd not an epoll, fd == epfd, bad EPOLLEXCLUSIVE use, unknown op; -ELOOP
// a cycle or nesting deeper than EP_MAX_NESTS; -EEXIST (ADD twice);
// -ENOENT (MOD/DEL of an unknown fd).
long sys_epoll_ctl(int epfd, int op, int fd, user_ptr event);
// The same with the event given directly (for kernel users and tests).
int do_epoll_ctl(int epfd, int op, int fd, const epoll_event* epds);
// epoll_wait(2): number of events, 0 on timeout. Errors: -EINVAL maxevents
// <= 0 or > EP_MAX_EVENTS or epfd not an epoll; -EFAULT events not
// access_ok (or the first copy faults); -EBADF; -EINTR on a signal.
long sys_epoll_wait(int epfd, user_ptr events, int maxevents, int timeout_ms);
// epoll_pwait(2): with a temporary signal mask (sigsetsize must be 8).
long sys_epoll_pwait(int epfd, user_ptr events, int maxevents, int timeout_ms, user_ptr sigmask,
                     size_t sigsetsize);
// The wait itself on an eventpoll, with an absolute deadline in ns
// (nullptr: none; a deadline <= now: poll once). For kernel users such as an
// IOCB_CMD_EPOLL_WAIT design.
int ep_poll(eventpoll* ep, user_ptr events, int maxevents, const ktime_t* deadline);
// The ready list is not empty (no re-poll), as the kernel's test.
bool ep_events_available(eventpoll* ep);

// Called by __fput: removes f's items from every epoll.
void eventpoll_release(file* f);

}  // namespace kernel

#endif  // AIOSIM_KERNEL_MODEL_EVENTPOLL_H_
