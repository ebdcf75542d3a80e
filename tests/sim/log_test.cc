// Pins sim::Logger / sim::SetLogLevel: one logger per name, levels by name.
#include "sim/log.h"

#include <catch2/catch.hpp>

TEST_CASE("Log: a subsystem's logger is created once and found again", "[sim][log]") {
  auto a = sim::Logger("kernel.aio");
  auto b = sim::Logger("kernel.aio");
  CHECK(a == b);
  CHECK(a->name() == "kernel.aio");
  CHECK(sim::Logger("dev.sda") != a);
}

TEST_CASE("Log: SetLogLevel applies to present and future loggers", "[sim][log]") {
  auto a = sim::Logger("sim");
  REQUIRE(sim::SetLogLevel("debug"));
  CHECK(a->level() == spdlog::level::debug);
  CHECK(sim::Logger("kernel.wq")->level() == spdlog::level::debug);
  REQUIRE(sim::SetLogLevel("off"));
  CHECK(a->level() == spdlog::level::off);
  REQUIRE(sim::SetLogLevel("warn"));
  CHECK(sim::Logger("later")->level() == spdlog::level::warn);
}

TEST_CASE("Log: an unknown level name is refused and changes nothing", "[sim][log]") {
  REQUIRE(sim::SetLogLevel("info"));
  CHECK_FALSE(sim::SetLogLevel("verbose"));
  CHECK(sim::Logger("sim")->level() == spdlog::level::info);
}
