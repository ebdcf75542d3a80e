// Pipes: blocking and non-blocking I/O, capacity in pages, EOF, EPIPE,
// poll masks and wake-up keys.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "kernel_model/pipe.h"
#include "kernel_model/read_write.h"
#include "kernel_model/signal.h"
#include "tests/kernel_model/world.h"

using namespace kernel;
using kernel_test::uget;
using kernel_test::uget_val;
using kernel_test::uput;
using kernel_test::World;

namespace {
std::pair<unsigned, unsigned> make_pipe(int flags = 0) {
  user_ptr fds = kernel_test::ualloc(PAGE_SIZE);
  sys_pipe2(fds, flags);
  return {uget_val<unsigned>(fds), uget_val<unsigned>(fds + 4)};
}

// A wait entry that records the keys it is woken with.
struct KeyRecorder {
  wait_queue_entry wait;
  std::vector<__poll_t> keys;
};
int record_key(wait_queue_entry* w, unsigned, int, void* key) {
  static_cast<KeyRecorder*>(w->private_)->keys.push_back(key_to_poll(key));
  return 0;
}
struct RecordingTable {
  poll_table pt;
  KeyRecorder* rec;
  wait_queue_head* head = nullptr;
};
void hook(file*, wait_queue_head* head, poll_table* pt) {
  auto* t = container_of(pt, RecordingTable, pt);
  init_waitqueue_func_entry(&t->rec->wait, record_key);
  t->rec->wait.private_ = t->rec;
  add_wait_queue(head, &t->rec->wait);
  t->head = head;
}
}  // namespace

TEST_CASE("pipe: a read blocks until a writer writes, and returns what is there",
          "[kernel][pipe]") {
  World w;
  long got = 0;
  std::string data;
  sim::SimTime t = -1;
  unsigned rfd = 0, wfd = 0;
  create_process("p", [&] {
    std::tie(rfd, wfd) = make_pipe();
    create_thread(current(), "writer", [&] {
      user_ptr b = kernel_test::ualloc(PAGE_SIZE);
      uput(b, "hello");
      sys_nanosleep_ns(500);
      sys_write(wfd, b, 5);
      return 0;
    });
    user_ptr buf = kernel_test::ualloc(PAGE_SIZE);
    got = sys_read(rfd, buf, 100);  // does not wait for 100 bytes
    t = w.Now();
    data = uget(buf, 5);
    return 0;
  });
  auto r = w.Run();
  CHECK(r.status == sim::RunStatus::kIdle);
  CHECK(got == 5);
  CHECK(data == "hello");
  CHECK(t == 500);
}

TEST_CASE("pipe: capacity is 16 pages; small writes share a page only while they fit whole",
          "[kernel][pipe]") {
  World w;
  long total_big = 0, big_eagain = 0;
  int small_writes = 0;
  long small_eagain = 0;
  size_t bytes_small = 0;
  create_process("p", [&] {
    user_ptr buf = kernel_test::ualloc(16 * PAGE_SIZE);
    {
      auto [r, wfd] = make_pipe(O_NONBLOCK);
      long n;
      while ((n = sys_write(wfd, buf, PAGE_SIZE)) > 0) total_big += n;
      big_eagain = n;
      (void)r;
    }
    {
      auto [r, wfd] = make_pipe(O_NONBLOCK);
      long n;
      while ((n = sys_write(wfd, buf, 100)) > 0) ++small_writes;
      small_eagain = n;
      file* f = fget(r);
      bytes_small = pipe_bytes(get_pipe_info(f));
      fput(f);
    }
    return 0;
  });
  w.Run();
  CHECK(total_big == 65536);
  CHECK(big_eagain == -EAGAIN);
  // 40 writes of 100 bytes fill 4000 bytes of a page; the 41st needs a new one.
  CHECK(small_writes == 16 * 40);
  CHECK(bytes_small == 64000);
  CHECK(small_eagain == -EAGAIN);
}

