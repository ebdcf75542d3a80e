// Basic kernel types, ERR_PTR, and bit operations, after include/linux/types.h,
// include/linux/err.h and include/asm-generic/bitops.
//
// Differences from the kernel: a user-space address is a plain integer
// (user_ptr, the kernel's `void __user *`) into the simulated process's
// memory (see mm.h), never a host pointer. Bit operations are not atomic:
// fibers switch only at sim:: calls, so plain read-modify-write is atomic
// with respect to every other simulated context.
#ifndef AIOSIM_KERNEL_MODEL_TYPES_H_
#define AIOSIM_KERNEL_MODEL_TYPES_H_

#include <sys/types.h>

#include <cstdint>

#include "kernel_model/errno.h"

namespace kernel {

using u8 = uint8_t;
using u16 = uint16_t;
using u32 = uint32_t;
using u64 = uint64_t;
using s32 = int32_t;
using s64 = int64_t;
using loff_t = int64_t;
using fmode_t = unsigned int;
using __poll_t = unsigned int;
using ktime_t = int64_t;      // nanoseconds of virtual time
using sigset_t = uint64_t;    // bit (sig - 1) set: signal sig is in the set
using user_ptr = uint64_t;    // an address in the simulated process (void __user *)
using ::pid_t;
using ::ssize_t;

// --- include/linux/err.h ---
template <typename T = void>
inline T* ERR_PTR(long error) {
  return reinterpret_cast<T*>(static_cast<intptr_t>(error));
}
inline long PTR_ERR(const void* ptr) { return static_cast<long>(reinterpret_cast<intptr_t>(ptr)); }
inline bool IS_ERR_VALUE(unsigned long x) { return x >= static_cast<unsigned long>(-MAX_ERRNO); }
inline bool IS_ERR(const void* ptr) { return IS_ERR_VALUE(reinterpret_cast<uintptr_t>(ptr)); }
inline bool IS_ERR_OR_NULL(const void* ptr) { return !ptr || IS_ERR(ptr); }

// --- bit operations on unsigned long words ---
inline constexpr int BITS_PER_LONG = 64;
inline bool test_bit(int nr, const unsigned long* addr) {
  return (addr[nr / BITS_PER_LONG] >> (nr % BITS_PER_LONG)) & 1ul;
}
inline void set_bit(int nr, unsigned long* addr) {
  addr[nr / BITS_PER_LONG] |= 1ul << (nr % BITS_PER_LONG);
}
inline void clear_bit(int nr, unsigned long* addr) {
  addr[nr / BITS_PER_LONG] &= ~(1ul << (nr % BITS_PER_LONG));
}
inline bool test_and_set_bit(int nr, unsigned long* addr) {
  bool old = test_bit(nr, addr);
  set_bit(nr, addr);
  return old;
}
inline bool test_and_clear_bit(int nr, unsigned long* addr) {
  bool old = test_bit(nr, addr);
  clear_bit(nr, addr);
  return old;
}

}  // namespace kernel

#endif  // AIOSIM_KERNEL_MODEL_TYPES_H_
