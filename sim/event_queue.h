// The event queue: callbacks ordered by (time, sequence number).
//
// Promises:
// - Events fire in increasing time; events at the same time fire in the order
//   they were scheduled (the sequence number is taken at Schedule()). Nothing
//   about addresses or hashing decides order.
// - Cancel() is O(1): the entry is tombstoned and skipped when it is reached;
//   when tombstones outnumber live events the queue is swept, so cancelled
//   far-future timeouts do not pile up. A cancelled or fired EventId is stale
//   and cancelling it again is a harmless no-op (ids carry a generation).
// - Schedule and Pop are O(1) amortized: the queue is a hierarchical timing
//   wheel in radix form (a "radix heap" with 64-way levels) in front of a
//   short sorted run. Level j of the wheel holds the events whose time first
//   differs from the wheel's base time `cur_` in bits [6j, 6j+6), in the
//   bucket named by those bits; level 0 buckets hold one exact time each.
//   Events are popped from the run. When it is empty, the lowest occupied
//   bucket becomes the run if it is small (a level-0 bucket, or at most
//   kRunMax entries, sorted by time on the way); a bigger one is spread into
//   the levels below it around its earliest time. An event moves down at
//   most once per level (for delays up to 1 ms: one move, then a short sort,
//   at 1k pending), and every move is a sequential append, so a deep queue
//   costs little more than a shallow one (docs/performance.md has the
//   figures, with the 4-ary heap this replaced). Buckets stay in sequence
//   order without sorting: appends come in sequence order, and a bucket is
//   only spread into buckets that are empty.
// - Limits: at most 2^24 pending events and 2^39 events scheduled per queue;
//   exceeding either is a Violation, not silent wrap-around. Times are
//   non-negative (the clock starts at 0 and never runs backwards).
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
// deep queue); 64-byte aligned below that.
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
// A callback without captures: fn(arg, word), a pointer and one 64-bit word
// kept in the event's slot (which has room for them). The fast path for
// fiber wake-ups and device completions: no std::function to build, move
// and destroy.
using RawCallback = void (*)(void* arg, uint64_t word);

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
  EventId ScheduleRaw(SimTime when, RawCallback fn, void* arg, uint64_t word = 0);
  // Returns true if the event was pending and is now cancelled. Its callback
  // (and whatever it captured) is destroyed at once.
  bool Cancel(EventId id);

  bool Empty() const { return live_ == 0; }
  size_t Size() const { return live_; }
  // Time of the earliest pending event; kNever when empty.
  // Does not move the wheel's base far past Now() (it may drop tombstones,
  // take a small lowest bucket as the run, and spread a big one whose range
  // starts within one sub-bucket of Now()): events scheduled after a peek,
  // however soon, are filed as usual.
  SimTime NextTime() {
    if (!run_.empty() && Alive(run_.front())) return run_.front().time;
    return PeekSlow();
  }
  // NextTime() for a caller about to Pop(): may reorganise the queue ahead
  // of Now() (spread the bucket it finds, which NextTime() only scans), so
  // the pop that follows finds its event ready.
  SimTime FrontTime() {
    const Bucket* b = Front();
    return b != nullptr ? b->front().time : kNever;
  }
  // A hint for prefetching what the coming events will touch: the argument
  // of the earliest pending event (ahead == 0), or of the one after it
  // (ahead == 1), if its raw callback is `fn`; else nullptr, also when that
  // event is not known without work (call NextTime() first). Only a hint:
  // the event may be cancelled, or another scheduled before it, before it
  // fires.
  void* NextArgIf(RawCallback fn, uint32_t ahead = 0) const {
    if (run_.size - run_.head <= ahead) return nullptr;
    const Slot& s = slots_[SlotOf(run_.v[run_.head + ahead].key)];
    return s.raw == fn ? s.arg : nullptr;
  }
  SimTime Now() const { return now_; }
  uint64_t Scheduled() const { return next_seq_; }

  // One fired event, removed from the queue. Exactly one of raw/cb is set.
  struct Fired {
    SimTime time = 0;
    uint64_t seq = 0;
    RawCallback raw = nullptr;
    void* arg = nullptr;
    uint64_t word = 0;
    Callback cb;
    void Run() {
      if (raw) {
        raw(arg, word);
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
  // O(k) for k such events.
  void PeekSimultaneous(std::vector<uint64_t>* seqs);
  // How many pending events are at the earliest time: PeekSimultaneous's
  // size, without gathering them (for the FIFO chooser). O(k) the first time
  // for an instant, then O(1) while its events are popped one by one (k
  // completions due together would otherwise cost O(k^2)).
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
  // Entries [head, size) of v: in sequence order in a wheel bucket, in
  // (time, seq) order in the run. Its storage is kept when it empties (a
  // bucket fills again within a few wheel turns).
  struct Bucket {
    Entry* v = nullptr;
    uint32_t head = 0;
    uint32_t size = 0;
    uint32_t cap = 0;
    bool empty() const { return head == size; }
    const Entry& front() const { return v[head]; }
    void push_back(const Entry& e) {
      if (size == cap) [[unlikely]] Grow();
      v[size++] = e;
    }
    // Returns true when the bucket became empty.
    bool pop_front() {
      if (++head != size) return false;
      head = size = 0;
      return true;
    }
    void Grow();
    void Reserve(uint32_t n);  // capacity n >= size
  };
  // The callback's slot. `link` is the next free slot while free, else one
  // of the two states below.
  struct alignas(32) Slot {
    RawCallback raw = nullptr;  // nullptr: the callback is in callbacks_
    void* arg = nullptr;
    uint64_t word = 0;
    uint32_t generation = 0;
    uint32_t link = kLinkEnd;
  };
  static_assert(sizeof(Slot) == 32, "a slot is half a cache line");
  static constexpr uint32_t kLinkEnd = UINT32_MAX;
  static constexpr uint32_t kLive = UINT32_MAX - 1;
  static constexpr uint32_t kCancelled = UINT32_MAX - 2;
  static constexpr uint64_t kSlotBits = 24;
  static constexpr uint64_t kCallbackBit = 1ull << kSlotBits;
  static constexpr uint64_t kSeqShift = kSlotBits + 1;
  // The wheel: 11 levels of 64 buckets cover every 64-bit time. 64-way
  // levels measured best here: a spread into level 0 is short enough to
  // prefetch every slot it will pop, and a level's bitmap is one word.
  static constexpr int kLevelBits = 6;
  static constexpr int kBuckets = 1 << kLevelBits;
  static constexpr int kLevels = (64 + kLevelBits - 1) / kLevelBits;
  static_assert(kBuckets == 64, "a level's bitmap is one 64-bit word");

  static uint32_t SlotOf(uint64_t key) { return static_cast<uint32_t>(key & ((1u << kSlotBits) - 1)); }
  bool IsLive(const Entry& e) const { return slots_[SlotOf(e.key)].link == kLive; }
  // IsLive without touching the slot when nothing is cancelled (the common
  // case: the slot is a cache miss on a big queue).
  bool Alive(const Entry& e) const { return tombstones_ == 0 || IsLive(e); }

  uint32_t AllocSlot();
  void FreeSlot(uint32_t slot) {
    Slot& s = slots_[slot];
    ++s.generation;
    s.link = free_head_;
    free_head_ = slot;
  }
  EventId Push(SimTime when, uint32_t slot);
  EventId ScheduleRawSlow(SimTime when, RawCallback fn, void* arg, uint64_t word);

  // A bucket this small (or a level-0 bucket) becomes the run when it is the
  // lowest; a bigger one is spread. Sorting k entries costs ~k/4 shifts each
  // and about one mispredicted branch; spreading costs a filing each and a
  // visit per lower bucket later.
  static constexpr uint32_t kRunMax = 16;

  // Where the wheel files time t around the base: the level of the highest
  // bit in which they differ (t == base files at level 0), and t's bits of
  // that level.
  struct Place {
    unsigned level;
    unsigned bucket;
  };
  static Place PlaceOf(uint64_t t, uint64_t base) {
    const unsigned level = static_cast<unsigned>(63 - __builtin_clzll((t ^ base) | 1)) / kLevelBits;
    return Place{level, static_cast<unsigned>(t >> (kLevelBits * level)) & (kBuckets - 1)};
  }
  // Files an entry: into the run when it is earlier than sorted_below_, else
  // into the wheel around cur_. By value: an Entry built in memory by two
  // 8-byte stores and copied by one 16-byte load stalls store forwarding.
  void Put(Entry e) {
    const uint64_t t = static_cast<uint64_t>(e.time);
    if (t < sorted_below_) [[unlikely]] {
      PutRun(e);
      return;
    }
    const Place p = PlaceOf(t, cur_);
    wheel_[p.level][p.bucket].push_back(e);
    occupied_[p.level] |= 1ull << p.bucket;
    levels_ |= 1u << p.level;
  }
  void PutRun(Entry e);
  int LowestBucket(int level) const { return __builtin_ctzll(occupied_[level]); }
  void MarkEmpty(int level, int b) {
    occupied_[level] &= ~(1ull << b);
    if (occupied_[level] == 0) levels_ &= ~(1u << level);
  }
  // The run, with a live entry at its front (the earliest pending event);
  // nullptr when nothing is pending. Drops tombstones and refills the run
  // from the wheel as needed.
  Bucket* Front() { return !run_.empty() && Alive(run_.front()) ? &run_ : FrontSlow(); }
  Bucket* FrontSlow();
  // NextTime() when the run's front is not a live entry.
  SimTime PeekSlow();
  // Refills the run; with `spread` false a big lowest bucket is scanned, not
  // spread (a peek must not move the base past Now()): nullptr is returned
  // and its earliest live time stored in *earliest.
  Bucket* Locate(bool spread, uint64_t* earliest);
  bool SpreadIsHarmless(int level, int b) const;  // REQUIRES: level >= 1
  void TakeRun(int level, int b);
  template <typename Lane>
  static void RankSortLanes(const Entry* in, uint32_t k, uint64_t start, int64_t bias, Entry* out);
  static void RankSortWide(const Entry* in, uint32_t k, uint64_t start, Entry* out);
  uint64_t Compact(Bucket& src);
  void Spread(int level, int b);
  void SpreadEntries(const Entry* in, const Entry* end, int level);
  // Removes the run's front (a live entry).
  void PopFront() {
    const uint64_t t = static_cast<uint64_t>(run_.front().time);
    if (t == counted_time_) --counted_;
    if (run_.pop_front()) RunEmptied(t);
  }
  // The run is empty; `last` is the time of its last entry. The wheel's base
  // may move up to it (see TakeRun()), and nothing is sorted any more.
  void RunEmptied(uint64_t last) {
    counted_time_ = kNotCounted;
    if (last > cur_ && last < sorted_below_) cur_ = last;
    sorted_below_ = cur_;
  }
  void Sweep();
  void TakeSlot(const Entry& e, Fired* out) {
    const uint32_t slot = SlotOf(e.key);
    Slot& s = slots_[slot];
    out->time = e.time;
    out->seq = e.key >> kSeqShift;
    if (s.raw != nullptr) {
      out->raw = s.raw;
      out->arg = s.arg;
      out->word = s.word;
      if (out->cb) out->cb = nullptr;
    } else {
      TakeCallback(slot, out);
    }
    --live_;
    FreeSlot(slot);
    now_ = e.time;
  }
  void TakeCallback(uint32_t slot, Fired* out);

  Bucket wheel_[kLevels][kBuckets];
  uint64_t occupied_[kLevels] = {};  // bit b: wheel_[level][b] non-empty
  uint32_t levels_ = 0;                      // bit j: level j non-empty
  // The wheel's base: every wheel entry's time is >= sorted_below_ >= cur_,
  // filed by its highest bit differing from cur_. Raised by spreads and by
  // runs taken from the wheel; it may run ahead of Now() (a peek or
  // PeekSimultaneous() took a run), which sorted_below_ covers.
  uint64_t cur_ = 0;
  // The run: pending entries earlier than sorted_below_, in (time, seq)
  // order; popped from the front. Taken from the lowest wheel bucket (which
  // then bounds it: sorted_below_ is the end of that bucket's time range), or
  // empty with sorted_below_ == cur_. Events scheduled below sorted_below_
  // are inserted in order (rare: within one small bucket's range, or between
  // Now() and a base that a peek moved ahead).
  Bucket run_;
  uint64_t sorted_below_ = 0;
  // CountSimultaneous()'s last answer: counted_ live events at
  // counted_time_, the run's front time, all of them in the run. Kept by
  // pops and by events joining the run at that time; forgotten
  // (kNotCounted) on a cancel, a sweep or when the run empties.
  static constexpr uint64_t kNotCounted = UINT64_MAX;
  uint64_t counted_time_ = kNotCounted;
  size_t counted_ = 0;
  std::vector<Slot, internal::BigAllocator<Slot>> slots_;
  std::vector<Callback> callbacks_;  // parallel to slots_
  uint32_t free_head_ = kLinkEnd;
  size_t live_ = 0;
  size_t tombstones_ = 0;  // cancelled entries still filed
  uint64_t next_seq_ = 0;
  SimTime now_ = 0;
};

// The hot paths, inline: one combined check, the rare cases out of line.
inline EventId EventQueue::ScheduleRaw(SimTime when, RawCallback fn, void* arg, uint64_t word) {
  if (when < now_ || fn == nullptr || free_head_ == kLinkEnd || next_seq_ >= kMaxSequence) [[unlikely]] {
    return ScheduleRawSlow(when, fn, arg, word);
  }
  const uint32_t slot = free_head_;
  Slot& s = slots_[slot];
  free_head_ = s.link;
  s.raw = fn;
  s.arg = arg;
  s.word = word;
  s.link = kLive;
  ++live_;
  Put(Entry{when, (next_seq_++ << kSeqShift) | slot});
  return EventId{slot, s.generation};
}

inline bool EventQueue::Pop(Fired* out) {
  if (Front() == nullptr) return false;
  const Entry e = run_.front();
  PopFront();
  TakeSlot(e, out);
  return true;
}

}  // namespace sim

#endif  // AIOSIM_SIM_EVENT_QUEUE_H_
