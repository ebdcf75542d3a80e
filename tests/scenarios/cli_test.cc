// The aiosim command as users and scripts see it: exit codes 0/1/2, the
// one-line errors on stderr, list/check/version, and --report json.
#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/scenarios/test_util.h"

namespace scenarios_test {
namespace {

CommandResult Aiosim(const std::vector<std::string>& args) { return RunCommand(AiosimBinary(), args); }

int Lines(const std::string& s) {
  int n = 0;
  for (char c : s) n += c == '\n' ? 1 : 0;
  return n;
}

const char kPassing[] = "[[process]]\nname = \"p\"\nbody = '''\nsleep(1ms)\nexpect now() == 1ms\n'''\n";
const char kFailing[] =
    "[sim]\nseed = 9\n[[process]]\nname = \"p\"\nbody = '''\nr = 3\nexpect r == 4, \"want four\"\n'''\n";

TEST_CASE("CLI: a passing run exits 0 and the text report ends with the trace hash", "[cli]") {
  CommandResult r = Aiosim({"run", WriteTempFile("pass.toml", kPassing)});
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.err.empty());
  CHECK(r.out.find("result: PASS\n") != std::string::npos);
  const std::string tail = r.out.substr(r.out.rfind('\n', r.out.size() - 2) + 1);
  REQUIRE(tail.size() == std::string("trace hash: 0123456789abcdef\n").size());
  CHECK(tail.rfind("trace hash: ", 0) == 0);
}

TEST_CASE("CLI: a failed expectation exits 1 and says where and how to replay", "[cli]") {
  const std::string path = WriteTempFile("fail.toml", kFailing);
  CommandResult r = Aiosim({"run", path, "--design", "retry"});
  CHECK(r.exit_code == 1);
  CHECK(r.err.empty());
  CHECK(r.out.find("  FAIL  " + path + ":7:1  expect r == 4\n") != std::string::npos);
  CHECK(r.out.find("expect r == 4 failed: want four: r is 3, expected 4  [at 0ns in p/main]") !=
        std::string::npos);
  CHECK(r.out.find("result: FAIL\nreplay: aiosim run " + path + " --seed 9 --design retry\n") !=
        std::string::npos);
}

TEST_CASE("CLI: bad input exits 2 with exactly one line on stderr", "[cli]") {
  struct Case {
    std::vector<std::string> args;
    std::string err;
  };
  const std::string malformed = WriteTempFile("malformed.toml", "[sim]\nseed = = 1\n");
  const std::string unknown_call =
      WriteTempFile("unknown_call.toml", "[[process]]\nname = \"p\"\nbody = '''\nslep(1ms)\n'''\n");
  const std::string type_error =
      WriteTempFile("type_error.toml", "[[process]]\nname = \"p\"\nbody = '''\nx = \"a\" + 1\n'''\n");
  const std::string unknown_table = WriteTempFile("unknown_table.toml", std::string(kPassing) + "[disk]\n");
  const std::vector<Case> cases = {
      {{"run", "no/such/file.toml"},
       "aiosim: error: no/such/file.toml: cannot read the scenario file (No such file or directory)\n"},
      {{"run", malformed},
       "aiosim: error: " + malformed +
           ":2:8: malformed TOML: Error while parsing value: could not determine value type\n"},
      {{"run", unknown_call},
       "aiosim: error: " + unknown_call + ":4:1: unknown call 'slep'; did you mean 'sleep'?\n"},
      {{"run", type_error},
       "aiosim: error: " + type_error + ":4:9: cannot add string and int (use str() to convert)\n"},
      {{"run", unknown_table},
       "aiosim: error: " + unknown_table + ":7:2: unknown table 'disk' (expected sim, process, expect, device, file, cache, fault)\n"},
      {{"run", unknown_call, "--frobnicate"},
       "aiosim: error: The following argument was not expected: --frobnicate\n"},
      {{"run", unknown_call, "--seed", "abc"}, "aiosim: error: Could not convert: --seed = abc\n"},
      {{"run", unknown_call, "--report", "xml"}, "aiosim: error: --report: xml not in {text,json}\n"},
      {{"run", WriteTempFile("ok.toml", kPassing), "--design", "magic"},
       "aiosim: error: unknown design \"magic\" (known: mainline, retry)\n"},
      {{"run", WriteTempFile("ok2.toml", kPassing), "--log-level", "loud"},
       "aiosim: error: --log-level: unknown level \"loud\" (expected trace, debug, info, warn, error, "
       "critical or off)\n"},
      {{"run"}, "aiosim: error: scenario is required\n"},
      {{"fly"}, "aiosim: error: unknown command \"fly\" (expected run, check, list or version)\n"},
      {{}, "aiosim: error: expected a command: run, check, list or version (see aiosim --help)\n"},
      {{"check", unknown_call},
       "aiosim: error: " + unknown_call + ":4:1: unknown call 'slep'; did you mean 'sleep'?\n"},
      {{"list", "bugs"}, "aiosim: error: what: bugs not in {scenarios,designs,calls}\n"},
  };
  for (const Case& c : cases) {
    std::string joined;
    for (const std::string& a : c.args) joined += a + " ";
    INFO("aiosim " << joined);
    CommandResult r = Aiosim(c.args);
    CHECK(r.exit_code == 2);
    CHECK(r.err == c.err);
    CHECK(Lines(r.err) == 1);
  }
}

TEST_CASE("CLI: the AIO quick start runs with exit 0 and reports per-op latency percentiles", "[cli]") {
  const std::string quickstart = Runfile("scenarios/quickstart.toml");
  CommandResult text = Aiosim({"run", quickstart});
  INFO(text.out << text.err);
  CHECK(text.exit_code == 0);
  CHECK(text.out.find("result: PASS\n") != std::string::npos);
  CommandResult r = Aiosim({"run", quickstart, "--report", "json"});
  REQUIRE(r.exit_code == 0);
  Json json;
  std::string error;
  REQUIRE(ParseJson(r.out, &json, &error));
  INFO(r.out);
  REQUIRE(json.Has("sections"));
  const Json& sections = json["sections"];
  REQUIRE(sections.Has("aio"));
  const Json& pread = sections["aio"]["pread"];
  CHECK(pread["submitted"].number == 4);
  CHECK(pread["submit_to_complete_p50_ns"].number > 0);
  CHECK(pread["submit_to_reap_max_ns"].number >= pread["submit_to_complete_max_ns"].number);
  REQUIRE(sections.Has("device nvme0"));
  CHECK(sections["device nvme0"]["read"]["requests"].number == 4);
  CHECK(sections["device nvme0"]["read"]["latency_p99_ns"].number > 0);
  CHECK(sections.Has("page cache"));
}

TEST_CASE("CLI: --help exits 0", "[cli]") {
  CommandResult r = Aiosim({"--help"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("run") != std::string::npos);
  CommandResult sub = Aiosim({"run", "--help"});
  CHECK(sub.exit_code == 0);
  CHECK(sub.out.find("--seed") != std::string::npos);
}

TEST_CASE("CLI: --report json is one valid JSON object with the run's facts", "[cli]") {
  CommandResult r =
      Aiosim({"run", WriteTempFile("fail.json.toml", kFailing), "--report", "json", "--seed", "4"});
  CHECK(r.exit_code == 1);
  Json j;
  std::string error;
  INFO(r.out);
  REQUIRE(ParseJson(r.out, &j, &error));
  REQUIRE(j.type == Json::Type::kObject);
  CHECK(j["seed"].number == 4);
  CHECK(j["design"].string == "mainline");
  CHECK(j["status"].string == "idle");
  CHECK(j["end_time_ns"].number == 0);
  CHECK(j["end_time"].string == "0ns");
  CHECK(j["events"].type == Json::Type::kInt);
  CHECK(j["events"].number > 0);
  CHECK(j["trace_hash"].string.size() == 16);
  CHECK(j["trace_records"].number > 0);
  CHECK(j["decisions"].type == Json::Type::kInt);
  CHECK(j["passed"].boolean == false);
  CHECK(j["replay"].string.find("--seed 4 --design mainline") != std::string::npos);
  const Json& ex = j["expectations"];
  REQUIRE(ex.type == Json::Type::kArray);
  REQUIRE(ex.array.size() == 3);
  CHECK(ex.array[0]["kind"].string == "program");
  CHECK(ex.array[0]["line"].number == 7);
  CHECK(ex.array[0]["source"].string == "expect r == 4");
  CHECK(ex.array[0]["passed"].boolean == false);
  CHECK(ex.array[0]["message"].string == "expect r == 4 failed: want four: r is 3, expected 4");
  CHECK(ex.array[1]["kind"].string == "end");
  CHECK(ex.array[1]["key"].string == "status");
  CHECK(ex.array[1]["passed"].boolean == true);
  CHECK(j["violations"].type == Json::Type::kArray);
  CHECK(j["deadlock"].type == Json::Type::kArray);
  CHECK(j["sections"].type == Json::Type::kObject);
}

TEST_CASE("CLI: --trace writes JSON lines ending with the report's hash", "[cli]") {
  const std::string trace = WriteTempFile("trace.jsonl", "");
  CommandResult r =
      Aiosim({"run", WriteTempFile("traced.toml", kPassing), "--trace", trace, "--report", "json"});
  REQUIRE(r.exit_code == 0);
  Json report;
  std::string error;
  REQUIRE(ParseJson(r.out, &report, &error));
  std::ifstream in(trace);
  std::string line;
  std::vector<Json> records;
  while (std::getline(in, line)) {
    Json rec;
    INFO(line);
    REQUIRE(ParseJson(line, &rec, &error));
    records.push_back(rec);
  }
  REQUIRE(records.size() == static_cast<size_t>(report["trace_records"].number) + 1);
  CHECK(records.back()["kind"].string == "end");
  CHECK(records.back()["hash"].string == report["trace_hash"].string);
  bool saw_sleep = false;
  for (const Json& rec : records) {
    if (rec.Has("text") && rec["kind"].string == "script.call" && rec["text"].string == "sleep")
      saw_sleep = true;
  }
  CHECK(saw_sleep);
}

TEST_CASE("CLI: check validates without running", "[cli]") {
  const std::string good = WriteTempFile("good.toml", kFailing);  // fails at run time, valid input
  const std::string bad = WriteTempFile("bad.toml", "[[process]]\nname = \"p\"\nbody = 'x = y'\n");
  CommandResult ok = Aiosim({"check", good});
  CHECK(ok.exit_code == 0);
  CHECK(ok.out == "ok: " + good + "\n");
  CommandResult mixed = Aiosim({"check", good, bad});
  CHECK(mixed.exit_code == 2);
  CHECK(mixed.out == "ok: " + good + "\n");
  CHECK(mixed.err ==
        "aiosim: error: " + bad +
            ":3:13: unknown name 'y': not a constant, and no statement of process 'p' assigns it\n");
}

TEST_CASE("CLI: list scenarios, designs and calls; version", "[cli]") {
  CommandResult scen = Aiosim({"list", "scenarios", "--dir", Runfile("scenarios")});
  CHECK(scen.exit_code == 0);
  CHECK(scen.out.find(Runfile("scenarios") + "/engine/deadlock.toml") != std::string::npos);
  CHECK(scen.out.find("two threads take two locks in opposite orders and deadlock") != std::string::npos);
  // Sorted: engine/ before quickstart.toml.
  CHECK(scen.out.find("engine/deadlock.toml") < scen.out.find("quickstart.toml"));

  CommandResult missing = Aiosim({"list", "scenarios", "--dir", "/no/such/dir"});
  CHECK(missing.exit_code == 2);
  CHECK(missing.err == "aiosim: error: /no/such/dir: cannot list scenarios (not a directory)\n");

  CommandResult designs = Aiosim({"list", "designs"});
  CHECK(designs.exit_code == 0);
  CHECK(designs.out.rfind("mainline ", 0) == 0);
  CHECK(designs.out.find("\nretry ") != std::string::npos);

  CommandResult calls = Aiosim({"list", "calls"});
  CHECK(calls.exit_code == 0);
  CHECK(calls.out.find("wait_on(name, timeout=none)") != std::string::npos);
  CHECK(calls.out.find("\nconstants: ") != std::string::npos);
  CHECK(calls.out.find(" ETIMEDOUT=110") != std::string::npos);
  CHECK(calls.out.find(" EINVAL=22") != std::string::npos);
  CHECK(calls.out.find("\nio_submit(ctx, iocbs, nr=none, iocbpp=none)") != std::string::npos);

  CommandResult version = Aiosim({"version"});
  CHECK(version.exit_code == 0);
  CHECK(version.out == "aiosim 0.1.0\n");
}

}  // namespace
}  // namespace scenarios_test
