// The "noop" scheduler: FIFO dispatch with back/front merging; see
// blk_elevator.h. Models Linux's "none" path (blk_bio_list_merge over the
// most recent requests, at most 8) with the old noop elevator's insert merge.
#include <iterator>
#include <map>

#include "kernel_model/blk_elevator.h"
#include "sim/check.h"

namespace kernel {

namespace {

// How many recent requests a bio merge looks at (blk_bio_list_merge).
constexpr int kMergeLookback = 8;

class noop_elevator final : public elevator_queue {
 public:
  explicit noop_elevator(request_queue* q) : q_(q) {}
  // The queue drains what is left before destroying its scheduler.
  ~noop_elevator() override = default;

  const char* name() const override { return "noop"; }

  bool bio_merge(bio* b) override {
    int looked = 0;
    for (auto it = fifo_.rbegin(); it != fifo_.rend() && looked < kMergeLookback; ++it, ++looked) {
      request* rq = it->second;
      if (!blk_rq_merge_ok(rq, b)) continue;
      switch (blk_try_merge(rq, b)) {
        case ELEVATOR_BACK_MERGE:
          if (bio_attempt_back_merge(rq, b)) return true;
          break;
        case ELEVATOR_FRONT_MERGE:
          if (bio_attempt_front_merge(rq, b)) return true;
          break;
        case ELEVATOR_NO_MERGE:
          break;
      }
    }
    return false;
  }

  void insert_request(request* rq) override {
    // Insert merge: a queued request that ends where rq starts absorbs it
    // (the most recent such request wins).
    for (auto it = fifo_.rbegin(); it != fifo_.rend(); ++it) {
      request* prev = it->second;
      if (blk_rq_end_sector(prev) != blk_rq_pos(rq)) continue;
      if (attempt_merge(q_, prev, rq)) {
        blk_mq_free_request(rq);
        return;
      }
    }
    rq->elv_seq = q_->next_elv_seq++;
    rq->elv_queued = true;
    fifo_.emplace(rq->elv_seq, rq);
  }

  request* dispatch_request() override {
    if (fifo_.empty()) return nullptr;
    request* rq = fifo_.begin()->second;
    fifo_.erase(fifo_.begin());
    rq->elv_queued = false;
    return rq;
  }

  bool has_work() const override { return !fifo_.empty(); }
  size_t nr_queued() const override { return fifo_.size(); }

 private:
  request_queue* q_;
  std::map<uint64_t, request*> fifo_;  // elv_seq -> request, oldest first
};

}  // namespace

std::unique_ptr<elevator_queue> noop_elevator_alloc(request_queue* q) {
  return std::make_unique<noop_elevator>(q);
}

}  // namespace kernel
