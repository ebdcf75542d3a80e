#include "devices/hdd_geometry.h"

#include <algorithm>

#include "devices/block_device.h"
#include "sim/check.h"

namespace devices {

uint64_t ISqrt(uint64_t x) {
  // Digit-by-digit (base 4) square root: exact, no floating point.
  uint64_t result = 0;
  uint64_t bit = uint64_t{1} << 62;
  while (bit > x) bit >>= 2;
  while (bit != 0) {
    if (x >= result + bit) {
      x -= result + bit;
      result = (result >> 1) + bit;
    } else {
      result >>= 1;
    }
    bit >>= 2;
  }
  return result;
}

HddGeometry::HddGeometry(const HddParams& p)
    : capacity_sectors_(static_cast<uint64_t>(p.capacity_bytes) / kSectorSize),
      heads_(static_cast<uint32_t>(p.heads)),
      rev_ns_(60 * sim::kSecond / p.rpm),
      t2t_ns_(p.track_to_track_seek_ns),
      full_ns_(p.full_stroke_seek_ns),
      head_switch_ns_(p.head_switch_ns) {
  const auto zones = static_cast<uint32_t>(p.zones);
  const auto outer = static_cast<uint64_t>(p.sectors_per_track_outer);
  const auto inner = static_cast<uint64_t>(p.sectors_per_track_inner);
  uint64_t per_cylinder_set = 0;  // sectors in one cylinder of every zone
  for (uint32_t z = 0; z < zones; ++z) {
    const uint64_t spt = zones == 1 ? outer : outer - (outer - inner) * z / (zones - 1);
    spt_.push_back(static_cast<uint32_t>(spt));
    per_cylinder_set += spt * heads_;
  }
  cylinders_per_zone_ = (capacity_sectors_ + per_cylinder_set - 1) / per_cylinder_set;
  cylinders_ = cylinders_per_zone_ * zones;
  uint64_t first = 0;
  for (uint32_t z = 0; z < zones; ++z) {
    zone_first_.push_back(first);
    first += cylinders_per_zone_ * heads_ * spt_[z];
  }
  isqrt_span_ = cylinders_ >= 3 ? ISqrt((cylinders_ - 2) << 32) : 0;
}

HddGeometry::Pos HddGeometry::Locate(uint64_t lba) const {
  SIM_CHECK(lba < capacity_sectors_) << "hdd: LBA " << lba << " past capacity " << capacity_sectors_;
  uint32_t z = static_cast<uint32_t>(zone_first_.size()) - 1;
  while (zone_first_[z] > lba) --z;
  Pos pos;
  pos.zone = z;
  pos.spt = spt_[z];
  const uint64_t rem = lba - zone_first_[z];
  const uint64_t track_in_zone = rem / pos.spt;
  pos.sector = static_cast<uint32_t>(rem % pos.spt);
  pos.cylinder = z * cylinders_per_zone_ + track_in_zone / heads_;
  pos.head = static_cast<uint32_t>(track_in_zone % heads_);
  pos.track = pos.cylinder * heads_ + pos.head;
  return pos;
}

sim::SimTime HddGeometry::TrackOffset(uint64_t track) const {
  const uint64_t c = track / heads_;
  const uint64_t switches = track - c;  // head switches before this track
  const auto rev = static_cast<uint64_t>(rev_ns_);
  return static_cast<sim::SimTime>(
      (switches % rev * static_cast<uint64_t>(head_switch_ns_) % rev +
       c % rev * static_cast<uint64_t>(t2t_ns_) % rev) %
      rev);
}

sim::SimTime HddGeometry::SwitchTime(uint64_t track) const {
  return (track + 1) / heads_ == track / heads_ ? head_switch_ns_ : t2t_ns_;
}

sim::SimTime HddGeometry::SeekCylinders(uint64_t d) const {
  if (d == 0) return 0;
  if (isqrt_span_ == 0) return t2t_ns_;
  const uint64_t num = ISqrt((d - 1) << 32);
  return t2t_ns_ + static_cast<sim::SimTime>(static_cast<unsigned __int128>(full_ns_ - t2t_ns_) *
                                             num / isqrt_span_);
}

sim::SimTime HddGeometry::Seek(uint64_t from_track, uint64_t to_track) const {
  const uint64_t c1 = from_track / heads_, c2 = to_track / heads_;
  const sim::SimTime head = (from_track % heads_ == to_track % heads_) ? 0 : head_switch_ns_;
  const uint64_t d = c1 > c2 ? c1 - c2 : c2 - c1;
  return std::max(SeekCylinders(d), head);
}

sim::SimTime HddGeometry::RotationalWait(sim::SimTime t, uint64_t lba) const {
  const Pos p = Locate(lba);
  const sim::SimTime target = (TrackOffset(p.track) + SectorBoundary(p.sector, p.spt)) % rev_ns_;
  const sim::SimTime phase = t % rev_ns_;
  return (target - phase + rev_ns_) % rev_ns_;
}

sim::SimTime HddGeometry::StreamTime(uint64_t lba, uint64_t n) const {
  sim::SimTime time = 0;
  while (n > 0) {
    const Pos p = Locate(lba);
    const uint64_t r = std::min<uint64_t>(n, p.spt - p.sector);
    time += SectorBoundary(p.sector + static_cast<uint32_t>(r), p.spt) - SectorBoundary(p.sector, p.spt);
    n -= r;
    lba += r;
    if (n > 0) time += SwitchTime(p.track);
  }
  return time;
}

HddGeometry::Streamed HddGeometry::Stream(uint64_t lba, sim::SimTime budget, uint64_t max) const {
  Streamed out;
  while (out.sectors < max && lba + out.sectors < capacity_sectors_) {
    const uint64_t at = lba + out.sectors;
    const Pos p = Locate(at);
    const uint64_t r = std::min<uint64_t>({uint64_t{p.spt} - p.sector, max - out.sectors,
                                           capacity_sectors_ - at});
    const sim::SimTime from = SectorBoundary(p.sector, p.spt);
    const sim::SimTime whole = SectorBoundary(p.sector + static_cast<uint32_t>(r), p.spt) - from;
    if (out.time + whole <= budget) {
      out.time += whole;
      out.sectors += r;
      const bool track_end = p.sector + r == p.spt;
      if (track_end && out.sectors < max && lba + out.sectors < capacity_sectors_) {
        out.time += SwitchTime(p.track);
        if (out.time > budget) break;
      }
      continue;
    }
    // Partial track: the largest m with boundary(sector + m) <= from + remaining.
    const uint64_t limit = static_cast<uint64_t>(from + (budget - out.time));
    const uint64_t x = ((limit + 1) * p.spt - 1) / static_cast<uint64_t>(rev_ns_);
    const uint64_t m = std::min<uint64_t>(r, x - p.sector);
    out.time += SectorBoundary(p.sector + static_cast<uint32_t>(m), p.spt) - from;
    out.sectors += m;
    break;
  }
  return out;
}

sim::SimTime HddGeometry::AnchorAfter(uint64_t end, sim::SimTime t_end) const {
  if (end == 0 || end >= capacity_sectors_) return t_end;
  const Pos p = Locate(end);
  if (p.sector != 0) return t_end;
  return t_end + SwitchTime(p.track - 1);
}

}  // namespace devices
