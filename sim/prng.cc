#include "sim/prng.h"

#include "sim/check.h"

namespace sim {

namespace {
inline uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
}  // namespace

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

uint64_t Prng::Next() {
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

uint64_t Prng::Uniform(uint64_t n) {
  SIM_CHECK(n > 0) << "Prng::Uniform(0)";
  unsigned __int128 m = static_cast<unsigned __int128>(Next()) * n;
  uint64_t low = static_cast<uint64_t>(m);
  if (low < n) {
    const uint64_t threshold = (0 - n) % n;
    while (low < threshold) {
      m = static_cast<unsigned __int128>(Next()) * n;
      low = static_cast<uint64_t>(m);
    }
  }
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
