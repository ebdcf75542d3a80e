// Pins sim::Trace: kind registration, the running hash, the stable text and
// JSON-lines forms (as literal strings), escaping, kept records and sinks.
#include "sim/trace.h"

#include <catch2/catch.hpp>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "sim/check.h"

namespace {

// Reads back everything written to a tmpfile.
std::string ReadAll(std::FILE* f) {
  std::rewind(f);
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  return out;
}

std::string Hex16(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

struct Seen {
  uint64_t seq;
  std::string kind;
  std::vector<int64_t> values;
  std::string text;
};

class CollectSink : public sim::TraceSink {
 public:
  CollectSink(std::vector<Seen>* seen, bool* finished) : seen_(seen), finished_(finished) {}
  void Write(const sim::Trace& trace, const sim::TraceRecord& r) override {
    Seen s{r.seq, trace.kind(r.kind).name, {}, std::string(r.text ? trace.Text(r.text) : "")};
    for (int i = 0; i < r.nvalues; ++i) s.values.push_back(r.values[i]);
    seen_->push_back(s);
  }
  void Finish(const sim::Trace&) override { *finished_ = true; }

 private:
  std::vector<Seen>* seen_;
  bool* finished_;
};

}  // namespace

TEST_CASE("Trace: Kind is idempotent by name", "[sim][trace]") {
  sim::Trace t;
  const uint32_t a = t.Kind("aio.submit", {"ctx", "nr"});
  const uint32_t b = t.Kind("aio.reap", {"ctx"});
  CHECK(a != b);
  CHECK(t.Kind("aio.submit", {"ctx", "nr"}) == a);
  CHECK(t.kind(a).name == "aio.submit");
  CHECK(t.kind(a).fields == std::vector<std::string>{"ctx", "nr"});
  CHECK(a != 0);  // 0 is reserved
}

TEST_CASE("Trace: re-registering a kind with other fields is a violation", "[sim][trace]") {
  sim::Trace t;
  t.Kind("page.lock", {"ino", "index"});
  CHECK_THROWS_AS(t.Kind("page.lock", {"ino"}), sim::Violation);
  CHECK_THROWS_AS(t.Kind("page.lock", {"ino", "offset"}), sim::Violation);
  CHECK_THROWS_AS(t.Kind("wide", {"a", "b", "c", "d", "e", "f", "g"}), sim::Violation);
}

TEST_CASE("Trace: the hash does not depend on kind registration order", "[sim][trace]") {
  sim::Trace t1;
  sim::Trace t2;
  const uint32_t a1 = t1.Kind("alpha", {"x"});
  const uint32_t b1 = t1.Kind("beta", {"y", "z"});
  const uint32_t b2 = t2.Kind("beta", {"y", "z"});
  const uint32_t a2 = t2.Kind("alpha", {"x"});
  REQUIRE(a1 != a2);  // different numbers...
  for (sim::Trace* t : {&t1, &t2}) {
    t->SetNow(100);
    t->SetTask(2);
  }
  t1.Emit(a1, {5});
  t2.Emit(a2, {5});
  t1.Emit(b1, {1, 2}, "x");
  t2.Emit(b2, {1, 2}, "x");
  CHECK(t1.hash() == t2.hash());  // ...same fingerprint
  CHECK(t1.count() == 2);
}

TEST_CASE("Trace: every part of a record changes the hash", "[sim][trace]") {
  auto hash_of = [](sim::SimTime now, uint32_t task, const char* kind, std::vector<int64_t> v,
                    const char* text) {
    sim::Trace t;
    const uint32_t k = t.Kind(kind, {"a", "b"});
    t.SetNow(now);
    t.SetTask(task);
    if (v.size() == 2) {
      t.Emit(k, {v[0], v[1]}, text);
    } else {
      t.Emit(k, {v[0]}, text);
    }
    return t.hash();
  };
  const uint64_t base = hash_of(10, 1, "k", {1, 2}, "");
  CHECK(hash_of(10, 1, "k", {1, 2}, "") == base);
  CHECK(hash_of(11, 1, "k", {1, 2}, "") != base);
  CHECK(hash_of(10, 2, "k", {1, 2}, "") != base);
  CHECK(hash_of(10, 1, "j", {1, 2}, "") != base);
  CHECK(hash_of(10, 1, "k", {2, 1}, "") != base);  // order of values matters
  CHECK(hash_of(10, 1, "k", {1, 3}, "") != base);
  CHECK(hash_of(10, 1, "k", {1}, "") != base);
  CHECK(hash_of(10, 1, "k", {1, 2}, "t") != base);
  CHECK(hash_of(10, 1, "k", {1, 2}, "t") != hash_of(10, 1, "k", {1, 2}, "u"));
  // Order of records matters too.
  sim::Trace x;
  sim::Trace y;
  const uint32_t kx = x.Kind("k", {"a"});
  const uint32_t ky = y.Kind("k", {"a"});
  x.Emit(kx, {1});
  x.Emit(kx, {2});
  y.Emit(ky, {2});
  y.Emit(ky, {1});
  CHECK(x.hash() != y.hash());
  CHECK(sim::Trace().hash() == sim::Trace().hash());
}

// The fingerprint's formula is part of the contract (hashes are compared
// across processes and builds). The value below was computed once and checked
// against an independent implementation of the formula in trace.h; a change
// of compiler, library or code that shifts it must fail here.
TEST_CASE("Trace: the hash of a fixed record sequence is pinned", "[sim][trace]") {
  sim::Trace t;
  CHECK(t.hash() == 0x6a09e667f3bcc908ull);
  const uint32_t a = t.Kind("aio.submit", {"ctx", "nr"});
  const uint32_t b = t.Kind("page.lock", {});
  t.SetNow(1500);
  t.SetTask(3);
  t.Emit(a, {7, -2});
  t.Emit(b, {}, "PG_locked");
  t.SetNow(2000);
  t.SetTask(0);
  t.Emit(a, {1, 2, 3, 4, 5, 6});
  CHECK(t.hash() == 0x6301e8007acb9717ull);
  CHECK(t.count() == 3);
}

TEST_CASE("Trace: a record holds at most kMaxValues values", "[sim][trace]") {
  sim::Trace t;
  const uint32_t k = t.Kind("k", {"a"});
  CHECK_THROWS_AS(t.Emit(k, {1, 2, 3, 4, 5, 6, 7}), sim::Violation);
  CHECK_NOTHROW(t.Emit(k, {1, 2, 3, 4, 5, 6}));
}

TEST_CASE("Trace: keeping records or adding sinks does not change the hash", "[sim][trace]") {
  auto run = [](bool keep, bool sink) {
    sim::Trace t;
    std::vector<Seen> seen;
    bool finished = false;
    t.KeepRecords(keep);
    if (sink) t.AddSink(std::make_unique<CollectSink>(&seen, &finished));
    const uint32_t k = t.Kind("k", {"a"});
    for (int i = 0; i < 10; ++i) {
      t.SetNow(i * 10);
      t.Emit(k, {i}, i % 2 ? "odd" : "");
    }
    return t.hash();
  };
  const uint64_t h = run(false, false);
  CHECK(run(true, false) == h);
  CHECK(run(false, true) == h);
  CHECK(run(true, true) == h);
}

TEST_CASE("Trace: the text form of a record is stable", "[sim][trace]") {
  sim::Trace t;
  t.KeepRecords(true);
  const uint32_t k = t.Kind("aio.submit", {"ctx", "nr"});
  t.SetTaskName(3, "user1");
  t.SetNow(1500);
  t.SetTask(3);
  t.Emit(k, {7, -2}, "hi \"there\"\n");
  t.SetTask(0);
  t.SetNow(123456789012345);
  t.Emit(k, {1, 2, 99});  // a value beyond the named fields
  t.SetTask(9);
  t.Emit(k, {});
  REQUIRE(t.records().size() == 3);
  CHECK(t.FormatText(t.records()[0]) == "          1500 user1 aio.submit ctx=7 nr=-2 \"hi \\\"there\\\"\\n\"");
  CHECK(t.FormatText(t.records()[1]) == "123456789012345 irq aio.submit ctx=1 nr=2 v2=99");
  CHECK(t.FormatText(t.records()[2]) == "123456789012345 ? aio.submit");
}

TEST_CASE("Trace: the JSON form of a record is stable", "[sim][trace]") {
  sim::Trace t;
  t.KeepRecords(true);
  const uint32_t k = t.Kind("aio.submit", {"ctx", "nr"});
  t.SetTaskName(3, "user1");
  t.SetNow(1500);
  t.SetTask(3);
  t.Emit(k, {7, -2}, "hi \"there\"");
  t.SetTask(0);
  t.Emit(k, {1, 2, INT64_MIN});
  REQUIRE(t.records().size() == 2);
  CHECK(t.FormatJson(t.records()[0]) ==
        R"({"t":1500,"seq":0,"task":"user1","kind":"aio.submit","ctx":7,"nr":-2,"text":"hi \"there\""})");
  CHECK(t.FormatJson(t.records()[1]) ==
        R"({"t":1500,"seq":1,"task":"irq","kind":"aio.submit","ctx":1,"nr":2,"v2":-9223372036854775808})");
}

