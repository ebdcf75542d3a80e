#include "tests/kernel_model/differential/model_runner.h"

#include <sys/mman.h>

#include <memory>
#include <string>
#include <utility>

#include "devices/ramdisk.h"
#include "kernel_model/aio.h"
#include "kernel_model/eventfd.h"
#include "kernel_model/kernel.h"
#include "kernel_model/mm.h"
#include "kernel_model/pipe.h"
#include "kernel_model/read_write.h"
#include "kernel_model/sched.h"
#include "kernel_model/signal.h"
#include "kernel_model/vfs_namei.h"
#include "kernel_model/vfs_setup.h"
#include "sim/scheduler.h"

namespace diff {
namespace {

using kernel::do_syscall;

class ModelSys : public SysApi {
 public:
  const char* Side() const override { return "model"; }

  uint64_t Alloc(size_t len) override {
    long a = kernel::sys_mmap(0, len ? len : 1, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                              -1, 0);
    if (a < 0) throw CaseAborted{"model mmap failed: " + std::to_string(a)};
    return static_cast<uint64_t>(a);
  }
  void Poke(uint64_t addr, const void* src, size_t n) override {
    if (kernel::copy_to_user(addr, src, n) != 0)
      throw CaseAborted{"model: writing user memory at " + std::to_string(addr) + " faulted"};
  }
  void Peek(uint64_t addr, void* dst, size_t n) override {
    if (kernel::copy_from_user(dst, addr, n) != 0)
      throw CaseAborted{"model: reading user memory at " + std::to_string(addr) + " faulted"};
  }

  long Mprotect(uint64_t addr, size_t len, int prot) override {
    return do_syscall(
        [&] { return kernel::sys_mprotect(addr, len, static_cast<unsigned long>(prot)); });
  }
  long Mremap(uint64_t old_addr, size_t old_len, size_t new_len, int flags,
              uint64_t new_addr) override {
    return do_syscall([&] {
      return kernel::sys_mremap(old_addr, old_len, new_len, static_cast<unsigned long>(flags),
                                new_addr);
    });
  }

  long IoSetup(unsigned nr_events, uint64_t ctxp) override {
    return do_syscall([&] { return kernel::sys_io_setup(nr_events, ctxp); });
  }
  long IoDestroy(uint64_t ctx) override {
    return do_syscall([&] { return kernel::sys_io_destroy(ctx); });
  }
  long IoSubmit(uint64_t ctx, long nr, uint64_t iocbpp) override {
    return do_syscall([&] { return kernel::sys_io_submit(ctx, nr, iocbpp); });
  }
  long IoCancel(uint64_t ctx, uint64_t iocb, uint64_t result) override {
    return do_syscall([&] { return kernel::sys_io_cancel(ctx, iocb, result); });
  }
  long IoGetevents(uint64_t ctx, long min_nr, long nr, uint64_t events, uint64_t timeout) override {
    return do_syscall([&] { return kernel::sys_io_getevents(ctx, min_nr, nr, events, timeout); });
  }
  long IoPgetevents(uint64_t ctx, long min_nr, long nr, uint64_t events, uint64_t timeout,
                    uint64_t usig) override {
    return do_syscall(
        [&] { return kernel::sys_io_pgetevents(ctx, min_nr, nr, events, timeout, usig); });
  }
  long Pipe2(uint64_t fds, int flags) override {
    return do_syscall([&] { return kernel::sys_pipe2(fds, flags); });
  }
  long Eventfd2(unsigned initval, int flags) override {
    return do_syscall([&] { return kernel::sys_eventfd2(initval, flags); });
  }
  long Read(int fd, uint64_t buf, size_t n) override {
    return do_syscall([&] { return kernel::sys_read(static_cast<unsigned>(fd), buf, n); });
  }
  long Write(int fd, uint64_t buf, size_t n) override {
    return do_syscall([&] { return kernel::sys_write(static_cast<unsigned>(fd), buf, n); });
  }
  long Close(int fd) override {
    return do_syscall([&] { return kernel::sys_close(static_cast<unsigned>(fd)); });
  }

  // The same steps as the host side: create, write, fsync, close, reopen
  // with the case's flags, unlink.
  long OpenFile(const std::vector<uint8_t>& content, int flags) override {
    std::string path = "/tmp/aio_diff_" + std::to_string(++files_);
    long fd = do_syscall([&] { return kernel::sys_open(path, O_CREAT | O_EXCL | O_RDWR, 0600); });
    if (fd < 0) return fd;
    unsigned ufd = static_cast<unsigned>(fd);
    if (!content.empty()) {
      uint64_t buf = Alloc(content.size());
      Poke(buf, content.data(), content.size());
      size_t off = 0;
      while (off < content.size()) {
        long w = do_syscall([&] {
          return kernel::sys_pwrite64(ufd, buf + off, content.size() - off,
                                      static_cast<kernel::loff_t>(off));
        });
        if (w <= 0) {
          do_syscall([&] { return kernel::sys_close(ufd); });
          do_syscall([&] { return kernel::sys_unlink(path); });
          return w < 0 ? w : -EIO;
        }
        off += static_cast<size_t>(w);
      }
    }
    do_syscall([&] { return kernel::sys_fsync(ufd); });
    do_syscall([&] { return kernel::sys_close(ufd); });
    long r = do_syscall([&] { return kernel::sys_open(path, flags, 0); });
    do_syscall([&] { return kernel::sys_unlink(path); });
    return r;
  }

