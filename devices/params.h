// Device and fault parameters as the scenario layer hands them over: a map
// from parameter name to an integer (units already parsed: ns, bytes, counts,
// 0/1 for switches) or a string (names such as an op).
//
// ParamTable<P> binds names to int64_t fields of a params struct P, with the
// unit and a one-line description; the defaults are the struct's member
// initialisers, so they are written once. ApplyParams rejects unknown names
// and strings where integers are expected, with a one-line error naming the
// device: "device sda: unknown hdd parameter 'seek_ms' (known: ...)".
#ifndef AIOSIM_DEVICES_PARAMS_H_
#define AIOSIM_DEVICES_PARAMS_H_

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "sim/status.h"

namespace devices {

using ParamValue = std::variant<int64_t, std::string>;
using ParamMap = std::map<std::string, ParamValue, std::less<>>;

// One documented parameter.
struct ParamDoc {
  std::string name;
  std::string unit;  // "ns", "bytes", "bytes/s", "count", "rpm", "0/1", "permille"
  int64_t default_value = 0;
  std::string doc;  // meaning, and which real device the default comes from
};

template <typename P>
struct ParamField {
  std::string_view name;
  std::string_view unit;
  int64_t P::*field;
  std::string_view doc;
};

template <typename P>
std::vector<ParamDoc> DescribeParams(std::span<const ParamField<P>> table) {
  const P defaults{};
  std::vector<ParamDoc> out;
  for (const auto& f : table) {
    out.push_back(ParamDoc{std::string(f.name), std::string(f.unit), defaults.*(f.field),
                           std::string(f.doc)});
  }
  return out;
}

// "a, b, c" of the table's names.
template <typename P>
std::string ParamNames(std::span<const ParamField<P>> table) {
  std::string s;
  for (const auto& f : table) {
    if (!s.empty()) s += ", ";
    s += f.name;
  }
  return s;
}

template <typename P>
sim::Status ApplyParams(std::string_view device, std::string_view kind,
                        std::span<const ParamField<P>> table, const ParamMap& in, P* out) {
  for (const auto& [key, value] : in) {
    const ParamField<P>* hit = nullptr;
    for (const auto& f : table) {
      if (f.name == key) hit = &f;
    }
    if (hit == nullptr) {
      return sim::Status::Error("device " + std::string(device) + ": unknown " + std::string(kind) +
                                " parameter '" + key + "' (known: " + ParamNames(table) + ")");
    }
    if (!std::holds_alternative<int64_t>(value)) {
      return sim::Status::Error("device " + std::string(device) + ": " + std::string(kind) +
                                " parameter '" + key + "' must be an integer (" +
                                std::string(hit->unit) + "), got \"" + std::get<std::string>(value) +
                                "\"");
    }
    out->*(hit->field) = std::get<int64_t>(value);
  }
  return sim::Status::Ok();
}

// Shared checks, each returning an error naming device and parameter.
// Requires lo <= value <= hi.
sim::Status CheckRange(std::string_view device, std::string_view param, int64_t value, int64_t lo,
                       int64_t hi);
// capacity_bytes > 0, a multiple of 512 and of logical_block_bytes; logical
// block a power of two in [512, 65536].
sim::Status CheckCapacity(std::string_view device, int64_t capacity_bytes,
                          int64_t logical_block_bytes);

// ceil(bytes * 10^9 / bytes_per_sec): the time to move bytes at a rate.
// REQUIRES bytes_per_sec > 0 (every model validates its rates).
int64_t TransferNsWide(uint64_t bytes, int64_t bytes_per_sec);
inline int64_t TransferNs(uint64_t bytes, int64_t bytes_per_sec) {
  // Below 8 GiB, bytes * 10^9 + bytes_per_sec - 1 < 2^63 + 2^63 fits in 64
  // bits: one hardware divide, the same quotient as the 128-bit one (a
  // library call), and every request asks.
  if (bytes < (uint64_t{1} << 33)) [[likely]] {
    const uint64_t rate = static_cast<uint64_t>(bytes_per_sec);
    return static_cast<int64_t>((bytes * 1'000'000'000u + rate - 1) / rate);
  }
  return TransferNsWide(bytes, bytes_per_sec);
}

}  // namespace devices

#endif  // AIOSIM_DEVICES_PARAMS_H_
