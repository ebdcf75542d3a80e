#include "devices/chunk_table.h"

#include <catch2/catch.hpp>

#include <cstring>
#include <map>

#include "sim/prng.h"

namespace devices {
namespace {

TEST_CASE("ChunkTable: finds what was inserted, forgets what was erased", "[devices]") {
  ChunkTable t;
  CHECK(t.Find(0) == nullptr);
  uint8_t* a = t.Insert(0);
  uint8_t* b = t.Insert(7);
  a[0] = 1;
  b[ChunkTable::kBytes - 1] = 2;
  CHECK(t.Find(0) == a);
  CHECK(t.Find(7) == b);
  CHECK(t.Find(1) == nullptr);
  t.Erase(0);
  t.Erase(3);  // absent: no-op
  CHECK(t.Find(0) == nullptr);
  CHECK(t.Find(7) == b);
  CHECK(t.size() == 1);
}

TEST_CASE("ChunkTable: agrees with a map under random inserts and erases", "[devices]") {
  // Enough keys to grow the table several times and to make erasure shift
  // clusters; small key space so inserts and erases collide often.
  ChunkTable t;
  std::map<uint64_t, uint8_t> model;  // chunk -> first byte written
  sim::Prng rng = sim::Prng(GENERATE(1, 2, 3)).Fork("chunk_table");
  for (int step = 0; step < 20000; ++step) {
    const uint64_t chunk = rng.Uniform(4096) * 977;  // sparse, far-apart numbers
    if (rng.Chance(2, 3)) {
      if (t.Find(chunk) == nullptr) {
        uint8_t* p = t.Insert(chunk);
        const uint8_t v = static_cast<uint8_t>(step);
        std::memset(p, v, ChunkTable::kBytes);
        model[chunk] = v;
      }
    } else {
      t.Erase(chunk);
      model.erase(chunk);
    }
  }
  CHECK(t.size() == model.size());
  for (uint64_t k = 0; k < 4096; ++k) {
    const uint64_t chunk = k * 977;
    const uint8_t* p = t.Find(chunk);
    auto it = model.find(chunk);
    REQUIRE((p != nullptr) == (it != model.end()));
    if (p) {
      CHECK(p[0] == it->second);
      CHECK(p[ChunkTable::kBytes - 1] == it->second);
    }
  }
}

}  // namespace
}  // namespace devices
