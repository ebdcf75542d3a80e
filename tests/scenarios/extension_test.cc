// The extension seam, exercised the way the kernel and device layers will
// use it: own tables and keys, register calls and constants, return objects,
// attach per-process and per-thread state, add violations, check [expect]
// keys and add report sections.
#include "scenarios/extension.h"

#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <vector>

#include "scenarios/context.h"
#include "scenarios/extensions.h"
#include "scenarios/report.h"
#include "scenarios/runner.h"
#include "sim/check.h"

namespace scenarios {
namespace {

class Widget : public Object {
 public:
  static constexpr std::string_view kTypeName = "widget";
  Widget(int64_t size, std::string label) : size_(size), label_(std::move(label)) {}
  std::string_view TypeName() const override { return kTypeName; }
  std::string ToString() const override { return "<widget " + label_ + ":" + std::to_string(size_) + ">"; }
  sim::Status GetField(std::string_view name, Value* out) const override {
    if (name == "size") {
      *out = Value::Int(size_);
      return sim::Status::Ok();
    }
    if (name == "label") {
      *out = Value::Str(label_);
      return sim::Status::Ok();
    }
    return Object::GetField(name, out);
  }
  sim::Status SetField(std::string_view name, const Value& v) override {
    if (name != "label" || !v.is_string()) return Object::SetField(name, v);
    label_ = v.as_string();
    return sim::Status::Ok();
  }
  sim::Status GetIndex(const Value& index, Value* out) const override {
    if (!index.is_int() || index.as_int() < 0 || index.as_int() >= size_) {
      return sim::Status::Error("widget index out of range");
    }
    *out = Value::Int(index.as_int() * 10);
    return sim::Status::Ok();
  }
  std::optional<int64_t> Length() const override { return size_; }
  sim::Status Equals(const Value& other, bool* equal) const override {
    if (!other.is_object()) return Object::Equals(other, equal);
    auto w = std::dynamic_pointer_cast<Widget>(other.as_object());
    *equal = w && w->size_ == size_;
    return sim::Status::Ok();
  }
  int64_t size() const { return size_; }

 private:
  int64_t size_;
  std::string label_;
};

struct ProcessWidgets {
  int64_t made = 0;
};
struct ThreadWidgets {
  sim::FiberId fiber = 0;
};
constexpr SlotKey<ProcessWidgets> kProcessWidgets{"test.process_widgets"};
constexpr SlotKey<ThreadWidgets> kThreadWidgets{"test.thread_widgets"};

class WidgetExtension : public Extension {
 public:
  explicit WidgetExtension(std::vector<std::string>* log) : log_(log) {}
  std::string_view name() const override { return "widgets"; }
  std::vector<std::string> Tables() const override { return {"widget"}; }
  std::vector<std::string> SimKeys() const override { return {"widget_color"}; }
  std::vector<std::string> ExpectKeys() const override { return {"widgets_made"}; }

  void RegisterCalls(CallRegistry& calls) override {
    calls.RegisterConstant("WIDGET_MAX", 3);
    calls
        .Add("make_widget",
             [this](CallContext& ctx, Args& args) -> Value {
               const int64_t size = args.Int("size");
               if (size <= 0) ctx.Fail("size must be > 0");
               ctx.process().slots().Get(kProcessWidgets)->made++;
               ++total_;
               if (first_made_ < 0) first_made_ = ctx.scheduler().Now();
               return Value::Obj(std::make_shared<Widget>(size, args.String("label")));
             })
        .Params({"size"})
        .Keyword("label", Value::Str("w"))
        .Summary("makes a widget");
    calls
        .Add("inspect",
             [](CallContext& ctx, Args& args) -> Value {
               std::shared_ptr<Widget> w = args.Obj<Widget>("w");
               ctx.Expect(w->size() < 100, "widget too big: " + std::to_string(w->size()));
               return Value::Int(w->size());
             })
        .Params({"w"});
    calls.Add("my_fiber", [](CallContext& ctx, Args&) -> Value {
      ThreadWidgets* t = ctx.thread().slots().Get(kThreadWidgets);
      return Value::Int(t && t->fiber == ctx.scheduler().CurrentFiber() ? 1 : 0);
    });
    calls
        .Add("preset_size",
             [this](CallContext& ctx, Args& args) -> Value {
               for (const auto& [n, s] : presets_) {
                 if (n == args.String("name")) return Value::Int(s);
               }
               ctx.Fail("no preset \"" + args.String("name") + "\"");
             })
        .Params({"name"});
  }

