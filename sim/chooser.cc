#include "sim/chooser.h"

#include <algorithm>

#include "sim/check.h"

namespace sim {

std::string_view ChoiceKindName(ChoiceKind k) {
  switch (k) {
    case ChoiceKind::kRunnable:
      return "runnable";
    case ChoiceKind::kSimultaneous:
      return "simultaneous";
    case ChoiceKind::kWakeOrder:
      return "wake_order";
    case ChoiceKind::kFault:
      return "fault";
    case ChoiceKind::kModel:
      return "model";
  }
  return "?";
}

uint32_t RandomChooser::Choose(const ChoicePoint& cp) {
  if (cp.kind == ChoiceKind::kFault) return cp.preferred;
  return static_cast<uint32_t>(rng_.Uniform(cp.options.size()));
}

PctChooser::PctChooser(Prng rng, uint32_t depth, uint64_t expected_steps)
    : rng_(rng), next_low_priority_(0) {
  if (expected_steps == 0) expected_steps = 1;
  for (uint32_t i = 1; i < depth; ++i) {
    change_points_.push_back(1 + rng_.Uniform(expected_steps));
  }
  std::sort(change_points_.begin(), change_points_.end());
  // Initial priorities are >= depth; lowered ones count down from depth-1.
  next_low_priority_ = static_cast<int64_t>(depth) - 1;
}

uint32_t PctChooser::Choose(const ChoicePoint& cp) {
  if (cp.kind == ChoiceKind::kFault) return cp.preferred;
  ++step_;
  const uint8_t kind = static_cast<uint8_t>(cp.kind);
  uint32_t best = 0;
  int64_t best_pri = INT64_MIN;
  for (uint32_t i = 0; i < cp.options.size(); ++i) {
    auto key = std::make_pair(kind, cp.options[i]);
    auto it = priority_.find(key);
    if (it == priority_.end()) {
      // Fresh ids get a random priority above every lowered one.
      int64_t p = static_cast<int64_t>(change_points_.size()) + 1 +
                  static_cast<int64_t>(rng_.Uniform(1u << 30));
      it = priority_.emplace(key, p).first;
    }
    if (it->second > best_pri) {
      best_pri = it->second;
      best = i;
    }
  }
  while (next_change_ < change_points_.size() && change_points_[next_change_] <= step_) {
    priority_[std::make_pair(kind, cp.options[best])] = next_low_priority_--;
    ++next_change_;
  }
  return best;
}

uint32_t ReplayChooser::Choose(const ChoicePoint& cp) {
  if (next_ >= decisions_.size()) {
    ++divergences_;
    return cp.preferred;
  }
  uint32_t d = decisions_[next_++];
  if (d >= cp.options.size()) {
    ++divergences_;
    return cp.preferred;
  }
  return d;
}

std::unique_ptr<Chooser> MakeChooser(std::string_view strategy, Prng rng, uint32_t pct_depth,
                                     uint64_t pct_steps) {
  if (strategy == "fifo") return std::make_unique<FifoChooser>();
  if (strategy == "random") return std::make_unique<RandomChooser>(rng);
  if (strategy == "pct") return std::make_unique<PctChooser>(rng, pct_depth, pct_steps);
  return nullptr;
}

}  // namespace sim
