// ExtentSet: a set of sectors kept as disjoint, non-adjacent [start, end)
// runs in an ordered map, for models' timing state (an HDD's dirty write
// cache). Iteration is in sector order.
#ifndef AIOSIM_DEVICES_EXTENT_SET_H_
#define AIOSIM_DEVICES_EXTENT_SET_H_

#include <cstdint>
#include <map>

namespace devices {

class ExtentSet {
 public:
  void Add(uint64_t start, uint64_t count);
  void Remove(uint64_t start, uint64_t count);
  void Clear() {
    runs_.clear();
    sectors_ = 0;
  }
  bool empty() const { return runs_.empty(); }
  uint64_t sectors() const { return sectors_; }
  // start -> end (exclusive), disjoint and non-adjacent.
  const std::map<uint64_t, uint64_t>& runs() const { return runs_; }

 private:
  std::map<uint64_t, uint64_t> runs_;
  uint64_t sectors_ = 0;
};

}  // namespace devices

#endif  // AIOSIM_DEVICES_EXTENT_SET_H_
