// The event queue: callbacks ordered by (time, sequence number).
//
// Promises:
// - Events fire in increasing time; events at the same time fire in the order
//   they were scheduled (the sequence number is taken at Schedule()). Nothing
//   about addresses or hashing decides order.
// - Cancel() is O(1): the entry is tombstoned and skipped when it reaches the
//   top; when tombstones outnumber live events the heap is compacted, so
//   cancelled far-future timeouts do not pile up. A cancelled or fired EventId
//   is stale and cancelling it again is a harmless no-op (ids carry a
//   generation).
// - The heap is 4-ary over 16-byte entries, laid out so that the four
//   children of a node fill exactly one 64-byte cache line; a pop moves the
//   hole down to a leaf first (Floyd) with branch-free child selection and
//   prefetches the next level on large heaps. See docs/performance.md for the
//   figures against std::priority_queue.
// - Limits: at most 2^24 pending events and 2^39 events scheduled per queue;
//   exceeding either is a Violation, not silent wrap-around.
#ifndef AIOSIM_SIM_EVENT_QUEUE_H_
#define AIOSIM_SIM_EVENT_QUEUE_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "sim/time.h"

namespace sim {

namespace internal {
// Storage for the queue's big arrays: from 2 MiB up, 2 MiB aligned and
// offered to the kernel for transparent huge pages (fewer TLB misses on a
// deep heap); 64-byte aligned below that.
void* AllocBig(size_t bytes);
void FreeBig(void* p, size_t bytes);
template <typename T>
struct BigAllocator {
  using value_type = T;
  BigAllocator() = default;
  template <typename U>
  BigAllocator(const BigAllocator<U>&) {}
  T* allocate(size_t n) { return static_cast<T*>(AllocBig(n * sizeof(T))); }
  void deallocate(T* p, size_t n) { FreeBig(p, n * sizeof(T)); }
  bool operator==(const BigAllocator&) const { return true; }
};
}  // namespace internal

using Callback = std::function<void()>;
// A callback without captures: fn(arg). The fast path for fiber wake-ups.
using RawCallback = void (*)(void* arg);

struct EventId {
  uint32_t slot = UINT32_MAX;
  uint32_t generation = 0;
  bool valid() const { return slot != UINT32_MAX; }
};

class EventQueue {
 public:
  static constexpr uint32_t kMaxPending = 1u << 24;
  static constexpr uint64_t kMaxSequence = 1ull << 39;

  EventQueue() = default;
  ~EventQueue();
  EventQueue(const EventQueue&) = delete;
  EventQueue& operator=(const EventQueue&) = delete;

  // REQUIRES: when >= Now(); cb (or fn) is non-empty.
  EventId Schedule(SimTime when, Callback cb);
  EventId ScheduleRaw(SimTime when, RawCallback fn, void* arg);
  // Returns true if the event was pending and is now cancelled. Its callback
  // (and whatever it captured) is destroyed at once.
  bool Cancel(EventId id);

  bool Empty() const { return live_ == 0; }
  size_t Size() const { return live_; }
  // Time of the earliest pending event; kNever when empty.
  SimTime NextTime() {
    if (tombstones_ != 0) DropCancelledTop();
    return end_ > kRoot ? heap_[kRoot].time : kNever;
  }
  SimTime Now() const { return now_; }
  uint64_t Scheduled() const { return next_seq_; }

  // One fired event, removed from the queue. Exactly one of raw/cb is set.
  struct Fired {
    SimTime time = 0;
    uint64_t seq = 0;
    RawCallback raw = nullptr;
    void* arg = nullptr;
    Callback cb;
    void Run() {
      if (raw) {
        raw(arg);
      } else {
        cb();
      }
    }
  };
  // Removes the earliest pending event and advances Now() to its time.
  // Returns false when empty.
  bool Pop(Fired* out);

  // Gathers every pending event at the earliest time, in sequence order,
  // without removing them; for choosers that reorder simultaneous events.
  // O(k log k) for k such events.
  void PeekSimultaneous(std::vector<uint64_t>* seqs);
  // How many pending events are at the earliest time: PeekSimultaneous's
  // size, without gathering or sorting (for the FIFO chooser). O(k).
  size_t CountSimultaneous();
  // Removes the pending event with this sequence number at the earliest time.
  bool PopSequence(uint64_t seq, Fired* out);

  // Runs events until none are left (for standalone use and tests).
  uint64_t RunUntilIdle();

