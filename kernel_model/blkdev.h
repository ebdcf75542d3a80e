// The block layer's request path: request, request_queue, block_device, the
// per-task plug, submit_bio and submit_bio_wait. Models block/blk-core.c,
// block/blk-mq.c (one hardware queue), block/blk-merge.c, block/blk-flush.c
// and include/linux/blkdev.h.
//
// The path of a bio:
//   submit_bio(bio)
//     -> fail at once with BLK_STS_IOERR if it runs past the device or is not
//        aligned to the logical block size (bio_check_eod, bio_unaligned);
//     -> PREFLUSH/FUA are dropped on a device without a volatile cache (an
//        empty flush then completes at once);
//     -> split into chained bios above max_sectors / max_segments;
//     -> with a plug on the current task: merged into the plug's last request
//        or queued in the plug as a new request (flushed at 32 requests, at
//        blk_finish_plug, and when the task sleeps);
//     -> else merged into a queued request by the I/O scheduler, or made a new
//        request and inserted into it;
//     -> the queue runs: while the device has room (in_flight <
//        queue_depth_max) the dispatch list (flushes) goes first, then the
//        scheduler's choice, and the request is handed to the device. The
//        device moves the bytes (the model's DMA) through one contiguous
//        buffer: a write's segments are gathered into the request's DMA
//        buffer at dispatch; a read whose segments are one run of host
//        memory is filled in place, else through the DMA buffer.
//   The device's done callback runs as a sim event (interrupt context):
//   blk_mq_end_request scatters read data from the DMA buffer (if one was
//   used) into the segments, sets each bio's bi_status and runs bio_endio
//   on each, frees the request and runs the queue again.
//
// Flushes (blk-flush.c): an empty REQ_PREFLUSH write or REQ_OP_FLUSH becomes a
// device flush; a data write with REQ_PREFLUSH is preceded by one; REQ_FUA is
// passed to the device (every device model supports FUA, so no post-flush).
// Flush sequences bypass the scheduler and are never merged.
//
// Trace kinds (dev is the device's trace_id):
//   blk.queue    {dev, bio, op, sector, sectors, flags}  a bio enters submit_bio
//   blk.split    {dev, bio, child, sector, sectors}
//   blk.getrq    {dev, rq, bio, op, sector, sectors}     a new request
//   blk.merge    {dev, rq, bio, kind, sector, sectors}   kind 0 back, 1 front,
//                                                        2 request into request
//   blk.plug     {count}  blk.unplug {count, from_schedule}
//   blk.dispatch {dev, rq, op, sector, sectors, in_flight}
//   blk.complete {dev, rq, op, sector, sectors, status}
//   blk.bio_error {dev, bio, status}                     failed before a device
//
// Differences from Linux: one hardware queue, no tag limit below the device's
// queue depth (requests wait in the scheduler without bound), no requeue, no
// partial completion (a device error fails every bio of the request), and
// concurrent flushes are not coalesced. Plug merging tries the plug's last
// request only, as Linux 5.16+.
#ifndef AIOSIM_KERNEL_MODEL_BLKDEV_H_
#define AIOSIM_KERNEL_MODEL_BLKDEV_H_

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "devices/block_device.h"
#include "kernel_model/blk_types.h"
#include "kernel_model/elv_rqhash.h"
#include "kernel_model/list.h"
#include "kernel_model/rbtree.h"
#include "sim/scheduler.h"
#include "sim/status.h"
#include "sim/time.h"

