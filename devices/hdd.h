// Hdd: a 7200 rpm class disk drive (defaults and their sources: hdd_params.h;
// geometry and mechanics: hdd_geometry.h).
//
// One head, one request at a time, in arrival order (reordering is the I/O
// scheduler's job above). A request's service starts when the previous one
// ends and costs command_overhead_ns, then:
// - read, all sectors in a cache segment: a hit, only the interface transfer;
// - read that starts inside the segment the drive is streaming into (its
//   read-ahead frontier): the head keeps streaming until the last requested
//   sector passes under it, no seek and no rotational loss;
// - any other read: seek from the head's track, wait for the first sector to
//   rotate under the head, transfer at the zone's media rate (track switches
//   included). The sectors read fill a new segment (least recently used one
//   replaced) and the drive then keeps reading ahead into it, while idle, up
//   to readahead_bytes past the last request it served from that segment;
// - write with the write cache on and no FUA: completes after the interface
//   transfer; the sectors are dirty (volatile) until a flush, a FUA write of
//   the same sectors, or a write that finds the cache full, which destages
//   every dirty run in LBA order (seek + rotation + media time each) first;
// - write with FUA or with the write cache off: mechanical, like a read miss;
// - flush: destages the dirty runs, if any; discard: overhead only.
// Reads never see stale data: the bytes come from the media's volatile layer
// (media.h); the segments model timing only. Writes drop overlapping segments.
// The read-ahead stream stops when the head is needed elsewhere.
//
// Trace: dev.hdd.service {dev, rq, seek_ns, rotate_ns, media_ns, path} with
// path 0 miss (mechanical), 1 cache hit, 2 streamed, 3 cached write, 4 no media
// work (flush of a clean cache, discard), 5 flush that destaged; and
// dev.hdd.destage {dev, runs, sectors, ns} for every destage.
#ifndef AIOSIM_DEVICES_HDD_H_
#define AIOSIM_DEVICES_HDD_H_

#include <memory>
#include <string>
#include <vector>

#include "devices/extent_set.h"
#include "devices/hdd_geometry.h"
#include "devices/hdd_params.h"
#include "devices/model_device.h"
#include "sim/status.h"

namespace devices {

class Hdd : public ModelDevice {
 public:
  static sim::Status Create(sim::Scheduler& sched, std::string name, const HddParams& params,
                            std::unique_ptr<Hdd>* out);

  std::string_view kind() const override { return "hdd"; }
  const HddParams& params() const { return params_; }
  const HddGeometry& geometry() const { return geo_; }
  uint64_t head_track() const { return head_track_; }
  uint64_t dirty_sectors() const { return dirty_.sectors(); }

  enum Path : int { kMiss = 0, kHit = 1, kStreamed = 2, kCachedWrite = 3, kNoMedia = 4, kDestage = 5 };

 protected:
  ServicePlan Plan(const BlockRequest& rq, sim::SimTime now) override;
  void OnPowerCut(sim::SimTime now) override;

 private:
  Hdd(sim::Scheduler& sched, std::string name, const HddParams& params);

  struct Segment {
    uint64_t start = 0, end = 0;  // cached sectors [start, end)
    uint64_t last_use = 0;
  };
  struct Mech {
    sim::SimTime seek = 0, rotate = 0, media = 0, end = 0;
  };

  sim::SimTime PlanRead(const BlockRequest& rq, sim::SimTime t, Mech* m, int* path);
  sim::SimTime PlanWrite(const BlockRequest& rq, sim::SimTime t, Mech* m, int* path, ServicePlan* plan);
  // Position the head at lba from time t and transfer n sectors.
  Mech Mechanical(sim::SimTime t, uint64_t lba, uint64_t n);
  sim::SimTime Destage(sim::SimTime t);
  void SettleStream(sim::SimTime t);
  void StopStream(sim::SimTime t);
  void DropSegments(uint64_t start, uint64_t end);
  void TrimSegment(Segment* s) const;

  HddParams params_;
  HddGeometry geo_;
  uint64_t segment_sectors_;
  uint64_t readahead_sectors_;
  uint64_t write_cache_sectors_;
  sim::SimTime busy_until_ = 0;
  uint64_t head_track_ = 0;
  std::vector<Segment> segments_;
  uint64_t use_clock_ = 0;
  // The read-ahead stream: the head is at the start of anchor_lba_ at
  // anchor_ns_, filling segments_[stream_seg_] up to cap_lba_.
  int stream_seg_ = -1;
  bool stream_stopped_ = false;
  uint64_t anchor_lba_ = 0;
  sim::SimTime anchor_ns_ = 0;
  uint64_t cap_lba_ = 0;
  ExtentSet dirty_;
  uint32_t k_service_, k_destage_;
};

}  // namespace devices

#endif  // AIOSIM_DEVICES_HDD_H_
