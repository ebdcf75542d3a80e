#include "scenarios/ext_kernel.h"

#include <string>
#include <utility>

#include "kernel_model/aio.h"
#include "kernel_model/fs.h"
#include "kernel_model/kernel.h"
#include "kernel_model/sched.h"
#include "kernel_model/signal.h"
#include "kernel_model/vfs_setup.h"
#include "kernel_model/wait.h"
#include "scenarios/ext_calls.h"
#include "scenarios/ext_config.h"
#include "scenarios/ext_stats.h"
#include "scenarios/ext_task.h"
#include "scenarios/ext_user_memory.h"
#include "scenarios/ext_world.h"

namespace scenarios {

namespace {

using kext::KernelWorld;
using kext::ProcessState;
using kext::ThreadState;

class KernelExtension : public Extension {
 public:
  std::string_view name() const override { return "kernel"; }
  std::vector<std::string> Tables() const override { return {"device", "file", "cache", "fault"}; }

  void RegisterCalls(CallRegistry& calls) override {
    kext::RegisterConstants(calls);
    kext::RegisterMemoryCalls(calls, &world_);
    kext::RegisterFileCalls(calls);
    kext::RegisterIpcCalls(calls);
    kext::RegisterSignalCalls(calls);
    kext::RegisterAioCalls(calls, &world_);
    kext::RegisterStatsCalls(calls, &world_);
    calls.Add("design", [](CallContext& ctx, Args&) { return Value::Str(ctx.run().design()); })
        .Summary("the AIO design of this run (\"mainline\", \"retry\"), for expectations keyed by design");
  }

  sim::Status Configure(const ConfigNode& root, RunContext& run) override {
    world_.kernel = std::make_unique<kernel::Kernel>(run.scheduler());
    kernel::aio_get_state();
    if (kernel::aio_set_design(run.design()) != 0) {
      const SimSettings& sim = run.scenario().sim;
      return ErrorAt(run.scenario().path, sim.design_pos,
                     "design \"" + run.design() + "\" has no implementation in the kernel model");
    }
    if (sim::Status s = kext::ConfigureStorage(root, run.scheduler(), &world_); !s.ok()) return s;
    if (!run.checking()) {
      auto sink = std::make_unique<kext::StatsSink>();
      world_.stats = sink.get();
      run.scheduler().trace().AddSink(std::move(sink));
    }
    return sim::Status::Ok();
  }

  void OnProcessStart(ProcessContext& process) override {
    auto ps = std::make_shared<ProcessState>();
    ps->gate = std::make_shared<kext::LeaderGate>();
    // The process's main task: it waits until the scenario threads are done
    // (or the group is killed), then returns from "main", which exits the
    // whole group (do_group_exit) and tears down the mm (exit_aio).
    // It blocks every signal it may, so process-directed signals go to a
    // scenario thread (complete_signal picks one that does not block it).
    std::shared_ptr<kext::LeaderGate> gate = ps->gate;
    kernel::task_struct* leader = kext::CreateProcessLeader(process.name(), [gate]() -> int {
      kernel::wait_event_killable(gate->wq, [gate] { return gate->released; });
      return 0;
    });
    ps->leader = leader;
    ps->mm = leader->mm;
    process.slots().Set(kext::kProcessSlot, std::move(ps));
  }

  void OnThreadStart(ThreadContext& thread) override {
    ProcessState* ps = thread.process().slots().Get(kext::kProcessSlot);
    auto ts = std::make_shared<ThreadState>();
    if (ps != nullptr && !ps->leader->signal->group_dead) {
      ts->task = kext::AdoptFiber(ps->leader, thread.full_name());
    }
    thread.slots().Set(kext::kThreadSlot, std::move(ts));
  }

  void OnThreadExit(ThreadContext& thread) override {
    ThreadState* ts = thread.slots().Get(kext::kThreadSlot);
    if (ts != nullptr && ts->task != nullptr && !ts->exited) {
      ts->exited = true;
      kext::ExitTask(ts->task, 0);
    }
    // A process made of an init program only: its end is the process's end.
    if (thread.spec().is_init && thread.process().threads().empty()) Release(thread.process());
  }

  void OnProcessExit(ProcessContext& process) override { Release(process); }

  void OnRunEnd(RunContext& run) override {
    if (!world_.kernel) return;
    int running = 0;
    for (const auto& p : run.processes()) {
      ProcessState* ps = p->slots().Get(kext::kProcessSlot);
      if (ps == nullptr || ps->leader->exit_state != 0) continue;
      ++running;
      // The leader is a daemon fiber (deadlock reports name the scenario's
      // threads): a process whose threads all ended but whose exit never
      // finished (e.g. exit_aio waiting for a request that never completes)
      // would otherwise go unnoticed.
      if (ps->gate->released && run.scheduler().PendingEvents() == 0) {
        run.AddViolation("process " + p->name() + " never finished exiting: its main task waits on \"" +
                             std::string(ps->leader->wait_name ? ps->leader->wait_name : "?") + "\"",
                         false);
      }
    }
    processes_running_ = running;
    if (running > 0) return;  // the end-of-life checks need every process gone
    leaks_ = kernel::aio_check_leaks();
    live_files_ = kernel::nr_live_files();
    if (live_files_ > 0) {
      run.AddViolation("file leak: " + std::to_string(live_files_) +
                           " files still open after every process exited",
                       false);
    }
    if (world_.kernel->storage) {
      const std::string bad = kernel::pagecache_check_consistency();
      if (!bad.empty()) run.AddViolation("page cache inconsistent at the end of the run: " + bad, false);
    }
  }

  void Report(RunContext& run, ReportBuilder& report) override {
    if (!world_.kernel) return;
    ReportSection& k = report.Section("kernel");
    k.Text("design", run.design());
    k.Int("processes_running", processes_running_);
    if (processes_running_ == 0) {
      k.Int("aio_leaks", static_cast<int64_t>(leaks_)).Int("files_open", static_cast<int64_t>(live_files_));
    }
    kext::ReportStats(world_, run.scheduler().Now(), report);
  }

 private:
  static void Release(ProcessContext& process) {
    ProcessState* ps = process.slots().Get(kext::kProcessSlot);
    if (ps == nullptr || ps->gate->released) return;
    ps->gate->released = true;
    kernel::wake_up(&ps->gate->wq);
  }

  KernelWorld world_;
  int processes_running_ = 0;
  size_t leaks_ = 0;
  size_t live_files_ = 0;
};

}  // namespace

std::unique_ptr<Extension> MakeKernelExtension() { return std::make_unique<KernelExtension>(); }

}  // namespace scenarios
