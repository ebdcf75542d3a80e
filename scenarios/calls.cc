#include "scenarios/calls.h"

#include <utility>

#include "scenarios/ast.h"
#include "scenarios/context.h"
#include "sim/check.h"

namespace scenarios {

// --- Args ---

Args::Args(const CallSpec& spec, std::vector<Value> values, std::vector<bool> given, std::vector<Value> rest)
    : spec_(spec), values_(std::move(values)), given_(std::move(given)), rest_(std::move(rest)) {}

int Args::IndexOf(std::string_view name) const {
  for (size_t i = 0; i < spec_.params.size(); ++i) {
    if (spec_.params[i] == name) return static_cast<int>(i);
  }
  for (size_t i = 0; i < spec_.keywords.size(); ++i) {
    if (spec_.keywords[i].name == name) return static_cast<int>(spec_.params.size() + i);
  }
  SIM_CHECK(false) << "call " << spec_.name << " has no parameter '" << name << "'";
  return -1;
}

const Value& Args::Get(std::string_view name) const { return values_[static_cast<size_t>(IndexOf(name))]; }

bool Args::Given(std::string_view name) const { return given_[static_cast<size_t>(IndexOf(name))]; }

void Args::TypeError(std::string_view name, std::string_view want, const Value& got) const {
  throw ScriptError(spec_.name + ": argument '" + std::string(name) + "' must be " + std::string(want) +
                    ", got " + std::string(got.TypeName()));
}

int64_t Args::Int(std::string_view name) const {
  const Value& v = Get(name);
  if (!v.is_int()) TypeError(name, "int", v);
  return v.as_int();
}

const std::string& Args::String(std::string_view name) const {
  const Value& v = Get(name);
  if (!v.is_string()) TypeError(name, "string", v);
  return v.as_string();
}

const std::shared_ptr<List>& Args::ListArg(std::string_view name) const {
  const Value& v = Get(name);
  if (!v.is_list()) TypeError(name, "list", v);
  return v.as_list();
}

// --- CallContext ---

ProcessContext& CallContext::process() const { return thread_.process(); }

sim::Scheduler& CallContext::scheduler() const { return run_.scheduler(); }

std::string_view CallContext::call_name() const { return call_.text; }

const std::string& CallContext::file() const { return program_.source.file; }

SourcePos CallContext::where() const { return call_.pos; }

std::string CallContext::source() const { return program_.Quote(call_.begin, call_.end); }

void CallContext::Fail(const std::string& message) const {
  throw ScriptError(call_.pos, call_.text + ": " + message);
}

void CallContext::Expect(bool pass, const std::string& failure_message) const {
  ExpectLog& log = run_.expects();
  const int site = log.FindOrAddSite(program_.source.file, call_.pos, source(), thread_.full_name());
  sim::Scheduler& s = run_.scheduler();
  s.trace().Emit(run_.trace_kinds().expect, {pass ? 1 : 0, call_.pos.line}, log.sites()[site].source);
  log.Record(site, pass, s.Now(), thread_.full_name(), pass ? std::string() : failure_message);
}

// --- CallSpec ---

std::string CallSpec::Signature() const {
  std::string out = name + "(";
  bool first = true;
  auto sep = [&] {
    if (!first) out += ", ";
    first = false;
  };
  for (const std::string& p : params) {
    sep();
    out += p;
  }
  if (variadic) {
    sep();
    out += "...";
  }
  for (const KeywordParam& k : keywords) {
    sep();
    out += k.name + "=" + k.default_value.Repr();
  }
  return out + ")";
}

// --- CallRegistry ---

void CallRegistry::Register(std::string name, CallSpec spec) {
  auto it = calls_.find(name);
  if (it != calls_.end()) {
    if (status_.ok()) {
      status_ = sim::Status::Error("call '" + name + "' registered twice (by " + it->second.owner +
                                   " and by " + owner_ + ")");
    }
    return;
  }
  spec.name = name;
  spec.owner = owner_;
  calls_.emplace(std::move(name), std::move(spec));
}

CallSpec& CallRegistry::Add(std::string name, CallHandler handler) {
  CallSpec spec;
  spec.handler = std::move(handler);
  const std::string key = name;
  const bool fresh = calls_.find(key) == calls_.end();
  Register(std::move(name), std::move(spec));
  if (!fresh) {
    scratch_ = CallSpec();
    return scratch_;
  }
  return calls_.find(key)->second;
}

void CallRegistry::RegisterConstant(std::string name, int64_t value, std::string group) {
  auto it = constants_.find(name);
  if (it != constants_.end()) {
    if (it->second.value != value && status_.ok()) {
      status_ = sim::Status::Error("constant '" + name + "' registered as " +
                                   std::to_string(it->second.value) + " by " + it->second.owner + " and as " +
                                   std::to_string(value) + " by " + owner_);
    }
    return;
  }
  if (group == "errno" && value > 0) errno_names_.emplace(value, name);  // keeps the first
  constants_.emplace(name, Constant{name, value, std::move(group), owner_});
}

const CallSpec* CallRegistry::FindCall(std::string_view name) const {
  auto it = calls_.find(name);
  return it == calls_.end() ? nullptr : &it->second;
}

const Constant* CallRegistry::FindConstant(std::string_view name) const {
  auto it = constants_.find(name);
  return it == constants_.end() ? nullptr : &it->second;
}

std::string_view CallRegistry::ErrnoName(int64_t errno_value) const {
  auto it = errno_names_.find(errno_value);
  return it == errno_names_.end() ? std::string_view() : std::string_view(it->second);
}

}  // namespace scenarios
