#include "scenarios/ext_stats.h"

#include "devices/device_stats.h"
#include "kernel_model/aio_abi.h"
#include "kernel_model/blkdev.h"
#include "kernel_model/filemap_lru.h"
#include "kernel_model/vfs_setup.h"
#include "kernel_model/vfs_storage.h"
#include "scenarios/ext_world.h"

namespace scenarios::kext {

namespace {

void AddPercentiles(ReportSection& s, const std::string& prefix, const std::vector<sim::SimTime>& v) {
  if (v.empty()) return;
  s.Time(prefix + "_p50", devices::PercentileNearestRank(v, 500));
  s.Time(prefix + "_p90", devices::PercentileNearestRank(v, 900));
  s.Time(prefix + "_p99", devices::PercentileNearestRank(v, 990));
  s.Time(prefix + "_max", devices::PercentileNearestRank(v, 1000));
}

void SetPercentiles(RecordObject& r, const std::string& prefix, const std::vector<sim::SimTime>& v) {
  r.Set(prefix + "_p50", devices::PercentileNearestRank(v, 500));
  r.Set(prefix + "_p90", devices::PercentileNearestRank(v, 900));
  r.Set(prefix + "_p99", devices::PercentileNearestRank(v, 990));
  r.Set(prefix + "_max", devices::PercentileNearestRank(v, 1000));
}

const DeviceEntry& FindDevice(CallContext& ctx, KernelWorld* world, const std::string& name) {
  auto it = world->devices.find(name);
  if (it == world->devices.end()) {
    std::string known;
    for (const auto& [n, d] : world->devices) known += (known.empty() ? "" : ", ") + n;
    ctx.Fail("unknown device '" + name + "' (devices: " + (known.empty() ? "none" : known) + ")");
  }
  return it->second;
}

std::shared_ptr<RecordObject> DeviceRecord(const DeviceEntry& d, sim::SimTime now) {
  const devices::DeviceStats& st = d.dev->stats();
  auto r = std::make_shared<RecordObject>("dev_stats");
  r->Set("reads", static_cast<int64_t>(st.completed(devices::BlockOp::kRead)))
      .Set("writes", static_cast<int64_t>(st.completed(devices::BlockOp::kWrite)))
      .Set("flushes", static_cast<int64_t>(st.completed(devices::BlockOp::kFlush)))
      .Set("discards", static_cast<int64_t>(st.completed(devices::BlockOp::kDiscard)))
      .Set("requests", static_cast<int64_t>(st.completed_total()))
      .Set("read_bytes", static_cast<int64_t>(st.bytes(devices::BlockOp::kRead)))
      .Set("write_bytes", static_cast<int64_t>(st.bytes(devices::BlockOp::kWrite)))
      .Set("errors", static_cast<int64_t>(st.errors(devices::BlockOp::kRead) + st.errors(devices::BlockOp::kWrite) +
                                           st.errors(devices::BlockOp::kFlush) + st.errors(devices::BlockOp::kDiscard)))
      .Set("in_flight", d.dev->in_flight())
      .Set("busy", st.busy_ns(now))
      .Set("utilisation_ppm", static_cast<int64_t>(st.utilisation_ppm(now)))
      .Set("depth_max", st.depth_max())
      .Set("depth_avg_milli", static_cast<int64_t>(st.depth_average_milli(now)));
  const devices::LatencySummary all = st.LatencyAll();
  r->Set("latency_p50", all.p50_ns).Set("latency_p90", all.p90_ns).Set("latency_p99", all.p99_ns).Set("latency_max", all.max_ns);
  if (kernel::block_device* b = kernel::lookup_bdev(d.name)) {
    const kernel::blk_queue_stats& q = b->bd_queue->stats;
    r->Set("bios", static_cast<int64_t>(q.bios_submitted))
        .Set("merges", static_cast<int64_t>(q.back_merges + q.front_merges + q.request_merges + q.plug_merges))
        .Set("dispatched", static_cast<int64_t>(q.requests_dispatched));
  }
  return r;
}

std::shared_ptr<RecordObject> CacheRecord() {
  kernel::pagecache* pc = kernel::page_cache();
  auto r = std::make_shared<RecordObject>("cache_stats");
  r->Set("hits", static_cast<int64_t>(pc->stats.lookups_hit))
      .Set("misses", static_cast<int64_t>(pc->stats.lookups_miss))
      .Set("pages_added", static_cast<int64_t>(pc->stats.pages_added))
      .Set("evictions", static_cast<int64_t>(pc->stats.pages_evicted))
      .Set("readahead_pages", static_cast<int64_t>(pc->stats.readahead_pages))
      .Set("pages_written", static_cast<int64_t>(pc->stats.pages_written))
      .Set("reclaim_waits", static_cast<int64_t>(pc->stats.reclaim_waits))
      .Set("pages", pc->nr_pages)
      .Set("dirty", pc->nr_dirty)
      .Set("writeback", pc->nr_writeback)
      .Set("capacity_pages", static_cast<int64_t>(pc->cfg.capacity_pages));
  return r;
}

Value DevStats(CallContext& ctx, Args& args, KernelWorld* world) {
  const DeviceEntry& d = FindDevice(ctx, world, args.String("name"));
  return Value::Obj(DeviceRecord(d, ctx.scheduler().Now()));
}

Value CacheStats(CallContext&, Args&) { return Value::Obj(CacheRecord()); }

Value BlkRequests(CallContext& ctx, Args& args, KernelWorld* world) {
  const DeviceEntry& d = FindDevice(ctx, world, args.String("name"));
  const int64_t op = args.Int("op");
  std::vector<Value> out;
  if (world->stats == nullptr) return Value::NewList();
  const int64_t id = d.dev->trace_id();
  for (const StatsSink::BlkRequest& rq : world->stats->requests()) {
    if (rq.dev != id || (op >= 0 && rq.op != op)) continue;
    auto r = std::make_shared<RecordObject>("blk_request");
    r->Set("op", rq.op).Set("sector", rq.sector).Set("sectors", rq.sectors).Set("bytes", rq.sectors * 512).Set("time", rq.time);
    out.push_back(Value::Obj(std::move(r)));
  }
  return Value::NewList(std::move(out));
}

Value AioStats(CallContext& ctx, Args& args, KernelWorld* world) {
  const int64_t opcode = args.Int("opcode");
  auto r = std::make_shared<RecordObject>("aio_stats");
  StatsSink::OpStats empty;
  const StatsSink::OpStats* s = &empty;
  if (world->stats != nullptr) {
    auto it = world->stats->ops().find(opcode);
    if (it != world->stats->ops().end()) s = &it->second;
  }
  r->Set("submitted", static_cast<int64_t>(s->submitted))
      .Set("completed", static_cast<int64_t>(s->completed))
      .Set("failed", static_cast<int64_t>(s->failed))
      .Set("reaped", static_cast<int64_t>(s->reaped));
  SetPercentiles(*r, "complete", s->complete_ns);
  SetPercentiles(*r, "reap", s->reap_ns);
  return Value::Obj(std::move(r));
}

}  // namespace

// --- StatsSink ---

StatsSink::Role StatsSink::RoleOf(const sim::Trace& trace, uint32_t kind) {
  if (kind >= roles_.size()) roles_.resize(kind + 1, kUnknown);
  Role& role = roles_[kind];
  if (role == kUnknown) {
    const std::string& name = trace.kind(kind).name;
    role = name == "aio.submit" ? kSubmit : name == "aio.complete" ? kComplete : name == "blk.dispatch" ? kDispatch : kOther;
  }
  return role;
}

void StatsSink::Write(const sim::Trace& trace, const sim::TraceRecord& r) {
  switch (RoleOf(trace, r.kind)) {
    case kSubmit: {  // ctx, req, opcode, fd, obj, nbytes
      const auto key = std::make_pair(static_cast<uint64_t>(r.values[0]), static_cast<uint64_t>(r.values[4]));
      pending_[key] = Pending{r.values[2], r.time, false};
      ++ops_[r.values[2]].submitted;
      break;
    }
    case kComplete: {  // ctx, req, res, res2, tail, obj
      auto it = pending_.find(std::make_pair(static_cast<uint64_t>(r.values[0]), static_cast<uint64_t>(r.values[5])));
      if (it == pending_.end() || it->second.completed) break;
      it->second.completed = true;
      OpStats& op = ops_[it->second.opcode];
      ++op.completed;
      if (r.values[2] < 0) ++op.failed;
      op.complete_ns.push_back(r.time - it->second.submitted);
      break;
    }
    case kDispatch: {  // dev, rq, op, sector, sectors, in_flight
      if (requests_.size() >= kMaxRequestsKept) {
        ++requests_dropped_;
        break;
      }
      requests_.push_back(BlkRequest{r.values[0], r.values[2], r.values[3], r.values[4], r.time});
      break;
    }
    default:
      break;
  }
}

void StatsSink::OnReaped(uint64_t ctx_id, uint64_t obj, sim::SimTime now) {
  auto it = pending_.find(std::make_pair(ctx_id, obj));
  if (it == pending_.end()) return;
  OpStats& op = ops_[it->second.opcode];
  ++op.reaped;
  op.reap_ns.push_back(now - it->second.submitted);
  pending_.erase(it);
}

std::string OpcodeName(int64_t opcode) {
  switch (opcode) {
    case kernel::IOCB_CMD_PREAD:
      return "pread";
    case kernel::IOCB_CMD_PWRITE:
      return "pwrite";
    case kernel::IOCB_CMD_FSYNC:
      return "fsync";
    case kernel::IOCB_CMD_FDSYNC:
      return "fdsync";
    case kernel::IOCB_CMD_POLL:
      return "poll";
    case kernel::IOCB_CMD_PREADV:
      return "preadv";
    case kernel::IOCB_CMD_PWRITEV:
      return "pwritev";
    default:
      return "opcode " + std::to_string(opcode);
  }
}

// --- RecordObject ---

RecordObject& RecordObject::Set(std::string name, int64_t v) {
  for (auto& [n, value] : fields_) {
    if (n == name) {
      value = v;
      return *this;
    }
  }
  fields_.emplace_back(std::move(name), v);
  return *this;
}

std::string RecordObject::ToString() const {
  std::string out = "{";
  for (const auto& [n, v] : fields_) {
    if (out.size() > 1) out += " ";
    out += n + "=" + std::to_string(v);
  }
  return out + "}";
}

sim::Status RecordObject::GetField(std::string_view name, Value* out) const {
  for (const auto& [n, v] : fields_) {
    if (n == name) {
      *out = Value::Int(v);
      return sim::Status::Ok();
    }
  }
  std::string known;
  for (const auto& [n, v] : fields_) known += (known.empty() ? "" : ", ") + n;
  return sim::Status::Error(type_ + " has no field '" + std::string(name) + "' (fields: " + known + ")");
}

// --- registration and report ---

void RegisterStatsCalls(CallRegistry& calls, KernelWorld* world) {
  calls.Add("dev_stats", [world](CallContext& c, Args& a) { return DevStats(c, a, world); })
      .Params({"name"})
      .Summary(
          "a device's counters so far: reads, writes, flushes, requests, read_bytes, write_bytes, errors, busy, "
          "utilisation_ppm, depth_max, latency_p50..max, merges, dispatched");
  calls.Add("cache_stats", CacheStats)
      .Summary("page-cache counters so far: hits, misses, pages_added, evictions, readahead_pages, pages_written, "
               "pages, dirty, writeback");
  calls.Add("blk_requests", [world](CallContext& c, Args& a) { return BlkRequests(c, a, world); })
      .Params({"name"})
      .Keyword("op", Value::Int(-1))
      .Summary("the requests dispatched to a device so far (op -1: all), each with .op .sector .sectors .bytes .time");
  calls.Add("aio_stats", [world](CallContext& c, Args& a) { return AioStats(c, a, world); })
      .Params({"opcode"})
      .Summary("per IOCB_CMD_*: submitted, completed, failed, reaped, complete_p50..max, reap_p50..max (ns)");
}

void ReportStats(KernelWorld& world, sim::SimTime now, ReportBuilder& report) {
  if (world.stats != nullptr && !world.stats->ops().empty()) {
    ReportSection& aio = report.Section("aio");
    for (const auto& [opcode, s] : world.stats->ops()) {
      ReportSection& op = aio.Child(OpcodeName(opcode));
      op.Int("submitted", static_cast<int64_t>(s.submitted))
          .Int("completed", static_cast<int64_t>(s.completed))
          .Int("failed", static_cast<int64_t>(s.failed))
          .Int("reaped", static_cast<int64_t>(s.reaped));
      AddPercentiles(op, "submit_to_complete", s.complete_ns);
      AddPercentiles(op, "submit_to_reap", s.reap_ns);
    }
  }
  for (const auto& [name, d] : world.devices) {
    ReportSection& s = report.Section("device " + name);
    const devices::DeviceStats& st = d.dev->stats();
    s.Text("kind", std::string(d.dev->kind())).Text("mount", d.mount);
    s.Int("requests", static_cast<int64_t>(st.completed_total()));
    for (devices::BlockOp op : {devices::BlockOp::kRead, devices::BlockOp::kWrite, devices::BlockOp::kFlush,
                                devices::BlockOp::kDiscard}) {
      if (st.completed(op) == 0) continue;
      ReportSection& o = s.Child(std::string(devices::BlockOpName(op)));
      o.Int("requests", static_cast<int64_t>(st.completed(op)))
          .Int("errors", static_cast<int64_t>(st.errors(op)))
          .Int("bytes", static_cast<int64_t>(st.bytes(op)));
      AddPercentiles(o, "latency", st.latencies_ns(op));
    }
    s.Time("busy", st.busy_ns(now))
        .Int("utilisation_ppm", static_cast<int64_t>(st.utilisation_ppm(now)))
        .Int("depth_max", st.depth_max())
        .Int("depth_avg_milli", static_cast<int64_t>(st.depth_average_milli(now)));
    if (kernel::block_device* b = kernel::lookup_bdev(name)) {
      const kernel::blk_queue_stats& q = b->bd_queue->stats;
      s.Child("queue")
          .Int("bios", static_cast<int64_t>(q.bios_submitted))
          .Int("back_merges", static_cast<int64_t>(q.back_merges))
          .Int("front_merges", static_cast<int64_t>(q.front_merges))
          .Int("plug_merges", static_cast<int64_t>(q.plug_merges))
          .Int("dispatched", static_cast<int64_t>(q.requests_dispatched))
          .Int("flushes", static_cast<int64_t>(q.flushes_dispatched));
    }
    if (d.faulty != nullptr) {
      const devices::FaultyDevice::Counters& c = d.faulty->counters();
      s.Child("faults")
          .Int("injected_errors", static_cast<int64_t>(c.injected_errors))
          .Int("delayed", static_cast<int64_t>(c.delayed))
          .Int("stalled", static_cast<int64_t>(c.stalled))
          .Int("power_cuts", static_cast<int64_t>(c.power_cuts));
    }
  }
  if (world.kernel && world.kernel->storage) {
    kernel::pagecache* pc = kernel::page_cache();
    ReportSection& s = report.Section("page cache");
    s.Int("hits", static_cast<int64_t>(pc->stats.lookups_hit))
        .Int("misses", static_cast<int64_t>(pc->stats.lookups_miss))
        .Int("pages_added", static_cast<int64_t>(pc->stats.pages_added))
        .Int("evictions", static_cast<int64_t>(pc->stats.pages_evicted))
        .Int("readahead_pages", static_cast<int64_t>(pc->stats.readahead_pages))
        .Int("pages_written", static_cast<int64_t>(pc->stats.pages_written))
        .Int("pages", pc->nr_pages)
        .Int("dirty", pc->nr_dirty)
        .Int("capacity_pages", static_cast<int64_t>(pc->cfg.capacity_pages));
  }
}

}  // namespace scenarios::kext
