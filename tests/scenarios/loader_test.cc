#include "scenarios/loader.h"

#include <catch2/catch.hpp>
#include <string>

#include "scenarios/extensions.h"

namespace scenarios {
namespace {

const char kBody[] = "[[process]]\nname = \"p\"\nbody = 'sleep(1)'\n";

std::string LoadError(const std::string& toml, const Schema& schema = {}) {
  Scenario sc;
  sim::Status s = LoadScenarioText(toml, "s.toml", schema, &sc);
  REQUIRE_FALSE(s.ok());
  return s.message();
}

Scenario LoadOk(const std::string& toml, const Schema& schema = {}) {
  Scenario sc;
  sim::Status s = LoadScenarioText(toml, "s.toml", schema, &sc);
  INFO(s.message());
  REQUIRE(s.ok());
  return sc;
}

TEST_CASE("Loader: a full scenario loads with its settings", "[loader]") {
  Scenario sc = LoadOk(
      "[sim]\nseed = 7\ndesign = \"retry\"\nmax_time = \"1.5ms\"\nmax_events = 500\nstack = \"64KiB\"\n"
      "description = \"demo\"\n"
      "[[process]]\nname = \"app\"\nstart = \"2us\"\ninit = 'x = 1'\n"
      "[[process.thread]]\nname = \"r\"\nbody = 'sleep(1)'\n"
      "[[process.thread]]\nname = \"w\"\nstart = \"1us\"\nbody = 'sleep(2)'\n"
      "[[process]]\nname = \"solo\"\nbody = '''\nprint(1)\n'''\n"
      "[expect]\nend_time_max = 3000\nstatus = \"idle\"\n");
  CHECK(sc.sim.seed == 7);
  CHECK(sc.sim.design == "retry");
  CHECK(sc.sim.max_time_ns == 1500000);
  CHECK(sc.sim.max_events == 500);
  CHECK(sc.sim.stack_bytes == 64 * 1024);
  CHECK(sc.sim.description == "demo");
  REQUIRE(sc.processes.size() == 2);
  const ProcessSpec& app = sc.processes[0];
  REQUIRE(app.init.has_value());
  CHECK(app.init->full_name == "app/init");
  REQUIRE(app.threads.size() == 2);
  CHECK(app.threads[0].full_name == "app/r");
  CHECK(app.threads[0].start_ns == 2000);
  CHECK(app.threads[1].start_ns == 3000);
  CHECK(sc.processes[1].threads[0].full_name == "solo/main");
  // [expect] in source order, with the default violations = 0 appended.
  REQUIRE(sc.expects.size() == 3);
  CHECK(sc.expects[0].key == "end_time_max");
  CHECK(sc.expects[0].number == 3000);
  CHECK(sc.expects[0].source == "end_time_max = 3000");
  CHECK(sc.expects[0].pos.line == 25);
  CHECK(sc.expects[1].source == "status = \"idle\"");
  CHECK(sc.expects[2].source == "violations = 0 (default)");
}

TEST_CASE("Loader: defaults when [sim] and [expect] are absent", "[loader]") {
  Scenario sc = LoadOk(kBody);
  CHECK(sc.sim.seed == 1);
  CHECK(sc.sim.design == "mainline");
  CHECK(sc.sim.max_time_ns == sim::kNever);
  CHECK(sc.sim.max_events == 10000000);
  REQUIRE(sc.expects.size() == 2);
  CHECK(sc.expects[0].kind == EndExpectation::Kind::kStatus);
  CHECK(sc.expects[0].text == "idle");
  CHECK(sc.expects[0].source == "status = \"idle\" (default)");
  CHECK(sc.expects[1].kind == EndExpectation::Kind::kViolations);
}

TEST_CASE("Loader: program positions map into the .toml file", "[loader]") {
  // ''' followed by a newline: the program starts on the next line, column 1.
  CHECK(LoadError("[[process]]\nname = \"p\"\nbody = '''\nx = 1\n  y = = 2\n'''\n") ==
        "s.toml:5:7: expected an expression, got '='");
  // A one-line literal string: columns continue after the quote.
  CHECK(LoadError("[[process]]\nname = \"p\"\nbody =   'x = )'\n") ==
        "s.toml:3:15: expected an expression, got ')'");
  // ''' with text on the same line.
  CHECK(LoadError("[[process]]\nname = \"p\"\nbody = '''x = )\n'''\n") ==
        "s.toml:3:15: expected an expression, got ')'");
  // A thread's body.
  CHECK(LoadError("[[process]]\nname = \"p\"\n[[process.thread]]\nname = \"t\"\nbody = '''\nif x {\n'''\n") ==
        "s.toml:7:1: expected '}' to close block opened at 6:6, got end of program");
}

TEST_CASE("Loader: malformed TOML is one located error", "[loader]") {
  CHECK(LoadError("[sim]\nseed = = 1\n") ==
        "s.toml:2:8: malformed TOML: Error while parsing value: could not determine value type");
}

TEST_CASE("Loader: schema errors name file:line:col", "[loader]") {
  CHECK(LoadError(std::string(kBody) + "[device]\nname = \"sda\"\n") ==
        "s.toml:4:2: unknown table 'device' (expected sim, process, expect)");
  CHECK(LoadError("[sim]\nsede = 1\n" + std::string(kBody)) ==
        "s.toml:2:1: unknown key 'sede' in [sim] (expected seed, design, max_time, max_events, stack, "
        "description)");
  CHECK(LoadError("[sim]\nseed = \"one\"\n" + std::string(kBody)) ==
        "s.toml:2:8: 'seed' in [sim] must be an integer, got string");
  CHECK(LoadError("[sim]\nseed = -1\n" + std::string(kBody)) ==
        "s.toml:2:8: 'seed' in [sim] must be >= 0, got -1");
  CHECK(LoadError("[sim]\nmax_time = \"10 parsecs\"\n" + std::string(kBody)) ==
        "s.toml:2:12: bad duration \"10 parsecs\": expected a number with a unit ns, us, ms or s (e.g. "
        "\"10ms\")");
  CHECK(LoadError("[sim]\nmax_time = 1.5\n" + std::string(kBody)) ==
        "s.toml:2:12: 'max_time' in [sim] must be a duration like \"10ms\" or an integer number of "
        "nanoseconds, got float");
  CHECK(LoadError("[sim]\nmax_time = \"0.5ns\"\n" + std::string(kBody)) ==
        "s.toml:2:12: bad duration \"0.5ns\": not a whole number of nanoseconds (e.g. \"10ms\")");
  CHECK(LoadError("[sim]\nstack = \"4KiB\"\n" + std::string(kBody)) ==
        "s.toml:2:9: 'stack' in [sim] must be between 16KiB and 1GiB");
  CHECK(LoadError("[sim]\ndesign = \"magic\"\n" + std::string(kBody)) ==
        "s.toml:2:10: unknown design \"magic\" (known: mainline, retry)");
  CHECK(LoadError("[sim]\nmax_events = 0\n" + std::string(kBody)) ==
        "s.toml:2:14: 'max_events' in [sim] must be > 0, got 0");
  CHECK(LoadError("sim = 3\n") == "s.toml:1:7: 'sim' must be a table ([sim]), got integer");
  CHECK(LoadError("[process]\nname = \"p\"\n") ==
        "s.toml:1:1: 'process' must be an array of tables ([[process]]), got table");
  CHECK(LoadError("[[process]]\nname = \"p\"\n") ==
        "s.toml:1:1: process \"p\" needs a body or [[process.thread]] tables");
  CHECK(LoadError("[[process]]\nbody = 'x = 1'\n") == "s.toml:1:1: missing key 'name' in [[process]]");
  CHECK(LoadError("[[process]]\nname = \"a/b\"\nbody = 'x = 1'\n") ==
        "s.toml:2:8: process name \"a/b\" must be non-empty and use only letters, digits, '_', '-', '.'");
  CHECK(LoadError(std::string(kBody) + kBody) == "s.toml:5:8: a second process named \"p\"");
  CHECK(LoadError("[[process]]\nname = \"p\"\nbody = 5\n") ==
        "s.toml:3:8: the program of process \"p\" must be a string (a program), got integer");
  CHECK(
      LoadError(
          "[[process]]\nname = \"p\"\nbody = 'x = 1'\n[[process.thread]]\nname = \"t\"\nbody = 'y = 1'\n") ==
      "s.toml:4:1: process \"p\" has both a body and [[process.thread]] tables; use one");
  CHECK(LoadError("[[process]]\nname = \"p\"\n[[process.thread]]\nname = \"t\"\n") ==
        "s.toml:3:1: missing key 'body' in [[process.thread]] \"t\"");
  CHECK(LoadError("[[process]]\nname = \"p\"\n[[process.thread]]\nname = \"init\"\nbody = 'x = 1'\n") ==
        "s.toml:4:8: the thread name \"init\" is reserved for the process's init program");
  CHECK(LoadError("[[process]]\nname = \"p\"\n[[process.thread]]\nname = \"t\"\nbody = 'x = 1'\n"
                  "[[process.thread]]\nname = \"t\"\nbody = 'x = 1'\n") ==
        "s.toml:7:8: a second thread named \"t\" in process \"p\"");
  CHECK(LoadError("[[process]]\nname = \"p\"\nbody = 'x = 1'\ncolour = 3\n") ==
        "s.toml:4:1: unknown key 'colour' in [[process]] (expected name, start, init, body, thread)");
  CHECK(LoadError(std::string(kBody) + "[expect]\nstatus = \"happy\"\n") ==
        "s.toml:5:10: 'status' in [expect] must be one of idle, deadlock, time_limit, step_limit, violation, "
        "got \"happy\"");
  CHECK(LoadError(std::string(kBody) + "[expect]\nviolations = -1\n") ==
        "s.toml:5:14: 'violations' in [expect] must be >= 0");
  CHECK(LoadError(std::string(kBody) + "[expect]\nleaks = 0\n") ==
        "s.toml:5:1: unknown key 'leaks' in [expect] (expected status, end_time, end_time_min, end_time_max, "
        "violations)");
}

TEST_CASE("Loader: extensions own extra tables and keys", "[loader]") {
  Schema schema;
  schema.tables = {"device"};
  schema.sim_keys = {"features"};
  schema.expect_keys = {"leaks"};
  Scenario sc = LoadOk("[sim]\nfeatures = [\"epoll\"]\n" + std::string(kBody) +
                           "[[device]]\nname = \"sda\"\n[expect]\nleaks = 0\n",
                       schema);
  const ConfigNode* dev = sc.root->Find("device");
  REQUIRE(dev != nullptr);
  REQUIRE(dev->type() == ConfigNode::Type::kArray);
  CHECK(dev->items()[0]->Find("name")->string_value() == "sda");
  REQUIRE(sc.expects.size() == 3);
  CHECK(sc.expects[1].kind == EndExpectation::Kind::kExtension);
  CHECK(sc.expects[1].node->int_value() == 0);
}

TEST_CASE("Loader: a missing file is one error naming it", "[loader]") {
  Scenario sc;
  sim::Status s = LoadScenarioFile("no/such.toml", Schema{}, &sc);
  CHECK(s.message() == "no/such.toml: cannot read the scenario file (No such file or directory)");
}

TEST_CASE("ConfigReader: typed reads with defaults, units and unknown keys", "[loader]") {
  Scenario sc = LoadOk("[sim]\n" + std::string(kBody) +
                           "[[dev]]\nname = \"sda\"\nsize = \"1GiB\"\nlatency = \"250us\"\nqd = 32\nfast = "
                           "true\nkind = \"ssd\"\nextra = 1\n",
                       Schema{{"dev"}, {}, {}});
  const ConfigNode& dev = *sc.root->Find("dev")->items()[0];
  ConfigReader r(dev, "[[dev]]");
  CHECK(r.String("name") == "sda");
  CHECK(r.Size("size") == (int64_t{1} << 30));
  CHECK(r.Duration("latency") == 250000);
  CHECK(r.Int("qd", 1) == 32);
  CHECK(r.Int("missing", 9) == 9);
  CHECK(r.Bool("fast", false));
  CHECK(r.OneOf("kind", {"hdd", "ssd"}, "hdd") == "ssd");
  CHECK(
      r.Finish().message() ==
      "s.toml:12:1: unknown key 'extra' in [[dev]] (expected name, size, latency, qd, missing, fast, kind)");

  ConfigReader bad(dev, "[[dev]]");
  CHECK(bad.Int("name", 0) == 0);
  CHECK(bad.Int("qd", 5) == 5);  // after the first error, defaults
  CHECK(bad.status().message() == "s.toml:6:8: 'name' in [[dev]] must be an integer, got string");
  ConfigReader missing(dev, "[[dev]]");
  missing.String("model");
  CHECK(missing.status().message() == "s.toml:5:1: missing key 'model' in [[dev]]");
}

}  // namespace
}  // namespace scenarios
