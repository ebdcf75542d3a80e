// The I/O scheduler seam and the merge rules it uses. Models block/elevator.c
// (elevator_type's mq ops), block/blk-merge.c (blk_rq_merge_ok,
// blk_try_merge, bio_attempt_back/front_merge, attempt_merge) and the two
// schedulers:
//
// - "noop" (Linux's "none" plus the old noop elevator): one FIFO; a bio is
//   merged into the most recent queued request it is adjacent to (back or
//   front); a newly inserted request is merged into a queued one it extends
//   (insert merge). Dispatch is FIFO.
// - "mq-deadline" (block/mq-deadline.c, one priority level): per direction a
//   sector-sorted list and a FIFO with expiry times (reads 500 ms, writes
//   5 s). Dispatch continues the current batch in sector order for up to
//   fifo_batch requests; a new batch prefers reads unless writes have been
//   passed over writes_starved times; it starts from the FIFO head when that
//   has expired or when no request lies beyond the last one dispatched, else
//   from the next request in sector order. Bios merge back (a request ends
//   where the bio starts) and front (the bio ends where a request starts);
//   after a bio merge the request tries to absorb its neighbour in sector
//   order, keeping the earlier expiry.
//
// Merges respect the queue limits (max_sectors, max_segments), never join
// different ops, and never touch a request with REQ_NOMERGE_FLAGS.
// Containers are ordered by (sector, tag) and by FIFO sequence numbers, never
// by address, so dispatch order is a function of the submissions alone.
#ifndef AIOSIM_KERNEL_MODEL_BLK_ELEVATOR_H_
#define AIOSIM_KERNEL_MODEL_BLK_ELEVATOR_H_

#include <cstddef>
#include <memory>
#include <string_view>

#include "kernel_model/blkdev.h"

namespace kernel {

struct elevator_queue {
  virtual ~elevator_queue() = default;
  virtual const char* name() const = 0;
  // blk_mq_sched_bio_merge: merges the bio into a queued request if it can.
  virtual bool bio_merge(bio* b) = 0;
  // Queues a new request (after trying an insert merge, which may free it).
  virtual void insert_request(request* rq) = 0;
  // The next request for the device, removed from the scheduler; nullptr
  // when nothing is queued.
  virtual request* dispatch_request() = 0;
  virtual bool has_work() const = 0;
  virtual size_t nr_queued() const = 0;
};

// Builds the scheduler named `name` for q; nullptr for an unknown name.
std::unique_ptr<elevator_queue> elevator_alloc(request_queue* q, std::string_view name,
                                               const deadline_tunables& dd);
std::unique_ptr<elevator_queue> noop_elevator_alloc(request_queue* q);
std::unique_ptr<elevator_queue> deadline_elevator_alloc(request_queue* q, const deadline_tunables& dd);

// --- merge rules (blk-merge.c) ---
enum elv_merge { ELEVATOR_NO_MERGE = 0, ELEVATOR_FRONT_MERGE = 1, ELEVATOR_BACK_MERGE = 2 };

// Same op, neither side forbids merging, and rq has not been dispatched.
bool blk_rq_merge_ok(const request* rq, const bio* b);
// Which side of rq the bio is adjacent to (assumes blk_rq_merge_ok).
elv_merge blk_try_merge(const request* rq, const bio* b);
// Append/prepend the bio if the limits allow; true on success (traced).
bool bio_attempt_back_merge(request* rq, bio* b);
bool bio_attempt_front_merge(request* rq, bio* b);
// Merges `next` (which must start where rq ends) into rq if allowed. On
// success next's bios belong to rq, rq keeps the earlier fifo_time, and next
// is left empty for the caller to remove from its lists and free with
// blk_mq_free_request. Returns true on success (traced).
bool attempt_merge(request_queue* q, request* rq, request* next);

// Request lifetime (blk-mq.c): allocation from a bio, and freeing.
request* blk_mq_alloc_request_from_bio(request_queue* q, bio* b);
void blk_mq_free_request(request* rq);

}  // namespace kernel

#endif  // AIOSIM_KERNEL_MODEL_BLK_ELEVATOR_H_
