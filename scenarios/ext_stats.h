// What a run measured, for programs (dev_stats, cache_stats, blk_requests,
// aio_stats) and for the report (sections "aio", "device <name>", "page
// cache").
//
// StatsSink watches the trace (a sim::TraceSink, so it sees exactly what
// the model did and costs nothing when absent):
// - aio.submit / aio.complete: per opcode, the submit -> complete latency
//   of each request (from the kernel's own records: submission is when
//   io_submit_one took the iocb, completion is aio_complete writing the
//   event);
// - the reap of each event, reported by the scenario's io_getevents /
//   io_pgetevents / ring_reap bindings (OnReaped): submit -> reap latency;
// - blk.dispatch: every request the block layer handed to a device (kept
//   up to kMaxRequestsKept per run), for blk_requests().
// Keys are (kioctx id, user iocb address); resubmitting an iocb that was
// never reaped restarts its clock.
//
// Percentiles are nearest-rank over the exact values (devices/
// device_stats.h): integers only.
#ifndef AIOSIM_SCENARIOS_EXT_STATS_H_
#define AIOSIM_SCENARIOS_EXT_STATS_H_

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "scenarios/calls.h"
#include "scenarios/report_section.h"
#include "scenarios/value.h"
#include "sim/time.h"
#include "sim/trace.h"

namespace scenarios::kext {

struct KernelWorld;

class StatsSink : public sim::TraceSink {
 public:
  static constexpr size_t kMaxRequestsKept = 100000;

  struct OpStats {
    uint64_t submitted = 0;
    uint64_t completed = 0;
    uint64_t failed = 0;  // completed with res < 0
    uint64_t reaped = 0;
    std::vector<sim::SimTime> complete_ns;  // submit -> complete, one per completion
    std::vector<sim::SimTime> reap_ns;      // submit -> reap, one per reaped event
  };
  struct BlkRequest {
    int64_t dev = 0;  // the device's trace id
    int64_t op = 0;   // REQ_OP_*: 0 read, 1 write, 2 flush, 3 discard
    int64_t sector = 0;
    int64_t sectors = 0;
    sim::SimTime time = 0;  // dispatched
  };

  void Write(const sim::Trace& trace, const sim::TraceRecord& r) override;
  // An event of (ctx_id, obj) reached the program at `now`.
  void OnReaped(uint64_t ctx_id, uint64_t obj, sim::SimTime now);

  const std::map<int64_t, OpStats>& ops() const { return ops_; }  // by opcode
  const std::vector<BlkRequest>& requests() const { return requests_; }
  uint64_t requests_dropped() const { return requests_dropped_; }

 private:
  enum Role : uint8_t { kUnknown, kOther, kSubmit, kComplete, kDispatch };
  struct Pending {
    int64_t opcode = 0;
    sim::SimTime submitted = 0;
    bool completed = false;
  };
  Role RoleOf(const sim::Trace& trace, uint32_t kind);

  std::vector<Role> roles_;  // by trace kind id
  std::map<std::pair<uint64_t, uint64_t>, Pending> pending_;  // (ctx id, obj)
  std::map<int64_t, OpStats> ops_;
  std::vector<BlkRequest> requests_;
  uint64_t requests_dropped_ = 0;
};

// "pread", "pwrite", "fsync", "fdsync", "poll", "preadv", "pwritev", or
// "opcode N".
std::string OpcodeName(int64_t opcode);

// A read-only record of named int fields (stats results), in insertion order.
class RecordObject : public Object {
 public:
  explicit RecordObject(std::string type) : type_(std::move(type)) {}
  RecordObject& Set(std::string name, int64_t v);
  std::string_view TypeName() const override { return type_; }
  std::string ToString() const override;
  sim::Status GetField(std::string_view name, Value* out) const override;

 private:
  std::string type_;
  std::vector<std::pair<std::string, int64_t>> fields_;
};

// dev_stats, cache_stats, blk_requests, aio_stats.
void RegisterStatsCalls(CallRegistry& calls, KernelWorld* world);
// The report sections: "aio", one "device <name>" per device, "page cache".
void ReportStats(KernelWorld& world, sim::SimTime now, ReportBuilder& report);

}  // namespace scenarios::kext

#endif  // AIOSIM_SCENARIOS_EXT_STATS_H_