TEST_CASE("pipe: a writer of a full pipe blocks until a reader makes room", "[kernel][pipe]") {
  World w;
  long wrote = 0;
  sim::SimTime t = -1;
  create_process("p", [&] {
    auto [r, wfd] = make_pipe();
    user_ptr buf = kernel_test::ualloc(20 * PAGE_SIZE);
    create_thread(current(), "reader", [&, r = r] {
      sys_nanosleep_ns(1000);
      user_ptr rb = kernel_test::ualloc(8 * PAGE_SIZE);
      sys_read(r, rb, 8 * PAGE_SIZE);  // frees 8 pages
      return 0;
    });
    wrote = sys_write(wfd, buf, 20 * PAGE_SIZE);  // 16 pages now, 4 more later
    t = w.Now();
    return 0;
  });
  auto r = w.Run();
  CHECK(r.status == sim::RunStatus::kIdle);
  CHECK(wrote == 20 * static_cast<long>(PAGE_SIZE));
  CHECK(t == 1000);
}

TEST_CASE("pipe: EOF once the writers are gone; EPIPE and SIGPIPE once the readers are",
          "[kernel][pipe]") {
  World w;
  long eof = -1, epipe = 0, with_data = 0;
  u64 sigpipes = 0;
  create_process("p", [&] {
    k_sigaction act;
    act.handler = 3;  // a user handler, so SIGPIPE does not kill us
    do_sigaction(SIGPIPE, &act, nullptr);
    user_ptr buf = kernel_test::ualloc(PAGE_SIZE);
    {
      auto [r, wfd] = make_pipe();
      sys_write(wfd, buf, 3);
      sys_close(wfd);
      with_data = sys_read(r, buf, 10);
      eof = sys_read(r, buf, 10);
    }
    {
      auto [r, wfd] = make_pipe();
      sys_close(r);
      epipe = syscall_exit_to_user_mode(sys_write(wfd, buf, 3));
      sigpipes = current()->signal->nr_delivered[SIGPIPE];
    }
    return 0;
  });
  w.Run();
  CHECK(with_data == 3);
  CHECK(eof == 0);
  CHECK(epipe == -EPIPE);
  CHECK(sigpipes == 1);
}

TEST_CASE("pipe: SIGPIPE with the default action kills the writer", "[kernel][pipe]") {
  World w;
  bool survived = false;
  int status = -1;
  task_struct* p = create_process("writer", [&] {
    auto [r, wfd] = make_pipe();
    sys_close(r);
    user_ptr buf = kernel_test::ualloc(PAGE_SIZE);
    syscall_exit_to_user_mode(sys_write(wfd, buf, 1));
    survived = true;
    return 0;
  });
  create_process("parent", [&] {
    user_ptr st = kernel_test::ualloc(PAGE_SIZE);
    sys_wait4(p->pid, st, 0, 0);
    status = uget_val<int>(st);
    return 0;
  });
  w.Run();
  CHECK_FALSE(survived);
  CHECK(status == SIGPIPE);
}

TEST_CASE("pipe: poll masks follow the state of both ends", "[kernel][pipe]") {
  World w;
  __poll_t r_empty = 0, w_empty = 0, r_data = 0, r_hup = 0, w_err = 0;
  create_process("p", [&] {
    user_ptr buf = kernel_test::ualloc(PAGE_SIZE);
    auto [r, wfd] = make_pipe();
    file* rf = fget(r);
    file* wf = fget(wfd);
    r_empty = vfs_poll(rf, nullptr);
    w_empty = vfs_poll(wf, nullptr);
    sys_write(wfd, buf, 1);
    r_data = vfs_poll(rf, nullptr);
    fput(wf);
    sys_close(wfd);
    r_hup = vfs_poll(rf, nullptr);
    auto [r2, w2] = make_pipe();
    sys_close(r2);
    file* wf2 = fget(w2);
    w_err = vfs_poll(wf2, nullptr);
    fput(wf2);
    fput(rf);
    return 0;
  });
  w.Run();
  CHECK(r_empty == 0);
  CHECK(w_empty == (EPOLLOUT | EPOLLWRNORM));
  CHECK(r_data == (EPOLLIN | EPOLLRDNORM));
  CHECK(r_hup == (EPOLLIN | EPOLLRDNORM | EPOLLHUP));
  CHECK(w_err == (EPOLLOUT | EPOLLWRNORM | EPOLLERR));
}

