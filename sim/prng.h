// The run's random numbers: xoshiro256** seeded through splitmix64, with our
// own integer distributions.
//
// Promises:
// - The same seed gives the same stream on every host, compiler and standard
//   library (no std::*_distribution anywhere; tests pin golden values).
// - Fork(purpose) derives an independent stream from this stream's *seed* and
//   the purpose's name only, never from how many numbers were drawn, so adding
//   a consumer (a fault, a device) does not shift any other stream.
// - Probabilities are integer ratios: Chance(1, 100), never 0.01.
#ifndef AIOSIM_SIM_PRNG_H_
#define AIOSIM_SIM_PRNG_H_

#include <cstdint>
#include <string_view>

namespace sim {

// splitmix64: advances *state and returns the next output.
uint64_t SplitMix64(uint64_t* state);

// 64-bit FNV-1a of a string: stable names to numbers (stream names, trace kinds).
constexpr uint64_t HashName(std::string_view s) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (char c : s) {
    h ^= static_cast<uint8_t>(c);
    h *= 0x100000001b3ull;
  }
  return h;
}

class Prng {
 public:
  explicit Prng(uint64_t seed);

  // A new, independent stream for one purpose ("dev.sda", "fault", "chooser").
  Prng Fork(std::string_view purpose) const;

  uint64_t seed() const { return seed_; }

  uint64_t Next();
  // Uniform in [0, n); n must be > 0. Unbiased (Lemire's method with rejection).
  uint64_t Uniform(uint64_t n);
  // Uniform in [lo, hi], inclusive; requires lo <= hi.
  int64_t Range(int64_t lo, int64_t hi);
  // True with probability num/den; requires den > 0 and num <= den.
  bool Chance(uint64_t num, uint64_t den);

 private:
  uint64_t seed_;
  uint64_t s_[4];
};

}  // namespace sim

#endif  // AIOSIM_SIM_PRNG_H_
