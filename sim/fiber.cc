#include "sim/fiber.h"

#include <cstdlib>
#include <new>
#include <utility>

#include "sim/check.h"

namespace sim {

namespace ctx = boost::context;

StackPool::StackPool(size_t stack_bytes) : stack_bytes_((stack_bytes + 4095) & ~size_t{4095}) {}

StackPool::~StackPool() {
  for (void* p : free_) ::operator delete(p, std::align_val_t{64});
}

void* StackPool::Get() {
  void* base;
  if (!free_.empty()) {
    base = free_.back();
    free_.pop_back();
  } else {
    base = ::operator new(stack_bytes_, std::align_val_t{64});
    ++allocated_;
  }
  *static_cast<uint64_t*>(base) = Fiber::kCanary;
  return base;
}

void StackPool::Put(void* base) { free_.push_back(base); }

namespace {
struct PoolStackAllocator {
  StackPool* pool;
  const uint64_t** canary_out;
  const char** top_out;
  ctx::stack_context allocate() {
    ctx::stack_context sc;
    void* base = pool->Get();
    *canary_out = static_cast<const uint64_t*>(base);
    sc.size = pool->stack_bytes() - pool->NextColor();
    sc.sp = static_cast<char*>(base) + sc.size;
    *top_out = static_cast<const char*>(sc.sp);
    return sc;
  }
  void deallocate(ctx::stack_context& sc) noexcept { pool->Put(static_cast<char*>(sc.sp) - sc.size); }
};
}  // namespace

struct FiberEntry {
  static ctx::fiber Run(Fiber* f, ctx::fiber&& caller) {
    f->caller_ = std::move(caller);
    try {
      f->body_();
    } catch (const ctx::detail::forced_unwind&) {
      throw;  // destruction of an unfinished fiber: let Boost unwind us
    } catch (...) {
      f->error_ = std::current_exception();
    }
    f->body_ = nullptr;  // its captures die here, on the fiber's own stack
    f->finished_ = true;
    return std::move(f->caller_);
  }
};

Fiber::Fiber(Body body, StackPool* pool) : pool_(pool), body_(std::move(body)) {
  PoolStackAllocator alloc{pool, &canary_, &sp_};
  self_ = ctx::fiber(std::allocator_arg, alloc,
                     [this](ctx::fiber&& caller) { return FiberEntry::Run(this, std::move(caller)); });
}

Fiber::~Fiber() {
  // Unwind an unfinished fiber first (its frames may use the body's
  // captures), then let the members, body_ among them, be destroyed.
  if (self_) {
    ctx::fiber dying = std::move(self_);
  }
}

void Fiber::ResumeFinished() {
  SIM_CHECK(!finished_) << "resume of a finished fiber";
  std::abort();  // unreachable: the check above throws
}

void Fiber::StackOverflow() {
  SIM_CHECK(*canary_ == kCanary) << "fiber stack overflow (" << pool_->stack_bytes() << " bytes): raise stack_bytes";
  std::abort();
}

}  // namespace sim
