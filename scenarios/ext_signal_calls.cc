// Processes, threads and signals (kernel_model/sched.h, signal.h).
//
// A scenario thread is a kernel task; a user handler is an opaque id (any
// value but SIG_DFL 0 and SIG_IGN 1) that "runs" by being counted on return
// from a syscall (signals_delivered). A signal interrupts a thread that
// sleeps in a kernel call (-EINTR, or a restart with SA_RESTART); engine
// calls (sleep, wait_on) are not kernel sleeps and are not interrupted. A
// fatal signal ends the thread at its next kernel call.
#include "kernel_model/sched.h"
#include "kernel_model/signal.h"
#include "scenarios/ext_calls.h"
#include "scenarios/ext_task.h"
#include "scenarios/ext_world.h"

namespace scenarios::kext {

namespace {

Value Getpid(CallContext& ctx, Args&) {
  return Value::Int(Syscall(ctx, [] { return kernel::sys_getpid(); }));
}

Value Gettid(CallContext& ctx, Args&) {
  return Value::Int(Syscall(ctx, [] { return kernel::sys_gettid(); }));
}

Value Kill(CallContext& ctx, Args& args) {
  const auto pid = static_cast<pid_t>(args.Int("pid"));
  const int sig = static_cast<int>(args.Int("sig"));
  return Value::Int(Syscall(ctx, [&] { return kernel::sys_kill(pid, sig); }));
}

Value Tgkill(CallContext& ctx, Args& args) {
  const auto tgid = static_cast<pid_t>(args.Int("tgid"));
  const auto tid = static_cast<pid_t>(args.Int("tid"));
  const int sig = static_cast<int>(args.Int("sig"));
  return Value::Int(Syscall(ctx, [&] { return kernel::sys_tgkill(tgid, tid, sig); }));
}

Value Sigaction(CallContext& ctx, Args& args) {
  const int sig = static_cast<int>(args.Int("sig"));
  const int64_t handler = args.Int("handler");
  if (handler < 0) ctx.Fail("handler must be SIG_DFL, SIG_IGN or a positive id, got " + std::to_string(handler));
  kernel::k_sigaction act;
  act.handler = static_cast<uint64_t>(handler);
  act.sa_flags = static_cast<unsigned long>(args.Int("flags"));
  act.sa_mask = static_cast<kernel::sigset_t>(args.Int("mask"));
  return Value::Int(Syscall(ctx, [&] { return static_cast<long>(kernel::do_sigaction(sig, &act, nullptr)); }));
}

// sigprocmask(how, set): the previous mask, or -errno.
Value Sigprocmask(CallContext& ctx, Args& args) {
  const int how = static_cast<int>(args.Int("how"));
  const auto set = static_cast<kernel::sigset_t>(args.Int("set"));
  kernel::sigset_t old = 0;
  const long r = Syscall(ctx, [&] { return static_cast<long>(kernel::sigprocmask(how, &set, &old)); });
  return Value::Int(r < 0 ? r : static_cast<int64_t>(old));
}

// How many times signal sig was delivered to this process (handled,
// ignored or fatal), as counted on return to user space.
Value SignalsDelivered(CallContext& ctx, Args& args) {
  const int64_t sig = args.Int("sig");
  if (sig < 1 || sig > kernel::KERNEL_NSIG) ctx.Fail("sig must be 1..64, got " + std::to_string(sig));
  return Value::Int(static_cast<int64_t>(Task(ctx)->signal->nr_delivered[sig]));
}

Value Nanosleep(CallContext& ctx, Args& args) {
  const int64_t d = args.Int("d");
  return Value::Int(Syscall(ctx, [&] { return kernel::sys_nanosleep_ns(d); }));
}

Value SchedYield(CallContext& ctx, Args&) {
  return Value::Int(Syscall(ctx, [] { return kernel::sys_sched_yield(); }));
}

}  // namespace

void RegisterSignalCalls(CallRegistry& calls) {
  calls.Add("getpid", Getpid).Summary("getpid(2): the process's tgid");
  calls.Add("gettid", Gettid).Summary("gettid(2): the calling thread's tid");
  calls.Add("kill", Kill).Params({"pid", "sig"}).Summary("kill(2) to a process; 0 or -errno");
  calls.Add("tgkill", Tgkill).Params({"tgid", "tid", "sig"}).Summary("tgkill(2) to one thread; 0 or -errno");
  calls.Add("sigaction", Sigaction)
      .Params({"sig", "handler"})
      .Keyword("flags", Value::Int(0))
      .Keyword("mask", Value::Int(0))
      .Summary("sets a disposition: SIG_DFL, SIG_IGN or a handler id (counted when delivered); flags SA_*; 0 or -errno");
  calls.Add("sigprocmask", Sigprocmask)
      .Params({"how", "set"})
      .Summary("sigprocmask(2): SIG_BLOCK/SIG_UNBLOCK/SIG_SETMASK with a mask (sigmask(n) bits); the old mask or -errno");
  calls.Add("signals_delivered", SignalsDelivered)
      .Params({"sig"})
      .Summary("how many times signal sig was delivered to the calling process");
  calls.Add("nanosleep", Nanosleep)
      .Params({"d"})
      .Summary("nanosleep(2) for d ns: a kernel sleep that signals interrupt; 0 or -errno");
  calls.Add("sched_yield", SchedYield).Summary("sched_yield(2): lets other runnable tasks go first; 0");
  calls.Add("sigmask", [](CallContext& ctx, Args& args) {
        const int64_t sig = args.Int("sig");
        if (sig < 1 || sig > kernel::KERNEL_NSIG) ctx.Fail("sig must be 1..64, got " + std::to_string(sig));
        return Value::Int(static_cast<int64_t>(kernel::sigmask64(static_cast<int>(sig))));
      })
      .Params({"sig"})
      .Summary("the signal-set bit of signal sig (1 << (sig - 1)), for sigprocmask and io_pgetevents");
}

}  // namespace scenarios::kext
