// Simulated user memory as scenario values: buffers (live views of a
// process's memory) and byte snapshots (of a buffer, of a file as a reader
// would see it now, or of what a file's blocks hold on persisted media).
//
//   buf = alloc(4096, align=4096)        # a buffer object: .addr, .len, buf[i]
//   fill(buf, "abc")                     # or fill(buf, 0x5a)
//   expect buf == file("/data/f", 0, 4096)
//   expect bytes(buf, 0, 512) == persisted("/data/f", 0, 512)
//
// Comparisons (==) work between buffers, snapshots and strings, byte by
// byte; a failed `expect` names the first differing offset. A buffer is
// read at comparison time (its current bytes); a snapshot never changes.
//
// Calls that take a buffer also take a plain int address (e.g. buf.addr + 1
// for a misaligned pointer, or 0 for a bad one).
#ifndef AIOSIM_SCENARIOS_EXT_USER_MEMORY_H_
#define AIOSIM_SCENARIOS_EXT_USER_MEMORY_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "kernel_model/mm.h"
#include "scenarios/calls.h"
#include "scenarios/value.h"

namespace scenarios::kext {

struct KernelWorld;

class BufferObject : public Object {
 public:
  static constexpr std::string_view kTypeName = "buffer";
  BufferObject(kernel::mm_struct* mm, kernel::user_ptr addr, uint64_t len) : mm_(mm), addr_(addr), len_(len) {}

  std::string_view TypeName() const override { return kTypeName; }
  std::string ToString() const override;
  sim::Status GetField(std::string_view name, Value* out) const override;
  sim::Status GetIndex(const Value& index, Value* out) const override;
  sim::Status SetIndex(const Value& index, const Value& v) override;
  std::optional<int64_t> Length() const override { return static_cast<int64_t>(len_); }
  sim::Status Equals(const Value& other, bool* equal) const override;
  std::string Mismatch(const Value& other) const override;

  kernel::mm_struct* mm() const { return mm_; }
  kernel::user_ptr addr() const { return addr_; }
  uint64_t len() const { return len_; }
  // The current bytes; false (with *why) when part of it is not mapped.
  bool Read(std::vector<uint8_t>* out, std::string* why) const;

 private:
  kernel::mm_struct* mm_;
  kernel::user_ptr addr_;
  uint64_t len_;
};

class BytesObject : public Object {
 public:
  static constexpr std::string_view kTypeName = "bytes";
  BytesObject(std::string label, std::vector<uint8_t> bytes) : label_(std::move(label)), bytes_(std::move(bytes)) {}

  std::string_view TypeName() const override { return kTypeName; }
  std::string ToString() const override;
  sim::Status GetIndex(const Value& index, Value* out) const override;
  std::optional<int64_t> Length() const override { return static_cast<int64_t>(bytes_.size()); }
  sim::Status Equals(const Value& other, bool* equal) const override;
  std::string Mismatch(const Value& other) const override;

  const std::vector<uint8_t>& bytes() const { return bytes_; }

 private:
  std::string label_;
  std::vector<uint8_t> bytes_;
};

// The bytes a value stands for (a buffer, a snapshot or a string); false
// with *why for other values or unmapped memory.
bool ContentOf(const Value& v, std::vector<uint8_t>* out, std::string* why);

// An address argument: a buffer's address or an int.
kernel::user_ptr AddressArg(const Args& args, std::string_view name);
// A buffer argument's length, or nullopt for a plain address.
std::optional<uint64_t> BufferLength(const Args& args, std::string_view name);
// Copies `data` into user memory of the calling process: the thread's
// scratch area (for synchronous calls) or fresh heap memory (for iocbs,
// whose buffers must outlive the call).
kernel::user_ptr PlaceBytes(CallContext& ctx, std::string_view data, bool scratch);

// A data argument: a buffer (address and length), a string (copied into
// user memory, see PlaceBytes) or a plain int address (no length).
struct DataRange {
  kernel::user_ptr addr = 0;
  std::optional<uint64_t> len;
};
DataRange DataArg(CallContext& ctx, const Args& args, std::string_view name, bool scratch);

// An iovec list argument: each item a buffer (its whole length) or a pair
// [buffer-or-address, len]. Writes the struct iovec array (16 bytes each)
// into user memory and returns its address; *count gets the item count.
kernel::user_ptr PlaceIovecs(CallContext& ctx, const Args& args, std::string_view name, bool scratch,
                             uint64_t* count);

// alloc, mmap, munmap, mprotect, fill, bytes, text, peek, poke, file,
// persisted.
void RegisterMemoryCalls(CallRegistry& calls, KernelWorld* world);

}  // namespace scenarios::kext

#endif  // AIOSIM_SCENARIOS_EXT_USER_MEMORY_H_
