#include "devices/faulty_device.h"

#include <algorithm>
#include <cerrno>
#include <utility>

#include "devices/request_check.h"
#include "sim/check.h"

namespace devices {

FaultyDevice::FaultyDevice(sim::Scheduler& sched, std::unique_ptr<BlockDevice> target)
    : sched_(sched),
      target_(std::move(target)),
      kind_("faulty(" + std::string(target_->kind()) + ")"),
      rng_(sched.rng().Fork("fault.dev." + target_->name())),
      stats_(sched.Now()) {
  k_fault_ = sched_.trace().Kind("dev.fault", {"dev", "rq", "fault", "value"});
}

FaultyDevice::~FaultyDevice() {
  for (auto& [key, h] : pending_) sched_.Cancel(h.event);
  for (sim::EventId id : cuts_) sched_.Cancel(id);
}

void FaultyDevice::Emit(int64_t rq, FaultCode fault, int64_t value) {
  sched_.trace().Emit(k_fault_, {trace_id(), rq, fault, value});
}

sim::Status FaultyDevice::Fail(std::string_view fault, const std::string& msg) const {
  return sim::Status::Error("device " + name() + ": fault " + std::string(fault) + ": " + msg);
}

sim::Status FaultyDevice::AddEioRange(const EioRange& r) {
  if (r.sectors == 0) return Fail("eio_range", "sectors is 0");
  if (r.sector >= capacity_sectors() || r.sectors > capacity_sectors() - r.sector) {
    return Fail("eio_range", "sectors [" + std::to_string(r.sector) + ", +" + std::to_string(r.sectors) +
                                 ") run past capacity " + std::to_string(capacity_sectors()));
  }
  if (r.op == BlockOp::kFlush) return Fail("eio_range", "a flush has no range; use eio_nth");
  if (r.until_ns <= r.from_ns) {
    return Fail("eio_range", "until_ns " + std::to_string(r.until_ns) + " is not after from_ns " +
                                 std::to_string(r.from_ns));
  }
  if (r.chance_den == 0 || r.chance_num == 0 || r.chance_num > r.chance_den) {
    return Fail("eio_range", "chance " + std::to_string(r.chance_num) + "/" +
                                 std::to_string(r.chance_den) + " is not in (0, 1]");
  }
  if (r.error < 1 || r.error > 4095) {
    return Fail("eio_range", "errno " + std::to_string(r.error) + " is not in [1, 4095]");
  }
  eio_ranges_.push_back(r);
  return sim::Status::Ok();
}

sim::Status FaultyDevice::AddEioNth(const EioNth& r) {
  if (r.nth == 0) return Fail("eio_nth", "nth counts from 1");
  if (r.count == 0) return Fail("eio_nth", "count is 0");
  if (r.error < 1 || r.error > 4095) {
    return Fail("eio_nth", "errno " + std::to_string(r.error) + " is not in [1, 4095]");
  }
  eio_nths_.push_back(r);
  return sim::Status::Ok();
}

sim::Status FaultyDevice::AddLatency(const LatencyWindow& w) {
  if (w.until_ns <= w.from_ns) {
    return Fail("latency", "until_ns " + std::to_string(w.until_ns) + " is not after from_ns " +
                               std::to_string(w.from_ns));
  }
  if (w.den == 0 || w.num < w.den || w.num / w.den > 1000000) {
    return Fail("latency", "multiplier " + std::to_string(w.num) + "/" + std::to_string(w.den) +
                               " is not in [1, 1000000]");
  }
  latencies_.push_back(w);
  return sim::Status::Ok();
}

sim::Status FaultyDevice::AddStall(const StallWindow& w) {
  if (w.from_ns < 0 || w.until_ns <= w.from_ns || w.until_ns == sim::kNever) {
    return Fail("stall", "window [" + std::to_string(w.from_ns) + ", " + std::to_string(w.until_ns) +
                             ") is empty, negative or never ends");
  }
  stalls_.push_back(w);
  return sim::Status::Ok();
}

sim::Status FaultyDevice::SchedulePowerCut(sim::SimTime at_ns) {
  if (at_ns < sched_.Now()) {
    return Fail("power_cut", "at_ns " + std::to_string(at_ns) + " is in the past (now " +
                                 std::to_string(sched_.Now()) + ")");
  }
  cuts_.push_back(sched_.At(at_ns, [this] { PowerCut(); }));
  return sim::Status::Ok();
}

int FaultyDevice::DecideError(const BlockRequest& rq) {
  const uint64_t nth_op = op_counts_[static_cast<size_t>(rq.op)];
  for (const EioNth& r : eio_nths_) {
    const uint64_t n = r.op ? (*r.op == rq.op ? nth_op : 0) : all_count_;
    if (n >= r.nth && n - r.nth < r.count) {
      Emit(static_cast<int64_t>(rq.id), kEioNth, r.error);
      return r.error;
    }
  }
  if (rq.op == BlockOp::kFlush) return 0;
  const sim::SimTime now = sched_.Now();
  for (const EioRange& r : eio_ranges_) {
    if (r.op && *r.op != rq.op) continue;
    if (now < r.from_ns || now >= r.until_ns) continue;
    if (rq.sector >= r.sector + r.sectors || r.sector >= rq.sector + rq.sectors) continue;
    if (r.chance_num != r.chance_den &&
        !sched_.Fault("dev." + name() + ".eio_range", rng_.Chance(r.chance_num, r.chance_den))) {
      continue;
    }
    Emit(static_cast<int64_t>(rq.id), kEioRange, r.error);
    return r.error;
  }
  return 0;
}

sim::SimTime FaultyDevice::StallEnd(sim::SimTime t) const {
  // Windows may chain or overlap: move to the end of any covering window
  // until none covers t.
  bool moved = true;
  while (moved) {
    moved = false;
    for (const StallWindow& w : stalls_) {
      if (t >= w.from_ns && t < w.until_ns) {
        t = w.until_ns;
        moved = true;
      }
    }
  }
  return t;
}

void FaultyDevice::Submit(BlockRequest* rq) {
  SIM_CHECK(rq != nullptr) << "device " << name() << ": null request";
  CheckRequest(*this, *rq);
  const sim::SimTime now = sched_.Now();
  rq->submit_ns = now;
  rq->status = 0;
  stats_.OnSubmit(now);
  ++op_counts_[static_cast<size_t>(rq->op)];
  ++all_count_;
  const uint64_t key = next_key_++;
  Held& h = pending_[key];
  h.dev = this;
  h.key = key;
  h.rq = rq;
  h.done = rq->done;
  h.done_data = rq->done_data;
  h.submit_ns = now;
  if (const int error = DecideError(*rq); error != 0) {
    ++counters_.injected_errors;
    h.event = sched_.At(now, [this, key, error] { Deliver(key, -error); });
    return;
  }
  const sim::SimTime release = StallEnd(now);
  if (release > now) {
    ++counters_.stalled;
    Emit(static_cast<int64_t>(rq->id), kStall, release);
    h.stalled = true;
    h.event = sched_.At(release, [this, key] { Forward(key); });
    return;
  }
  Forward(key);
}

void FaultyDevice::Forward(uint64_t key) {
  auto it = pending_.find(key);
  SIM_CHECK(it != pending_.end()) << "device " << name() << ": forwarding an unknown request";
  Held& h = it->second;
  h.forwarded = true;
  h.stalled = false;
  h.event = sim::EventId{};
  h.rq->done = &FaultyDevice::TargetDone;
  h.rq->done_data = &h;
  target_->Submit(h.rq);
}

// Deliver erases the Held only after this has run for a forwarded request,
// so done_data still points at it.
void FaultyDevice::TargetDone(BlockRequest* rq, int status) {
  const Held* h = static_cast<const Held*>(rq->done_data);
  h->dev->OnTargetDone(h->key, status);
}

void FaultyDevice::OnTargetDone(uint64_t key, int status) {
  auto it = pending_.find(key);
  SIM_CHECK(it != pending_.end()) << "device " << name() << ": completion of an unknown request";
  Held& h = it->second;  // Deliver puts the caller's done and done_data back
  const sim::SimTime now = sched_.Now();
  sim::SimTime at = now;
  if (status == 0) {
    for (const LatencyWindow& w : latencies_) {
      if (h.submit_ns < w.from_ns || h.submit_ns >= w.until_ns) continue;
      const auto latency = static_cast<unsigned __int128>(at - h.submit_ns);
      at = h.submit_ns + static_cast<sim::SimTime>(latency * w.num / w.den);
    }
    if (at > now) {
      ++counters_.delayed;
      Emit(static_cast<int64_t>(h.rq->id), kLatency, at - now);
    }
    at = StallEnd(at);
  }
  if (at == now) {
    Deliver(key, status);
    return;
  }
  h.event = sched_.At(at, [this, key, status] { Deliver(key, status); });
}

void FaultyDevice::Deliver(uint64_t key, int status) {
  auto it = pending_.find(key);
  SIM_CHECK(it != pending_.end()) << "device " << name() << ": delivering an unknown request";
  Held h = std::move(it->second);
  pending_.erase(it);
  BlockRequest* rq = h.rq;
  const sim::SimTime now = sched_.Now();
  rq->done = h.done;
  rq->done_data = h.done_data;
  rq->submit_ns = h.submit_ns;
  if (!h.forwarded) rq->start_ns = now;
  rq->complete_ns = now;
  rq->status = status;
  stats_.OnComplete(now, rq->op, rq->bytes(), now - h.submit_ns, status);
  h.done(rq, status);
}

void FaultyDevice::PowerCut() {
  ++counters_.power_cuts;
  const sim::SimTime now = sched_.Now();
  int64_t aborted = 0;
  for (auto& [key, h] : pending_) {
    if (!h.stalled) continue;  // the target answers for forwarded ones
    sched_.Cancel(h.event);
    const uint64_t k = key;
    h.event = sched_.At(now, [this, k] { Deliver(k, -EIO); });
    ++aborted;
  }
  Emit(-1, kPowerCut, aborted);
  target_->PowerCut();
}

}  // namespace devices
