#include "scenarios/config.h"

#include <algorithm>

#include "scenarios/units.h"

namespace scenarios {

std::string_view ConfigNode::TypeName(Type type) {
  switch (type) {
    case Type::kTable:
      return "table";
    case Type::kArray:
      return "array";
    case Type::kString:
      return "string";
    case Type::kInt:
      return "integer";
    case Type::kFloat:
      return "float";
    case Type::kBool:
      return "boolean";
    case Type::kDateTime:
      return "date-time";
  }
  return "?";
}

const ConfigNode::Entry* ConfigNode::FindEntry(std::string_view key) const {
  for (const Entry& e : entries_) {
    if (e.key == key) return &e;
  }
  return nullptr;
}

void ConfigNode::AddEntry(std::string key, SourcePos key_pos, std::unique_ptr<ConfigNode> value) {
  entries_.push_back(Entry{std::move(key), key_pos, std::move(value)});
}

ConfigReader::ConfigReader(const ConfigNode& table, std::string what)
    : table_(table), what_(std::move(what)) {}

void ConfigReader::Fail(const sim::Status& s) {
  if (status_.ok()) status_ = s;
}

void ConfigReader::FailAt(std::string_view key, const std::string& message) {
  const ConfigNode* n = table_.Find(key);
  Fail(n ? n->Error(message) : table_.Error(message));
}

const ConfigNode* ConfigReader::Use(std::string_view key) {
  if (std::find(used_.begin(), used_.end(), key) == used_.end()) used_.emplace_back(key);
  return table_.Find(key);
}

const ConfigNode* ConfigReader::Required(std::string_view key) {
  const ConfigNode* n = Use(key);
  if (!n) Fail(table_.Error("missing key '" + std::string(key) + "' in " + what_));
  return n;
}

bool ConfigReader::CheckType(std::string_view key, const ConfigNode* n, ConfigNode::Type want) {
  if (!n || !ok()) return false;
  if (n->type() == want) return true;
  Fail(n->Error("'" + std::string(key) + "' in " + what_ + " must be " +
                (want == ConfigNode::Type::kInt ? "an " : "a ") + std::string(ConfigNode::TypeName(want)) +
                ", got " + std::string(n->TypeName())));
  return false;
}

std::string ConfigReader::String(std::string_view key) {
  const ConfigNode* n = Required(key);
  return CheckType(key, n, ConfigNode::Type::kString) ? n->string_value() : std::string();
}

std::string ConfigReader::String(std::string_view key, std::string def) {
  const ConfigNode* n = Use(key);
  if (!n) return def;
  return CheckType(key, n, ConfigNode::Type::kString) ? n->string_value() : def;
}

int64_t ConfigReader::Int(std::string_view key) {
  const ConfigNode* n = Required(key);
  return CheckType(key, n, ConfigNode::Type::kInt) ? n->int_value() : 0;
}

int64_t ConfigReader::Int(std::string_view key, int64_t def) {
  const ConfigNode* n = Use(key);
  if (!n) return def;
  return CheckType(key, n, ConfigNode::Type::kInt) ? n->int_value() : def;
}

bool ConfigReader::Bool(std::string_view key, bool def) {
  const ConfigNode* n = Use(key);
  if (!n) return def;
  return CheckType(key, n, ConfigNode::Type::kBool) ? n->bool_value() : def;
}

namespace {

// A duration or size node: an integer (base units) or a string with a unit.
bool ScaledValue(const ConfigNode& n, std::string_view key, const std::string& what, bool duration,
                 int64_t* out, sim::Status* error) {
  if (n.type() == ConfigNode::Type::kInt) {
    if (n.int_value() < 0) {
      *error = n.Error("'" + std::string(key) + "' in " + what + " must not be negative");
      return false;
    }
    *out = n.int_value();
    return true;
  }
  if (n.type() != ConfigNode::Type::kString) {
    *error = n.Error("'" + std::string(key) + "' in " + what + " must be " +
                     (duration ? "a duration like \"10ms\" or an integer number of nanoseconds"
                               : "a size like \"4KiB\" or an integer number of bytes") +
                     ", got " + std::string(n.TypeName()));
    return false;
  }
  std::string msg;
  bool ok = duration ? ParseDuration(n.string_value(), out, &msg) : ParseSize(n.string_value(), out, &msg);
  if (!ok) *error = n.Error(msg);
  return ok;
}

}  // namespace

sim::SimTime ConfigReader::Duration(std::string_view key) {
  const ConfigNode* n = Required(key);
  if (!n || !ok()) return 0;
  int64_t v = 0;
  sim::Status err;
  if (!ScaledValue(*n, key, what_, true, &v, &err)) Fail(err);
  return v;
}

sim::SimTime ConfigReader::Duration(std::string_view key, sim::SimTime def) {
  const ConfigNode* n = Use(key);
  if (!n || !ok()) return def;
  int64_t v = 0;
  sim::Status err;
  if (!ScaledValue(*n, key, what_, true, &v, &err)) {
    Fail(err);
    return def;
  }
  return v;
}

int64_t ConfigReader::Size(std::string_view key) {
  const ConfigNode* n = Required(key);
  if (!n || !ok()) return 0;
  int64_t v = 0;
  sim::Status err;
  if (!ScaledValue(*n, key, what_, false, &v, &err)) Fail(err);
  return v;
}

int64_t ConfigReader::Size(std::string_view key, int64_t def) {
  const ConfigNode* n = Use(key);
  if (!n || !ok()) return def;
  int64_t v = 0;
  sim::Status err;
  if (!ScaledValue(*n, key, what_, false, &v, &err)) {
    Fail(err);
    return def;
  }
  return v;
}

std::string ConfigReader::OneOf(std::string_view key, std::initializer_list<std::string_view> choices,
                                std::string def) {
  const ConfigNode* n = Use(key);
  if (!n) return def;
  if (!CheckType(key, n, ConfigNode::Type::kString)) return def;
  for (std::string_view c : choices) {
    if (c == n->string_value()) return n->string_value();
  }
  std::string list;
  for (std::string_view c : choices) {
    if (!list.empty()) list += ", ";
    list += c;
  }
  Fail(n->Error("'" + std::string(key) + "' in " + what_ + " must be one of " + list + ", got \"" +
                n->string_value() + "\""));
  return def;
}

const ConfigNode* ConfigReader::Node(std::string_view key) { return Use(key); }

void ConfigReader::Ignore(std::string_view key) { Use(key); }

sim::Status ConfigReader::Finish() {
  if (!ok()) return status_;
  for (const ConfigNode::Entry& e : table_.entries()) {
    if (std::find(used_.begin(), used_.end(), e.key) != used_.end()) continue;
    std::string expected;
    for (const std::string& k : used_) {
      if (!expected.empty()) expected += ", ";
      expected += k;
    }
    return ErrorAt(table_.file(), e.key_pos,
                   "unknown key '" + e.key + "' in " + what_ + " (expected " +
                       (expected.empty() ? std::string("no keys") : expected) + ")");
  }
  return sim::Status::Ok();
}

}  // namespace scenarios
