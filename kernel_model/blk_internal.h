// Block-layer internals shared by blk_*.cc (block/blk.h in Linux): not for
// callers outside the block layer.
#ifndef AIOSIM_KERNEL_MODEL_BLK_INTERNAL_H_
#define AIOSIM_KERNEL_MODEL_BLK_INTERNAL_H_

#include "kernel_model/blkdev.h"
#include "kernel_model/kernel.h"
#include "kernel_model/sched.h"

namespace kernel {

// The current task's plug, or nullptr (no plug, or event context). Inline:
// every bio asks (blk_mq_submit_bio).
inline blk_plug* blk_current_plug() {
  task_struct* tsk = current();
  return tsk ? tsk->plug : nullptr;
}
// blk-flush.c: queues a request carrying REQ_PREFLUSH/REQ_FUA or a bare
// flush, preceded by a device flush where needed, on the dispatch list.
void blk_insert_flush(request* rq);
// A request in its default state, from the queue's cache of freed ones or
// the heap; blk_mq_free_request gives it back.
request* blk_mq_get_request(request_queue* q);
// Ends every bio of the request with `status` (scattering read data first)
// and frees it.
void blk_mq_end_request(request* rq, blk_status_t status);

}  // namespace kernel

#endif  // AIOSIM_KERNEL_MODEL_BLK_INTERNAL_H_
