#include "scenarios/ext_aio_objects.h"

#include <cstdio>
#include <cstring>

#include "scenarios/ext_stats.h"

namespace scenarios::kext {

namespace {

struct FieldDef {
  std::string_view name;
  size_t offset;
  size_t size;
  bool is_signed;
};

// struct iocb's fields at their ABI offsets (aio_abi.h).
constexpr FieldDef kIocbFields[] = {
    {"data", 0, 8, false},      {"key", 8, 4, false},       {"rw_flags", 12, 4, false},
    {"opcode", 16, 2, false},   {"reqprio", 18, 2, true},   {"fd", 20, 4, false},
    {"buf", 24, 8, false},      {"nbytes", 32, 8, false},   {"offset", 40, 8, true},
    {"reserved2", 48, 8, false}, {"flags", 56, 4, false},   {"resfd", 60, 4, false},
};

const FieldDef* FindIocbField(std::string_view name) {
  for (const FieldDef& f : kIocbFields) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

std::string IocbFieldNames() {
  std::string s = "addr";
  for (const FieldDef& f : kIocbFields) s += ", " + std::string(f.name);
  return s;
}

int64_t Extract(const uint8_t* p, const FieldDef& f) {
  uint64_t raw = 0;
  std::memcpy(&raw, p + f.offset, f.size);
  if (f.is_signed && f.size < 8) {
    const uint64_t sign = uint64_t{1} << (8 * f.size - 1);
    if (raw & sign) raw |= ~((sign << 1) - 1);
  }
  return static_cast<int64_t>(raw);
}

std::string Hex(uint64_t v) {
  char b[32];
  std::snprintf(b, sizeof b, "0x%llx", static_cast<unsigned long long>(v));
  return b;
}

}  // namespace

// --- IocbObject ---

bool IocbObject::Load(kernel::iocb* out) const {
  uint8_t raw[kernel::IOCB_SIZE];
  if (mm_ == nullptr || mm_->dead || kernel::copy_from_mm(mm_, raw, addr_, sizeof raw) != 0) return false;
  *out = kernel::iocb_from_bytes(raw);
  return true;
}

std::string IocbObject::ToString() const {
  kernel::iocb cb;
  if (!Load(&cb)) return "iocb(" + Hex(addr_) + ", unmapped)";
  return "iocb(" + Hex(addr_) + ", " + OpcodeName(cb.aio_lio_opcode) + " fd=" + std::to_string(cb.aio_fildes) +
         " data=" + std::to_string(cb.aio_data) + ")";
}

sim::Status IocbObject::GetField(std::string_view name, Value* out) const {
  if (name == "addr") {
    *out = Value::Int(static_cast<int64_t>(addr_));
    return sim::Status::Ok();
  }
  const FieldDef* f = FindIocbField(name);
  if (f == nullptr) {
    return sim::Status::Error("iocb has no field '" + std::string(name) + "' (fields: " + IocbFieldNames() + ")");
  }
  uint8_t raw[kernel::IOCB_SIZE];
  if (mm_ == nullptr || mm_->dead || kernel::copy_from_mm(mm_, raw, addr_, sizeof raw) != 0) {
    return sim::Status::Error("the iocb at " + Hex(addr_) + " is not mapped");
  }
  *out = Value::Int(Extract(raw, *f));
  return sim::Status::Ok();
}

sim::Status IocbObject::SetField(std::string_view name, const Value& v) {
  const FieldDef* f = FindIocbField(name);
  if (f == nullptr) {
    if (name == "addr") return sim::Status::Error("an iocb's addr cannot be changed");
    return sim::Status::Error("iocb has no field '" + std::string(name) + "' (fields: " + IocbFieldNames() + ")");
  }
  if (!v.is_int()) return sim::Status::Error("iocb." + std::string(name) + " must be an int, got " + std::string(v.TypeName()));
  const int64_t x = v.as_int();
  if (f->size < 8) {
    const int bits = static_cast<int>(8 * f->size);
    const int64_t lo = f->is_signed ? -(int64_t{1} << (bits - 1)) : 0;
    const int64_t hi = f->is_signed ? (int64_t{1} << (bits - 1)) - 1 : (int64_t{1} << bits) - 1;
    if (x < lo || x > hi) {
      return sim::Status::Error("iocb." + std::string(name) + " is " + std::to_string(8 * f->size) + " bits: " +
                                std::to_string(x) + " does not fit");
    }
  }
  const uint64_t raw = static_cast<uint64_t>(x);
  if (mm_ == nullptr || mm_->dead || kernel::copy_to_mm(mm_, addr_ + f->offset, &raw, f->size) != 0) {
    return sim::Status::Error("the iocb at " + Hex(addr_) + " is not mapped");
  }
  return sim::Status::Ok();
}

sim::Status IocbObject::Equals(const Value& other, bool* equal) const {
  if (other.is_int()) {
    *equal = static_cast<uint64_t>(other.as_int()) == addr_;
    return sim::Status::Ok();
  }
  if (other.is_object()) {
    if (auto* o = dynamic_cast<const IocbObject*>(other.as_object().get())) {
      *equal = o->addr_ == addr_;
      return sim::Status::Ok();
    }
  }
  return sim::Status::Error("cannot compare iocb with " + std::string(other.TypeName()) + " (compare with an address)");
}

// --- EventObject ---

std::string EventObject::ToString() const {
  return "{data=" + std::to_string(ev_.data) + " obj=" + Hex(ev_.obj) + " res=" + std::to_string(ev_.res) +
         " res2=" + std::to_string(ev_.res2) + "}";
}

sim::Status EventObject::GetField(std::string_view name, Value* out) const {
  if (name == "data") {
    *out = Value::Int(static_cast<int64_t>(ev_.data));
  } else if (name == "obj") {
    *out = Value::Int(static_cast<int64_t>(ev_.obj));
  } else if (name == "res") {
    *out = Value::Int(ev_.res);
  } else if (name == "res2") {
    *out = Value::Int(ev_.res2);
  } else {
    return sim::Status::Error("io_event has no field '" + std::string(name) + "' (fields: data, obj, res, res2)");
  }
  return sim::Status::Ok();
}

// --- RingObject ---

std::string RingObject::ToString() const {
  return "{id=" + std::to_string(ring_.id) + " nr=" + std::to_string(ring_.nr) + " head=" + std::to_string(ring_.head) +
         " tail=" + std::to_string(ring_.tail) + " magic=" + Hex(ring_.magic) + "}";
}

sim::Status RingObject::GetField(std::string_view name, Value* out) const {
  const std::pair<std::string_view, uint32_t> fields[] = {
      {"id", ring_.id},
      {"nr", ring_.nr},
      {"head", ring_.head},
      {"tail", ring_.tail},
      {"magic", ring_.magic},
      {"compat_features", ring_.compat_features},
      {"incompat_features", ring_.incompat_features},
      {"header_length", ring_.header_length},
  };
  for (const auto& [n, v] : fields) {
    if (n == name) {
      *out = Value::Int(v);
      return sim::Status::Ok();
    }
  }
  return sim::Status::Error("aio_ring has no field '" + std::string(name) +
                            "' (fields: id, nr, head, tail, magic, compat_features, incompat_features, header_length)");
}

}  // namespace scenarios::kext
