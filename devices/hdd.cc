#include "devices/hdd.h"

#include <algorithm>
#include <utility>

#include "devices/params.h"

namespace devices {

sim::Status Hdd::Create(sim::Scheduler& sched, std::string name, const HddParams& params,
                        std::unique_ptr<Hdd>* out) {
  sim::Status s = params.Validate(name);
  if (!s.ok()) return s;
  out->reset(new Hdd(sched, std::move(name), params));
  return s;
}

Hdd::Hdd(sim::Scheduler& sched, std::string name, const HddParams& params)
    : ModelDevice(sched, std::move(name),
                  CommonParams{static_cast<uint64_t>(params.capacity_bytes) / kSectorSize,
                               static_cast<uint32_t>(params.logical_block_bytes),
                               static_cast<uint32_t>(params.queue_depth_max),
                               params.write_cache == 1}),
      params_(params),
      geo_(params),
      segment_sectors_(static_cast<uint64_t>(params.cache_bytes / params.cache_segments) / kSectorSize),
      readahead_sectors_(static_cast<uint64_t>(params.readahead_bytes) / kSectorSize),
      write_cache_sectors_(params.write_cache == 1
                               ? static_cast<uint64_t>(params.write_cache_bytes) / kSectorSize
                               : 0) {
  k_service_ = sched.trace().Kind("dev.hdd.service",
                                  {"dev", "rq", "seek_ns", "rotate_ns", "media_ns", "path"});
  k_destage_ = sched.trace().Kind("dev.hdd.destage", {"dev", "runs", "sectors", "ns"});
  EmitAttach();
}

ServicePlan Hdd::Plan(const BlockRequest& rq, sim::SimTime now) {
  ServicePlan plan;
  plan.start_ns = std::max(now, busy_until_);
  const sim::SimTime t = plan.start_ns + params_.command_overhead_ns;
  Mech m;
  int path = kNoMedia;
  sim::SimTime complete = t;
  switch (rq.op) {
    case BlockOp::kRead:
      complete = PlanRead(rq, t, &m, &path);
      break;
    case BlockOp::kWrite:
      complete = PlanWrite(rq, t, &m, &path, &plan);
      break;
    case BlockOp::kFlush:
      if (!dirty_.empty()) {
        complete = Destage(t);
        m.media = complete - t;
        path = kDestage;
      }
      break;
    case BlockOp::kDiscard:
      DropSegments(rq.sector, rq.sector + rq.sectors);
      dirty_.Remove(rq.sector, rq.sectors);
      break;
  }
  busy_until_ = complete;
  plan.complete_ns = complete;
  sched().trace().Emit(k_service_, {trace_id(), static_cast<int64_t>(rq.id), m.seek, m.rotate,
                                    m.media, path});
  return plan;
}

sim::SimTime Hdd::PlanRead(const BlockRequest& rq, sim::SimTime t, Mech* m, int* path) {
  const uint64_t lba = rq.sector, end = rq.sector + rq.sectors;
  const sim::SimTime xfer = TransferNs(rq.bytes(), params_.interface_bytes_per_sec);
  const uint64_t cap = capacity_sectors();
  SettleStream(t);
  int partial = -1;  // a segment holding the start of the request
  for (size_t i = 0; i < segments_.size(); ++i) {
    Segment& s = segments_[i];
    if (s.start <= lba && end <= s.end) {
      s.last_use = ++use_clock_;
      if (static_cast<int>(i) == stream_seg_) {
        cap_lba_ = std::max(cap_lba_, std::min(end + readahead_sectors_, cap));
        if (stream_stopped_ && cap_lba_ > anchor_lba_) {
          // The head idled at the read-ahead limit; it resumes once the
          // frontier sector comes round again.
          const sim::SimTime seek = geo_.Seek(head_track_, geo_.Locate(anchor_lba_).track);
          anchor_ns_ = t + seek + geo_.RotationalWait(t + seek, anchor_lba_);
          head_track_ = geo_.Locate(anchor_lba_).track;
          stream_stopped_ = false;
        }
      }
      *path = kHit;
      return t + xfer;
    }
    if (partial < 0 && s.start <= lba && lba <= s.end) partial = static_cast<int>(i);
  }
  if (stream_seg_ >= 0 && !stream_stopped_ && partial == stream_seg_) {
    // The request runs on past the frontier of the segment being streamed
    // into: the head just keeps reading.
    cap_lba_ = std::max(cap_lba_, std::min(end + readahead_sectors_, cap));
    segments_[static_cast<size_t>(stream_seg_)].last_use = ++use_clock_;
    const sim::SimTime media_end = anchor_ns_ + geo_.StreamTime(anchor_lba_, end - anchor_lba_);
    m->media = media_end - t;
    *path = kStreamed;
    return std::max(media_end, t + xfer);
  }
  StopStream(t);
  // Read what the cache lacks: from the end of a segment holding the start,
  // else the whole request.
  const uint64_t from = partial >= 0 ? segments_[static_cast<size_t>(partial)].end : lba;
  *m = Mechanical(t, from, end - from);
  *path = kMiss;
  if (segment_sectors_ > 0) {
    size_t i = static_cast<size_t>(partial);
    if (partial < 0) {
      if (segments_.size() < static_cast<size_t>(params_.cache_segments)) {
        segments_.push_back(Segment{});
        i = segments_.size() - 1;
      } else {
        i = 0;
        for (size_t j = 1; j < segments_.size(); ++j) {
          if (segments_[j].last_use < segments_[i].last_use) i = j;
        }
      }
      segments_[i].start = lba;
    }
    segments_[i].end = end;
    segments_[i].last_use = ++use_clock_;
    TrimSegment(&segments_[i]);
    stream_seg_ = static_cast<int>(i);
    anchor_lba_ = end;
    anchor_ns_ = geo_.AnchorAfter(end, m->end);
    cap_lba_ = std::min(end + readahead_sectors_, cap);
    stream_stopped_ = cap_lba_ <= end;
  }
  return std::max(m->end, t + xfer);
}

sim::SimTime Hdd::PlanWrite(const BlockRequest& rq, sim::SimTime t, Mech* m, int* path,
                            ServicePlan* plan) {
  const uint64_t lba = rq.sector, end = rq.sector + rq.sectors;
  const sim::SimTime xfer = TransferNs(rq.bytes(), params_.interface_bytes_per_sec);
  SettleStream(t);
  DropSegments(lba, end);
  if (write_cache_sectors_ > 0 && !rq.fua && rq.sectors <= write_cache_sectors_) {
    sim::SimTime ready = t;
    if (dirty_.sectors() + rq.sectors > write_cache_sectors_) {
      ready = Destage(t);
      m->media = ready - t;
      plan->persist_cache_first = true;
    }
    dirty_.Add(lba, rq.sectors);
    plan->write_to_volatile = true;
    *path = kCachedWrite;
    return ready + xfer;
  }
  StopStream(t);
  *m = Mechanical(t, lba, rq.sectors);
  dirty_.Remove(lba, rq.sectors);
  *path = kMiss;
  return std::max(m->end, t + xfer);
}

Hdd::Mech Hdd::Mechanical(sim::SimTime t, uint64_t lba, uint64_t n) {
  Mech m;
  if (n == 0) {
    m.end = t;
    return m;
  }
  m.seek = geo_.Seek(head_track_, geo_.Locate(lba).track);
  m.rotate = geo_.RotationalWait(t + m.seek, lba);
  m.media = geo_.StreamTime(lba, n);
  m.end = t + m.seek + m.rotate + m.media;
  head_track_ = geo_.Locate(lba + n - 1).track;
  return m;
}

sim::SimTime Hdd::Destage(sim::SimTime t) {
  StopStream(t);
  const sim::SimTime begin = t;
  int64_t runs = 0;
  for (const auto& [start, end] : dirty_.runs()) {
    t = Mechanical(t, start, end - start).end;
    ++runs;
  }
  sched().trace().Emit(k_destage_, {trace_id(), runs, static_cast<int64_t>(dirty_.sectors()), t - begin});
  dirty_.Clear();
  return t;
}

void Hdd::SettleStream(sim::SimTime t) {
  if (stream_seg_ < 0 || stream_stopped_ || t <= anchor_ns_) return;
  const HddGeometry::Streamed st = geo_.Stream(anchor_lba_, t - anchor_ns_, cap_lba_ - anchor_lba_);
  if (st.sectors > 0) head_track_ = geo_.Locate(anchor_lba_ + st.sectors - 1).track;
  anchor_lba_ += st.sectors;
  anchor_ns_ += st.time;
  Segment& s = segments_[static_cast<size_t>(stream_seg_)];
  s.end = anchor_lba_;
  TrimSegment(&s);
  if (anchor_lba_ >= cap_lba_) stream_stopped_ = true;
}

void Hdd::StopStream(sim::SimTime t) {
  SettleStream(t);
  stream_seg_ = -1;
  stream_stopped_ = false;
}

void Hdd::DropSegments(uint64_t start, uint64_t end) {
  std::vector<Segment> kept;
  int stream = -1;
  for (size_t i = 0; i < segments_.size(); ++i) {
    const Segment& s = segments_[i];
    if (s.start < end && start < s.end) continue;
    if (static_cast<int>(i) == stream_seg_) stream = static_cast<int>(kept.size());
    kept.push_back(s);
  }
  segments_ = std::move(kept);
  if (stream < 0) stream_stopped_ = false;
  stream_seg_ = stream;
}

void Hdd::TrimSegment(Segment* s) const {
  if (s->end - s->start > segment_sectors_) s->start = s->end - segment_sectors_;
}

void Hdd::OnPowerCut(sim::SimTime now) {
  segments_.clear();
  stream_seg_ = -1;
  stream_stopped_ = false;
  dirty_.Clear();
  busy_until_ = now;
}

}  // namespace devices
