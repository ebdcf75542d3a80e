// ModelDevice: the plumbing every device model shares, so a model only
// decides timing. On Submit it checks the request (request_check.h), stamps
// submit_ns, counts it, emits "dev.submit", and asks the model for a
// ServicePlan; at the planned time a sim event delivers the completion: the
// bytes move (media.h), the stats and "dev.complete" are recorded, in_flight
// drops, and rq->done runs. Requests past capacity complete with -EIO at
// once, without asking the model.
//
// Plans are made at submission, in arrival order, from the model's own state
// (head position, die busy times...): a model serves requests in the order it
// was given them, as the BlockDevice contract allows. PowerCut cancels every
// pending delivery, completes those requests with -EIO at the present time
// (no bytes moved), drops the media's volatile layer and lets the model reset
// (OnPowerCut).
//
// Trace kinds (registered at construction; device ids are trace_id()):
//   dev.attach   {dev, capacity_sectors, queue_depth_max}  text: "name kind"
//   dev.submit   {dev, rq, op, sector, sectors, fua}
//   dev.complete {dev, rq, op, status, latency_ns}
//   dev.power_cut {dev, lost_sectors, aborted}
#ifndef AIOSIM_DEVICES_MODEL_DEVICE_H_
#define AIOSIM_DEVICES_MODEL_DEVICE_H_

#include <cstdint>
#include <string>

#include "devices/block_device.h"
#include "devices/device_stats.h"
#include "devices/media.h"
#include "sim/ring_queue.h"
#include "sim/scheduler.h"

namespace devices {

// What a model decided for one request.
struct ServicePlan {
  sim::SimTime start_ns = 0;     // service begins (>= submission)
  sim::SimTime complete_ns = 0;  // completion is delivered (>= start_ns)
  bool write_to_volatile = false;  // kWrite: the bytes land in the write cache
  bool persist_cache_first = false;  // the model destaged its cache for this request
};

struct CommonParams {
  uint64_t capacity_sectors = 0;
  uint32_t logical_block_bytes = kSectorSize;
  uint32_t queue_depth_max = 1;
  bool volatile_cache = false;
};

class ModelDevice : public BlockDevice {
 public:
  ~ModelDevice() override;

  const std::string& name() const final { return name_; }
  int64_t trace_id() const final { return trace_id_; }
  uint32_t logical_block_size() const final { return common_.logical_block_bytes; }
  uint64_t capacity_sectors() const final { return common_.capacity_sectors; }
  uint32_t queue_depth_max() const final { return common_.queue_depth_max; }
  bool has_volatile_cache() const final { return common_.volatile_cache; }
  void Submit(BlockRequest* rq) final;
  uint32_t in_flight() const final { return in_flight_; }
  const DeviceStats& stats() const final { return stats_; }
  Media& media() final { return media_; }
  void PowerCut() final;

 protected:
  ModelDevice(sim::Scheduler& sched, std::string name, CommonParams common);

  // REQUIRES the request is checked and in range. Returns when it is served.
  virtual ServicePlan Plan(const BlockRequest& rq, sim::SimTime now) = 0;
  // Forget timing state after a power cut at `now` (caches empty, idle).
  virtual void OnPowerCut(sim::SimTime now) = 0;

  sim::Scheduler& sched() { return sched_; }
  void EmitAttach();  // call at the end of the concrete constructor

 private:
  struct Pending {
    BlockRequest* rq = nullptr;  // nullptr once delivered
    sim::EventId event;
    ServicePlan plan;
    bool failed = false;  // complete with -EIO, moving no bytes
    // A read's persisted chunk, for prefetch hints only (Media::ChunkForPrefetch),
    // looked up by the first completion that prefetches for it.
    bool chunk_known = false;
    const uint8_t* chunk = nullptr;
  };
  void Deliver(uint64_t key);
  // Host-cache hints for the reads after pending_[i] (changing nothing
  // else): see pending_.
  void PrefetchAhead(size_t i);
  const uint8_t* ChunkForPrefetch(Pending& p) { return p.chunk_known ? p.chunk : LookUpChunk(p); }
  const uint8_t* LookUpChunk(Pending& p);
  static void DeliverEvent(void* device, uint64_t key);  // the completion event: Deliver(key)

  sim::Scheduler& sched_;
  std::string name_;
  int64_t trace_id_;
  CommonParams common_;
  Media media_;
  DeviceStats stats_;
  // Requests by submission order: pending_[i] has key first_key_ + i. Keys
  // are handed out in order and the front is trimmed as it is delivered, so
  // lookup is an index and the ring stays as long as the span in flight.
  // A power-of-two ring rather than a std::deque: indexing is a mask, not a
  // walk over the deque's block map (three operations per request).
  sim::RingQueue<Pending> pending_;
  // Prefetching for reads is spread over the completions before each
  // read's own, so that no completion asks for more lines than the host
  // core can have in flight (round 7 asked for 56 at once, and perf put 73%
  // of Deliver's samples on those prefetches). Each of the Media::kSlices
  // completions before a read fetches one slice of its chunk, the farthest
  // the first slice; the chunk table's slot was prefetched when the read
  // was accepted. Submission order is completion order on a ramdisk; on
  // other devices the hints are only less timely. AIO round 8
  // (docs/performance.md) measured this against a first-line touch 16 or 32
  // requests ahead, slices of 4 and 16 lines, prefetcht0/t1, and starting 1
  // or 3 completions further ahead: none better. Each completion issues its
  // slices after its own copy (round 9: ~1% faster than before it).
  uint64_t first_key_ = 0;
  uint64_t next_key_ = 0;
  uint32_t in_flight_ = 0;
  uint32_t k_attach_, k_submit_, k_complete_, k_power_cut_;
};

}  // namespace devices

#endif  // AIOSIM_DEVICES_MODEL_DEVICE_H_