  sim::Status Configure(const ConfigNode& root, RunContext& run) override {
    log_->push_back("configure" + std::string(run.checking() ? " (check)" : ""));
    if (const ConfigNode* sim = root.Find("sim")) {
      if (const ConfigNode* c = sim->Find("widget_color")) color_ = c->string_value();
    }
    const ConfigNode* widgets = root.Find("widget");
    if (!widgets) return sim::Status::Ok();
    if (widgets->type() != ConfigNode::Type::kArray) return widgets->Error("expected [[widget]] tables");
    for (const auto& w : widgets->items()) {
      ConfigReader r(*w, "[[widget]]");
      std::string n = r.String("name");
      int64_t size = r.Size("size", 1);
      if (sim::Status s = r.Finish(); !s.ok()) return s;
      presets_.emplace_back(n, size);
    }
    return sim::Status::Ok();
  }
  void OnProcessStart(ProcessContext& p) override {
    log_->push_back("process " + p.name());
    p.slots().Set(kProcessWidgets, std::make_shared<ProcessWidgets>());
  }
  void OnThreadStart(ThreadContext& t) override {
    log_->push_back("thread " + t.full_name() + " start");
    auto state = std::make_shared<ThreadWidgets>();
    state->fiber = t.run().scheduler().CurrentFiber();
    SIM_CHECK(state->fiber == t.fiber()) << "OnThreadStart runs on the thread's fiber";
    t.slots().Set(kThreadWidgets, state);
  }
  void OnThreadExit(ThreadContext& t) override { log_->push_back("thread " + t.full_name() + " exit"); }
  void OnProcessExit(ProcessContext& p) override {
    log_->push_back("process " + p.name() + " exit made " +
                    std::to_string(p.slots().Get(kProcessWidgets)->made));
  }
  void OnRunEnd(RunContext& run) override {
    log_->push_back("run end");
    if (total_ > 3) run.AddViolation("made " + std::to_string(total_) + " widgets, more than WIDGET_MAX");
  }
  ExpectOutcome CheckExpect(std::string_view key, const ConfigNode& value, RunContext&) override {
    if (key != "widgets_made" || value.type() != ConfigNode::Type::kInt) return {false, "bad widgets_made"};
    if (value.int_value() == total_) return {true, ""};
    return {false,
            "widgets_made is " + std::to_string(total_) + ", expected " + std::to_string(value.int_value())};
  }
  void Report(RunContext&, ReportBuilder& report) override {
    ReportSection& s = report.Section("widgets");
    s.Int("made", total_).Time("first_made", first_made_);
    s.Child("style").Text("color", color_);
  }

