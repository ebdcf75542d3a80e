// submit_bio, the queue run, dispatch to the device and completion; see
// blkdev.h. Models block/blk-core.c (submit_bio_noacct checks), block/blk-mq.c
// (blk_mq_submit_bio, blk_mq_run_hw_queue, blk_mq_start_request,
// blk_mq_end_request) and bio_split_to_limits from block/blk-merge.c.
#include <cstring>

#include "kernel_model/blk_elevator.h"
#include "kernel_model/blk_internal.h"
#include "kernel_model/blkdev.h"
#include "kernel_model/kernel.h"
#include "sim/check.h"

namespace kernel {

request_queue::request_queue(sim::Scheduler* s, devices::BlockDevice* d, const queue_limits& lim)
    : sched(s), dev(d), dev_trace_id(d->trace_id()), queue_depth(d->queue_depth_max()), limits(lim) {
  sim::Trace& t = sched->trace();
  tk.queue = t.Kind("blk.queue", {"dev", "bio", "op", "sector", "sectors", "flags"});
  tk.split = t.Kind("blk.split", {"dev", "bio", "child", "sector", "sectors"});
  tk.getrq = t.Kind("blk.getrq", {"dev", "rq", "bio", "op", "sector", "sectors"});
  tk.merge = t.Kind("blk.merge", {"dev", "rq", "bio", "kind", "sector", "sectors"});
  tk.plug = t.Kind("blk.plug", {"count"});
  tk.unplug = t.Kind("blk.unplug", {"count", "from_schedule"});
  tk.dispatch = t.Kind("blk.dispatch", {"dev", "rq", "op", "sector", "sectors", "in_flight"});
  tk.complete = t.Kind("blk.complete", {"dev", "rq", "op", "sector", "sectors", "status"});
  tk.bio_error = t.Kind("blk.bio_error", {"dev", "bio", "status"});
}

// Teardown happens when the run is over: requests still queued are dropped
// without ending their bios (nobody waits any more).
request_queue::~request_queue() {
  for (request* rq : dispatch_list) delete rq;
  dispatch_list.clear();
  if (elevator) {
    while (request* rq = elevator->dispatch_request()) delete rq;
  }
  for (request* rq : rq_cache) ::operator delete(rq);
  for (bio* b : bio_cache) ::operator delete(b);
}

sim::Status blk_alloc_disk(sim::Scheduler* sched, devices::BlockDevice* dev, const blk_queue_config& cfg,
                           std::unique_ptr<block_device>* out) {
  queue_limits lim;
  lim.logical_block_size = dev->logical_block_size();
  lim.max_sectors = cfg.max_sectors;
  lim.max_segments = cfg.max_segments;
  uint32_t lbs_sectors = lim.logical_block_size / SECTOR_SIZE;
  if (lim.max_sectors < lbs_sectors || lim.max_sectors % lbs_sectors != 0) {
    return sim::Status::Error("device " + dev->name() + ": max_sectors " + std::to_string(lim.max_sectors) +
                              " must be a positive multiple of the logical block (" + std::to_string(lbs_sectors) +
                              " sectors)");
  }
  if (lim.max_segments == 0) {
    return sim::Status::Error("device " + dev->name() + ": max_segments must be at least 1");
  }
  auto bdev = std::make_unique<block_device>();
  bdev->bd_name = dev->name();
  bdev->bd_device = dev;
  bdev->bd_nr_sectors = dev->capacity_sectors();
  bdev->bd_queue = std::make_unique<request_queue>(sched, dev, lim);
  bdev->bd_queue->elevator = elevator_alloc(bdev->bd_queue.get(), cfg.elevator, cfg.deadline);
  if (!bdev->bd_queue->elevator) {
    return sim::Status::Error("device " + dev->name() + ": unknown I/O scheduler '" + cfg.elevator +
                              "' (known: mq-deadline, deadline, noop, none)");
  }
  *out = std::move(bdev);
  return sim::Status::Ok();
}

std::unique_ptr<elevator_queue> elevator_alloc(request_queue* q, std::string_view name, const deadline_tunables& dd) {
  if (name == "mq-deadline" || name == "deadline") return deadline_elevator_alloc(q, dd);
  if (name == "noop" || name == "none") return noop_elevator_alloc(q);
  return nullptr;
}

namespace {

int64_t i64(uint64_t v) { return static_cast<int64_t>(v); }

// Fails a bio before it reaches a device.
void blk_bio_error(request_queue* q, bio* b, blk_status_t status) {
  ++q->stats.bio_errors;
  q->sched->trace().Emit(q->tk.bio_error, {q->dev_trace_id, i64(b->bi_id), status});
  b->bi_status = status;
  bio_endio(b);
}

// bio_split_to_limits: the largest front part of b that fits the limits, as
// a chained child; nullptr when b fits as it is.
bio* bio_split_to_limits(request_queue* q, bio* b) {
  const uint32_t max_bytes = q->limits.max_sectors << SECTOR_SHIFT;
  uint32_t bytes = 0;
  uint32_t segs = 0;
  bool split = false;
  bio_for_each_segment(b, [&](uint8_t*, uint32_t len) {
    if (split) return;
    if (segs == q->limits.max_segments || bytes + len > max_bytes) {
      if (bytes + len > max_bytes && segs < q->limits.max_segments) bytes = max_bytes;
      split = true;
      return;
    }
    bytes += len;
    ++segs;
  });
  if (!split) return nullptr;
  // Split on a logical block boundary.
  bytes -= bytes % q->limits.logical_block_size;
  SIM_CHECK(bytes > 0) << "bio " << b->bi_id << " cannot be split within the queue limits";
  bio* child = bio_alloc(b->bi_bdev, static_cast<uint16_t>(std::min<uint32_t>(segs + 1, BIO_MAX_VECS)), b->bi_opf);
  child->bi_iter.bi_sector = b->bi_iter.bi_sector;
  uint32_t left = bytes;
  bio_for_each_segment(b, [&](uint8_t* addr, uint32_t len) {
    if (left == 0) return;
    uint32_t take = len < left ? len : left;
    SIM_CHECK(child->bi_vcnt < child->bi_max_vecs) << "split of bio " << b->bi_id << " needs more segments";
    child->bi_io_vec[child->bi_vcnt++] = bio_vec{nullptr, addr, take, 0};
    child->bi_iter.bi_size += take;
    left -= take;
  });
  child->bi_max_vecs = child->bi_vcnt;
  child->bi_id = q->next_bio_id++;
  bio_advance(b, bytes);
  bio_chain(child, b);
  ++q->stats.bios_split;
  q->sched->trace().Emit(q->tk.split, {q->dev_trace_id, i64(b->bi_id), i64(child->bi_id),
                                       i64(child->bi_iter.bi_sector), i64(bio_sectors(child))});
  return child;
}

// Tries the plug's most recent request (blk_attempt_plug_merge).
bool blk_attempt_plug_merge(request_queue* q, blk_plug* plug, bio* b) {
  if (plug->mq_list_tail == nullptr) return false;
  request* rq = plug->mq_list_tail;
  if (rq->q != q || !blk_rq_merge_ok(rq, b)) return false;
  bool merged = false;
  switch (blk_try_merge(rq, b)) {
    case ELEVATOR_BACK_MERGE:
      merged = bio_attempt_back_merge(rq, b);
      break;
    case ELEVATOR_FRONT_MERGE:
      merged = bio_attempt_front_merge(rq, b);
      break;
    case ELEVATOR_NO_MERGE:
      break;
  }
  if (merged) ++q->stats.plug_merges;
  return merged;
}

// blk_mq_submit_bio for a bio that fits the limits.
void blk_mq_submit_bio(request_queue* q, bio* b) {
  if (op_is_flush(b->bi_opf) || bio_op(b) == REQ_OP_FLUSH) {
    blk_insert_flush(blk_mq_alloc_request_from_bio(q, b));
    return;
  }
  blk_plug* plug = blk_current_plug();  // nullptr in event context
  if (plug != nullptr) {
    if (blk_attempt_plug_merge(q, plug, b)) return;
    request* rq = blk_mq_alloc_request_from_bio(q, b);
    if (plug->rq_count >= BLK_MAX_REQUEST_COUNT) blk_flush_plug(plug, false);
    rq->rq_next = nullptr;
    if (plug->mq_list_tail) {
      plug->mq_list_tail->rq_next = rq;
    } else {
      plug->mq_list = rq;
    }
    plug->mq_list_tail = rq;
    ++plug->rq_count;
    return;
  }
  if (q->elevator->bio_merge(b)) return;
  q->elevator->insert_request(blk_mq_alloc_request_from_bio(q, b));
  blk_mq_run_hw_queue(q);
}

devices::BlockOp device_op(const request* rq) {
  switch (req_op_of(rq)) {
    case REQ_OP_READ:
      return devices::BlockOp::kRead;
    case REQ_OP_WRITE:
      return devices::BlockOp::kWrite;
    case REQ_OP_FLUSH:
      return devices::BlockOp::kFlush;
    case REQ_OP_DISCARD:
      return devices::BlockOp::kDiscard;
  }
  return devices::BlockOp::kRead;
}

void blk_mq_complete_request(request* rq, int status);

// The device's completion, as a driver's interrupt handler finds its request
// and calls blk_mq_complete_request: done_data is the request dev_rq sits in.
void blk_mq_dev_rq_done(devices::BlockRequest* d, int status) {
  blk_mq_complete_request(static_cast<request*>(d->done_data), status);
}

// The host address of the request's payload when its segments, bio after
// bio, form one contiguous run of memory; else nullptr.
uint8_t* rq_contiguous_data(const request* rq) {
  uint8_t* first = nullptr;
  uint8_t* next = nullptr;
  bool contiguous = true;
  for (const bio* b = rq->bio; b != nullptr && contiguous; b = b->bi_next) {
    bio_for_each_segment(b, [&](uint8_t* addr, uint32_t len) {
      if (first == nullptr) {
        first = addr;
      } else if (addr != next) {
        contiguous = false;
      }
      next = addr + len;
    });
  }
  return contiguous ? first : nullptr;
}

// blk_mq_start_request + queue_rq: the request goes to the device.
void blk_mq_dispatch_one(request_queue* q, request* rq) {
  rq->state = MQ_RQ_IN_FLIGHT;
  rq->io_start_time_ns = q->sched->Now();
  devices::BlockRequest& d = rq->dev_rq;
  d.id = rq->tag;
  d.op = device_op(rq);
  d.fua = (rq->cmd_flags & REQ_FUA) != 0;
  d.done = blk_mq_dev_rq_done;
  d.done_data = rq;
  if (d.op == devices::BlockOp::kFlush) {
    d.sector = 0;
    d.sectors = 0;
    d.data = nullptr;
    ++q->stats.flushes_dispatched;
  } else {
    d.sector = blk_rq_pos(rq);
    d.sectors = static_cast<uint32_t>(blk_rq_sectors(rq));
    d.data = nullptr;
    if (d.op == devices::BlockOp::kRead) {
      // A read whose segments are one run of host memory (one page, or a
      // direct-I/O buffer) is filled in place, as a device DMAs into the
      // pages themselves; scattered segments go through the DMA buffer.
      d.data = rq_contiguous_data(rq);
      if (d.data == nullptr) {
        rq->dma.resize(blk_rq_bytes(rq));
        d.data = rq->dma.data();
      }
    } else if (d.op == devices::BlockOp::kWrite) {
      // Gather the segments into the DMA buffer (the device reads it at
      // completion; pages may change meanwhile without affecting it).
      rq->dma.resize(blk_rq_bytes(rq));
      d.data = rq->dma.data();
      size_t at = 0;
      for (bio* b = rq->bio; b != nullptr; b = b->bi_next) {
        bio_for_each_segment(b, [&](uint8_t* addr, uint32_t len) {
          std::memcpy(rq->dma.data() + at, addr, len);
          at += len;
        });
      }
      SIM_CHECK(at == rq->dma.size()) << "request " << rq->tag << " segments hold " << at << " of "
                                      << rq->dma.size() << " bytes";
    }
  }
  ++q->in_flight;
  ++q->stats.requests_dispatched;
  q->sched->trace().Emit(q->tk.dispatch, {q->dev_trace_id, i64(rq->tag), static_cast<int64_t>(req_op_of(rq)),
                                          i64(d.sector), d.sectors, q->in_flight});
  q->dev->Submit(&rq->dev_rq);
}

// Interrupt context: the device finished the request.
void blk_mq_complete_request(request* rq, int status) {
  request_queue* q = rq->q;
  SIM_CHECK(rq->state == MQ_RQ_IN_FLIGHT) << "completion of request " << rq->tag << " that is not in flight";
  SIM_CHECK(q->in_flight > 0) << "completion with nothing in flight on " << q->dev->name();
  --q->in_flight;
  rq->state = MQ_RQ_COMPLETE;
  ++q->stats.requests_completed;
  q->sched->trace().Emit(q->tk.complete, {q->dev_trace_id, i64(rq->tag), static_cast<int64_t>(req_op_of(rq)),
                                          i64(rq->dev_rq.sector), rq->dev_rq.sectors, status});
  blk_status_t st = errno_to_blk_status(status);
  if (rq->end_io != nullptr) {
    rq->end_io(rq, st);
  } else {
    blk_mq_end_request(rq, st);
  }
  blk_mq_run_hw_queue(q);
}

}  // namespace

void blk_mq_end_request(request* rq, blk_status_t status) {
  if (status == BLK_STS_OK && req_op_of(rq) == REQ_OP_READ && !rq->dma.empty()) {
    // Scatter the DMA buffer back into the segments.
    size_t at = 0;
    for (bio* b = rq->bio; b != nullptr; b = b->bi_next) {
      bio_for_each_segment(b, [&](uint8_t* addr, uint32_t len) {
        std::memcpy(addr, rq->dma.data() + at, len);
        at += len;
      });
    }
  }
  bio* b = rq->bio;
  rq->bio = rq->biotail = nullptr;
  while (b != nullptr) {
    bio* next = b->bi_next;
    b->bi_next = nullptr;
    if (status != BLK_STS_OK) b->bi_status = status;
    bio_endio(b);  // may free b
    b = next;
  }
  blk_mq_free_request(rq);
}

namespace {
// blk_mq_sched_dispatch_requests: dispatch while the device has room. Out
// of line, so that a run with nothing pending (every completion) costs
// blk_mq_run_hw_queue's checks alone.
[[gnu::noinline]] void blk_mq_sched_dispatch_requests(request_queue* q) {
  q->running = true;
  while (q->dev->in_flight() < q->queue_depth) {
    request* rq = nullptr;
    if (!q->dispatch_list.empty()) {
      rq = q->dispatch_list.front();
      q->dispatch_list.pop_front();
    } else {
      rq = q->elevator->dispatch_request();
      if (rq == nullptr) break;
    }
    blk_mq_dispatch_one(q, rq);
  }
  q->running = false;
}
}  // namespace

void blk_mq_run_hw_queue(request_queue* q) {
  if (q->running) return;
  // blk_mq_hctx_has_pending: with nothing on the dispatch list or in the
  // scheduler there is nothing to run (every completion asks).
  if (q->dispatch_list.empty() && !q->elevator->has_work()) return;
  blk_mq_sched_dispatch_requests(q);
}

void submit_bio(bio* b) {
  SIM_CHECK(b->bi_bdev != nullptr && b->bi_bdev->bd_queue) << "submit_bio of a bio without a block device";
  SIM_CHECK(!b->bi_ended) << "submit_bio of an ended bio " << b->bi_id;
  request_queue* q = b->bi_bdev->bd_queue.get();
  if (b->bi_id == 0) b->bi_id = q->next_bio_id++;
  ++q->stats.bios_submitted;
  q->sched->trace().Emit(q->tk.queue, {q->dev_trace_id, i64(b->bi_id), static_cast<int64_t>(bio_op(b)),
                                       i64(b->bi_iter.bi_sector), i64(bio_sectors(b)),
                                       static_cast<int64_t>(b->bi_opf & ~REQ_OP_MASK)});
  uint64_t payload = 0;
  for (const bio_vec& bv : bio_vecs_all(b)) payload += bv.bv_len;
  req_op op = bio_op(b);
  if (op == REQ_OP_READ || op == REQ_OP_WRITE) {
    uint64_t done = 0;
    for (uint32_t i = 0; i < b->bi_iter.bi_idx; ++i) done += b->bi_io_vec[i].bv_len;
    SIM_CHECK(payload - done - b->bi_iter.bi_bvec_done == b->bi_iter.bi_size)
        << "bio " << b->bi_id << " carries " << payload << " bytes of segments for bi_size " << b->bi_iter.bi_size;
  }
  // Without a volatile cache, PREFLUSH and FUA mean nothing (submit_bio_noacct).
  if ((op_is_flush(b->bi_opf) || op == REQ_OP_FLUSH) && !q->dev->has_volatile_cache()) {
    b->bi_opf &= ~(REQ_PREFLUSH | REQ_FUA);
    if (op == REQ_OP_FLUSH || b->bi_iter.bi_size == 0) {
      b->bi_status = BLK_STS_OK;
      bio_endio(b);
      return;
    }
  }
  if (op == REQ_OP_FLUSH || (op == REQ_OP_WRITE && b->bi_iter.bi_size == 0 && (b->bi_opf & REQ_PREFLUSH))) {
    blk_mq_submit_bio(q, b);
    return;
  }
  if (b->bi_iter.bi_size == 0) {
    blk_bio_error(q, b, BLK_STS_IOERR);
    return;
  }
  // bio_check_eod and bio_unaligned.
  if (bio_end_sector(b) > bdev_nr_sectors(b->bi_bdev)) {
    blk_bio_error(q, b, BLK_STS_IOERR);
    return;
  }
  uint32_t lbs = q->limits.logical_block_size;
  if ((b->bi_iter.bi_sector << SECTOR_SHIFT) % lbs != 0 || b->bi_iter.bi_size % lbs != 0) {
    blk_bio_error(q, b, BLK_STS_IOERR);
    return;
  }
  while (bio* child = bio_split_to_limits(q, b)) blk_mq_submit_bio(q, child);
  blk_mq_submit_bio(q, b);
}

}  // namespace kernel
