// Arenas: typed pools of model objects with generation numbers, so that a
// use after free, a double free or an object left alive at the end of a run
// is a reported violation instead of undefined behaviour.
//
// Models nothing in the kernel (the kernel's slab caches, kmem_cache_alloc /
// kmem_cache_free, are where a real use after free would corrupt memory).
//
// Contract:
// - T is default-constructible and has a public member `arena_slot slot;`.
//   Alloc() hands out an object in its default state with slot.live set;
//   Free() runs ~T() and constructs a fresh default T in the same storage
//   (slot.live cleared, generation bumped), so a stale pointer still points
//   at a valid, dead object: reading it is defined behaviour and every
//   checked entry point (Check / Deref) reports it.
// - Storage never moves and is never returned to the host during a run.
// - Freed slots are reused in FIFO order and only once `quarantine` slots
//   are waiting, so a stale pointer keeps pointing at a dead object for a
//   while instead of aliasing a new one (as KASAN's quarantine does). A
//   handle {index, generation} detects reuse exactly.
// - Every object gets an id (1, 2, 3 ... in allocation order, never reused
//   within the arena): the id traces and violation messages print.
// - Deterministic: no addresses decide anything; ForEachLive() walks slots
//   in index order.
#ifndef AIOSIM_KERNEL_MODEL_ARENA_H_
#define AIOSIM_KERNEL_MODEL_ARENA_H_

#include <cstdint>
#include <deque>
#include <memory>
#include <new>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sim/check.h"

namespace kernel {

struct arena_handle {
  uint32_t index = UINT32_MAX;
  uint32_t generation = 0;
  bool valid() const { return index != UINT32_MAX; }
  bool operator==(const arena_handle& o) const {
    return index == o.index && generation == o.generation;
  }
};

// The per-object bookkeeping an arena object embeds as `slot`.
struct arena_slot {
  uint32_t index = UINT32_MAX;
  uint32_t generation = 0;
  uint64_t id = 0;  // 0 while free
  bool live = false;
};

template <typename T>
class Arena {
 public:
  explicit Arena(std::string name, size_t quarantine = 64)
      : name_(std::move(name)), quarantine_(quarantine) {}
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;

  // A live object in its default state.
  T* Alloc() {
    uint32_t index;
    if (free_.size() > quarantine_) {
      index = free_.front();
      free_.pop_front();
    } else {
      index = static_cast<uint32_t>(objs_.size());
      SIM_CHECK(index != UINT32_MAX) << name_ << ": arena full";
      objs_.push_back(std::make_unique<T>());
      objs_.back()->slot.index = index;
    }
    T* obj = objs_[index].get();
    obj->slot.live = true;
    obj->slot.id = ++last_id_;
    ++live_;
    return obj;
  }

  // Destroys a live object. Freeing a dead one is a violation (double free).
  void Free(T* obj, std::string_view who) {
    Check(obj, who);
    arena_slot old = obj->slot;
    obj->~T();
    new (obj) T();
    obj->slot.index = old.index;
    obj->slot.generation = old.generation + 1;
    obj->slot.id = 0;
    obj->slot.live = false;
    free_.push_back(old.index);
    --live_;
  }

  // Violation unless obj is a live object of this arena. The test is inline
  // (it runs several times per request); the report is out of line.
  void Check(const T* obj, std::string_view who) const {
    if (obj != nullptr && Owns(obj) && obj->slot.live) [[likely]] return;
    CheckFailed(obj, who);
  }

  arena_handle HandleOf(const T* obj) const { return {obj->slot.index, obj->slot.generation}; }
  // The object a handle names, or nullptr if it was freed (or reused) since.
  T* Get(arena_handle h) const {
    if (!h.valid() || h.index >= objs_.size()) return nullptr;
    T* obj = objs_[h.index].get();
    return obj->slot.live && obj->slot.generation == h.generation ? obj : nullptr;
  }
  // As Get, but a stale handle is a violation.
  T* Deref(arena_handle h, std::string_view who) const {
    T* obj = Get(h);
    SIM_CHECK(obj != nullptr) << who << ": use after free of " << name_ << " (slot " << h.index
                              << " generation " << h.generation << ")";
    return obj;
  }

  bool IsLive(const T* obj) const { return obj && Owns(obj) && obj->slot.live; }
  bool Owns(const T* obj) const {
    return obj->slot.index < objs_.size() && objs_[obj->slot.index].get() == obj;
  }

  // Calls fn(T*) for every live object, in slot order.
  template <typename Fn>
  void ForEachLive(Fn&& fn) const {
    for (const auto& p : objs_) {
      if (p->slot.live) fn(p.get());
    }
  }

  size_t live() const { return live_; }
  size_t capacity() const { return objs_.size(); }
  uint64_t allocated_total() const { return last_id_; }
  const std::string& name() const { return name_; }

 private:
  [[gnu::cold, gnu::noinline]] void CheckFailed(const T* obj, std::string_view who) const {
    SIM_CHECK(obj != nullptr) << who << ": null " << name_;
    SIM_CHECK(Owns(obj)) << who << ": pointer is not a " << name_ << " of this run";
    SIM_CHECK(obj->slot.live) << who << ": use after free of " << name_ << " (slot "
                              << obj->slot.index << ")";
  }

  std::string name_;
  size_t quarantine_;
  std::vector<std::unique_ptr<T>> objs_;
  std::deque<uint32_t> free_;
  size_t live_ = 0;
  uint64_t last_id_ = 0;
};

}  // namespace kernel

#endif  // AIOSIM_KERNEL_MODEL_ARENA_H_
