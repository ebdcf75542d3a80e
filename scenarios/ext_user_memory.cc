#include "scenarios/ext_user_memory.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "devices/media.h"
#include "kernel_model/mm.h"
#include "kernel_model/uio.h"
#include "kernel_model/vfs_namei.h"
#include "kernel_model/vfs_setup.h"
#include "kernel_model/vfs_simplefs.h"
#include "scenarios/ext_task.h"
#include "scenarios/ext_world.h"

namespace scenarios::kext {

namespace {

std::string Hex(uint64_t v) {
  char b[32];
  std::snprintf(b, sizeof b, "0x%llx", static_cast<unsigned long long>(v));
  return b;
}

std::string HexByte(uint8_t v) {
  char b[8];
  std::snprintf(b, sizeof b, "0x%02x", v);
  return b;
}

// A short readable preview of bytes: printable ASCII as text, else hex.
std::string Preview(const std::vector<uint8_t>& b) {
  const size_t n = std::min<size_t>(b.size(), 16);
  bool printable = n > 0;
  for (size_t i = 0; i < n; ++i) printable = printable && b[i] >= 0x20 && b[i] < 0x7f;
  std::string out;
  if (printable) {
    out = "\"" + std::string(b.begin(), b.begin() + static_cast<std::ptrdiff_t>(n)) + "\"";
  } else {
    for (size_t i = 0; i < n; ++i) {
      char x[4];
      std::snprintf(x, sizeof x, "%02x", b[i]);
      out += x;
    }
  }
  if (b.size() > n) out += "...";
  return out;
}

sim::Status ByteIndex(const Value& index, uint64_t len, uint64_t* out) {
  if (!index.is_int()) return sim::Status::Error("index must be an int, got " + std::string(index.TypeName()));
  const int64_t i = index.as_int();
  if (i < 0 || static_cast<uint64_t>(i) >= len) {
    return sim::Status::Error("index " + std::to_string(i) + " out of range for " + std::to_string(len) + " bytes");
  }
  *out = static_cast<uint64_t>(i);
  return sim::Status::Ok();
}

sim::Status CompareContents(const std::vector<uint8_t>& mine, const Value& other, bool* equal) {
  std::vector<uint8_t> theirs;
  std::string why;
  if (!ContentOf(other, &theirs, &why)) return sim::Status::Error(why);
  *equal = mine == theirs;
  return sim::Status::Ok();
}

std::string DescribeMismatch(const std::vector<uint8_t>& mine, const Value& other) {
  std::vector<uint8_t> theirs;
  std::string why;
  if (!ContentOf(other, &theirs, &why)) return "";
  const size_t n = std::min(mine.size(), theirs.size());
  size_t i = 0;
  while (i < n && mine[i] == theirs[i]) ++i;
  std::string out;
  if (i < n) {
    out = "first difference at offset " + std::to_string(i) + ": " + HexByte(mine[i]) + " vs " + HexByte(theirs[i]);
  }
  if (mine.size() != theirs.size()) {
    if (!out.empty()) out += "; ";
    out += "lengths differ: " + std::to_string(mine.size()) + " vs " + std::to_string(theirs.size());
  }
  return out;
}

int64_t NonNegative(CallContext& ctx, const Args& args, std::string_view name) {
  const int64_t v = args.Int(name);
  if (v < 0) ctx.Fail("argument '" + std::string(name) + "' must be >= 0, got " + std::to_string(v));
  return v;
}

// The bytes [off, off+len) of a file's blocks on the persisted media
// (ignoring the page cache and the device's volatile cache): what a reader
// would find after a crash. Holes read as zeros; past EOF is cut off.
sim::Status ReadPersisted(std::string_view path, int64_t off, size_t len, std::vector<uint8_t>* out) {
  out->clear();
  kernel::inode* ino = kernel::lookup_path(path);
  if (ino == nullptr) return sim::Status::Error("no such file " + std::string(path));
  const int64_t size = kernel::i_size_read(ino);
  if (off >= size) return sim::Status::Ok();
  const size_t n = std::min<size_t>(len, static_cast<size_t>(size - off));
  out->resize(n);
  kernel::super_block* sb = ino->i_sb;
  devices::Media& media = sb->s_bdev->bd_device->media();
  std::vector<uint8_t> block(kernel::PAGE_SIZE);
  size_t done = 0;
  while (done < n) {
    const uint64_t at = static_cast<uint64_t>(off) + done;
    const uint64_t lblk = at / kernel::PAGE_SIZE;
    const size_t in_block = at % kernel::PAGE_SIZE;
    const size_t chunk = std::min<size_t>(n - done, kernel::PAGE_SIZE - in_block);
    uint64_t pblk = 0, blen = 0;
    bool fresh = false;
    kernel::simplefs_map_blocks(ino, lblk, 1, false, &pblk, &blen, &fresh);
    if (pblk == kernel::SIMPLEFS_HOLE) {
      std::memset(out->data() + done, 0, chunk);
    } else {
      const uint64_t sector = kernel::simplefs_block_sector(sb, pblk);
      media.PeekPersisted(sector, static_cast<uint32_t>(kernel::PAGE_SIZE / devices::kSectorSize), block.data());
      std::memcpy(out->data() + done, block.data() + in_block, chunk);
    }
    done += chunk;
  }
  return sim::Status::Ok();
}

Value FileSnapshot(CallContext& ctx, Args& args, bool persisted) {
  const std::string& path = args.String("path");
  const int64_t off = NonNegative(ctx, args, "off");
  size_t len = SIZE_MAX;
  if (!args.Get("len").is_none()) len = static_cast<size_t>(NonNegative(ctx, args, "len"));
  std::vector<uint8_t> bytes;
  sim::Status s = persisted ? ReadPersisted(path, off, len, &bytes) : kernel::read_file_contents(path, off, len, &bytes);
  if (!s.ok()) ctx.Fail(s.message());
  std::string label = std::string(persisted ? "persisted " : "file ") + path + " [" + std::to_string(off) + ", " +
                      std::to_string(off + static_cast<int64_t>(bytes.size())) + ")";
  return Value::Obj(std::make_shared<BytesObject>(std::move(label), std::move(bytes)));
}

// The [off, off+len) window of a buffer-or-address argument.
struct Window {
  kernel::user_ptr addr = 0;
  uint64_t len = 0;
};
Window WindowArg(CallContext& ctx, const Args& args) {
  const kernel::user_ptr base = AddressArg(args, "buf");
  const std::optional<uint64_t> blen = BufferLength(args, "buf");
  const uint64_t off = static_cast<uint64_t>(NonNegative(ctx, args, "off"));
  uint64_t len = 0;
  if (!args.Get("len").is_none()) {
    len = static_cast<uint64_t>(NonNegative(ctx, args, "len"));
  } else if (blen) {
    if (off > *blen) ctx.Fail("offset " + std::to_string(off) + " is past the buffer's " + std::to_string(*blen) + " bytes");
    len = *blen - off;
  } else {
    ctx.Fail("a plain address needs len=");
  }
  if (blen && off + len > *blen) {
    ctx.Fail("[" + std::to_string(off) + ", " + std::to_string(off + len) + ") is outside the buffer's " +
             std::to_string(*blen) + " bytes");
  }
  return Window{base + off, len};
}

Value Alloc(CallContext& ctx, Args& args) {
  const int64_t len = args.Int("len");
  if (len <= 0 || len > (int64_t{1} << 32)) ctx.Fail("len must be in 1..4GiB, got " + std::to_string(len));
  const int64_t align = args.Int("align");
  if (align < 0 || (align & (align - 1)) != 0 || align > (int64_t{1} << 30)) {
    ctx.Fail("align must be a power of two, got " + std::to_string(align));
  }
  Task(ctx);
  const kernel::user_ptr a = HeapAlloc(ctx, static_cast<uint64_t>(len), static_cast<uint64_t>(align));
  return Value::Obj(std::make_shared<BufferObject>(Mm(ctx), a, static_cast<uint64_t>(len)));
}

Value Mmap(CallContext& ctx, Args& args) {
  const int64_t len = args.Int("len");
  const int64_t prot = args.Int("prot");
  if (len <= 0 || len > (int64_t{1} << 32)) ctx.Fail("len must be in 1..4GiB, got " + std::to_string(len));
  const long r = Syscall(ctx, [&] {
    return kernel::sys_mmap(0, static_cast<unsigned long>(len), static_cast<unsigned long>(prot),
                            MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  });
  if (r < 0) return Value::Int(r);
  return Value::Obj(std::make_shared<BufferObject>(Mm(ctx), static_cast<kernel::user_ptr>(r), static_cast<uint64_t>(len)));
}

Value Munmap(CallContext& ctx, Args& args) {
  const kernel::user_ptr addr = AddressArg(args, "buf");
  uint64_t len = 0;
  if (!args.Get("len").is_none()) {
    len = static_cast<uint64_t>(NonNegative(ctx, args, "len"));
  } else if (std::optional<uint64_t> b = BufferLength(args, "buf")) {
    len = *b;
  } else {
    ctx.Fail("a plain address needs len=");
  }
  return Value::Int(Syscall(ctx, [&] { return kernel::sys_munmap(addr, len); }));
}

Value Mprotect(CallContext& ctx, Args& args) {
  const kernel::user_ptr addr = AddressArg(args, "buf");
  uint64_t len = 0;
  if (!args.Get("len").is_none()) {
    len = static_cast<uint64_t>(NonNegative(ctx, args, "len"));
  } else if (std::optional<uint64_t> b = BufferLength(args, "buf")) {
    len = (*b + kernel::PAGE_SIZE - 1) & kernel::PAGE_MASK;
  } else {
    ctx.Fail("a plain address needs len=");
  }
  const int64_t prot = args.Int("prot");
  return Value::Int(Syscall(ctx, [&] { return kernel::sys_mprotect(addr, len, static_cast<unsigned long>(prot)); }));
}

Value Fill(CallContext& ctx, Args& args) {
  Task(ctx);
  const Window w = WindowArg(ctx, args);
  const Value& pattern = args.Get("pattern");
  std::string unit;
  if (pattern.is_int()) {
    if (pattern.as_int() < 0 || pattern.as_int() > 255) ctx.Fail("a byte must be 0..255, got " + std::to_string(pattern.as_int()));
    unit.assign(1, static_cast<char>(pattern.as_int()));
  } else if (pattern.is_string()) {
    unit = pattern.as_string();
    if (unit.empty()) ctx.Fail("the pattern is an empty string");
  } else {
    args.TypeError("pattern", "string or int", pattern);
  }
  std::vector<uint8_t> data(w.len);
  for (uint64_t i = 0; i < w.len; ++i) data[i] = static_cast<uint8_t>(unit[i % unit.size()]);
  const unsigned long left = kernel::copy_to_mm(Mm(ctx), w.addr, data.data(), data.size());
  if (left != 0) ctx.Fail("address " + Hex(w.addr + (w.len - left)) + " is not mapped");
  return Value::Int(static_cast<int64_t>(w.len));
}

Value BytesCall(CallContext& ctx, Args& args) {
  // A slice of a snapshot.
  if (const Value& v = args.Get("buf"); v.is_object()) {
    if (auto* snap = dynamic_cast<const BytesObject*>(v.as_object().get())) {
      const std::vector<uint8_t>& all = snap->bytes();
      const uint64_t off = static_cast<uint64_t>(NonNegative(ctx, args, "off"));
      const uint64_t len =
          args.Get("len").is_none() ? (off <= all.size() ? all.size() - off : 0) : static_cast<uint64_t>(NonNegative(ctx, args, "len"));
      if (off + len > all.size()) {
        ctx.Fail("[" + std::to_string(off) + ", " + std::to_string(off + len) + ") is outside the snapshot's " +
                 std::to_string(all.size()) + " bytes");
      }
      return Value::Obj(std::make_shared<BytesObject>(
          "bytes " + std::to_string(off) + ".." + std::to_string(off + len),
          std::vector<uint8_t>(all.begin() + static_cast<std::ptrdiff_t>(off),
                               all.begin() + static_cast<std::ptrdiff_t>(off + len))));
    }
  }
  Task(ctx);
  const Window w = WindowArg(ctx, args);
  std::vector<uint8_t> data(w.len);
  const unsigned long left = kernel::copy_from_mm(Mm(ctx), data.data(), w.addr, data.size());
  if (left != 0) ctx.Fail("address " + Hex(w.addr + (w.len - left)) + " is not mapped");
  return Value::Obj(std::make_shared<BytesObject>("bytes at " + Hex(w.addr), std::move(data)));
}

Value Text(CallContext& ctx, Args& args) {
  std::vector<uint8_t> b;
  std::string why;
  if (!ContentOf(args.Get("v"), &b, &why)) ctx.Fail(why);
  return Value::Str(std::string(b.begin(), b.end()));
}

int64_t WordSize(CallContext& ctx, const Args& args) {
  const int64_t size = args.Int("size");
  if (size != 1 && size != 2 && size != 4 && size != 8) ctx.Fail("size must be 1, 2, 4 or 8, got " + std::to_string(size));
  return size;
}

Value Peek(CallContext& ctx, Args& args) {
  Task(ctx);
  const kernel::user_ptr at = AddressArg(args, "addr") + static_cast<uint64_t>(NonNegative(ctx, args, "off"));
  const int64_t size = WordSize(ctx, args);
  uint64_t v = 0;
  if (kernel::copy_from_mm(Mm(ctx), &v, at, static_cast<unsigned long>(size)) != 0) {
    ctx.Fail("address " + Hex(at) + " is not mapped");
  }
  return Value::Int(static_cast<int64_t>(v));
}

Value Poke(CallContext& ctx, Args& args) {
  Task(ctx);
  const kernel::user_ptr at = AddressArg(args, "addr") + static_cast<uint64_t>(NonNegative(ctx, args, "off"));
  const int64_t size = WordSize(ctx, args);
  const uint64_t v = static_cast<uint64_t>(args.Int("value"));
  if (kernel::copy_to_mm(Mm(ctx), at, &v, static_cast<unsigned long>(size)) != 0) {
    ctx.Fail("address " + Hex(at) + " is not mapped");
  }
  return Value::Int(0);
}

}  // namespace

// --- BufferObject ---

bool BufferObject::Read(std::vector<uint8_t>* out, std::string* why) const {
  out->assign(len_, 0);
  if (mm_ == nullptr || mm_->dead) {
    *why = "the buffer's process has exited";
    return false;
  }
  const unsigned long left = kernel::copy_from_mm(mm_, out->data(), addr_, len_);
  if (left != 0) {
    *why = "buffer byte " + std::to_string(len_ - left) + " (" + Hex(addr_ + (len_ - left)) + ") is not mapped";
    return false;
  }
  return true;
}

std::string BufferObject::ToString() const {
  return "buffer(" + Hex(addr_) + ", " + std::to_string(len_) + ")";
}

sim::Status BufferObject::GetField(std::string_view name, Value* out) const {
  if (name == "addr") {
    *out = Value::Int(static_cast<int64_t>(addr_));
  } else if (name == "len") {
    *out = Value::Int(static_cast<int64_t>(len_));
  } else {
    return sim::Status::Error("buffer has no field '" + std::string(name) + "' (fields: addr, len)");
  }
  return sim::Status::Ok();
}

sim::Status BufferObject::GetIndex(const Value& index, Value* out) const {
  uint64_t i = 0;
  if (sim::Status s = ByteIndex(index, len_, &i); !s.ok()) return s;
  uint8_t b = 0;
  if (mm_ == nullptr || mm_->dead || kernel::copy_from_mm(mm_, &b, addr_ + i, 1) != 0) {
    return sim::Status::Error("buffer byte " + std::to_string(i) + " (" + Hex(addr_ + i) + ") is not mapped");
  }
  *out = Value::Int(b);
  return sim::Status::Ok();
}

sim::Status BufferObject::SetIndex(const Value& index, const Value& v) {
  uint64_t i = 0;
  if (sim::Status s = ByteIndex(index, len_, &i); !s.ok()) return s;
  if (!v.is_int() || v.as_int() < 0 || v.as_int() > 255) {
    return sim::Status::Error("a buffer byte must be an int 0..255, got " + v.Repr());
  }
  const uint8_t b = static_cast<uint8_t>(v.as_int());
  if (mm_ == nullptr || mm_->dead || kernel::copy_to_mm(mm_, addr_ + i, &b, 1) != 0) {
    return sim::Status::Error("buffer byte " + std::to_string(i) + " (" + Hex(addr_ + i) + ") is not mapped");
  }
  return sim::Status::Ok();
}

sim::Status BufferObject::Equals(const Value& other, bool* equal) const {
  std::vector<uint8_t> mine;
  std::string why;
  if (!Read(&mine, &why)) return sim::Status::Error(why);
  return CompareContents(mine, other, equal);
}

std::string BufferObject::Mismatch(const Value& other) const {
  std::vector<uint8_t> mine;
  std::string why;
  if (!Read(&mine, &why)) return why;
  return DescribeMismatch(mine, other);
}

// --- BytesObject ---

std::string BytesObject::ToString() const { return label_ + " " + Preview(bytes_); }

sim::Status BytesObject::GetIndex(const Value& index, Value* out) const {
  uint64_t i = 0;
  if (sim::Status s = ByteIndex(index, bytes_.size(), &i); !s.ok()) return s;
  *out = Value::Int(bytes_[i]);
  return sim::Status::Ok();
}

sim::Status BytesObject::Equals(const Value& other, bool* equal) const {
  return CompareContents(bytes_, other, equal);
}

std::string BytesObject::Mismatch(const Value& other) const { return DescribeMismatch(bytes_, other); }

// --- helpers ---

bool ContentOf(const Value& v, std::vector<uint8_t>* out, std::string* why) {
  if (v.is_string()) {
    out->assign(v.as_string().begin(), v.as_string().end());
    return true;
  }
  if (v.is_object()) {
    if (auto* b = dynamic_cast<const BufferObject*>(v.as_object().get())) return b->Read(out, why);
    if (auto* s = dynamic_cast<const BytesObject*>(v.as_object().get())) {
      *out = s->bytes();
      return true;
    }
  }
  *why = "cannot compare bytes with " + std::string(v.TypeName());
  return false;
}

kernel::user_ptr AddressArg(const Args& args, std::string_view name) {
  const Value& v = args.Get(name);
  if (v.is_int()) return static_cast<kernel::user_ptr>(v.as_int());
  if (v.is_object()) {
    if (auto* b = dynamic_cast<const BufferObject*>(v.as_object().get())) return b->addr();
  }
  args.TypeError(name, "buffer or int address", v);
}

std::optional<uint64_t> BufferLength(const Args& args, std::string_view name) {
  const Value& v = args.Get(name);
  if (v.is_object()) {
    if (auto* b = dynamic_cast<const BufferObject*>(v.as_object().get())) return b->len();
  }
  return std::nullopt;
}

kernel::user_ptr PlaceBytes(CallContext& ctx, std::string_view data, bool scratch) {
  const kernel::user_ptr at = scratch ? Scratch(ctx, data.size()) : HeapAlloc(ctx, data.size(), 16);
  if (!data.empty() && kernel::copy_to_mm(Mm(ctx), at, data.data(), data.size()) != 0) {
    ctx.Fail("could not write " + std::to_string(data.size()) + " bytes of user memory");
  }
  return at;
}

DataRange DataArg(CallContext& ctx, const Args& args, std::string_view name, bool scratch) {
  const Value& v = args.Get(name);
  if (v.is_string()) return DataRange{PlaceBytes(ctx, v.as_string(), scratch), v.as_string().size()};
  return DataRange{AddressArg(args, name), BufferLength(args, name)};
}

kernel::user_ptr PlaceIovecs(CallContext& ctx, const Args& args, std::string_view name, bool scratch,
                             uint64_t* count) {
  const std::shared_ptr<List>& items = args.ListArg(name);
  std::vector<kernel::iovec> vec;
  for (size_t i = 0; i < items->items.size(); ++i) {
    const Value& item = items->items[i];
    kernel::iovec iov;
    if (item.is_object() && dynamic_cast<const BufferObject*>(item.as_object().get())) {
      auto* b = static_cast<const BufferObject*>(item.as_object().get());
      iov.iov_base = b->addr();
      iov.iov_len = b->len();
    } else if (item.is_list() && item.as_list()->items.size() == 2 && item.as_list()->items[1].is_int()) {
      const Value& base = item.as_list()->items[0];
      if (base.is_int()) {
        iov.iov_base = static_cast<kernel::user_ptr>(base.as_int());
      } else if (base.is_object() && dynamic_cast<const BufferObject*>(base.as_object().get())) {
        iov.iov_base = static_cast<const BufferObject*>(base.as_object().get())->addr();
      } else {
        ctx.Fail(std::string(name) + "[" + std::to_string(i) + "]: the base must be a buffer or an address, got " +
                 std::string(base.TypeName()));
      }
      iov.iov_len = static_cast<uint64_t>(item.as_list()->items[1].as_int());
    } else {
      ctx.Fail(std::string(name) + "[" + std::to_string(i) + "] must be a buffer or [buffer, len], got " +
               item.Repr());
    }
    vec.push_back(iov);
  }
  *count = vec.size();
  const std::string_view raw(reinterpret_cast<const char*>(vec.data()), vec.size() * sizeof(kernel::iovec));
  if (!scratch) return PlaceBytes(ctx, raw, false);
  const kernel::user_ptr at = Scratch(ctx, raw.size(), 1);  // area 1: data strings use area 0
  if (!raw.empty() && kernel::copy_to_mm(Mm(ctx), at, raw.data(), raw.size()) != 0) {
    ctx.Fail("could not write the iovec array into user memory");
  }
  return at;
}

void RegisterMemoryCalls(CallRegistry& calls, KernelWorld* world) {
  calls.Add("alloc", Alloc)
      .Params({"len"})
      .Keyword("align", Value::Int(16))
      .Summary("len bytes of zeroed user memory (align: a power of two); a buffer with .addr, .len, buf[i]");
  calls.Add("mmap", Mmap)
      .Params({"len"})
      .Keyword("prot", Value::Int(PROT_READ | PROT_WRITE))
      .Summary("an anonymous private mapping of its own (mmap(2)); a buffer, or -errno");
  calls.Add("munmap", Munmap)
      .Params({"buf"})
      .Keyword("len", Value::None())
      .Summary("munmap(2) of a buffer (or an address with len=); 0 or -errno");
  calls.Add("mprotect", Mprotect)
      .Params({"buf", "prot"})
      .Keyword("len", Value::None())
      .Summary("mprotect(2) of a buffer's pages; 0 or -errno");
  calls.Add("fill", Fill)
      .Params({"buf", "pattern"})
      .Keyword("off", Value::Int(0))
      .Keyword("len", Value::None())
      .Summary("fills a buffer (from off, len bytes) with a repeated string or a byte; the byte count");
  calls.Add("bytes", BytesCall)
      .Params({"buf"})
      .Keyword("off", Value::Int(0))
      .Keyword("len", Value::None())
      .Summary("a snapshot of user memory (a buffer, or an address with len=) or a slice of a snapshot, comparable with ==");
  calls.Add("text", Text).Params({"v"}).Summary("the bytes of a buffer or snapshot as a string");
  calls.Add("peek", Peek)
      .Params({"addr"})
      .Keyword("off", Value::Int(0))
      .Keyword("size", Value::Int(8))
      .Summary("reads a little-endian word (size 1, 2, 4 or 8) of user memory");
  calls.Add("poke", Poke)
      .Params({"addr", "value"})
      .Keyword("off", Value::Int(0))
      .Keyword("size", Value::Int(8))
      .Summary("writes a little-endian word (size 1, 2, 4 or 8) of user memory; 0");
  calls.Add("file", [](CallContext& c, Args& a) { return FileSnapshot(c, a, false); })
      .Params({"path"})
      .Keyword("off", Value::Int(0))
      .Keyword("len", Value::None())
      .Summary("the file's bytes as a reader would see them now (page cache, then media), comparable with ==");
  calls.Add("persisted", [](CallContext& c, Args& a) { return FileSnapshot(c, a, true); })
      .Params({"path"})
      .Keyword("off", Value::Int(0))
      .Keyword("len", Value::None())
      .Summary("the file's bytes on the device's persisted media only (what survives a power cut)");
  (void)world;
}

}  // namespace scenarios::kext
