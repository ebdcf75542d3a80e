// Pins sim::FormatTime (the report form of virtual time) and AddTime.
#include "sim/time.h"

#include <catch2/catch.hpp>
#include <limits>

TEST_CASE("Time: FormatTime picks the largest unit with a non-zero integer part", "[sim][time]") {
  CHECK(sim::FormatTime(0) == "0ns");
  CHECK(sim::FormatTime(999) == "999ns");
  CHECK(sim::FormatTime(1000) == "1.000us");
  CHECK(sim::FormatTime(125000) == "125.000us");
  CHECK(sim::FormatTime(1250000) == "1.250000ms");
  CHECK(sim::FormatTime(2 * sim::kSecond + 5) == "2.000000005s");
  CHECK(sim::FormatTime(-1500) == "-1.500us");
  CHECK(sim::FormatTime(sim::kNever) == "never");
  CHECK(sim::FormatTime(std::numeric_limits<sim::SimTime>::min()) == "-9223372036.854775808s");
}

TEST_CASE("Time: AddTime saturates at kNever", "[sim][time]") {
  CHECK(sim::AddTime(10, 5) == 15);
  CHECK(sim::AddTime(10, sim::kNever) == sim::kNever);
  CHECK(sim::AddTime(sim::kNever - 5, 5) == sim::kNever);
  CHECK(sim::AddTime(sim::kNever - 5, 4) == sim::kNever - 1);
  static_assert(sim::AddTime(1, 2) == 3);
}
