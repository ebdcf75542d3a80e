#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "tests/scenarios/program_util.h"

namespace scenarios_test {
namespace {

using Strings = std::vector<std::string>;

// Runs a body that must succeed; returns what it printed.
Strings PrintedBy(const std::string& body) {
  ProgramRun r = RunBody(body);
  INFO(r.status.message());
  REQUIRE(r.status.ok());
  return Printed(r.report);
}

// Runs a body that must stop with a run-time error; returns the message.
std::string RuntimeError(const std::string& body) {
  ProgramRun r = RunBody(body);
  REQUIRE_FALSE(r.status.ok());
  return r.status.message();
}

TEST_CASE("Interpreter: integer arithmetic follows C", "[interpreter]") {
  CHECK(PrintedBy("print(1 + 2 * 3, 7 / 2, -7 / 2, -7 % 3, 7 % -3, 1 << 4, -16 >> 2)") ==
        Strings{"7 3 -3 -1 1 16 -4"});
  CHECK(PrintedBy("print(0xff & 0x0f | 0x100, 5 ^ 1, ~0, !0, !5, -(3))") == Strings{"271 4 -1 1 0 -3"});
  CHECK(PrintedBy("print(3 < 4, 4 <= 4, 5 > 6, 6 >= 7, 1 == 1, 1 != 1)") == Strings{"1 1 0 0 1 0"});
  CHECK(PrintedBy("print(10us, 4KiB, 1s / 1ms, true, false)") == Strings{"10000 4096 1000 1 0"});
  CHECK(PrintedBy("x = 5\nx += 3\nx -= 1\nx *= 4\nx /= 3\nx %= 5\nx <<= 2\nx >>= 1\nx |= 1\nx &= 7\nx ^= "
                  "2\nprint(x)") == Strings{"3"});
}

TEST_CASE("Interpreter: strings and lists", "[interpreter]") {
  CHECK(PrintedBy("print(\"ab\" + \"c\", \"a\" < \"b\", \"b\" == \"b\", len(\"hello\"), \"xyz\"[1])") ==
        Strings{"abc 1 1 5 y"});
  CHECK(PrintedBy("l = [1, \"two\", [3]]\nprint(l, len(l), l[1], l[2][0])") ==
        Strings{"[1, \"two\", [3]] 3 two 3"});
  CHECK(PrintedBy("print([1] + [2, 3], [1, [2]] == [1, [2]], [1] == [2], [] == [])") ==
        Strings{"[1, 2, 3] 1 0 1"});
  // Lists are shared: two names, one list.
  CHECK(PrintedBy("a = [1]\nb = a\nappend(b, 2)\nb[0] = 9\nprint(a)") == Strings{"[9, 2]"});
  CHECK(PrintedBy("l = [1, 2, 3]\nl[1] += 10\nprint(l)\nprint(pop(l), pop(l, 0), l)") ==
        Strings{"[1, 12, 3]", "3 1 [12]"});
  // Arguments are evaluated left to right before the call: both l's are the same list.
  CHECK(PrintedBy("l = [1, 2]\nprint(l, pop(l))") == Strings{"[1] 2"});
  CHECK(PrintedBy("print(str(12) + \"!\", str([1, \"a\"]), min(3, 1, 2), max(3, 1, 2), append([], 5))") ==
        Strings{"12! [1, \"a\"] 1 3 1"});
}

TEST_CASE("Interpreter: && and || short-circuit and give 0 or 1", "[interpreter]") {
  CHECK(PrintedBy(
            "calls = []\nx = 0 && append(calls, 1)\ny = 1 || append(calls, 2)\nz = 2 && 3\nprint(x, y, z, "
            "len(calls))") == Strings{"0 1 1 0"});
}

TEST_CASE("Interpreter: if, else if, else", "[interpreter]") {
  const std::string body =
      "for v in [-1, 0, 1] {\n"
      "  if v < 0 { print(\"neg\") } else if v == 0 { print(\"zero\") } else { print(\"pos\") }\n"
      "}";
  CHECK(PrintedBy(body) == Strings{"neg", "zero", "pos"});
}

TEST_CASE("Interpreter: loops, break and continue", "[interpreter]") {
  CHECK(PrintedBy("repeat 3 as i { print(i) }\nrepeat 0 { print(\"never\") }") == Strings{"0", "1", "2"});
  CHECK(
      PrintedBy("i = 0\nwhile 1 {\n  i += 1\n  if i % 2 { continue }\n  if i > 6 { break }\n  print(i)\n}") ==
      Strings{"2", "4", "6"});
  CHECK(PrintedBy("for c in \"ab\" { print(c) }\nfor x in [] { print(x) }") == Strings{"a", "b"});
  // break leaves only the innermost loop.
  CHECK(PrintedBy("repeat 2 as i {\n  repeat 5 as j {\n    if j == 1 { break }\n    print(i, j)\n  }\n}") ==
        Strings{"0 0", "1 0"});
  // for iterates the live list.
  CHECK(PrintedBy("l = [1]\nfor x in l {\n  if x < 3 { append(l, x + 1) }\n  print(x)\n}") ==
        Strings{"1", "2", "3"});
}

TEST_CASE("Interpreter: sleep and now use virtual time", "[interpreter]") {
  ProgramRun r = RunBody("t0 = now()\nsleep(1500us)\nprint(now() - t0)\nsleep(0)\nprint(now())");
  REQUIRE(r.status.ok());
  CHECK(Printed(r.report) == Strings{"1500000", "1500000"});
  CHECK(r.report.end_time_ns == 1500000);
  CHECK(r.report.output[0].time == 1500000);
  CHECK(r.report.output[0].thread == "p/main");
}

TEST_CASE("Interpreter: expect records pass and fail and the thread continues", "[interpreter]") {
  ProgramRun r = RunBody("r = 4096\nexpect r == 4096\nexpect r == 1\nprint(\"still here\")");
  REQUIRE(r.status.ok());
  CHECK(Printed(r.report) == Strings{"still here"});
  REQUIRE(r.report.program_expectations.size() == 2);
  const auto& ok = r.report.program_expectations[0];
  CHECK(ok.file == "t.toml");
  CHECK(ok.pos.line == 5);
  CHECK(ok.pos.col == 1);
  CHECK(ok.source == "expect r == 4096");
  CHECK(ok.passes == 1);
  CHECK(ok.failures == 0);
  const auto& bad = r.report.program_expectations[1];
  CHECK(bad.failures == 1);
  CHECK(bad.failures_kept[0].thread == "p/main");
  CHECK_FALSE(r.report.passed());
}

TEST_CASE("Interpreter: expect failure messages show both sides", "[interpreter]") {
  ProgramRun r = RunBody(
      "r = -14\n"
      "expect r == -EINVAL\n"
      "n = 10\n"
      "expect 4096 == n\n"
      "expect n < 10\n"
      "expect 10 > n\n"
      "expect n != 10\n"
      "s = \"y\"\n"
      "expect s == \"x\"\n"
      "ok = 0\n"
      "expect ok\n"
      "expect n == 1, \"short read\"\n"
      "expect n + 1 == 2 * 3\n"
      "expect -EINVAL == r\n");
  REQUIRE(r.status.ok());
  CHECK(Failures(r.report) == Strings{
                                  "expect r == -EINVAL failed: r is -14 (EFAULT), expected -22",
                                  "expect 4096 == n failed: n is 10, expected 4096",
                                  "expect n < 10 failed: n is 10, expected < 10",
                                  "expect 10 > n failed: n is 10, expected < 10",
                                  "expect n != 10 failed: n is 10, expected anything but 10",
                                  "expect s == \"x\" failed: s is \"y\", expected \"x\"",
                                  "expect ok failed: ok is 0",
                                  "expect n == 1 failed: short read: n is 10, expected 1",
                                  "expect n + 1 == 2 * 3 failed: n + 1 is 11, expected 6",
                                  "expect -EINVAL == r failed: r is -14 (EFAULT), expected -22",
                              });
}

TEST_CASE("Interpreter: an expect in a loop counts every execution and keeps the first failures",
          "[interpreter]") {
  ProgramRun r = RunBody("repeat 10 as i { expect i < 3 }");
  REQUIRE(r.status.ok());
  REQUIRE(r.report.program_expectations.size() == 1);
  const auto& site = r.report.program_expectations[0];
  CHECK(site.passes == 3);
  CHECK(site.failures == 7);
  CHECK(site.failures_kept.size() == 5);
  CHECK(site.failures_kept[0].message == "expect i < 3 failed: i is 3, expected < 3");
}

TEST_CASE("Interpreter: an expect never reached is listed as not reached", "[interpreter]") {
  ProgramRun r = RunBody("if 0 { expect 1 }");
  REQUIRE(r.status.ok());
  CHECK(r.report.expectations_not_reached() == 1);
  CHECK(r.report.passed());
}

TEST_CASE("Interpreter: fail() records a failure at the call and ends the thread", "[interpreter]") {
  ProgramRun r = RunBody("print(\"before\")\nfail(\"it broke\")\nprint(\"after\")");
  REQUIRE(r.status.ok());
  CHECK(Printed(r.report) == Strings{"before"});
  REQUIRE(r.report.program_expectations.size() == 1);
  CHECK(r.report.program_expectations[0].source == "fail(\"it broke\")");
  CHECK(r.report.program_expectations[0].pos.line == 5);
  CHECK(Failures(r.report) == Strings{"it broke"});
  CHECK_FALSE(r.report.passed());
}

TEST_CASE("Interpreter: run-time errors name file:line:col and stop the run", "[interpreter]") {
  CHECK(RuntimeError("x = 1\ny = \"a\" + x") ==
        "t.toml:5:9: cannot add string and int (use str() to convert)");
  CHECK(RuntimeError("x = 1 / 0") == "t.toml:4:7: division by zero");
  CHECK(RuntimeError("x = 1 % 0") == "t.toml:4:7: modulo by zero");
  CHECK(RuntimeError("x = 9223372036854775807 + 1") ==
        "t.toml:4:25: integer overflow in 9223372036854775807 + 1");
  CHECK(RuntimeError("x = -9223372036854775807 - 1\ny = -x") ==
        "t.toml:5:5: integer overflow in -(-9223372036854775808)");
  CHECK(RuntimeError("x = 3000000000 * 3000000000 * 3") ==
        "t.toml:4:29: integer overflow in 9000000000000000000 * 3");
  CHECK(RuntimeError("x = 1 << 64") == "t.toml:4:7: shift count 64 out of range 0..63");
  CHECK(RuntimeError("if 0 { y = 1 }\nprint(y)") == "t.toml:5:7: variable 'y' is read before it is set");
  CHECK(RuntimeError("l = [1]\nx = l[5]") == "t.toml:5:6: index 5 out of range for a list of length 1");
  CHECK(RuntimeError("l = [1]\nx = l[\"a\"]") == "t.toml:5:6: list index must be an int, got string");
  CHECK(RuntimeError("x = 5\ny = x[0]") == "t.toml:5:6: cannot index int");
  CHECK(RuntimeError("x = 5\ny = x.res") == "t.toml:5:7: cannot read field 'res' of int");
  CHECK(RuntimeError("x = 5\nx.res = 1") == "t.toml:5:3: cannot set field 'res' of int");
  CHECK(RuntimeError("if \"s\" { }") == "t.toml:4:4: an if condition must be an int, got string");
  CHECK(RuntimeError("while [] { }") == "t.toml:4:7: a while condition must be an int, got list");
  CHECK(RuntimeError("expect \"s\"") == "t.toml:4:8: an expect condition must be an int, got string");
  CHECK(RuntimeError("x = \"a\" && 1") == "t.toml:4:5: an operand of && and || must be an int, got string");
  CHECK(RuntimeError("repeat -1 { }") == "t.toml:4:8: repeat count must be >= 0, got -1");
  CHECK(RuntimeError("repeat \"x\" { }") == "t.toml:4:8: repeat count must be an int, got string");
  CHECK(RuntimeError("for x in 5 { }") == "t.toml:4:10: cannot iterate over int");
  CHECK(RuntimeError("sleep(\"x\")") == "t.toml:4:1: sleep: argument 'd' must be int, got string");
  CHECK(RuntimeError("sleep(-1)") == "t.toml:4:1: sleep: argument 'd' must be >= 0, got -1");
  CHECK(RuntimeError("x = [1] < [2]") ==
        "t.toml:4:9: cannot order list and list with '<' (it needs two ints or two strings)");
  CHECK(RuntimeError("x = 1 == \"a\"") == "t.toml:4:7: cannot compare int with string");
  CHECK(RuntimeError("x = -\"a\"") == "t.toml:4:5: operator '-' needs an int, got string");
  CHECK(RuntimeError("x = 2 - \"a\"") == "t.toml:4:7: operator '-' needs two ints, got int and string");
  CHECK(RuntimeError("x = pop([])") == "t.toml:4:5: pop: the list is empty");
  CHECK(RuntimeError("x = len(5)") == "t.toml:4:5: len: int has no length");
  CHECK(RuntimeError("s = \"ab\"\ns[0] = \"x\"") == "t.toml:5:2: strings cannot be changed in place");
  CHECK(RuntimeError("append(5, 1)") == "t.toml:4:1: append: argument 'l' must be list, got int");
  CHECK(RuntimeError("wait_on(\"w\", timeout=\"soon\")") ==
        "t.toml:4:1: wait_on: argument 'timeout' must be int, got string");
}

TEST_CASE("Interpreter: runaway growth is a run-time error, and printing a cyclic list is bounded",
          "[interpreter]") {
  CHECK(RuntimeError("s = \"ab\"\nrepeat 30 { s = s + s }") ==
        "t.toml:5:19: string too long (the limit is 16777216 bytes)");
  Strings printed = PrintedBy("l = []\nrepeat 50 { append(l, l) }\nprint(len(l))\nprint(l)");
  REQUIRE(printed.size() == 2);
  CHECK(printed[0] == "50");
  CHECK(printed[1].size() < 70 * 1024);
  CHECK(printed[1].rfind("[[[[[[[[[...], [...]", 0) == 0);
}

TEST_CASE("Interpreter: a run-time error in one thread stops the whole run", "[interpreter]") {
  ProgramRun r = RunToml(
      "[[process]]\nname = \"p\"\n"
      "[[process.thread]]\nname = \"bad\"\nbody = '''\nsleep(1ms)\nx = 1 / 0\n'''\n"
      "[[process.thread]]\nname = \"good\"\nbody = '''\nsleep(2ms)\nprint(\"too late\")\n'''\n");
  REQUIRE_FALSE(r.status.ok());
  CHECK(r.status.message() == "t.toml:7:7: division by zero");
}

TEST_CASE("Interpreter: threads of a process share its variables", "[interpreter]") {
  ProgramRun r = RunToml(
      "[[process]]\nname = \"p\"\ninit = '''\ncount = 0\n'''\n"
      "[[process.thread]]\nname = \"a\"\nbody = '''\nrepeat 3 { count += 1\n sleep(1us) }\n'''\n"
      "[[process.thread]]\nname = \"b\"\nbody = '''\nrepeat 3 { count += 10\n sleep(1us) }\n'''\n"
      "[[process.thread]]\nname = \"c\"\nstart = \"1ms\"\nbody = '''\nprint(count)\n'''\n"
      "[[process]]\nname = \"q\"\nbody = '''\ncount = 100\nprint(count)\n'''\n");
  INFO(r.status.message());
  REQUIRE(r.status.ok());
  CHECK(Printed(r.report) == Strings{"100", "33"});
  CHECK(r.report.output[1].thread == "p/c");
  CHECK(r.report.output[1].time == 1000000);
}

TEST_CASE("Interpreter: wait points block, wake one in FIFO order, wake all, and time out", "[interpreter]") {
  ProgramRun r = RunToml(
      "[[process]]\nname = \"p\"\ninit = '''\norder = []\n'''\n"
      "[[process.thread]]\nname = \"w1\"\nbody = '''\nwait_on(\"q\")\nappend(order, 1)\n'''\n"
      "[[process.thread]]\nname = \"w2\"\nbody = '''\nwait_on(\"q\")\nappend(order, 2)\n'''\n"
      "[[process.thread]]\nname = \"w3\"\nbody = '''\nr = wait_on(\"q\", timeout=5us)\nappend(order, "
      "r)\n'''\n"
      "[[process.thread]]\nname = \"waker\"\nbody = '''\nsleep(1us)\nexpect wake_one(\"q\") == "
      "1\nsleep(1us)\n"
      "expect wake_all(\"q\") == 2\nsleep(1us)\nexpect wake_all(\"q\") == 0\nexpect wake_one(\"q\") == 0\n"
      "print(order)\n'''\n");
  INFO(r.status.message());
  REQUIRE(r.status.ok());
  CHECK(Printed(r.report) == Strings{"[1, 2, 0]"});
  CHECK(r.report.passed());
}

TEST_CASE("Interpreter: yield lets the other runnable threads go first", "[interpreter]") {
  ProgramRun r = RunToml(
      "[[process]]\nname = \"p\"\n"
      "[[process.thread]]\nname = \"a\"\nbody = '''\nprint(\"a1\")\nyield()\nprint(\"a2\")\n'''\n"
      "[[process.thread]]\nname = \"b\"\nbody = '''\nprint(\"b1\")\nyield()\nprint(\"b2\")\n'''\n");
  REQUIRE(r.status.ok());
  CHECK(Printed(r.report) == Strings{"a1", "b1", "a2", "b2"});
}

TEST_CASE("Interpreter: a runaway loop ends the run with status step_limit", "[interpreter]") {
  ProgramRun r = RunBody("i = 0\nwhile 1 { i += 1 }", "[sim]\nmax_events = 1000\n");
  REQUIRE(r.status.ok());
  CHECK(r.report.status == "step_limit");
  CHECK(r.report.stop_reason ==
        "step limit: thread p/main ran more than 1000 loop iterations (loop at t.toml:5:1)");
  CHECK_FALSE(r.report.passed());
  ProgramRun expected =
      RunBody("while 1 { }", "[sim]\nmax_events = 1000\n[expect]\nstatus = \"step_limit\"\n");
  REQUIRE(expected.status.ok());
  CHECK(expected.report.passed());
}

TEST_CASE("Interpreter: a thread waiting forever is reported as a deadlock", "[interpreter]") {
  ProgramRun r = RunBody("sleep(2us)\nwait_on(\"nobody_comes\")");
  REQUIRE(r.status.ok());
  CHECK(r.report.status == "deadlock");
  REQUIRE(r.report.blocked.size() == 1);
  CHECK(r.report.blocked[0].name == "p/main");
  CHECK(r.report.blocked[0].waits_on == "nobody_comes");
  CHECK(r.report.blocked[0].since == 2000);
  CHECK_FALSE(r.report.passed());
}

TEST_CASE("Interpreter: every call and expect lands in the trace", "[interpreter]") {
  ProgramRun r =
      RunToml(OneProcess("sleep(5)\nx = len([1, 2])\nexpect x == 2\nprint(\"hi\")"), /*keep_trace=*/true);
  REQUIRE(r.status.ok());
  std::string all;
  for (const std::string& l : r.report.trace_lines) all += l + "\n";
  CHECK(all.find("p/main script.call ret=0 line=4 \"sleep\"") != std::string::npos);
  CHECK(all.find("p/main script.call ret=2 line=5 \"len\"") != std::string::npos);
  CHECK(all.find("p/main script.expect pass=1 line=6 \"expect x == 2\"") != std::string::npos);
  CHECK(all.find("p/main script.print line=7 \"hi\"") != std::string::npos);
  CHECK(r.report.trace_records == r.report.trace_lines.size());
}

TEST_CASE("Interpreter: deep but legal nesting runs within the default fiber stack", "[interpreter]") {
  std::string body;
  for (int i = 0; i < 20; ++i) body += "if 1 {\n";
  body += "x = ";
  for (int i = 0; i < 26; ++i) body += "(1 + ";
  body += "1";
  for (int i = 0; i < 26; ++i) body += ")";
  body += "\nprint(x)\n";
  for (int i = 0; i < 20; ++i) body += "}\n";
  CHECK(PrintedBy(body) == Strings{"27"});
}

}  // namespace
}  // namespace scenarios_test
