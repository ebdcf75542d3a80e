// The vocabulary the differential cases are written in: building iocbs
// (the real UAPI layout of <linux/aio_abi.h>), placing them in user memory,
// and the recording steps (submit, reap, read the ring) that turn what a
// kernel did into observations.
//
// Recording conventions, identical on both sides so the lists compare
// position by position:
// - a syscall step records its return value (-errno on failure);
// - a reap records the count, then per event: data, obj as the index of
//   the iocb in the case's iocb area (-1 if outside it), res, res2;
// - fds and context handles are never recorded (they differ by nature:
//   the host child inherits fds, ring addresses differ); ring ids are.
#ifndef AIOSIM_TESTS_KERNEL_MODEL_DIFFERENTIAL_CASE_KIT_H_
#define AIOSIM_TESTS_KERNEL_MODEL_DIFFERENTIAL_CASE_KIT_H_

#include <linux/aio_abi.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "tests/kernel_model/differential/sys_api.h"

namespace diff {

// RWF_* (include/uapi/linux/fs.h).
inline constexpr uint32_t kRwfHipri = 0x01;
inline constexpr uint32_t kRwfDsync = 0x02;
inline constexpr uint32_t kRwfSync = 0x04;
inline constexpr uint32_t kRwfNowait = 0x08;
inline constexpr uint32_t kRwfAppend = 0x10;
inline constexpr uint32_t kRwfNoappend = 0x20;
inline constexpr uint32_t kRwfAtomic = 0x40;
inline constexpr uint32_t kRwfUnknown = 0x80000000u;  // no kernel defines it

// The ring header at the context's address (fs/aio.c struct aio_ring).
struct RingHeader {
  uint32_t id, nr, head, tail, magic, compat_features, incompat_features, header_length;
};
static_assert(sizeof(RingHeader) == 32, "struct aio_ring header");
inline constexpr uint32_t kRingMagic = 0xa10a10a1;

// The ring size io_setup(nr_events) gets on a kernel with `ncpus` possible
// CPUs (fs/aio.c: ioctx_alloc + aio_setup_ring), for nr_events the sizing
// accepts.
uint32_t ExpectedRingNr(unsigned nr_events, unsigned ncpus);
// Requests one submitting thread on one CPU gets in flight before EAGAIN:
// reqs_available = nr - 1 handed out in per-CPU batches of
// max(1, (nr - 1) / (4 * ncpus)).
uint32_t ExpectedSlotsOneCpu(uint32_t ring_nr, unsigned ncpus);

// A timeout for io_getevents: none (NULL pointer) or a relative timespec.
struct Timeout {
  bool null = true;
  int64_t sec = 0;
  int64_t nsec = 0;
};
inline constexpr Timeout kNoTimeout{};
inline constexpr Timeout kDontWait{false, 0, 0};
// Long enough for any asynchronous completion on an idle host; a case that
// waits this long has already found a difference.
inline constexpr Timeout kWaitLong{false, 5, 0};
inline constexpr Timeout kWait1ms{false, 0, 1000000};

// iocb builders.
iocb Pread(int fd, uint64_t buf, uint64_t nbytes, int64_t offset, uint64_t data = 0);
iocb Pwrite(int fd, uint64_t buf, uint64_t nbytes, int64_t offset, uint64_t data = 0);
iocb Preadv(int fd, uint64_t iov, uint64_t nr_iov, int64_t offset, uint64_t data = 0);
iocb Pwritev(int fd, uint64_t iov, uint64_t nr_iov, int64_t offset, uint64_t data = 0);
iocb Fsync(int fd, uint64_t data = 0);
iocb Fdsync(int fd, uint64_t data = 0);
iocb PollCb(int fd, uint64_t mask, uint64_t data = 0);
iocb WithResfd(iocb cb, int resfd);
iocb WithOpcode(iocb cb, uint16_t opcode);

// Deterministic file/buffer contents and a digest of bytes.
std::vector<uint8_t> Pattern(size_t n, uint8_t seed);
int64_t Digest(const std::vector<uint8_t>& bytes);

class Kit {
 public:
  Kit(SysApi& sys, Obs& obs);

  SysApi& sys;
  Obs& obs;

  void Note(const std::string& label, int64_t value) { obs.Add(label, value); }
  [[noreturn]] void Skip(std::string reason);
  [[noreturn]] void Abort(std::string reason);

  // Zeroed user memory.
  uint64_t Mem(size_t n) { return sys.Alloc(n); }
  uint64_t MemWith(const std::vector<uint8_t>& bytes);
  std::vector<uint8_t> Bytes(uint64_t addr, size_t n);
  uint64_t U64At(uint64_t addr);
  uint32_t U32At(uint64_t addr);
  void PutU32(uint64_t addr, uint32_t v);
  void PutU64(uint64_t addr, uint64_t v);

  // --- contexts ---
  // io_setup(nr) on a fresh zeroed handle; records the result under
  // "io_setup(nr)"; aborts the case if it failed.
  uint64_t Setup(unsigned nr);
  long Destroy(uint64_t ctx, const std::string& label = "io_destroy");
  RingHeader Ring(uint64_t ctx);
  // Records magic, nr, head, tail, features, header_length (not id: say so).
  void RecordRing(const std::string& label, uint64_t ctx);

  // --- iocbs ---
  // Copies cb into the next slot of the case's iocb area; returns its address.
  uint64_t Place(const iocb& cb);
  uint64_t IocbAddr(size_t index) const { return iocb_area_ + 64 * index; }
  int64_t IocbIndex(uint64_t obj) const;
  // A user array of pointers.
  uint64_t PtrArray(const std::vector<uint64_t>& ptrs);
  // io_submit(ctx, ptrs.size(), array of ptrs); records under label.
  long SubmitPtrs(const std::string& label, uint64_t ctx, const std::vector<uint64_t>& ptrs);
  // Places each cb and submits them in one call.
  long Submit(const std::string& label, uint64_t ctx, const std::vector<iocb>& cbs);
  // Places cb, submits it alone, returns its address through *addr.
  long Submit1(const std::string& label, uint64_t ctx, const iocb& cb, uint64_t* addr = nullptr);

  // --- reaping ---
  uint64_t TimeoutAddr(const Timeout& t);
  // io_getevents into a fresh buffer; records the count and each event.
  long Reap(const std::string& label, uint64_t ctx, long min_nr, long nr, const Timeout& t);
  void RecordEvents(const std::string& label, uint64_t events, long n);
  // The events the last Reap/RecordEvents copied, decoded.
  const std::vector<io_event>& last_events() const { return last_events_; }
  bool OnHost() const;

  // --- files ---
  // pipe2(flags); aborts the case if it fails. Returns {read end, write end}.
  std::pair<int, int> Pipe(int flags = 0);
  int Eventfd(int flags = 0);
  // Writes `n` bytes of a pattern to fd; records under label.
  long WriteBytes(const std::string& label, int fd, size_t n);
  // Reads the 8-byte eventfd counter; records the read result and value.
  void RecordEventfd(const std::string& label, int efd);
  // A regular file with `content`, opened with flags; aborts if it fails.
  int File(const std::vector<uint8_t>& content, int flags);

 private:
  std::vector<io_event> last_events_;
  uint64_t iocb_area_ = 0;
  size_t iocb_next_ = 0;
};

inline constexpr size_t kIocbAreaSlots = 512;

}  // namespace diff

#endif  // AIOSIM_TESTS_KERNEL_MODEL_DIFFERENTIAL_CASE_KIT_H_
