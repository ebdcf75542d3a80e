#include "sim/prng.h"

#include "sim/check.h"

namespace sim {

uint64_t SplitMix64(uint64_t* state) {
  uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

Prng::Prng(uint64_t seed) : seed_(seed) {
  uint64_t st = seed;
  for (uint64_t& w : s_) w = SplitMix64(&st);
}

Prng Prng::Fork(std::string_view purpose) const {
  uint64_t st = seed_ ^ HashName(purpose);
  return Prng(SplitMix64(&st));
}

void Prng::UniformOfZero() {
  SIM_CHECK(false) << "Prng::Uniform(0): n must be > 0";
  __builtin_unreachable();
}

uint64_t Prng::Reject(uint64_t n, unsigned __int128 m) {
  const uint64_t threshold = (0 - n) % n;
  while (static_cast<uint64_t>(m) < threshold) m = static_cast<unsigned __int128>(Next()) * n;
  return static_cast<uint64_t>(m >> 64);
}

int64_t Prng::Range(int64_t lo, int64_t hi) {
  SIM_CHECK(lo <= hi) << "Prng::Range(" << lo << ", " << hi << ")";
  const uint64_t span = static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo);
  if (span == UINT64_MAX) return static_cast<int64_t>(Next());
  return static_cast<int64_t>(static_cast<uint64_t>(lo) + Uniform(span + 1));
}

bool Prng::Chance(uint64_t num, uint64_t den) {
  SIM_CHECK(den > 0 && num <= den) << "Prng::Chance(" << num << ", " << den << ")";
  if (num == 0) return false;
  if (num == den) return true;
  return Uniform(den) < num;
}

}  // namespace sim
