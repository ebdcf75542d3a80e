#include "sim/event_queue.h"

#include <cstdlib>
#include <cstring>
#include <new>
#include <utility>

#if defined(__linux__)
#include <sys/mman.h>
#endif

#include "sim/check.h"

namespace sim {

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

EventQueue::~EventQueue() {
  for (auto& level : wheel_) {
    for (Bucket& b : level) std::free(b.v);
  }
  std::free(early_.v);
  std::free(refile_.v);
}

void EventQueue::Bucket::Grow() {
  const uint32_t cap2 = cap == 0 ? 4 : 2 * cap;
  void* p = std::realloc(v, size_t{cap2} * sizeof(Entry));
  if (p == nullptr) throw std::bad_alloc();
  v = static_cast<Entry*>(p);
  cap = cap2;
}

EventId EventQueue::Push(SimTime when, uint32_t slot) {
  Slot& s = slots_[slot];
  s.link = kLive;
  ++live_;
  const uint64_t kind = s.raw == nullptr ? kCallbackBit : 0;
  Put(Entry{when, (next_seq_++ << kSeqShift) | kind | slot});
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

// An event earlier than the wheel's base: PeekSimultaneous() spread a bucket
// ahead of Now(), then a callback or fiber scheduled something sooner. early_ is kept
// in (time, seq) order; the newcomer has the highest seq, so it goes after
// every entry at its time.
void EventQueue::PutEarly(const Entry& e) {
  early_.push_back(e);
  uint32_t i = early_.size - 1;
  while (i > early_.head && early_.v[i - 1].time > e.time) {
    early_.v[i] = early_.v[i - 1];
    --i;
  }
  early_.v[i] = e;
}

bool EventQueue::Cancel(EventId id) {
  if (id.slot >= slots_.size()) return false;  // also the invalid id
  Slot& s = slots_[id.slot];
  if (s.link != kLive || s.generation != id.generation) return false;
  // Tombstone: the entry stays filed until it is reached or swept.
  s.link = kCancelled;
  Forget();
  if (s.raw == nullptr) callbacks_[id.slot] = nullptr;
  --live_;
  ++tombstones_;
  if (tombstones_ >= 1024 && tombstones_ > live_) Sweep();
  return true;
}

// Spreads wheel_[level][b] (level >= 1, every lower level empty) around its
// earliest live entry: cur_ becomes that time and each live entry is filed
// again, now at a lower level; tombstones are dropped on the way. Entries are
// re-filed in the bucket's (sequence) order into buckets that are empty, so
// those stay in sequence order.
// Drops src's tombstones, keeping the order of the rest; returns the
// earliest live time, or UINT64_MAX when none is left.
uint64_t EventQueue::Compact(Bucket& src) {
  uint64_t earliest = UINT64_MAX;
  if (tombstones_ == 0) {  // nothing to drop: the slots stay untouched
    for (uint32_t r = src.head; r < src.size; ++r) {
      const uint64_t t = static_cast<uint64_t>(src.v[r].time);
      earliest = t < earliest ? t : earliest;
    }
    return earliest;
  }
  uint32_t w = src.head;
  for (uint32_t r = src.head; r < src.size; ++r) {
    const Entry& e = src.v[r];
    if (IsLive(e)) {
      const uint64_t t = static_cast<uint64_t>(e.time);
      earliest = t < earliest ? t : earliest;
      src.v[w++] = e;
    } else {
      FreeSlot(SlotOf(e.key));
      --tombstones_;
    }
  }
  src.size = w;
  return earliest;
}

void EventQueue::Spread(int level, int b) {
  Bucket& src = wheel_[level][b];
  MarkEmpty(level, b);
  const uint64_t earliest = Compact(src);
  if (earliest != UINT64_MAX) {
    cur_ = earliest;
    // Level 1 spreads into level 0, whose entries are popped next: start
    // fetching their slots (a cache miss each on a deep queue) now.
    if (level == 1) {
      for (uint32_t r = src.head; r < src.size; ++r) __builtin_prefetch(&slots_[SlotOf(src.v[r].key)]);
    }
    for (uint32_t r = src.head; r < src.size; ++r) Put(src.v[r]);
  }
  src.head = src.size = 0;
}

EventQueue::Bucket* EventQueue::FrontSlow() {
  uint64_t earliest;
  Bucket* b = Locate(/*spread=*/true, &earliest);
  Remember(b, earliest);
  return b;
}

void EventQueue::Peek() {
  uint64_t earliest;
  Bucket* b = Locate(/*spread=*/false, &earliest);
  Remember(b, earliest);
}

void EventQueue::Remember(Bucket* b, uint64_t earliest) {
  front_ = b;
  front_time_ = b != nullptr ? static_cast<uint64_t>(b->front().time) : earliest;
  known_ = true;
}

// Finds the earliest live event, dropping the tombstones met on the way.
// Returns its bucket when it is at the front of one: early_, a level-0
// bucket (one exact time each), or a lone entry lower than every other.
// A lowest bucket with several entries is spread when `spread`; otherwise
// (a peek, which must not move the base past Now()) it is only scanned, and
// nullptr is returned with its earliest time in *earliest. With nothing
// pending: nullptr and kNever.
EventQueue::Bucket* EventQueue::Locate(bool spread, uint64_t* earliest) {
  *earliest = static_cast<uint64_t>(kNever);
  for (;;) {
    if (!early_.empty()) {
      if (IsLive(early_.front())) return &early_;
      FreeSlot(SlotOf(early_.front().key));
      --tombstones_;
      early_.pop_front();
      continue;
    }
    if (levels_ == 0) return nullptr;
    const int level = __builtin_ctz(levels_);
    const int b = LowestBucket(level);
    Bucket* bucket = &wheel_[level][b];
    if (level == 0 || bucket->size - bucket->head == 1) {
      if (Alive(bucket->front())) return bucket;
      FreeSlot(SlotOf(bucket->front().key));
      --tombstones_;
      if (bucket->pop_front()) MarkEmpty(level, b);
      continue;
    }
    if (spread) {
      Spread(level, b);
      continue;
    }
    const uint64_t least = Compact(*bucket);
    if (least == UINT64_MAX) {
      bucket->head = bucket->size = 0;
      MarkEmpty(level, b);
      continue;
    }
    *earliest = least;
    return nullptr;
  }
}

void EventQueue::PopFront(Bucket* b) {
  Forget();
  if (b == &early_) {
    early_.pop_front();
    return;
  }
  // The front is the earliest filed entry: the base moves up to it.
  cur_ = static_cast<uint64_t>(b->front().time);
  const auto index = static_cast<int>(b - &wheel_[0][0]);
  const int level = index / kBuckets;
  if (b->pop_front()) {
    MarkEmpty(level, index % kBuckets);
  } else if (level > 0) {
    // A lone entry popped from a higher level may have been joined by later
    // ones (Front() remembered the bucket); they were filed around the old
    // base and must be filed around the new one.
    Refile(level, index % kBuckets);
  }
}

// Files wheel_[level][b]'s entries again around the current base. Every
// level below `level` is empty, so they land in order in empty buckets (or
// back in this one, which is emptied first).
void EventQueue::Refile(int level, int b) {
  MarkEmpty(level, b);
  std::swap(wheel_[level][b], refile_);
  for (uint32_t r = refile_.head; r < refile_.size; ++r) Put(refile_.v[r]);
  refile_.head = refile_.size = 0;
}

// Drops every tombstone. Order is unaffected: survivors keep their buckets
// and their order within them.
void EventQueue::Sweep() {
  auto filter = [this](Bucket& bucket) {
    uint32_t w = 0;
    for (uint32_t r = bucket.head; r < bucket.size; ++r) {
      if (IsLive(bucket.v[r])) {
        bucket.v[w++] = bucket.v[r];
      } else {
        FreeSlot(SlotOf(bucket.v[r].key));
      }
    }
    bucket.head = 0;
    bucket.size = w;
  };
  for (int level = 0; level < kLevels; ++level) {
    for (int b = 0; b < kBuckets; ++b) {
      Bucket& bucket = wheel_[level][b];
      if (bucket.empty()) continue;
      filter(bucket);
      if (bucket.empty()) MarkEmpty(level, b);
    }
  }
  filter(early_);
  tombstones_ = 0;
}

void EventQueue::TakeCallback(uint32_t slot, Fired* out) {
  out->raw = nullptr;
  out->arg = nullptr;
  out->cb = std::move(callbacks_[slot]);
}

// The events at the earliest time are all at the front of one bucket: a
// level-0 bucket holds one time, a lone entry is alone, and early_ is sorted.
void EventQueue::PeekSimultaneous(std::vector<uint64_t>* seqs) {
  seqs->clear();
  Bucket* b = Front();
  if (b == nullptr) return;
  const SimTime t = b->front().time;
  for (uint32_t i = b->head; i < b->size && b->v[i].time == t; ++i) {
    if (IsLive(b->v[i])) seqs->push_back(b->v[i].key >> kSeqShift);
  }
}

size_t EventQueue::CountSimultaneous() {
  Bucket* b = Front();
  if (b == nullptr) return 0;
  const SimTime t = b->front().time;
  size_t n = 0;
  for (uint32_t i = b->head; i < b->size && b->v[i].time == t; ++i) n += Alive(b->v[i]) ? 1 : 0;
  return n;
}

bool EventQueue::PopSequence(uint64_t seq, Fired* out) {
  Bucket* b = Front();
  if (b == nullptr) return false;
  const SimTime t = b->front().time;
  uint32_t i = b->head;
  while (i < b->size && b->v[i].time == t && (b->v[i].key >> kSeqShift) != seq) ++i;
  if (i == b->size || b->v[i].time != t || !IsLive(b->v[i])) return false;
  const Entry e = b->v[i];
  if (i == b->head) {
    PopFront(b);
  } else {
    // Not the front, so the bucket stays non-empty.
    std::memmove(b->v + i, b->v + i + 1, (b->size - i - 1) * sizeof(Entry));
    --b->size;
    Forget();
    if (b != &early_) cur_ = static_cast<uint64_t>(t);
  }
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
