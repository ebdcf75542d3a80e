#include "tests/kernel_model/differential/host_runner.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

namespace diff {
namespace {

long Sys(long r) { return r == -1 ? -errno : r; }

std::string ScratchPath() {
  const char* dir = std::getenv("TEST_TMPDIR");
  return dir && *dir ? dir : "/tmp";
}

// Writes all of s to fd (the child's observation pipe).
void WriteAll(int fd, const std::string& s) {
  size_t off = 0;
  while (off < s.size()) {
    ssize_t w = ::write(fd, s.data() + off, s.size() - off);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return;
    off += static_cast<size_t>(w);
  }
}

std::string OneLine(std::string s) {
  for (char& ch : s)
    if (ch == '\n' || ch == '\t') ch = ' ';
  return s;
}

class HostSys : public SysApi {
 public:
  const char* Side() const override { return "host"; }

  uint64_t Alloc(size_t len) override {
    size_t n = (len + 4095) & ~size_t{4095};
    void* p =
        ::mmap(nullptr, n ? n : 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw CaseAborted{"host mmap failed"};
    return reinterpret_cast<uint64_t>(p);
  }
  void Poke(uint64_t addr, const void* src, size_t n) override {
    std::memcpy(reinterpret_cast<void*>(addr), src, n);
  }
  void Peek(uint64_t addr, void* dst, size_t n) override {
    std::memcpy(dst, reinterpret_cast<const void*>(addr), n);
  }

  long Mprotect(uint64_t addr, size_t len, int prot) override {
    return Sys(::syscall(SYS_mprotect, addr, len, prot));
  }
  long Mremap(uint64_t old_addr, size_t old_len, size_t new_len, int flags,
              uint64_t new_addr) override {
    return Sys(::syscall(SYS_mremap, old_addr, old_len, new_len, flags, new_addr));
  }

  long IoSetup(unsigned nr_events, uint64_t ctxp) override {
    return Sys(::syscall(SYS_io_setup, nr_events, ctxp));
  }
  long IoDestroy(uint64_t ctx) override { return Sys(::syscall(SYS_io_destroy, ctx)); }
  long IoSubmit(uint64_t ctx, long nr, uint64_t iocbpp) override {
    return Sys(::syscall(SYS_io_submit, ctx, nr, iocbpp));
  }
  long IoCancel(uint64_t ctx, uint64_t iocb, uint64_t result) override {
    return Sys(::syscall(SYS_io_cancel, ctx, iocb, result));
  }
  long IoGetevents(uint64_t ctx, long min_nr, long nr, uint64_t events, uint64_t timeout) override {
    return Sys(::syscall(SYS_io_getevents, ctx, min_nr, nr, events, timeout));
  }
  long IoPgetevents(uint64_t ctx, long min_nr, long nr, uint64_t events, uint64_t timeout,
                    uint64_t usig) override {
    return Sys(::syscall(SYS_io_pgetevents, ctx, min_nr, nr, events, timeout, usig));
  }
  long Pipe2(uint64_t fds, int flags) override { return Sys(::syscall(SYS_pipe2, fds, flags)); }
  long Eventfd2(unsigned initval, int flags) override {
    return Sys(::syscall(SYS_eventfd2, initval, flags));
  }
  long Read(int fd, uint64_t buf, size_t n) override {
    return Sys(::syscall(SYS_read, fd, buf, n));
  }
  long Write(int fd, uint64_t buf, size_t n) override {
    return Sys(::syscall(SYS_write, fd, buf, n));
  }
  long Close(int fd) override { return Sys(::syscall(SYS_close, fd)); }

  long OpenFile(const std::vector<uint8_t>& content, int flags) override {
    std::string path =
        ScratchPath() + "/aio_diff_" + std::to_string(::getpid()) + "_" + std::to_string(++files_);
    int fd = ::open(path.c_str(), O_CREAT | O_EXCL | O_RDWR, 0600);
    if (fd < 0) return -errno;
    size_t off = 0;
    while (off < content.size()) {
      ssize_t w = ::write(fd, content.data() + off, content.size() - off);
      if (w <= 0) {
        int e = errno;
        ::close(fd);
        ::unlink(path.c_str());
        return -e;
      }
      off += static_cast<size_t>(w);
    }
    ::fsync(fd);
    ::close(fd);
    long r = Sys(::open(path.c_str(), flags));
    ::unlink(path.c_str());
    return r;
  }

  long ForkAndWait(const std::function<void()>& child) override {
    pid_t pid = ::fork();
    if (pid < 0) return -errno;
    if (pid == 0) {
      ::alarm(10);
      int code = 0;
      try {
        child();
      } catch (const CaseAborted&) {
        code = 1;
      } catch (const CaseSkipped&) {
        code = 2;
      }
      ::_exit(code);
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
      if (errno != EINTR) return -errno;
    }
    return status;
  }

  unsigned NrPossibleCpus() override { return HostPossibleCpus(); }
  unsigned long AioMaxNr() override { return HostAioMaxNr(); }

 private:
  int files_ = 0;
};

// Pins the calling process to the lowest CPU it may run on.
void PinToOneCpu() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof(set), &set) != 0) return;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (CPU_ISSET(cpu, &set)) {
      cpu_set_t one;
      CPU_ZERO(&one);
      CPU_SET(cpu, &one);
      ::sched_setaffinity(0, sizeof(one), &one);
      return;
    }
  }
}