 private:
  struct Entry {
    SimTime time;
    // seq << kSeqShift | kCallbackBit (std::function event) | slot: seq is
    // unique, so it alone breaks ties.
    uint64_t key;
  };
  // The callback's slot. `link` is the next free slot while free, else one
  // of the two states below.
  struct alignas(32) Slot {
    RawCallback raw = nullptr;  // nullptr: the callback is in callbacks_
    void* arg = nullptr;
    uint32_t generation = 0;
    uint32_t link = kLinkEnd;
  };
  static constexpr uint32_t kLinkEnd = UINT32_MAX;
  static constexpr uint32_t kLive = UINT32_MAX - 1;
  static constexpr uint32_t kCancelled = UINT32_MAX - 2;
  // Heap positions start at 3 so that the children of position p, at
  // 4p-8 .. 4p-5, start on a multiple of four (one cache line).
  static constexpr size_t kRoot = 3;
  static constexpr uint64_t kSlotBits = 24;
  static constexpr uint64_t kCallbackBit = 1ull << kSlotBits;
  static constexpr uint64_t kSeqShift = kSlotBits + 1;

  uint32_t AllocSlot();
  void FreeSlot(uint32_t slot) {
    Slot& s = slots_[slot];
    ++s.generation;
    s.link = free_head_;
    free_head_ = slot;
  }
  EventId Push(SimTime when, uint32_t slot);
  EventId ScheduleRawSlow(SimTime when, RawCallback fn, void* arg);
  void Grow();
  void SiftUp(size_t pos, Entry e) {
    while (pos > kRoot) {
      const size_t parent = (pos >> 2) + 2;
      const Entry& p = heap_[parent];
      if (e.time > p.time || (e.time == p.time && e.key > p.key)) break;
      heap_[pos] = p;
      pos = parent;
    }
    heap_[pos] = e;
  }
  void SiftDown(size_t pos);
  void PopTop();
  void RemoveAt(size_t pos);
  void DropCancelledTop();
  void Compact();
  size_t FindSimultaneous(uint64_t seq);
  void TakeSlot(const Entry& e, Fired* out) {
    const uint32_t slot = static_cast<uint32_t>(e.key & ((1u << kSlotBits) - 1));
    Slot& s = slots_[slot];
    out->time = e.time;
    out->seq = e.key >> kSeqShift;
    if (s.raw != nullptr) {
      out->raw = s.raw;
      out->arg = s.arg;
      if (out->cb) out->cb = nullptr;
    } else {
      TakeCallback(slot, out);
    }
    --live_;
    FreeSlot(slot);
    now_ = e.time;
  }
  void TakeCallback(uint32_t slot, Fired* out);

  Entry* heap_ = nullptr;  // cap_ entries, 64-byte aligned; [end_, cap_) hold sentinels
  size_t end_ = kRoot;     // one past the last heap position
  size_t cap_ = 0;
  std::vector<Slot, internal::BigAllocator<Slot>> slots_;
  std::vector<Callback> callbacks_;  // parallel to slots_
  std::vector<size_t> walk_;         // scratch for the simultaneous-event walk
  uint32_t free_head_ = kLinkEnd;
  size_t live_ = 0;
  size_t tombstones_ = 0;  // cancelled entries still in the heap
  uint64_t next_seq_ = 0;
  SimTime now_ = 0;
};

// The hot paths, inline: one combined check, the rare cases out of line.
inline EventId EventQueue::ScheduleRaw(SimTime when, RawCallback fn, void* arg) {
  if (when < now_ || fn == nullptr || free_head_ == kLinkEnd || next_seq_ >= kMaxSequence || end_ >= cap_)
      [[unlikely]] {
    return ScheduleRawSlow(when, fn, arg);
  }
  const uint32_t slot = free_head_;
  Slot& s = slots_[slot];
  free_head_ = s.link;
  s.raw = fn;
  s.arg = arg;
  s.link = kLive;
  ++live_;
  SiftUp(end_++, Entry{when, (next_seq_++ << kSeqShift) | slot});
  return EventId{slot, s.generation};
}

inline bool EventQueue::Pop(Fired* out) {
  if (tombstones_ != 0) DropCancelledTop();
  if (end_ == kRoot) return false;
  const Entry top = heap_[kRoot];
  PopTop();
  TakeSlot(top, out);
  return true;
}

}  // namespace sim

#endif  // AIOSIM_SIM_EVENT_QUEUE_H_
