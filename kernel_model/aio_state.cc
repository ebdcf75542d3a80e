// The AIO layer's per-run state: creation, design selection, sysctls, the
// CPU mapping of the per-CPU slot caches, and the end-of-run leak check.
#include <sstream>

#include "kernel_model/aio.h"
#include "kernel_model/aio_design.h"
#include "kernel_model/aio_internal.h"
#include "kernel_model/kernel.h"
#include "kernel_model/sched.h"
#include "sim/check.h"

namespace kernel {

aio_state::aio_state(sim::Prng root) : trylock_rng(root.Fork("aio.poll_trylock")) {}
aio_state::~aio_state() = default;

aio_state* aio_state_or_null() {
  Kernel* k = Kernel::Current();
  return k ? k->aio.get() : nullptr;
}

namespace {

// Kernel::Shutdown: the run is over. Detach every request from the wait
// queues it sits on, so that releasing files (which wakes their queues)
// runs no AIO callback; the objects themselves go with the Kernel.
void aio_shutdown(aio_state* st) {
  st->reqs.ForEachLive([](aio_kiocb* req) {
    list_del_init(&req->poll.wait.entry);
    list_del_init(&req->ki_list);
    if (req->ki_ctx && req->ki_ctx->design && req->ki_ctx->design->iocb_detach) {
      req->ki_ctx->design->iocb_detach(req);
    }
  });
}

}  // namespace

aio_state* aio_get_state_slow() {
  Kernel* k = Kernel::Current();
  SIM_CHECK(k != nullptr) << "AIO used without a Kernel";
  if (k->aio) return k->aio.get();
  auto st = std::make_shared<aio_state>(k->sched.rng());
  st->design = &aio_mainline_design;
  sim::Trace& t = k->trace();
  aio_trace_kinds& tk = st->tk;
  tk.ctx_alloc = t.Kind("aio.ctx_alloc", {"ctx", "nr_events", "max_reqs", "user_id", "id"});
  tk.ctx_ref = t.Kind("aio.ctx_ref", {"ctx", "ref", "delta", "count"});
  tk.ctx_kill = t.Kind("aio.ctx_kill", {"ctx", "aio_nr"});
  tk.ctx_free = t.Kind("aio.ctx_free", {"ctx"});
  tk.iocb_get = t.Kind("aio.iocb_get", {"ctx", "req", "ki_refcnt"});
  tk.iocb_put = t.Kind("aio.iocb_put", {"ctx", "req", "ki_refcnt"});
  tk.submit = t.Kind("aio.submit", {"ctx", "req", "opcode", "fd", "obj", "nbytes"});
  tk.submit_err = t.Kind("aio.submit_err", {"ctx", "obj", "err"});
  tk.complete = t.Kind("aio.complete", {"ctx", "req", "res", "res2", "tail", "obj"});
  tk.destroy = t.Kind("aio.destroy", {"ctx", "req"});
  tk.getevents = t.Kind("aio.getevents", {"ctx", "min_nr", "nr", "ret"});
  tk.cancel = t.Kind("aio.cancel", {"ctx", "req", "ret"});
  tk.poll_wake = t.Kind("aio.poll_wake", {"ctx", "req", "mask", "action"});
  tk.poll_work = t.Kind("aio.poll_work", {"ctx", "req", "mask", "cancelled", "requeued"});
  tk.fsync_work = t.Kind("aio.fsync_work", {"ctx", "req", "res", "uid", "cred_tgid"});
  tk.kick = t.Kind("aio.kick", {"ctx", "req", "queued"});
  tk.retry = t.Kind("aio.retry", {"ctx", "req", "ret", "left"});
  st->opts.aio_max_nr = 0x10000;
  k->aio = st;
  k->mmput_hooks.push_back([](mm_struct* mm) { exit_aio(mm); });
  k->shutdown_hooks.push_back([raw = st.get()] { aio_shutdown(raw); });
  return st.get();
}

int aio_set_design(std::string_view name) {
  const aio_design* d = aio_find_design(name);
  if (!d) return -EINVAL;
  aio_get_state()->design = d;
  return 0;
}

const aio_design* aio_current_design() { return aio_get_state()->design; }

unsigned long aio_nr() { return aio_get_state()->aio_nr; }
unsigned long aio_max_nr() { return aio_get_state()->opts.aio_max_nr; }
void set_aio_max_nr(unsigned long max) { aio_get_state()->opts.aio_max_nr = max; }

size_t aio_check_leaks() {
  aio_state* st = aio_state_or_null();
  if (!st) return 0;
  Kernel* k = Kernel::Current();
  size_t n = 0;
  st->ctxs.ForEachLive([&](kioctx* ctx) {
    std::ostringstream os;
    os << "aio leak: kioctx " << ctx->slot.id << " (handle 0x" << std::hex << ctx->user_id
       << std::dec << ") still alive at the end of the run: users " << ctx->users.count << ", reqs "
       << ctx->reqs.count << (ctx->dead ? ", dead" : ", live");
    k->sched.ReportViolation(os.str(), false);
    ++n;
  });
  st->reqs.ForEachLive([&](aio_kiocb* req) {
    std::ostringstream os;
    os << "aio leak: aio_kiocb " << req->slot.id << " (obj 0x" << std::hex << req->ki_res.obj
       << std::dec << ", opcode " << req->ki_opcode
       << ") still alive at the end of the run with ki_refcnt " << req->ki_refcnt;
    k->sched.ReportViolation(os.str(), false);
    ++n;
  });
  return n;
}

kioctx* aio_find_ioctx(mm_struct* mm, aio_context_t ctx_id) {
  if (!mm || !mm->ioctx_table) return nullptr;
  for (kioctx* ctx : mm->ioctx_table->table) {
    if (ctx && ctx->user_id == ctx_id && !ctx->dead) return ctx;
  }
  return nullptr;
}

size_t aio_kiocb_bytes() {
  // The object in its own glibc malloc chunk (8-byte header, 16-byte
  // granule), plus the arena's pointer to it.
  size_t chunk = (sizeof(aio_kiocb) + 8 + 15) & ~size_t{15};
  return chunk + sizeof(std::unique_ptr<aio_kiocb>);
}

}  // namespace kernel
