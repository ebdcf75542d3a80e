#include "sim/fiber.h"

#include <boost/context/fiber.hpp>
#include <cstdlib>
#include <new>
#include <utility>

#include "sim/check.h"

namespace sim {

namespace ctx = boost::context;

namespace {
constexpr uint64_t kCanary = 0xa10a10a1deadbeefull;
}  // namespace

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
  *static_cast<uint64_t*>(base) = kCanary;
  return base;
}

void StackPool::Put(void* base) { free_.push_back(base); }

namespace {
struct PoolStackAllocator {
  StackPool* pool;
  void** base_out;
  ctx::stack_context allocate() {
    ctx::stack_context sc;
    void* base = pool->Get();
    *base_out = base;
    sc.size = pool->stack_bytes();
    sc.sp = static_cast<char*>(base) + sc.size;
    return sc;
  }
  void deallocate(ctx::stack_context& sc) noexcept {
    pool->Put(static_cast<char*>(sc.sp) - sc.size);
  }
};
}  // namespace

struct Fiber::Impl {
  ctx::fiber self;    // the suspended fiber, while it is not running
  ctx::fiber caller;  // the scheduler, while the fiber runs
  void* stack_base = nullptr;
  Body body;
  StackPool* pool;
};

struct FiberEntry {
  static ctx::fiber Run(Fiber* f, ctx::fiber&& caller) {
    Fiber::Impl* impl = f->impl_.get();
    impl->caller = std::move(caller);
    try {
      impl->body();
    } catch (const ctx::detail::forced_unwind&) {
      throw;  // destruction of an unfinished fiber: let Boost unwind us
    } catch (...) {
      f->error_ = std::current_exception();
    }
    impl->body = nullptr;
    f->finished_ = true;
    return std::move(impl->caller);
  }
};

Fiber::Fiber(Body body, StackPool* pool) : impl_(std::make_unique<Impl>()) {
  impl_->body = std::move(body);
  impl_->pool = pool;
  PoolStackAllocator alloc{pool, &impl_->stack_base};
  Fiber* self = this;
  impl_->self = ctx::fiber(std::allocator_arg, alloc, [self](ctx::fiber&& caller) {
    return FiberEntry::Run(self, std::move(caller));
  });
}

Fiber::~Fiber() = default;  // an unfinished ctx::fiber unwinds on destruction

void Fiber::Resume() {
  SIM_CHECK(!finished_) << "resume of a finished fiber";
  started_ = true;
  impl_->self = std::move(impl_->self).resume();
}

void Fiber::Suspend() {
  SIM_CHECK(*static_cast<const uint64_t*>(impl_->stack_base) == kCanary)
      << "fiber stack overflow (" << impl_->pool->stack_bytes() << " bytes): raise stack_bytes";
  impl_->caller = std::move(impl_->caller).resume();
}

}  // namespace sim
