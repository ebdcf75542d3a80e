// The chooser: the one seam through which every scheduling choice goes.
//
// Whenever more than one thing could happen next at the same virtual time
// (which runnable fiber runs, which of several simultaneous events fires
// first, which waiter a wake-one picks, whether an injected fault fires) the
// Scheduler asks its Chooser. The Scheduler records every answer given to a
// choice with two or more options; that decision list replays the run exactly
// through ReplayChooser.
//
// Options are identified by stable ids (fiber ids, event sequence numbers,
// 0/1 for yes/no questions), never by addresses.
#ifndef AIOSIM_SIM_CHOOSER_H_
#define AIOSIM_SIM_CHOOSER_H_

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sim/prng.h"

namespace sim {

enum class ChoiceKind : uint8_t {
  kRunnable,      // which runnable fiber runs next
  kSimultaneous,  // which of several events due at the same time fires first
  kWakeOrder,     // which waiter a wake-one picks
  kFault,         // whether a fault fires: options {0 = no, 1 = yes}
  kModel,         // any other choice a model exposes
};
std::string_view ChoiceKindName(ChoiceKind k);

struct ChoicePoint {
  ChoiceKind kind;
  std::string_view label;
  std::span<const uint64_t> options;  // size >= 2
  // The answer the caller would give on its own (for kFault: what the fault
  // stream drew). FIFO answers this; random and PCT keep it for kFault.
  uint32_t preferred = 0;
};

class Chooser {
 public:
  virtual ~Chooser() = default;
  virtual std::string_view name() const = 0;
  // Returns an index into cp.options.
  virtual uint32_t Choose(const ChoicePoint& cp) = 0;
  // True if this chooser always answers `preferred`: lets the engine skip
  // gathering options it would not look at.
  virtual bool IsFifo() const { return false; }
};

// The default for `run`: first come, first served (and faults as drawn).
class FifoChooser : public Chooser {
 public:
  std::string_view name() const override { return "fifo"; }
  uint32_t Choose(const ChoicePoint& cp) override { return cp.preferred; }
  bool IsFifo() const override { return true; }
};

// Uniformly random among the options, from its own stream.
class RandomChooser : public Chooser {
 public:
  explicit RandomChooser(Prng rng) : rng_(rng) {}
  std::string_view name() const override { return "random"; }
  uint32_t Choose(const ChoicePoint& cp) override;

 private:
  Prng rng_;
};

// PCT (Burckhardt et al., ASPLOS 2010): every option id gets a random
// priority the first time it is seen; the highest priority wins. At d-1
// change points, drawn uniformly from [1, expected_steps], the winner's
// priority drops below all initial ones. Finds any bug of depth d with
// probability >= 1/(n * k^(d-1)).
class PctChooser : public Chooser {
 public:
  PctChooser(Prng rng, uint32_t depth, uint64_t expected_steps);
  std::string_view name() const override { return "pct"; }
  uint32_t Choose(const ChoicePoint& cp) override;

 private:
  Prng rng_;
  std::vector<uint64_t> change_points_;  // sorted step numbers
  size_t next_change_ = 0;
  uint64_t step_ = 0;
  int64_t next_low_priority_;
  std::map<std::pair<uint8_t, uint64_t>, int64_t> priority_;  // (kind, id) -> priority
};

// Replays a recorded decision list. Past its end (or where a recorded index
// no longer fits the options) it answers `preferred` and counts a divergence.
class ReplayChooser : public Chooser {
 public:
  explicit ReplayChooser(std::vector<uint32_t> decisions) : decisions_(std::move(decisions)) {}
  std::string_view name() const override { return "replay"; }
  uint32_t Choose(const ChoicePoint& cp) override;
  size_t consumed() const { return next_; }
  uint64_t divergences() const { return divergences_; }

 private:
  std::vector<uint32_t> decisions_;
  size_t next_ = 0;
  uint64_t divergences_ = 0;
};

// Builds a chooser by strategy name ("fifo", "random", "pct"); nullptr for
// an unknown name.
std::unique_ptr<Chooser> MakeChooser(std::string_view strategy, Prng rng, uint32_t pct_depth = 3,
                                     uint64_t pct_steps = 10000);

}  // namespace sim

#endif  // AIOSIM_SIM_CHOOSER_H_
