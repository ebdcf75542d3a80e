// Pollable files: pipes, unix socket pairs, eventfd and epoll
// (kernel_model/pipe.h, af_unix.h, eventfd.h, eventpoll.h).
#include <sys/socket.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "kernel_model/af_unix.h"
#include "kernel_model/eventfd.h"
#include "kernel_model/eventpoll.h"
#include "kernel_model/fs.h"
#include "kernel_model/pipe.h"
#include "kernel_model/read_write.h"
#include "scenarios/ext_calls.h"
#include "scenarios/ext_task.h"
#include "scenarios/ext_user_memory.h"
#include "scenarios/ext_world.h"

namespace scenarios::kext {

namespace {

constexpr int kWordsArea = 2;   // scratch area for small words (fds, events)
constexpr int kEventsArea = 3;  // scratch area for event arrays

// One epoll_wait result.
class EpollEventObject : public Object {
 public:
  EpollEventObject(uint32_t events, uint64_t data) : events_(events), data_(data) {}
  std::string_view TypeName() const override { return "epoll_event"; }
  std::string ToString() const override {
    return "{events=" + std::to_string(events_) + " data=" + std::to_string(data_) + "}";
  }
  sim::Status GetField(std::string_view name, Value* out) const override {
    if (name == "events") {
      *out = Value::Int(events_);
    } else if (name == "data") {
      *out = Value::Int(static_cast<int64_t>(data_));
    } else {
      return sim::Status::Error("epoll_event has no field '" + std::string(name) + "' (fields: events, data)");
    }
    return sim::Status::Ok();
  }

