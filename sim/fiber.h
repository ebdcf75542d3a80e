// Fibers: the seam around Boost.Context. Every simulated thread of control
// (user thread, kernel thread, workqueue worker) is a Fiber; no code outside
// this file and fiber.cc names boost::context.
//
// Promises:
// - Stacks are fixed-size blocks from a StackPool: no mmap and no guard page
//   on the hot path (3.3 us vs 40 ns per stack here). A canary word at the low
//   end of each stack is checked at every suspend, so an overflow is reported
//   as a Violation instead of corrupting memory silently (most of the time).
// - Resume() runs the fiber until it calls Suspend() or its body returns. An
//   exception escaping the body is caught and kept in error(); the caller
//   (the Scheduler) decides what it means.
// - Destroying a fiber that has not finished unwinds its stack (destructors
//   run) before the body and its captures are destroyed, so a run may stop
//   with fibers still blocked without leaking.
// - Resume() and Suspend() are inline: the switch is then made from the
//   caller's own frame. A function return executed right after a stack switch
//   is mispredicted (the CPU's return stack still holds the other side's
//   calls), ~11 ns each here, so every frame between the caller and the switch
//   costs that much per switch. This is why Boost's header is included here.
#ifndef AIOSIM_SIM_FIBER_H_
#define AIOSIM_SIM_FIBER_H_

#include <boost/context/fiber.hpp>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <utility>
#include <vector>

namespace sim {

class StackPool {
 public:
  explicit StackPool(size_t stack_bytes);
  ~StackPool();
  StackPool(const StackPool&) = delete;
  StackPool& operator=(const StackPool&) = delete;

  void* Get();           // lowest address of a stack of stack_bytes()
  void Put(void* base);  // returns it to the pool
  // Bytes to leave unused at the top of the next stack handed out: successive
  // stacks' tops then fall in different L1 sets instead of all aliasing (the
  // blocks are page-aligned, so without it every fiber's hot top-of-stack
  // lines compete for the same few sets: 33 ns vs 15 ns per switch among 1k
  // fibers here).
  size_t NextColor() { return (colors_++ * 320) % 4096; }
  size_t stack_bytes() const { return stack_bytes_; }
  size_t allocated() const { return allocated_; }

 private:
  size_t stack_bytes_;
  size_t allocated_ = 0;
  size_t colors_ = 0;
  std::vector<void*> free_;
};

class Fiber {
 public:
  using Body = std::function<void()>;
  static constexpr uint64_t kCanary = 0xa10a10a1deadbeefull;

  Fiber(Body body, StackPool* pool);
  ~Fiber();
  Fiber(const Fiber&) = delete;
  Fiber& operator=(const Fiber&) = delete;

  // From the scheduler: run until the fiber suspends or finishes.
  // REQUIRES: !finished() (else a Violation is thrown).
  void Resume() {
    if (finished_) [[unlikely]] ResumeFinished();
    started_ = true;
    // Suspend() reads the canary at the far (low) end of the stack: a page of
    // its own. Start fetching it now so the check does not stall the switch.
    __builtin_prefetch(canary_);
    self_ = std::move(self_).resume();
  }
  // From inside this fiber: give control back to Resume()'s caller.
  void Suspend() {
    if (*canary_ != kCanary) [[unlikely]] StackOverflow();
    sp_ = StackPointer();
    caller_ = std::move(caller_).resume();
  }
  // A hint from the scheduler: this fiber will run soon. Starts fetching the
  // lines around its saved stack pointer (registers saved by the switch, the
  // innermost frames), which are cold when many fibers take turns.
  void Prefetch() const {
    const uintptr_t sp = reinterpret_cast<uintptr_t>(sp_);  // a hint: may point past the block
    __builtin_prefetch(reinterpret_cast<const void*>(sp - 128));
    __builtin_prefetch(reinterpret_cast<const void*>(sp - 64));
    __builtin_prefetch(reinterpret_cast<const void*>(sp));
    __builtin_prefetch(reinterpret_cast<const void*>(sp + 64));
  }

  bool started() const { return started_; }
  bool finished() const { return finished_; }
  std::exception_ptr error() const { return error_; }

 private:
  static const char* StackPointer() {
#if defined(__x86_64__)
    const char* sp;
    asm volatile("mov %%rsp, %0" : "=r"(sp));
    return sp;
#else
    return static_cast<const char*>(__builtin_frame_address(0));
#endif
  }
  [[noreturn]] void ResumeFinished();
  [[noreturn]] void StackOverflow();

  // What a switch touches comes first (one cache line from a 64-byte
  // aligned start): among many fibers the object is cold.
  boost::context::fiber self_;    // the suspended fiber, while it is not running
  boost::context::fiber caller_;  // the scheduler, while the fiber runs
  const uint64_t* canary_ = nullptr;
  const char* sp_ = nullptr;  // where Suspend() left the stack (at first: its top), for Prefetch()
  bool started_ = false;
  bool finished_ = false;
  StackPool* pool_;
  Body body_;
  std::exception_ptr error_;
  friend struct FiberEntry;
};

}  // namespace sim

#endif  // AIOSIM_SIM_FIBER_H_
