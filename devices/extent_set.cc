#include "devices/extent_set.h"

#include <algorithm>

namespace devices {

void ExtentSet::Add(uint64_t start, uint64_t count) {
  if (count == 0) return;
  Remove(start, count);
  uint64_t end = start + count;
  sectors_ += count;
  // Merge with a run ending exactly at start, and one starting exactly at end.
  auto it = runs_.lower_bound(start);
  if (it != runs_.begin()) {
    auto prev = std::prev(it);
    if (prev->second == start) {
      start = prev->first;
      runs_.erase(prev);
    }
  }
  it = runs_.find(end);
  if (it != runs_.end()) {
    end = it->second;
    runs_.erase(it);
  }
  runs_[start] = end;
}

void ExtentSet::Remove(uint64_t start, uint64_t count) {
  if (count == 0) return;
  const uint64_t end = start + count;
  auto it = runs_.lower_bound(start);
  if (it != runs_.begin() && std::prev(it)->second > start) --it;
  while (it != runs_.end() && it->first < end) {
    const uint64_t s = it->first, e = it->second;
    it = runs_.erase(it);
    const uint64_t cut_s = std::max(s, start), cut_e = std::min(e, end);
    sectors_ -= cut_e - cut_s;
    if (s < start) runs_[s] = start;
    if (e > end) runs_[end] = e;
  }
}

}  // namespace devices
