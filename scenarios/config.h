// A thin, source-located view of a scenario's TOML document, so extensions
// read their tables without including toml++ (a heavy header confined to
// loader.cc) and every schema error names file:line:col the same way.
//
// ConfigNode is an immutable tree built by the loader: tables (entries in
// source order), arrays, and scalars (string, integer, float, boolean, and
// date/time kept as text). ConfigReader reads one table with defaults,
// units and type checks, remembers the first error, and flags keys nobody
// asked for:
//
//   ConfigReader r(device_table, "[[device]]");
//   std::string name = r.String("name");              // required
//   int64_t depth = r.Int("queue_depth", 32);         // optional
//   sim::SimTime seek = r.Duration("seek", 4 * sim::kMillisecond);
//   int64_t size = r.Size("size");                    // "1GiB" or an integer
//   if (sim::Status s = r.Finish(); !s.ok()) return s;  // also: unknown keys
#ifndef AIOSIM_SCENARIOS_CONFIG_H_
#define AIOSIM_SCENARIOS_CONFIG_H_

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "scenarios/source.h"
#include "sim/status.h"
#include "sim/time.h"

namespace scenarios {

class ConfigNode {
 public:
  enum class Type : uint8_t { kTable, kArray, kString, kInt, kFloat, kBool, kDateTime };

  struct Entry {
    std::string key;
    SourcePos key_pos;
    std::unique_ptr<ConfigNode> value;
  };

  ConfigNode(Type type, const std::string* file, SourcePos pos) : type_(type), file_(file), pos_(pos) {}

  Type type() const { return type_; }
  // "table", "array", "string", "integer", "float", "boolean", "date-time".
  std::string_view TypeName() const { return TypeName(type_); }
  static std::string_view TypeName(Type type);
  const std::string& file() const { return *file_; }
  SourcePos pos() const { return pos_; }
  // "file:line:col: message" at this node.
  sim::Status Error(const std::string& message) const { return ErrorAt(*file_, pos_, message); }

  // Tables: entries in source order.
  const std::vector<Entry>& entries() const { return entries_; }
  const Entry* FindEntry(std::string_view key) const;
  const ConfigNode* Find(std::string_view key) const {
    const Entry* e = FindEntry(key);
    return e ? e->value.get() : nullptr;
  }
  // Arrays.
  const std::vector<std::unique_ptr<ConfigNode>>& items() const { return items_; }
  // Scalars (REQUIRES the matching type). Date-times are their TOML text.
  const std::string& string_value() const { return string_; }
  int64_t int_value() const { return int_; }
  bool bool_value() const { return int_ != 0; }
  double float_value() const { return float_; }

  // Building (the loader only).
  void AddEntry(std::string key, SourcePos key_pos, std::unique_ptr<ConfigNode> value);
  void AddItem(std::unique_ptr<ConfigNode> item) { items_.push_back(std::move(item)); }
  void SetString(std::string s) { string_ = std::move(s); }
  void SetInt(int64_t v) { int_ = v; }
  void SetFloat(double v) { float_ = v; }

 private:
  Type type_;
  const std::string* file_;
  SourcePos pos_;
  std::vector<Entry> entries_;
  std::vector<std::unique_ptr<ConfigNode>> items_;
  std::string string_;
  int64_t int_ = 0;
  double float_ = 0;
};

// Reads one table. After the first error every accessor returns its default
// (or a zero value) and status() keeps that first error.
class ConfigReader {
 public:
  // `what` names the table in messages: "[sim]", "[[device]]".
  ConfigReader(const ConfigNode& table, std::string what);

  bool Has(std::string_view key) const { return table_.Find(key) != nullptr; }

  // Required (a missing key is an error at the table) or with a default.
  std::string String(std::string_view key);
  std::string String(std::string_view key, std::string def);
  int64_t Int(std::string_view key);
  int64_t Int(std::string_view key, int64_t def);
  bool Bool(std::string_view key, bool def);
  // "10ms", "1.5us" or an integer number of nanoseconds.
  sim::SimTime Duration(std::string_view key);
  sim::SimTime Duration(std::string_view key, sim::SimTime def);
  // "4KiB", "1MiB" or an integer number of bytes.
  int64_t Size(std::string_view key);
  int64_t Size(std::string_view key, int64_t def);
  // A string that must be one of `choices`.
  std::string OneOf(std::string_view key, std::initializer_list<std::string_view> choices, std::string def);
  // Any node (marks the key used); nullptr when absent.
  const ConfigNode* Node(std::string_view key);
  // Marks a key as handled elsewhere.
  void Ignore(std::string_view key);

  // Records an error at the key's value (or at the table when absent).
  void FailAt(std::string_view key, const std::string& message);
  bool ok() const { return status_.ok(); }
  const sim::Status& status() const { return status_; }
  // The first error so far, or else an error at the first key that no
  // accessor asked for: "unknown key 'x' in [sim] (expected seed, design)".
  sim::Status Finish();

  const ConfigNode& table() const { return table_; }

 private:
  const ConfigNode* Use(std::string_view key);
  const ConfigNode* Required(std::string_view key);
  bool CheckType(std::string_view key, const ConfigNode* n, ConfigNode::Type want);
  void Fail(const sim::Status& s);

  const ConfigNode& table_;
  std::string what_;
  std::vector<std::string> used_;
  sim::Status status_;
};

}  // namespace scenarios

#endif  // AIOSIM_SCENARIOS_CONFIG_H_
