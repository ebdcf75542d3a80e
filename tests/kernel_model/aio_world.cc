#include "tests/kernel_model/aio_world.h"

#include <sys/mman.h>

#include <cstring>

#include "kernel_model/aio_user.h"
#include "kernel_model/eventfd.h"
#include "kernel_model/mm.h"
#include "kernel_model/pipe.h"
#include "kernel_model/read_write.h"
#include "kernel_model/sched.h"
#include "sim/check.h"

namespace aiotest {

int AioWorld::Run(std::function<int()> body, std::string design) {
  int ret = -1;
  SIM_CHECK(kernel::aio_set_design(design) == 0) << "unknown design " << design;
  task = kernel::create_process("test", [&ret, body] {
    ret = body();
    return 0;
  });
  result = World::Run();
  return ret;
}

std::string AioWorld::Text(const sim::TraceRecord& r) {
  if (!r.text) return "";
  return std::string(sched.trace().Text(r.text));
}

std::vector<std::string> AioWorld::RefHistory(int64_t req) {
  std::vector<std::string> out;
  sim::Trace& t = sched.trace();
  for (const sim::TraceRecord& r : t.records()) {
    const std::string& name = t.kind(r.kind).name;
    if ((name == "aio.iocb_get" || name == "aio.iocb_put") && r.values[1] == req) {
      out.push_back((name == "aio.iocb_get" ? "+" : "-") + Text(r) + ":" +
                    std::to_string(r.values[2]));
    }
  }
  return out;
}

std::vector<std::string> AioWorld::ViolationList() const {
  std::vector<std::string> out;
  for (const auto& v : sched.violations()) out.push_back(v.message);
  return out;
}

UserMem::UserMem(size_t bytes) : size_(bytes) {
  long addr =
      kernel::sys_mmap(0, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  SIM_CHECK(addr > 0) << "UserMem: mmap failed " << addr;
  base_ = static_cast<user_ptr>(addr);
}

user_ptr UserMem::Alloc(size_t n, size_t align) {
  used_ = (used_ + align - 1) & ~(align - 1);
  SIM_CHECK(used_ + n <= size_) << "UserMem: out of space";
  user_ptr p = base_ + used_;
  used_ += n;
  return p;
}

void Poke(user_ptr at, const void* data, size_t n) {
  SIM_CHECK(kernel::copy_to_user(at, data, n) == 0) << "Poke fault at " << at;
}
void Peek(user_ptr at, void* data, size_t n) {
  SIM_CHECK(kernel::copy_from_user(data, at, n) == 0) << "Peek fault at " << at;
}
void PokeU64(user_ptr at, uint64_t v) { Poke(at, &v, 8); }
uint64_t PeekU64(user_ptr at) {
  uint64_t v;
  Peek(at, &v, 8);
  return v;
}
void PokeU32(user_ptr at, uint32_t v) { Poke(at, &v, 4); }
uint32_t PeekU32(user_ptr at) {
  uint32_t v;
  Peek(at, &v, 4);
  return v;
}

user_ptr PlaceIocbs(UserMem& m, const std::vector<kernel::iocb>& cbs,
                    std::vector<user_ptr>* addrs) {
  user_ptr array = m.Alloc(8 * (cbs.size() ? cbs.size() : 1), 8);
  for (size_t i = 0; i < cbs.size(); ++i) {
    user_ptr at = m.Alloc(kernel::IOCB_SIZE, 64);
    SIM_CHECK(kernel::aio_user_put_iocb(at, cbs[i]) == 0);
    PokeU64(array + 8 * i, at);
    if (addrs) addrs->push_back(at);
  }
  return array;
}

kernel::aio_context_t Setup(UserMem& m, unsigned nr, long* err) {
  user_ptr ctxp = m.Alloc(8, 8);
  PokeU64(ctxp, 0);
  long r = kernel::sys_io_setup(nr, ctxp);
  if (err) *err = r;
  return r == 0 ? PeekU64(ctxp) : 0;
}

std::vector<kernel::io_event> Events(user_ptr at, long n) {
  std::vector<kernel::io_event> out;
  for (long i = 0; i < n; ++i) {
    kernel::io_event ev;
    SIM_CHECK(kernel::aio_user_get_event(at + 32 * i, &ev) == 0);
    out.push_back(ev);
  }
  return out;
}

kernel::aio_ring RingHeader(kernel::aio_context_t ctx) {
  kernel::aio_ring r;
  SIM_CHECK(kernel::aio_user_ring_header(ctx, &r) == 0);
  return r;
}

void Pipe(UserMem& m, int fds[2], int flags) {
  user_ptr p = m.Alloc(8, 8);
  SIM_CHECK(kernel::sys_pipe2(p, flags) == 0);
  Peek(p, fds, 8);
}

int Eventfd(int flags) {
  long fd = kernel::sys_eventfd2(0, flags);
  SIM_CHECK(fd >= 0) << "eventfd2 failed " << fd;
  return static_cast<int>(fd);
}

int64_t ReadEventfd(UserMem& m, int fd) {
  user_ptr b = m.Alloc(8, 8);
  long r = kernel::sys_read(static_cast<unsigned>(fd), b, 8);
  if (r < 0) return r;
  return static_cast<int64_t>(PeekU64(b));
}

long WriteBytes(UserMem& m, int fd, size_t n, uint8_t byte) {
  user_ptr b = m.Alloc(n ? n : 1, 16);
  std::vector<uint8_t> data(n, byte);
  if (n) Poke(b, data.data(), n);
  return kernel::sys_write(static_cast<unsigned>(fd), b, n);
}

}  // namespace aiotest
