// The kernel extension's calls, family by family: what they return (the
// raw syscall convention: a count or -errno), and that misuse is a located
// run-time error.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "scenarios/report.h"
#include "tests/scenarios/program_util.h"

namespace scenarios_test {
namespace {

const char kDisk[] =
    "[[device]]\nname = \"sda\"\nkind = \"ramdisk\"\nsize = \"16MiB\"\nmount = \"/data\"\n"
    "[[file]]\npath = \"/data/f\"\nsize = \"64KiB\"\n";

// Runs a body (with the ramdisk and /data/f) and requires every expectation
// to hold.
void ExpectPasses(const std::string& body, const std::string& extra = kDisk) {
  ProgramRun r = RunBody(body, extra);
  INFO(r.status.message());
  REQUIRE(r.status.ok());
  INFO(FormatTextReport(r.report));
  CHECK(r.report.passed());
  CHECK(r.report.expectations_failed() == 0);
}

// The run-time error a body stops with ("t.toml:L:C: message").
std::string RunError(const std::string& body, const std::string& extra = kDisk) {
  ProgramRun r = RunBody(body, extra);
  return r.status.ok() ? "ok" : r.status.message();
}

TEST_CASE("Kernel calls: memory buffers are real user memory", "[kernel_ext]") {
  ExpectPasses(
      "b = alloc(100)\n"
      "expect b.len == 100 && b.addr > 0 && len(b) == 100\n"
      "expect b[0] == 0\n"
      "fill(b, \"xy\")\n"
      "expect b[0] == 0x78 && b[1] == 0x79 && b[99] == 0x79\n"
      "b[5] = 7\n"
      "expect peek(b, off=4, size=2) == 0x0778\n"
      "poke(b, 0x41424344, off=8, size=4)\n"
      "expect text(bytes(b, off=8, len=4)) == \"DCBA\"\n"
      "expect bytes(b, off=2, len=2) == \"xy\"\n"
      "a = alloc(8192, align=4096)\n"
      "expect a.addr % 4096 == 0\n"
      "m = mmap(4096)\n"
      "expect munmap(m) == 0\n"
      "expect munmap(7, len=4096) == -EINVAL");
}

TEST_CASE("Kernel calls: a failed byte comparison names the first differing offset", "[kernel_ext]") {
  ProgramRun r = RunBody("b = alloc(8)\nfill(b, \"abcdefgh\")\nb[3] = 0x5a\nexpect b == \"abcdefgh\"", kDisk);
  REQUIRE(r.status.ok());
  const std::vector<std::string> f = Failures(r.report);
  REQUIRE(f.size() == 1);
  CHECK(f[0].find("(first difference at offset 3: 0x5a vs 0x64)") != std::string::npos);
  ProgramRun len = RunBody("b = alloc(8)\nexpect b == file(\"/data/f\", 0, 4)", kDisk);
  REQUIRE(len.status.ok());
  REQUIRE(Failures(len.report).size() == 1);
  CHECK(Failures(len.report)[0].find("lengths differ: 8 vs 4") != std::string::npos);
}

TEST_CASE("Kernel calls: memory misuse is a located run-time error", "[kernel_ext]") {
  CHECK(RunError("b = alloc(0)") == "t.toml:4:5: alloc: len must be in 1..4GiB, got 0");
  CHECK(RunError("b = alloc(8, align=3)") == "t.toml:4:5: alloc: align must be a power of two, got 3");
  CHECK(RunError("b = alloc(8)\nx = b[8]") == "t.toml:5:6: index 8 out of range for 8 bytes");
  CHECK(RunError("b = alloc(8)\nb[0] = 256") == "t.toml:5:2: a buffer byte must be an int 0..255, got 256");
  CHECK(RunError("b = alloc(8)\nfill(b, \"\")") == "t.toml:5:1: fill: the pattern is an empty string");
  CHECK(RunError("x = bytes(4096)") == "t.toml:4:5: bytes: a plain address needs len=");
  CHECK(RunError("x = peek(16, size=3)") == "t.toml:4:5: peek: size must be 1, 2, 4 or 8, got 3");
  CHECK(RunError("x = peek(16)") == "t.toml:4:5: peek: address 0x10 is not mapped");
  CHECK(RunError("m = mmap(4096)\nmunmap(m)\nx = m[0]").rfind("t.toml:6:6: buffer byte 0 (0x", 0) == 0);
  CHECK(RunError("x = file(\"/data/nope\")") == "t.toml:4:5: file: read of /data/nope: no such file");
  CHECK(RunError("x = fill(\"s\", 1)") == "t.toml:4:5: fill: argument 'buf' must be buffer or int address, got string");
}

TEST_CASE("Kernel calls: file syscalls return what the kernel returns", "[kernel_ext]") {
  ExpectPasses(
      "expect open(\"/data/nope\", O_RDONLY) == -ENOENT\n"
      "fd = open(\"/data/g\", O_RDWR | O_CREAT)\n"
      "expect fd >= 0\n"
      "expect write(fd, \"hello world\") == 11\n"
      "expect lseek(fd, 0, whence=SEEK_CUR) == 11\n"
      "b = alloc(32)\n"
      "expect pread64(fd, b, 5, 6) == 5\n"
      "expect text(bytes(b, len=5)) == \"world\"\n"
      "expect lseek(fd, 0) == 0\n"
      "expect read(fd, b) == 11\n"
      "expect readv(fd, [b]) == 0\n"
      "expect pwritev2(fd, [[b, 5], b], 100) == 37\n"
      "expect preadv2(fd, [[b, 3]], 100) == 3\n"
      "expect ftruncate(fd, 4) == 0\n"
      "expect file(\"/data/g\") == \"hell\"\n"
      "expect fsync(fd) == 0 && fdatasync(fd) == 0\n"
      "d = dup(fd)\n"
      "expect d > fd && close(d) == 0\n"
      "expect (fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDWR\n"
      "expect close(fd) == 0\n"
      "expect close(fd) == -EBADF\n"
      "expect unlink(\"/data/g\") == 0\n"
      "expect open(\"/data/g\", O_RDONLY) == -ENOENT\n"
      "expect truncate(\"/data/f\", 100) == 0\n"
      "expect len(file(\"/data/f\")) == 100\n"
      "expect write(1000, \"x\") == -EBADF\n"
      "expect read(3, 0, len=1) == -EBADF");
  CHECK(RunError("fd = open(\"/data/f\", O_RDONLY)\nread(fd, 4096)") ==
        "t.toml:5:1: read: a plain address needs len=");
  CHECK(RunError("open(1, O_RDONLY)") == "t.toml:4:1: open: argument 'path' must be string, got int");
  CHECK(RunError("readv(0, [5])") == "t.toml:4:1: readv: iovs[0] must be a buffer or [buffer, len], got 5");
}

TEST_CASE("Kernel calls: pipes, socket pairs, eventfd and epoll", "[kernel_ext]") {
  ExpectPasses(
      "p = pipe2()\n"
      "expect len(p) == 2\n"
      "expect write(p[1], \"ping\") == 4\n"
      "b = alloc(8)\n"
      "expect read(p[0], b) == 4 && text(bytes(b, len=4)) == \"ping\"\n"
      "q = pipe2(flags=O_NONBLOCK)\n"
      "expect read(q[0], b) == -EAGAIN\n"
      "expect pipe2(flags=1) == -EINVAL\n"
      "e = eventfd(initval=2)\n"
      "expect eventfd_write(e, 3) == 0 && eventfd_read(e) == 5\n"
      "ep = epoll_create1()\n"
      "expect epoll_ctl(ep, EPOLL_CTL_ADD, p[0], events=EPOLLIN, data=77) == 0\n"
      "expect epoll_ctl(ep, EPOLL_CTL_ADD, p[0], events=EPOLLIN) == -EEXIST\n"
      "expect len(epoll_wait(ep, timeout=0)) == 0\n"
      "write(p[1], \"x\")\n"
      "evs = epoll_wait(ep, maxevents=4)\n"
      "expect len(evs) == 1 && evs[0].data == 77 && evs[0].events & EPOLLIN == EPOLLIN\n"
      "expect epoll_wait(ep, maxevents=0) == -EINVAL\n"
      "s = socketpair(latency=2ms)\n"
      "t = now()\n"
      "expect write(s[0], \"abc\") == 3\n"
      "expect read(s[1], b) == 3\n"
      "expect now() - t == 2ms, \"the link's one-way latency\"",
      "");
  CHECK(RunError("s = socketpair(latency=-1)", "") == "t.toml:4:5: socketpair: latency must be >= 0, got -1");
  CHECK(RunError("e = epoll_wait(3, timeout=-5)", "") ==
        "t.toml:4:5: epoll_wait: timeout must be -1 (none) or a duration >= 0, got -5");
}

TEST_CASE("Kernel calls: a signal interrupts a kernel sleep; a fatal one ends the thread", "[kernel_ext]") {
  const std::string toml =
      "[[process]]\nname = \"app\"\ninit = '''\ntid = 0\np = pipe2()\n'''\n"
      "[[process.thread]]\nname = \"sleeper\"\nbody = '''\n"
      "tid = gettid()\n"
      "expect sigaction(SIGUSR1, 7) == 0\n"
      "ctx = io_setup(4)\n"
      "expect io_getevents(ctx, 1, 1) == -EINTR\n"
      "expect now() == 1ms\n"
      "expect signals_delivered(SIGUSR1) == 1\n"
      "expect io_pgetevents(ctx, 1, 1, timeout=1ms, sigmask=sigmask(SIGUSR1)) == []\n"
      "expect io_pgetevents(ctx, 1, 1, sigmask=0, sigsetsize=4) == -EINVAL\n"
      "b = alloc(4)\n"
      "read(p[0], b)\n"
      "fail(\"unreachable: SIGTERM killed the process\")\n"
      "'''\n"
      "[[process.thread]]\nname = \"sender\"\nbody = '''\n"
      "sleep(1ms)\n"
      "expect tgkill(getpid(), tid, SIGUSR1) == 0\n"
      "sleep(5ms)\n"
      "expect kill(getpid(), SIGTERM) == 0\n"
      "sleep(1ms)\n"
      "expect kill(getpid(), 0) == 0\n"
      "'''\n";
  ProgramRun r = RunToml(toml);
  INFO(r.status.message());
  REQUIRE(r.status.ok());
  INFO(FormatTextReport(r.report));
  CHECK(r.report.status == "idle");
  CHECK(r.report.expectations_failed() == 0);
  CHECK(r.report.end_time_ns == 6000000);  // SIGTERM at 6ms ended both threads and the process
  for (const auto& line : r.report.output) CHECK(line.text != "unreachable");
}

TEST_CASE("Kernel calls: AIO syscalls, iocbs and the ring", "[kernel_ext]") {
  ExpectPasses(
      "expect io_setup(0) == -EINVAL\n"
      "expect io_setup(8, ctxp=BAD_PTR) == -EFAULT\n"
      "w = alloc(8)\n"
      "expect io_setup(8, ctxp=w) == 0 && peek(w) > 0\n"
      "expect io_destroy(peek(w)) == 0\n"
      "ctx = io_setup(8)\n"
      "fd = open(\"/data/f\", O_RDONLY)\n"
      "b = alloc(4096)\n"
      "cb = pread(fd, b, 4096, 0, data=9)\n"
      "expect cb.opcode == IOCB_CMD_PREAD && cb.fd == fd && cb.buf == b.addr && cb.nbytes == 4096 && cb.data == 9\n"
      "bad = iocb(opcode=42)\n"
      "expect io_submit(ctx, [cb, bad, cb]) == 1, \"stops at the first failing iocb\"\n"
      "expect io_submit(ctx, [BAD_PTR]) == -EFAULT\n"
      "expect io_submit(ctx, [noop_iocb()]) == -EINVAL\n"
      "expect io_submit(ctx, [iocb(fd=fd, nbytes=1, buf=b, reserved2=1)]) == -EINVAL\n"
      "expect io_submit(ctx, [cb], nr=-1) == -EINVAL\n"
      "expect io_submit(ctx, [], iocbpp=BAD_PTR, nr=1) == -EFAULT\n"
      "expect io_submit(ctx, []) == 0\n"
      "expect io_getevents(ctx, 2, 1) == -EINVAL\n"
      "evs = io_getevents(ctx, 1, 8, timeout=1ms)\n"
      "expect len(evs) == 1 && evs[0].obj == cb.addr && evs[0].data == 9 && evs[0].res == 4096\n"
      "expect cb == evs[0].obj && event_for(evs, cb).res2 == 0\n"
      "expect b == file(\"/data/f\", 0, 4096)\n"
      "expect io_getevents(ctx, 1, 1, timeout_ptr=BAD_PTR) == -EFAULT\n"
      "r = ring(ctx)\n"
      "expect r.nr == 127 && r.head == 1 && r.tail == 1 && r.magic == 0xa10a10a1\n"
      "expect ring_event(ctx, 0).data == 9\n"
      "v = preadv(fd, [b, [b.addr, 10]], 0, data=3)\n"
      "expect v.nbytes == 2\n"
      "expect io_submit(ctx, [v, aio_fsync(fd), aio_fdsync(fd, data=4)]) == 3\n"
      "evs = io_getevents(ctx, 3, 3)\n"
      "expect event_for(evs, v).res == 4106\n"
      "expect io_destroy(ctx) == 0\n"
      "expect io_destroy(ctx) == -EINVAL\n"
      "expect ring(ctx) == -EFAULT, \"the ring is unmapped\"\n"
      "a = aio_stats(IOCB_CMD_PREAD)\n"
      "expect a.submitted == 1 && a.completed == 1 && a.reaped == 1");
  CHECK(RunError("ctx = io_setup(1)\nio_submit(ctx, [1, \"x\"])") ==
        "t.toml:5:1: io_submit: iocbs[1] must be an iocb or an address (e.g. BAD_PTR), got \"x\"");
  CHECK(RunError("x = io_cancel(1, \"cb\")") ==
        "t.toml:4:5: io_cancel: argument 'iocb' must be iocb or int address, got string");
  CHECK(RunError("cb = noop_iocb()\ncb.opcode = 70000") == "t.toml:5:4: iocb.opcode is 16 bits: 70000 does not fit");
  CHECK(RunError("cb = noop_iocb()\nx = cb.color").rfind("t.toml:5:8: iocb has no field 'color' (fields: addr, data,", 0) ==
        0);
  CHECK(RunError("x = ring_set_head(1, -1)") == "t.toml:4:5: ring_set_head: head is a u32, got -1");
  CHECK(RunError("x = dev_stats(\"sdz\")") == "t.toml:4:5: dev_stats: unknown device 'sdz' (devices: sda)");
}

TEST_CASE("Kernel calls: process exit tears down AIO; nothing leaks", "[kernel_ext]") {
  // The program leaves a context with a pending poll and open fds behind;
  // the exit path (exit_aio, exit_files) cleans up, so the leak checks pass.
  ProgramRun r = RunBody(
      "p = pipe2()\nctx = io_setup(4)\nexpect io_submit(ctx, [poll(p[0], POLLIN)]) == 1\n"
      "fd = open(\"/data/f\", O_RDONLY)",
      kDisk);
  REQUIRE(r.status.ok());
  INFO(FormatTextReport(r.report));
  CHECK(r.report.passed());
  CHECK(r.report.violations.empty());
  const std::string text = FormatTextReport(r.report);
  CHECK(text.find("kernel:\n  design: mainline\n  processes_running: 0\n  aio_leaks: 0\n  files_open: 0\n") !=
        std::string::npos);
}

TEST_CASE("Kernel calls: the report has per-op AIO latencies and device sections", "[kernel_ext]") {
  ProgramRun r = RunBody(
      "fd = open(\"/data/f\", O_RDONLY | O_DIRECT)\nb = alloc(4096, align=4096)\nctx = io_setup(4)\n"
      "expect io_submit(ctx, [pread(fd, b, 4096, 0)]) == 1\nexpect len(io_getevents(ctx, 1, 1)) == 1",
      kDisk);
  REQUIRE(r.status.ok());
  std::vector<std::string> titles;
  for (const auto& s : r.report.sections) titles.push_back(s->title());
  CHECK(titles == std::vector<std::string>{"kernel", "aio", "device sda", "page cache"});
  const std::string json = FormatJsonReport(r.report);
  CHECK(json.find("\"submit_to_complete_p50_ns\"") != std::string::npos);
  CHECK(json.find("\"submit_to_reap_p99_ns\"") != std::string::npos);
  CHECK(json.find("\"utilisation_ppm\"") != std::string::npos);
  const std::string text = FormatTextReport(r.report);
  // ramdisk defaults: 1us + 4096 bytes at 10GB/s.
  CHECK(text.find("  pread:\n    submitted: 1\n    completed: 1\n    failed: 0\n    reaped: 1\n"
                  "    submit_to_complete_p50: 1.410us\n") != std::string::npos);
}

}  // namespace
}  // namespace scenarios_test
