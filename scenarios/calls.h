// The call registry: every call a scenario program can make, and every named
// constant, registered by extensions (builtins.cc registers the engine-level
// ones the same way). The interpreter knows no call by name.
//
//   calls.Add("wait_on", [](CallContext& ctx, Args& args) -> Value {
//          const std::string& name = args.String("name");  // throws ScriptError on a type mismatch
//          ...
//          return Value::Int(0);
//        })
//       .Params({"name"})                       // required, positional or by name
//       .Keyword("timeout", Value::None())      // optional, with a default
//       .Summary("blocks on a named wait point; 0 if woken, -ETIMEDOUT on timeout");
//   calls.RegisterConstant("EINVAL", 22, "errno");
//
// Handlers run on the calling thread's fiber, so they may block
// (Scheduler::SleepFor, WaitPoint::Wait, Block...). A handler reports a
// program error by throwing ScriptError (or ctx.Fail(msg)); the interpreter
// adds the call's file:line:col. A modelled-kernel bug is SIM_CHECK, as
// anywhere.
//
// Binding rules (checked statically by the binder, before any run):
// positional arguments fill `params` then `keywords` in order (or go to
// Args::rest() when `variadic`); keyword arguments name any parameter once;
// every param must be given.
#ifndef AIOSIM_SCENARIOS_CALLS_H_
#define AIOSIM_SCENARIOS_CALLS_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "scenarios/errors.h"
#include "scenarios/source.h"
#include "scenarios/value.h"
#include "sim/status.h"

namespace sim {
class Scheduler;
}

namespace scenarios {

class RunContext;
class ProcessContext;
class ThreadContext;
struct Expr;
struct Program;
struct CallSpec;

// The arguments of one call, by parameter name.
class Args {
 public:
  Args(const CallSpec& spec, std::vector<Value> values, std::vector<bool> given, std::vector<Value> rest);

  // The value of a param or keyword (its default when not given). Asking for
  // a name the spec does not declare is a Violation (a handler bug).
  const Value& Get(std::string_view name) const;
  bool Given(std::string_view name) const;
  // Typed access; a wrong type throws ScriptError
  // "sleep: argument 'd' must be int, got string".
  int64_t Int(std::string_view name) const;
  const std::string& String(std::string_view name) const;
  const std::shared_ptr<List>& ListArg(std::string_view name) const;
  // An object of type T (T::kTypeName names it in messages when present).
  template <typename T>
  std::shared_ptr<T> Obj(std::string_view name) const {
    const Value& v = Get(name);
    std::shared_ptr<T> p = v.is_object() ? std::dynamic_pointer_cast<T>(v.as_object()) : nullptr;
    if (!p) {
      std::string_view want = "object";
      if constexpr (requires { T::kTypeName; }) want = T::kTypeName;
      TypeError(name, want, v);
    }
    return p;
  }
  // Extra positional arguments of a variadic call.
  const std::vector<Value>& rest() const { return rest_; }
  const CallSpec& spec() const { return spec_; }

  [[noreturn]] void TypeError(std::string_view name, std::string_view want, const Value& got) const;

 private:
  int IndexOf(std::string_view name) const;
  const CallSpec& spec_;
  std::vector<Value> values_;  // params, then keywords
  std::vector<bool> given_;
  std::vector<Value> rest_;
};

// What a handler can reach: the run, its process and thread (and their
// extension slots), the scheduler, and where the call is in the source.
class CallContext {
 public:
  CallContext(RunContext& run, ThreadContext& thread, const Program& program, const Expr& call)
      : run_(run), thread_(thread), program_(program), call_(call) {}

  RunContext& run() const { return run_; }
  ThreadContext& thread() const { return thread_; }
  ProcessContext& process() const;
  sim::Scheduler& scheduler() const;

  std::string_view call_name() const;
  const std::string& file() const;
  SourcePos where() const;
  // The call's source text: "wait_on(\"x\", timeout=1ms)".
  std::string source() const;

  // Throws ScriptError "<call>: <message>" (the interpreter adds the location).
  [[noreturn]] void Fail(const std::string& message) const;
  // Records an expectation at this call site (listed in the report with the
  // call's source); the thread continues either way.
  void Expect(bool pass, const std::string& failure_message) const;
  // Ends the calling thread (its remaining statements do not run).
  [[noreturn]] void ExitThread() const { throw ThreadExit{}; }

 private:
  RunContext& run_;
  ThreadContext& thread_;
  const Program& program_;
  const Expr& call_;
};

using CallHandler = std::function<Value(CallContext&, Args&)>;

struct KeywordParam {
  std::string name;
  Value default_value;  // use scalars: a list default would be shared by every call
};

struct CallSpec {
  // Builder-style setters (for CallRegistry::Add chains).
  CallSpec& Params(std::vector<std::string> names) {
    params = std::move(names);
    return *this;
  }
  CallSpec& Keyword(std::string keyword, Value default_value) {
    keywords.push_back(KeywordParam{std::move(keyword), std::move(default_value)});
    return *this;
  }
  CallSpec& Variadic() {
    variadic = true;
    return *this;
  }
  CallSpec& Summary(std::string text) {
    summary = std::move(text);
    return *this;
  }

  std::vector<std::string> params;
  std::vector<KeywordParam> keywords;
  bool variadic = false;
  CallHandler handler;
  std::string summary;  // one line, for `aiosim list calls` and the docs

  // Filled by the registry.
  std::string name;
  std::string owner;  // the extension that registered it

  size_t arity() const { return params.size() + keywords.size(); }
  // "wait_on(name, timeout=none)".
  std::string Signature() const;
};

struct Constant {
  std::string name;
  int64_t value = 0;
  std::string group;  // "errno" makes the value name negative results: -14 (EFAULT)
  std::string owner;
};

class CallRegistry {
 public:
  // The extension whose registrations follow (the runner sets it).
  void SetOwner(std::string owner) { owner_ = std::move(owner); }

  // A second registration of a name is an error, kept in status() (the run
  // refuses to start), naming both owners.
  void Register(std::string name, CallSpec spec);
  // Registers `name` with `handler` and returns its spec for the builder
  // setters (on a duplicate name: a scratch spec, and status() says why).
  CallSpec& Add(std::string name, CallHandler handler);
  // Registering the same constant again with the same value is allowed
  // (two layers may both know EINVAL); another value is an error.
  void RegisterConstant(std::string name, int64_t value, std::string group = "");

  const CallSpec* FindCall(std::string_view name) const;
  const Constant* FindConstant(std::string_view name) const;
  // The first constant of group "errno" with this (positive) value, or "".
  std::string_view ErrnoName(int64_t errno_value) const;

  // Sorted by name.
  const std::map<std::string, CallSpec, std::less<>>& calls() const { return calls_; }
  const std::map<std::string, Constant, std::less<>>& constants() const { return constants_; }
  const sim::Status& status() const { return status_; }

 private:
  std::string owner_ = "?";
  std::map<std::string, CallSpec, std::less<>> calls_;
  std::map<std::string, Constant, std::less<>> constants_;
  std::map<int64_t, std::string> errno_names_;
  sim::Status status_;
  CallSpec scratch_;
};

}  // namespace scenarios

#endif  // AIOSIM_SCENARIOS_CALLS_H_
