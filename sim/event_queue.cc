#include "sim/event_queue.h"

#include <cstdlib>
#include <cstring>
#include <limits>
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
  std::free(run_.v);
}

void EventQueue::Bucket::Grow() { Reserve(cap == 0 ? 4 : 2 * cap); }

void EventQueue::Bucket::Reserve(uint32_t n) {
  void* p = std::realloc(v, size_t{n} * sizeof(Entry));
  if (p == nullptr) throw std::bad_alloc();
  v = static_cast<Entry*>(p);
  cap = n;
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

EventId EventQueue::ScheduleRawSlow(SimTime when, RawCallback fn, void* arg, uint64_t word) {
  SIM_CHECK(when >= now_) << "event scheduled in the past: " << when << " < " << now_;
  SIM_CHECK(next_seq_ < kMaxSequence) << "event sequence exhausted";
  SIM_CHECK(fn != nullptr) << "empty raw callback scheduled";
  const uint32_t slot = AllocSlot();
  slots_[slot].raw = fn;
  slots_[slot].arg = arg;
  slots_[slot].word = word;
  return Push(when, slot);
}

// An event below sorted_below_ joins the run in (time, seq) order: it has
// the highest seq, so it goes after every entry at its time.
void EventQueue::PutRun(Entry e) {
  if (static_cast<uint64_t>(e.time) == counted_time_) ++counted_;
  run_.push_back(e);
  uint32_t i = run_.size - 1;
  while (i > run_.head && run_.v[i - 1].time > e.time) {
    run_.v[i] = run_.v[i - 1];
    --i;
  }
  run_.v[i] = e;
}

bool EventQueue::Cancel(EventId id) {
  if (id.slot >= slots_.size()) return false;  // also the invalid id
  Slot& s = slots_[id.slot];
  if (s.link != kLive || s.generation != id.generation) return false;
  // Tombstone: the entry stays filed until it is reached or swept.
  s.link = kCancelled;
  counted_time_ = kNotCounted;
  if (s.raw == nullptr) callbacks_[id.slot] = nullptr;
  --live_;
  ++tombstones_;
  if (tombstones_ >= 1024 && tombstones_ > live_) Sweep();
  return true;
}

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

// Spreads wheel_[level][b] (level >= 1, every lower level empty, the run
// empty): cur_ becomes the start of the bucket's time range and each live
// entry is filed again, now at a lower level; tombstones are dropped on the
// way. Moving the base within the range of the lowest occupied bucket changes
// no other entry's level or bucket (they differ from the base above it), and
// the range's start is at most its earliest entry (no scan for it). Entries
// are re-filed in the bucket's (sequence) order into buckets that are empty,
// so those stay in sequence order.
void EventQueue::Spread(int level, int b) {
  Bucket& src = wheel_[level][b];
  MarkEmpty(level, b);
  if (tombstones_ == 0 || Compact(src) != UINT64_MAX) {
    const uint64_t low_bits = (uint64_t{1} << (kLevelBits * level)) - 1;
    cur_ = sorted_below_ = static_cast<uint64_t>(src.front().time) & ~low_bits;
    // Level 1 spreads into level 0, whose entries are popped next: start
    // fetching their slots (a cache miss each on a deep queue) now.
    if (level == 1) {
      for (uint32_t r = src.head; r < src.size; ++r) __builtin_prefetch(&slots_[SlotOf(src.v[r].key)]);
    }
    SpreadEntries(src.v + src.head, src.v + src.size, level);
  }
  src.head = src.size = 0;
}

// Put() for the entries of a bucket being spread, with what Put() rereads
// for every entry held in locals (a store of an Entry may alias any uint64_t
// member, so the compiler cannot keep them in registers across the loop):
// the base, and the lower levels' bitmaps. No entry can join the run (each
// is at or after the bucket's range start, which is now both cur_ and
// sorted_below_), and each lands below `level`, whose lower levels were all
// empty.
void EventQueue::SpreadEntries(const Entry* in, const Entry* end, int level) {
  const uint64_t base = cur_;
  uint64_t occupied[kLevels] = {};
  for (; in != end; ++in) {
    const uint64_t t = static_cast<uint64_t>(in->time);
    const Place p = PlaceOf(t, base);
    wheel_[p.level][p.bucket].push_back(*in);
    occupied[p.level] |= uint64_t{1} << p.bucket;
  }
  for (int l = 0; l < level; ++l) {
    occupied_[l] = occupied[l];
    levels_ |= (occupied[l] != 0 ? 1u : 0u) << l;
  }
}

// Writes k <= kRunMax entries of one bucket (times in [start, start +
// 2^60), in sequence order) to out in (time, seq) order: a rank sort on the
// keys (time - start) << 4 | index, which are distinct and order as (time,
// seq) does. Each entry's place is the number of keys below its own. There is
// no data-dependent branch (an insertion sort mispredicts about once per
// entry on random times).
//
// For buckets of level <= 4 the keys fit a signed Lane (16 bits up to level
// 2, whose range is 2^12 ns; 32 bits up to level 4), biased by `bias` into
// the signed range, and the ranks of all kRunMax keys are counted at once:
// for each real key j, every lane whose key is greater gets one more. The
// keys are padded with the maximum: a pad is never below a real key, and a
// pad's own rank is never used. With 16-bit keys that is two SSE2 compares
// per entry (GCC's vector extension: any target GCC supports).
template <typename Lane>
void EventQueue::RankSortLanes(const Entry* in, uint32_t k, uint64_t start, int64_t bias, Entry* out) {
  static_assert(kRunMax <= 16, "the index takes 4 bits of the key");
  constexpr uint32_t kLanes = 16 / sizeof(Lane);
  static_assert(kRunMax % kLanes == 0);
  constexpr uint32_t kVecs = kRunMax / kLanes;
  using Vec [[gnu::vector_size(16)]] = Lane;
  alignas(16) Lane key[kRunMax];
  for (uint32_t i = 0; i < kRunMax; ++i) key[i] = std::numeric_limits<Lane>::max();
  for (uint32_t i = 0; i < k; ++i) {
    const int64_t raw = static_cast<int64_t>(((static_cast<uint64_t>(in[i].time) - start) << 4) | i);
    key[i] = static_cast<Lane>(raw + bias);
  }
  Vec keys[kVecs];
  std::memcpy(keys, key, sizeof keys);
  Vec rank[kVecs] = {};
  for (uint32_t j = 0; j < k; ++j) {
    const Vec kj = Vec{} + key[j];
    for (uint32_t v = 0; v < kVecs; ++v) rank[v] -= keys[v] > kj;  // true is -1
  }
  alignas(16) Lane place[kRunMax];
  std::memcpy(place, rank, sizeof place);
  for (uint32_t i = 0; i < k; ++i) out[static_cast<uint32_t>(place[i])] = in[i];
}

// Buckets of level 5 and up (ranges of 2^30 ns and more; rare): the same
// rank over 64-bit keys, one key at a time.
void EventQueue::RankSortWide(const Entry* in, uint32_t k, uint64_t start, Entry* out) {
  uint64_t key[kRunMax];
  for (uint32_t i = 0; i < k; ++i) key[i] = ((static_cast<uint64_t>(in[i].time) - start) << 4) | i;
  for (uint32_t i = 0; i < k; ++i) {
    uint32_t rank = 0;
    for (uint32_t j = 0; j < k; ++j) rank += key[j] < key[i] ? 1 : 0;
    out[rank] = in[i];
  }
}

// Makes wheel_[level][b] (the lowest occupied bucket: every lower level and
// the run are empty; a level-0 bucket or at most kRunMax entries, tombstones
// dropped) the run. A level-0 bucket holds one time in sequence order: its
// storage is swapped in as it is. A higher one is rank-sorted into the run's
// own storage (kept at kRunMax entries or more) and keeps its storage. The
// run is then bounded by the bucket's time range: sorted_below_ becomes the
// range's end, so that later events inside it join the run and everything
// filed stays after it. The base moves up to the run's first time: that is
// inside the bucket's range, and moving the base within the range of the
// lowest occupied bucket changes no other entry's level or bucket (they
// differ from the base above it), so nothing is re-filed. RunEmptied() may
// move it on to the run's last time.
void EventQueue::TakeRun(int level, int b) {
  Bucket& src = wheel_[level][b];
  MarkEmpty(level, b);
  const uint64_t low_bits = (uint64_t{1} << (kLevelBits * level)) - 1;
  const uint32_t k = src.size - src.head;
  if (level == 0 || k == 1) {
    std::swap(src, run_);  // src gets the run's empty storage
  } else {
    if (run_.cap < kRunMax) run_.Reserve(kRunMax);
    const Entry* in = src.v + src.head;
    const uint64_t start = static_cast<uint64_t>(in[0].time) & ~low_bits;
    // Keys are (offset in the bucket's 2^(6 level) ns range) << 4 | index.
    if (level <= 2) {
      RankSortLanes<int16_t>(in, k, start, INT16_MIN, run_.v);
    } else if (level <= 4) {
      RankSortLanes<int32_t>(in, k, start, 0, run_.v);
    } else {
      RankSortWide(in, k, start, run_.v);
    }
    run_.head = 0;
    run_.size = k;
    src.head = src.size = 0;
  }
  const uint64_t first = static_cast<uint64_t>(run_.front().time);
  cur_ = first;
  sorted_below_ = (first | low_bits) + 1;
}

EventQueue::Bucket* EventQueue::FrontSlow() {
  uint64_t earliest;
  return Locate(/*spread=*/true, &earliest);
}

SimTime EventQueue::PeekSlow() {
  uint64_t earliest;
  const Bucket* b = Locate(/*spread=*/false, &earliest);
  return b != nullptr ? b->front().time : static_cast<SimTime>(earliest);
}

// A peek must not move the base far past Now(): every event scheduled below
// the base would then join the run by insertion. Spreading the lowest
// bucket of `level` moves it to the bucket's range start, so that risk is
// the gap between Now() and that start. When the gap is narrower than one
// bucket of the level below, the events it can take are no more than one
// such bucket would hold and sort anyway, and the pop that follows the peek
// would spread the same bucket: spreading now saves scanning it first (the
// common case of a busy queue, where the run empties just before the next
// bucket's range).
bool EventQueue::SpreadIsHarmless(int level, int b) const {
  const int high = kLevelBits * (level + 1);
  const uint64_t above = high >= 64 ? 0 : cur_ & ~((uint64_t{1} << high) - 1);
  const uint64_t start = above | (static_cast<uint64_t>(b) << (kLevelBits * level));
  return static_cast<uint64_t>(now_) + (uint64_t{1} << (kLevelBits * (level - 1))) > start;
}

// Finds the earliest live event, dropping the tombstones met on the way, and
// returns the run with it at the front: the run as it is, or refilled from
// the lowest occupied bucket. A lowest bucket too big to become the run is
// spread when `spread`; otherwise (a peek) it is only scanned, and nullptr is
// returned with its earliest time in *earliest. With nothing pending:
// nullptr and kNever.
EventQueue::Bucket* EventQueue::Locate(bool spread, uint64_t* earliest) {
  *earliest = static_cast<uint64_t>(kNever);
  for (;;) {
    if (!run_.empty()) {
      const Entry& f = run_.front();
      if (Alive(f)) return &run_;
      const uint64_t t = static_cast<uint64_t>(f.time);
      FreeSlot(SlotOf(f.key));
      --tombstones_;
      if (run_.pop_front()) RunEmptied(t);
      continue;
    }
    if (levels_ == 0) return nullptr;
    const int level = __builtin_ctz(levels_);
    const int b = LowestBucket(level);
    Bucket* bucket = &wheel_[level][b];
    if (level == 0 || bucket->size - bucket->head <= kRunMax) {
      if (tombstones_ != 0 && Compact(*bucket) == UINT64_MAX) {  // all cancelled
        bucket->head = bucket->size = 0;
        MarkEmpty(level, b);
        continue;
      }
      TakeRun(level, b);
      return &run_;
    }
    if (spread || SpreadIsHarmless(level, b)) {
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
  filter(run_);
  counted_time_ = kNotCounted;
  if (run_.empty()) RunEmptied(0);
  tombstones_ = 0;
}

void EventQueue::TakeCallback(uint32_t slot, Fired* out) {
  out->raw = nullptr;
  out->arg = nullptr;
  out->cb = std::move(callbacks_[slot]);
}

// The events at the earliest time are all at the front of the run.
void EventQueue::PeekSimultaneous(std::vector<uint64_t>* seqs) {
  seqs->clear();
  const Bucket* b = Front();
  if (b == nullptr) return;
  const SimTime t = b->front().time;
  for (uint32_t i = b->head; i < b->size && b->v[i].time == t; ++i) {
    if (IsLive(b->v[i])) seqs->push_back(b->v[i].key >> kSeqShift);
  }
}

size_t EventQueue::CountSimultaneous() {
  const Bucket* b = Front();
  if (b == nullptr) return 0;
  const SimTime t = b->front().time;
  if (static_cast<uint64_t>(t) == counted_time_) return counted_;
  size_t n = 0;
  for (uint32_t i = b->head; i < b->size && b->v[i].time == t; ++i) n += Alive(b->v[i]) ? 1 : 0;
  counted_time_ = static_cast<uint64_t>(t);
  counted_ = n;
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
    PopFront();
  } else {
    // Not the front, so the run stays non-empty.
    std::memmove(b->v + i, b->v + i + 1, (b->size - i - 1) * sizeof(Entry));
    --b->size;
    if (static_cast<uint64_t>(t) == counted_time_) --counted_;
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