std::string DescribeStatus(int status, unsigned time_limit_s) {
  if (WIFSIGNALED(status)) {
    int sig = WTERMSIG(status);
    if (sig == SIGALRM) return "timed out after " + std::to_string(time_limit_s) + " s";
    return "killed by signal " + std::to_string(sig) + " (" + strsignal(sig) + ")";
  }
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  return "ended with wait status " + std::to_string(status);
}

std::string ReadAll(int fd) {
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t r = ::read(fd, buf, sizeof(buf));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    out.append(buf, static_cast<size_t>(r));
  }
  return out;
}

}  // namespace

unsigned HostPossibleCpus() {
  std::ifstream f("/sys/devices/system/cpu/possible");
  std::string s;
  if (f && std::getline(f, s) && !s.empty()) {
    unsigned n = 0;
    std::stringstream ss(s);
    std::string part;
    while (std::getline(ss, part, ',')) {
      size_t dash = part.find('-');
      unsigned a = static_cast<unsigned>(std::stoul(part.substr(0, dash)));
      unsigned b =
          dash == std::string::npos ? a : static_cast<unsigned>(std::stoul(part.substr(dash + 1)));
      n += b - a + 1;
    }
    if (n) return n;
  }
  long c = ::sysconf(_SC_NPROCESSORS_CONF);
  return c > 0 ? static_cast<unsigned>(c) : 1;
}

std::string HostScratchDir() {
  std::string dir = ScratchPath();
  struct statfs st;
  if (::statfs(dir.c_str(), &st) != 0) return dir + " (statfs failed)";
  switch (static_cast<unsigned long>(st.f_type)) {
    case 0xEF53:
      return dir + " (ext2/3/4)";
    case 0x01021994:
      return dir + " (tmpfs)";
    case 0x58465342:
      return dir + " (xfs)";
    case 0x9123683E:
      return dir + " (btrfs)";
    case 0x794c7630:
      return dir + " (overlayfs)";
    default: {
      char hex[32];
      std::snprintf(hex, sizeof(hex), "0x%lx", static_cast<unsigned long>(st.f_type));
      return dir + " (file system magic " + hex + ")";
    }
  }
}

unsigned long HostAioMaxNr() {
  std::ifstream f("/proc/sys/fs/aio-max-nr");
  unsigned long v = 0;
  if (f >> v) return v;
  return 65536;  // the kernel's default
}

std::string HostAioUnavailable() {
  int p[2];
  if (::pipe(p) != 0) return std::string("pipe failed: ") + strerror(errno);
  pid_t pid = ::fork();
  if (pid < 0) return std::string("fork failed: ") + strerror(errno);
  if (pid == 0) {
    ::close(p[0]);
    ::alarm(10);
    uint64_t ctx = 0;
    long r = ::syscall(SYS_io_setup, 1, &ctx);
    int e = r == 0 ? 0 : errno;
    if (r == 0) ::syscall(SYS_io_destroy, ctx);
    WriteAll(p[1], std::to_string(e));
    ::_exit(0);
  }
  ::close(p[1]);
  std::string got = ReadAll(p[0]);
  ::close(p[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || got.empty())
    return "host io_setup probe " + DescribeStatus(status, 10) + " (seccomp?)";
  int e = std::atoi(got.c_str());
  if (e == 0) return "";
  return std::string("host io_setup failed: ") + strerror(e) + " (errno " + std::to_string(e) + ")";
}

Outcome RunOnHost(const DiffCase& c, unsigned time_limit_s) {
  Outcome out;
  int p[2];
  if (::pipe(p) != 0) {
    out.error = std::string("pipe failed: ") + strerror(errno);
    return out;
  }
  pid_t pid = ::fork();
  if (pid < 0) {
    out.error = std::string("fork failed: ") + strerror(errno);
    ::close(p[0]);
    ::close(p[1]);
    return out;
  }
  if (pid == 0) {
    ::close(p[0]);
    ::alarm(time_limit_s);
    PinToOneCpu();
    if (::fcntl(kClosedFd, F_GETFD) >= 0) ::close(kClosedFd);
    int wfd = p[1];
    HostSys sys;
    Obs obs;
    obs.sink = [wfd](const Observation& o) {
      WriteAll(wfd, OneLine(o.label) + "\t" + std::to_string(o.value) + "\n");
    };
    try {
      RunCase(c, sys, obs);
    } catch (const CaseSkipped& s) {
      WriteAll(wfd, "#skip\t" + OneLine(s.reason) + "\n");
    } catch (const CaseAborted& a) {
      WriteAll(wfd, "#abort\t" + OneLine(a.reason) + "\n");
    }
    WriteAll(wfd, "#done\n");
    ::_exit(0);
  }
  ::close(p[1]);
  std::string text = ReadAll(p[0]);
  ::close(p[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  bool done = false;
  std::stringstream ss(text);
  std::string line;
  while (std::getline(ss, line)) {
    size_t tab = line.find('\t');
    std::string head = line.substr(0, tab);
    std::string rest = tab == std::string::npos ? "" : line.substr(tab + 1);
    if (head == "#done") {
      done = true;
    } else if (head == "#skip") {
      out.skipped = true;
      out.skip_reason = rest;
    } else if (head == "#abort") {
      out.aborted = true;
      out.abort_reason = rest;
    } else if (tab != std::string::npos) {
      out.obs.push_back({head, std::stoll(rest)});
    }
  }
  if (!done || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
    out.error = "host child " + DescribeStatus(status, time_limit_s) +
                (done ? "" : " before finishing the case");
  return out;
}

}  // namespace diff
