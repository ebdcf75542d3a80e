// Waiting on a bit in a word, after include/linux/wait_bit.h and
// kernel/sched/wait_bit.c: the machinery under lock_page-style waits.
//
// A waiter queues a wait_bit_queue_entry (its key: the word's address and
// the bit) on the head bit_waitqueue(word, bit) returns; wake_up_bit(word,
// bit) walks that head with a wait_bit_key, and wake_bit_function only wakes
// entries whose key matches and whose bit is now clear. Other objects with
// their own wait queues (a page cache's folio wait queue, the retry AIO
// design's per-iocb entry) reuse wait_bit_key and wait_bit_key_matches()
// with their own callbacks.
//
// Difference from the kernel: the kernel hashes the word's address into a
// fixed table of 256 heads; the model keys an ordered map by address inside
// the Kernel. Either way entries with other keys on the same head are
// skipped, so the choice of head never changes who is woken or in what
// order. A head lives only while waiters hold it (wake_up_bit never creates
// one), so trace ids of heads never depend on host address reuse.
#ifndef AIOSIM_KERNEL_MODEL_WAIT_BIT_H_
#define AIOSIM_KERNEL_MODEL_WAIT_BIT_H_

#include "kernel_model/wait.h"

namespace kernel {

struct wait_bit_key {
  void* flags = nullptr;  // the word
  int bit_nr = -1;
  unsigned long timeout = 0;
};

// Standard-layout: container_of(wq_entry, wait_bit_queue_entry, wq_entry).
struct wait_bit_queue_entry {
  wait_bit_key key;
  wait_queue_entry wq_entry;
};

// True if `key` (the waker's) names the same word and bit as `mine`.
inline bool wait_bit_key_matches(const wait_bit_key& mine, const wait_bit_key* key) {
  return key && mine.flags == key->flags && mine.bit_nr == key->bit_nr;
}

int wake_bit_function(wait_queue_entry* wq_entry, unsigned mode, int sync, void* key);
// Initializes wbq_entry for current waiting on (word, bit) with wake_bit_function.
void init_wait_bit_entry(wait_bit_queue_entry* wbq_entry, void* word, int bit);

wait_queue_head* bit_waitqueue(void* word, int bit);
// Wakes waiters of (word, bit) whose bit is now clear.
void wake_up_bit(void* word, int bit);
void __wake_up_bit(wait_queue_head* wq_head, void* word, int bit);

// Sleeps until bit is clear. Returns 0, or -EINTR if `mode` is interruptible
// (or killable) and a signal arrived (the kernel's bit_wait action).
int wait_on_bit(unsigned long* word, int bit, unsigned mode);
// Sleeps until it can set the bit itself (exclusive waiter); 0 or -EINTR.
int wait_on_bit_lock(unsigned long* word, int bit, unsigned mode);
// clear_bit + wake_up_bit.
void clear_and_wake_up_bit(int bit, unsigned long* word);

}  // namespace kernel

#endif  // AIOSIM_KERNEL_MODEL_WAIT_BIT_H_
