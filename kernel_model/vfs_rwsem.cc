// i_rwsem; see vfs_rwsem.h.
#include "kernel_model/vfs_rwsem.h"

#include "sim/check.h"

namespace kernel {

bool down_read_trylock(rw_semaphore* sem) {
  if (sem->count < 0 || sem->writers_waiting > 0) return false;
  ++sem->count;
  return true;
}

void down_read(rw_semaphore* sem) {
  if (down_read_trylock(sem)) return;
  wait_event(sem->wait, [sem] { return sem->count >= 0 && sem->writers_waiting == 0; });
  ++sem->count;
}

void up_read(rw_semaphore* sem) {
  SIM_CHECK(sem->count > 0) << "up_read of an rw_semaphore not held for reading (count " << sem->count << ")";
  if (--sem->count == 0) wake_up_all(&sem->wait);
}

bool down_write_trylock(rw_semaphore* sem) {
  if (sem->count != 0) return false;
  sem->count = -1;
  return true;
}

void down_write(rw_semaphore* sem) {
  if (down_write_trylock(sem)) return;
  ++sem->writers_waiting;
  wait_event(sem->wait, [sem] { return sem->count == 0; });
  --sem->writers_waiting;
  sem->count = -1;
}

void up_write(rw_semaphore* sem) {
  SIM_CHECK(sem->count == -1) << "up_write of an rw_semaphore not held for writing (count " << sem->count << ")";
  sem->count = 0;
  wake_up_all(&sem->wait);
}

}  // namespace kernel
