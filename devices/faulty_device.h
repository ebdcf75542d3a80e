// FaultyDevice: wraps any BlockDevice and bends what it does, in the shape of
// leveldb's EnvWrapper: everything is forwarded to the target (name, size,
// queue depth, media) except Submit, in_flight, stats and PowerCut, which see
// the faults. stats() are as the host sees them (stalls and multiplied
// latencies included); target().stats() are the device's own.
//
// Faults, all on virtual time, all deterministic:
// - EIO on an LBA range (AddEioRange): a read/write/discard overlapping
//   [sector, sector + sectors), submitted within [from_ns, until_ns), fails
//   with -error (default -EIO) without reaching the target (so a failed
//   write changes no byte). With chance num/den < 1 each candidate is decided
//   by a draw from the stream sched.rng().Fork("fault.dev." + name), put to
//   the chooser as fault site "dev.<name>.eio_range" (replay can override it).
// - EIO on the k-th request (AddEioNth): the nth..(nth+count-1)-th requests
//   of one op (or of any op), counted from 1 at this wrapper, fail likewise.
// - latency multiplier (AddLatency): a request submitted within the window
//   that succeeds has its completion delivered at submit + (target latency) *
//   num / den (integer, rounded down; num >= den).
// - stall (AddStall): requests submitted within [from_ns, until_ns) reach the
//   target only at until_ns, in submission order; completions that would be
//   delivered within the window are delivered at until_ns.
// - power cut (SchedulePowerCut, or PowerCut() now): the target loses its
//   volatile cache and aborts what it has in flight (block_device.h); requests
//   held here by a stall complete with -EIO at that instant too. Completions
//   already made by the target but delayed here are delivered as they were.
//
// Trace: dev.fault {dev, rq, fault, value}: fault 1 eio_nth, 2 eio_range
// (value: the errno), 3 latency (value: added ns), 4 stall (value: release
// time), 5 power_cut (rq -1, value: requests aborted here).
#ifndef AIOSIM_DEVICES_FAULTY_DEVICE_H_
#define AIOSIM_DEVICES_FAULTY_DEVICE_H_

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "devices/block_device.h"
#include "devices/device_stats.h"
#include "devices/params.h"
#include "sim/prng.h"
#include "sim/scheduler.h"
#include "sim/status.h"

namespace devices {

class FaultyDevice : public BlockDevice {
 public:
  enum FaultCode : int { kEioNth = 1, kEioRange = 2, kLatency = 3, kStall = 4, kPowerCut = 5 };

  struct EioRange {
    std::optional<BlockOp> op;  // nullopt: any op with a range
    uint64_t sector = 0;
    uint64_t sectors = 0;
    sim::SimTime from_ns = 0;
    sim::SimTime until_ns = sim::kNever;
    uint64_t chance_num = 1, chance_den = 1;
    int error = 5;  // EIO
  };
  struct EioNth {
    std::optional<BlockOp> op;  // nullopt: count every request
    uint64_t nth = 1;
    uint64_t count = 1;
    int error = 5;
  };
  struct LatencyWindow {
    sim::SimTime from_ns = 0, until_ns = sim::kNever;
    uint64_t num = 1, den = 1;
  };
  struct StallWindow {
    sim::SimTime from_ns = 0, until_ns = 0;
  };
  struct Counters {
    uint64_t injected_errors = 0;
    uint64_t delayed = 0;
    uint64_t stalled = 0;
    uint64_t power_cuts = 0;
  };

  FaultyDevice(sim::Scheduler& sched, std::unique_ptr<BlockDevice> target);
  ~FaultyDevice() override;

  BlockDevice& target() { return *target_; }

  // Each checks its values against the device and returns a one-line error
  // ("device sda: fault stall: until_ns 5 is not after from_ns 10").
  sim::Status AddEioRange(const EioRange& r);
  sim::Status AddEioNth(const EioNth& r);
  sim::Status AddLatency(const LatencyWindow& w);
  sim::Status AddStall(const StallWindow& w);
  sim::Status SchedulePowerCut(sim::SimTime at_ns);  // REQUIRES at_ns >= Now()
  // The same from a scenario's [[fault]] table. kind and its parameters:
  //   eio_range: sector, sectors (required), op ("read"|"write"|"discard"|
  //              "any", default any), from_ns, until_ns, chance_num,
  //              chance_den, errno (default 5)
  //   eio_nth:   nth (required), op ("read"|"write"|"flush"|"discard"|"any",
  //              default any), count (default 1), errno
  //   latency:   num, den (required), from_ns, until_ns
  //   stall:     from_ns, until_ns (required)
  //   power_cut: at_ns (required)
  sim::Status AddFault(std::string_view kind, const ParamMap& params);
  const Counters& counters() const { return counters_; }

  // --- BlockDevice ---
  const std::string& name() const override { return target_->name(); }
  int64_t trace_id() const override { return target_->trace_id(); }
  std::string_view kind() const override { return kind_; }
  uint32_t logical_block_size() const override { return target_->logical_block_size(); }
  uint64_t capacity_sectors() const override { return target_->capacity_sectors(); }
  uint32_t queue_depth_max() const override { return target_->queue_depth_max(); }
  bool has_volatile_cache() const override { return target_->has_volatile_cache(); }
  void Submit(BlockRequest* rq) override;
  uint32_t in_flight() const override { return static_cast<uint32_t>(pending_.size()); }
  const DeviceStats& stats() const override { return stats_; }
  Media& media() override { return target_->media(); }
  void PowerCut() override;

 private:
  // A request between Submit and Deliver. Lives in pending_, a std::map, so
  // its address holds until Deliver erases it: while the target has the
  // request, rq->done_data points here.
  struct Held {
    FaultyDevice* dev = nullptr;
    uint64_t key = 0;  // in pending_
    BlockRequest* rq = nullptr;
    BlockDoneFn done = nullptr;  // the caller's, put back before it is called
    void* done_data = nullptr;
    sim::SimTime submit_ns = 0;
    bool forwarded = false;
    bool stalled = false;  // waiting here for a stall to end
    sim::EventId event;  // a pending release or delivery, if any
  };

  int DecideError(const BlockRequest& rq);  // errno to inject, 0 for none
  void Forward(uint64_t key);
  static void TargetDone(BlockRequest* rq, int status);  // rq->done while forwarded
  void OnTargetDone(uint64_t key, int status);
  void Deliver(uint64_t key, int status);
  sim::SimTime StallEnd(sim::SimTime t) const;  // t, or the end of the stall covering t
  void Emit(int64_t rq, FaultCode fault, int64_t value);
  sim::Status Fail(std::string_view fault, const std::string& msg) const;

  sim::Scheduler& sched_;
  std::unique_ptr<BlockDevice> target_;
  std::string kind_;
  sim::Prng rng_;
  DeviceStats stats_;
  std::map<uint64_t, Held> pending_;  // by submission order
  uint64_t next_key_ = 0;
  std::array<uint64_t, kNumBlockOps> op_counts_{};
  uint64_t all_count_ = 0;
  std::vector<EioRange> eio_ranges_;
  std::vector<EioNth> eio_nths_;
  std::vector<LatencyWindow> latencies_;
  std::vector<StallWindow> stalls_;
  std::vector<sim::EventId> cuts_;
  Counters counters_;
  uint32_t k_fault_;
};

}  // namespace devices

#endif  // AIOSIM_DEVICES_FAULTY_DEVICE_H_
