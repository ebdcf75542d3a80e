#include "devices/chunk_table.h"

#include <catch2/catch.hpp>

#include <cstdint>
#include <cstring>
#include <map>
#include <set>

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

TEST_CASE("ChunkTable: chunk bytes are page-aligned, disjoint, and reused after erasure", "[devices]") {
  ChunkTable t;
  CHECK(t.reserved_bytes() == 0);
  // Past the first slabs, into 2 MiB ones: 1500 chunks are ~5.9 MiB.
  std::set<uintptr_t> starts;
  for (uint64_t c = 0; c < 1500; ++c) {
    uint8_t* p = t.Insert(c);
    const auto at = reinterpret_cast<uintptr_t>(p);
    CHECK(at % ChunkTable::kBytes == 0);
    starts.insert(at);
    std::memset(p, static_cast<int>(c & 0xff), ChunkTable::kBytes);
  }
  // Disjoint: distinct page-aligned starts of kBytes each cannot overlap,
  // and every chunk still holds what was written to it.
  CHECK(starts.size() == 1500);
  for (uint64_t c = 0; c < 1500; c += 97) {
    const uint8_t* p = t.Find(c);
    CHECK(p[0] == (c & 0xff));
    CHECK(p[ChunkTable::kBytes - 1] == (c & 0xff));
  }
  const size_t held = t.reserved_bytes();
  CHECK(held >= 1500 * ChunkTable::kBytes);
  CHECK(held < 1500 * ChunkTable::kBytes + (size_t{2} << 20));
  // Erase everything and insert as many other chunks: no new storage, and
  // the new chunks sit where the old ones were.
  for (uint64_t c = 0; c < 1500; ++c) t.Erase(c);
  for (uint64_t c = 0; c < 1500; ++c) {
    uint8_t* p = t.Insert(100000 + c);
    CHECK(starts.count(reinterpret_cast<uintptr_t>(p)) == 1);
  }
  CHECK(t.reserved_bytes() == held);
}

}  // namespace
}  // namespace devices
