#include "devices/ssd.h"

#include <algorithm>
#include <utility>

#include "devices/params.h"

namespace devices {

sim::Status Ssd::Create(sim::Scheduler& sched, std::string name, const SsdParams& params,
                        std::unique_ptr<Ssd>* out) {
  sim::Status s = params.Validate(name);
  if (!s.ok()) return s;
  out->reset(new Ssd(sched, std::move(name), params));
  return s;
}

Ssd::Ssd(sim::Scheduler& sched, std::string name, const SsdParams& params)
    : ModelDevice(sched, name,
                  CommonParams{static_cast<uint64_t>(params.capacity_bytes) / kSectorSize,
                               static_cast<uint32_t>(params.logical_block_bytes),
                               static_cast<uint32_t>(params.queue_depth_max),
                               params.write_cache == 1}),
      params_(params),
      page_sectors_(static_cast<uint64_t>(params.page_bytes) / kSectorSize),
      buffer_pages_max_(params.write_cache == 1
                            ? static_cast<uint64_t>(params.write_cache_bytes / params.page_bytes)
                            : 0),
      rng_(sched.rng().Fork("dev." + name)),
      die_free_(static_cast<size_t>(params.channels * params.dies_per_channel), 0),
      channel_free_(static_cast<size_t>(params.channels), 0) {
  k_service_ = sched.trace().Kind("dev.ssd.service",
                                  {"dev", "rq", "pages", "queued_ns", "flash_ns", "path"});
  EmitAttach();
}

uint32_t Ssd::ChannelOf(uint64_t page) const {
  return static_cast<uint32_t>(page % static_cast<uint64_t>(params_.channels));
}

uint32_t Ssd::DieOf(uint64_t page) const {
  const auto channels = static_cast<uint64_t>(params_.channels);
  const auto dies = static_cast<uint64_t>(params_.dies_per_channel);
  return static_cast<uint32_t>(ChannelOf(page) * dies + (page / channels) % dies);
}

template <typename Fn>
void Ssd::ForEachPage(uint64_t sector, uint32_t sectors, Fn fn) const {
  const uint64_t end = sector + sectors;
  for (uint64_t page = sector / page_sectors_; page * page_sectors_ < end; ++page) {
    const uint64_t from = std::max(sector, page * page_sectors_);
    const uint64_t to = std::min(end, (page + 1) * page_sectors_);
    fn(page, (to - from) * kSectorSize);
  }
}

sim::SimTime Ssd::Jitter(sim::SimTime base) {
  if (params_.jitter_permille == 0 || base == 0) return base;
  const uint64_t spread = static_cast<uint64_t>(base) * static_cast<uint64_t>(params_.jitter_permille) / 1000;
  return base + static_cast<sim::SimTime>(rng_.Uniform(spread + 1));
}

void Ssd::ReadPage(uint64_t page, uint64_t bytes, sim::SimTime t, Cost* c) {
  sim::SimTime& die = die_free_[DieOf(page)];
  sim::SimTime& channel = channel_free_[ChannelOf(page)];
  const sim::SimTime sense_start = std::max(t, die);
  const sim::SimTime sensed = sense_start + Jitter(params_.read_page_ns);
  const sim::SimTime xfer_start = std::max(sensed, channel);
  const sim::SimTime xfer_end = xfer_start + TransferNs(bytes, params_.channel_bytes_per_sec);
  c->queued += (sense_start - t) + (xfer_start - sensed);
  channel = xfer_end;
  die = xfer_end;  // the page register holds the data until it has crossed
  c->done = std::max(c->done, xfer_end);
}

void Ssd::ProgramPage(uint64_t page, uint64_t bytes, sim::SimTime t, Cost* c) {
  sim::SimTime& die = die_free_[DieOf(page)];
  sim::SimTime& channel = channel_free_[ChannelOf(page)];
  const sim::SimTime xfer_start = std::max({t, die, channel});
  const sim::SimTime xfer_end = xfer_start + TransferNs(bytes, params_.channel_bytes_per_sec);
  c->queued += xfer_start - t;
  channel = xfer_end;
  die = xfer_end + Jitter(params_.program_page_ns);
  c->done = std::max(c->done, die);
}

sim::SimTime Ssd::Destage(sim::SimTime t, Cost* c) {
  c->done = std::max(c->done, t);
  for (uint64_t page : buffered_) ProgramPage(page, static_cast<uint64_t>(params_.page_bytes), t, c);
  buffered_.clear();
  return c->done;
}

ServicePlan Ssd::Plan(const BlockRequest& rq, sim::SimTime now) {
  ServicePlan plan;
  plan.start_ns = now;
  const sim::SimTime t = now + params_.command_overhead_ns;
  const sim::SimTime host = TransferNs(
      (rq.op == BlockOp::kRead || rq.op == BlockOp::kWrite) ? rq.bytes() : 0, params_.host_bytes_per_sec);
  Cost c;
  c.done = t;
  int64_t pages = 0;
  int path = kNoMedia;
  sim::SimTime complete = t;
  switch (rq.op) {
    case BlockOp::kRead: {
      bool all_buffered = !buffered_.empty();
      ForEachPage(rq.sector, rq.sectors, [&](uint64_t page, uint64_t) {
        ++pages;
        if (!buffered_.contains(page)) all_buffered = false;
      });
      if (all_buffered) {
        path = kBufferHit;
        complete = t + host;
        break;
      }
      ForEachPage(rq.sector, rq.sectors,
                  [&](uint64_t page, uint64_t bytes) { ReadPage(page, bytes, t, &c); });
      path = kFlash;
      complete = c.done + host;
      break;
    }
    case BlockOp::kWrite: {
      ForEachPage(rq.sector, rq.sectors, [&](uint64_t, uint64_t) { ++pages; });
      if (buffer_pages_max_ > 0 && !rq.fua && static_cast<uint64_t>(pages) <= buffer_pages_max_) {
        uint64_t added = 0;
        ForEachPage(rq.sector, rq.sectors,
                    [&](uint64_t page, uint64_t) { added += buffered_.contains(page) ? 0 : 1; });
        sim::SimTime ready = t;
        if (buffered_.size() + added > buffer_pages_max_) {
          ready = Destage(t, &c);
          plan.persist_cache_first = true;
        }
        ForEachPage(rq.sector, rq.sectors, [&](uint64_t page, uint64_t) { buffered_.insert(page); });
        plan.write_to_volatile = true;
        path = kBuffered;
        complete = ready + host;
        break;
      }
      const sim::SimTime data_in = t + host;
      c.done = data_in;
      ForEachPage(rq.sector, rq.sectors, [&](uint64_t page, uint64_t bytes) {
        // The written page supersedes a buffered copy only if it is whole.
        if (bytes == static_cast<uint64_t>(params_.page_bytes)) buffered_.erase(page);
        ProgramPage(page, bytes, data_in, &c);
      });
      path = kFlash;
      complete = c.done;
      break;
    }
    case BlockOp::kFlush:
      if (!buffered_.empty()) {
        pages = static_cast<int64_t>(buffered_.size());
        complete = Destage(t, &c);
        path = kDestage;
      }
      break;
    case BlockOp::kDiscard:
      ForEachPage(rq.sector, rq.sectors, [&](uint64_t page, uint64_t bytes) {
        ++pages;
        if (bytes == static_cast<uint64_t>(params_.page_bytes)) buffered_.erase(page);
      });
      break;
  }
  plan.complete_ns = complete;
  sched().trace().Emit(k_service_, {trace_id(), static_cast<int64_t>(rq.id), pages, c.queued,
                                    c.done - t, path});
  return plan;
}

void Ssd::OnPowerCut(sim::SimTime now) {
  buffered_.clear();
  std::fill(die_free_.begin(), die_free_.end(), now);
  std::fill(channel_free_.begin(), channel_free_.end(), now);
}

}  // namespace devices
