#include "sim/event_queue.h"

#include <algorithm>
#include <utility>

#include "sim/check.h"

namespace sim {

namespace {
constexpr uint64_t kSlotBits = 24;
constexpr uint64_t kSlotMask = (1ull << kSlotBits) - 1;
inline uint32_t SlotOf(uint64_t key) { return static_cast<uint32_t>(key & kSlotMask); }
inline uint64_t SeqOf(uint64_t key) { return key >> kSlotBits; }
}  // namespace

EventQueue::EventQueue() { heap_.reserve(1024); }

uint32_t EventQueue::AllocSlot() {
  if (free_head_ != UINT32_MAX) {
    uint32_t s = free_head_;
    free_head_ = slots_[s].next_free;
    return s;
  }
  SIM_CHECK(slots_.size() < kMaxPending) << "more than " << kMaxPending << " pending events";
  slots_.emplace_back();
  return static_cast<uint32_t>(slots_.size() - 1);
}

void EventQueue::FreeSlot(uint32_t slot) {
  Slot& s = slots_[slot];
  s.live = false;
  s.raw = nullptr;
  s.arg = nullptr;
  s.cb = nullptr;
  ++s.generation;
  s.next_free = free_head_;
  free_head_ = slot;
}

EventId EventQueue::Schedule(SimTime when, Callback cb) {
  SIM_CHECK(when >= now_) << "event scheduled in the past: " << when << " < " << now_;
  SIM_CHECK(next_seq_ < kMaxSequence) << "event sequence exhausted";
  uint32_t slot = AllocSlot();
  Slot& s = slots_[slot];
  s.cb = std::move(cb);
  s.raw = nullptr;
  s.live = true;
  ++live_;
  Push(Entry{when, (next_seq_++ << kSlotBits) | slot});
  return EventId{slot, s.generation};
}

EventId EventQueue::ScheduleRaw(SimTime when, RawCallback fn, void* arg) {
  SIM_CHECK(when >= now_) << "event scheduled in the past: " << when << " < " << now_;
  SIM_CHECK(next_seq_ < kMaxSequence) << "event sequence exhausted";
  uint32_t slot = AllocSlot();
  Slot& s = slots_[slot];
  s.raw = fn;
  s.arg = arg;
  s.live = true;
  ++live_;
  Push(Entry{when, (next_seq_++ << kSlotBits) | slot});
  return EventId{slot, s.generation};
}

bool EventQueue::Cancel(EventId id) {
  if (!id.valid() || id.slot >= slots_.size()) return false;
  Slot& s = slots_[id.slot];
  if (!s.live || s.generation != id.generation) return false;
  // Tombstone: the heap entry stays until it reaches the top.
  s.live = false;
  s.cb = nullptr;
  s.raw = nullptr;
  --live_;
  return true;
}

void EventQueue::Push(Entry e) {
  heap_.push_back(e);
  SiftUp(heap_.size() - 1);
}

void EventQueue::SiftUp(size_t i) {
  Entry e = heap_[i];
  while (i > 0) {
    size_t parent = (i - 1) >> 2;
    if (!(e < heap_[parent])) break;
    heap_[i] = heap_[parent];
    i = parent;
  }
  heap_[i] = e;
}

void EventQueue::SiftDown(size_t i) {
  const size_t n = heap_.size();
  Entry e = heap_[i];
  for (;;) {
    size_t first = (i << 2) + 1;
    if (first >= n) break;
    size_t best = first;
    size_t last = std::min(first + 4, n);
    for (size_t c = first + 1; c < last; ++c) {
      if (heap_[c] < heap_[best]) best = c;
    }
    if (!(heap_[best] < e)) break;
    heap_[i] = heap_[best];
    i = best;
  }
  heap_[i] = e;
}

void EventQueue::PopTop() {
  Entry last = heap_.back();
  heap_.pop_back();
  if (!heap_.empty()) {
    heap_[0] = last;
    SiftDown(0);
  }
}

// Removes tombstoned entries from the top so heap_[0] (if any) is live.
void EventQueue::DropCancelledTop() {
  while (!heap_.empty()) {
    uint32_t slot = SlotOf(heap_[0].key);
    if (slots_[slot].live) return;
    FreeSlot(slot);
    PopTop();
  }
}

SimTime EventQueue::NextTime() {
  DropCancelledTop();
  return heap_.empty() ? kNever : heap_[0].time;
}

void EventQueue::TakeSlot(const Entry& e, Fired* out) {
  uint32_t slot = SlotOf(e.key);
  Slot& s = slots_[slot];
  out->time = e.time;
  out->seq = SeqOf(e.key);
  out->raw = s.raw;
  out->arg = s.arg;
  out->cb = std::move(s.cb);
  --live_;
  FreeSlot(slot);
  now_ = e.time;
}

bool EventQueue::Pop(Fired* out) {
  DropCancelledTop();
  if (heap_.empty()) return false;
  Entry top = heap_[0];
  PopTop();
  TakeSlot(top, out);
  return true;
}

void EventQueue::PeekSimultaneous(std::vector<uint64_t>* seqs) {
  seqs->clear();
  DropCancelledTop();
  if (heap_.empty()) return;
  const SimTime t = heap_[0].time;
  // Walk the heap region whose keys are at time t (children have keys >= parent).
  std::vector<size_t> stack{0};
  while (!stack.empty()) {
    size_t i = stack.back();
    stack.pop_back();
    if (heap_[i].time != t) continue;
    if (slots_[SlotOf(heap_[i].key)].live) seqs->push_back(SeqOf(heap_[i].key));
    for (size_t c = (i << 2) + 1; c < std::min((i << 2) + 5, heap_.size()); ++c) stack.push_back(c);
  }
  std::sort(seqs->begin(), seqs->end());
}

bool EventQueue::PopSequence(uint64_t seq, Fired* out) {
  DropCancelledTop();
  if (heap_.empty()) return false;
  const SimTime t = heap_[0].time;
  for (size_t i = 0; i < heap_.size(); ++i) {
    if (heap_[i].time != t || SeqOf(heap_[i].key) != seq) continue;
    if (!slots_[SlotOf(heap_[i].key)].live) return false;
    Entry e = heap_[i];
    // Move it to the top by giving it the smallest possible time, then pop.
    heap_[i].time = INT64_MIN;
    SiftUp(i);
    PopTop();
    TakeSlot(e, out);
    return true;
  }
  return false;
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