namespace kernel {

struct request_queue;
struct elevator_queue;

struct queue_limits {
  uint32_t logical_block_size = 512;  // bytes; set from the device
  uint32_t max_sectors = 1024;        // a request's largest size (512 KiB)
  uint32_t max_segments = 128;        // a request's most segments
};

// mq-deadline's tunables (block/mq-deadline.c defaults).
struct deadline_tunables {
  sim::SimTime read_expire_ns = 500 * sim::kMillisecond;
  sim::SimTime write_expire_ns = 5 * sim::kSecond;
  uint32_t writes_starved = 2;  // read batches allowed while writes wait
  uint32_t fifo_batch = 16;     // requests per sequential batch
  bool front_merges = true;
};

// How to build a queue for a device.
struct blk_queue_config {
  std::string elevator = "mq-deadline";  // "mq-deadline" ("deadline") or "noop" ("none")
  uint32_t max_sectors = 1024;
  uint32_t max_segments = 128;
  deadline_tunables deadline;
};

enum mq_rq_state : uint8_t { MQ_RQ_IDLE = 0, MQ_RQ_IN_FLIGHT = 1, MQ_RQ_COMPLETE = 2 };

struct request;
// A request's link in a scheduler list, with a back-pointer (request is not
// standard-layout, so container_of cannot reach it).
struct rq_list_node {
  list_head node;
  request* rq = nullptr;
};
// A request's node in a scheduler's sort tree, likewise with a back-pointer.
struct rq_rb_node {
  rb_node node;
  request* rq = nullptr;
};
struct request {
  request_queue* q = nullptr;
  mq_rq_state state = MQ_RQ_IDLE;
  blk_opf_t cmd_flags = 0;
  sector_t __sector = 0;
  uint32_t __data_len = 0;  // bytes
  uint32_t nr_phys_segments = 0;
  struct bio* bio = nullptr;      // first bio
  struct bio* biotail = nullptr;  // last bio
  request* rq_next = nullptr;     // next request in a plug's list
  uint64_t tag = 0;               // model: unique per queue, the trace id
  sim::SimTime start_time_ns = 0;     // allocated
  sim::SimTime io_start_time_ns = 0;  // dispatched to the device
  sim::SimTime fifo_time = 0;         // deadline: expiry
  // Scheduler bookkeeping: fifo position and the sort key it was filed under.
  uint64_t elv_seq = 0;
  sector_t elv_sort_pos = 0;
  sector_t elv_hash_end = 0;
  bool elv_queued = false;
  rq_list_node queuelist;         // the scheduler's FIFO
  rq_rb_node rb_node;             // the scheduler's sort list, by (elv_sort_pos, tag)
  elv_rqhash_node<request> hash;  // the scheduler's back-merge hash
  // Internal requests (the flush sequence) complete through end_io instead.
  void (*end_io)(request* rq, blk_status_t status) = nullptr;
  void* end_io_data = nullptr;
  // The device's view of it, and the contiguous buffer the device reads or
  // fills (the model's DMA) when the request's own segments are not one run
  // of memory (always for writes: a snapshot taken at dispatch).
  devices::BlockRequest dev_rq;
  std::vector<uint8_t> dma;
};

inline sector_t blk_rq_pos(const request* rq) { return rq->__sector; }
inline uint32_t blk_rq_bytes(const request* rq) { return rq->__data_len; }
inline sector_t blk_rq_sectors(const request* rq) { return rq->__data_len >> SECTOR_SHIFT; }
inline sector_t blk_rq_end_sector(const request* rq) { return blk_rq_pos(rq) + blk_rq_sectors(rq); }
inline req_op req_op_of(const request* rq) { return op_of(rq->cmd_flags); }

struct blk_queue_stats {
  uint64_t bios_submitted = 0;
  uint64_t bios_split = 0;
  uint64_t requests_allocated = 0;
  uint64_t back_merges = 0;
  uint64_t front_merges = 0;
  uint64_t request_merges = 0;  // request-into-request, at insert or after a bio merge
  uint64_t plug_merges = 0;
  uint64_t requests_dispatched = 0;
  uint64_t requests_completed = 0;
  uint64_t flushes_dispatched = 0;
  uint64_t bio_errors = 0;  // bios failed before reaching a device
};

struct request_queue {
  request_queue(sim::Scheduler* sched, devices::BlockDevice* dev, const queue_limits& lim);
  ~request_queue();
  request_queue(const request_queue&) = delete;
  request_queue& operator=(const request_queue&) = delete;

