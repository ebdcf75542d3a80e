// Linux AIO as scenario calls: the syscalls (kernel_model/aio.h), iocb
// constructors in the style of libaio's io_prep_* (they build the struct
// in user memory and do no I/O), and user-space ring access.
//
//   ctx = io_setup(8)                          # the handle (the ring's address) or -errno
//   cb = pread(fd, buf, 4096, 0, data=7)       # an iocb object; cb.addr is the event's obj
//   expect io_submit(ctx, [cb]) == 1
//   ev = io_getevents(ctx, 1, 1)               # a list of io_event objects, or -errno
//   expect ev[0].obj == cb.addr && ev[0].res == 4096
#include <algorithm>
#include <cstring>
#include <vector>

#include "kernel_model/aio.h"
#include "kernel_model/aio_abi.h"
#include "kernel_model/aio_user.h"
#include "kernel_model/mm.h"
#include "scenarios/ext_aio_objects.h"
#include "scenarios/ext_calls.h"
#include "scenarios/ext_stats.h"
#include "scenarios/ext_task.h"
#include "scenarios/ext_user_memory.h"
#include "scenarios/ext_world.h"

namespace scenarios::kext {

namespace {

constexpr int kArrayArea = 1;   // scratch: the iocb pointer array
constexpr int kWordsArea = 2;   // scratch: timespec, sigset, result event
constexpr int kEventsArea = 3;  // scratch: the io_event array
constexpr int64_t kMaxEventsBuffer = 1 << 20;

kernel::aio_context_t CtxArg(const Args& args) { return static_cast<kernel::aio_context_t>(args.Int("ctx")); }

// --- iocb constructors ---

// The keywords every constructor takes.
CallSpec& IocbKeywords(CallSpec& spec) {
  return spec.Keyword("data", Value::Int(0))
      .Keyword("flags", Value::Int(0))
      .Keyword("rw_flags", Value::Int(0))
      .Keyword("resfd", Value::Int(-1))
      .Keyword("reqprio", Value::Int(0));
}

Value PlaceIocb(CallContext& ctx, const Args& args, kernel::iocb cb) {
  cb.aio_data = static_cast<uint64_t>(args.Int("data"));
  cb.aio_flags = static_cast<uint32_t>(args.Int("flags"));
  cb.aio_rw_flags = static_cast<uint32_t>(args.Int("rw_flags"));
  cb.aio_reqprio = static_cast<int16_t>(args.Int("reqprio"));
  const int64_t resfd = args.Int("resfd");
  if (resfd >= 0) {
    cb.aio_flags |= kernel::IOCB_FLAG_RESFD;
    cb.aio_resfd = static_cast<uint32_t>(resfd);
  }
  const kernel::user_ptr at = HeapAlloc(ctx, kernel::IOCB_SIZE, 64);
  uint8_t raw[kernel::IOCB_SIZE];
  kernel::iocb_to_bytes(cb, raw);
  kernel::copy_to_mm(Mm(ctx), at, raw, sizeof raw);
  return Value::Obj(std::make_shared<IocbObject>(Mm(ctx), at));
}

Value PrepRw(CallContext& ctx, Args& args, uint16_t opcode) {
  Task(ctx);
  const unsigned fd = static_cast<unsigned>(args.Int("fd"));
  const DataRange d = DataArg(ctx, args, "buf", /*scratch=*/false);
  kernel::iocb cb;
  cb.aio_lio_opcode = opcode;
  cb.aio_fildes = fd;
  cb.aio_buf = d.addr;
  cb.aio_nbytes = static_cast<uint64_t>(args.Int("len"));
  cb.aio_offset = args.Int("off");
  return PlaceIocb(ctx, args, cb);
}

Value PrepRwv(CallContext& ctx, Args& args, uint16_t opcode) {
  Task(ctx);
  const unsigned fd = static_cast<unsigned>(args.Int("fd"));
  uint64_t count = 0;
  const kernel::user_ptr vec = PlaceIovecs(ctx, args, "iovs", /*scratch=*/false, &count);
  kernel::iocb cb;
  cb.aio_lio_opcode = opcode;
  cb.aio_fildes = fd;
  cb.aio_buf = vec;
  cb.aio_nbytes = count;
  cb.aio_offset = args.Int("off");
  return PlaceIocb(ctx, args, cb);
}

Value PrepFsync(CallContext& ctx, Args& args, uint16_t opcode) {
  Task(ctx);
  kernel::iocb cb;
  cb.aio_lio_opcode = opcode;
  cb.aio_fildes = static_cast<unsigned>(args.Int("fd"));
  return PlaceIocb(ctx, args, cb);
}

Value PrepPoll(CallContext& ctx, Args& args) {
  Task(ctx);
  kernel::iocb cb;
  cb.aio_lio_opcode = kernel::IOCB_CMD_POLL;
  cb.aio_fildes = static_cast<unsigned>(args.Int("fd"));
  cb.aio_buf = static_cast<uint64_t>(args.Int("events"));
  return PlaceIocb(ctx, args, cb);
}

Value PrepNoop(CallContext& ctx, Args& args) {
  Task(ctx);
  kernel::iocb cb;
  cb.aio_lio_opcode = kernel::IOCB_CMD_NOOP;
  return PlaceIocb(ctx, args, cb);
}

// iocb(opcode=..., any field=...): every field raw, for error tests.
Value PrepRaw(CallContext& ctx, Args& args) {
  Task(ctx);
  kernel::iocb cb;
  cb.aio_lio_opcode = static_cast<uint16_t>(args.Int("opcode"));
  cb.aio_fildes = static_cast<uint32_t>(args.Int("fd"));
  cb.aio_buf = AddressArg(args, "buf");
  cb.aio_nbytes = static_cast<uint64_t>(args.Int("nbytes"));
  cb.aio_offset = args.Int("offset");
  cb.aio_key = static_cast<uint32_t>(args.Int("key"));
  cb.aio_reserved2 = static_cast<uint64_t>(args.Int("reserved2"));
  cb.aio_data = static_cast<uint64_t>(args.Int("data"));
  cb.aio_flags = static_cast<uint32_t>(args.Int("flags"));
  cb.aio_rw_flags = static_cast<uint32_t>(args.Int("rw_flags"));
  cb.aio_reqprio = static_cast<int16_t>(args.Int("reqprio"));
  cb.aio_resfd = static_cast<uint32_t>(args.Int("resfd"));
  const kernel::user_ptr at = HeapAlloc(ctx, kernel::IOCB_SIZE, 64);
  uint8_t raw[kernel::IOCB_SIZE];
  kernel::iocb_to_bytes(cb, raw);
  kernel::copy_to_mm(Mm(ctx), at, raw, sizeof raw);
  return Value::Obj(std::make_shared<IocbObject>(Mm(ctx), at));
}

// An iocb argument: an iocb object or a plain address.
kernel::user_ptr IocbArg(const Args& args, std::string_view name) {
  const Value& v = args.Get(name);
  if (v.is_int()) return static_cast<kernel::user_ptr>(v.as_int());
  if (v.is_object()) {
    if (auto* cb = dynamic_cast<const IocbObject*>(v.as_object().get())) return cb->addr();
  }
  args.TypeError(name, "iocb or int address", v);
}

// --- the syscalls ---

Value IoSetup(CallContext& ctx, Args& args) {
  const auto nr = static_cast<unsigned>(args.Int("nr"));
  Task(ctx);
  if (!args.Get("ctxp").is_none()) {
    const kernel::user_ptr ctxp = AddressArg(args, "ctxp");
    return Value::Int(Syscall(ctx, [&] { return kernel::sys_io_setup(nr, ctxp); }));
  }
  const kernel::user_ptr word = HeapAlloc(ctx, 8, 8);  // a fresh zeroed aio_context_t
  const long r = Syscall(ctx, [&] { return kernel::sys_io_setup(nr, word); });
  if (r < 0) return Value::Int(r);
  uint64_t handle = 0;
  kernel::copy_from_mm(Mm(ctx), &handle, word, 8);
  return Value::Int(static_cast<int64_t>(handle));
}

Value IoDestroy(CallContext& ctx, Args& args) {
  const kernel::aio_context_t c = CtxArg(args);
  return Value::Int(Syscall(ctx, [&] { return kernel::sys_io_destroy(c); }));
}

Value IoSubmit(CallContext& ctx, Args& args) {
  const kernel::aio_context_t c = CtxArg(args);
  Task(ctx);
  const std::shared_ptr<List>& items = args.ListArg("iocbs");
  std::vector<uint64_t> ptrs;
  for (size_t i = 0; i < items->items.size(); ++i) {
    const Value& v = items->items[i];
    if (v.is_int()) {
      ptrs.push_back(static_cast<uint64_t>(v.as_int()));
    } else if (v.is_object() && dynamic_cast<const IocbObject*>(v.as_object().get())) {
      ptrs.push_back(static_cast<const IocbObject*>(v.as_object().get())->addr());
    } else {
      ctx.Fail("iocbs[" + std::to_string(i) + "] must be an iocb or an address (e.g. BAD_PTR), got " + v.Repr());
    }
  }
  const long nr = args.Get("nr").is_none() ? static_cast<long>(ptrs.size()) : static_cast<long>(args.Int("nr"));
  kernel::user_ptr array = 0;
  if (!args.Get("iocbpp").is_none()) {
    array = AddressArg(args, "iocbpp");
  } else {
    array = Scratch(ctx, std::max<uint64_t>(ptrs.size(), 1) * 8, kArrayArea);
    if (!ptrs.empty()) kernel::copy_to_mm(Mm(ctx), array, ptrs.data(), ptrs.size() * 8);
  }
  return Value::Int(Syscall(ctx, [&] { return kernel::sys_io_submit(c, nr, array); }));
}

Value IoCancel(CallContext& ctx, Args& args) {
  const kernel::aio_context_t c = CtxArg(args);
  Task(ctx);
  const kernel::user_ptr cb = IocbArg(args, "iocb");
  const kernel::user_ptr result =
      args.Get("result").is_none() ? Scratch(ctx, kernel::IO_EVENT_SIZE, kWordsArea) : AddressArg(args, "result");
  return Value::Int(Syscall(ctx, [&] { return kernel::sys_io_cancel(c, cb, result); }));
}

// A struct __kernel_timespec for a duration in ns (none: a NULL pointer).
kernel::user_ptr TimeoutArg(CallContext& ctx, const Args& args, uint64_t scratch_off) {
  if (!args.Get("timeout_ptr").is_none()) return AddressArg(args, "timeout_ptr");
  if (args.Get("timeout").is_none()) return 0;
  const int64_t ns = args.Int("timeout");
  kernel::kernel_timespec ts;
  ts.tv_sec = ns / 1'000'000'000;
  ts.tv_nsec = ns % 1'000'000'000;
  const kernel::user_ptr at = Scratch(ctx, 64, kWordsArea) + scratch_off;
  kernel::copy_to_mm(Mm(ctx), at, &ts, sizeof ts);
  return at;
}

// Reads r events at `at` into event objects and tells the stats about the
// reap.
Value Reaped(CallContext& ctx, KernelWorld* world, kernel::aio_context_t c, const std::vector<kernel::io_event>& evs) {
  std::vector<Value> out;
  kernel::kioctx* k = kernel::aio_find_ioctx(Mm(ctx), c);
  for (const kernel::io_event& ev : evs) {
    if (world->stats != nullptr && k != nullptr) world->stats->OnReaped(k->slot.id, ev.obj, ctx.scheduler().Now());
    out.push_back(Value::Obj(std::make_shared<EventObject>(ev)));
  }
  return Value::NewList(std::move(out));
}

// The events array: events= (a raw address, for EFAULT tests) or scratch
// room for min(nr, the ring's size) events.
kernel::user_ptr EventsArg(CallContext& ctx, const Args& args, kernel::aio_context_t c, long nr) {
  if (!args.Get("events").is_none()) return AddressArg(args, "events");
  int64_t room = 1;
  if (kernel::kioctx* k = kernel::aio_find_ioctx(Mm(ctx), c)) room = k->nr_events;
  room = std::clamp<int64_t>(std::min<int64_t>(nr, room), 1, kMaxEventsBuffer);
  return Scratch(ctx, static_cast<uint64_t>(room) * kernel::IO_EVENT_SIZE, kEventsArea);
}

std::vector<kernel::io_event> ReadEvents(CallContext& ctx, kernel::user_ptr at, long n) {
  std::vector<kernel::io_event> evs;
  for (long i = 0; i < n; ++i) {
    uint8_t raw[kernel::IO_EVENT_SIZE];
    if (kernel::copy_from_mm(Mm(ctx), raw, at + static_cast<uint64_t>(i) * kernel::IO_EVENT_SIZE, sizeof raw) != 0) {
      ctx.Fail("the events array at a user address given by events= is not readable");
    }
    evs.push_back(kernel::io_event_from_bytes(raw));
  }
  return evs;
}

Value IoGetevents(CallContext& ctx, Args& args, KernelWorld* world) {
  const kernel::aio_context_t c = CtxArg(args);
  const long min_nr = static_cast<long>(args.Int("min_nr"));
  const long nr = static_cast<long>(args.Int("nr"));
  Task(ctx);
  const kernel::user_ptr events = EventsArg(ctx, args, c, nr);
  const kernel::user_ptr timeout = TimeoutArg(ctx, args, 0);
  const long r = Syscall(ctx, [&] { return kernel::sys_io_getevents(c, min_nr, nr, events, timeout); });
  if (r < 0) return Value::Int(r);
  return Reaped(ctx, world, c, ReadEvents(ctx, events, r));
}

Value IoPgetevents(CallContext& ctx, Args& args, KernelWorld* world) {
  const kernel::aio_context_t c = CtxArg(args);
  const long min_nr = static_cast<long>(args.Int("min_nr"));
  const long nr = static_cast<long>(args.Int("nr"));
  Task(ctx);
  const kernel::user_ptr events = EventsArg(ctx, args, c, nr);
  const kernel::user_ptr timeout = TimeoutArg(ctx, args, 0);
  kernel::user_ptr usig = 0;
  if (!args.Get("usig").is_none()) {
    usig = AddressArg(args, "usig");
  } else if (!args.Get("sigmask").is_none()) {
    // {const sigset_t *sigmask; size_t sigsetsize} and the sigset itself.
    const uint64_t mask = static_cast<uint64_t>(args.Int("sigmask"));
    const kernel::user_ptr base = Scratch(ctx, 64, kWordsArea);
    const kernel::user_ptr set_at = base + 32;
    kernel::aio_sigset s;
    s.sigmask = set_at;
    s.sigsetsize = static_cast<uint64_t>(args.Int("sigsetsize"));
    kernel::copy_to_mm(Mm(ctx), set_at, &mask, 8);
    kernel::copy_to_mm(Mm(ctx), base + 16, &s, sizeof s);
    usig = base + 16;
  }
  const long r = Syscall(ctx, [&] { return kernel::sys_io_pgetevents(c, min_nr, nr, events, timeout, usig); });
  if (r < 0) return Value::Int(r);
  return Reaped(ctx, world, c, ReadEvents(ctx, events, r));
}

// --- user-space ring access ---

Value Ring(CallContext& ctx, Args& args) {
  const kernel::aio_context_t c = CtxArg(args);
  Task(ctx);
  kernel::aio_ring ring;
  if (kernel::copy_from_mm(Mm(ctx), &ring, c, kernel::AIO_RING_HEADER_SIZE) != 0) return Value::Int(-EFAULT);
  return Value::Obj(std::make_shared<RingObject>(ring));
}

Value RingEvent(CallContext& ctx, Args& args) {
  const kernel::aio_context_t c = CtxArg(args);
  const int64_t i = args.Int("i");
  if (i < 0) ctx.Fail("i must be >= 0, got " + std::to_string(i));
  Task(ctx);
  uint8_t raw[kernel::IO_EVENT_SIZE];
  const kernel::user_ptr at = c + kernel::AIO_RING_HEADER_SIZE + static_cast<uint64_t>(i) * kernel::IO_EVENT_SIZE;
  if (kernel::copy_from_mm(Mm(ctx), raw, at, sizeof raw) != 0) return Value::Int(-EFAULT);
  return Value::Obj(std::make_shared<EventObject>(kernel::io_event_from_bytes(raw)));
}

Value RingSetHead(CallContext& ctx, Args& args) {
  const kernel::aio_context_t c = CtxArg(args);
  const int64_t h = args.Int("head");
  if (h < 0 || h > UINT32_MAX) ctx.Fail("head is a u32, got " + std::to_string(h));
  Task(ctx);
  const uint32_t v = static_cast<uint32_t>(h);
  if (kernel::copy_to_mm(Mm(ctx), c + kernel::AIO_RING_HEAD_OFFSET, &v, 4) != 0) return Value::Int(-EFAULT);
  return Value::Int(0);
}

// libaio/fio-style reaping without a syscall (kernel/aio_user.h).
Value RingReap(CallContext& ctx, Args& args, KernelWorld* world) {
  const kernel::aio_context_t c = CtxArg(args);
  const int64_t max = args.Int("max");
  if (max < 0) ctx.Fail("max must be >= 0, got " + std::to_string(max));
  Task(ctx);
  std::vector<kernel::io_event> evs;
  const long r = kernel::aio_user_reap(c, static_cast<long>(max), &evs);
  if (r < 0) return Value::Int(r);
  return Reaped(ctx, world, c, evs);
}

// event_for(events, cb): the event of this iocb in a list, or none.
Value EventFor(CallContext& ctx, Args& args) {
  const std::shared_ptr<List>& evs = args.ListArg("events");
  const kernel::user_ptr cb = IocbArg(args, "iocb");
  for (const Value& v : evs->items) {
    if (!v.is_object()) continue;
    if (auto* e = dynamic_cast<const EventObject*>(v.as_object().get())) {
      if (e->event().obj == cb) return v;
    }
  }
  return Value::None();
}

}  // namespace

void RegisterAioCalls(CallRegistry& calls, KernelWorld* world) {
  calls.Add("io_setup", IoSetup)
      .Params({"nr"})
      .Keyword("ctxp", Value::None())
      .Summary("io_setup(2): the context handle (the ring's user address), or -errno; with ctxp= (a buffer or "
               "address) the raw call: 0 or -errno, the handle written at ctxp");
  calls.Add("io_destroy", IoDestroy).Params({"ctx"}).Summary("io_destroy(2); 0 or -errno (waits for in-flight requests)");
  calls.Add("io_submit", IoSubmit)
      .Params({"ctx", "iocbs"})
      .Keyword("nr", Value::None())
      .Keyword("iocbpp", Value::None())
      .Summary("io_submit(2) of a list of iocbs (or raw addresses such as BAD_PTR); nr defaults to the list's "
               "length, iocbpp= replaces the pointer array; how many were submitted, or -errno");
  calls.Add("io_cancel", IoCancel)
      .Params({"ctx", "iocb"})
      .Keyword("result", Value::None())
      .Summary("io_cancel(2); -EINPROGRESS when the request was cancelled (its event comes through the ring), or -errno");
  calls.Add("io_getevents", [world](CallContext& c, Args& a) { return IoGetevents(c, a, world); })
      .Params({"ctx", "min_nr", "nr"})
      .Keyword("timeout", Value::None())
      .Keyword("timeout_ptr", Value::None())
      .Keyword("events", Value::None())
      .Summary("io_getevents(2) (timeout: a duration in ns, none waits): a list of io_events (.data .obj .res .res2), "
               "or -errno");
  calls.Add("io_pgetevents", [world](CallContext& c, Args& a) { return IoPgetevents(c, a, world); })
      .Params({"ctx", "min_nr", "nr"})
      .Keyword("timeout", Value::None())
      .Keyword("timeout_ptr", Value::None())
      .Keyword("events", Value::None())
      .Keyword("sigmask", Value::None())
      .Keyword("sigsetsize", Value::Int(8))
      .Keyword("usig", Value::None())
      .Summary("io_pgetevents(2) with a signal mask installed for the call (sigmask: sigmask(n) bits); as io_getevents");
  IocbKeywords(calls.Add("pread", [](CallContext& c, Args& a) { return PrepRw(c, a, kernel::IOCB_CMD_PREAD); })
                   .Params({"fd", "buf", "len", "off"}))
      .Summary("an IOCB_CMD_PREAD iocb in user memory (no I/O until io_submit); keywords data, flags, rw_flags, resfd, "
               "reqprio");
  IocbKeywords(calls.Add("pwrite", [](CallContext& c, Args& a) { return PrepRw(c, a, kernel::IOCB_CMD_PWRITE); })
                   .Params({"fd", "buf", "len", "off"}))
      .Summary("an IOCB_CMD_PWRITE iocb (buf: a buffer, address or string)");
  IocbKeywords(calls.Add("preadv", [](CallContext& c, Args& a) { return PrepRwv(c, a, kernel::IOCB_CMD_PREADV); })
                   .Params({"fd", "iovs", "off"}))
      .Summary("an IOCB_CMD_PREADV iocb over a list of buffers or [buffer, len] pairs");
  IocbKeywords(calls.Add("pwritev", [](CallContext& c, Args& a) { return PrepRwv(c, a, kernel::IOCB_CMD_PWRITEV); })
                   .Params({"fd", "iovs", "off"}))
      .Summary("an IOCB_CMD_PWRITEV iocb");
  IocbKeywords(calls.Add("aio_fsync", [](CallContext& c, Args& a) { return PrepFsync(c, a, kernel::IOCB_CMD_FSYNC); })
                   .Params({"fd"}))
      .Summary("an IOCB_CMD_FSYNC iocb (named so as not to clash with the fsync syscall)");
  IocbKeywords(calls.Add("aio_fdsync", [](CallContext& c, Args& a) { return PrepFsync(c, a, kernel::IOCB_CMD_FDSYNC); })
                   .Params({"fd"}))
      .Summary("an IOCB_CMD_FDSYNC iocb");
  IocbKeywords(calls.Add("poll", PrepPoll).Params({"fd", "events"}))
      .Summary("an IOCB_CMD_POLL iocb for POLL* events; its event's res is the ready mask");
  IocbKeywords(calls.Add("noop_iocb", PrepNoop)).Summary("an IOCB_CMD_NOOP iocb (io_submit rejects it: -EINVAL)");
  calls.Add("iocb", PrepRaw)
      .Keyword("opcode", Value::Int(0))
      .Keyword("fd", Value::Int(0))
      .Keyword("buf", Value::Int(0))
      .Keyword("nbytes", Value::Int(0))
      .Keyword("offset", Value::Int(0))
      .Keyword("key", Value::Int(0))
      .Keyword("reserved2", Value::Int(0))
      .Keyword("data", Value::Int(0))
      .Keyword("flags", Value::Int(0))
      .Keyword("rw_flags", Value::Int(0))
      .Keyword("reqprio", Value::Int(0))
      .Keyword("resfd", Value::Int(0))
      .Summary("a raw iocb with every field given (defaults 0), for error tests");
  calls.Add("ring", Ring)
      .Params({"ctx"})
      .Summary("the ring header read from user memory now (.id .nr .head .tail .magic .compat_features "
               ".incompat_features .header_length), or -EFAULT");
  calls.Add("ring_event", RingEvent).Params({"ctx", "i"}).Summary("the io_event in ring slot i, read from user memory");
  calls.Add("ring_set_head", RingSetHead)
      .Params({"ctx", "head"})
      .Summary("stores the ring's head from user space (as a program reaping events itself); 0 or -EFAULT");
  calls.Add("ring_reap", [world](CallContext& c, Args& a) { return RingReap(c, a, world); })
      .Params({"ctx"})
      .Keyword("max", Value::Int(1 << 20))
      .Summary("reaps events from the ring in user space, without a syscall (libaio/fio style): a list of io_events");
  calls.Add("event_for", EventFor)
      .Params({"events", "iocb"})
      .Summary("the event of this iocb in a list of events, or none");
}

}  // namespace scenarios::kext
