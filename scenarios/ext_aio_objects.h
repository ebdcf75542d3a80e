// The AIO values of scenario programs.
//
// - iocb: a real 64-byte struct iocb in the process's user memory (what
//   libaio's io_prep_* leave behind). Its fields are read from and written
//   to that memory at each access, so `cb.key` shows the kernel zeroing
//   aio_key and `cb.reserved2 = 1` really corrupts the iocb. `cb.addr` is
//   its user address: the `obj` of its event. `cb == ev.obj` compares the
//   address.
//     fields: addr data key rw_flags opcode reqprio fd buf nbytes offset
//             reserved2 flags resfd
// - io_event: one event as the program received it (a copy): data obj res
//   res2.
// - aio_ring: the ring header as user memory holds it at the moment of the
//   call: id nr head tail magic compat_features incompat_features
//   header_length.
#ifndef AIOSIM_SCENARIOS_EXT_AIO_OBJECTS_H_
#define AIOSIM_SCENARIOS_EXT_AIO_OBJECTS_H_

#include <string>
#include <string_view>

#include "kernel_model/aio_abi.h"
#include "kernel_model/mm.h"
#include "scenarios/value.h"

namespace scenarios::kext {

class IocbObject : public Object {
 public:
  static constexpr std::string_view kTypeName = "iocb";
  IocbObject(kernel::mm_struct* mm, kernel::user_ptr addr) : mm_(mm), addr_(addr) {}

  std::string_view TypeName() const override { return kTypeName; }
  std::string ToString() const override;
  sim::Status GetField(std::string_view name, Value* out) const override;
  sim::Status SetField(std::string_view name, const Value& v) override;
  sim::Status Equals(const Value& other, bool* equal) const override;

  kernel::user_ptr addr() const { return addr_; }
  // The iocb as user memory holds it now; false if it is not mapped.
  bool Load(kernel::iocb* out) const;

 private:
  kernel::mm_struct* mm_;
  kernel::user_ptr addr_;
};

class EventObject : public Object {
 public:
  static constexpr std::string_view kTypeName = "io_event";
  explicit EventObject(const kernel::io_event& ev) : ev_(ev) {}

  std::string_view TypeName() const override { return kTypeName; }
  std::string ToString() const override;
  sim::Status GetField(std::string_view name, Value* out) const override;
  const kernel::io_event& event() const { return ev_; }

 private:
  kernel::io_event ev_;
};

class RingObject : public Object {
 public:
  static constexpr std::string_view kTypeName = "aio_ring";
  explicit RingObject(const kernel::aio_ring& r) : ring_(r) {}

  std::string_view TypeName() const override { return kTypeName; }
  std::string ToString() const override;
  sim::Status GetField(std::string_view name, Value* out) const override;

 private:
  kernel::aio_ring ring_;
};

}  // namespace scenarios::kext

#endif  // AIOSIM_SCENARIOS_EXT_AIO_OBJECTS_H_
