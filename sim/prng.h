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

  // Next() and Uniform() are inline: models draw on hot paths (a sleep's
  // delay, a device's latency), and the call cost more than the draw.
  uint64_t Next() {
    const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }
  // Uniform in [0, n); n must be > 0. Unbiased (Lemire's method with rejection).
  uint64_t Uniform(uint64_t n) {
    if (n == 0) [[unlikely]] UniformOfZero();
    unsigned __int128 m = static_cast<unsigned __int128>(Next()) * n;
    if (static_cast<uint64_t>(m) < n) [[unlikely]] return Reject(n, m);
    return static_cast<uint64_t>(m >> 64);
  }
  // Uniform in [lo, hi], inclusive; requires lo <= hi.
  int64_t Range(int64_t lo, int64_t hi);
  // True with probability num/den; requires den > 0 and num <= den.
  bool Chance(uint64_t num, uint64_t den);

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  [[noreturn]] static void UniformOfZero();
  // Uniform()'s rare case: the low half of m fell below n, so the draw may
  // be in the biased zone and is redrawn while it is.
  uint64_t Reject(uint64_t n, unsigned __int128 m);

  uint64_t seed_;
  uint64_t s_[4];
};

}  // namespace sim

#endif  // AIOSIM_SIM_PRNG_H_
