// RingQueue: a FIFO of trivially copyable values in a power-of-two ring.
// The Scheduler's run queue and WaitPoint's waiter list.
//
// Promises: push_back and pop_front are O(1) amortized and allocate only when
// the ring grows; Take(i) removes the i-th element in O(min(i, size - i)),
// keeping the order of the rest; iteration is in FIFO order by index.
#ifndef AIOSIM_SIM_RING_QUEUE_H_
#define AIOSIM_SIM_RING_QUEUE_H_

#include <cstddef>
#include <type_traits>
#include <vector>

namespace sim {

template <typename T>
class RingQueue {
  static_assert(std::is_trivially_copyable_v<T>, "RingQueue holds plain values");

 public:
  bool empty() const { return size_ == 0; }
  size_t size() const { return size_; }
  T& operator[](size_t i) { return buf_[(head_ + i) & mask_]; }
  const T& operator[](size_t i) const { return buf_[(head_ + i) & mask_]; }
  T& front() { return buf_[head_]; }

  void push_back(T v) {
    if (size_ == capacity_) [[unlikely]] Grow();
    buf_[(head_ + size_) & mask_] = v;
    ++size_;
  }
  // REQUIRES: !empty().
  T pop_front() {
    T v = buf_[head_];
    head_ = (head_ + 1) & mask_;
    --size_;
    return v;
  }
  // Removes and returns the i-th element. REQUIRES: i < size().
  T Take(size_t i) {
    T v = (*this)[i];
    if (i < size_ / 2) {
      for (size_t j = i; j > 0; --j) (*this)[j] = (*this)[j - 1];
      head_ = (head_ + 1) & mask_;
    } else {
      for (size_t j = i; j + 1 < size_; ++j) (*this)[j] = (*this)[j + 1];
    }
    --size_;
    return v;
  }
  void clear() {
    head_ = 0;
    size_ = 0;
  }

 private:
  [[gnu::noinline]] void Grow() {
    std::vector<T> bigger(buf_.empty() ? 16 : 2 * buf_.size());
    for (size_t i = 0; i < size_; ++i) bigger[i] = (*this)[i];
    buf_.swap(bigger);
    head_ = 0;
    capacity_ = buf_.size();
    mask_ = capacity_ - 1;
  }

  std::vector<T> buf_;
  size_t head_ = 0;
  size_t size_ = 0;
  size_t capacity_ = 0;
  size_t mask_ = 0;
};

}  // namespace sim

#endif  // AIOSIM_SIM_RING_QUEUE_H_