 private:
  std::vector<std::string>* log_;
  int64_t total_ = 0;
  sim::SimTime first_made_ = -1;
  std::string color_ = "none";
  std::vector<std::pair<std::string, int64_t>> presets_;
};

struct Harness {
  std::vector<std::string> log;
  ExtensionFactory factory() {
    return [this] {
      ExtensionList l = MakeExtensions();
      l.push_back(std::make_unique<WidgetExtension>(&log));
      return l;
    };
  }
  sim::Status Run(const std::string& toml, RunReport* report) {
    RunOptions options;
    options.extensions = factory();
    return RunScenarioText(toml, "w.toml", std::move(options), report);
  }
};

TEST_CASE("Extension: hooks run in their documented order", "[extension]") {
  Harness h;
  RunReport report;
  sim::Status s = h.Run(
      "[[process]]\nname = \"p\"\n"
      "[[process.thread]]\nname = \"a\"\nbody = 'x = make_widget(1)'\n"
      "[[process.thread]]\nname = \"b\"\nbody = 'sleep(1us)'\n",
      &report);
  INFO(s.message());
  REQUIRE(s.ok());
  CHECK(h.log == std::vector<std::string>{"configure", "process p", "thread p/a start", "thread p/a exit",
                                          "thread p/b start", "thread p/b exit", "process p exit made 1",
                                          "run end"});
}

TEST_CASE("Extension: calls return objects with fields, indexes, length and equality", "[extension]") {
  Harness h;
  RunReport report;
  sim::Status s = h.Run(
      "[[process]]\nname = \"p\"\nbody = '''\n"
      "w = make_widget(3, label=\"big\")\n"
      "print(w, w.size, w.label, w[2], len(w))\n"
      "w.label = \"renamed\"\n"
      "for v in w { print(v) }\n"
      "expect w == make_widget(3)\n"
      "expect w != make_widget(2)\n"
      "expect inspect(w) == 3\n"
      "expect my_fiber() == 1\n"
      "print(w.label, WIDGET_MAX)\n"
      "'''\n",
      &report);
  INFO(s.message());
  REQUIRE(s.ok());
  std::vector<std::string> printed;
  for (const auto& l : report.output) printed.push_back(l.text);
  CHECK(printed == std::vector<std::string>{"<widget big:3> 3 big 20 3", "0", "10", "20", "renamed 3"});
  CHECK(report.passed());
  // inspect() recorded its own expectation at the call site.
  bool found = false;
  for (const ExpectSite& site : report.program_expectations) {
    if (site.source == "inspect(w)") found = site.passes == 1 && site.pos.line == 10 && site.pos.col == 8;
  }
  CHECK(found);
}

TEST_CASE("Extension: object and argument errors are located run-time errors", "[extension]") {
  Harness h;
  RunReport report;
  CHECK(h.Run("[[process]]\nname = \"p\"\nbody = '''\nw = make_widget(2)\nx = w.weight\n'''\n", &report)
            .message() == "w.toml:5:7: widget has no field 'weight'");
  CHECK(h.Run("[[process]]\nname = \"p\"\nbody = '''\nw = make_widget(2)\nx = w[7]\n'''\n", &report)
            .message() == "w.toml:5:6: widget index out of range");
  CHECK(h.Run("[[process]]\nname = \"p\"\nbody = '''\nw = make_widget(2)\nx = w == 5\n'''\n", &report)
            .message() == "w.toml:5:7: cannot compare widget with int");
  CHECK(h.Run("[[process]]\nname = \"p\"\nbody = '''\nw = make_widget(2)\nw.size = 5\n'''\n", &report)
            .message() == "w.toml:5:3: cannot set field 'size' of widget");
  CHECK(h.Run("[[process]]\nname = \"p\"\nbody = '''\nx = inspect(5)\n'''\n", &report).message() ==
        "w.toml:4:5: inspect: argument 'w' must be widget, got int");
  CHECK(h.Run("[[process]]\nname = \"p\"\nbody = '''\nx = make_widget(0)\n'''\n", &report).message() ==
        "w.toml:4:5: make_widget: size must be > 0");
}

TEST_CASE("Extension: owned tables configure the world with located errors", "[extension]") {
  Harness h;
  RunReport report;
  const std::string body = "[[process]]\nname = \"p\"\nbody = 'print(preset_size(\"small\"))'\n";
  sim::Status s = h.Run(
      "[sim]\nwidget_color = \"red\"\n" + body + "[[widget]]\nname = \"small\"\nsize = \"2KiB\"\n", &report);
  INFO(s.message());
  REQUIRE(s.ok());
  CHECK(report.output[0].text == "2048");
  CHECK(h.Run(body + "[[widget]]\nname = \"small\"\nsize = \"huge\"\n", &report).message() ==
        "w.toml:6:8: bad size \"huge\": expected a number of bytes, optionally with a unit B, KiB, MiB, GiB "
        "or TiB "
        "(e.g. \"4KiB\")");
  CHECK(h.Run(body + "[[widget]]\nname = \"small\"\nshape = 1\n", &report).message() ==
        "w.toml:6:1: unknown key 'shape' in [[widget]] (expected name, size)");
  // check runs Configure too.
  h.log.clear();
  CHECK(CheckScenarioText(body + "[[widget]]\nsize = 1\n", "w.toml", h.factory()).message() ==
        "w.toml:4:1: missing key 'name' in [[widget]]");
  CHECK(h.log == std::vector<std::string>{"configure (check)"});
}

TEST_CASE("Extension: [expect] keys, violations and report sections", "[extension]") {
  Harness h;
  RunReport report;
  const std::string body =
      "[[process]]\nname = \"p\"\nbody = '''\nsleep(1ms)\nrepeat 4 { make_widget(1) }\n'''\n";
  REQUIRE(h.Run(body + "[expect]\nwidgets_made = 4\nviolations = 1\n", &report).ok());
  CHECK(report.passed());
  REQUIRE(report.violations.size() == 1);
  CHECK(report.violations[0].message == "made 4 widgets, more than WIDGET_MAX");
  CHECK(report.violations[0].trace_position == report.trace_records);

  REQUIRE(h.Run(body + "[expect]\nwidgets_made = 2\n", &report).ok());
  CHECK_FALSE(report.passed());
  std::vector<std::string> failed;
  for (const EndExpectationResult& e : report.end_expectations) {
    if (!e.passed) failed.push_back(e.message);
  }
  CHECK(failed == std::vector<std::string>{
                      "widgets_made is 4, expected 2",
                      "violations is 1, expected 0 (first: made 4 widgets, more than WIDGET_MAX)"});

  const std::string text = FormatTextReport(report);
  CHECK(text.find("widgets:\n  made: 4\n  first_made: 1.000000ms\n  style:\n    color: none\n") !=
        std::string::npos);
  const std::string json = FormatJsonReport(report);
  CHECK(json.find("\"widgets\": {\n      \"made\": 4,\n      \"first_made_ns\": 1000000,") !=
        std::string::npos);
}

class Duplicate : public Extension {
 public:
  std::string_view name() const override { return "dup"; }
  void RegisterCalls(CallRegistry& calls) override {
    calls.Add("sleep", [](CallContext&, Args&) { return Value(); });
  }
};

TEST_CASE("Extension: registering a call twice is an error naming both owners", "[extension]") {
  RunOptions options;
  options.extensions = [] {
    ExtensionList l = MakeExtensions();
    l.push_back(std::make_unique<Duplicate>());
    return l;
  };
  RunReport report;
  sim::Status s = RunScenarioText("[[process]]\nname = \"p\"\nbody = 'sleep(1)'\n", "d.toml",
                                  std::move(options), &report);
  CHECK(s.message() == "call 'sleep' registered twice (by builtins and by dup)");
}

TEST_CASE("Slots: typed, by name, and a type mismatch is a violation", "[extension]") {
  Slots slots;
  constexpr SlotKey<int> kInt{"n"};
  constexpr SlotKey<std::string> kWrong{"n"};
  CHECK(slots.Get(kInt) == nullptr);
  slots.Set(kInt, std::make_shared<int>(7));
  CHECK(*slots.Get(kInt) == 7);
  CHECK_THROWS_AS(slots.Get(kWrong), sim::Violation);
}

TEST_CASE("Slots: cleared in reverse order of creation", "[extension]") {
  std::vector<int> destroyed;
  struct Probe {
    std::vector<int>* out;
    int id;
    ~Probe() { out->push_back(id); }
  };
  {
    Slots slots;
    slots.Set(SlotKey<Probe>{"a"}, std::make_shared<Probe>(Probe{&destroyed, 1}));
    slots.Set(SlotKey<Probe>{"b"}, std::make_shared<Probe>(Probe{&destroyed, 2}));
    destroyed.clear();  // the temporaries above
  }
  CHECK(destroyed == std::vector<int>{2, 1});
}

}  // namespace
}  // namespace scenarios
