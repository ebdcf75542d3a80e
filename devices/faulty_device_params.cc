// FaultyDevice::AddFault: the [[fault]] table form of the Add* calls.
#include <algorithm>
#include <string>
#include <vector>

#include "devices/faulty_device.h"

namespace devices {

namespace {

class Reader {
 public:
  Reader(const ParamMap& params, std::string prefix) : params_(params), prefix_(std::move(prefix)) {}

  sim::Status Int(std::string_view key, bool required, int64_t* out) {
    seen_.push_back(std::string(key));
    auto it = params_.find(key);
    if (it == params_.end()) {
      if (required) return Error("missing parameter '" + std::string(key) + "'");
      return sim::Status::Ok();
    }
    if (!std::holds_alternative<int64_t>(it->second)) {
      return Error("parameter '" + std::string(key) + "' must be an integer, got \"" +
                   std::get<std::string>(it->second) + "\"");
    }
    *out = std::get<int64_t>(it->second);
    return sim::Status::Ok();
  }

  sim::Status NonNegative(std::string_view key, bool required, int64_t* out) {
    sim::Status s = Int(key, required, out);
    if (s.ok() && *out < 0) {
      return Error("parameter '" + std::string(key) + "' is negative (" + std::to_string(*out) + ")");
    }
    return s;
  }

  sim::Status Op(bool allow_flush, std::optional<BlockOp>* out) {
    seen_.push_back("op");
    auto it = params_.find("op");
    if (it == params_.end()) return sim::Status::Ok();
    if (!std::holds_alternative<std::string>(it->second)) {
      return Error("parameter 'op' must be a string: read, write, " +
                   std::string(allow_flush ? "flush, " : "") + "discard or any");
    }
    const std::string& v = std::get<std::string>(it->second);
    for (int i = 0; i < kNumBlockOps; ++i) {
      const auto op = static_cast<BlockOp>(i);
      if (v == BlockOpName(op) && (allow_flush || op != BlockOp::kFlush)) {
        *out = op;
        return sim::Status::Ok();
      }
    }
    if (v == "any") {
      out->reset();
      return sim::Status::Ok();
    }
    return Error("op \"" + v + "\" is not one of read, write, " +
                 std::string(allow_flush ? "flush, " : "") + "discard, any");
  }

  // Rejects any parameter not read.
  sim::Status Finish() {
    for (const auto& [key, value] : params_) {
      bool known = false;
      for (const auto& s : seen_) known = known || s == key;
      if (!known) {
        std::string list;
        for (const auto& s : seen_) list += (list.empty() ? "" : ", ") + s;
        return Error("unknown parameter '" + key + "' (known: " + list + ")");
      }
    }
    return sim::Status::Ok();
  }

  sim::Status Error(const std::string& msg) const { return sim::Status::Error(prefix_ + msg); }

 private:
  const ParamMap& params_;
  std::string prefix_;
  std::vector<std::string> seen_;
};

#define RETURN_IF_ERROR(expr)       \
  do {                              \
    sim::Status _s = (expr);        \
    if (!_s.ok()) return _s;        \
  } while (0)

}  // namespace

sim::Status FaultyDevice::AddFault(std::string_view kind, const ParamMap& params) {
  Reader r(params, "device " + name() + ": fault " + std::string(kind) + ": ");
  if (kind == "eio_range") {
    EioRange f;
    int64_t sector = 0, sectors = 0, from = 0, until = sim::kNever, num = 1, den = 1, err = 5 /* EIO */;
    RETURN_IF_ERROR(r.NonNegative("sector", true, &sector));
    RETURN_IF_ERROR(r.NonNegative("sectors", true, &sectors));
    RETURN_IF_ERROR(r.Op(false, &f.op));
    RETURN_IF_ERROR(r.NonNegative("from_ns", false, &from));
    RETURN_IF_ERROR(r.NonNegative("until_ns", false, &until));
    RETURN_IF_ERROR(r.NonNegative("chance_num", false, &num));
    RETURN_IF_ERROR(r.NonNegative("chance_den", false, &den));
    RETURN_IF_ERROR(r.Int("errno", false, &err));
    RETURN_IF_ERROR(r.Finish());
    f.sector = static_cast<uint64_t>(sector);
    f.sectors = static_cast<uint64_t>(sectors);
    f.from_ns = from;
    f.until_ns = until;
    f.chance_num = static_cast<uint64_t>(num);
    f.chance_den = static_cast<uint64_t>(den);
    f.error = static_cast<int>(std::clamp<int64_t>(err, -1, 1 << 20));
    return AddEioRange(f);
  }
  if (kind == "eio_nth") {
    EioNth f;
    int64_t nth = 0, count = 1, err = 5 /* EIO */;
    RETURN_IF_ERROR(r.NonNegative("nth", true, &nth));
    RETURN_IF_ERROR(r.Op(true, &f.op));
    RETURN_IF_ERROR(r.NonNegative("count", false, &count));
    RETURN_IF_ERROR(r.Int("errno", false, &err));
    RETURN_IF_ERROR(r.Finish());
    f.nth = static_cast<uint64_t>(nth);
    f.count = static_cast<uint64_t>(count);
    f.error = static_cast<int>(std::clamp<int64_t>(err, -1, 1 << 20));
    return AddEioNth(f);
  }
  if (kind == "latency") {
    LatencyWindow w;
    int64_t num = 0, den = 0, from = 0, until = sim::kNever;
    RETURN_IF_ERROR(r.NonNegative("num", true, &num));
    RETURN_IF_ERROR(r.NonNegative("den", true, &den));
    RETURN_IF_ERROR(r.NonNegative("from_ns", false, &from));
    RETURN_IF_ERROR(r.NonNegative("until_ns", false, &until));
    RETURN_IF_ERROR(r.Finish());
    w.num = static_cast<uint64_t>(num);
    w.den = static_cast<uint64_t>(den);
    w.from_ns = from;
    w.until_ns = until;
    return AddLatency(w);
  }
  if (kind == "stall") {
    StallWindow w;
    RETURN_IF_ERROR(r.NonNegative("from_ns", true, &w.from_ns));
    RETURN_IF_ERROR(r.NonNegative("until_ns", true, &w.until_ns));
    RETURN_IF_ERROR(r.Finish());
    return AddStall(w);
  }
  if (kind == "power_cut") {
    int64_t at = 0;
    RETURN_IF_ERROR(r.NonNegative("at_ns", true, &at));
    RETURN_IF_ERROR(r.Finish());
    return SchedulePowerCut(at);
  }
  return sim::Status::Error("device " + name() + ": unknown fault kind '" + std::string(kind) +
                            "' (known: eio_range, eio_nth, latency, stall, power_cut)");
}

}  // namespace devices
