#include "tests/kernel_model/differential/case_kit.h"

#include <fcntl.h>

#include <algorithm>
#include <cstring>

namespace diff {

static_assert(sizeof(iocb) == 64 && sizeof(io_event) == 32, "the AIO UAPI layout");

uint32_t ExpectedRingNr(unsigned nr_events, unsigned ncpus) {
  uint64_t n2 = 2ull * std::max<uint64_t>(nr_events, 4ull * ncpus);
  uint64_t events = n2 + 2;
  uint64_t size = 32 + 32 * events;
  uint64_t pages = (size + 4095) / 4096;
  return static_cast<uint32_t>((pages * 4096 - 32) / 32);
}

uint32_t ExpectedSlotsOneCpu(uint32_t ring_nr, unsigned ncpus) {
  uint32_t avail = ring_nr - 1;
  uint32_t batch = std::max<uint32_t>(1, avail / (4 * ncpus));
  return avail / batch * batch;
}

namespace {
iocb Rw(uint16_t op, int fd, uint64_t buf, uint64_t nbytes, int64_t offset, uint64_t data) {
  iocb cb;
  std::memset(&cb, 0, sizeof(cb));
  cb.aio_lio_opcode = op;
  cb.aio_fildes = static_cast<uint32_t>(fd);
  cb.aio_buf = buf;
  cb.aio_nbytes = nbytes;
  cb.aio_offset = offset;
  cb.aio_data = data;
  return cb;
}
}  // namespace

iocb Pread(int fd, uint64_t buf, uint64_t nbytes, int64_t offset, uint64_t data) {
  return Rw(IOCB_CMD_PREAD, fd, buf, nbytes, offset, data);
}
iocb Pwrite(int fd, uint64_t buf, uint64_t nbytes, int64_t offset, uint64_t data) {
  return Rw(IOCB_CMD_PWRITE, fd, buf, nbytes, offset, data);
}
iocb Preadv(int fd, uint64_t iov, uint64_t nr_iov, int64_t offset, uint64_t data) {
  return Rw(IOCB_CMD_PREADV, fd, iov, nr_iov, offset, data);
}
iocb Pwritev(int fd, uint64_t iov, uint64_t nr_iov, int64_t offset, uint64_t data) {
  return Rw(IOCB_CMD_PWRITEV, fd, iov, nr_iov, offset, data);
}
iocb Fsync(int fd, uint64_t data) { return Rw(IOCB_CMD_FSYNC, fd, 0, 0, 0, data); }
iocb Fdsync(int fd, uint64_t data) { return Rw(IOCB_CMD_FDSYNC, fd, 0, 0, 0, data); }
iocb PollCb(int fd, uint64_t mask, uint64_t data) {
  return Rw(IOCB_CMD_POLL, fd, mask, 0, 0, data);
}
iocb WithResfd(iocb cb, int resfd) {
  cb.aio_flags |= IOCB_FLAG_RESFD;
  cb.aio_resfd = static_cast<uint32_t>(resfd);
  return cb;
}
iocb WithOpcode(iocb cb, uint16_t opcode) {
  cb.aio_lio_opcode = opcode;
  return cb;
}

std::vector<uint8_t> Pattern(size_t n, uint8_t seed) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>((i * 131 + i / 256 + seed) | 1);
  return v;
}

int64_t Digest(const std::vector<uint8_t>& bytes) {
  uint64_t h = 1469598103934665603ull;  // FNV-1a 64
  for (uint8_t b : bytes) {
    h ^= b;
    h *= 1099511628211ull;
  }
  return static_cast<int64_t>(h >> 16);  // positive, still 48 bits of digest
}

Kit::Kit(SysApi& s, Obs& o) : sys(s), obs(o) { iocb_area_ = sys.Alloc(64 * kIocbAreaSlots); }

void Kit::Skip(std::string reason) { throw CaseSkipped{std::move(reason)}; }
void Kit::Abort(std::string reason) { throw CaseAborted{std::move(reason)}; }

uint64_t Kit::MemWith(const std::vector<uint8_t>& bytes) {
  uint64_t a = sys.Alloc(bytes.empty() ? 1 : bytes.size());
  if (!bytes.empty()) sys.Poke(a, bytes.data(), bytes.size());
  return a;
}

std::vector<uint8_t> Kit::Bytes(uint64_t addr, size_t n) {
  std::vector<uint8_t> v(n);
  if (n) sys.Peek(addr, v.data(), n);
  return v;
}

uint64_t Kit::U64At(uint64_t addr) {
  uint64_t v = 0;
  sys.Peek(addr, &v, sizeof(v));
  return v;
}
uint32_t Kit::U32At(uint64_t addr) {
  uint32_t v = 0;
  sys.Peek(addr, &v, sizeof(v));
  return v;
}
void Kit::PutU32(uint64_t addr, uint32_t v) { sys.Poke(addr, &v, sizeof(v)); }
void Kit::PutU64(uint64_t addr, uint64_t v) { sys.Poke(addr, &v, sizeof(v)); }

uint64_t Kit::Setup(unsigned nr) {
  uint64_t ctxp = Mem(8);
  long r = sys.IoSetup(nr, ctxp);
  Note("io_setup(" + std::to_string(nr) + ")", r);
  if (r != 0) Abort("io_setup(" + std::to_string(nr) + ") failed: " + std::to_string(r));
  return U64At(ctxp);
}

