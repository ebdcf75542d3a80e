#include "scenarios/builtins.h"

#include <algorithm>
#include <utility>

#include "scenarios/context.h"

namespace scenarios {

namespace {

constexpr int64_t kEtimedout = 110;

int64_t NonNegative(CallContext& ctx, const Args& args, std::string_view name) {
  const int64_t v = args.Int(name);
  if (v < 0) ctx.Fail("argument '" + std::string(name) + "' must be >= 0, got " + std::to_string(v));
  return v;
}

Value Sleep(CallContext& ctx, Args& args) {
  ctx.scheduler().SleepFor(NonNegative(ctx, args, "d"));
  return Value::Int(0);
}

Value Now(CallContext& ctx, Args&) { return Value::Int(ctx.scheduler().Now()); }

Value Print(CallContext& ctx, Args& args) {
  std::string line;
  for (const Value& v : args.rest()) {
    if (!line.empty()) line += ' ';
    line += v.ToString();
  }
  ctx.run().Print(std::move(line), ctx.where().line);
  return Value::None();
}

Value Len(CallContext& ctx, Args& args) {
  const Value& v = args.Get("v");
  if (v.is_list()) return Value::Int(static_cast<int64_t>(v.as_list()->items.size()));
  if (v.is_string()) return Value::Int(static_cast<int64_t>(v.as_string().size()));
  if (v.is_object()) {
    if (std::optional<int64_t> n = v.as_object()->Length()) return Value::Int(*n);
  }
  ctx.Fail(std::string(v.TypeName()) + " has no length");
}

Value Append(CallContext& ctx, Args& args) {
  const std::shared_ptr<List>& l = args.ListArg("l");
  if (l->items.size() >= kMaxListItems)
    ctx.Fail("list too long (the limit is " + std::to_string(kMaxListItems) + " items)");
  l->items.push_back(args.Get("v"));
  return Value::Int(static_cast<int64_t>(l->items.size()));
}

Value Pop(CallContext& ctx, Args& args) {
  const std::shared_ptr<List>& l = args.ListArg("l");
  if (l->items.empty()) ctx.Fail("the list is empty");
  size_t i = l->items.size() - 1;
  if (!args.Get("index").is_none()) {
    const int64_t idx = args.Int("index");
    if (idx < 0 || idx >= static_cast<int64_t>(l->items.size())) {
      ctx.Fail("index " + std::to_string(idx) + " out of range for a list of length " +
               std::to_string(l->items.size()));
    }
    i = static_cast<size_t>(idx);
  }
  Value v = std::move(l->items[i]);
  l->items.erase(l->items.begin() + static_cast<std::ptrdiff_t>(i));
  return v;
}

Value Str(CallContext&, Args& args) { return Value::Str(args.Get("v").ToString()); }

Value MinMax(CallContext& ctx, Args& args, bool want_max) {
  int64_t best = args.Int("a");
  for (const Value& v : args.rest()) {
    if (!v.is_int()) ctx.Fail("arguments must be ints, got " + std::string(v.TypeName()));
    best = want_max ? std::max(best, v.as_int()) : std::min(best, v.as_int());
  }
  return Value::Int(best);
}

Value Fail(CallContext& ctx, Args& args) {
  const Value& m = args.Get("message");
  std::string message = m.ToString();
  ctx.Expect(false, message.empty() ? "fail() called" : message);
  ctx.ExitThread();
}

Value WaitOn(CallContext& ctx, Args& args) {
  sim::WaitPoint& wp = ctx.run().NamedWaitPoint(args.String("name"));
  sim::SimTime deadline = sim::kNever;
  if (!args.Get("timeout").is_none()) {
    deadline = sim::AddTime(ctx.scheduler().Now(), NonNegative(ctx, args, "timeout"));
  }
  return Value::Int(wp.Wait(deadline) ? 0 : -kEtimedout);
}

Value WakeOne(CallContext& ctx, Args& args) {
  return Value::Int(ctx.run().NamedWaitPoint(args.String("name")).WakeOne() ? 1 : 0);
}

Value WakeAll(CallContext& ctx, Args& args) {
  return Value::Int(static_cast<int64_t>(ctx.run().NamedWaitPoint(args.String("name")).WakeAll()));
}

Value Yield(CallContext& ctx, Args&) {
  ctx.scheduler().Yield();
  return Value::None();
}

class Builtins : public Extension {
 public:
  std::string_view name() const override { return "builtins"; }

  void RegisterCalls(CallRegistry& calls) override {
    calls.Add("sleep", Sleep).Params({"d"}).Summary("blocks the thread for d ns of virtual time; returns 0");
    calls.Add("now", Now).Summary("the virtual time in ns");
    calls.Add("print", Print)
        .Variadic()
        .Summary("adds one line (the values joined by spaces) to the run's output");
    calls.Add("len", Len).Params({"v"}).Summary("the length of a list, a string or an object");
    calls.Add("append", Append)
        .Params({"l", "v"})
        .Summary("appends v to list l in place; returns the new length");
    calls.Add("pop", Pop)
        .Params({"l"})
        .Keyword("index", Value::None())
        .Summary("removes and returns the last (or the index-th) element of l");
    calls.Add("str", Str).Params({"v"}).Summary("v as a string, as print shows it");
    calls.Add("min", [](CallContext& c, Args& a) { return MinMax(c, a, false); })
        .Params({"a"})
        .Variadic()
        .Summary("the smallest of its int arguments");
    calls.Add("max", [](CallContext& c, Args& a) { return MinMax(c, a, true); })
        .Params({"a"})
        .Variadic()
        .Summary("the largest of its int arguments");
    calls.Add("fail", Fail)
        .Keyword("message", Value::Str(""))
        .Summary("records a failed expectation here and ends the thread");
    calls.Add("wait_on", WaitOn)
        .Params({"name"})
        .Keyword("timeout", Value::None())
        .Summary(
            "blocks on the run's wait point `name`; 0 when woken, -ETIMEDOUT when the timeout (ns) passed "
            "first");
    calls.Add("wake_one", WakeOne)
        .Params({"name"})
        .Summary(
            "wakes one waiter of `name` (the longest unless the chooser picks); 1 if there was one, else 0");
    calls.Add("wake_all", WakeAll).Params({"name"}).Summary("wakes every waiter of `name`; returns how many");
    calls.Add("yield", Yield).Summary("stays runnable but lets other runnable threads go first");
    calls.RegisterConstant("ETIMEDOUT", kEtimedout, "errno");
  }
};

}  // namespace

std::unique_ptr<Extension> MakeBuiltinsExtension() { return std::make_unique<Builtins>(); }

}  // namespace scenarios