TEST_CASE("Trace: JSON strings are escaped", "[sim][trace]") {
  std::string out;
  sim::AppendJsonString(&out, "a\"b\\c\nd\te\x01" "f\x1f\r\xc3\xa9");
  CHECK(out == "\"a\\\"b\\\\c\\nd\\te\\u0001f\\u001f\\u000d\xc3\xa9\"");
  out.clear();
  sim::AppendJsonString(&out, "");
  CHECK(out == "\"\"");
}

TEST_CASE("Trace: task names", "[sim][trace]") {
  sim::Trace t;
  CHECK(t.TaskName(0) == "irq");
  CHECK(t.TaskName(5) == "?");
  t.SetTaskName(5, "kworker/0:1");
  CHECK(t.TaskName(5) == "kworker/0:1");
  t.SetTaskName(0, "softirq");
  CHECK(t.TaskName(0) == "softirq");
}

TEST_CASE("Trace: KeepRecords keeps every record with its text", "[sim][trace]") {
  sim::Trace t;
  const uint32_t k = t.Kind("k", {"i"});
  t.Emit(k, {-1});  // not kept: keeping starts later
  t.KeepRecords(true);
  for (int i = 0; i < 5; ++i) {
    t.SetNow(i);
    t.SetTask(static_cast<uint32_t>(i));
    t.Emit(k, {i}, "text" + std::to_string(i));
  }
  const auto& recs = t.records();
  REQUIRE(recs.size() == 5);
  for (int i = 0; i < 5; ++i) {
    CHECK(recs[i].seq == static_cast<uint64_t>(i + 1));
    CHECK(recs[i].time == i);
    CHECK(recs[i].task == static_cast<uint32_t>(i));
    CHECK(recs[i].kind == k);
    CHECK(recs[i].nvalues == 1);
    CHECK(recs[i].values[0] == i);
    CHECK(t.Text(recs[i].text) == "text" + std::to_string(i));
  }
  CHECK(t.count() == 6);
}

