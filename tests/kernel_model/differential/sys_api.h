// The neutral system interface of the AIO differential test: what a case
// may do to "a process on a Linux kernel", implemented twice — by the host
// kernel (host_sys.cc: raw syscalls in a forked child) and by the model
// (model_sys.cc: a simulated process in a Scheduler + Kernel world).
//
// Contract:
// - Addresses are user addresses of the process running the case, as
//   uint64_t: real pointers on the host, simulated addresses in the model.
//   A case never invents an address except the fixed bad ones below.
// - Every syscall method returns what the syscall returns, with failures as
//   -errno (the host side converts -1/errno; the model already speaks it).
// - Observations go to an Obs; a case is compared by its list of
//   observations, position by position. Labels never hold a tab or newline.
// - A case that cannot run on one side calls Skip(reason) (it throws
//   CaseSkipped); a case that cannot go on after a failed step calls
//   Abort(reason) (CaseAborted; the observations so far still count).
#ifndef AIOSIM_TESTS_KERNEL_MODEL_DIFFERENTIAL_SYS_API_H_
#define AIOSIM_TESTS_KERNEL_MODEL_DIFFERENTIAL_SYS_API_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace diff {

// Addresses that are never mapped on either side: the low page below
// vm.mmap_min_addr (never mapped on Linux; below MMAP_BASE in the model),
// and a kernel-half address (outside TASK_SIZE on both).
inline constexpr uint64_t kUnmappedAddr = 0x1000;
inline constexpr uint64_t kKernelAddr = 0xffff888000000000ull;
// An fd number no case ever opens (both fd tables hold far fewer files).
inline constexpr int kClosedFd = 999;

struct Observation {
  std::string label;
  int64_t value = 0;
};

class Obs {
 public:
  // Called for every observation as it is added (the host child streams
  // them to its parent, so a crash keeps what came before).
  std::function<void(const Observation&)> sink;

  void Add(std::string label, int64_t value) {
    Observation o{std::move(label), value};
    if (sink) sink(o);
    list_.push_back(std::move(o));
  }
  const std::vector<Observation>& list() const { return list_; }

 private:
  std::vector<Observation> list_;
};

struct CaseSkipped {
  std::string reason;
};
struct CaseAborted {
  std::string reason;
};

class SysApi {
 public:
  virtual ~SysApi() = default;
  virtual const char* Side() const = 0;  // "host" or "model"

  // --- user memory of the process running the case ---
  // Fresh zeroed read-write memory, page aligned.
  virtual uint64_t Alloc(size_t len) = 0;
  // Copies into / out of memory that Alloc returned (never a bad address).
  virtual void Poke(uint64_t addr, const void* src, size_t n) = 0;
  virtual void Peek(uint64_t addr, void* dst, size_t n) = 0;
  // mprotect(2) and mremap(2) on that memory (or on the AIO ring): 0 / the
  // new address, or -errno.
  virtual long Mprotect(uint64_t addr, size_t len, int prot) = 0;
  virtual long Mremap(uint64_t old_addr, size_t old_len, size_t new_len, int flags,
                      uint64_t new_addr) = 0;

  // --- syscalls: the result, or -errno ---
  virtual long IoSetup(unsigned nr_events, uint64_t ctxp) = 0;
  virtual long IoDestroy(uint64_t ctx) = 0;
  virtual long IoSubmit(uint64_t ctx, long nr, uint64_t iocbpp) = 0;
  virtual long IoCancel(uint64_t ctx, uint64_t iocb, uint64_t result) = 0;
  virtual long IoGetevents(uint64_t ctx, long min_nr, long nr, uint64_t events,
                           uint64_t timeout) = 0;
  virtual long IoPgetevents(uint64_t ctx, long min_nr, long nr, uint64_t events, uint64_t timeout,
                            uint64_t usig) = 0;
  virtual long Pipe2(uint64_t fds, int flags) = 0;
  virtual long Eventfd2(unsigned initval, int flags) = 0;
  virtual long Read(int fd, uint64_t buf, size_t n) = 0;
  virtual long Write(int fd, uint64_t buf, size_t n) = 0;
  virtual long Close(int fd) = 0;
  // A fresh regular file holding `content` (written and synced through the
  // page cache), opened with `flags` (an access mode plus O_DIRECT and the
  // like). Returns the fd or -errno of the final open. The file has no name
  // left once opened (unlinked), so it goes with its last close.
  virtual long OpenFile(const std::vector<uint8_t>& content, int flags) = 0;
  // fork(): runs `child` in a child process (a copy of this one's memory;
  // its own observations are recorded in order), waits for it, and returns
  // its wait status, or -errno if the fork failed.
  virtual long ForkAndWait(const std::function<void()>& child) = 0;

  // --- facts of the kernel under test ---
  virtual unsigned NrPossibleCpus() = 0;  // num_possible_cpus()
  virtual unsigned long AioMaxNr() = 0;   // /proc/sys/fs/aio-max-nr
};

}  // namespace diff

#endif  // AIOSIM_TESTS_KERNEL_MODEL_DIFFERENTIAL_SYS_API_H_
