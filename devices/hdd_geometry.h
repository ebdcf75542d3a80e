// HddGeometry: where a sector lives on a zoned disk and how long the
// mechanics take to reach and read it. Pure integer functions of the
// parameters (no state), so tests can compute service times by hand.
//
// Layout: LBAs fill tracks in order, cylinder-major: track k is cylinder
// k / heads, head k % heads. The `zones` bands have equal cylinder counts;
// zone z has spt(z) = outer - (outer - inner) * z / (zones - 1) sectors per
// track. Cylinders per zone = ceil(capacity / (heads * sum spt)); the tail of
// the last zone past capacity is unused.
//
// Rotation: the platter turns at a constant rate from angle 0 at time 0; a
// position on a track is a time offset in [0, rev_ns). Sector j of a track
// with spt sectors spans [j * rev / spt, (j+1) * rev / spt) (integer
// division) after the track's start, and the track's start is skewed by
// TrackOffset(k) = ((k - c) * head_switch + c * t2t) mod rev, c = k / heads:
// exactly the switch time from the end of track k-1, so a sequential run
// loses only the switch, never a revolution.
//
// Seek between cylinders at distance d >= 1 over D = cylinders - 1:
//   seek(d) = t2t + (full - t2t) * isqrt((d-1) << 32) / isqrt((D-1) << 32),
// (t2t when D <= 1); changing head on the same cylinder costs head_switch.
#ifndef AIOSIM_DEVICES_HDD_GEOMETRY_H_
#define AIOSIM_DEVICES_HDD_GEOMETRY_H_

#include <cstdint>
#include <vector>

#include "devices/hdd_params.h"
#include "sim/time.h"

namespace devices {

// floor(sqrt(x)), exactly.
uint64_t ISqrt(uint64_t x);

class HddGeometry {
 public:
  // REQUIRES p.Validate() is ok.
  explicit HddGeometry(const HddParams& p);

  struct Pos {
    uint64_t track = 0;  // cylinder * heads + head
    uint64_t cylinder = 0;
    uint32_t head = 0;
    uint32_t zone = 0;
    uint32_t spt = 0;     // sectors on this track
    uint32_t sector = 0;  // index within the track
  };
  // REQUIRES lba < capacity_sectors().
  Pos Locate(uint64_t lba) const;

  uint64_t capacity_sectors() const { return capacity_sectors_; }
  uint64_t cylinders() const { return cylinders_; }
  uint64_t cylinders_per_zone() const { return cylinders_per_zone_; }
  uint32_t sectors_per_track(uint32_t zone) const { return spt_[zone]; }
  sim::SimTime rev_ns() const { return rev_ns_; }

  // Offset of sector boundary j on a track of spt sectors (j in [0, spt]).
  sim::SimTime SectorBoundary(uint32_t j, uint32_t spt) const {
    return static_cast<sim::SimTime>(uint64_t{j} * static_cast<uint64_t>(rev_ns_) / spt);
  }
  sim::SimTime TrackOffset(uint64_t track) const;
  // From the end of track k to the start of track k+1 (head switch or t2t).
  sim::SimTime SwitchTime(uint64_t track) const;
  sim::SimTime SeekCylinders(uint64_t distance) const;
  sim::SimTime Seek(uint64_t from_track, uint64_t to_track) const;
  // From time t, with the head on lba's track, until lba's start passes under it.
  sim::SimTime RotationalWait(sim::SimTime t, uint64_t lba) const;
  // Reading (or writing) n sectors from the start of lba, crossing tracks.
  sim::SimTime StreamTime(uint64_t lba, uint64_t n) const;

  // How far a head streaming from the start of lba gets in `budget` ns,
  // reading at most `max` sectors (and never past capacity). `time` is when
  // the head is at the start of sector lba + sectors: <= budget, except that
  // a track switch begun within the budget is counted whole.
  struct Streamed {
    uint64_t sectors = 0;
    sim::SimTime time = 0;
  };
  Streamed Stream(uint64_t lba, sim::SimTime budget, uint64_t max) const;

  // After reading up to (not including) `end` at t_end: when the head is at
  // the start of `end` if it keeps streaming (adds the switch at a track end).
  sim::SimTime AnchorAfter(uint64_t end, sim::SimTime t_end) const;

 private:
  uint64_t capacity_sectors_;
  uint32_t heads_;
  uint64_t cylinders_per_zone_;
  uint64_t cylinders_;
  sim::SimTime rev_ns_;
  sim::SimTime t2t_ns_, full_ns_, head_switch_ns_;
  std::vector<uint32_t> spt_;         // per zone
  std::vector<uint64_t> zone_first_;  // first LBA per zone
  uint64_t isqrt_span_;               // isqrt((D-1) << 32)
};

}  // namespace devices

#endif  // AIOSIM_DEVICES_HDD_GEOMETRY_H_
