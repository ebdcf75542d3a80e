// io_setup and io_destroy: ring sizing and layout, errors in the kernel's
// order, aio-nr accounting, the per-mm table, ownership by the mm, mremap,
// and destroy waiting for requests in flight.
#include <sys/mman.h>

#include <catch2/catch.hpp>

#include "kernel_model/aio.h"
#include "kernel_model/aio_user.h"
#include "kernel_model/mm.h"
#include "kernel_model/sched.h"
#include "tests/kernel_model/aio_world.h"

using namespace kernel;
using namespace aiotest;

TEST_CASE("io_setup: ring.nr follows 2*max(nr, 4*ncpus)+2 events rounded up to pages", "[aio]") {
  // [E] on 2 CPUs.
  const std::vector<std::pair<unsigned, unsigned>> table = {
      {1, 127},   {2, 127},    {5, 127},     {9, 127},     {100, 255},
      {128, 383}, {500, 1023}, {1000, 2047}, {1024, 2175}, {4096, 8319},
  };
  for (const auto& [nr, ring_nr] : table) {
    AioWorld w;
    unsigned got = 0;
    w.Run([&] {
      UserMem m(1 << 16);
      aio_context_t ctx = Setup(m, nr);
      REQUIRE(ctx != 0);
      got = RingHeader(ctx).nr;
      CHECK(sys_io_destroy(ctx) == 0);
      return 0;
    });
    INFO("io_setup(" << nr << ")");
    CHECK(got == ring_nr);
    CHECK(w.result.status == sim::RunStatus::kIdle);
    CHECK(aio_check_leaks() == 0);
  }
}

TEST_CASE("io_setup: the ring header is struct aio_ring at the page-aligned handle", "[aio]") {
  AioWorld w;
  w.Run([&] {
    UserMem m(1 << 16);
    aio_context_t ctx = Setup(m, 8);
    REQUIRE(ctx != 0);
    CHECK(ctx % PAGE_SIZE == 0);
    uint32_t raw[8];
    Peek(ctx, raw, sizeof(raw));
    CHECK(raw[0] == 0);           // id: the first slot of the table
    CHECK(raw[1] == 127);         // nr
    CHECK(raw[2] == 0);           // head
    CHECK(raw[3] == 0);           // tail
    CHECK(raw[4] == 0xa10a10a1);  // magic
    CHECK(raw[5] == 1);           // compat_features
    CHECK(raw[6] == 0);           // incompat_features
    CHECK(raw[7] == 32);          // header_length
    // The mapping is one page: 32 + 32 * 127 = 4096.
    CHECK(find_vma_containing(current()->mm, ctx)->vm_end - ctx == PAGE_SIZE);
    return 0;
  });
  CHECK(w.result.status == sim::RunStatus::kIdle);
}

TEST_CASE("io_setup: errors come in the kernel's order", "[aio]") {
  struct Case {
    const char* what;
    unsigned nr;
    int ctxp_kind;  // 0 valid zero, 1 unmapped, 2 kernel half, 3 holds a non-zero value
    long want;
  };
  const std::vector<Case> cases = {
      {"unmapped ctxp beats a bad count", static_cast<unsigned>(-1000), 1, -EFAULT},
      {"kernel-half ctxp", 8, 2, -EFAULT},
      {"*ctxp != 0", 8, 3, -EINVAL},
      {"nr_events 0", 0, 0, -EINVAL},
      {"nr 4194305: doubled count above 0x10000000/32", 4194305, 0, -EINVAL},
      {"nr 0xffffffff", 0xffffffffu, 0, -EINVAL},
      {"nr 0x80000000: doubled count wraps to 0", 0x80000000u, 0, -EAGAIN},
      {"nr 65537 above aio-max-nr", 65537, 0, -EAGAIN},
      {"nr 4194304 above aio-max-nr", 4194304, 0, -EAGAIN},
  };
  for (const Case& c : cases) {
    AioWorld w;
    long got = 0;
    w.Run([&] {
      UserMem m(1 << 16);
      user_ptr ctxp = m.Alloc(8, 8);
      PokeU64(ctxp, c.ctxp_kind == 3 ? 0x1234 : 0);
      if (c.ctxp_kind == 1) ctxp = 0x1000;
      if (c.ctxp_kind == 2) ctxp = 0xffff888000000000ull;
      got = sys_io_setup(c.nr, ctxp);
      return 0;
    });
    INFO(c.what);
    CHECK(got == c.want);
    CHECK(aio_nr() == 0);
  }
}

