#include "devices/extent_set.h"

#include <catch2/catch.hpp>

namespace devices {
namespace {

using Runs = std::map<uint64_t, uint64_t>;

TEST_CASE("ExtentSet: adds merge adjacent and overlapping runs; removes split them", "[devices]") {
  ExtentSet s;
  s.Add(10, 5);  // [10,15)
  s.Add(20, 5);  // [20,25)
  s.Add(15, 5);  // bridges: [10,25)
  CHECK(s.runs() == Runs{{10, 25}});
  CHECK(s.sectors() == 15);
  s.Add(12, 20);  // overlaps and extends: [10,32)
  CHECK(s.runs() == Runs{{10, 32}});
  CHECK(s.sectors() == 22);
  s.Remove(14, 4);  // split: [10,14) [18,32)
  CHECK(s.runs() == Runs{{10, 14}, {18, 32}});
  CHECK(s.sectors() == 18);
  s.Remove(0, 12);
  s.Remove(30, 100);
  CHECK(s.runs() == Runs{{12, 14}, {18, 30}});
  CHECK(s.sectors() == 14);
  s.Add(40, 0);
  CHECK(s.sectors() == 14);
  s.Clear();
  CHECK(s.empty());
}

}  // namespace
}  // namespace devices
