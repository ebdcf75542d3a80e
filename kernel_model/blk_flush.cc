// The flush sequence; models block/blk-flush.c for a device that supports
// FUA: PREFLUSH -> DATA (with FUA passed through), no POST-FLUSH. A bare
// flush (REQ_OP_FLUSH, or an empty write with REQ_PREFLUSH) is one device
// flush. Flush sequences bypass the scheduler (the dispatch list) and are not
// coalesced with each other, unlike Linux's pending/running flush queues.
#include "kernel_model/blk_elevator.h"
#include "kernel_model/blk_internal.h"
#include "sim/check.h"

namespace kernel {

namespace {

// The PREFLUSH finished: the data request goes next, at the head of the
// dispatch list (Linux requeues it at the head); a failed flush fails it.
void flush_end_io(request* flush_rq, blk_status_t status) {
  request_queue* q = flush_rq->q;
  request* data_rq = static_cast<request*>(flush_rq->end_io_data);
  blk_mq_free_request(flush_rq);
  if (status != BLK_STS_OK) {
    blk_mq_end_request(data_rq, status);
    return;
  }
  q->dispatch_list.push_front(data_rq);
}

}  // namespace

void blk_insert_flush(request* rq) {
  request_queue* q = rq->q;
  if (rq->__data_len == 0) {
    rq->cmd_flags = REQ_OP_FLUSH | (rq->cmd_flags & ~(REQ_OP_MASK | REQ_PREFLUSH | REQ_FUA));
    q->dispatch_list.push_back(rq);
  } else if (rq->cmd_flags & REQ_PREFLUSH) {
    request* flush_rq = blk_mq_get_request(q);
    flush_rq->q = q;
    flush_rq->cmd_flags = REQ_OP_FLUSH | REQ_SYNC;
    flush_rq->tag = q->next_tag++;
    flush_rq->start_time_ns = q->sched->Now();
    flush_rq->end_io = flush_end_io;
    flush_rq->end_io_data = rq;
    ++q->allocated;
    ++q->stats.requests_allocated;
    q->sched->trace().Emit(q->tk.getrq, {q->dev_trace_id, static_cast<int64_t>(flush_rq->tag), 0,
                                         static_cast<int64_t>(REQ_OP_FLUSH), 0, 0});
    q->dispatch_list.push_back(flush_rq);
  } else {
    q->dispatch_list.push_back(rq);
  }
  blk_mq_run_hw_queue(q);
}

}  // namespace kernel
