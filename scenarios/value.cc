#include "scenarios/value.h"

#include <cstdio>

namespace scenarios {

std::string Object::ToString() const { return "<" + std::string(TypeName()) + ">"; }

sim::Status Object::GetField(std::string_view name, Value*) const {
  return sim::Status::Error(std::string(TypeName()) + " has no field '" + std::string(name) + "'");
}

sim::Status Object::SetField(std::string_view name, const Value&) {
  return sim::Status::Error("cannot set field '" + std::string(name) + "' of " + std::string(TypeName()));
}

sim::Status Object::GetIndex(const Value&, Value*) const {
  return sim::Status::Error(std::string(TypeName()) + " cannot be indexed");
}

sim::Status Object::SetIndex(const Value&, const Value&) {
  return sim::Status::Error(std::string(TypeName()) + " elements cannot be assigned");
}

sim::Status Object::Equals(const Value& other, bool* equal) const {
  if (other.is_object()) {
    *equal = other.as_object().get() == this;
    return sim::Status::Ok();
  }
  return sim::Status::Error("cannot compare " + std::string(TypeName()) + " with " +
                            std::string(other.TypeName()));
}

Value Value::NewList(std::vector<Value> items) {
  auto l = std::make_shared<List>();
  l->items = std::move(items);
  return ListRef(std::move(l));
}

std::string_view Value::TypeName() const {
  switch (type()) {
    case Type::kNone:
      return "none";
    case Type::kInt:
      return "int";
    case Type::kString:
      return "string";
    case Type::kList:
      return "list";
    case Type::kObject:
      return as_object()->TypeName();
  }
  return "?";
}

namespace {

std::string Quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned char>(c));
          out += buf;
        } else {
          out.push_back(c);
        }
    }
  }
  out += "\"";
  return out;
}

// Lists may contain themselves (append(l, l)): stop at a fixed depth, and
// at a fixed length so a wide self-referencing list cannot explode.
constexpr int kMaxShowDepth = 8;
constexpr size_t kMaxShowBytes = 64 * 1024;

void Show(const Value& v, bool quote, int depth, std::string* out) {
  if (out->size() > kMaxShowBytes) return;
  switch (v.type()) {
    case Value::Type::kNone:
      *out += "none";
      return;
    case Value::Type::kInt:
      *out += std::to_string(v.as_int());
      return;
    case Value::Type::kString:
      *out += quote ? Quoted(v.as_string()) : v.as_string();
      return;
    case Value::Type::kList: {
      if (depth >= kMaxShowDepth) {
        *out += "[...]";
        return;
      }
      *out += "[";
      bool first = true;
      for (const Value& item : v.as_list()->items) {
        if (out->size() > kMaxShowBytes) {
          *out += "...";
          break;
        }
        if (!first) *out += ", ";
        first = false;
        Show(item, /*quote=*/true, depth + 1, out);
      }
      *out += "]";
      return;
    }
    case Value::Type::kObject:
      *out += v.as_object()->ToString();
      return;
  }
}

sim::Status EqualAt(const Value& a, const Value& b, bool* equal, int depth) {
  if (a.is_object()) return a.as_object()->Equals(b, equal);
  if (b.is_object()) return b.as_object()->Equals(a, equal);
  if (a.is_none() || b.is_none()) {
    *equal = a.is_none() && b.is_none();
    return sim::Status::Ok();
  }
  if (a.type() != b.type()) {
    return sim::Status::Error("cannot compare " + std::string(a.TypeName()) + " with " +
                              std::string(b.TypeName()));
  }
  switch (a.type()) {
    case Value::Type::kInt:
      *equal = a.as_int() == b.as_int();
      return sim::Status::Ok();
    case Value::Type::kString:
      *equal = a.as_string() == b.as_string();
      return sim::Status::Ok();
    case Value::Type::kList: {
      const auto& x = a.as_list()->items;
      const auto& y = b.as_list()->items;
      if (a.as_list() == b.as_list()) {
        *equal = true;
        return sim::Status::Ok();
      }
      if (depth >= 64) return sim::Status::Error("lists nested too deeply to compare");
      if (x.size() != y.size()) {
        *equal = false;
        return sim::Status::Ok();
      }
      for (size_t i = 0; i < x.size(); ++i) {
        sim::Status s = EqualAt(x[i], y[i], equal, depth + 1);
        if (!s.ok() || !*equal) return s;
      }
      *equal = true;
      return sim::Status::Ok();
    }
    default:
      break;
  }
  *equal = false;
  return sim::Status::Ok();
}

}  // namespace

std::string Value::ToString() const {
  std::string out;
  Show(*this, /*quote=*/false, 0, &out);
  return out;
}

std::string Value::Repr() const {
  std::string out;
  Show(*this, /*quote=*/true, 0, &out);
  return out;
}

sim::Status ValuesEqual(const Value& a, const Value& b, bool* equal) { return EqualAt(a, b, equal, 0); }

}  // namespace scenarios
