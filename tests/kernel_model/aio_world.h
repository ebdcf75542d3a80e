// Test fixture for the AIO tests: a Scheduler + Kernel with the trace kept,
// a way to run a process body to completion, user-memory helpers for that
// body, and trace queries for the refcount assertions.
//
// Usage:
//   AioWorld w;
//   w.Run([&] {
//     UserMem m(1 << 20);                         // an anonymous mapping
//     user_ptr ctxp = m.Alloc(8);
//     CHECK(kernel::sys_io_setup(8, ctxp) == 0);
//     return 0;
//   });
//   CHECK(w.result.status == sim::RunStatus::kIdle);
#ifndef AIOSIM_TESTS_KERNEL_MODEL_AIO_WORLD_H_
#define AIOSIM_TESTS_KERNEL_MODEL_AIO_WORLD_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "kernel_model/aio.h"
#include "kernel_model/aio_abi.h"
#include "kernel_model/kernel.h"
#include "kernel_model/types.h"
#include "sim/scheduler.h"
#include "tests/kernel_model/storage_world.h"

namespace aiotest {

using kernel::user_ptr;

// StorageWorld (block devices, simplefs) plus AIO conveniences.
struct AioWorld : kernel_test::StorageWorld {
  explicit AioWorld(uint64_t seed = 1) : StorageWorld(seed) {}

  // Runs body as the main thread of a new process ("test") under `design`
  // and the scheduler until it stops; returns the body's return value (-1
  // if it never finished). `result` keeps the scheduler's verdict.
  int Run(std::function<int()> body, std::string design = "mainline");

  // "who" text of a record.
  std::string Text(const sim::TraceRecord& r);
  // The refcount history of one request: "+who:count" for each get and
  // "-who:count" for each put, in trace order.
  std::vector<std::string> RefHistory(int64_t req);
  // Violation messages recorded by the scheduler.
  std::vector<std::string> ViolationList() const;

  sim::RunResult result;
  kernel::task_struct* task = nullptr;
};

// An anonymous read-write mapping in the current process, handed out in
// pieces. REQUIRES task context.
class UserMem {
 public:
  explicit UserMem(size_t bytes);
  user_ptr Alloc(size_t n, size_t align = 16);
  user_ptr base() const { return base_; }

 private:
  user_ptr base_ = 0;
  size_t size_ = 0;
  size_t used_ = 0;
};

// Task-context helpers on user memory.
void Poke(user_ptr at, const void* data, size_t n);
void Peek(user_ptr at, void* data, size_t n);
void PokeU64(user_ptr at, uint64_t v);
uint64_t PeekU64(user_ptr at);
void PokeU32(user_ptr at, uint32_t v);
uint32_t PeekU32(user_ptr at);
// Writes the iocbs into fresh user memory and an array of pointers to them;
// returns the array's address. addrs (optional) gets each iocb's address.
user_ptr PlaceIocbs(UserMem& m, const std::vector<kernel::iocb>& cbs,
                    std::vector<user_ptr>* addrs = nullptr);
// io_setup(nr) into fresh memory; returns the handle (0 on failure, with
// *err set).
kernel::aio_context_t Setup(UserMem& m, unsigned nr, long* err = nullptr);
// Reads n events from user memory at `at`.
std::vector<kernel::io_event> Events(user_ptr at, long n);
// The ring header at the handle, read through the user mapping.
kernel::aio_ring RingHeader(kernel::aio_context_t ctx);
// pipe2: fds[0] read end, fds[1] write end.
void Pipe(UserMem& m, int fds[2], int flags = 0);
// eventfd2(0, flags).
int Eventfd(int flags = 0);
// The eventfd's counter read with read(2) (8 bytes); -errno on failure.
int64_t ReadEventfd(UserMem& m, int fd);
// Writes n bytes of `byte` to fd.
long WriteBytes(UserMem& m, int fd, size_t n, uint8_t byte = 'x');

}  // namespace aiotest

#endif  // AIOSIM_TESTS_KERNEL_MODEL_AIO_WORLD_H_
