// Bit waits (kernel/sched/wait_bit.c). See wait_bit.h.
#include "kernel_model/wait_bit.h"

#include <memory>

#include "kernel_model/signal.h"

namespace kernel {

namespace {

// The kernel's bit_wait action: sleep, then report a signal.
int bit_wait(unsigned mode) {
  schedule();
  if (signal_pending_state(mode, current())) return -EINTR;
  return 0;
}

}  // namespace

int wake_bit_function(wait_queue_entry* wq_entry, unsigned mode, int sync, void* arg) {
  auto* key = static_cast<wait_bit_key*>(arg);
  wait_bit_queue_entry* wait_bit = container_of(wq_entry, wait_bit_queue_entry, wq_entry);
  if (!wait_bit_key_matches(wait_bit->key, key) ||
      test_bit(key->bit_nr, static_cast<unsigned long*>(key->flags)))
    return 0;
  return autoremove_wake_function(wq_entry, mode, sync, key);
}

void init_wait_bit_entry(wait_bit_queue_entry* wbq_entry, void* word, int bit) {
  wbq_entry->key.flags = word;
  wbq_entry->key.bit_nr = bit;
  wbq_entry->key.timeout = 0;
  wbq_entry->wq_entry.flags = 0;
  wbq_entry->wq_entry.private_ = current();
  wbq_entry->wq_entry.func = wake_bit_function;
  INIT_LIST_HEAD(&wbq_entry->wq_entry.entry);
}

wait_queue_head* bit_waitqueue(void* word, int bit) {
  Kernel* k = Kernel::Current();
  auto key = std::make_pair(reinterpret_cast<uintptr_t>(word), bit);
  auto it = k->bit_wait_table_.find(key);
  if (it != k->bit_wait_table_.end()) return it->second.first.get();
  auto head = std::make_unique<wait_queue_head>("bit_wait");
  wait_queue_head* raw = head.get();
  k->bit_wait_table_.emplace(key, std::make_pair(std::move(head), 0));
  return raw;
}

namespace {
// Holds a bit-wait head for one waiter; the last holder of an idle head
// removes it (see Kernel::bit_wait_table_).
class BitWaitHold {
 public:
  BitWaitHold(void* word, int bit) : key_(reinterpret_cast<uintptr_t>(word), bit) {
    head_ = bit_waitqueue(word, bit);
    ++Kernel::Current()->bit_wait_table_.find(key_)->second.second;
  }
  ~BitWaitHold() {
    Kernel* k = Kernel::Current();
    if (!k) return;
    auto it = k->bit_wait_table_.find(key_);
    if (it == k->bit_wait_table_.end()) return;
    if (--it->second.second == 0 && !waitqueue_active(it->second.first.get())) {
      k->bit_wait_table_.erase(it);
    }
  }
  wait_queue_head* head() const { return head_; }

 private:
  std::pair<uintptr_t, int> key_;
  wait_queue_head* head_;
};
}  // namespace

void __wake_up_bit(wait_queue_head* wq_head, void* word, int bit) {
  wait_bit_key key;
  key.flags = word;
  key.bit_nr = bit;
  if (waitqueue_active(wq_head)) __wake_up(wq_head, TASK_NORMAL, 1, &key);
}

void wake_up_bit(void* word, int bit) {
  // Nobody waits on a (word, bit) that has no head: nothing to wake, and no
  // head is created for it.
  Kernel* k = Kernel::Current();
  auto it = k->bit_wait_table_.find(std::make_pair(reinterpret_cast<uintptr_t>(word), bit));
  if (it == k->bit_wait_table_.end()) return;
  __wake_up_bit(it->second.first.get(), word, bit);
}

int wait_on_bit(unsigned long* word, int bit, unsigned mode) {
  if (!test_bit(bit, word)) return 0;
  BitWaitHold hold(word, bit);
  wait_queue_head* wq_head = hold.head();
  wait_bit_queue_entry wbq_entry;
  init_wait_bit_entry(&wbq_entry, word, bit);
  int ret = 0;
  do {
    prepare_to_wait(wq_head, &wbq_entry.wq_entry, static_cast<int>(mode));
    if (test_bit(bit, word)) ret = bit_wait(mode);
  } while (test_bit(bit, word) && !ret);
  finish_wait(wq_head, &wbq_entry.wq_entry);
  return ret;
}

int wait_on_bit_lock(unsigned long* word, int bit, unsigned mode) {
  if (!test_and_set_bit(bit, word)) return 0;
  BitWaitHold hold(word, bit);
  wait_queue_head* wq_head = hold.head();
  wait_bit_queue_entry wbq_entry;
  init_wait_bit_entry(&wbq_entry, word, bit);
  for (;;) {
    int ret = 0;
    prepare_to_wait_exclusive(wq_head, &wbq_entry.wq_entry, static_cast<int>(mode));
    if (test_bit(bit, word)) {
      ret = bit_wait(mode);
      if (ret) finish_wait(wq_head, &wbq_entry.wq_entry);
    }
    if (!test_and_set_bit(bit, word)) {
      if (!ret) finish_wait(wq_head, &wbq_entry.wq_entry);
      return 0;
    }
    if (ret) return ret;
  }
}

void clear_and_wake_up_bit(int bit, unsigned long* word) {
  clear_bit(bit, word);
  wake_up_bit(word, bit);
}

}  // namespace kernel
