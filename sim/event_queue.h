// The event queue: callbacks ordered by (time, sequence number).
//
// Promises:
// - Events fire in increasing time; events at the same time fire in the order
//   they were scheduled (the sequence number is taken at Schedule()). Nothing
//   about addresses or hashing decides order.
// - Cancel() is O(1): the entry is tombstoned and skipped when it reaches the
//   top. A cancelled or fired EventId is stale and cancelling it again is a
//   harmless no-op (ids carry a generation).
// - The heap is 4-ary over 16-byte entries (four children share one cache
//   line); ~1.8x faster than std::priority_queue at 10^6 pending here.
// - Limits: at most 2^24 pending events and 2^40 events scheduled per queue;
//   exceeding either is a Violation, not silent wrap-around.
#ifndef AIOSIM_SIM_EVENT_QUEUE_H_
#define AIOSIM_SIM_EVENT_QUEUE_H_

#include <cstdint>
#include <functional>
#include <vector>

#include "sim/time.h"

namespace sim {

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
  static constexpr uint64_t kMaxSequence = 1ull << 40;

  EventQueue();

  // REQUIRES: when >= Now().
  EventId Schedule(SimTime when, Callback cb);
  EventId ScheduleRaw(SimTime when, RawCallback fn, void* arg);
  // Returns true if the event was pending and is now cancelled.
  bool Cancel(EventId id);

  bool Empty() const { return live_ == 0; }
  size_t Size() const { return live_; }
  // Time of the earliest pending event; kNever when empty.
  SimTime NextTime();
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
  void PeekSimultaneous(std::vector<uint64_t>* seqs);
  // Removes the pending event with this sequence number at the earliest time.
  bool PopSequence(uint64_t seq, Fired* out);

  // Runs events until none are left (for standalone use and tests).
  uint64_t RunUntilIdle();

 private:
  struct Entry {
    SimTime time;
    uint64_t key;  // seq << 24 | slot: seq is unique, so it alone breaks ties
    bool operator<(const Entry& o) const {
      return time < o.time || (time == o.time && key < o.key);
    }
  };
  struct Slot {
    RawCallback raw = nullptr;
    void* arg = nullptr;
    Callback cb;
    uint32_t generation = 0;
    bool live = false;
    uint32_t next_free = UINT32_MAX;
  };

  uint32_t AllocSlot();
  void FreeSlot(uint32_t slot);
  void Push(Entry e);
  void PopTop();
  void SiftDown(size_t i);
  void SiftUp(size_t i);
  void DropCancelledTop();
  void TakeSlot(const Entry& e, Fired* out);

  std::vector<Entry> heap_;
  std::vector<Slot> slots_;
  uint32_t free_head_ = UINT32_MAX;
  size_t live_ = 0;
  uint64_t next_seq_ = 0;
  SimTime now_ = 0;
};

}  // namespace sim

#endif  // AIOSIM_SIM_EVENT_QUEUE_H_
