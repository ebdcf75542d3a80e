// The case table. Read it as a specification: each entry says what it does
// and what it observes; the body does exactly that through the Kit.
//
// Conventions: "-> X" in a spec names the expected outcome from
// AIO_REFERENCE.md; the test does not assert it, it asserts that host and
// model agree (the reference is what both should show). Pipes and eventfds
// are created non-blocking where a wrong answer could otherwise hang.
#include "tests/kernel_model/differential/cases.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include <algorithm>
#include <cerrno>
#include <string>
#include <vector>

#include "tests/kernel_model/differential/case_kit.h"

namespace diff {
namespace {

constexpr long kBig = 4194304;  // 0x400000

// Fills a context's slots with POLLs that stay pending (POLLIN on an empty
// pipe), one io_submit each, until one fails; returns how many went in.
long FillWithPendingPolls(Kit& k, uint64_t ctx, int rfd, long limit) {
  long n = 0;
  for (; n < limit; ++n) {
    uint64_t a = k.Place(PollCb(rfd, POLLIN, 1000 + n));
    long r = k.sys.IoSubmit(ctx, 1, k.PtrArray({a}));
    if (r != 1) {
      k.Note("failing submit", r);
      break;
    }
  }
  return n;
}

// One iovec array in user memory.
uint64_t IovArray(Kit& k, const std::vector<std::pair<uint64_t, uint64_t>>& segs) {
  std::vector<uint64_t> raw;
  for (auto& s : segs) {
    raw.push_back(s.first);
    raw.push_back(s.second);
  }
  uint64_t a = k.Mem(8 * raw.size() + 8);
  k.sys.Poke(a, raw.data(), 8 * raw.size());
  return a;
}

const std::vector<DiffCase> kCases = {
    // ------------------------------------------------------------ io_setup
    {"io_setup: a NULL or kernel-half ctxp is EFAULT, checked before nr_events",
     "io_setup(1, NULL) -> EFAULT; io_setup(-1000, kernel address) -> EFAULT (the pointer is "
     "read before nr is looked at); io_setup(0, NULL) -> EFAULT; io_setup(1, unmapped) -> "
     "EFAULT.",
     [](Kit& k) {
       k.Note("io_setup(1, NULL)", k.sys.IoSetup(1, 0));
       k.Note("io_setup(-1000, kernel addr)",
              k.sys.IoSetup(static_cast<unsigned>(-1000), kKernelAddr));
       k.Note("io_setup(0, NULL)", k.sys.IoSetup(0, 0));
       k.Note("io_setup(1, unmapped)", k.sys.IoSetup(1, kUnmappedAddr));
     }},
    {"io_setup: a non-zero *ctxp or nr_events 0 is EINVAL",
     "*ctxp = 1: io_setup(1) -> EINVAL and *ctxp is left as it was; *ctxp = 0: io_setup(0) -> "
     "EINVAL.",
     [](Kit& k) {
       uint64_t ctxp = k.Mem(8);
       k.PutU64(ctxp, 1);
       k.Note("io_setup(1) with *ctxp=1", k.sys.IoSetup(1, ctxp));
       k.Note("*ctxp after", static_cast<int64_t>(k.U64At(ctxp)));
       k.PutU64(ctxp, 0);
       k.Note("io_setup(0)", k.sys.IoSetup(0, ctxp));
       k.Note("*ctxp after io_setup(0)", static_cast<int64_t>(k.U64At(ctxp)));
     }},
    {"io_setup: sizing limits in 32-bit arithmetic and aio-max-nr",
     "io_setup(4194305) and io_setup(0xffffffff) -> EINVAL (doubled size too big); "
     "io_setup(0x80000000) -> EAGAIN (doubling wraps to 0); io_setup(aio-max-nr + 1) -> EAGAIN; "
     "io_setup(4194304) -> EAGAIN when aio-max-nr is below it. Nothing is allocated.",
     [](Kit& k) {
       uint64_t ctxp = k.Mem(8);
       k.Note("io_setup(4194305)", k.sys.IoSetup(kBig + 1, ctxp));
       k.Note("io_setup(0xffffffff)", k.sys.IoSetup(0xffffffffu, ctxp));
       k.Note("io_setup(0x80000000)", k.sys.IoSetup(0x80000000u, ctxp));
       unsigned long max = k.sys.AioMaxNr();
       k.Note("aio-max-nr below 4194304", max < kBig);
       if (max < kBig) {
         k.Note("io_setup(aio-max-nr + 1)", k.sys.IoSetup(static_cast<unsigned>(max + 1), ctxp));
         k.Note("io_setup(4194304)", k.sys.IoSetup(kBig, ctxp));
       }
       k.Note("*ctxp still 0", k.U64At(ctxp) == 0);
     }},
    {"io_setup: the ring header at the handle",
     "io_setup(1): the handle is the ring's address; read the header: magic 0xa10a10a1, "
     "nr = ring size, head 0, tail 0, compat 1, incompat 0, header_length 32, id 0; nr obeys the "
     "ring-size rule for this kernel's possible CPUs.",
     [](Kit& k) {
       uint64_t ctx = k.Setup(1);
       k.RecordRing("ring", ctx);
       RingHeader h = k.Ring(ctx);
       k.Note("ring.id", h.id);
       k.Note("ring.nr follows the rule", h.nr == ExpectedRingNr(1, k.sys.NrPossibleCpus()));
       k.Destroy(ctx);
     }},
    {"io_setup: ring size for several nr_events",
     "For nr_events in 1, 9, 32, 100, 128, 500, 1000, 1024, 4096: io_setup, read ring.nr, check it "
     "against (pages*4096 - 32)/32 with pages = ceil((32 + 32*(2*max(nr, 4*ncpus) + 2))/4096), "
     "io_destroy.",
     [](Kit& k) {
       for (unsigned nr : {1u, 9u, 32u, 100u, 128u, 500u, 1000u, 1024u, 4096u}) {
         uint64_t ctx = k.Setup(nr);
         RingHeader h = k.Ring(ctx);
         std::string p = "nr_events " + std::to_string(nr);
         k.Note(p + ": ring.nr", h.nr);
         k.Note(p + ": follows the rule", h.nr == ExpectedRingNr(nr, k.sys.NrPossibleCpus()));
         k.Destroy(ctx, p + ": io_destroy");
       }
     }},
    {"io_setup: ring ids index a per-process table that grows and reuses ids",
     "Five contexts get ids 0..4 (the table starts with 4 slots and grows); destroy the second; "
     "a new context gets id 1 again.",
     [](Kit& k) {
       std::vector<uint64_t> ctx;
       for (int i = 0; i < 5; ++i) {
         ctx.push_back(k.Setup(1));
         k.Note("ctx" + std::to_string(i) + ".id", k.Ring(ctx.back()).id);
       }
       k.Destroy(ctx[1], "io_destroy(ctx1)");
       uint64_t again = k.Setup(1);
       k.Note("new ctx id", k.Ring(again).id);
       k.Destroy(again);
       for (int i : {0, 2, 3, 4}) k.Destroy(ctx[i], "io_destroy(ctx" + std::to_string(i) + ")");
     }},
    {"io_setup: a corrupted ring.id makes every call EINVAL until restored",
     "io_setup(1); write ring.id = 3 (an empty table slot): io_submit(ctx, 0) -> EINVAL, "
     "io_getevents -> EINVAL; write id = 1000 (past the table): EINVAL; restore 0: io_submit(ctx, "
     "0) -> 0.",
     [](Kit& k) {
       uint64_t ctx = k.Setup(1);
       k.PutU32(ctx, 3);
       k.Note("io_submit(nr 0), id 3", k.sys.IoSubmit(ctx, 0, k.PtrArray({})));
       k.Reap("io_getevents, id 3", ctx, 0, 1, kDontWait);
       k.PutU32(ctx, 1000);
       k.Note("io_submit(nr 0), id 1000", k.sys.IoSubmit(ctx, 0, k.PtrArray({})));
       k.PutU32(ctx, 0);
       k.Note("io_submit(nr 0), id restored", k.sys.IoSubmit(ctx, 0, k.PtrArray({})));
       k.Destroy(ctx);
     }},

    {"io_setup: a read-only ctxp: the handle cannot be written back (EFAULT)",
     "ctxp in a read-only page holding 0: io_setup(1) -> EFAULT (the context was made and is "
     "killed again); *ctxp still 0; the next io_setup(1) in writable memory gets ring id 0 "
     "(the killed context's slot is free again).",
     [](Kit& k) {
       uint64_t ro = k.Mem(4096);
       k.Note("mprotect(PROT_READ)", k.sys.Mprotect(ro, 4096, PROT_READ));
       k.Note("io_setup(1, read-only)", k.sys.IoSetup(1, ro));
       k.Note("*ctxp still 0", k.U64At(ro) == 0);
       uint64_t ctx = k.Setup(1);
       k.Note("next ctx id", k.Ring(ctx).id);
       k.Destroy(ctx);
     }},
    {"io_setup: mremap of the ring moves the handle",
     "io_setup(1) (a one-page ring); one POLLOUT completion; mremap the ring onto another page "
     "(MREMAP_MAYMOVE|MREMAP_FIXED) -> the new address; io_submit(old, 0) -> EINVAL; "
     "io_submit(new, 0) -> 0; io_getevents(new) -> the event; io_destroy(old) -> EINVAL; "
     "io_destroy(new) -> 0.",
     [](Kit& k) {
       auto [rfd, wfd] = k.Pipe(O_NONBLOCK);
       uint64_t ctx = k.Setup(1);
       k.Submit1("io_submit", ctx, PollCb(wfd, POLLOUT, 1));
       uint64_t dst = k.Mem(4096);
       long r = k.sys.Mremap(ctx, 4096, 4096, MREMAP_MAYMOVE | MREMAP_FIXED, dst);
       k.Note("mremap returns the new address", static_cast<uint64_t>(r) == dst);
       k.Note("io_submit(old, 0)", k.sys.IoSubmit(ctx, 0, k.PtrArray({})));
       k.Note("io_submit(new, 0)", k.sys.IoSubmit(dst, 0, k.PtrArray({})));
       k.Reap("io_getevents(new)", dst, 0, 1, kDontWait);
       k.Destroy(ctx, "io_destroy(old)");
       k.Destroy(dst, "io_destroy(new)");
       k.sys.Close(rfd);
       k.sys.Close(wfd);
     }},

    // ---------------------------------------------------------- io_destroy
    {"io_destroy: a second destroy, context 0 and a non-context are EINVAL",
     "io_destroy(0) -> EINVAL; io_destroy(unmapped address) -> EINVAL; io_setup(1); "
     "io_destroy -> 0; io_destroy again -> EINVAL.",
     [](Kit& k) {
       k.Note("io_destroy(0)", k.sys.IoDestroy(0));
       k.Note("io_destroy(unmapped)", k.sys.IoDestroy(kUnmappedAddr));
       uint64_t ctx = k.Setup(1);
       k.Destroy(ctx, "io_destroy #1");
       k.Destroy(ctx, "io_destroy #2");
     }},
    {"io_destroy: every call on a destroyed context is EINVAL",
     "io_setup(1); io_destroy; then io_submit of one POLL -> EINVAL, io_getevents -> EINVAL, "
     "io_cancel -> EINVAL.",
     [](Kit& k) {
       auto [rfd, wfd] = k.Pipe(O_NONBLOCK);
       uint64_t ctx = k.Setup(1);
       k.Destroy(ctx);
       uint64_t cb = 0;
       k.Submit1("io_submit after destroy", ctx, PollCb(rfd, POLLIN, 1), &cb);
       k.Reap("io_getevents after destroy", ctx, 0, 1, kDontWait);
       k.Note("io_cancel after destroy", k.sys.IoCancel(ctx, cb, k.Mem(32)));
       k.sys.Close(rfd);
       k.sys.Close(wfd);
     }},
    {"io_destroy: pending POLLs are cancelled and still complete (eventfd counts them)",
     "io_setup(16); submit 10 POLLIN on an empty pipe, each with RESFD = a non-blocking eventfd; "
     "io_destroy -> 0; the eventfd then reads 10.",
     [](Kit& k) {
       auto [rfd, wfd] = k.Pipe(O_NONBLOCK);
       int efd = k.Eventfd(O_NONBLOCK);
       uint64_t ctx = k.Setup(16);
       std::vector<iocb> cbs;
       for (int i = 0; i < 10; ++i) cbs.push_back(WithResfd(PollCb(rfd, POLLIN, i), efd));
       k.Submit("io_submit 10 POLLs", ctx, cbs);
       k.Destroy(ctx);
       k.RecordEventfd("eventfd", efd);
       k.sys.Close(rfd);
       k.sys.Close(wfd);
       k.sys.Close(efd);
     }},

    {"io_destroy: waits for an in-flight FSYNC, whose eventfd is still signalled",
     "A regular file with a dirty page; FSYNC with RESFD = eventfd; io_destroy at once -> 0 "
     "(after the fsync finished); the eventfd reads 1.",
     [](Kit& k) {
       int fd = k.File(Pattern(4096, 22), O_RDWR);
       int efd = k.Eventfd(O_NONBLOCK);
       uint64_t ctx = k.Setup(4);
       k.Note("write 4096", k.sys.Write(fd, k.MemWith(Pattern(4096, 23)), 4096));
       k.Submit1("io_submit FSYNC", ctx, WithResfd(Fsync(fd, 1), efd));
       k.Destroy(ctx);
       k.RecordEventfd("eventfd", efd);
       k.sys.Close(fd);
       k.sys.Close(efd);
     }},

    // ----------------------------------------------------------- io_submit
    {"io_submit: nr < 0, a bad context, nr 0 and an unreadable array",
     "io_submit(ctx, -1) -> EINVAL; io_submit(0, 1) -> EINVAL; io_submit(0, 0) -> EINVAL (the "
     "context is looked up before nr 0 returns); io_submit(ctx, 0) -> 0; io_submit(ctx, 1, "
     "unmapped array) -> EFAULT; io_submit(ctx, 1, NULL) -> EFAULT.",
     [](Kit& k) {
       uint64_t ctx = k.Setup(1);
       uint64_t arr = k.PtrArray({});
       k.Note("io_submit(ctx, -1)", k.sys.IoSubmit(ctx, -1, arr));
       k.Note("io_submit(0, 1)", k.sys.IoSubmit(0, 1, arr));
       k.Note("io_submit(0, 0)", k.sys.IoSubmit(0, 0, arr));
       k.Note("io_submit(ctx, 0)", k.sys.IoSubmit(ctx, 0, arr));
       k.Note("io_submit(ctx, 1, unmapped)", k.sys.IoSubmit(ctx, 1, kUnmappedAddr));
       k.Note("io_submit(ctx, 1, NULL)", k.sys.IoSubmit(ctx, 1, 0));
       k.Destroy(ctx);
     }},
    {"io_submit: [ok, bad opcode, ok] submits 1 and posts one event",
     "Three iocbs on a pipe's write end: POLLOUT (completes at once), opcode 6 (NOOP), POLLOUT -> "
     "io_submit returns 1; io_getevents then finds exactly the first one (res 4 = POLLOUT).",
     [](Kit& k) {
       auto [rfd, wfd] = k.Pipe(O_NONBLOCK);
       uint64_t ctx = k.Setup(4);
       k.Submit("io_submit [ok, NOOP, ok]", ctx,
                {PollCb(wfd, POLLOUT, 1), WithOpcode(PollCb(wfd, POLLOUT, 2), 6),
                 PollCb(wfd, POLLOUT, 3)});
       k.Reap("io_getevents", ctx, 0, 4, kDontWait);
       k.Destroy(ctx);
       k.sys.Close(rfd);
       k.sys.Close(wfd);
     }},
    {"io_submit: [bad, ok] fails with the first error and posts nothing",
     "[opcode 6, POLLOUT] -> EINVAL; [reserved2 = 1, POLLOUT] -> EINVAL; [bad fd, POLLOUT] -> "
     "EBADF; io_getevents finds no event.",
     [](Kit& k) {
       auto [rfd, wfd] = k.Pipe(O_NONBLOCK);
       uint64_t ctx = k.Setup(4);
       k.Submit("io_submit [NOOP, ok]", ctx,
                {WithOpcode(PollCb(wfd, POLLOUT, 1), 6), PollCb(wfd, POLLOUT, 2)});
       iocb r2 = PollCb(wfd, POLLOUT, 3);
       r2.aio_reserved2 = 1;
       k.Submit("io_submit [reserved2, ok]", ctx, {r2, PollCb(wfd, POLLOUT, 4)});
       k.Submit("io_submit [bad fd, ok]", ctx,
                {PollCb(kClosedFd, POLLOUT, 5), PollCb(wfd, POLLOUT, 6)});
       k.Reap("io_getevents", ctx, 0, 4, kDontWait);
       k.Destroy(ctx);
       k.sys.Close(rfd);
       k.sys.Close(wfd);
     }},
    {"io_submit: an unreadable iocb pointer stops the batch (EFAULT if first)",
     "[POLLOUT, NULL] -> 1; [POLLOUT, unmapped] -> 1; [NULL] -> EFAULT; [kernel address] -> "
     "EFAULT; two events are posted.",
     [](Kit& k) {
       auto [rfd, wfd] = k.Pipe(O_NONBLOCK);
       uint64_t ctx = k.Setup(8);
       k.SubmitPtrs("io_submit [ok, NULL]", ctx, {k.Place(PollCb(wfd, POLLOUT, 1)), 0});
       k.SubmitPtrs("io_submit [ok, unmapped]", ctx,
                    {k.Place(PollCb(wfd, POLLOUT, 2)), kUnmappedAddr});
       k.SubmitPtrs("io_submit [NULL]", ctx, {0});
       k.SubmitPtrs("io_submit [kernel addr]", ctx, {kKernelAddr});
       k.Reap("io_getevents", ctx, 0, 8, kDontWait);
       k.Destroy(ctx);
       k.sys.Close(rfd);
       k.sys.Close(wfd);
     }},
    {"io_submit: opcodes outside {0,1,2,3,5,7,8} are EINVAL",
     "Opcodes 4, 6 (NOOP), 9 (EPOLL_WAIT, never merged), 100 and 0xffff on a pipe's write end, "
     "one per io_submit -> EINVAL each.",
     [](Kit& k) {
       auto [rfd, wfd] = k.Pipe(O_NONBLOCK);
       uint64_t ctx = k.Setup(4);
       for (uint16_t op : {4, 6, 9, 100, 0xffff})
         k.Submit1("opcode " + std::to_string(op), ctx, WithOpcode(PollCb(wfd, POLLOUT), op));
       k.Destroy(ctx);
       k.sys.Close(rfd);
       k.sys.Close(wfd);
     }},
    {"io_submit: iocb field checks in the kernel's order",
     "reserved2 = 1 on an iocb with a bad fd -> EINVAL (reserved2 first); aio_nbytes = 2^63 -> "
     "EINVAL; bad aio_fildes -> EBADF; RESFD with a bad fd -> EBADF; RESFD with a pipe -> EINVAL; "
     "RESFD with a bad fd and opcode 6 -> EBADF (resfd before opcode); unknown aio_flags bit 0x80 "
     "-> accepted (1).",
     [](Kit& k) {
       auto [rfd, wfd] = k.Pipe(O_NONBLOCK);
       uint64_t ctx = k.Setup(8);
       iocb a = PollCb(kClosedFd, POLLOUT, 1);
       a.aio_reserved2 = 1;
       k.Submit1("reserved2 + bad fd", ctx, a);
       iocb b = Pread(rfd, k.Mem(4096), 1ull << 63, 0, 2);
       k.Submit1("nbytes 2^63", ctx, b);
       k.Submit1("bad aio_fildes", ctx, PollCb(kClosedFd, POLLOUT, 3));
       k.Submit1("RESFD bad fd", ctx, WithResfd(PollCb(wfd, POLLOUT, 4), kClosedFd));
       k.Submit1("RESFD is a pipe", ctx, WithResfd(PollCb(wfd, POLLOUT, 5), rfd));
       k.Submit1("RESFD bad fd + NOOP", ctx,
                 WithOpcode(WithResfd(PollCb(wfd, POLLOUT, 6), kClosedFd), 6));
       iocb c = PollCb(wfd, POLLOUT, 7);
       c.aio_flags = 0x80;
       k.Submit1("aio_flags 0x80", ctx, c);
       k.Reap("io_getevents", ctx, 0, 8, kDontWait);
       k.Destroy(ctx);
       k.sys.Close(rfd);
       k.sys.Close(wfd);
     }},
    {"io_submit: the kernel writes 0 into aio_key",
     "A POLLOUT iocb with aio_key = 1234 -> submitted; aio_key reads 0 afterwards. A failing "
     "iocb (opcode 6) with aio_key = 1234: the key is already 0 too (written before the opcode "
     "check).",
     [](Kit& k) {
       auto [rfd, wfd] = k.Pipe(O_NONBLOCK);
       uint64_t ctx = k.Setup(4);
       iocb cb = PollCb(wfd, POLLOUT, 1);
       cb.aio_key = 1234;
       uint64_t a = 0;
       k.Submit1("io_submit", ctx, cb, &a);
       k.Note("aio_key after", k.U32At(a + 8));
       iocb bad = WithOpcode(PollCb(wfd, POLLOUT, 2), 6);
       bad.aio_key = 1234;
       k.Submit1("io_submit NOOP", ctx, bad, &a);
       k.Note("aio_key after NOOP", k.U32At(a + 8));
       k.Reap("io_getevents", ctx, 0, 4, kDontWait);
       k.Destroy(ctx);
       k.sys.Close(rfd);
       k.sys.Close(wfd);
     }},
    {"io_submit: io_setup(1) admits a fixed number of requests in flight",
     "io_setup(1); submit POLLIN on an empty pipe one at a time until io_submit fails: it fails "
     "with EAGAIN after (ring.nr - 1) rounded down to the per-CPU batch (120 on 2 CPUs); the "
     "count obeys that rule. The host child is pinned to one CPU.",
     [](Kit& k) {
       auto [rfd, wfd] = k.Pipe(O_NONBLOCK);
       uint64_t ctx = k.Setup(1);
       long n = FillWithPendingPolls(k, ctx, rfd, 1000);
       k.Note("accepted", n);
       RingHeader h = k.Ring(ctx);
       k.Note("accepted follows the rule", n == ExpectedSlotsOneCpu(h.nr, k.sys.NrPossibleCpus()));
       k.Destroy(ctx);
       k.sys.Close(rfd);
       k.sys.Close(wfd);
     }},
    {"io_submit: one big batch stops at EAGAIN and returns the count",
     "io_setup(1); one io_submit of 200 pending POLLs -> the same count as one at a time; the "
     "next single submit -> EAGAIN.",
     [](Kit& k) {
       auto [rfd, wfd] = k.Pipe(O_NONBLOCK);
       uint64_t ctx = k.Setup(1);
       std::vector<iocb> cbs;
       for (int i = 0; i < 200; ++i) cbs.push_back(PollCb(rfd, POLLIN, i));
       k.Submit("io_submit 200", ctx, cbs);
       k.Submit1("io_submit 1 more", ctx, PollCb(rfd, POLLIN, 999));
       k.Destroy(ctx);
       k.sys.Close(rfd);
       k.sys.Close(wfd);
     }},
    {"io_submit: reaping by moving ring.head in user space frees slots",
     "io_setup(1); submit POLLOUT on a pipe's write end (completes at once) one at a time until "
     "EAGAIN; ring.tail = that count; set ring.head = tail; submit again until EAGAIN: as many "
     "again; ring.tail wraps modulo ring.nr.",
     [](Kit& k) {
       auto [rfd, wfd] = k.Pipe(O_NONBLOCK);
       uint64_t ctx = k.Setup(1);
       for (int round = 0; round < 2; ++round) {
         long n = 0;
         for (; n < 1000; ++n) {
           long r = k.sys.IoSubmit(ctx, 1, k.PtrArray({k.Place(PollCb(wfd, POLLOUT, n))}));
           if (r != 1) {
             k.Note("round " + std::to_string(round) + ": failing submit", r);
             break;
           }
         }
         k.Note("round " + std::to_string(round) + ": accepted", n);
         RingHeader h = k.Ring(ctx);
         k.Note("round " + std::to_string(round) + ": tail", h.tail);
         k.PutU32(ctx + 8, h.tail);  // head = tail
       }
       k.Destroy(ctx);
       k.sys.Close(rfd);
       k.sys.Close(wfd);
     }},

    {"io_submit: slots come back when io_getevents reaps",
     "io_setup(1); POLLOUT completions one at a time until EAGAIN; io_getevents(0, 200) reaps "
     "them all (count only); submitting again until EAGAIN admits as many again.",
     [](Kit& k) {
       auto [rfd, wfd] = k.Pipe(O_NONBLOCK);
       uint64_t ctx = k.Setup(1);
       uint64_t ev = k.Mem(32 * 200);
       for (int round = 0; round < 2; ++round) {
         std::string p = "round " + std::to_string(round);
         long n = 0;
         for (; n < 200; ++n) {
           long r = k.sys.IoSubmit(ctx, 1, k.PtrArray({k.Place(PollCb(wfd, POLLOUT, n))}));
           if (r != 1) {
             k.Note(p + ": failing submit", r);
             break;
           }
         }
         k.Note(p + ": accepted", n);
         k.Note(p + ": reaped", k.sys.IoGetevents(ctx, 0, 200, ev, k.TimeoutAddr(kDontWait)));
       }
       k.Destroy(ctx);
       k.sys.Close(rfd);
       k.sys.Close(wfd);
     }},
    {"io_submit: an iocb in read-only memory is EFAULT (aio_key cannot be written)",
     "A POLLOUT iocb in a read-only page: io_submit([it]) -> EFAULT; io_submit([POLLOUT, it]) -> "
     "1; io_getevents -> only the first request's event.",
     [](Kit& k) {
       auto [rfd, wfd] = k.Pipe(O_NONBLOCK);
       uint64_t ctx = k.Setup(4);
       uint64_t page = k.Mem(4096);
       iocb cb = PollCb(wfd, POLLOUT, 2);
       k.sys.Poke(page, &cb, sizeof(cb));
       k.Note("mprotect(PROT_READ)", k.sys.Mprotect(page, 4096, PROT_READ));
       k.SubmitPtrs("io_submit [read-only]", ctx, {page});
       k.SubmitPtrs("io_submit [ok, read-only]", ctx, {k.Place(PollCb(wfd, POLLOUT, 1)), page});
       k.Reap("io_getevents", ctx, 0, 4, kDontWait);
       k.Destroy(ctx);
       k.sys.Close(rfd);
       k.sys.Close(wfd);
     }},
    {"exit: process exit cancels pending POLLs and their eventfd counts them",
     "A pipe and a non-blocking eventfd; fork: the child does io_setup(16) and submits 5 POLLIN "
     "on the empty pipe with RESFD = the eventfd, then exits without io_destroy. The parent, "
     "after wait4, reads 5 from the eventfd.",
     [](Kit& k) {
       auto [rfd, wfd] = k.Pipe(O_NONBLOCK);
       int efd = k.Eventfd(O_NONBLOCK);
       long status = k.sys.ForkAndWait([&] {
         uint64_t ctx = k.Setup(16);
         std::vector<iocb> cbs;
         for (int i = 0; i < 5; ++i) cbs.push_back(WithResfd(PollCb(rfd, POLLIN, i), efd));
         k.Submit("child: io_submit 5 POLLs", ctx, cbs);
       });
       k.Note("child exited normally with 0", WIFEXITED(status) && WEXITSTATUS(status) == 0);
       k.RecordEventfd("eventfd", efd);
       k.sys.Close(rfd);
       k.sys.Close(wfd);
       k.sys.Close(efd);
     }},

    // ---------------------------------------------------------------- POLL
    {"POLL: a pending poll on a pipe completes on a write with the wake key 0x41",
     "POLLIN on an empty pipe -> submitted, ring.tail 0, io_getevents {0,0} -> 0; write 1 byte; "
     "io_getevents(1, 1) -> 1 event with res 0x41 (EPOLLIN|EPOLLRDNORM from the wake key, not "
     "masked), res2 0.",
     [](Kit& k) {
       auto [rfd, wfd] = k.Pipe(O_NONBLOCK);
       uint64_t ctx = k.Setup(4);
       k.Submit1("io_submit POLLIN", ctx, PollCb(rfd, POLLIN, 77));
       k.Note("tail after submit", k.Ring(ctx).tail);
       k.Reap("io_getevents before write", ctx, 0, 4, kDontWait);
       k.WriteBytes("write 1", wfd, 1);
       k.Reap("io_getevents after write", ctx, 1, 4, kWaitLong);
       k.Destroy(ctx);
       k.sys.Close(rfd);
       k.sys.Close(wfd);
     }},
    {"POLL: a ready file completes inside io_submit with the mask ANDed",
     "A pipe holding 1 byte: POLLIN on the read end -> res 0x1 (0x41 & (POLLIN|ERR|HUP)); POLLOUT "
     "on the write end -> res 0x4; POLLIN|POLLRDNORM -> 0x41; both events are in the ring when "
     "io_submit returns (tail 3).",
     [](Kit& k) {
       auto [rfd, wfd] = k.Pipe(O_NONBLOCK);
       k.WriteBytes("write 1", wfd, 1);
       uint64_t ctx = k.Setup(4);
       k.Submit(
           "io_submit", ctx,
           {PollCb(rfd, POLLIN, 1), PollCb(wfd, POLLOUT, 2), PollCb(rfd, POLLIN | POLLRDNORM, 3)});
       k.Note("tail after submit", k.Ring(ctx).tail);
       k.Reap("io_getevents", ctx, 0, 4, kDontWait);
       k.Destroy(ctx);
       k.sys.Close(rfd);
       k.sys.Close(wfd);
     }},
    {"POLL: argument checks",
     "On a pipe's read end: mask 0x10000 -> EINVAL; aio_offset 1 -> EINVAL; aio_nbytes 1 -> "
     "EINVAL; aio_rw_flags 1 -> EINVAL; mask 0xffff -> accepted (pending).",
     [](Kit& k) {
       auto [rfd, wfd] = k.Pipe(O_NONBLOCK);
       uint64_t ctx = k.Setup(4);
       k.Submit1("mask 0x10000", ctx, PollCb(rfd, 0x10000, 1));
       iocb a = PollCb(rfd, POLLIN, 2);
       a.aio_offset = 1;
       k.Submit1("offset 1", ctx, a);
       iocb b = PollCb(rfd, POLLIN, 3);
       b.aio_nbytes = 1;
       k.Submit1("nbytes 1", ctx, b);
       iocb c = PollCb(rfd, POLLIN, 4);
       c.aio_rw_flags = 1;
       k.Submit1("rw_flags 1", ctx, c);
       k.Submit1("mask 0xffff", ctx, PollCb(rfd, 0xffff, 5));
       k.Reap("io_getevents", ctx, 0, 4, kDontWait);
       k.Destroy(ctx);
       k.sys.Close(rfd);
       k.sys.Close(wfd);
     }},
    {"POLL: one pipe write completes every pending poll (polls are one-shot)",
     "Three POLLIN on an empty pipe; write 1 byte; io_getevents(3, 3) -> 3 events, each res "
     "0x41; a second write completes nothing more.",
     [](Kit& k) {
       auto [rfd, wfd] = k.Pipe(O_NONBLOCK);
       uint64_t ctx = k.Setup(4);
       k.Submit("io_submit 3 POLLIN", ctx,
                {PollCb(rfd, POLLIN, 1), PollCb(rfd, POLLIN, 2), PollCb(rfd, POLLIN, 3)});
       k.WriteBytes("write 1", wfd, 1);
       k.Reap("io_getevents", ctx, 3, 3, kWaitLong);
       k.WriteBytes("write 1 more", wfd, 1);
       k.Reap("io_getevents again", ctx, 0, 3, kDontWait);
       k.Destroy(ctx);
       k.sys.Close(rfd);
       k.sys.Close(wfd);
     }},
    {"POLL: POLLOUT on a full pipe completes when a read makes room (key 0x104)",
     "Fill a non-blocking pipe with 4096-byte writes until EAGAIN (16 writes); POLLOUT on the "
     "write end -> pending; read 4096 bytes; io_getevents(1,1) -> res 0x104 "
     "(EPOLLOUT|EPOLLWRNORM from the wake key).",
     [](Kit& k) {
       auto [rfd, wfd] = k.Pipe(O_NONBLOCK);
       uint64_t buf = k.MemWith(Pattern(4096, 15));
       long writes = 0;
       long r = 0;
       while (writes < 100 && (r = k.sys.Write(wfd, buf, 4096)) == 4096) ++writes;
       k.Note("writes that fit", writes);
       k.Note("next write", r);
       uint64_t ctx = k.Setup(4);
       k.Submit1("io_submit POLLOUT", ctx, PollCb(wfd, POLLOUT, 3));
       k.Reap("io_getevents while full", ctx, 0, 1, kDontWait);
       k.Note("read 4096", k.sys.Read(rfd, k.Mem(4096), 4096));
       k.Reap("io_getevents after read", ctx, 1, 1, kWaitLong);
       k.Destroy(ctx);
       k.sys.Close(rfd);
       k.sys.Close(wfd);
     }},
    {"POLL: an eventfd poll completes on a write with key 0x1",
     "POLLIN on an eventfd holding 0 -> pending; write 8 bytes (value 5) -> io_getevents(1,1) -> "
     "res 0x1.",
     [](Kit& k) {
       int efd = k.Eventfd(O_NONBLOCK);
       uint64_t ctx = k.Setup(4);
       k.Submit1("io_submit POLLIN", ctx, PollCb(efd, POLLIN, 9));
       k.Reap("io_getevents before write", ctx, 0, 1, kDontWait);
       uint64_t v = k.Mem(8);
       k.PutU64(v, 5);
       k.Note("write eventfd", k.sys.Write(efd, v, 8));
       k.Reap("io_getevents after write", ctx, 1, 1, kWaitLong);
       k.Destroy(ctx);
       k.sys.Close(efd);
     }},
    {"POLL: an eventfd poll whose RESFD is the same eventfd completes from a worker",
     "POLLIN pending on eventfd E with RESFD = E, and one on E with RESFD = another eventfd F; "
     "write 5 to E: both complete with res 0x1; the first is posted from a worker (signalling E "
     "inside E's own wake-up is not allowed), so after io_getevents(2, 2) E reads 6 and F reads 1.",
     [](Kit& k) {
       int e = k.Eventfd(O_NONBLOCK);
       int f = k.Eventfd(O_NONBLOCK);
       uint64_t ctx = k.Setup(4);
       k.Submit("io_submit", ctx,
                {WithResfd(PollCb(e, POLLIN, 1), e), WithResfd(PollCb(e, POLLIN, 2), f)});
       uint64_t v = k.Mem(8);
       k.PutU64(v, 5);
       k.Note("write 5 to E", k.sys.Write(e, v, 8));
       uint64_t ev = k.Mem(64);
       long n = 0;
       while (n < 2) {
         long r = k.sys.IoGetevents(ctx, 1, 2 - n, ev + 32 * n, k.TimeoutAddr(kWaitLong));
         if (r <= 0) {
           k.Note("io_getevents failed", r);
           break;
         }
         n += r;
       }
       // Which of the two lands first is the workqueue's business: sort by data.
       std::vector<std::pair<uint64_t, int64_t>> by_data;
       for (long i = 0; i < n; ++i) {
         io_event x;
         k.sys.Peek(ev + 32 * i, &x, sizeof(x));
         by_data.push_back({x.data, x.res});
       }
       std::sort(by_data.begin(), by_data.end());
       for (auto& [data, res] : by_data) k.Note("data " + std::to_string(data) + " res", res);
       k.RecordEventfd("E", e);
       k.RecordEventfd("F", f);
       k.Destroy(ctx);
       k.sys.Close(e);
       k.sys.Close(f);
     }},
    {"POLL: closing the polled fd does not cancel the poll",
     "POLLIN pending on a pipe's read end; close that fd -> 0 (the request keeps the file); "
     "write 1 byte -> io_getevents(1,1) -> res 0x41.",
     [](Kit& k) {
       auto [rfd, wfd] = k.Pipe(O_NONBLOCK);
       uint64_t ctx = k.Setup(4);
       k.Submit1("io_submit POLLIN", ctx, PollCb(rfd, POLLIN, 1));
       k.Note("close read end", k.sys.Close(rfd));
       k.Reap("io_getevents after close", ctx, 0, 1, kDontWait);
       k.WriteBytes("write 1", wfd, 1);
       k.Reap("io_getevents after write", ctx, 1, 1, kWaitLong);
       k.Destroy(ctx);
       k.sys.Close(wfd);
     }},
    {"POLL: hang-up on a pipe",
     "POLLIN pending on an empty pipe, then close the write end: the key-less wake-up makes the "
     "worker re-poll -> res 0x10 (POLLHUP). Then POLLIN on the read end of a pipe whose writer "
     "is gone -> completes at once with res 0x10.",
     [](Kit& k) {
       auto [rfd, wfd] = k.Pipe(O_NONBLOCK);
       uint64_t ctx = k.Setup(4);
       k.Submit1("io_submit POLLIN", ctx, PollCb(rfd, POLLIN, 1));
       k.Note("close write end", k.sys.Close(wfd));
       k.Reap("io_getevents after close", ctx, 1, 1, kWaitLong);
       k.Submit1("io_submit POLLIN on a widowed pipe", ctx, PollCb(rfd, POLLIN, 2));
       k.Note("tail after submit", k.Ring(ctx).tail);
       k.Reap("io_getevents", ctx, 1, 1, kWaitLong);
       k.Destroy(ctx);
       k.sys.Close(rfd);
     }},

    // ----------------------------------------------------------- io_cancel
    {"io_cancel: a pending POLL is cancelled with EINPROGRESS; its event has res 0",
     "POLLIN pending on an empty pipe; io_cancel -> EINPROGRESS and the result buffer (filled "
     "with 0xAB) is not written; io_getevents(1,1) -> 1 event res 0 res2 0 with the iocb's data; "
     "a second io_cancel -> EINVAL.",
     [](Kit& k) {
       auto [rfd, wfd] = k.Pipe(O_NONBLOCK);
       uint64_t ctx = k.Setup(4);
       uint64_t cb = 0;
       k.Submit1("io_submit POLLIN", ctx, PollCb(rfd, POLLIN, 4242), &cb);
       uint64_t result = k.MemWith(std::vector<uint8_t>(32, 0xAB));
       k.Note("io_cancel", k.sys.IoCancel(ctx, cb, result));
       k.Note("result untouched", k.Bytes(result, 32) == std::vector<uint8_t>(32, 0xAB));
       k.Reap("io_getevents", ctx, 1, 1, kWaitLong);
       k.Note("io_cancel again", k.sys.IoCancel(ctx, cb, result));
       k.Destroy(ctx);
       k.sys.Close(rfd);
       k.sys.Close(wfd);
     }},
    {"io_cancel: the key, the address and the pointers are checked",
     "POLLIN pending; io_cancel(NULL iocb) -> EFAULT; io_cancel(ctx 0, NULL, NULL) -> EFAULT; "
     "io_cancel(ctx 0, iocb) -> EINVAL; aio_key set to 1 -> EINVAL; a copy of the iocb at "
     "another address -> EINVAL; key back to 0 -> EINPROGRESS even with an unmapped result "
     "pointer (never written).",
     [](Kit& k) {
       auto [rfd, wfd] = k.Pipe(O_NONBLOCK);
       uint64_t ctx = k.Setup(4);
       uint64_t cb = 0;
       k.Submit1("io_submit POLLIN", ctx, PollCb(rfd, POLLIN, 1), &cb);
       uint64_t result = k.Mem(32);
       k.Note("io_cancel(NULL iocb)", k.sys.IoCancel(ctx, 0, result));
       k.Note("io_cancel(0, NULL, NULL)", k.sys.IoCancel(0, 0, 0));
       k.Note("io_cancel(0, iocb)", k.sys.IoCancel(0, cb, result));
       k.PutU32(cb + 8, 1);
       k.Note("io_cancel key 1", k.sys.IoCancel(ctx, cb, result));
       k.PutU32(cb + 8, 0);
       iocb copy;
       k.sys.Peek(cb, &copy, sizeof(copy));
       k.Note("io_cancel(copy)", k.sys.IoCancel(ctx, k.Place(copy), result));
       k.Note("io_cancel, result unmapped", k.sys.IoCancel(ctx, cb, kUnmappedAddr));
       k.Reap("io_getevents", ctx, 1, 1, kWaitLong);
       k.Destroy(ctx);
       k.sys.Close(rfd);
       k.sys.Close(wfd);
     }},
    {"io_cancel: a completed request is not found (EINVAL)",
     "A pipe holding 5 bytes; PREAD of 100 bytes -> completes inside io_submit with res 5; "
     "io_cancel -> EINVAL; a completed POLLOUT -> EINVAL too.",
     [](Kit& k) {
       auto [rfd, wfd] = k.Pipe(O_NONBLOCK);
       k.WriteBytes("write 5", wfd, 5);
       uint64_t ctx = k.Setup(4);
       uint64_t rd = 0, po = 0;
       uint64_t buf = k.Mem(100);
       k.Submit1("io_submit PREAD", ctx, Pread(rfd, buf, 100, 0, 1), &rd);
       k.Submit1("io_submit POLLOUT", ctx, PollCb(wfd, POLLOUT, 2), &po);
       k.Note("tail after submits", k.Ring(ctx).tail);
       uint64_t result = k.Mem(32);
       k.Note("io_cancel(PREAD)", k.sys.IoCancel(ctx, rd, result));
       k.Note("io_cancel(POLLOUT)", k.sys.IoCancel(ctx, po, result));
       k.Reap("io_getevents", ctx, 2, 2, kWaitLong);
       k.Note("data read", Digest(k.Bytes(buf, 5)));
       k.Destroy(ctx);
       k.sys.Close(rfd);
       k.sys.Close(wfd);
     }},
    {"io_cancel: a cancelled POLL with RESFD signals its eventfd",
     "POLLIN pending with RESFD = eventfd; io_cancel -> EINPROGRESS; io_getevents(1,1) -> res 0; "
     "the eventfd reads 1.",
     [](Kit& k) {
       auto [rfd, wfd] = k.Pipe(O_NONBLOCK);
       int efd = k.Eventfd(O_NONBLOCK);
       uint64_t ctx = k.Setup(4);
       uint64_t cb = 0;
       k.Submit1("io_submit POLLIN", ctx, WithResfd(PollCb(rfd, POLLIN, 5), efd), &cb);
       k.Note("io_cancel", k.sys.IoCancel(ctx, cb, k.Mem(32)));
       k.Reap("io_getevents", ctx, 1, 1, kWaitLong);
       k.RecordEventfd("eventfd", efd);
       k.Destroy(ctx);
       k.sys.Close(rfd);
       k.sys.Close(wfd);
       k.sys.Close(efd);
     }},

    // -------------------------------------------------------- io_getevents
    {"io_getevents: (min_nr, nr), context and timeout checks",
     "(2,1), (-1,1), (0,-1) -> EINVAL; (0,0) -> 0; context 0 -> EINVAL; unreadable timeout -> "
     "EFAULT; unreadable timeout with context 0 -> EFAULT (the timeout is read first).",
     [](Kit& k) {
       uint64_t ctx = k.Setup(4);
       uint64_t ev = k.Mem(64);
       uint64_t ts = k.TimeoutAddr(kDontWait);
       k.Note("(2,1)", k.sys.IoGetevents(ctx, 2, 1, ev, ts));
       k.Note("(-1,1)", k.sys.IoGetevents(ctx, -1, 1, ev, ts));
       k.Note("(0,-1)", k.sys.IoGetevents(ctx, 0, -1, ev, ts));
       k.Note("(0,0)", k.sys.IoGetevents(ctx, 0, 0, ev, ts));
       k.Note("ctx 0", k.sys.IoGetevents(0, 0, 1, ev, ts));
       k.Note("unreadable timeout", k.sys.IoGetevents(ctx, 0, 1, ev, kUnmappedAddr));
       k.Note("unreadable timeout, ctx 0", k.sys.IoGetevents(0, 0, 1, ev, kUnmappedAddr));
       k.Destroy(ctx);
     }},
    {"io_getevents: returns at once or after the timeout with what is there",
     "Empty ring: {0,0} -> 0; min_nr 1 with a 1 ms timeout -> 0; min_nr 0 without a timeout "
     "-> 0 at once; events NULL with {0,0} -> 0 (nothing to copy).",
     [](Kit& k) {
       uint64_t ctx = k.Setup(4);
       k.Reap("{0,0}", ctx, 0, 1, kDontWait);
       k.Reap("min 1, 1 ms", ctx, 1, 1, kWait1ms);
       k.Reap("min 0, no timeout", ctx, 0, 1, kNoTimeout);
       k.Note("events NULL", k.sys.IoGetevents(ctx, 0, 1, 0, k.TimeoutAddr(kDontWait)));
       k.Destroy(ctx);
     }},
    {"io_getevents: copies at most nr and advances ring.head",
     "Three POLLOUT completions; io_getevents(0, 2) -> 2 (the first two, in order), ring.head 2; "
     "io_getevents(0, 2) -> 1; ring head = tail = 3.",
     [](Kit& k) {
       auto [rfd, wfd] = k.Pipe(O_NONBLOCK);
       uint64_t ctx = k.Setup(4);
       k.Submit("io_submit 3", ctx,
                {PollCb(wfd, POLLOUT, 1), PollCb(wfd, POLLOUT, 2), PollCb(wfd, POLLOUT, 3)});
       k.Reap("first", ctx, 0, 2, kDontWait);
       k.Note("head", k.Ring(ctx).head);
       k.Reap("second", ctx, 0, 2, kDontWait);
       k.Note("head", k.Ring(ctx).head);
       k.Note("tail", k.Ring(ctx).tail);
       k.Destroy(ctx);
       k.sys.Close(rfd);
       k.sys.Close(wfd);
     }},
    {"io_getevents: an unwritable event buffer is EFAULT and leaves the event in the ring",
     "One POLLOUT completion; io_getevents into an unmapped buffer -> EFAULT, ring.head still 0; "
     "io_getevents into a good buffer -> the event.",
     [](Kit& k) {
       auto [rfd, wfd] = k.Pipe(O_NONBLOCK);
       uint64_t ctx = k.Setup(4);
       k.Submit1("io_submit", ctx, PollCb(wfd, POLLOUT, 1));
       k.Note("into unmapped",
              k.sys.IoGetevents(ctx, 0, 1, kUnmappedAddr, k.TimeoutAddr(kDontWait)));
       k.Note("head", k.Ring(ctx).head);
       k.Reap("into a good buffer", ctx, 0, 1, kDontWait);
       k.Destroy(ctx);
       k.sys.Close(rfd);
       k.sys.Close(wfd);
     }},
    {"io_getevents: a garbage ring.head is taken modulo ring.nr",
     "One POLLOUT completion (tail 1); write ring.head = ring.nr (0 modulo nr); io_getevents -> "
     "the event; ring.head afterwards 1. Then head = nr + 1: nothing to read.",
     [](Kit& k) {
       auto [rfd, wfd] = k.Pipe(O_NONBLOCK);
       uint64_t ctx = k.Setup(4);
       k.Submit1("io_submit", ctx, PollCb(wfd, POLLOUT, 1));
       RingHeader h = k.Ring(ctx);
       k.PutU32(ctx + 8, h.nr);
       k.Reap("head = nr", ctx, 0, 1, kDontWait);
       k.Note("head after", k.Ring(ctx).head);
       k.PutU32(ctx + 8, h.nr + 1);
       k.Reap("head = nr + 1", ctx, 0, 1, kDontWait);
       k.Destroy(ctx);
       k.sys.Close(rfd);
       k.sys.Close(wfd);
     }},

    {"io_getevents: the timeout is not validated and short reaps return what is there",
     "One POLLOUT completion ready: timeout {0, 2000000000} -> 1 (no EINVAL); another ready: "
     "timeout {-1, 0} -> 1; another ready: min_nr 2, nr 2, 1 ms -> 1 after the timeout.",
     [](Kit& k) {
       auto [rfd, wfd] = k.Pipe(O_NONBLOCK);
       uint64_t ctx = k.Setup(4);
       k.Submit1("io_submit", ctx, PollCb(wfd, POLLOUT, 1));
       k.Reap("tv_nsec 2e9", ctx, 1, 1, Timeout{false, 0, 2000000000});
       k.Submit1("io_submit", ctx, PollCb(wfd, POLLOUT, 2));
       k.Reap("tv_sec -1", ctx, 1, 1, Timeout{false, -1, 0});
       k.Submit1("io_submit", ctx, PollCb(wfd, POLLOUT, 3));
       k.Reap("min 2, 1 ms", ctx, 2, 2, kWait1ms);
       k.Destroy(ctx);
       k.sys.Close(rfd);
       k.sys.Close(wfd);
     }},
    {"io_getevents: a read-only event buffer is EFAULT",
     "One POLLOUT completion; io_getevents into a read-only page -> EFAULT and ring.head stays "
     "0; into a writable buffer -> the event.",
     [](Kit& k) {
       auto [rfd, wfd] = k.Pipe(O_NONBLOCK);
       uint64_t ctx = k.Setup(4);
       k.Submit1("io_submit", ctx, PollCb(wfd, POLLOUT, 1));
       uint64_t ro = k.Mem(4096);
       k.Note("mprotect(PROT_READ)", k.sys.Mprotect(ro, 4096, PROT_READ));
       k.Note("into read-only", k.sys.IoGetevents(ctx, 0, 1, ro, k.TimeoutAddr(kDontWait)));
       k.Note("head", k.Ring(ctx).head);
       k.Reap("into a writable buffer", ctx, 0, 1, kDontWait);
       k.Destroy(ctx);
       k.sys.Close(rfd);
       k.sys.Close(wfd);
     }},

    // ------------------------------------------------------- io_pgetevents
    {"io_pgetevents: the sigset argument",
     "usig NULL -> 0; {valid mask, 8} -> 0; {valid mask, 7} -> EINVAL; {NULL mask, 7} -> 0 (size "
     "only checked with a mask); usig unreadable -> EFAULT; {unreadable mask, 8} -> EFAULT; "
     "usig unreadable with context 0 -> EFAULT (usig before the context); (ctx 0, -1, -1) -> "
     "EINVAL; with one completion and a valid mask -> 1 and the event.",
     [](Kit& k) {
       auto [rfd, wfd] = k.Pipe(O_NONBLOCK);
       uint64_t ctx = k.Setup(4);
       uint64_t ev = k.Mem(64);
       uint64_t ts = k.TimeoutAddr(kDontWait);
       uint64_t mask = k.Mem(8);
       auto usig = [&](uint64_t m, uint64_t size) {
         uint64_t a = k.Mem(16);
         k.PutU64(a, m);
         k.PutU64(a + 8, size);
         return a;
       };
       k.Note("usig NULL", k.sys.IoPgetevents(ctx, 0, 1, ev, ts, 0));
       k.Note("{mask, 8}", k.sys.IoPgetevents(ctx, 0, 1, ev, ts, usig(mask, 8)));
       k.Note("{mask, 7}", k.sys.IoPgetevents(ctx, 0, 1, ev, ts, usig(mask, 7)));
       k.Note("{NULL, 7}", k.sys.IoPgetevents(ctx, 0, 1, ev, ts, usig(0, 7)));
       k.Note("usig unreadable", k.sys.IoPgetevents(ctx, 0, 1, ev, ts, kUnmappedAddr));
       k.Note("{unreadable, 8}", k.sys.IoPgetevents(ctx, 0, 1, ev, ts, usig(kUnmappedAddr, 8)));
       k.Note("usig unreadable, ctx 0", k.sys.IoPgetevents(0, 0, 1, ev, ts, kUnmappedAddr));
       k.Note("(0, -1, -1)", k.sys.IoPgetevents(0, -1, -1, ev, ts, 0));
       k.Submit1("io_submit", ctx, PollCb(wfd, POLLOUT, 3));
       long r = k.sys.IoPgetevents(ctx, 1, 1, ev, ts, usig(mask, 8));
       k.Note("one completion", r);
       k.RecordEvents("one completion", ev, r);
       k.Destroy(ctx);
       k.sys.Close(rfd);
       k.sys.Close(wfd);
     }},

    // ------------------------------------------------------- FSYNC/FDSYNC
    {"FSYNC: argument checks and files without fsync",
     "On a regular file: FSYNC with aio_buf 1, aio_offset 1, aio_nbytes 1 or aio_rw_flags 1 -> "
     "EINVAL each; FDSYNC with offset 1 -> EINVAL; FSYNC on a pipe -> EINVAL.",
     [](Kit& k) {
       int fd = k.File(Pattern(4096, 1), O_RDWR);
       auto [rfd, wfd] = k.Pipe(O_NONBLOCK);
       uint64_t ctx = k.Setup(4);
       iocb a = Fsync(fd, 1);
       a.aio_buf = 1;
       k.Submit1("buf 1", ctx, a);
       iocb b = Fsync(fd, 2);
       b.aio_offset = 1;
       k.Submit1("offset 1", ctx, b);
       iocb c = Fsync(fd, 3);
       c.aio_nbytes = 1;
       k.Submit1("nbytes 1", ctx, c);
       iocb d = Fsync(fd, 4);
       d.aio_rw_flags = 1;
       k.Submit1("rw_flags 1", ctx, d);
       iocb e = Fdsync(fd, 5);
       e.aio_offset = 1;
       k.Submit1("FDSYNC offset 1", ctx, e);
       k.Submit1("FSYNC on a pipe", ctx, Fsync(wfd, 6));
       k.Reap("io_getevents", ctx, 0, 4, kDontWait);
       k.Destroy(ctx);
       k.sys.Close(fd);
       k.sys.Close(rfd);
       k.sys.Close(wfd);
     }},
    {"FSYNC: a file's FSYNC and FDSYNC complete with res 0",
     "A regular file with 4096 dirty bytes (PWRITE first); FSYNC -> submitted; FDSYNC -> "
     "submitted; io_getevents(3, 3) -> the write's 4096 then two events res 0.",
     [](Kit& k) {
       int fd = k.File(Pattern(4096, 1), O_RDWR);
       uint64_t ctx = k.Setup(4);
       k.Submit1("io_submit PWRITE", ctx, Pwrite(fd, k.MemWith(Pattern(4096, 2)), 4096, 0, 1));
       k.Submit1("io_submit FSYNC", ctx, Fsync(fd, 2));
       k.Submit1("io_submit FDSYNC", ctx, Fdsync(fd, 3));
       long n = 0;
       uint64_t ev = k.Mem(32 * 3);
       // Completion order of the two syncs is the workqueue's: collect all three.
       while (n < 3) {
         long r = k.sys.IoGetevents(ctx, 1, 3 - n, ev + 32 * n, k.TimeoutAddr(kWaitLong));
         if (r <= 0) {
           k.Note("io_getevents failed", r);
           break;
         }
         n += r;
       }
       std::vector<std::pair<uint64_t, int64_t>> by_data;
       for (long i = 0; i < n; ++i) {
         io_event e;
         k.sys.Peek(ev + 32 * i, &e, sizeof(e));
         by_data.push_back({e.data, e.res});
       }
       std::sort(by_data.begin(), by_data.end());
       for (auto& [data, res] : by_data) k.Note("data " + std::to_string(data) + " res", res);
       k.Destroy(ctx);
       k.sys.Close(fd);
     }},

    // ---------------------------------------------------- reads and writes
    {"PREAD: a buffered read completes inside io_submit",
     "A regular file of 8192 pattern bytes; PREAD 4096 at 0 -> io_submit 1 and ring.tail is "
     "already 1; io_getevents -> res 4096; the buffer holds the file's bytes.",
     [](Kit& k) {
       std::vector<uint8_t> content = Pattern(8192, 3);
       int fd = k.File(content, O_RDONLY);
       uint64_t ctx = k.Setup(4);
       uint64_t buf = k.Mem(4096);
       k.Submit1("io_submit PREAD", ctx, Pread(fd, buf, 4096, 0, 11));
       k.Note("tail after submit", k.Ring(ctx).tail);
       k.Reap("io_getevents", ctx, 1, 1, kWaitLong);
       k.Note("bytes match the file",
              k.Bytes(buf, 4096) == std::vector<uint8_t>(content.begin(), content.begin() + 4096));
       k.Destroy(ctx);
       k.sys.Close(fd);
     }},
    {"PREAD: at and past EOF, and straddling it",
     "A 6000-byte file: PREAD 4096 at 6000 -> res 0; at 10000 -> res 0; 4096 at 4096 -> res "
     "1904 (short); 0 bytes at 0 -> res 0.",
     [](Kit& k) {
       std::vector<uint8_t> content = Pattern(6000, 4);
       int fd = k.File(content, O_RDONLY);
       uint64_t ctx = k.Setup(8);
       uint64_t buf = k.Mem(4096);
       k.Submit("io_submit", ctx,
                {Pread(fd, buf, 4096, 6000, 1), Pread(fd, buf, 4096, 10000, 2),
                 Pread(fd, buf, 4096, 4096, 3), Pread(fd, buf, 0, 0, 4)});
       k.Reap("io_getevents", ctx, 4, 4, kWaitLong);
       k.Note("short read bytes match",
              k.Bytes(buf, 1904) == std::vector<uint8_t>(content.begin() + 4096, content.end()));
       k.Destroy(ctx);
       k.sys.Close(fd);
     }},
    {"PWRITE/PREADV/PWRITEV: data round trip through the page cache",
     "An empty file; PWRITE 5000 pattern bytes at 100 -> res 5000; PWRITEV of two iovecs (10 + "
     "20 bytes) at 0 -> res 30; PREADV of two iovecs (3000 + 2100) at 0 -> res 5100; the bytes "
     "read equal what was written (zeros in the 30..100 gap).",
     [](Kit& k) {
       int fd = k.File({}, O_RDWR);
       uint64_t ctx = k.Setup(8);
       std::vector<uint8_t> a = Pattern(5000, 5), b = Pattern(30, 6);
       k.Submit1("PWRITE", ctx, Pwrite(fd, k.MemWith(a), a.size(), 100, 1));
       uint64_t bb = k.MemWith(b);
       k.Submit1("PWRITEV", ctx, Pwritev(fd, IovArray(k, {{bb, 10}, {bb + 10, 20}}), 2, 0, 2));
       uint64_t r1 = k.Mem(3000), r2 = k.Mem(2100);
       k.Submit1("PREADV", ctx, Preadv(fd, IovArray(k, {{r1, 3000}, {r2, 2100}}), 2, 0, 3));
       k.Reap("io_getevents", ctx, 3, 3, kWaitLong);
       std::vector<uint8_t> want(5100, 0);
       std::copy(b.begin(), b.end(), want.begin());
       std::copy(a.begin(), a.end(), want.begin() + 100);
       std::vector<uint8_t> got = k.Bytes(r1, 3000);
       std::vector<uint8_t> got2 = k.Bytes(r2, 2100);
       got.insert(got.end(), got2.begin(), got2.end());
       k.Note("bytes read back match", got == want);
       k.Destroy(ctx);
       k.sys.Close(fd);
     }},
    {"PREAD: a bad buffer is not a submit error; the event carries -EFAULT",
     "A 4096-byte file; PREAD into an unmapped buffer -> io_submit 1; event res -EFAULT. PWRITE "
     "from an unmapped buffer -> event res -EFAULT.",
     [](Kit& k) {
       int fd = k.File(Pattern(4096, 7), O_RDWR);
       uint64_t ctx = k.Setup(4);
       k.Submit1("io_submit PREAD", ctx, Pread(fd, kUnmappedAddr, 4096, 0, 1));
       k.Submit1("io_submit PWRITE", ctx, Pwrite(fd, kUnmappedAddr, 4096, 0, 2));
       k.Reap("io_getevents", ctx, 2, 2, kWaitLong);
       k.Destroy(ctx);
       k.sys.Close(fd);
     }},
    {"PREAD/PWRITE: submit-time errors",
     "Negative offset -> EINVAL; PREADV with 1025 iovecs -> EINVAL; PREADV with an unreadable "
     "iovec array -> EFAULT; PREAD on a write-only file -> EBADF; PWRITE on a read-only file -> "
     "EBADF.",
     [](Kit& k) {
       std::vector<uint8_t> content = Pattern(4096, 8);
       int fd = k.File(content, O_RDWR);
       int wo = k.File(content, O_WRONLY);
       int ro = k.File(content, O_RDONLY);
       uint64_t ctx = k.Setup(4);
       uint64_t buf = k.Mem(4096);
       k.Submit1("offset -1", ctx, Pread(fd, buf, 10, -1, 1));
       std::vector<std::pair<uint64_t, uint64_t>> many(1025, {buf, 1});
       k.Submit1("1025 iovecs", ctx, Preadv(fd, IovArray(k, many), 1025, 0, 2));
       k.Submit1("iovec array unreadable", ctx, Preadv(fd, kUnmappedAddr, 2, 0, 3));
       k.Submit1("PREAD on O_WRONLY", ctx, Pread(wo, buf, 10, 0, 4));
       k.Submit1("PWRITE on O_RDONLY", ctx, Pwrite(ro, buf, 10, 0, 5));
       k.Reap("io_getevents", ctx, 0, 4, kDontWait);
       k.Destroy(ctx);
       k.sys.Close(fd);
       k.sys.Close(wo);
       k.sys.Close(ro);
     }},
    {"PREAD/PWRITE: aio_rw_flags",
     "On a regular file: unknown bit 0x80000000 -> EOPNOTSUPP; APPEND|NOAPPEND on a write -> "
     "EINVAL; ATOMIC on a read -> EOPNOTSUPP; HIPRI on a read is dropped -> res 100; DSYNC "
     "write -> res 10.",
     [](Kit& k) {
       int fd = k.File(Pattern(4096, 9), O_RDWR);
       uint64_t ctx = k.Setup(8);
       uint64_t buf = k.Mem(4096);
       auto flagged = [](iocb cb, uint32_t f) {
         cb.aio_rw_flags = f;
         return cb;
       };
       k.Submit1("unknown bit", ctx, flagged(Pread(fd, buf, 100, 0, 1), kRwfUnknown));
       k.Submit1("APPEND|NOAPPEND", ctx,
                 flagged(Pwrite(fd, buf, 10, 0, 2), kRwfAppend | kRwfNoappend));
       k.Submit1("ATOMIC read", ctx, flagged(Pread(fd, buf, 100, 0, 3), kRwfAtomic));
       k.Submit1("HIPRI read", ctx, flagged(Pread(fd, buf, 100, 0, 4), kRwfHipri));
       k.Submit1("DSYNC write", ctx, flagged(Pwrite(fd, buf, 10, 0, 6), kRwfDsync));
       k.Reap("io_getevents", ctx, 2, 8, kWaitLong);
       k.Destroy(ctx);
       k.sys.Close(fd);
     }},
    {"PREAD: RWF_NOWAIT on a cached regular file completes normally",
     "A 4096-byte regular file just written (its pages cached): PREAD 100 at 0 with RWF_NOWAIT "
     "-> submitted, res 100. Skipped on a host whose scratch file system refuses RWF_NOWAIT "
     "(EOPNOTSUPP at submit: tmpfs); the model's file system is ext4-like.",
     [](Kit& k) {
       int fd = k.File(Pattern(4096, 21), O_RDWR);
       uint64_t ctx = k.Setup(4);
       iocb cb = Pread(fd, k.Mem(4096), 100, 0, 1);
       cb.aio_rw_flags = kRwfNowait;
       long r = k.Submit1("NOWAIT read", ctx, cb);
       if (r == -EOPNOTSUPP && k.OnHost())
         k.Skip("the host's scratch file system refuses RWF_NOWAIT (EOPNOTSUPP)");
       k.Reap("io_getevents", ctx, 1, 1, kWaitLong);
       k.Destroy(ctx);
       k.sys.Close(fd);
     }},
    {"PREAD: IOCB_FLAG_IOPRIO with an invalid class is EINVAL",
     "aio_reqprio = class 7 with IOCB_FLAG_IOPRIO -> EINVAL; class BE level 4 -> accepted (res "
     "100); class 7 without the flag -> ignored (res 100).",
     [](Kit& k) {
       int fd = k.File(Pattern(4096, 10), O_RDONLY);
       uint64_t ctx = k.Setup(4);
       uint64_t buf = k.Mem(4096);
       iocb a = Pread(fd, buf, 100, 0, 1);
       a.aio_flags = IOCB_FLAG_IOPRIO;
       a.aio_reqprio = static_cast<int16_t>(7 << 13);
       k.Submit1("class 7", ctx, a);
       iocb b = Pread(fd, buf, 100, 0, 2);
       b.aio_flags = IOCB_FLAG_IOPRIO;
       b.aio_reqprio = static_cast<int16_t>((2 << 13) | 4);
       k.Submit1("class BE/4", ctx, b);
       iocb c = Pread(fd, buf, 100, 0, 3);
       c.aio_reqprio = static_cast<int16_t>(7 << 13);
       k.Submit1("class 7 without the flag", ctx, c);
       k.Reap("io_getevents", ctx, 2, 4, kWaitLong);
       k.Destroy(ctx);
       k.sys.Close(fd);
     }},
    {"PREAD/PWRITE on a pipe complete inside io_submit",
     "A pipe holding 5 bytes: PREAD 100 -> res 5 (what is there); PWRITE 10 bytes on the write "
     "end -> res 10; read(2) then gets those 10 bytes.",
     [](Kit& k) {
       auto [rfd, wfd] = k.Pipe(O_NONBLOCK);
       k.WriteBytes("write 5", wfd, 5);
       uint64_t ctx = k.Setup(4);
       uint64_t buf = k.Mem(100);
       k.Submit1("PREAD", ctx, Pread(rfd, buf, 100, 0, 1));
       std::vector<uint8_t> w = Pattern(10, 11);
       k.Submit1("PWRITE", ctx, Pwrite(wfd, k.MemWith(w), 10, 0, 2));
       k.Note("tail after submits", k.Ring(ctx).tail);
       k.Reap("io_getevents", ctx, 2, 2, kWaitLong);
       uint64_t back = k.Mem(100);
       k.Note("read", k.sys.Read(rfd, back, 100));
       k.Note("bytes match", k.Bytes(back, 10) == w);
       k.Destroy(ctx);
       k.sys.Close(rfd);
       k.sys.Close(wfd);
     }},
    {"PREAD on a pipe or an eventfd that would block completes with -EAGAIN",
     "Empty non-blocking pipe: PREAD 100 -> event res -EAGAIN. Empty blocking pipe: PREAD with "
     "RWF_NOWAIT -> res -EAGAIN. Non-blocking eventfd at 0: PREAD 8 -> res -EAGAIN; after "
     "write(5): PREAD 8 -> res 8 and the buffer holds 5; PREAD 4 -> res -EINVAL.",
     [](Kit& k) {
       auto [rfd, wfd] = k.Pipe(O_NONBLOCK);
       auto [brfd, bwfd] = k.Pipe(0);
       int efd = k.Eventfd(O_NONBLOCK);
       uint64_t ctx = k.Setup(8);
       uint64_t buf = k.Mem(4096);
       k.Submit1("PREAD empty non-blocking pipe", ctx, Pread(rfd, buf, 100, 0, 1));
       iocb nw = Pread(brfd, buf, 100, 0, 2);
       nw.aio_rw_flags = kRwfNowait;
       k.Submit1("PREAD NOWAIT empty blocking pipe", ctx, nw);
       k.Submit1("PREAD empty eventfd", ctx, Pread(efd, buf, 8, 0, 3));
       k.Reap("io_getevents", ctx, 3, 3, kWaitLong);
       uint64_t v = k.Mem(8);
       k.PutU64(v, 5);
       k.Note("write eventfd 5", k.sys.Write(efd, v, 8));
       k.Submit1("PREAD eventfd", ctx, Pread(efd, buf, 8, 0, 4));
       k.Submit1("PREAD 4 bytes of eventfd", ctx, Pread(efd, buf + 8, 4, 0, 5));
       k.Reap("io_getevents", ctx, 2, 2, kWaitLong);
       k.Note("value read", static_cast<int64_t>(k.U64At(buf)));
       k.Destroy(ctx);
       for (int fd : {rfd, wfd, brfd, bwfd, efd}) k.sys.Close(fd);
     }},
    {"PWRITE: RWF_APPEND, O_APPEND and RWF_NOAPPEND",
     "A 100-byte file opened O_RDWR: PWRITE 10 bytes at 0 with RWF_APPEND -> res 10, lands at "
     "100 (PREAD 200 -> 110 bytes, as expected). A second file holding those 110 bytes, opened "
     "O_RDWR|O_APPEND: PWRITE 10 at 0 -> lands at the end; with RWF_NOAPPEND -> lands at 0. "
     "PREAD 200 at 0 -> res 120 and the expected bytes.",
     [](Kit& k) {
       std::vector<uint8_t> content = Pattern(100, 16);
       std::vector<uint8_t> a = Pattern(10, 17), b = Pattern(10, 18), c = Pattern(10, 19);
       int fd = k.File(content, O_RDWR);
       uint64_t ctx = k.Setup(8);
       iocb w1 = Pwrite(fd, k.MemWith(a), 10, 0, 1);
       w1.aio_rw_flags = kRwfAppend;
       k.Submit1("PWRITE RWF_APPEND", ctx, w1);
       k.Reap("io_getevents", ctx, 1, 1, kWaitLong);
       uint64_t rb1 = k.Mem(200);
       k.Submit1("PREAD 200", ctx, Pread(fd, rb1, 200, 0, 9));
       k.Reap("io_getevents", ctx, 1, 1, kWaitLong);
       std::vector<uint8_t> now = content;
       now.insert(now.end(), a.begin(), a.end());
       k.Note("bytes match after RWF_APPEND", k.Bytes(rb1, now.size()) == now);
       k.sys.Close(fd);
       int afd = k.File(now, O_RDWR | O_APPEND);
       k.Submit1("PWRITE on O_APPEND", ctx, Pwrite(afd, k.MemWith(b), 10, 0, 2));
       iocb w3 = Pwrite(afd, k.MemWith(c), 10, 0, 3);
       w3.aio_rw_flags = kRwfNoappend;
       k.Submit1("PWRITE RWF_NOAPPEND on O_APPEND", ctx, w3);
       k.Reap("io_getevents", ctx, 2, 2, kWaitLong);
       uint64_t rb = k.Mem(200);
       k.Submit1("PREAD 200", ctx, Pread(afd, rb, 200, 0, 4));
       k.Reap("io_getevents", ctx, 1, 1, kWaitLong);
       std::vector<uint8_t> want = now;
       want.insert(want.end(), b.begin(), b.end());
       std::copy(c.begin(), c.end(), want.begin());
       k.Note("bytes match", k.Bytes(rb, want.size()) == want);
       k.Destroy(ctx);
       k.sys.Close(afd);
     }},
    {"PREADV: zero iovecs and an iovec length with the top bit set",
     "PREADV with 0 iovecs -> submitted, res 0; PREADV of one iovec whose length is 2^63 -> a "
     "submit error; PREADV of {4096-byte buffer, 1 byte at an unmapped address} -> res 4096 "
     "(the copy stops at the fault).",
     [](Kit& k) {
       int fd = k.File(Pattern(8192, 20), O_RDONLY);
       uint64_t ctx = k.Setup(8);
       uint64_t buf = k.Mem(4096);
       k.Submit1("0 iovecs", ctx, Preadv(fd, IovArray(k, {}), 0, 0, 1));
       k.Submit1("length 2^63", ctx, Preadv(fd, IovArray(k, {{buf, 1ull << 63}}), 1, 0, 2));
       k.Submit1("second segment unmapped", ctx,
                 Preadv(fd, IovArray(k, {{buf, 4096}, {kUnmappedAddr, 1}}), 2, 0, 3));
       k.Reap("io_getevents", ctx, 2, 4, kWaitLong);
       k.Destroy(ctx);
       k.sys.Close(fd);
     }},
    {"RESFD: the eventfd counts one per completion",
     "Three PREADs of a regular file, each with RESFD = one eventfd; io_getevents(3,3) -> 3; "
     "the eventfd reads 3; a fourth request without RESFD leaves it at 0 (read -> EAGAIN).",
     [](Kit& k) {
       int fd = k.File(Pattern(4096, 12), O_RDONLY);
       int efd = k.Eventfd(O_NONBLOCK);
       uint64_t ctx = k.Setup(8);
       uint64_t buf = k.Mem(4096);
       k.Submit("io_submit 3 with RESFD", ctx,
                {WithResfd(Pread(fd, buf, 10, 0, 1), efd), WithResfd(Pread(fd, buf, 10, 0, 2), efd),
                 WithResfd(Pread(fd, buf, 10, 0, 3), efd)});
       k.Reap("io_getevents", ctx, 3, 3, kWaitLong);
       k.RecordEventfd("eventfd", efd);
       k.Submit1("io_submit without RESFD", ctx, Pread(fd, buf, 10, 0, 4));
       k.Reap("io_getevents", ctx, 1, 1, kWaitLong);
       k.RecordEventfd("eventfd again", efd);
       k.Destroy(ctx);
       k.sys.Close(fd);
       k.sys.Close(efd);
     }},
    {"O_DIRECT: aligned reads complete with the data; misaligned ones with res -EINVAL",
     "A 16384-byte file opened O_DIRECT (skipped where the host's file system refuses O_DIRECT, "
     "or accepts it without alignment rules, as tmpfs does): PREAD "
     "4096 at 4096 into a 4096-aligned buffer -> res 4096 and the file's bytes; buffer + 1 -> "
     "res -EINVAL; offset 1 -> res -EINVAL; length 4095 -> res -EINVAL (all submitted).",
     [](Kit& k) {
       std::vector<uint8_t> content = Pattern(16384, 13);
       long fd = k.sys.OpenFile(content, O_RDONLY | O_DIRECT);
       if (fd < 0)
         k.Skip("the host's scratch file system refuses O_DIRECT: open failed with " +
                std::to_string(fd));
       uint64_t ctx = k.Setup(8);
       uint64_t buf = k.Mem(8192);
       int f = static_cast<int>(fd);
       k.Submit1("aligned", ctx, Pread(f, buf, 4096, 4096, 1));
       k.Reap("io_getevents aligned", ctx, 1, 1, kWaitLong);
       k.Note("bytes match", k.Bytes(buf, 4096) == std::vector<uint8_t>(content.begin() + 4096,
                                                                        content.begin() + 8192));
       k.Submit1("buffer + 1", ctx, Pread(f, buf + 1, 4096, 0, 2));
       k.Reap("io_getevents buffer + 1", ctx, 1, 1, kWaitLong);
       if (k.OnHost() && k.last_events().size() == 1 && k.last_events()[0].res != -EINVAL)
         k.Skip(
             "the host's scratch file system accepts misaligned O_DIRECT (no real direct "
             "I/O, e.g. tmpfs): res " +
             std::to_string(k.last_events()[0].res));
       k.Submit1("offset 1", ctx, Pread(f, buf, 4096, 1, 3));
       k.Reap("io_getevents offset 1", ctx, 1, 1, kWaitLong);
       k.Submit1("length 4095", ctx, Pread(f, buf, 4095, 0, 4));
       k.Reap("io_getevents length 4095", ctx, 1, 1, kWaitLong);
       k.Destroy(ctx);
       k.sys.Close(f);
     }},
    {"O_DIRECT: an aligned write and read back",
     "A 8192-byte file opened O_RDWR|O_DIRECT (skipped if the open fails): PWRITE 4096 new bytes "
     "at 4096 from an aligned buffer -> res 4096; PREAD 8192 at 0 -> res 8192 with the old first "
     "half and the new second half.",
     [](Kit& k) {
       std::vector<uint8_t> content = Pattern(8192, 24), fresh = Pattern(4096, 25);
       long fd = k.sys.OpenFile(content, O_RDWR | O_DIRECT);
       if (fd < 0)
         k.Skip("the host's scratch file system refuses O_DIRECT: open failed with " +
                std::to_string(fd));
       int f = static_cast<int>(fd);
       uint64_t ctx = k.Setup(4);
       k.Submit1("PWRITE", ctx, Pwrite(f, k.MemWith(fresh), 4096, 4096, 1));
       k.Reap("io_getevents", ctx, 1, 1, kWaitLong);
       uint64_t rb = k.Mem(8192);
       k.Submit1("PREAD", ctx, Pread(f, rb, 8192, 0, 2));
       k.Reap("io_getevents", ctx, 1, 1, kWaitLong);
       std::vector<uint8_t> want(content.begin(), content.begin() + 4096);
       want.insert(want.end(), fresh.begin(), fresh.end());
       k.Note("bytes match", k.Bytes(rb, 8192) == want);
       k.Destroy(ctx);
       k.sys.Close(f);
     }},
    {"io_submit: an O_PATH fd is EBADF",
     "A regular file opened O_PATH: PREAD on it -> EBADF (fget refuses O_PATH files); POLL -> "
     "EBADF.",
     [](Kit& k) {
       int fd = k.File(Pattern(100, 26), O_PATH);
       uint64_t ctx = k.Setup(4);
       k.Submit1("PREAD", ctx, Pread(fd, k.Mem(4096), 100, 0, 1));
       k.Submit1("POLL", ctx, PollCb(fd, POLLIN, 2));
       k.Reap("io_getevents", ctx, 0, 4, kDontWait);
       k.Destroy(ctx);
       k.sys.Close(fd);
     }},
    {"POLL: a regular file has no poll method and completes at once",
     "POLLIN on a regular file -> completes inside io_submit with res 1 (the default mask "
     "ANDed with POLLIN|ERR|HUP); POLLOUT -> res 4.",
     [](Kit& k) {
       int fd = k.File(Pattern(100, 14), O_RDWR);
       uint64_t ctx = k.Setup(4);
       k.Submit("io_submit", ctx, {PollCb(fd, POLLIN, 1), PollCb(fd, POLLOUT, 2)});
       k.Note("tail after submit", k.Ring(ctx).tail);
       k.Reap("io_getevents", ctx, 0, 4, kDontWait);
       k.Destroy(ctx);
       k.sys.Close(fd);
     }},

    // ---------------------------------------------------------------- fork
    {"fork: a child sees the parent's ring but its calls on the context are EINVAL",
     "io_setup(4); one POLLOUT completion; fork: in the child, io_submit(ctx, 0), io_getevents "
     "and io_destroy on the parent's handle -> EINVAL, ring.magic readable, its own io_setup(1) "
     "gets id 0; the child exits 0. The parent's context still works: io_getevents -> the event.",
     [](Kit& k) {
       auto [rfd, wfd] = k.Pipe(O_NONBLOCK);
       uint64_t ctx = k.Setup(4);
       k.Submit1("io_submit", ctx, PollCb(wfd, POLLOUT, 1));
       long status = k.sys.ForkAndWait([&] {
         k.Note("child: io_submit(ctx, 0)", k.sys.IoSubmit(ctx, 0, k.PtrArray({})));
         k.Reap("child: io_getevents", ctx, 0, 1, kDontWait);
         k.Note("child: io_destroy", k.sys.IoDestroy(ctx));
         k.Note("child: ring.magic", k.Ring(ctx).magic);
         uint64_t own = k.Setup(1);
         k.Note("child: own ctx id", k.Ring(own).id);
         k.Destroy(own, "child: io_destroy own");
       });
       k.Note("child exited normally with 0", WIFEXITED(status) && WEXITSTATUS(status) == 0);
       k.Reap("parent: io_getevents", ctx, 0, 1, kDontWait);
       k.Destroy(ctx);
       k.sys.Close(rfd);
       k.sys.Close(wfd);
     }},
};

}  // namespace

const std::vector<DiffCase>& AllCases() { return kCases; }

void RunCase(const DiffCase& c, SysApi& sys, Obs& obs) {
  Kit kit(sys, obs);
  c.body(kit);
}

}  // namespace diff
