#include "devices/model_device.h"

#include <cerrno>
#include <utility>

#include "devices/request_check.h"
#include "sim/check.h"

namespace devices {

ModelDevice::ModelDevice(sim::Scheduler& sched, std::string name, CommonParams common)
    : sched_(sched),
      name_(std::move(name)),
      trace_id_(DeviceTraceId(name_)),
      common_(common),
      media_(name_, common.capacity_sectors),
      stats_(sched.Now()) {
  sim::Trace& t = sched_.trace();
  k_attach_ = t.Kind("dev.attach", {"dev", "capacity_sectors", "queue_depth_max"});
  k_submit_ = t.Kind("dev.submit", {"dev", "rq", "op", "sector", "sectors", "fua"});
  k_complete_ = t.Kind("dev.complete", {"dev", "rq", "op", "status", "latency_ns"});
  k_power_cut_ = t.Kind("dev.power_cut", {"dev", "lost_sectors", "aborted"});
}

ModelDevice::~ModelDevice() {
  for (size_t i = 0; i < pending_.size(); ++i) {
    if (pending_[i].rq != nullptr) sched_.Cancel(pending_[i].event);
  }
}

void ModelDevice::EmitAttach() {
  sched_.trace().Emit(k_attach_,
                      {trace_id_, static_cast<int64_t>(common_.capacity_sectors),
                       static_cast<int64_t>(common_.queue_depth_max)},
                      name_ + " " + std::string(kind()));
}

void ModelDevice::Submit(BlockRequest* rq) {
  SIM_CHECK(rq != nullptr) << "device " << name_ << ": null request";
  CheckRequest(*this, *rq);
  const sim::SimTime now = sched_.Now();
  rq->submit_ns = now;
  rq->start_ns = now;
  rq->complete_ns = 0;
  rq->status = 0;
  stats_.OnSubmit(now);
  sched_.trace().Emit(k_submit_, {trace_id_, static_cast<int64_t>(rq->id), static_cast<int64_t>(rq->op),
                                  static_cast<int64_t>(rq->sector), rq->sectors, rq->fua ? 1 : 0});
  const uint64_t key = next_key_++;
  ServicePlan plan;
  bool in_range = RequestInRange(*this, *rq);
  if (in_range) {
    plan = Plan(*rq, now);
    SIM_CHECK(plan.start_ns >= now && plan.complete_ns >= plan.start_ns)
        << "device " << name_ << ": model planned request " << rq->id << " from "
        << plan.start_ns << " to " << plan.complete_ns << " at " << now;
  } else {
    plan.start_ns = plan.complete_ns = now;
  }
  rq->start_ns = plan.start_ns;
  if (rq->op == BlockOp::kRead && in_range) media_.PrefetchIndexForRead(rq->sector);
  sim::EventId ev = sched_.At(plan.complete_ns, &ModelDevice::DeliverEvent, this, key);
  pending_.push_back(Pending{rq, ev, plan, !in_range});
  ++in_flight_;
}

void ModelDevice::DeliverEvent(void* device, uint64_t key) { static_cast<ModelDevice*>(device)->Deliver(key); }

const uint8_t* ModelDevice::LookUpChunk(Pending& p) {
  p.chunk_known = true;
  if (p.rq != nullptr && !p.failed && p.rq->op == BlockOp::kRead) p.chunk = media_.ChunkForPrefetch(p.rq->sector);
  return p.chunk;
}

void ModelDevice::PrefetchAhead(size_t i) {
  const size_t n = pending_.size();
  for (uint32_t q = 1; q <= Media::kSlices && i + q < n; ++q) {
    if (const uint8_t* c = ChunkForPrefetch(pending_[i + q])) Media::PrefetchSlice(c, Media::kSlices - q);
  }
}

void ModelDevice::Deliver(uint64_t key) {
  SIM_CHECK(key >= first_key_ && key - first_key_ < pending_.size() &&
            pending_[key - first_key_].rq != nullptr)
      << "device " << name_ << ": completion of unknown request";
  Pending& p = pending_[key - first_key_];
  BlockRequest* rq = p.rq;
  const ServicePlan plan = p.plan;
  const bool failed = p.failed;
  const int status = failed ? -EIO : 0;
  if (!failed) {
    if (plan.persist_cache_first) media_.Flush();
    switch (rq->op) {
      case BlockOp::kRead:
        media_.Read(rq->sector, rq->sectors, rq->data);
        break;
      case BlockOp::kWrite:
        media_.Write(rq->sector, rq->sectors, rq->data, plan.write_to_volatile);
        break;
      case BlockOp::kFlush:
        media_.Flush();
        break;
      case BlockOp::kDiscard:
        media_.Discard(rq->sector, rq->sectors);
        break;
    }
  }
  PrefetchAhead(key - first_key_);
  p.rq = nullptr;
  --in_flight_;
  while (!pending_.empty() && pending_.front().rq == nullptr) {
    (void)pending_.pop_front();
    ++first_key_;
  }
  const sim::SimTime now = sched_.Now();
  rq->complete_ns = now;
  rq->status = status;
  const sim::SimTime latency = now - rq->submit_ns;
  stats_.OnComplete(now, rq->op, rq->bytes(), latency, status);
  sched_.trace().Emit(k_complete_, {trace_id_, static_cast<int64_t>(rq->id),
                                    static_cast<int64_t>(rq->op), status, latency});
  // Cleared before the call, so a finished request keeps no callback and a
  // resubmission that sets none fails CheckRequest (every submission sets
  // one, see block_device.h). done_data stays for done to read.
  const BlockDoneFn done = rq->done;
  rq->done = nullptr;
  done(rq, status);
}

void ModelDevice::PowerCut() {
  const sim::SimTime now = sched_.Now();
  int64_t aborted = 0;
  for (size_t i = 0; i < pending_.size(); ++i) {
    Pending& p = pending_[i];
    if (p.rq == nullptr) continue;
    sched_.Cancel(p.event);
    const uint64_t k = first_key_ + i;
    p.failed = true;
    p.event = sched_.At(now, &ModelDevice::DeliverEvent, this, k);
    ++aborted;
  }
  const uint64_t lost = media_.DropVolatile();
  sched_.trace().Emit(k_power_cut_, {trace_id_, static_cast<int64_t>(lost), aborted});
  OnPowerCut(now);
}

}  // namespace devices