  long ForkAndWait(const std::function<void()>& child) override {
    kernel::task_struct* t =
        kernel::fork_process(kernel::current(), "diff-child", [&child]() -> int {
          try {
            child();
          } catch (const CaseAborted&) {
            return 1;
          } catch (const CaseSkipped&) {
            return 2;
          }
          return 0;
        });
    if (!t) return -EAGAIN;
    uint64_t st = Alloc(8);
    long r = do_syscall([&] { return kernel::sys_wait4(t->pid, st, 0, 0); });
    if (r < 0) return r;
    int status = 0;
    Peek(st, &status, sizeof(status));
    return status;
  }

  unsigned NrPossibleCpus() override { return kernel::Kernel::Current()->opts.nr_cpus; }
  unsigned long AioMaxNr() override { return kernel::aio_max_nr(); }

 private:
  int files_ = 0;
};

// A small ramdisk with simplefs at /tmp, for the regular-file cases.
std::string SetUpStorage(sim::Scheduler& sched) {
  devices::RamdiskParams p;
  p.capacity_bytes = int64_t{64} << 20;
  std::unique_ptr<devices::Ramdisk> rd;
  sim::Status s = devices::Ramdisk::Create(sched, "ram0", p, &rd);
  if (!s.ok()) return "ramdisk: " + s.message();
  s = kernel::add_disk(std::move(rd), kernel::blk_queue_config{});
  if (!s.ok()) return "add_disk: " + s.message();
  s = kernel::mount_simplefs("ram0", "/tmp", kernel::simplefs_options{});
  if (!s.ok()) return "mount_simplefs: " + s.message();
  return "";
}

}  // namespace

Outcome RunOnModel(const DiffCase& c, const ModelConfig& cfg) {
  Outcome out;
  Obs obs;  // outlives the fibers: a run that breaks keeps what was seen
  sim::SchedulerOptions so;
  so.seed = cfg.seed;
  so.time_limit = 3600 * sim::kSecond;
  so.step_limit = 50'000'000;
  sim::Scheduler sched(so);
  {
    kernel::KernelOptions ko;
    ko.nr_cpus = cfg.nr_cpus;
    kernel::Kernel k(sched, ko);
    kernel::aio_get_state();
    kernel::set_aio_max_nr(cfg.aio_max_nr);
    std::string storage_error = SetUpStorage(sched);
    if (!storage_error.empty()) {
      out.error = "model storage set-up failed: " + storage_error;
      return out;
    }
    bool finished = false;
    kernel::task_struct* task = kernel::create_process("diff", [&]() -> int {
      ModelSys sys;
      try {
        RunCase(c, sys, obs);
      } catch (const CaseSkipped& s) {
        out.skipped = true;
        out.skip_reason = s.reason;
      } catch (const CaseAborted& a) {
        out.aborted = true;
        out.abort_reason = a.reason;
      }
      finished = true;
      return 0;
    });
    // The flusher's periodic timer keeps the event queue busy, so the run is
    // ended by a watcher: once the process has exited, give deferred work
    // (free_ioctx on system_wq, delayed fput) one virtual second, then stop.
    sched.Spawn("diff-watcher", [&] {
      while (!task->exit_state) sched.SleepFor(10 * sim::kMillisecond);
      sched.SleepFor(sim::kSecond);
      sched.Stop("case finished");
    });
    sim::RunResult rr = sched.Run();
    size_t leaks = 0;
    if (finished && rr.status == sim::RunStatus::kStopped) leaks = kernel::aio_check_leaks();
    std::string err;
    if (!finished) err += "the process never finished the case; ";
    if (rr.status != sim::RunStatus::kStopped && rr.status != sim::RunStatus::kIdle) {
      err += "run ended with " + std::string(sim::RunStatusName(rr.status));
      if (!rr.stop_reason.empty()) err += " (" + rr.stop_reason + ")";
      for (const sim::BlockedFiber& b : rr.blocked)
        err += "; blocked: " + b.name + " on " + b.waits_on;
      err += "; ";
    }
    for (const sim::ViolationReport& v : sched.violations())
      err += "violation at " + sim::FormatTime(v.time) + " in " + v.task + ": " + v.message + "; ";
    if (leaks) err += std::to_string(leaks) + " AIO objects leaked; ";
    out.error = err;
  }
  out.obs = obs.list();
  return out;
}

}  // namespace diff
