// Runs EVERY scenario file under scenarios/ (given to the test as Bazel data
// through //scenarios:scenario_files, a glob) and requires each to pass its
// own expectations. A new scenario file is picked up with no test edit.
#include <catch2/catch.hpp>
#include <fstream>
#include <string>
#include <vector>

#include "scenarios/report.h"
#include "scenarios/runner.h"
#include "scenarios/scenario_files.h"
#include "tests/scenarios/test_util.h"

namespace scenarios_test {
namespace {

std::vector<std::string> AllScenarios() {
  std::vector<std::string> files;
  sim::Status s = scenarios::FindScenarioFiles(Runfile("scenarios"), &files);
  INFO(s.message());
  REQUIRE(s.ok());
  return files;
}

TEST_CASE("Every scenario: the runfiles hold the scenario tree", "[scenarios]") {
  std::vector<std::string> files = AllScenarios();
  CHECK(files.size() >= 5);
  CHECK(std::find(files.begin(), files.end(), "quickstart.toml") != files.end());
  CHECK(std::find(files.begin(), files.end(), "engine/deadlock.toml") != files.end());
  for (const char* f : {"engine/handoff.toml", "teach/cold_vs_warm_read.toml", "teach/odirect_read.toml",
                        "teach/readahead.toml", "teach/fsync_dirty_pages.toml", "teach/hdd_seq_vs_random.toml",
                        "teach/power_cut.toml", "teach/aio_poll_pipe.toml", "teach/aio_cancel_poll.toml",
                        "teach/io_destroy_in_flight.toml", "teach/ring_userspace_reap.toml",
                        "compare/cold_buffered_mainline.toml", "compare/cold_buffered_retry.toml"}) {
    INFO(f);
    CHECK(std::find(files.begin(), files.end(), f) != files.end());
  }
}

TEST_CASE("Every scenario: the compare pair differs only in its design", "[scenarios]") {
  auto read = [](const std::string& rel) {
    std::ifstream in(Runfile("scenarios/" + rel));
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) {
      if (line.rfind("design = ", 0) == 0 || line.rfind("description = ", 0) == 0 || line.rfind("# Cold-cache", 0) == 0) {
        continue;
      }
      lines.push_back(line);
    }
    return lines;
  };
  const std::vector<std::string> mainline = read("compare/cold_buffered_mainline.toml");
  CHECK(mainline.size() > 40);
  CHECK(mainline == read("compare/cold_buffered_retry.toml"));
}

TEST_CASE("Every scenario: checks and runs with all its expectations holding", "[scenarios]") {
  for (const std::string& rel : AllScenarios()) {
    const std::string path = "scenarios/" + rel;
    DYNAMIC_SECTION(path) {
      sim::Status checked = scenarios::CheckScenarioFile(path, {}, Runfile(path));
      INFO(checked.message());
      REQUIRE(checked.ok());
      scenarios::RunOptions options;
      options.fs_path = Runfile(path);
      scenarios::RunReport report;
      sim::Status s = scenarios::RunScenarioFile(path, std::move(options), &report);
      INFO(s.message());
      REQUIRE(s.ok());
      INFO(scenarios::FormatTextReport(report));
      CHECK(report.passed());
      CHECK(report.expectations_failed() == 0);
    }
  }
}

}  // namespace
}  // namespace scenarios_test
