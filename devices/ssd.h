// Ssd: a flash drive with channels x dies parallelism (defaults and their
// sources: ssd_params.h).
//
// A request's bytes are split into logical pages of page_bytes; page p lives
// on channel p % channels, die (p / channels) % dies_per_channel (striped,
// as controllers spread consecutive pages). Each die and each channel is a
// resource with a busy-until time; pages are scheduled greedily in arrival
// order at submission:
// - read page: the die senses (tR) once free, then the page's bytes cross its
//   channel once the channel is free; the die is held until then. The
//   request completes command_overhead_ns + the last page's transfer + the
//   host transfer of all its bytes after submission (so two requests on
//   different dies overlap, on one die they serialize, and pages of two dies
//   on one channel serialize only their transfers);
// - write with the write cache on and no FUA: the bytes go to the volatile
//   DRAM buffer: overhead + host transfer; reads of pages all in the buffer
//   are served from it the same way. When the buffer would overflow, every
//   buffered page is programmed first (a forced destage);
// - write with FUA or with the cache off: overhead + host transfer, then per
//   page: channel transfer, then program (tPROG) holding the die;
// - flush: programs every buffered page (channel transfer + tPROG per page on
//   its die), completing when the last program ends; discard: overhead.
// Jitter (jitter_permille) stretches each tR/tPROG by a draw from the
// device's own stream sched.rng().Fork("dev." + name), in submission order,
// so a seed fixes it and other streams do not shift it.
//
// Trace: dev.ssd.service {dev, rq, pages, queued_ns, flash_ns, path}: pages
// touched, total time pages waited for a busy die or channel, time from
// overhead end to the last flash operation, and path 0 flash, 1 buffer hit,
// 2 buffered write, 3 no media work, 4 destage.
#ifndef AIOSIM_DEVICES_SSD_H_
#define AIOSIM_DEVICES_SSD_H_

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "devices/model_device.h"
#include "devices/ssd_params.h"
#include "sim/prng.h"
#include "sim/status.h"

namespace devices {

class Ssd : public ModelDevice {
 public:
  static sim::Status Create(sim::Scheduler& sched, std::string name, const SsdParams& params,
                            std::unique_ptr<Ssd>* out);

  std::string_view kind() const override { return "ssd"; }
  const SsdParams& params() const { return params_; }
  size_t buffered_pages() const { return buffered_.size(); }
  // Where logical page p lives.
  uint32_t ChannelOf(uint64_t page) const;
  uint32_t DieOf(uint64_t page) const;  // index in [0, channels * dies_per_channel)

  enum Path : int { kFlash = 0, kBufferHit = 1, kBuffered = 2, kNoMedia = 3, kDestage = 4 };

 protected:
  ServicePlan Plan(const BlockRequest& rq, sim::SimTime now) override;
  void OnPowerCut(sim::SimTime now) override;

 private:
  Ssd(sim::Scheduler& sched, std::string name, const SsdParams& params);

  struct Cost {
    sim::SimTime done = 0;    // last flash operation ends
    sim::SimTime queued = 0;  // waits for busy resources
  };
  // Schedules page operations from time t; returns when the last one ends.
  void ReadPage(uint64_t page, uint64_t bytes, sim::SimTime t, Cost* c);
  void ProgramPage(uint64_t page, uint64_t bytes, sim::SimTime t, Cost* c);
  sim::SimTime Destage(sim::SimTime t, Cost* c);
  sim::SimTime Jitter(sim::SimTime base);
  // Pages touched by [sector, sector + sectors) and the bytes of each.
  template <typename Fn>
  void ForEachPage(uint64_t sector, uint32_t sectors, Fn fn) const;

  SsdParams params_;
  uint64_t page_sectors_;
  uint64_t buffer_pages_max_;
  sim::Prng rng_;
  std::vector<sim::SimTime> die_free_;
  std::vector<sim::SimTime> channel_free_;
  std::set<uint64_t> buffered_;  // logical pages in the volatile write buffer
  uint32_t k_service_;
};

}  // namespace devices

#endif  // AIOSIM_DEVICES_SSD_H_
