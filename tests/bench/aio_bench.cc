// aio_bench: host cost of simulated Linux AIO, for docs/performance.md.
//
//   bazel run //tests/bench:aio_bench              (-c opt is the default)
//   bazel run //tests/bench:aio_bench -- --quick   (fewer iocbs, a smoke run)
//
// Figures:
// 1. dio-randread-qd32: 4 KiB random O_DIRECT reads of a 64 MiB file on a
//    ramdisk (simplefs), kept at queue depth 32 by one process: submit in
//    batches, io_getevents(min 1), resubmit what completed. Everything in
//    the path is simulated: io_submit, the block layer (mq-deadline), the
//    device model, bi_end_io in interrupt context, aio_complete, the reap.
//    Reported as simulated iocbs per host CPU second (target >= 10^6, i.e.
//    submit + complete + reap < 1 us each).
//    The "batching" line under each loop figure says how the loop's
//    syscalls shared out the iocbs: syscalls take no virtual time and each
//    read completes at its own instant, so at queue depth 32 this loop
//    settles at one iocb per io_submit and one event per io_getevents,
//    which blocks every time.
//    Figure 1b is the same loop over a 2 MiB file, which stays in the host's
//    caches: the simulator's own cost without the host's memory latency
//    for the data copy (a diagnostic beside figure 1, not a target).
//    Figure 1c ("sweep") runs it over 4, 8, 16 and 32 MiB files, between 1b
//    and 1: where the cost starts to grow says which host resource it is
//    (past the core's L2, data the prefetches must hide; past 8 MiB, more
//    4 KiB pages than the second-level TLB maps; docs/performance.md).
// 2. aio-layer: the same loop on a POLL of an always-ready eventfd: the AIO
//    layer alone (syscalls, refcounts, ring) without the block layer.
// 3. memory per in-flight iocb: heap bytes (glibc mallinfo2) held per
//    O_DIRECT read in flight (1024 in flight on a slow ramdisk): the
//    aio_kiocb plus what the block layer and the direct-I/O code hold for
//    it (the dio with its pin of the user buffer, the bio, the request; the
//    device writes into the pinned user memory, so no data buffer is held);
//    and sizeof-based bytes of the aio_kiocb alone.
//
// Times are the thread's CPU time (CLOCK_THREAD_CPUTIME_ID), as sim_bench.
// This binary reads the host clock: it measures the simulator, it is not
// part of a run. Each figure is the median of several repetitions, printed
// with their range in brackets.
#include <malloc.h>

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <memory>
#include <string>
#include <vector>

#include "devices/ramdisk.h"
#include "kernel_model/aio.h"
#include "kernel_model/aio_user.h"
#include "kernel_model/eventfd.h"
#include "kernel_model/kernel.h"
#include "kernel_model/mm.h"
#include "kernel_model/read_write.h"
#include "kernel_model/sched.h"
#include "kernel_model/vfs_namei.h"
#include "kernel_model/vfs_setup.h"
#include "sim/prng.h"
#include "sim/scheduler.h"