long Kit::Destroy(uint64_t ctx, const std::string& label) {
  long r = sys.IoDestroy(ctx);
  Note(label, r);
  return r;
}

RingHeader Kit::Ring(uint64_t ctx) {
  RingHeader h;
  sys.Peek(ctx, &h, sizeof(h));
  return h;
}

void Kit::RecordRing(const std::string& label, uint64_t ctx) {
  RingHeader h = Ring(ctx);
  Note(label + ".magic", h.magic);
  Note(label + ".nr", h.nr);
  Note(label + ".head", h.head);
  Note(label + ".tail", h.tail);
  Note(label + ".compat_features", h.compat_features);
  Note(label + ".incompat_features", h.incompat_features);
  Note(label + ".header_length", h.header_length);
}

uint64_t Kit::Place(const iocb& cb) {
  if (iocb_next_ >= kIocbAreaSlots) Abort("case uses more than kIocbAreaSlots iocbs");
  uint64_t a = IocbAddr(iocb_next_++);
  sys.Poke(a, &cb, sizeof(cb));
  return a;
}

int64_t Kit::IocbIndex(uint64_t obj) const {
  if (obj < iocb_area_ || obj >= iocb_area_ + 64 * kIocbAreaSlots || (obj - iocb_area_) % 64)
    return -1;
  return static_cast<int64_t>((obj - iocb_area_) / 64);
}

uint64_t Kit::PtrArray(const std::vector<uint64_t>& ptrs) {
  uint64_t a = Mem(8 * std::max<size_t>(1, ptrs.size()));
  if (!ptrs.empty()) sys.Poke(a, ptrs.data(), 8 * ptrs.size());
  return a;
}

long Kit::SubmitPtrs(const std::string& label, uint64_t ctx, const std::vector<uint64_t>& ptrs) {
  long r = sys.IoSubmit(ctx, static_cast<long>(ptrs.size()), PtrArray(ptrs));
  Note(label, r);
  return r;
}

long Kit::Submit(const std::string& label, uint64_t ctx, const std::vector<iocb>& cbs) {
  std::vector<uint64_t> ptrs;
  for (const iocb& cb : cbs) ptrs.push_back(Place(cb));
  return SubmitPtrs(label, ctx, ptrs);
}

long Kit::Submit1(const std::string& label, uint64_t ctx, const iocb& cb, uint64_t* addr) {
  uint64_t a = Place(cb);
  if (addr) *addr = a;
  return SubmitPtrs(label, ctx, {a});
}

uint64_t Kit::TimeoutAddr(const Timeout& t) {
  if (t.null) return 0;
  int64_t ts[2] = {t.sec, t.nsec};
  uint64_t a = Mem(sizeof(ts));
  sys.Poke(a, ts, sizeof(ts));
  return a;
}

long Kit::Reap(const std::string& label, uint64_t ctx, long min_nr, long nr, const Timeout& t) {
  uint64_t events = Mem(32 * static_cast<size_t>(std::max(1l, nr)));
  long r = sys.IoGetevents(ctx, min_nr, nr, events, TimeoutAddr(t));
  Note(label, r);
  RecordEvents(label, events, r);
  return r;
}

bool Kit::OnHost() const { return std::strcmp(sys.Side(), "host") == 0; }

void Kit::RecordEvents(const std::string& label, uint64_t events, long n) {
  last_events_.clear();
  for (long i = 0; i < n; ++i) {
    io_event ev;
    sys.Peek(events + 32 * static_cast<uint64_t>(i), &ev, sizeof(ev));
    last_events_.push_back(ev);
    std::string p = label + ".ev" + std::to_string(i);
    Note(p + ".data", static_cast<int64_t>(ev.data));
    Note(p + ".obj", IocbIndex(ev.obj));
    Note(p + ".res", ev.res);
    Note(p + ".res2", ev.res2);
  }
}

std::pair<int, int> Kit::Pipe(int flags) {
  uint64_t fds = Mem(8);
  long r = sys.Pipe2(fds, flags);
  if (r != 0) Abort("pipe2 failed: " + std::to_string(r));
  int v[2];
  sys.Peek(fds, v, sizeof(v));
  return {v[0], v[1]};
}

int Kit::Eventfd(int flags) {
  long r = sys.Eventfd2(0, flags);
  if (r < 0) Abort("eventfd2 failed: " + std::to_string(r));
  return static_cast<int>(r);
}

long Kit::WriteBytes(const std::string& label, int fd, size_t n) {
  uint64_t buf = MemWith(Pattern(n, 7));
  long r = sys.Write(fd, buf, n);
  Note(label, r);
  return r;
}

void Kit::RecordEventfd(const std::string& label, int efd) {
  uint64_t buf = Mem(8);
  long r = sys.Read(efd, buf, 8);
  Note(label + ".read", r);
  if (r == 8) Note(label + ".count", static_cast<int64_t>(U64At(buf)));
}

int Kit::File(const std::vector<uint8_t>& content, int flags) {
  long fd = sys.OpenFile(content, flags);
  if (fd < 0) Abort("opening a regular file failed: " + std::to_string(fd));
  return static_cast<int>(fd);
}

}  // namespace diff