TEST_CASE("Trace: a kept record's text survives later sink-only records", "[sim][trace]") {
  sim::Trace t;
  std::vector<Seen> seen;
  bool finished = false;
  const uint32_t k = t.Kind("k", {});
  t.KeepRecords(true);
  t.Emit(k, {}, "kept");
  t.KeepRecords(false);
  t.AddSink(std::make_unique<CollectSink>(&seen, &finished));
  t.Emit(k, {}, "streamed");
  REQUIRE(t.records().size() == 1);
  CHECK(t.Text(t.records()[0].text) == "kept");
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].text == "streamed");
}

TEST_CASE("Trace: sinks receive every record and the finish", "[sim][trace]") {
  sim::Trace t;
  std::vector<Seen> seen;
  bool finished = false;
  t.AddSink(std::make_unique<CollectSink>(&seen, &finished));
  const uint32_t a = t.Kind("a", {"x", "y"});
  const uint32_t b = t.Kind("b", {});
  t.Emit(a, {1, 2});
  t.Emit(b, {}, "note");
  t.Emit(a, {3, 4}, "other");
  REQUIRE(seen.size() == 3);
  CHECK(seen[0].seq == 0);
  CHECK(seen[0].kind == "a");
  CHECK(seen[0].values == std::vector<int64_t>{1, 2});
  CHECK(seen[0].text.empty());
  CHECK(seen[1].kind == "b");
  CHECK(seen[1].text == "note");
  CHECK(seen[2].text == "other");
  CHECK(seen[2].values == std::vector<int64_t>{3, 4});
  CHECK_FALSE(finished);
  t.Finish();
  CHECK(finished);
  CHECK(t.records().empty());  // sinks alone keep nothing
}

TEST_CASE("Trace: the JSON-lines sink writes one object per line and an end line", "[sim][trace]") {
  std::FILE* f = std::tmpfile();
  REQUIRE(f != nullptr);
  sim::Trace t;
  t.AddSink(std::make_unique<sim::JsonLinesSink>(f));
  const uint32_t k = t.Kind("dev.complete", {"sector", "res"});
  t.SetNow(42);
  t.Emit(k, {8, 4096});
  t.Emit(k, {16, -5}, "EIO");
  t.Finish();
  const std::string want = std::string(R"({"t":42,"seq":0,"task":"irq","kind":"dev.complete","sector":8,"res":4096})") +
                           "\n" +
                           R"({"t":42,"seq":1,"task":"irq","kind":"dev.complete","sector":16,"res":-5,"text":"EIO"})" +
                           "\n" + R"({"kind":"end","records":2,"hash":")" + Hex16(t.hash()) + "\"}\n";
  CHECK(ReadAll(f) == want);
  std::fclose(f);
}

TEST_CASE("Trace: the text sink writes one line per record and an end line", "[sim][trace]") {
  std::FILE* f = std::tmpfile();
  REQUIRE(f != nullptr);
  sim::Trace t;
  t.AddSink(std::make_unique<sim::TextSink>(f));
  const uint32_t k = t.Kind("dev.complete", {"sector", "res"});
  t.SetNow(42);
  t.Emit(k, {8, 4096});
  t.Finish();
  const std::string want = "            42 irq dev.complete sector=8 res=4096\nend records=1 hash=" + Hex16(t.hash()) + "\n";
  CHECK(ReadAll(f) == want);
  std::fclose(f);
}