namespace {

using kernel::user_ptr;

double CpuNs() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

void Die(const std::string& what) {
  std::fprintf(stderr, "aio_bench: %s\n", what.c_str());
  std::exit(2);
}

void Check(const sim::Status& s) {
  if (!s.ok()) Die(s.message());
}

constexpr int kQueueDepth = 32;
constexpr int64_t kFileBytes = 64 << 20;
constexpr int64_t kHotFileBytes = 2 << 20;

// One world: a ramdisk with simplefs and a file of file_bytes (64 MiB).
struct Bench {
  Bench(int64_t latency_ns, int64_t qd_max, int64_t file_bytes = kFileBytes) : kernel(sched) {
    devices::RamdiskParams p;
    p.capacity_bytes = int64_t{256} << 20;
    p.access_latency_ns = latency_ns;
    p.queue_depth_max = qd_max;
    std::unique_ptr<devices::Ramdisk> rd;
    Check(devices::Ramdisk::Create(sched, "ram0", p, &rd));
    kernel::blk_queue_config cfg;
    Check(kernel::add_disk(std::move(rd), cfg));
    Check(kernel::mount_simplefs("ram0", "/data", {}));
    kernel::file_spec f;
    f.path = "/data/f";
    f.size = file_bytes;
    Check(kernel::create_file(f));
  }
  sim::Scheduler sched;
  kernel::Kernel kernel;
};

user_ptr Map(size_t len) {
  long a = kernel::sys_mmap(0, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (a <= 0) Die("mmap failed");
  return static_cast<user_ptr>(a);
}

kernel::aio_context_t SetupCtx(unsigned nr) {
  user_ptr ctxp = Map(4096);
  if (kernel::sys_io_setup(nr, ctxp) != 0) Die("io_setup failed");
  uint64_t ctx = 0;
  kernel::copy_from_user(&ctx, ctxp, 8);
  return ctx;
}

// How the loop's syscalls batched, summed over runs: iocbs per io_submit,
// events per io_getevents. Printed beside figure 1, so that its per-iocb
// cost can be read against the syscall work it shares out.
struct Batching {
  long submits = 0, getevents = 0, iocbs = 0;
};

// The submit/reap loop shared by figures 1 and 2. make(i) fills iocb slot i.
// Adds its syscall counts to *batching.
template <typename Make>
void QdLoop(kernel::aio_context_t ctx, long total, Batching* batching, Make&& make) {
  user_ptr iocbs = Map(kQueueDepth * kernel::IOCB_SIZE);
  user_ptr ptrs = Map(kQueueDepth * 8);
  user_ptr evs = Map(kQueueDepth * kernel::IO_EVENT_SIZE);
  std::vector<int> free_slots;
  for (int i = 0; i < kQueueDepth; ++i) free_slots.push_back(i);
  long submitted = 0, completed = 0;
  while (completed < total) {
    int n = 0;
    while (!free_slots.empty() && submitted + n < total) {
      int slot = free_slots.back();
      free_slots.pop_back();
      kernel::iocb cb = make(slot);
      cb.aio_data = static_cast<uint64_t>(slot);
      user_ptr at = iocbs + static_cast<user_ptr>(slot) * kernel::IOCB_SIZE;
      kernel::aio_user_put_iocb(at, cb);
      kernel::copy_to_user(ptrs + 8 * static_cast<user_ptr>(n), &at, 8);
      ++n;
    }
    if (n) {
      long r = kernel::sys_io_submit(ctx, n, ptrs);
      if (r != n) Die("io_submit returned " + std::to_string(r));
      submitted += n;
      ++batching->submits;
    }
    long got = kernel::sys_io_getevents(ctx, 1, kQueueDepth, evs, 0);
    if (got <= 0) Die("io_getevents returned " + std::to_string(got));
    for (long i = 0; i < got; ++i) {
      kernel::io_event ev;
      kernel::copy_from_user(&ev, evs + static_cast<user_ptr>(i) * kernel::IO_EVENT_SIZE, 32);
      if (ev.res < 0) Die("an iocb failed: " + std::to_string(ev.res));
      free_slots.push_back(static_cast<int>(ev.data));
    }
    completed += got;
    ++batching->getevents;
  }
  batching->iocbs += total;
}

// Figures 1 and 1b: ns of host CPU per iocb.
double DioRandRead(long total, int64_t file_bytes, Batching* batching) {
  Bench b(/*latency_ns=*/1000, /*qd_max=*/256, file_bytes);
  double t = 0;
  kernel::create_process("fio", [&] {
    kernel::aio_context_t ctx = SetupCtx(64);
    long fd = kernel::sys_open("/data/f", O_RDONLY | O_DIRECT, 0);
    if (fd < 0) Die("open failed");
    user_ptr bufs = Map(kQueueDepth * 4096);
    sim::Prng rng = sim::Prng(7).Fork("bench.offsets");
    double t0 = CpuNs();
    QdLoop(ctx, total, batching, [&](int slot) {
      long long off = static_cast<long long>(rng.Uniform(static_cast<uint64_t>(file_bytes / 4096))) * 4096;
      return kernel::io_prep_pread(static_cast<int>(fd), bufs + static_cast<user_ptr>(slot) * 4096,
                                   4096, off);
    });
    t = CpuNs() - t0;
    kernel::sys_io_destroy(ctx);
    return 0;
  });
  b.sched.Run();
  return t / static_cast<double>(total);
}

// Figure 2: the AIO layer alone.
double PollReady(long total, Batching* batching) {
  sim::Scheduler sched;
  kernel::Kernel k(sched);
  double t = 0;
  kernel::create_process("poller", [&] {
    kernel::aio_context_t ctx = SetupCtx(64);
    long efd = kernel::sys_eventfd2(1, 0);  // counter 1: always readable
    double t0 = CpuNs();
    QdLoop(ctx, total, batching, [&](int) { return kernel::io_prep_poll(static_cast<int>(efd), POLLIN); });
    t = CpuNs() - t0;
    kernel::sys_io_destroy(ctx);
    return 0;
  });
  sched.Run();
  return t / static_cast<double>(total);
}

// Figure 3: heap bytes per O_DIRECT read in flight.
double BytesPerInflight(int inflight) {
  Bench b(/*latency_ns=*/sim::kSecond, /*qd_max=*/4096);
  double per = 0;
  kernel::create_process("hold", [&] {
    kernel::aio_context_t ctx = SetupCtx(static_cast<unsigned>(inflight));
    long fd = kernel::sys_open("/data/f", O_RDONLY | O_DIRECT, 0);
    user_ptr bufs = Map(static_cast<size_t>(inflight) * 4096);
    user_ptr iocbs = Map(static_cast<size_t>(inflight) * kernel::IOCB_SIZE);
    user_ptr ptrs = Map(static_cast<size_t>(inflight) * 8);
    for (int i = 0; i < inflight; ++i) {
      // Scattered offsets: no two requests merge.
      kernel::iocb cb =
          kernel::io_prep_pread(static_cast<int>(fd), bufs + static_cast<user_ptr>(i) * 4096, 4096,
                                static_cast<long long>(i) * 2 * 4096);
      user_ptr at = iocbs + static_cast<user_ptr>(i) * kernel::IOCB_SIZE;
      kernel::aio_user_put_iocb(at, cb);
      kernel::copy_to_user(ptrs + 8 * static_cast<user_ptr>(i), &at, 8);
    }
    // Every request allocates afresh: this Kernel's dio cache starts empty.
    struct mallinfo2 before = mallinfo2();
    long r = kernel::sys_io_submit(ctx, inflight, ptrs);
    struct mallinfo2 after = mallinfo2();
    if (r != inflight) Die("io_submit (memory) returned " + std::to_string(r));
    per = static_cast<double>(after.uordblks - before.uordblks) / inflight;
    kernel::sys_io_destroy(ctx);
    return 0;
  });
  b.sched.Run();
  return per;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// " [min-max]" of the repetitions, when there were several: on a shared
// machine a wide spread says the median is not to be trusted alone.
std::string Spread(const std::vector<double>& v) {
  if (v.size() < 2) return "";
  auto [lo, hi] = std::minmax_element(v.begin(), v.end());
  char buf[64];
  std::snprintf(buf, sizeof(buf), " [%.0f-%.0f]", *lo, *hi);
  return buf;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string usage = "usage: aio_bench [--quick] [--only=dio|dio-hot|sweep|poll|mem]";
  bool quick = false;
  std::string only;  // --only=dio|dio-hot|sweep|poll|mem: one figure (for profiling)
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--quick") {
      quick = true;
    } else if (a.rfind("--only=", 0) == 0) {
      only = a.substr(7);
      if (only != "dio" && only != "dio-hot" && only != "sweep" && only != "poll" && only != "mem") {
        Die("unknown figure '" + only + "' in --only; " + usage);
      }
    } else {
      Die("unknown argument '" + a + "'; " + usage);
    }
  }
  const long total = quick ? 20000 : 200000;
  const int reps = quick ? 1 : 5;
  spdlog::set_level(spdlog::level::warn);
  auto wanted = [&](const char* figure) { return only.empty() || only == figure; };
  auto repeat = [&](auto&& run) {
    std::vector<double> v;
    for (int i = 0; i < reps; ++i) v.push_back(run());
    return v;
  };
  // A figure of the submit/reap loop, and how its syscalls batched.
  auto print_rate = [](const char* label, const std::vector<double>& v, const Batching& b,
                       const char* what) {
    const double ns = Median(v);
    std::printf("  %-18s %8.0f ns/iocb  %10.0f iocbs/s  (%s)%s\n", label, ns, 1e9 / ns, what,
                Spread(v).c_str());
    std::printf("  %-18s %8.1f iocbs per io_submit, %.1f events per io_getevents\n", "  batching",
                static_cast<double>(b.iocbs) / static_cast<double>(b.submits),
                static_cast<double>(b.iocbs) / static_cast<double>(b.getevents));
  };

  std::printf("aio_bench (%ld iocbs per repetition, median of %d)\n", total, reps);
  if (wanted("dio")) {
    Batching b;
    print_rate("dio-randread-qd32", repeat([&] { return DioRandRead(total, kFileBytes, &b); }), b,
               "4 KiB O_DIRECT, ramdisk, simplefs");
  }
  if (wanted("dio-hot")) {
    Batching b;
    print_rate("... 2 MiB file", repeat([&] { return DioRandRead(total, kHotFileBytes, &b); }), b,
               "the same, data in the host's caches: no DRAM wait");
  }
  if (wanted("sweep")) {
    for (int mib : {4, 8, 16, 32}) {
      Batching b;
      const std::string label = "... " + std::to_string(mib) + " MiB file";
      print_rate(label.c_str(), repeat([&] { return DioRandRead(total, int64_t{mib} << 20, &b); }), b,
                 "the same over a file between 1b's and 1's");
    }
  }
  if (wanted("poll")) {
    Batching b;
    print_rate("aio-layer (POLL)", repeat([&] { return PollReady(total, &b); }), b,
               "ready eventfd: no block layer");
  }
  if (wanted("mem")) {
    std::printf(
        "  %-18s %8.0f bytes/iocb (heap, O_DIRECT read: aio_kiocb + dio + bio + request)\n",
        "memory in flight", BytesPerInflight(1024));
    std::printf("  %-18s %8zu bytes/iocb (object in its malloc chunk + arena pointer)\n",
                "aio_kiocb alone", kernel::aio_kiocb_bytes());
  }
  return 0;
}