TEST_CASE("pipe: a write wakes the read side with key EPOLLIN|EPOLLRDNORM (0x41)", "[kernel][pipe]") {
  World w;
  KeyRecorder rec;
  std::vector<__poll_t> keys;
  create_process("p", [&] {
    user_ptr buf = kernel_test::ualloc(PAGE_SIZE);
    auto [r, wfd] = make_pipe();
    file* rf = fget(r);
    RecordingTable t;
    t.rec = &rec;
    init_poll_funcptr(&t.pt, hook);
    vfs_poll(rf, &t.pt);
    sys_write(wfd, buf, 1);
    sys_write(wfd, buf, 1);  // not empty, but the pipe was polled: wakes again
    keys = rec.keys;
    remove_wait_queue(t.head, &rec.wait);
    fput(rf);
    return 0;
  });
  w.Run();
  CHECK(keys == std::vector<__poll_t>{0x41, 0x41});
}

TEST_CASE("pipe: F_SETPIPE_SZ resizes; it refuses to drop buffered data", "[kernel][pipe]") {
  World w;
  long sz0 = 0, set = 0, sz1 = 0, busy = 0, too_big = 0, eagain_after = 0;
  create_process("p", [&] {
    user_ptr buf = kernel_test::ualloc(4 * PAGE_SIZE);
    auto [r, wfd] = make_pipe(O_NONBLOCK);
    sz0 = sys_fcntl(wfd, F_GETPIPE_SZ, 0);
    set = sys_fcntl(wfd, F_SETPIPE_SZ, 5000);  // rounds up to 2 pages
    sz1 = sys_fcntl(r, F_GETPIPE_SZ, 0);
    sys_write(wfd, buf, 2 * PAGE_SIZE);
    eagain_after = sys_write(wfd, buf, 1);
    busy = sys_fcntl(wfd, F_SETPIPE_SZ, PAGE_SIZE);
    too_big = sys_fcntl(wfd, F_SETPIPE_SZ, 1 << 24);
    return 0;
  });
  w.Run();
  CHECK(sz0 == 65536);
  CHECK(set == 8192);
  CHECK(sz1 == 8192);
  CHECK(eagain_after == -EAGAIN);
  CHECK(busy == -EBUSY);
  CHECK(too_big == -EPERM);
}

TEST_CASE("pipe: pipe2 rejects unknown flags and an unwritable fd array", "[kernel][pipe]") {
  World w;
  long bad_flags = 0, bad_addr = 0;
  size_t live = 9;
  create_process("p", [&] {
    user_ptr fds = kernel_test::ualloc(PAGE_SIZE);
    bad_flags = sys_pipe2(fds, O_APPEND);
    bad_addr = sys_pipe2(0x1000, 0);
    live = nr_live_files();
    return 0;
  });
  w.Run();
  CHECK(bad_flags == -EINVAL);
  CHECK(bad_addr == -EFAULT);
  CHECK(live == 0);
}

TEST_CASE("pipe: a blocked reader is interrupted by a signal", "[kernel][pipe]") {
  World w;
  long ret = 0;
  task_struct* p = create_process("p", [&] {
    k_sigaction act;
    act.handler = 4;
    do_sigaction(SIGALRM, &act, nullptr);
    auto [r, wfd] = make_pipe();
    (void)wfd;
    user_ptr buf = kernel_test::ualloc(PAGE_SIZE);
    ret = syscall_exit_to_user_mode(sys_read(r, buf, 1));
    return 0;
  });
  w.sched.At(77, [&] { send_sig(SIGALRM, p, 0); });
  w.Run();
  CHECK(ret == -EINTR);
  CHECK(w.Now() == 77);
}
