// Plugging and synchronous bio waits. Models blk_start_plug/blk_finish_plug/
// blk_flush_plug (block/blk-core.c, block/blk-mq.c) and submit_bio_wait /
// blkdev_issue_flush (block/bio.c, block/blk-flush.c).
#include <vector>

#include "kernel_model/blk_elevator.h"
#include "kernel_model/blk_internal.h"
#include "kernel_model/blkdev.h"
#include "kernel_model/sched.h"
#include "kernel_model/wait.h"
#include "sim/check.h"

namespace kernel {

namespace {
void flush_plug_on_schedule(task_struct* tsk) {
  if (tsk->plug != nullptr) blk_flush_plug(tsk->plug, true);
}

// The plug calls' reports, out of line (same conditions, same messages):
// the message builders inline made every call keep a full frame.
[[gnu::cold, gnu::noinline]] void plug_outside_task(const task_struct* tsk, bool start) {
  if (start) {
    SIM_CHECK(tsk != nullptr) << "blk_start_plug outside a task";
  } else {
    SIM_CHECK(tsk != nullptr) << "blk_finish_plug outside a task";
  }
}
}  // namespace

void blk_start_plug(blk_plug* plug) {
  task_struct* tsk = current();
  if (tsk == nullptr) [[unlikely]] plug_outside_task(tsk, true);
  blk_schedule_flush_plug = flush_plug_on_schedule;
  if (tsk->plug != nullptr) return;  // nested: the outermost plug collects
  plug->mq_list = plug->mq_list_tail = nullptr;
  plug->rq_count = 0;
  tsk->plug = plug;
}

void blk_finish_plug(blk_plug* plug) {
  task_struct* tsk = current();
  if (tsk == nullptr) [[unlikely]] plug_outside_task(tsk, false);
  if (tsk->plug != plug) return;
  blk_flush_plug(plug, false);
  tsk->plug = nullptr;
}

void blk_flush_plug(blk_plug* plug, bool from_schedule) {
  if (plug == nullptr || plug->mq_list == nullptr) return;
  request* list = plug->mq_list;
  plug->mq_list = plug->mq_list_tail = nullptr;
  plug->rq_count = 0;
  int64_t count = 0;
  for (request* rq = list; rq != nullptr; rq = rq->rq_next) ++count;
  request_queue* first = list->q;
  first->sched->trace().Emit(first->tk.unplug, {count, from_schedule ? 1 : 0});
  // Insert everything (an insert merge may free a request, so its successor
  // is read first), then run each queue once, in first-seen order.
  request_queue* queues_small[4];
  std::vector<request_queue*> queues_more;
  size_t nq = 0;
  for (request* rq = list; rq != nullptr;) {
    request* next = rq->rq_next;
    rq->rq_next = nullptr;
    request_queue* q = rq->q;
    bool seen = false;
    for (size_t i = 0; i < nq && !seen; ++i) seen = (i < 4 ? queues_small[i] : queues_more[i - 4]) == q;
    if (!seen) {
      if (nq < 4) {
        queues_small[nq] = q;
      } else {
        queues_more.push_back(q);
      }
      ++nq;
    }
    q->elevator->insert_request(rq);
    rq = next;
  }
  for (size_t i = 0; i < nq; ++i) blk_mq_run_hw_queue(i < 4 ? queues_small[i] : queues_more[i - 4]);
}

namespace {
struct bio_wait {
  wait_queue_head wq{"submit_bio_wait"};
  bool done = false;
};

void submit_bio_wait_endio(bio* b) {
  auto* w = static_cast<bio_wait*>(b->bi_private);
  w->done = true;
  wake_up(&w->wq);
}
}  // namespace

int submit_bio_wait(bio* b) {
  SIM_CHECK(in_task()) << "submit_bio_wait outside a task";
  bio_wait w;
  b->bi_private = &w;
  b->bi_end_io = submit_bio_wait_endio;
  b->bi_opf |= REQ_SYNC;
  submit_bio(b);
  // blk_wait_io: an uninterruptible I/O sleep (schedule() flushes the plug).
  wait_event(w.wq, [&] { return w.done; });
  return blk_status_to_errno(b->bi_status);
}

int blkdev_issue_flush(block_device* bdev) {
  if (!bdev_write_cache(bdev)) return 0;  // nothing volatile to flush
  bio* b = bio_alloc(bdev, 0, REQ_OP_WRITE | REQ_PREFLUSH);
  int ret = submit_bio_wait(b);
  bio_put(b);
  return ret;
}

}  // namespace kernel
