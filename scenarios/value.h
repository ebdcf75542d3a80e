// Run-time values of scenario programs.
//
// A Value is one of: none, int (int64), string (by value), list (shared: two
// variables may name the same list, as in Python), or object (shared; an
// Object subclass supplied by a later layer: a user buffer, an iocb, an
// io_event array...). Values are cheap to copy (ints and strings by value,
// lists and objects by reference count).
//
// Objects answer the language's operations through virtual methods; each
// returns a sim::Status (ok, or one line "what went wrong" without a
// location: the interpreter adds file:line:col):
//   ev[i].res          -> GetIndex, then GetField
//   cb.data = 7        -> SetField
//   buf == file(...)   -> Equals (and Mismatch for a failed expect's message)
//   len(buf), for x in obj -> Length (+ GetIndex)
#ifndef AIOSIM_SCENARIOS_VALUE_H_
#define AIOSIM_SCENARIOS_VALUE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "sim/status.h"

namespace scenarios {

class Value;
struct List;

// Limits on what a program can build, so a runaway program gets a clear
// run-time error instead of exhausting memory.
inline constexpr size_t kMaxStringBytes = size_t{1} << 24;
inline constexpr size_t kMaxListItems = size_t{1} << 24;

class Object {
 public:
  virtual ~Object() = default;
  // "iocb", "buffer": used in messages ("expected buffer, got int").
  virtual std::string_view TypeName() const = 0;
  // How print() and str() show it. Default: "<TypeName>".
  virtual std::string ToString() const;
  // obj.name. Default: error "<type> has no field 'name'".
  virtual sim::Status GetField(std::string_view name, Value* out) const;
  // obj.name = v. Default: error "cannot set field 'name' of <type>".
  virtual sim::Status SetField(std::string_view name, const Value& v);
  // obj[index]. Default: error "<type> cannot be indexed".
  virtual sim::Status GetIndex(const Value& index, Value* out) const;
  // obj[index] = v. Default: error "<type> elements cannot be assigned".
  virtual sim::Status SetIndex(const Value& index, const Value& v);
  // len(obj); nullopt when it has no length (then len() is an error).
  virtual std::optional<int64_t> Length() const { return std::nullopt; }
  // obj == other. Sets *equal, or returns an error when the two cannot be
  // compared. Default: identity with another object, error for non-objects.
  virtual sim::Status Equals(const Value& other, bool* equal) const;
  // Why obj == other is false, for a failed `expect`'s message ("first
  // difference at offset 12: 0x41 vs 0x42"); "" when there is nothing to
  // add. Called only after Equals said "not equal".
  virtual std::string Mismatch(const Value& other) const { return {}; }
};

class Value {
 public:
  enum class Type : uint8_t { kNone, kInt, kString, kList, kObject };

  Value() = default;  // none
  static Value None() { return Value(); }
  static Value Int(int64_t v) { return Value(Rep(v)); }
  static Value Str(std::string s) { return Value(Rep(std::move(s))); }
  static Value NewList(std::vector<Value> items = {});
  static Value ListRef(std::shared_ptr<List> list) { return Value(Rep(std::move(list))); }
  static Value Obj(std::shared_ptr<Object> obj) { return Value(Rep(std::move(obj))); }

  Type type() const { return static_cast<Type>(rep_.index()); }
  bool is_none() const { return type() == Type::kNone; }
  bool is_int() const { return type() == Type::kInt; }
  bool is_string() const { return type() == Type::kString; }
  bool is_list() const { return type() == Type::kList; }
  bool is_object() const { return type() == Type::kObject; }

  // REQUIRES the matching type.
  int64_t as_int() const { return std::get<int64_t>(rep_); }
  const std::string& as_string() const { return std::get<std::string>(rep_); }
  const std::shared_ptr<List>& as_list() const { return std::get<std::shared_ptr<List>>(rep_); }
  const std::shared_ptr<Object>& as_object() const { return std::get<std::shared_ptr<Object>>(rep_); }

  // "none", "int", "string", "list", or the object's TypeName().
  std::string_view TypeName() const;
  // print()/str() form: strings raw, lists "[1, "a"]", objects ToString().
  std::string ToString() const;
  // Message form: like ToString() but strings quoted and escaped.
  std::string Repr() const;

 private:
  using Rep =
      std::variant<std::monostate, int64_t, std::string, std::shared_ptr<List>, std::shared_ptr<Object>>;
  explicit Value(Rep rep) : rep_(std::move(rep)) {}
  Rep rep_;
};

struct List {
  std::vector<Value> items;
};

// a == b for the language's == and !=. Ints with ints, strings with strings,
// lists element by element, none only with none, objects through
// Object::Equals (either side). Any other pair is an error ("cannot compare
// int with string").
sim::Status ValuesEqual(const Value& a, const Value& b, bool* equal);

}  // namespace scenarios

#endif  // AIOSIM_SCENARIOS_VALUE_H_