TEST_CASE("io_setup: aio-nr grows by nr_events and is checked once the ring exists", "[aio]") {
  AioWorld w;
  w.Run([&] {
    UserMem m(1 << 20);
    aio_context_t a = Setup(m, 40000);
    REQUIRE(a != 0);
    CHECK(aio_nr() == 40000);
    long err = 0;
    CHECK(Setup(m, 30000, &err) == 0);
    CHECK(err == -EAGAIN);
    CHECK(aio_nr() == 40000);
    aio_context_t b = Setup(m, 25536, &err);
    CHECK(err == 0);
    CHECK(aio_nr() == 65536);
    CHECK(sys_io_destroy(a) == 0);
    CHECK(aio_nr() == 25536);
    CHECK(sys_io_destroy(b) == 0);
    CHECK(aio_nr() == 0);
    return 0;
  });
  CHECK(w.result.status == sim::RunStatus::kIdle);
  CHECK(aio_check_leaks() == 0);
}

TEST_CASE("io_setup: a handle that cannot be written back kills the context (EFAULT)", "[aio]") {
  AioWorld w;
  w.Run([&] {
    UserMem m(1 << 16);
    long ro = sys_mmap(0, PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    REQUIRE(ro > 0);
    CHECK(sys_io_setup(8, static_cast<user_ptr>(ro)) == -EFAULT);
    CHECK(aio_nr() == 0);
    return 0;
  });
  CHECK(w.result.status == sim::RunStatus::kIdle);
  CHECK(aio_check_leaks() == 0);
}

TEST_CASE("io_setup: ring ids index a per-mm table of 4 slots growing x4; ids are reused",
          "[aio]") {
  AioWorld w;
  w.Run([&] {
    UserMem m(1 << 20);
    std::vector<aio_context_t> ctx;
    for (int i = 0; i < 5; ++i) ctx.push_back(Setup(m, 1));
    for (int i = 0; i < 5; ++i) CHECK(RingHeader(ctx[i]).id == static_cast<uint32_t>(i));
    CHECK(current()->mm->ioctx_table->nr == 16);
    CHECK(sys_io_destroy(ctx[1]) == 0);
    aio_context_t again = Setup(m, 1);
    CHECK(RingHeader(again).id == 1);
    return 0;
  });
  CHECK(w.result.status == sim::RunStatus::kIdle);
  CHECK(aio_check_leaks() == 0);
}

TEST_CASE("io_destroy: unknown, destroyed or corrupted handles are EINVAL", "[aio]") {
  AioWorld w;
  w.Run([&] {
    UserMem m(1 << 16);
    aio_context_t ctx = Setup(m, 8);
    CHECK(sys_io_destroy(0) == -EINVAL);
    CHECK(sys_io_destroy(m.base()) == -EINVAL);  // readable, not a ring
    // A corrupted ring.id no longer finds the context.
    PokeU32(ctx, 3);
    CHECK(sys_io_submit(ctx, 0, 0) == -EINVAL);
    PokeU32(ctx, 0);
    CHECK(sys_io_submit(ctx, 0, 0) == 0);
    CHECK(sys_io_destroy(ctx) == 0);
    CHECK(sys_io_destroy(ctx) == -EINVAL);  // the ring is unmapped now
    return 0;
  });
  CHECK(w.result.status == sim::RunStatus::kIdle);
}

TEST_CASE("A context belongs to its mm: a forked child gets EINVAL and cannot move the ring",
          "[aio]") {
  AioWorld w;
  long child_submit = 0, child_destroy = 0, child_remap = 0;
  uint32_t child_magic = 0;
  w.Run([&] {
    UserMem m(1 << 16);
    aio_context_t ctx = Setup(m, 8);
    task_struct* child = fork_process(current(), "child", [&] {
      child_magic = PeekU32(ctx + 16);  // the mapping is there
      child_submit = sys_io_submit(ctx, 0, 0);
      child_destroy = sys_io_destroy(ctx);
      long dst = sys_mmap(0, PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      child_remap = sys_mremap(ctx, PAGE_SIZE, PAGE_SIZE, MREMAP_MAYMOVE | MREMAP_FIXED,
                               static_cast<unsigned long>(dst));
      return 0;
    });
    CHECK(sys_wait4(child->pid, 0, 0, 0) == child->pid);
    CHECK(sys_io_submit(ctx, 0, 0) == 0);  // still fine in the parent
    return 0;
  });
  CHECK(child_magic == AIO_RING_MAGIC);
  CHECK(child_submit == -EINVAL);
  CHECK(child_destroy == -EINVAL);
  CHECK(child_remap == -EINVAL);
  CHECK(w.result.status == sim::RunStatus::kIdle);
  CHECK(aio_check_leaks() == 0);
}

TEST_CASE("mremap of the ring moves the handle", "[aio]") {
  AioWorld w;
  w.Run([&] {
    UserMem m(1 << 16);
    aio_context_t ctx = Setup(m, 8);
    long dst = sys_mmap(0, PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    long moved = sys_mremap(ctx, PAGE_SIZE, PAGE_SIZE, MREMAP_MAYMOVE | MREMAP_FIXED,
                            static_cast<unsigned long>(dst));
    REQUIRE(moved > 0);
    REQUIRE(static_cast<aio_context_t>(moved) != ctx);
    CHECK(sys_io_submit(ctx, 0, 0) == -EINVAL);
    CHECK(sys_io_submit(static_cast<aio_context_t>(moved), 0, 0) == 0);
    CHECK(sys_io_destroy(static_cast<aio_context_t>(moved)) == 0);
    return 0;
  });
  CHECK(w.result.status == sim::RunStatus::kIdle);
  CHECK(aio_check_leaks() == 0);
}

TEST_CASE("io_destroy: of two concurrent destroys one returns 0, the other EINVAL", "[aio]") {
  AioWorld w;
  long r1 = 1, r2 = 1;
  w.Run([&] {
    UserMem m(1 << 16);
    aio_context_t ctx = Setup(m, 8);
    task_struct* t1 = create_thread(current(), "d1", [&] {
      r1 = sys_io_destroy(ctx);
      return 0;
    });
    task_struct* t2 = create_thread(current(), "d2", [&] {
      r2 = sys_io_destroy(ctx);
      return 0;
    });
    (void)t1;
    (void)t2;
    sys_nanosleep_ns(sim::kMillisecond);
    return 0;
  });
  CHECK(((r1 == 0 && r2 == -EINVAL) || (r1 == -EINVAL && r2 == 0)));
  CHECK(aio_check_leaks() == 0);
}

TEST_CASE("io_destroy waits, uninterruptibly, for a request blocked in another thread", "[aio]") {
  // [E]: a pipe read inside another thread's io_submit; destroy returned
  // only once the pipe was fed.
  AioWorld w;
  sim::SimTime destroyed_at = 0;
  long destroy_ret = 1, submit_ret = 0;
  w.Run([&] {
    UserMem m(1 << 16);
    aio_context_t ctx = Setup(m, 8);
    int fds[2];
    Pipe(m, fds);
    user_ptr buf = m.Alloc(64);
    user_ptr arr = PlaceIocbs(m, {io_prep_pread(fds[0], buf, 64, 0)});
    create_thread(current(), "reader", [&] {
      submit_ret = sys_io_submit(ctx, 1, arr);
      return 0;
    });
    create_thread(current(), "destroyer", [&] {
      sys_nanosleep_ns(10 * sim::kMillisecond);
      destroy_ret = sys_io_destroy(ctx);
      destroyed_at = w.sched.Now();
      return 0;
    });
    sys_nanosleep_ns(810 * sim::kMillisecond);
    CHECK(destroyed_at == 0);
    CHECK(WriteBytes(m, fds[1], 10) == 10);
    sys_nanosleep_ns(sim::kMillisecond);
    return 0;
  });
  CHECK(submit_ret == 1);
  CHECK(destroy_ret == 0);
  CHECK(destroyed_at == 810 * sim::kMillisecond);
  CHECK(w.result.status == sim::RunStatus::kIdle);
  CHECK(aio_check_leaks() == 0);
  // The completion after the kill still wrote the ring.
  auto complete = w.Records("aio.complete");
  REQUIRE(complete.size() == 1);
  CHECK(complete[0].values[2] == 10);
}
