// Merge rules and request lifetime; see blk_elevator.h. Models
// block/blk-merge.c and the request allocation of block/blk-mq.c.
#include <new>

#include "kernel_model/blk_elevator.h"
#include "kernel_model/blk_internal.h"
#include "sim/check.h"

namespace kernel {

namespace {
void trace_merge(request_queue* q, request* rq, uint64_t bio_id, int kind, sector_t sector, uint64_t sectors) {
  q->sched->trace().Emit(q->tk.merge, {q->dev_trace_id, static_cast<int64_t>(rq->tag), static_cast<int64_t>(bio_id),
                                       kind, static_cast<int64_t>(sector), static_cast<int64_t>(sectors)});
}

bool mergeable_op(blk_opf_t opf) {
  req_op op = op_of(opf);
  return (op == REQ_OP_READ || op == REQ_OP_WRITE) && !(opf & REQ_NOMERGE_FLAGS);
}

bool fits(const request_queue* q, uint64_t sectors, uint64_t segments) {
  return sectors <= q->limits.max_sectors && segments <= q->limits.max_segments;
}
}  // namespace

bool blk_rq_merge_ok(const request* rq, const bio* b) {
  if (!mergeable_op(rq->cmd_flags) || !mergeable_op(b->bi_opf)) return false;
  if (op_of(rq->cmd_flags) != op_of(b->bi_opf)) return false;
  if (rq->state != MQ_RQ_IDLE || rq->end_io != nullptr) return false;
  return rq->bio != nullptr;
}

elv_merge blk_try_merge(const request* rq, const bio* b) {
  if (blk_rq_end_sector(rq) == b->bi_iter.bi_sector) return ELEVATOR_BACK_MERGE;
  if (blk_rq_pos(rq) == bio_end_sector(b)) return ELEVATOR_FRONT_MERGE;
  return ELEVATOR_NO_MERGE;
}

bool bio_attempt_back_merge(request* rq, bio* b) {
  request_queue* q = rq->q;
  if (!fits(q, blk_rq_sectors(rq) + bio_sectors(b), rq->nr_phys_segments + bio_segments(b))) return false;
  rq->biotail->bi_next = b;
  rq->biotail = b;
  b->bi_next = nullptr;
  rq->__data_len += b->bi_iter.bi_size;
  rq->nr_phys_segments += bio_segments(b);
  ++q->stats.back_merges;
  trace_merge(q, rq, b->bi_id, 0, blk_rq_pos(rq), blk_rq_sectors(rq));
  return true;
}

bool bio_attempt_front_merge(request* rq, bio* b) {
  request_queue* q = rq->q;
  if (!fits(q, blk_rq_sectors(rq) + bio_sectors(b), rq->nr_phys_segments + bio_segments(b))) return false;
  b->bi_next = rq->bio;
  rq->bio = b;
  rq->__sector = b->bi_iter.bi_sector;
  rq->__data_len += b->bi_iter.bi_size;
  rq->nr_phys_segments += bio_segments(b);
  ++q->stats.front_merges;
  trace_merge(q, rq, b->bi_id, 1, blk_rq_pos(rq), blk_rq_sectors(rq));
  return true;
}

bool attempt_merge(request_queue* q, request* rq, request* next) {
  if (rq == next || rq->bio == nullptr || next->bio == nullptr) return false;
  if (!mergeable_op(rq->cmd_flags) || !mergeable_op(next->cmd_flags)) return false;
  if (op_of(rq->cmd_flags) != op_of(next->cmd_flags)) return false;
  if (blk_rq_end_sector(rq) != blk_rq_pos(next)) return false;
  if (rq->state != MQ_RQ_IDLE || next->state != MQ_RQ_IDLE) return false;
  if (rq->end_io != nullptr || next->end_io != nullptr) return false;
  if (!fits(q, blk_rq_sectors(rq) + blk_rq_sectors(next), rq->nr_phys_segments + next->nr_phys_segments)) {
    return false;
  }
  rq->biotail->bi_next = next->bio;
  rq->biotail = next->biotail;
  rq->__data_len += next->__data_len;
  rq->nr_phys_segments += next->nr_phys_segments;
  if (next->fifo_time < rq->fifo_time) rq->fifo_time = next->fifo_time;
  next->bio = next->biotail = nullptr;
  next->__data_len = 0;
  next->nr_phys_segments = 0;
  ++q->stats.request_merges;
  trace_merge(q, rq, static_cast<int64_t>(next->tag), 2, blk_rq_pos(rq), blk_rq_sectors(rq));
  return true;
}

// Default-initialised (`new request`, not `request()`): every member of
// request has its own initialiser, so the result is the same, without
// first zeroing all of the storage.
request* blk_mq_get_request(request_queue* q) {
  if (q->rq_cache.empty()) return new request;
  request* rq = new (q->rq_cache.back()) request;
  q->rq_cache.pop_back();
  return rq;
}

request* blk_mq_alloc_request_from_bio(request_queue* q, bio* b) {
  request* rq = blk_mq_get_request(q);
  rq->q = q;
  rq->cmd_flags = b->bi_opf;
  rq->__sector = b->bi_iter.bi_sector;
  rq->__data_len = b->bi_iter.bi_size;
  rq->nr_phys_segments = bio_segments(b);
  rq->bio = rq->biotail = b;
  b->bi_next = nullptr;
  rq->tag = q->next_tag++;
  rq->start_time_ns = q->sched->Now();
  ++q->allocated;
  ++q->stats.requests_allocated;
  q->sched->trace().Emit(q->tk.getrq, {q->dev_trace_id, static_cast<int64_t>(rq->tag), static_cast<int64_t>(b->bi_id),
                                       static_cast<int64_t>(op_of(b->bi_opf)), static_cast<int64_t>(rq->__sector),
                                       static_cast<int64_t>(blk_rq_sectors(rq))});
  return rq;
}

// blk_mq_free_request's reports, out of line (same conditions, same
// messages): the message builders inline made every call keep a full frame.
[[gnu::cold, gnu::noinline]] static void blk_mq_free_request_bad(const request_queue* q, const request* rq) {
  SIM_CHECK(q->allocated > 0) << "blk_mq_free_request: no request allocated on the queue (tag " << rq->tag << ")";
  SIM_CHECK(!rq->elv_queued) << "blk_mq_free_request of a request still in the scheduler (tag " << rq->tag << ")";
}

void blk_mq_free_request(request* rq) {
  request_queue* q = rq->q;
  if (!(q->allocated > 0) || rq->elv_queued) [[unlikely]] blk_mq_free_request_bad(q, rq);
  --q->allocated;
  // Kept for reuse up to the most requests ever alive at once, as blk-mq
  // keeps a queue's preallocated requests.
  rq->~request();
  q->rq_cache.push_back(rq);
}

}  // namespace kernel
