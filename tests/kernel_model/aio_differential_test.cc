// The AIO differential test: every case of the table in
// differential/cases.cc runs against the host kernel (raw syscalls in a
// forked child) and against the model (a simulated process), and the two
// observation lists must agree exactly, except for the documented model
// deviations of differential/deviations.cc.
//
// Where the host refuses io_setup (seccomp, aio-max-nr 0, ENOSYS) the
// comparison is skipped with one line saying why; the model-only checks
// still run.
#include <catch2/catch.hpp>
#include <cstdio>
#include <set>
#include <string>
#include <vector>

#include "tests/kernel_model/differential/case_kit.h"
#include "tests/kernel_model/differential/cases.h"
#include "tests/kernel_model/differential/deviations.h"
#include "tests/kernel_model/differential/host_runner.h"
#include "tests/kernel_model/differential/model_runner.h"
#include "tests/kernel_model/differential/outcome.h"

namespace {

using diff::AllCases;
using diff::Comparison;
using diff::DiffCase;
using diff::Outcome;
using diff::Verdict;

TEST_CASE("AIO differential: the case table is a well-formed specification",
          "[aio][differential]") {
  std::set<std::string> names;
  for (const DiffCase& c : AllCases()) {
    INFO(c.name);
    CHECK(std::string(c.spec).size() > 20);
    CHECK(c.body != nullptr);
    CHECK(names.insert(c.name).second);
  }
  CHECK(AllCases().size() >= 40);
  for (const diff::Deviation& d : diff::Deviations()) {
    INFO(d.case_name << " / " << d.label);
    CHECK(names.count(d.case_name) == 1);
    CHECK(std::string(d.reason).size() > 10);
  }
}

TEST_CASE("AIO differential: the comparison is exact except for documented deviations",
          "[aio][differential]") {
  const DiffCase c{"synthetic", "a case used only to test the comparison", nullptr};
  Outcome host, model;
  host.obs = {{"io_setup(1)", 0}, {"accepted", 120}};
  model.obs = host.obs;
  CHECK(diff::Compare(c, host, model, {}).verdict == Verdict::kMatch);

  model.obs[1].value = 126;
  Comparison differs = diff::Compare(c, host, model, {});
  CHECK(differs.verdict == Verdict::kMismatch);
  CHECK(differs.report.find("MISMATCH: synthetic") != std::string::npos);
  CHECK(differs.report.find("<-- differs") != std::string::npos);

  std::vector<diff::Deviation> devs = {{"synthetic", "accepted", 126, "one global counter"}};
  Comparison documented = diff::Compare(c, host, model, devs);
  CHECK(documented.verdict == Verdict::kMatchWithDeviations);
  CHECK(documented.deviations_applied == 1);
  model.obs[1].value = 125;  // neither the host's value nor the documented one
  CHECK(diff::Compare(c, host, model, devs).verdict == Verdict::kMismatch);

  model.obs = host.obs;
  model.obs.push_back({"extra", 1});
  CHECK(diff::Compare(c, host, model, {}).verdict == Verdict::kMismatch);
  model.obs.pop_back();
  model.obs[1].label = "renamed";
  CHECK(diff::Compare(c, host, model, {}).verdict == Verdict::kMismatch);

  model.obs = host.obs;
  model.error = "run ended with deadlock";
  CHECK(diff::Compare(c, host, model, {}).verdict == Verdict::kMismatch);
  model.error.clear();
  model.aborted = true;
  CHECK(diff::Compare(c, host, model, {}).verdict == Verdict::kMismatch);
  model.aborted = false;

  host.skipped = true;
  host.skip_reason = "open(O_DIRECT) failed with -22";
  Comparison skipped = diff::Compare(c, host, model, {});
  CHECK(skipped.verdict == Verdict::kSkipped);
  CHECK(skipped.report.find("open(O_DIRECT) failed") != std::string::npos);
  model.skipped = true;  // a model that skips where the host ran is a failure
  host.skipped = false;
  CHECK(diff::Compare(c, host, model, {}).verdict == Verdict::kMismatch);
}

TEST_CASE("AIO differential: the sizing rules reproduce the measured 2-CPU table",
          "[aio][differential]") {
  // AIO_REFERENCE.md §1, measured on 2 possible CPUs.
  for (unsigned nr : {1u, 2u, 9u}) CHECK(diff::ExpectedRingNr(nr, 2) == 127);
  CHECK(diff::ExpectedRingNr(100, 2) == 255);
  CHECK(diff::ExpectedRingNr(128, 2) == 383);
  CHECK(diff::ExpectedRingNr(500, 2) == 1023);
  CHECK(diff::ExpectedRingNr(1000, 2) == 2047);
  CHECK(diff::ExpectedRingNr(1024, 2) == 2175);
  CHECK(diff::ExpectedRingNr(4096, 2) == 8319);
  CHECK(diff::ExpectedSlotsOneCpu(127, 2) == 120);
  // One CPU: batch 126 / 4 = 31, 4 batches.
  CHECK(diff::ExpectedRingNr(1, 1) == 127);
  CHECK(diff::ExpectedSlotsOneCpu(127, 1) == 124);
}

TEST_CASE("AIO differential: every case runs cleanly and repeatably on the model alone",
          "[aio][differential]") {
  // Independent of the host: the reference machine's 2 CPUs. Runs even where
  // the host refuses io_setup.
  diff::ModelConfig cfg;
  cfg.nr_cpus = 2;
  for (const DiffCase& c : AllCases()) {
    INFO(c.name);
    Outcome first = diff::RunOnModel(c, cfg);
    CHECK(first.error.empty());
    CHECK_FALSE(first.skipped);
    CHECK_FALSE(first.aborted);
    CHECK_FALSE(first.obs.empty());
    Outcome second = diff::RunOnModel(c, cfg);
    bool same = first.obs.size() == second.obs.size();
    for (size_t i = 0; same && i < first.obs.size(); ++i)
      same = first.obs[i].label == second.obs[i].label && first.obs[i].value == second.obs[i].value;
    CHECK(same);
  }
}

TEST_CASE("AIO differential: the model agrees with the host kernel, case by case",
          "[aio][differential]") {
  std::string why = diff::HostAioUnavailable();
  if (!why.empty()) {
    WARN("skipped: " << why);
    std::printf("aio_differential: skipped: %s\n", why.c_str());
    return;
  }
  diff::ModelConfig cfg;
  cfg.nr_cpus = diff::HostPossibleCpus();
  cfg.aio_max_nr = diff::HostAioMaxNr();
  std::printf(
      "aio_differential: host has %u possible CPUs, aio-max-nr %lu, files in %s; the "
      "model is configured alike\n",
      cfg.nr_cpus, cfg.aio_max_nr, diff::HostScratchDir().c_str());

  int matched = 0, with_deviations = 0, mismatched = 0, skipped = 0;
  for (const DiffCase& c : AllCases()) {
    Outcome host = diff::RunOnHost(c);
    Outcome model = diff::RunOnModel(c, cfg);
    Comparison cmp = diff::Compare(c, host, model, diff::Deviations());
    switch (cmp.verdict) {
      case Verdict::kMatch:
        ++matched;
        break;
      case Verdict::kMatchWithDeviations:
        ++with_deviations;
        std::printf("%s\n", cmp.report.c_str());
        break;
      case Verdict::kSkipped:
        ++skipped;
        std::printf("%s\n", cmp.report.c_str());
        break;
      case Verdict::kMismatch:
        ++mismatched;
        std::printf("%s\n", cmp.report.c_str());
        FAIL_CHECK(cmp.report);
        break;
    }
  }
  std::printf(
      "aio_differential: %zu cases: %d match, %d match with documented deviations, "
      "%d mismatch, %d skipped on the host\n",
      AllCases().size(), matched, with_deviations, mismatched, skipped);
  CHECK(mismatched == 0);
}

}  // namespace