  sim::Scheduler* sched;
  devices::BlockDevice* dev;
  // Constants of the device, read once: every request's trace records name
  // the device and every queue run compares against its depth, and each
  // was a virtual call. queue_depth is Linux's q->queue_depth (the tag set's
  // depth, fixed at init).
  const int64_t dev_trace_id;
  const uint32_t queue_depth;
  queue_limits limits;
  std::unique_ptr<elevator_queue> elevator;
  std::deque<request*> dispatch_list;  // hctx->dispatch: bypasses the scheduler
  uint64_t next_tag = 1;
  uint64_t next_bio_id = 1;
  uint64_t next_elv_seq = 1;
  uint32_t in_flight = 0;   // requests handed to the device, not yet ended
  uint64_t allocated = 0;   // requests alive (queued, plugged or in flight)
  // Storage of freed requests, for reuse (blk-mq preallocates a queue's
  // requests, static_rqs, rather than allocating per I/O): each holds a
  // destroyed request; blk_mq_get_request constructs a fresh one in it.
  // Which storage a request gets decides nothing (tags are a counter).
  std::vector<request*> rq_cache;
  // The same for the bios of this queue's device (block/bio.c keeps freed
  // bios in a per-CPU bio_alloc_cache): a bio's last bio_put destroys it
  // and keeps its storage here, bio_alloc constructs a fresh bio in it.
  std::vector<bio*> bio_cache;
  bool running = false;     // blk_mq_run_hw_queue re-entry guard
  blk_queue_stats stats;
  struct {
    uint32_t queue, split, getrq, merge, plug, unplug, dispatch, complete, bio_error;
  } tk;  // trace kinds
};

// The kernel's struct block_device + gendisk, as one object per device.
struct block_device {
  std::string bd_name;               // the device's name ("sda")
  devices::BlockDevice* bd_device = nullptr;  // the device model
  sector_t bd_nr_sectors = 0;        // set_capacity at blk_alloc_disk: the model's, fixed
  std::unique_ptr<request_queue> bd_queue;
};

// Builds the block device and queue for a device model. Errors (unknown
// elevator, a limit below one logical block) come back as a Status.
sim::Status blk_alloc_disk(sim::Scheduler* sched, devices::BlockDevice* dev, const blk_queue_config& cfg,
                           std::unique_ptr<block_device>* out);

inline request_queue* bdev_get_queue(block_device* bdev) { return bdev->bd_queue.get(); }
inline uint32_t bdev_logical_block_size(const block_device* bdev) {
  return bdev->bd_queue->limits.logical_block_size;
}
inline sector_t bdev_nr_sectors(const block_device* bdev) { return bdev->bd_nr_sectors; }
inline bool bdev_write_cache(const block_device* bdev) { return bdev->bd_device->has_volatile_cache(); }

// Submits a bio (see above). May run bi_end_io before returning when the bio
// fails early. Callable from a fiber or from interrupt context (no plug
// there).
void submit_bio(bio* b);
// Submits and sleeps (TASK_UNINTERRUPTIBLE) until the bio completes; returns
// 0 or -errno. The caller keeps its reference and must bio_put afterwards.
// REQUIRES: a fiber (a task).
int submit_bio_wait(bio* b);
// Issues a cache flush to the device and waits: 0 or -errno. Without a
// volatile cache it completes at once.
int blkdev_issue_flush(block_device* bdev);

// Runs the queue: dispatch while the device has room.
void blk_mq_run_hw_queue(request_queue* q);

// --- plugging (block/blk-core.c) ---
struct blk_plug {
  // Plugged requests in submission order, linked through rq_next (Linux's
  // rq_list: no allocation per plug).
  request* mq_list = nullptr;
  request* mq_list_tail = nullptr;
  uint16_t rq_count = 0;
};
inline constexpr uint16_t BLK_MAX_REQUEST_COUNT = 32;
// Starts plugging on the current task (a nested plug is ignored, as Linux).
void blk_start_plug(blk_plug* plug);
// Flushes the plug and stops plugging if it is the task's outermost plug.
void blk_finish_plug(blk_plug* plug);
// Hands every plugged request to its queue's scheduler and runs the queues.
void blk_flush_plug(blk_plug* plug, bool from_schedule);

}  // namespace kernel

#endif  // AIOSIM_KERNEL_MODEL_BLKDEV_H_
