// Helpers for device tests: a scheduler, requests with owned buffers, and
// drivers that issue requests one at a time (queue depth 1) or all at once.
#ifndef AIOSIM_TESTS_DEVICES_DEVICE_TEST_UTIL_H_
#define AIOSIM_TESTS_DEVICES_DEVICE_TEST_UTIL_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <vector>

#include "devices/block_device.h"
#include "sim/scheduler.h"

namespace devices::testing {

// A request that owns its buffer and records its completion.
struct Req {
  BlockRequest rq;
  std::vector<uint8_t> buf;
  bool completed = false;
  int status = 1;              // 1 = not completed yet
  std::function<void()> then;  // runs after the completion is recorded

  static std::unique_ptr<Req> Make(uint64_t id, BlockOp op, uint64_t sector, uint32_t sectors,
                                   uint8_t fill = 0) {
    auto r = std::make_unique<Req>();
    r->rq.id = id;
    r->rq.op = op;
    r->rq.sector = sector;
    r->rq.sectors = sectors;
    r->buf.assign(uint64_t{sectors} * kSectorSize, fill);
    r->rq.data = (op == BlockOp::kFlush || sectors == 0) ? nullptr : r->buf.data();
    r->rq.done = &Req::Done;
    r->rq.done_data = r.get();
    return r;
  }
  // rq.done for every Req: done_data is the Req itself.
  static void Done(BlockRequest* rq, int status) {
    Req* self = static_cast<Req*>(rq->done_data);
    self->completed = true;
    self->status = status;
    if (self->then) self->then();
  }
  sim::SimTime latency() const { return rq.complete_ns - rq.submit_ns; }
};

// Submits every request at the present time and runs the scheduler.
inline void SubmitAllAndRun(sim::Scheduler& sched, BlockDevice& dev,
                            const std::vector<std::unique_ptr<Req>>& reqs) {
  for (const auto& r : reqs) dev.Submit(&r->rq);
  sched.Run();
}

// Issues the requests one at a time: the next is submitted from the previous
// one's completion (queue depth 1). Returns the time the last one completed.
inline sim::SimTime RunQd1(sim::Scheduler& sched, BlockDevice& dev,
                           const std::vector<std::unique_ptr<Req>>& reqs) {
  size_t next = 0;
  std::function<void()> issue = [&] {
    if (next == reqs.size()) return;
    Req* r = reqs[next++].get();
    r->then = issue;
    dev.Submit(&r->rq);
  };
  issue();
  sched.Run();
  return reqs.empty() ? sched.Now() : reqs.back()->rq.complete_ns;
}

}  // namespace devices::testing

#endif  // AIOSIM_TESTS_DEVICES_DEVICE_TEST_UTIL_H_
