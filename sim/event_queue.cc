#include "sim/event_queue.h"

#include <algorithm>
#include <cstring>
#include <new>
#include <utility>

#if defined(__linux__)
#include <sys/mman.h>
#endif

#include "sim/check.h"

namespace sim {

namespace {

// The key layout is EventQueue's (private): seq << 25 | callback bit << 24 | slot.
inline uint32_t SlotOf(uint64_t key) { return static_cast<uint32_t>(key & ((1ull << 24) - 1)); }
inline uint64_t SeqOf(uint64_t key) { return key >> 25; }
inline bool HasCallback(uint64_t key) { return (key >> 24) & 1; }

// Heap arithmetic for the root-at-3 layout (see kRoot).
inline size_t FirstChild(size_t pos) { return 4 * pos - 8; }
inline size_t Parent(size_t pos) { return (pos >> 2) + 2; }

// Above this many positions the heap no longer fits the inner caches and a
// pop prefetches the grandchildren while it compares the children.
constexpr size_t kPrefetchFrom = 16 * 1024;
// Above this many (4 MiB of entries), the bottom of the heap is out of L2.
constexpr size_t kDeepPrefetchFrom = 256 * 1024;

// Entry is private to EventQueue: these helpers are templates over it.
struct Ordering {
  // (time, key) as one 128-bit number: comparisons without data-dependent
  // branches. Times are never negative (Schedule() refuses the past and the
  // clock starts at 0), so their bits order correctly as unsigned.
  template <typename E>
  static unsigned __int128 Key(const E& e) {
    return (static_cast<unsigned __int128>(static_cast<uint64_t>(e.time)) << 64) | e.key;
  }
  template <typename E>
  static bool Less(const E& a, const E& b) {
    return Key(a) < Key(b);
  }
  // Index (0..3) of the least of four consecutive entries, by arithmetic
  // selection rather than ?: so that the compiler emits no branch: on random
  // times a branch would mispredict half the time (this alone took a pop at
  // 1k pending from ~95 to ~55 ns here).
  template <typename E>
  static size_t MinOf4(const E* c) {
    const unsigned __int128 k0 = Key(c[0]), k1 = Key(c[1]), k2 = Key(c[2]), k3 = Key(c[3]);
    const size_t b01 = k1 < k0;
    const size_t b23 = k3 < k2;
    const unsigned __int128 m01 = b01 ? k1 : k0;
    const unsigned __int128 m23 = b23 ? k3 : k2;
    const size_t b = m23 < m01;
    return (b01 & (b ^ 1)) | ((2 + b23) & (0 - b));
  }
};

}  // namespace

uint32_t EventQueue::AllocSlot() {
  if (free_head_ != kLinkEnd) {
    const uint32_t s = free_head_;
    free_head_ = slots_[s].link;
    return s;
  }
  SIM_CHECK(slots_.size() < kMaxPending) << "more than " << kMaxPending << " pending events";
  slots_.emplace_back();
  callbacks_.emplace_back();
  return static_cast<uint32_t>(slots_.size() - 1);
}

namespace internal {
namespace {
constexpr size_t kHugePage = 2 << 20;
}  // namespace

void* AllocBig(size_t bytes) {
  if (bytes < kHugePage) return ::operator new(bytes, std::align_val_t{64});
  void* p = ::operator new(bytes, std::align_val_t{kHugePage});
#if defined(__linux__)
  madvise(p, bytes, MADV_HUGEPAGE);  // advice only: failure changes nothing
#endif
  return p;
}

void FreeBig(void* p, size_t bytes) {
  if (p == nullptr) return;
  ::operator delete(p, std::align_val_t{bytes < kHugePage ? 64 : kHugePage});
}
}  // namespace internal

EventQueue::~EventQueue() { internal::FreeBig(heap_, cap_ * sizeof(Entry)); }

void EventQueue::Grow() {
  const size_t cap = cap_ == 0 ? 256 : 2 * cap_;
  auto* heap = static_cast<Entry*>(internal::AllocBig(cap * sizeof(Entry)));
  if (heap_ != nullptr) std::memcpy(heap, heap_, end_ * sizeof(Entry));
  // Sentinels: greater than every real entry (a real key is < 2^64 - 1).
  for (size_t i = (heap_ != nullptr ? end_ : 0); i < cap; ++i) heap[i] = Entry{kNever, UINT64_MAX};
  internal::FreeBig(heap_, cap_ * sizeof(Entry));
  heap_ = heap;
  cap_ = cap;
}

EventId EventQueue::Push(SimTime when, uint32_t slot) {
  Slot& s = slots_[slot];
  s.link = kLive;
  ++live_;
  if (end_ >= cap_) Grow();
  const uint64_t kind = s.raw == nullptr ? kCallbackBit : 0;
  SiftUp(end_++, Entry{when, (next_seq_++ << kSeqShift) | kind | slot});
  return EventId{slot, s.generation};
}

EventId EventQueue::Schedule(SimTime when, Callback cb) {
  SIM_CHECK(when >= now_) << "event scheduled in the past: " << when << " < " << now_;
  SIM_CHECK(next_seq_ < kMaxSequence) << "event sequence exhausted";
  SIM_CHECK(static_cast<bool>(cb)) << "empty callback scheduled";
  const uint32_t slot = AllocSlot();
  slots_[slot].raw = nullptr;
  callbacks_[slot] = std::move(cb);
  return Push(when, slot);
}

EventId EventQueue::ScheduleRawSlow(SimTime when, RawCallback fn, void* arg) {
  SIM_CHECK(when >= now_) << "event scheduled in the past: " << when << " < " << now_;
  SIM_CHECK(next_seq_ < kMaxSequence) << "event sequence exhausted";
  SIM_CHECK(fn != nullptr) << "empty raw callback scheduled";
  const uint32_t slot = AllocSlot();
  slots_[slot].raw = fn;
  slots_[slot].arg = arg;
  return Push(when, slot);
}

bool EventQueue::Cancel(EventId id) {
  if (id.slot >= slots_.size()) return false;  // also the invalid id
  Slot& s = slots_[id.slot];
  if (s.link != kLive || s.generation != id.generation) return false;
  // Tombstone: the heap entry stays until it reaches the top or a compaction.
  s.link = kCancelled;
  if (s.raw == nullptr) callbacks_[id.slot] = nullptr;
  --live_;
  ++tombstones_;
  if (tombstones_ >= 1024 && tombstones_ > live_) Compact();
  return true;
}

// Classic sift-down (compares with the moving entry at each level); used for
// heapify and arbitrary removal. Pops use the bottom-up variant in PopTop().
void EventQueue::SiftDown(size_t pos) {
  const Entry e = heap_[pos];
  for (;;) {
    const size_t first = FirstChild(pos);
    if (first >= end_) break;
    const size_t best = first + Ordering::MinOf4(heap_ + first);
    if (!Ordering::Less(heap_[best], e)) break;
    heap_[pos] = heap_[best];
    pos = best;
  }
  heap_[pos] = e;
}

// Removes the root. Floyd's bottom-up pop: walk the hole down along the
// least children to a leaf (no comparison with the moved entry, so the loop
// exit is predictable), then sift the former last entry up from there; it
// usually belongs near the bottom.
void EventQueue::PopTop() {
  const size_t last = --end_;
  const Entry moved = heap_[last];
  heap_[last] = Entry{kNever, UINT64_MAX};
  if (last == kRoot) return;
  size_t hole = kRoot;
  if (end_ >= kPrefetchFrom) {
    for (;;) {
      const size_t first = FirstChild(hole);
      if (first >= end_) break;
      const size_t grand = FirstChild(first);
      if (grand < end_) {
        // The next level: the children of all four candidates, 4 lines.
        const char* g = reinterpret_cast<const char*>(heap_ + grand);
        __builtin_prefetch(g);
        __builtin_prefetch(g + 64);
        __builtin_prefetch(g + 128);
        __builtin_prefetch(g + 192);
        // On a heap far larger than L2, the bottom level (3/4 of the entries,
        // positions >= end_/4) comes from L3 or memory: there, fetch two
        // levels ahead (16 lines) so its latency overlaps two levels of work.
        const size_t great = FirstChild(grand);
        if (end_ >= kDeepPrefetchFrom && great >= end_ / 4 && great < end_) {
          const char* q = reinterpret_cast<const char*>(heap_ + great);
          for (int line = 0; line < 16; ++line) __builtin_prefetch(q + 64 * line);
        }
      }
      const size_t best = first + Ordering::MinOf4(heap_ + first);
      heap_[hole] = heap_[best];
      hole = best;
    }
  } else {
    for (;;) {
      const size_t first = FirstChild(hole);
      if (first >= end_) break;
      const size_t best = first + Ordering::MinOf4(heap_ + first);
      heap_[hole] = heap_[best];
      hole = best;
    }
  }
  SiftUp(hole, moved);
  // The next pop reads the new top's slot (and, for a std::function event,
  // its callback): start fetching them now.
  const uint64_t next = heap_[kRoot].key;
  __builtin_prefetch(&slots_[SlotOf(next)]);
  if (HasCallback(next)) __builtin_prefetch(&callbacks_[SlotOf(next)]);
}

void EventQueue::RemoveAt(size_t pos) {
  const size_t last = --end_;
  const Entry moved = heap_[last];
  heap_[last] = Entry{kNever, UINT64_MAX};
  if (pos == last) return;
  if (pos > kRoot && Ordering::Less(moved, heap_[Parent(pos)])) {
    SiftUp(pos, moved);
  } else {
    heap_[pos] = moved;
    SiftDown(pos);
  }
}

// Removes tombstoned entries from the top so heap_[kRoot] (if any) is live.
void EventQueue::DropCancelledTop() {
  while (end_ > kRoot) {
    const uint32_t slot = SlotOf(heap_[kRoot].key);
    if (slots_[slot].link == kLive) return;
    FreeSlot(slot);
    --tombstones_;
    PopTop();
  }
}

// Drops every tombstone and rebuilds the heap in O(n). Order is unaffected:
// it is a function of (time, seq) only.
void EventQueue::Compact() {
  size_t w = kRoot;
  for (size_t r = kRoot; r < end_; ++r) {
    const uint32_t slot = SlotOf(heap_[r].key);
    if (slots_[slot].link == kLive) {
      heap_[w++] = heap_[r];
    } else {
      FreeSlot(slot);
    }
  }
  for (size_t i = w; i < end_; ++i) heap_[i] = Entry{kNever, UINT64_MAX};
  end_ = w;
  tombstones_ = 0;
  if (end_ <= kRoot + 1) return;
  for (size_t pos = Parent(end_ - 1) + 1; pos-- > kRoot;) SiftDown(pos);
}

void EventQueue::TakeCallback(uint32_t slot, Fired* out) {
  out->raw = nullptr;
  out->arg = nullptr;
  out->cb = std::move(callbacks_[slot]);
}

void EventQueue::PeekSimultaneous(std::vector<uint64_t>* seqs) {
  seqs->clear();
  if (tombstones_ != 0) DropCancelledTop();
  if (end_ == kRoot) return;
  const SimTime t = heap_[kRoot].time;
  // Walk the region of the heap at time t: a child is never earlier than its
  // parent, so the region is a subtree containing the root.
  walk_.clear();
  walk_.push_back(kRoot);
  while (!walk_.empty()) {
    const size_t pos = walk_.back();
    walk_.pop_back();
    if (slots_[SlotOf(heap_[pos].key)].link == kLive) seqs->push_back(SeqOf(heap_[pos].key));
    const size_t first = FirstChild(pos);
    for (size_t c = first; c < first + 4 && c < end_; ++c) {
      if (heap_[c].time == t) walk_.push_back(c);
    }
  }
  std::sort(seqs->begin(), seqs->end());
}

size_t EventQueue::CountSimultaneous() {
  if (tombstones_ != 0) DropCancelledTop();
  if (end_ == kRoot) return 0;
  const SimTime t = heap_[kRoot].time;
  size_t n = 0;
  walk_.clear();
  walk_.push_back(kRoot);
  while (!walk_.empty()) {
    const size_t pos = walk_.back();
    walk_.pop_back();
    if (slots_[SlotOf(heap_[pos].key)].link == kLive) ++n;
    const size_t first = FirstChild(pos);
    for (size_t c = first; c < first + 4 && c < end_; ++c) {
      if (heap_[c].time == t) walk_.push_back(c);
    }
  }
  return n;
}

// Position of the entry with this seq at the earliest time, or 0.
size_t EventQueue::FindSimultaneous(uint64_t seq) {
  const SimTime t = heap_[kRoot].time;
  walk_.clear();
  walk_.push_back(kRoot);
  while (!walk_.empty()) {
    const size_t pos = walk_.back();
    walk_.pop_back();
    if (SeqOf(heap_[pos].key) == seq) return pos;
    const size_t first = FirstChild(pos);
    for (size_t c = first; c < first + 4 && c < end_; ++c) {
      if (heap_[c].time == t) walk_.push_back(c);
    }
  }
  return 0;
}

bool EventQueue::PopSequence(uint64_t seq, Fired* out) {
  if (tombstones_ != 0) DropCancelledTop();
  if (end_ == kRoot) return false;
  const size_t pos = FindSimultaneous(seq);
  if (pos == 0) return false;
  const Entry e = heap_[pos];
  if (slots_[SlotOf(e.key)].link != kLive) return false;
  RemoveAt(pos);
  TakeSlot(e, out);
  return true;
}

uint64_t EventQueue::RunUntilIdle() {
  uint64_t n = 0;
  Fired f;
  while (Pop(&f)) {
    f.Run();
    ++n;
  }
  return n;
}

}  // namespace sim
