// File syscalls: kernel_model/read_write.h and vfs_namei.h, as strace
// spells them. A buffer argument may be a buffer, a plain address, or (for
// writes) a string; a length left out is the buffer's (or string's).
#include <fcntl.h>

#include "kernel_model/read_write.h"
#include "kernel_model/vfs_namei.h"
#include "scenarios/ext_calls.h"
#include "scenarios/ext_task.h"
#include "scenarios/ext_user_memory.h"
#include "scenarios/ext_world.h"

namespace scenarios::kext {

namespace {

unsigned Fd(const Args& args, std::string_view name = "fd") {
  // Negative fds wrap to huge unsigned values, which the kernel rejects
  // with -EBADF, as a raw syscall would.
  return static_cast<unsigned>(args.Int(name));
}

// The byte count of a read/write: len= if given, else the buffer's length.
uint64_t Count(CallContext& ctx, const Args& args, const DataRange& d) {
  if (!args.Get("len").is_none()) return static_cast<uint64_t>(args.Int("len"));
  if (!d.len) ctx.Fail("a plain address needs len=");
  return *d.len;
}

Value Open(CallContext& ctx, Args& args) {
  const std::string& path = args.String("path");
  const int flags = static_cast<int>(args.Int("flags"));
  const auto mode = static_cast<kernel::umode_t>(args.Int("mode"));
  return Value::Int(Syscall(ctx, [&] { return kernel::sys_open(path, flags, mode); }));
}

Value Close(CallContext& ctx, Args& args) {
  const unsigned fd = Fd(args);
  return Value::Int(Syscall(ctx, [&] { return kernel::sys_close(fd); }));
}

Value ReadWrite(CallContext& ctx, Args& args, bool write) {
  const unsigned fd = Fd(args);
  Task(ctx);
  const DataRange d = DataArg(ctx, args, "buf", /*scratch=*/true);
  const uint64_t n = Count(ctx, args, d);
  return Value::Int(Syscall(ctx, [&] { return write ? kernel::sys_write(fd, d.addr, n) : kernel::sys_read(fd, d.addr, n); }));
}

Value PreadPwrite(CallContext& ctx, Args& args, bool write) {
  const unsigned fd = Fd(args);
  Task(ctx);
  const DataRange d = DataArg(ctx, args, "buf", /*scratch=*/true);
  const uint64_t n = Count(ctx, args, d);
  const kernel::loff_t off = args.Int("off");
  return Value::Int(Syscall(ctx, [&] {
    return write ? kernel::sys_pwrite64(fd, d.addr, n, off) : kernel::sys_pread64(fd, d.addr, n, off);
  }));
}

Value Vectored(CallContext& ctx, Args& args, bool write, bool positional) {
  const unsigned fd = Fd(args);
  Task(ctx);
  uint64_t count = 0;
  const kernel::user_ptr vec = PlaceIovecs(ctx, args, "iovs", /*scratch=*/true, &count);
  if (!positional) {
    return Value::Int(Syscall(ctx, [&] { return write ? kernel::sys_writev(fd, vec, count) : kernel::sys_readv(fd, vec, count); }));
  }
  const kernel::loff_t off = args.Int("off");
  const auto flags = static_cast<kernel::rwf_t>(args.Int("flags"));
  return Value::Int(Syscall(ctx, [&] {
    return write ? kernel::sys_pwritev2(fd, vec, count, off, flags) : kernel::sys_preadv2(fd, vec, count, off, flags);
  }));
}

Value Lseek(CallContext& ctx, Args& args) {
  const unsigned fd = Fd(args);
  const kernel::loff_t off = args.Int("off");
  const auto whence = static_cast<unsigned>(args.Int("whence"));
  return Value::Int(Syscall(ctx, [&] { return kernel::sys_lseek(fd, off, whence); }));
}

Value Fsync(CallContext& ctx, Args& args, bool datasync) {
  const unsigned fd = Fd(args);
  return Value::Int(Syscall(ctx, [&] { return datasync ? kernel::sys_fdatasync(fd) : kernel::sys_fsync(fd); }));
}

Value Ftruncate(CallContext& ctx, Args& args) {
  const unsigned fd = Fd(args);
  const kernel::loff_t len = args.Int("len");
  return Value::Int(Syscall(ctx, [&] { return kernel::sys_ftruncate(fd, len); }));
}

Value Truncate(CallContext& ctx, Args& args) {
  const std::string& path = args.String("path");
  const kernel::loff_t len = args.Int("len");
  return Value::Int(Syscall(ctx, [&] { return kernel::sys_truncate(path, len); }));
}

Value Unlink(CallContext& ctx, Args& args) {
  const std::string& path = args.String("path");
  return Value::Int(Syscall(ctx, [&] { return kernel::sys_unlink(path); }));
}

Value Dup(CallContext& ctx, Args& args) {
  const unsigned fd = Fd(args);
  return Value::Int(Syscall(ctx, [&] { return kernel::sys_dup(fd); }));
}

Value Dup2(CallContext& ctx, Args& args) {
  const unsigned oldfd = Fd(args, "oldfd");
  const unsigned newfd = Fd(args, "newfd");
  return Value::Int(Syscall(ctx, [&] { return kernel::sys_dup2(oldfd, newfd); }));
}

Value Fcntl(CallContext& ctx, Args& args) {
  const unsigned fd = Fd(args);
  const auto cmd = static_cast<unsigned>(args.Int("cmd"));
  const auto arg = static_cast<unsigned long>(args.Int("arg"));
  return Value::Int(Syscall(ctx, [&] { return kernel::sys_fcntl(fd, cmd, arg); }));
}

}  // namespace

void RegisterFileCalls(CallRegistry& calls) {
  calls.Add("open", Open)
      .Params({"path", "flags"})
      .Keyword("mode", Value::Int(0644))
      .Summary("open(2): O_* flags (O_CREAT needs a mount's path); the fd or -errno");
  calls.Add("close", Close).Params({"fd"}).Summary("close(2); 0 or -errno");
  calls.Add("read", [](CallContext& c, Args& a) { return ReadWrite(c, a, false); })
      .Params({"fd", "buf"})
      .Keyword("len", Value::None())
      .Summary("read(2) into a buffer (len defaults to the buffer's); bytes or -errno");
  calls.Add("write", [](CallContext& c, Args& a) { return ReadWrite(c, a, true); })
      .Params({"fd", "buf"})
      .Keyword("len", Value::None())
      .Summary("write(2) from a buffer or a string; bytes or -errno");
  calls.Add("pread64", [](CallContext& c, Args& a) { return PreadPwrite(c, a, false); })
      .Params({"fd", "buf", "len", "off"})
      .Summary("pread64(2); bytes or -errno");
  calls.Add("pwrite64", [](CallContext& c, Args& a) { return PreadPwrite(c, a, true); })
      .Params({"fd", "buf", "len", "off"})
      .Summary("pwrite64(2) from a buffer or a string; bytes or -errno");
  calls.Add("readv", [](CallContext& c, Args& a) { return Vectored(c, a, false, false); })
      .Params({"fd", "iovs"})
      .Summary("readv(2): iovs is a list of buffers or [buffer, len] pairs; bytes or -errno");
  calls.Add("writev", [](CallContext& c, Args& a) { return Vectored(c, a, true, false); })
      .Params({"fd", "iovs"})
      .Summary("writev(2); bytes or -errno");
  calls.Add("preadv2", [](CallContext& c, Args& a) { return Vectored(c, a, false, true); })
      .Params({"fd", "iovs", "off"})
      .Keyword("flags", Value::Int(0))
      .Summary("preadv2(2) with RWF_* flags (off -1: the file position); bytes or -errno");
  calls.Add("pwritev2", [](CallContext& c, Args& a) { return Vectored(c, a, true, true); })
      .Params({"fd", "iovs", "off"})
      .Keyword("flags", Value::Int(0))
      .Summary("pwritev2(2) with RWF_* flags; bytes or -errno");
  calls.Add("lseek", Lseek)
      .Params({"fd", "off"})
      .Keyword("whence", Value::Int(SEEK_SET))
      .Summary("lseek(2); the new position or -errno");
  calls.Add("fsync", [](CallContext& c, Args& a) { return Fsync(c, a, false); })
      .Params({"fd"})
      .Summary("fsync(2): writes back dirty pages and flushes the device cache; 0 or -errno");
  calls.Add("fdatasync", [](CallContext& c, Args& a) { return Fsync(c, a, true); })
      .Params({"fd"})
      .Summary("fdatasync(2); 0 or -errno");
  calls.Add("ftruncate", Ftruncate).Params({"fd", "len"}).Summary("ftruncate(2); 0 or -errno");
  calls.Add("truncate", Truncate).Params({"path", "len"}).Summary("truncate(2); 0 or -errno");
  calls.Add("unlink", Unlink).Params({"path"}).Summary("unlink(2); 0 or -errno");
  calls.Add("dup", Dup).Params({"fd"}).Summary("dup(2); the new fd or -errno");
  calls.Add("dup2", Dup2).Params({"oldfd", "newfd"}).Summary("dup2(2); newfd or -errno");
  calls.Add("fcntl", Fcntl)
      .Params({"fd", "cmd"})
      .Keyword("arg", Value::Int(0))
      .Summary("fcntl(2): F_GETFL, F_SETFL, F_GETFD, F_SETFD, F_DUPFD, F_GETPIPE_SZ, F_SETPIPE_SZ");
}

}  // namespace scenarios::kext
