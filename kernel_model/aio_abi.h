// The user ABI of Linux AIO, after include/uapi/linux/aio_abi.h and
// include/uapi/linux/fs.h (RWF_*): struct iocb (64 bytes), struct io_event
// (32 bytes), the ring header (32 bytes) and the numbers.
//
// The model reads an iocb and writes an io_event byte-exactly in simulated
// user memory (little-endian, the offsets below); the structs here are the
// decoded forms. iocb_from_bytes/io_event_to_bytes are the only places that
// know the byte layout, and static_asserts pin it against the host's struct
// layout rules.
#ifndef AIOSIM_KERNEL_MODEL_AIO_ABI_H_
#define AIOSIM_KERNEL_MODEL_AIO_ABI_H_

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "kernel_model/types.h"

namespace kernel {

using aio_context_t = unsigned long;  // the ring's user address

// Opcodes (enum in aio_abi.h). 4 was never implemented; 6 (NOOP) is defined
// but rejected by io_submit; 9 is the unmerged EPOLL_WAIT.
enum : u16 {
  IOCB_CMD_PREAD = 0,
  IOCB_CMD_PWRITE = 1,
  IOCB_CMD_FSYNC = 2,
  IOCB_CMD_FDSYNC = 3,
  IOCB_CMD_POLL = 5,
  IOCB_CMD_NOOP = 6,
  IOCB_CMD_PREADV = 7,
  IOCB_CMD_PWRITEV = 8,
};

// aio_flags.
inline constexpr u32 IOCB_FLAG_RESFD = 1u << 0;
inline constexpr u32 IOCB_FLAG_IOPRIO = 1u << 1;

// aio_rw_flags are the RWF_* bits of include/uapi/linux/fs.h, defined (as
// macros, the way glibc spells them) in kernel_model/fs.h.

// I/O priority (include/uapi/linux/ioprio.h): class in bits 13..15.
inline constexpr int IOPRIO_CLASS_SHIFT = 13;
inline constexpr int IOPRIO_CLASS_NONE = 0;
inline constexpr int IOPRIO_CLASS_RT = 1;
inline constexpr int IOPRIO_CLASS_BE = 2;
inline constexpr int IOPRIO_CLASS_IDLE = 3;
inline constexpr int IOPRIO_NR_LEVELS = 8;
inline constexpr int IOPRIO_PRIO_CLASS(int ioprio) { return (ioprio >> IOPRIO_CLASS_SHIFT) & 0x7; }
inline constexpr int IOPRIO_PRIO_DATA(int ioprio) {
  return ioprio & ((1 << IOPRIO_CLASS_SHIFT) - 1);
}
inline constexpr int IOPRIO_PRIO_VALUE(int cls, int data) {
  return (cls << IOPRIO_CLASS_SHIFT) | data;
}

// struct iocb, decoded. Byte offsets in user memory:
//   aio_data 0 (u64), aio_key 8 (u32), aio_rw_flags 12 (u32),
//   aio_lio_opcode 16 (u16), aio_reqprio 18 (s16), aio_fildes 20 (u32),
//   aio_buf 24 (u64), aio_nbytes 32 (u64), aio_offset 40 (s64),
//   aio_reserved2 48 (u64), aio_flags 56 (u32), aio_resfd 60 (u32).
struct iocb {
  u64 aio_data = 0;
  u32 aio_key = 0;
  u32 aio_rw_flags = 0;
  u16 aio_lio_opcode = 0;
  int16_t aio_reqprio = 0;
  u32 aio_fildes = 0;
  u64 aio_buf = 0;
  u64 aio_nbytes = 0;
  s64 aio_offset = 0;
  u64 aio_reserved2 = 0;
  u32 aio_flags = 0;
  u32 aio_resfd = 0;
};
inline constexpr size_t IOCB_SIZE = 64;
inline constexpr size_t IOCB_KEY_OFFSET = 8;
static_assert(sizeof(iocb) == IOCB_SIZE && offsetof(iocb, aio_key) == 8 &&
                  offsetof(iocb, aio_rw_flags) == 12 && offsetof(iocb, aio_lio_opcode) == 16 &&
                  offsetof(iocb, aio_reqprio) == 18 && offsetof(iocb, aio_fildes) == 20 &&
                  offsetof(iocb, aio_buf) == 24 && offsetof(iocb, aio_nbytes) == 32 &&
                  offsetof(iocb, aio_offset) == 40 && offsetof(iocb, aio_reserved2) == 48 &&
                  offsetof(iocb, aio_flags) == 56 && offsetof(iocb, aio_resfd) == 60,
              "struct iocb layout");

// struct io_event: data 0, obj 8, res 16, res2 24.
struct io_event {
  u64 data = 0;
  u64 obj = 0;
  s64 res = 0;
  s64 res2 = 0;
};
inline constexpr size_t IO_EVENT_SIZE = 32;
static_assert(sizeof(io_event) == IO_EVENT_SIZE && offsetof(io_event, obj) == 8 &&
                  offsetof(io_event, res) == 16 && offsetof(io_event, res2) == 24,
              "struct io_event layout");

// struct aio_ring (fs/aio.c): the 32-byte header at the start of the ring
// mapping, followed by nr io_events.
inline constexpr u32 AIO_RING_MAGIC = 0xa10a10a1;
inline constexpr u32 AIO_RING_COMPAT_FEATURES = 1;
inline constexpr u32 AIO_RING_INCOMPAT_FEATURES = 0;
struct aio_ring {
  u32 id = 0;  // the kioctx's index in the mm's table
  u32 nr = 0;  // number of io_events
  u32 head = 0;
  u32 tail = 0;
  u32 magic = 0;
  u32 compat_features = 0;
  u32 incompat_features = 0;
  u32 header_length = 0;
};
inline constexpr size_t AIO_RING_HEADER_SIZE = 32;
static_assert(sizeof(aio_ring) == AIO_RING_HEADER_SIZE && offsetof(aio_ring, head) == 8 &&
                  offsetof(aio_ring, tail) == 12 && offsetof(aio_ring, magic) == 16 &&
                  offsetof(aio_ring, header_length) == 28,
              "struct aio_ring layout");
inline constexpr size_t AIO_RING_HEAD_OFFSET = 8;
inline constexpr size_t AIO_RING_TAIL_OFFSET = 12;

// struct __aio_sigset (io_pgetevents): {const sigset_t *sigmask; size_t sigsetsize}.
struct aio_sigset {
  user_ptr sigmask = 0;
  u64 sigsetsize = 0;
};
inline constexpr size_t AIO_SIGSET_SIZE = 16;

// struct __kernel_timespec: {s64 tv_sec; s64 tv_nsec}.
struct kernel_timespec {
  s64 tv_sec = 0;
  s64 tv_nsec = 0;
};
inline constexpr size_t KERNEL_TIMESPEC_SIZE = 16;

// The byte forms (little-endian, as x86-64). The host is little-endian too
// (checked at compile time), so these are plain copies of the pinned layouts.
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "the ABI copies assume little-endian");
inline iocb iocb_from_bytes(const u8 (&b)[IOCB_SIZE]) {
  iocb cb;
  std::memcpy(&cb, b, IOCB_SIZE);
  return cb;
}
inline void iocb_to_bytes(const iocb& cb, u8 (&b)[IOCB_SIZE]) { std::memcpy(b, &cb, IOCB_SIZE); }
inline void io_event_to_bytes(const io_event& ev, u8 (&b)[IO_EVENT_SIZE]) {
  std::memcpy(b, &ev, IO_EVENT_SIZE);
}
inline io_event io_event_from_bytes(const u8 (&b)[IO_EVENT_SIZE]) {
  io_event ev;
  std::memcpy(&ev, b, IO_EVENT_SIZE);
  return ev;
}

}  // namespace kernel

#endif  // AIOSIM_KERNEL_MODEL_AIO_ABI_H_
