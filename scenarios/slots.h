// Slots: typed per-extension attachments on a run, a process or a thread.
//
// A later layer declares a key once and attaches its own object:
//   inline constexpr scenarios::SlotKey<kernel::task_struct> kTask{"kernel.task"};
//   thread.slots().Set(kTask, std::make_shared<kernel::task_struct>(...));
//   kernel::task_struct* t = ctx.thread().slots().Get(kTask);  // nullptr if unset
//
// Promises: lookups are by name (no addresses, no hashing); getting a slot
// with a key of another type is a Violation, not undefined behaviour;
// Clear() (and the destructor) destroys slots in reverse order of creation,
// so an object attached later (a task) goes before one it may point to
// (its process's mm).
#ifndef AIOSIM_SCENARIOS_SLOTS_H_
#define AIOSIM_SCENARIOS_SLOTS_H_

#include <memory>
#include <string>
#include <string_view>
#include <typeinfo>
#include <vector>

#include "sim/check.h"

namespace scenarios {

template <typename T>
struct SlotKey {
  constexpr explicit SlotKey(std::string_view n) : name(n) {}
  std::string_view name;
};

class Slots {
 public:
  Slots() = default;
  Slots(const Slots&) = delete;
  Slots& operator=(const Slots&) = delete;
  ~Slots() { Clear(); }

  // Attaches (or replaces) the object under key.
  template <typename T>
  void Set(const SlotKey<T>& key, std::shared_ptr<T> value) {
    for (Entry& e : entries_) {
      if (e.name == key.name) {
        SIM_CHECK(*e.type == typeid(T)) << "slot " << key.name << " re-set with another type";
        e.value = std::move(value);
        return;
      }
    }
    entries_.push_back(Entry{std::string(key.name), &typeid(T), std::move(value)});
  }

  template <typename T>
  T* Get(const SlotKey<T>& key) const {
    for (const Entry& e : entries_) {
      if (e.name == key.name) {
        SIM_CHECK(*e.type == typeid(T)) << "slot " << key.name << " read with another type";
        return static_cast<T*>(e.value.get());
      }
    }
    return nullptr;
  }

  void Clear() {
    while (!entries_.empty()) entries_.pop_back();
  }

 private:
  struct Entry {
    std::string name;
    const std::type_info* type;
    std::shared_ptr<void> value;
  };
  std::vector<Entry> entries_;
};

}  // namespace scenarios

#endif  // AIOSIM_SCENARIOS_SLOTS_H_
