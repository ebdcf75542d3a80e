// A sleeping reader/writer lock for inodes (i_rwsem), after
// include/linux/rwsem.h and kernel/locking/rwsem.c, and the inode_lock
// helpers of include/linux/fs.h.
//
// Contract: down_write waits until no reader or writer holds the lock;
// down_read waits while a writer holds it or waits for it (so writers are
// not starved). Sleeps are TASK_UNINTERRUPTIBLE through the wait queue, so
// the chooser decides who of several woken waiters goes first. Releasing a
// lock not held is a SIM_CHECK.
//
// Differences from Linux: no optimistic spinning, no handoff bit; waiters
// re-check after every release (wake all), which is fair enough for the
// model and keeps the choice visible to the chooser.
#ifndef AIOSIM_KERNEL_MODEL_VFS_RWSEM_H_
#define AIOSIM_KERNEL_MODEL_VFS_RWSEM_H_

#include "kernel_model/wait.h"

namespace kernel {

struct rw_semaphore {
  long count = 0;             // > 0: readers; -1: a writer
  int writers_waiting = 0;
  wait_queue_head wait{"rw_semaphore"};
};

void down_read(rw_semaphore* sem);
bool down_read_trylock(rw_semaphore* sem);
void up_read(rw_semaphore* sem);
void down_write(rw_semaphore* sem);
bool down_write_trylock(rw_semaphore* sem);
void up_write(rw_semaphore* sem);

}  // namespace kernel

#endif  // AIOSIM_KERNEL_MODEL_VFS_RWSEM_H_