 private:
  uint32_t events_;
  uint64_t data_;
};

// Reads the two ints a pipe2/socketpair wrote; a list [a, b].
Value FdPair(CallContext& ctx, kernel::user_ptr at) {
  int fds[2] = {-1, -1};
  kernel::copy_from_mm(Mm(ctx), fds, at, sizeof fds);
  return Value::NewList({Value::Int(fds[0]), Value::Int(fds[1])});
}

Value Pipe2(CallContext& ctx, Args& args) {
  const int flags = static_cast<int>(args.Int("flags"));
  Task(ctx);
  const kernel::user_ptr at = Scratch(ctx, 8, kWordsArea);
  const long r = Syscall(ctx, [&] { return kernel::sys_pipe2(at, flags); });
  if (r < 0) return Value::Int(r);
  return FdPair(ctx, at);
}

Value Socketpair(CallContext& ctx, Args& args) {
  const int64_t latency = args.Int("latency");
  const int64_t bandwidth = args.Int("bandwidth");
  const int flags = static_cast<int>(args.Int("flags"));
  if (latency < 0) ctx.Fail("latency must be >= 0, got " + std::to_string(latency));
  if (bandwidth < 0) ctx.Fail("bandwidth (bytes/s, 0 = unlimited) must be >= 0, got " + std::to_string(bandwidth));
  Task(ctx);
  const kernel::user_ptr at = Scratch(ctx, 8, kWordsArea);
  const long r = Syscall(ctx, [&] { return kernel::sys_socketpair(AF_UNIX, SOCK_STREAM | flags, 0, at); });
  if (r < 0) return Value::Int(r);
  Value pair = FdPair(ctx, at);
  for (const Value& fd : pair.as_list()->items) {
    kernel::file* f = kernel::fget(static_cast<unsigned>(fd.as_int()));
    if (f == nullptr) ctx.Fail("socketpair: fd " + fd.Repr() + " vanished");
    kernel::unix_set_link(f, latency, static_cast<uint64_t>(bandwidth), 0);
    kernel::fput(f);
  }
  return pair;
}

Value Shutdown(CallContext& ctx, Args& args) {
  const int fd = static_cast<int>(args.Int("fd"));
  const int how = static_cast<int>(args.Int("how"));
  return Value::Int(Syscall(ctx, [&] { return kernel::sys_shutdown(fd, how); }));
}

Value Eventfd(CallContext& ctx, Args& args) {
  const int64_t initval = args.Int("initval");
  if (initval < 0 || initval > UINT32_MAX) ctx.Fail("initval must be 0..4294967295, got " + std::to_string(initval));
  const int flags = static_cast<int>(args.Int("flags"));
  return Value::Int(Syscall(ctx, [&] { return kernel::sys_eventfd2(static_cast<unsigned>(initval), flags); }));
}

// eventfd_read(fd): read(2) of the 8-byte counter; the value, or -errno.
Value EventfdRead(CallContext& ctx, Args& args) {
  const unsigned fd = static_cast<unsigned>(args.Int("fd"));
  Task(ctx);
  const kernel::user_ptr at = Scratch(ctx, 8, kWordsArea);
  const long r = Syscall(ctx, [&] { return kernel::sys_read(fd, at, 8); });
  if (r < 0) return Value::Int(r);
  if (r != 8) return Value::Int(-EINVAL);
  uint64_t v = 0;
  kernel::copy_from_mm(Mm(ctx), &v, at, 8);
  return Value::Int(static_cast<int64_t>(v));
}

// eventfd_write(fd, value): write(2) of an 8-byte value; 0 or -errno.
Value EventfdWrite(CallContext& ctx, Args& args) {
  const unsigned fd = static_cast<unsigned>(args.Int("fd"));
  const uint64_t v = static_cast<uint64_t>(args.Int("value"));
  Task(ctx);
  const kernel::user_ptr at = Scratch(ctx, 8, kWordsArea);
  kernel::copy_to_mm(Mm(ctx), at, &v, 8);
  const long r = Syscall(ctx, [&] { return kernel::sys_write(fd, at, 8); });
  return Value::Int(r < 0 ? r : 0);
}

Value EpollCreate1(CallContext& ctx, Args& args) {
  const int flags = static_cast<int>(args.Int("flags"));
  return Value::Int(Syscall(ctx, [&] { return kernel::sys_epoll_create1(flags); }));
}

Value EpollCtl(CallContext& ctx, Args& args) {
  const int epfd = static_cast<int>(args.Int("epfd"));
  const int op = static_cast<int>(args.Int("op"));
  const int fd = static_cast<int>(args.Int("fd"));
  const uint32_t events = static_cast<uint32_t>(args.Int("events"));
  const uint64_t data = static_cast<uint64_t>(args.Int("data"));
  Task(ctx);
  // struct epoll_event, packed (x86-64): u32 events, u64 data.
  uint8_t raw[kernel::EPOLL_EVENT_SIZE];
  std::memcpy(raw, &events, 4);
  std::memcpy(raw + 4, &data, 8);
  const kernel::user_ptr at = Scratch(ctx, sizeof raw, kWordsArea);
  kernel::copy_to_mm(Mm(ctx), at, raw, sizeof raw);
  return Value::Int(Syscall(ctx, [&] { return kernel::sys_epoll_ctl(epfd, op, fd, at); }));
}

// timeout: -1 (none) or a duration in ns, rounded up to whole ms.
int TimeoutMs(CallContext& ctx, const Args& args) {
  const int64_t t = args.Int("timeout");
  if (t == -1) return -1;
  if (t < 0) ctx.Fail("timeout must be -1 (none) or a duration >= 0, got " + std::to_string(t));
  const int64_t ms = (t + 999'999) / 1'000'000;
  return ms > INT32_MAX ? INT32_MAX : static_cast<int>(ms);
}

Value EpollWait(CallContext& ctx, Args& args) {
  const int epfd = static_cast<int>(args.Int("epfd"));
  const int64_t maxevents = args.Int("maxevents");
  const int timeout_ms = TimeoutMs(ctx, args);
  Task(ctx);
  const uint64_t slots = maxevents > 0 && maxevents <= 4096 ? static_cast<uint64_t>(maxevents) : 1;
  const kernel::user_ptr at = Scratch(ctx, slots * kernel::EPOLL_EVENT_SIZE, kEventsArea);
  const long r = Syscall(ctx, [&] {
    return kernel::sys_epoll_wait(epfd, at, static_cast<int>(std::min<int64_t>(maxevents, INT32_MAX)), timeout_ms);
  });
  if (r < 0) return Value::Int(r);
  std::vector<Value> out;
  for (long i = 0; i < r; ++i) {
    uint8_t raw[kernel::EPOLL_EVENT_SIZE];
    kernel::copy_from_mm(Mm(ctx), raw, at + static_cast<uint64_t>(i) * kernel::EPOLL_EVENT_SIZE, sizeof raw);
    uint32_t events = 0;
    uint64_t data = 0;
    std::memcpy(&events, raw, 4);
    std::memcpy(&data, raw + 4, 8);
    out.push_back(Value::Obj(std::make_shared<EpollEventObject>(events, data)));
  }
  return Value::NewList(std::move(out));
}

}  // namespace

void RegisterIpcCalls(CallRegistry& calls) {
  calls.Add("pipe2", Pipe2)
      .Keyword("flags", Value::Int(0))
      .Summary("pipe2(2): a list [read_fd, write_fd], or -errno");
  calls.Add("socketpair", Socketpair)
      .Keyword("latency", Value::Int(0))
      .Keyword("bandwidth", Value::Int(0))
      .Keyword("flags", Value::Int(0))
      .Summary(
          "socketpair(AF_UNIX, SOCK_STREAM | flags): a list [fd0, fd1] whose link has this one-way latency (ns) and "
          "bandwidth (bytes/s, 0 = unlimited), or -errno");
  calls.Add("shutdown", Shutdown).Params({"fd", "how"}).Summary("shutdown(2): SHUT_RD, SHUT_WR, SHUT_RDWR; 0 or -errno");
  calls.Add("eventfd", Eventfd)
      .Keyword("initval", Value::Int(0))
      .Keyword("flags", Value::Int(0))
      .Summary("eventfd2(2): EFD_SEMAPHORE, EFD_NONBLOCK, EFD_CLOEXEC; the fd or -errno");
  calls.Add("eventfd_read", EventfdRead).Params({"fd"}).Summary("reads an eventfd's counter (read(2) of 8 bytes); the value or -errno");
  calls.Add("eventfd_write", EventfdWrite)
      .Params({"fd", "value"})
      .Summary("adds to an eventfd's counter (write(2) of 8 bytes); 0 or -errno");
  calls.Add("epoll_create1", EpollCreate1).Keyword("flags", Value::Int(0)).Summary("epoll_create1(2); the fd or -errno");
  calls.Add("epoll_ctl", EpollCtl)
      .Params({"epfd", "op", "fd"})
      .Keyword("events", Value::Int(0))
      .Keyword("data", Value::Int(0))
      .Summary("epoll_ctl(2): op EPOLL_CTL_ADD/MOD/DEL, events EPOLL* bits, data the user value; 0 or -errno");
  calls.Add("epoll_wait", EpollWait)
      .Params({"epfd"})
      .Keyword("maxevents", Value::Int(16))
      .Keyword("timeout", Value::Int(-1))
      .Summary("epoll_wait(2) (timeout: a duration, rounded up to ms; -1 none): a list of events with .events .data, or -errno");
}

}  // namespace scenarios::kext
