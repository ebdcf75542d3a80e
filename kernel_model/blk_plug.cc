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

blk_plug* blk_current_plug() {
  task_struct* tsk = current();
  return tsk ? tsk->plug : nullptr;
}

namespace {
void flush_plug_on_schedule(task_struct* tsk) {
  if (tsk->plug != nullptr) blk_flush_plug(tsk->plug, true);
}
}  // namespace

void blk_start_plug(blk_plug* plug) {
  task_struct* tsk = current();
  SIM_CHECK(tsk != nullptr) << "blk_start_plug outside a task";
  blk_schedule_flush_plug = flush_plug_on_schedule;
  if (tsk->plug != nullptr) return;  // nested: the outermost plug collects
  plug->mq_list.clear();
  plug->rq_count = 0;
  tsk->plug = plug;
}

void blk_finish_plug(blk_plug* plug) {
  task_struct* tsk = current();
  SIM_CHECK(tsk != nullptr) << "blk_finish_plug outside a task";
  if (tsk->plug != plug) return;
  blk_flush_plug(plug, false);
  tsk->plug = nullptr;
}

void blk_flush_plug(blk_plug* plug, bool from_schedule) {
  if (plug == nullptr || plug->mq_list.empty()) return;
  std::vector<request*> list;
  list.swap(plug->mq_list);
  plug->rq_count = 0;
  request_queue* first = list.front()->q;
  first->sched->trace().Emit(first->tk.unplug, {static_cast<int64_t>(list.size()), from_schedule ? 1 : 0});
  // Insert everything, then run each queue once, in first-seen order.
  std::vector<request_queue*> queues;
  for (request* rq : list) {
    request_queue* q = rq->q;
    bool seen = false;
    for (request_queue* x : queues) seen = seen || x == q;
    if (!seen) queues.push_back(q);
    q->elevator->insert_request(rq);
  }
  for (request_queue* q : queues) blk_mq_run_hw_queue(q);
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
