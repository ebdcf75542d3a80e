// Contexts: io_setup and io_destroy, the ring mapping, the per-mm table,
// the two reference counts of a kioctx and their release functions, and
// exit_aio. After fs/aio.c: aio_setup_ring, ioctx_add_table, ioctx_alloc,
// kill_ioctx, free_ioctx_users, free_ioctx_reqs, free_ioctx, lookup_ioctx,
// aio_ring_mremap, exit_aio.
#include <algorithm>
#include <cstring>

#include "kernel_model/aio.h"
#include "kernel_model/aio_design.h"
#include "kernel_model/aio_internal.h"
#include "kernel_model/kernel.h"
#include "kernel_model/mm.h"
#include "kernel_model/sched.h"
#include "kernel_model/signal.h"
#include "kernel_model/wait.h"
#include "kernel_model/workqueue.h"
#include "sim/check.h"

namespace kernel {
namespace {

aio_state* st() { return aio_get_state(); }

// Inlined into the six reference helpers: a call here cost a frame and a
// copy of `who` per record, six records per request.
[[gnu::always_inline]] inline void trace_ctx_ref(kioctx* ctx, int which, int delta, long count,
                                                 const sim::TraceText& who) {
  aio_state* s = st();
  Kernel::Current()->trace().Emit(s->tk.ctx_ref,
                                  {static_cast<int64_t>(ctx->slot.id), which, delta, count}, who);
}

void free_ioctx_users(kioctx* ctx);
void free_ioctx_reqs(kioctx* ctx);

// free_ioctx (queued by free_ioctx_reqs on system_wq, as the kernel's
// queue_rcu_work): the ring pages go, then the context.
void free_ioctx(work_struct* work) {
  kioctx* ctx = container_of(work, kioctx, free_work);
  aio_state* s = st();
  s->ctxs.Check(ctx, "free_ioctx");
  SIM_CHECK(!waitqueue_active(&ctx->wait))
      << "free_ioctx: io_getevents waiters remain on ctx " << ctx->slot.id;
  SIM_CHECK(list_empty(&ctx->active_reqs))
      << "free_ioctx: active requests remain on ctx " << ctx->slot.id;
  if (ctx->design && ctx->design->ctx_exit) ctx->design->ctx_exit(ctx);
  Kernel::Current()->trace().Emit(s->tk.ctx_free, {static_cast<int64_t>(ctx->slot.id)});
  ctx->ring_pages.reset();  // aio_free_ring
  if (ctx->mm) mmdrop(ctx->mm);
  s->ctxs.Free(ctx, "free_ioctx");
}

// The last reqs reference: no request is in flight any more.
void free_ioctx_reqs(kioctx* ctx) {
  if (ctx->rq_wait && --ctx->rq_wait->count == 0) {
    ctx->rq_wait->done = true;
    wake_up_all(&ctx->rq_wait->wq);
  }
  ctx->rq_wait = nullptr;
  INIT_WORK(&ctx->free_work, free_ioctx);
  queue_work(Kernel::Current()->system_wq, &ctx->free_work);
}

// The last users reference: nothing can submit any more; cancel what can
// be cancelled, then let the reqs count fall.
void free_ioctx_users(kioctx* ctx) {
  while (!list_empty(&ctx->active_reqs)) {
    aio_kiocb* req = list_first_entry(&ctx->active_reqs, aio_kiocb, ki_list);
    req->ki_cancel(&req->rw);
    list_del_init(&req->ki_list);
  }
  ctx_reqs_kill(ctx, "free_ioctx_users");
  ctx_reqs_put(ctx, "free_ioctx_users");
}

// mremap of the ring moves the handle (the kernel's aio_ring_mremap); in a
// forked child (no table) the move is refused.
int aio_ring_mremap(vm_area_struct* vma) {
  mm_struct* mm = vma->vm_mm;
  kioctx_table* table = mm->ioctx_table;
  if (!table) return -EINVAL;
  for (kioctx* ctx : table->table) {
    if (ctx && ctx->ring_pages == vma->backing) {
      if (ctx->dead) return -EINVAL;
      ctx->user_id = ctx->mmap_base = vma->vm_start;
      return 0;
    }
  }
  return -EINVAL;
}

const vm_operations_struct aio_ring_vm_ops = {
    .open = nullptr, .close = nullptr, .mremap = aio_ring_mremap, .name = "[aio]"};

int aio_setup_ring(kioctx* ctx, unsigned nr_events) {
  mm_struct* mm = current()->mm;
  nr_events += 2;  // the head/tail overlap entry, "2 for good luck"
  unsigned long size = AIO_RING_HEADER_SIZE + IO_EVENT_SIZE * static_cast<unsigned long>(nr_events);
  long nr_pages = static_cast<long>((size + PAGE_SIZE - 1) / PAGE_SIZE);
  nr_events = static_cast<unsigned>((PAGE_SIZE * nr_pages - AIO_RING_HEADER_SIZE) / IO_EVENT_SIZE);

  ctx->ring_pages = std::make_shared<vm_backing>();
  ctx->ring_pages->bytes.assign(PAGE_SIZE * nr_pages, 0);
  ctx->nr_pages = nr_pages;
  ctx->mmap_size = PAGE_SIZE * nr_pages;

  // mmap_write_lock_killable
  if (fatal_signal_pending(current())) {
    ctx->mmap_size = 0;
    ctx->ring_pages.reset();
    return -EINTR;
  }
  unsigned long base = vm_mmap_backing(mm, ctx->ring_pages, 0, ctx->mmap_size,
                                       PROT_READ | PROT_WRITE, &aio_ring_vm_ops, ctx);
  if (IS_ERR_VALUE(base)) {
    ctx->mmap_size = 0;
    ctx->ring_pages.reset();
    return -ENOMEM;
  }
  ctx->mmap_base = base;
  ctx->user_id = base;
  ctx->nr_events = nr_events;

  aio_ring ring;
  ring.nr = nr_events;
  ring.id = ~0u;
  ring.head = ring.tail = 0;
  ring.magic = AIO_RING_MAGIC;
  ring.compat_features = AIO_RING_COMPAT_FEATURES;
  ring.incompat_features = AIO_RING_INCOMPAT_FEATURES;
  ring.header_length = AIO_RING_HEADER_SIZE;
  std::memcpy(ctx->ring_pages->bytes.data(), &ring, sizeof(ring));
  return 0;
}

void ioctx_add_table(kioctx* ctx, mm_struct* mm) {
  aio_state* s = st();
  kioctx_table* table = mm->ioctx_table;
  for (;;) {
    if (table) {
      for (unsigned i = 0; i < table->nr; ++i) {
        if (!table->table[i]) {
          ctx->id = i;
          table->table[i] = ctx;
          aio_ring_write_u32(ctx, offsetof(aio_ring, id), i);
          return;
        }
      }
    }
    unsigned new_nr = (table ? table->nr : 1) * 4;
    auto grown = std::make_unique<kioctx_table>();
    grown->nr = new_nr;
    grown->table.assign(new_nr, nullptr);
    if (table) std::copy(table->table.begin(), table->table.end(), grown->table.begin());
    kioctx_table* old = table;
    table = grown.get();
    mm->ioctx_table = table;
    s->tables.push_back(std::move(grown));
    if (old) {
      auto it =
          std::find_if(s->tables.begin(), s->tables.end(),
                       [old](const std::unique_ptr<kioctx_table>& t) { return t.get() == old; });
      if (it != s->tables.end()) s->tables.erase(it);
    }
  }
}

void aio_nr_sub(unsigned nr) {
  aio_state* s = st();
  if (s->aio_nr - nr > s->aio_nr) {
    Kernel::Current()->sched.ReportViolation("aio_nr_sub: aio-nr would go below zero", false);
    s->aio_nr = 0;
  } else {
    s->aio_nr -= nr;
  }
}

// io_setup's worker: a new context, or ERR_PTR(-EINVAL / -EAGAIN / -ENOMEM / -EINTR).
kioctx* ioctx_alloc(unsigned nr_events) {
  aio_state* s = st();
  Kernel* k = Kernel::Current();
  mm_struct* mm = current()->mm;
  unsigned max_reqs = nr_events;
  unsigned ncpus = k->opts.nr_cpus;

  // Up to half the slots may sit in other CPUs' caches: double, and keep
  // req_batch above zero (32-bit arithmetic, wrapping as the kernel's).
  nr_events = std::max(nr_events, ncpus * 4);
  nr_events *= 2;

  if (nr_events > 0x10000000u / IO_EVENT_SIZE) return ERR_PTR<kioctx>(-EINVAL);
  if (!nr_events || static_cast<unsigned long>(max_reqs) > s->opts.aio_max_nr) {
    return ERR_PTR<kioctx>(-EAGAIN);
  }

  kioctx* ctx = s->ctxs.Alloc();
  ctx->max_reqs = max_reqs;
  ctx->users.count = 1;
  ctx->reqs.count = 1;
  ctx->cpu.assign(ncpus, kioctx_cpu{});
  ctx->design = s->design;

  int err = aio_setup_ring(ctx, nr_events);
  if (err < 0) {
    s->ctxs.Free(ctx, "ioctx_alloc");
    return ERR_PTR<kioctx>(err);
  }

  ctx->reqs_available = static_cast<int>(ctx->nr_events - 1);
  ctx->req_batch = (ctx->nr_events - 1) / (ncpus * 4);
  if (ctx->req_batch < 1) ctx->req_batch = 1;

  // Limit the number of system-wide AIO slots.
  if (s->aio_nr + ctx->max_reqs > s->opts.aio_max_nr || s->aio_nr + ctx->max_reqs < s->aio_nr) {
    ctx->dead = true;
    if (ctx->mmap_size) vm_munmap(mm, ctx->mmap_base, ctx->mmap_size);
    ctx->ring_pages.reset();
    s->ctxs.Free(ctx, "ioctx_alloc");
    return ERR_PTR<kioctx>(-EAGAIN);
  }
  s->aio_nr += ctx->max_reqs;

  k->trace().Emit(s->tk.ctx_ref, {static_cast<int64_t>(ctx->slot.id), 0, 1, 1}, "ioctx_alloc");
  k->trace().Emit(s->tk.ctx_ref, {static_cast<int64_t>(ctx->slot.id), 1, 1, 1}, "ioctx_alloc");
  ctx_users_get(ctx, "ioctx_alloc");  // io_setup() will drop this ref
  ctx_reqs_get(ctx, "ioctx_alloc");   // free_ioctx_users() will drop this

  ioctx_add_table(ctx, mm);
  ctx->mm = mm;
  mmgrab(mm);
  if (ctx->design->ctx_init) ctx->design->ctx_init(ctx);
  k->trace().Emit(s->tk.ctx_alloc, {static_cast<int64_t>(ctx->slot.id), ctx->nr_events,
                                    ctx->max_reqs, static_cast<int64_t>(ctx->user_id), ctx->id});
  return ctx;
}

}  // namespace

// --- references ---

namespace {

// The reports of the reference helpers' checks, out of line (same
// conditions, same messages): a SIM_CHECK's message builder inside a helper
// made each of its ~10 calls per iocb set up a full frame with a
// stack-protector canary, although the checks pass.
[[gnu::cold, gnu::noinline]] void users_taken_at_zero(const kioctx* ctx, const sim::TraceText& who) {
  SIM_CHECK(ctx->users.count > 0) << who.text() << ": users reference of ctx " << ctx->slot.id
                                  << " taken at zero";
}
[[gnu::cold, gnu::noinline]] void users_put_below_zero(const kioctx* ctx, const sim::TraceText& who) {
  SIM_CHECK(ctx->users.count > 0) << who.text() << ": users put below zero on ctx " << ctx->slot.id;
}
[[gnu::cold, gnu::noinline]] void reqs_get_at_zero(const kioctx* ctx, const sim::TraceText& who) {
  SIM_CHECK(ctx->reqs.count > 0) << who.text() << ": reqs get on ctx " << ctx->slot.id
                                 << " at zero";
}
[[gnu::cold, gnu::noinline]] void reqs_put_below_zero(const kioctx* ctx, const sim::TraceText& who) {
  SIM_CHECK(ctx->reqs.count > 0) << who.text() << ": reqs put below zero on ctx " << ctx->slot.id;
}

}  // namespace

bool ctx_users_tryget_live(kioctx* ctx, const sim::TraceText& who) {
  st()->ctxs.Check(ctx, who.text());
  if (ctx->users.dead) return false;
  if (!(ctx->users.count > 0)) [[unlikely]] users_taken_at_zero(ctx, who);
  ++ctx->users.count;
  trace_ctx_ref(ctx, 0, +1, ctx->users.count, who);
  return true;
}

void ctx_users_get(kioctx* ctx, const sim::TraceText& who) {
  st()->ctxs.Check(ctx, who.text());
  SIM_CHECK(ctx->users.count > 0) << who.text() << ": users get on ctx " << ctx->slot.id
                                  << " at zero";
  ++ctx->users.count;
  trace_ctx_ref(ctx, 0, +1, ctx->users.count, who);
}

void ctx_users_put(kioctx* ctx, const sim::TraceText& who) {
  st()->ctxs.Check(ctx, who.text());
  if (!(ctx->users.count > 0)) [[unlikely]] users_put_below_zero(ctx, who);
  --ctx->users.count;
  trace_ctx_ref(ctx, 0, -1, ctx->users.count, who);
  if (ctx->users.count == 0) free_ioctx_users(ctx);
}

void ctx_users_kill(kioctx* ctx, const sim::TraceText& who) {
  st()->ctxs.Check(ctx, who.text());
  SIM_CHECK(!ctx->users.dead) << who.text() << ": users of ctx " << ctx->slot.id << " killed twice";
  ctx->users.dead = true;
  ctx_users_put(ctx, who);
}

void ctx_reqs_get(kioctx* ctx, const sim::TraceText& who) {
  st()->ctxs.Check(ctx, who.text());
  if (!(ctx->reqs.count > 0)) [[unlikely]] reqs_get_at_zero(ctx, who);
  ++ctx->reqs.count;
  trace_ctx_ref(ctx, 1, +1, ctx->reqs.count, who);
}

void ctx_reqs_put(kioctx* ctx, const sim::TraceText& who) {
  st()->ctxs.Check(ctx, who.text());
  if (!(ctx->reqs.count > 0)) [[unlikely]] reqs_put_below_zero(ctx, who);
  --ctx->reqs.count;
  trace_ctx_ref(ctx, 1, -1, ctx->reqs.count, who);
  if (ctx->reqs.count == 0) free_ioctx_reqs(ctx);
}

void ctx_reqs_kill(kioctx* ctx, const sim::TraceText& who) {
  st()->ctxs.Check(ctx, who.text());
  SIM_CHECK(!ctx->reqs.dead) << who.text() << ": reqs of ctx " << ctx->slot.id << " killed twice";
  ctx->reqs.dead = true;
  ctx_reqs_put(ctx, who);
}

// --- lookup and kill ---

kioctx* lookup_ioctx(aio_context_t ctx_id) {
  task_struct* tsk = current();
  SIM_CHECK(tsk != nullptr) << "lookup_ioctx outside a task";
  mm_struct* mm = tsk->mm;
  u32 id = 0;
  if (!mm || get_user(id, ctx_id + offsetof(aio_ring, id))) return nullptr;
  kioctx_table* table = mm->ioctx_table;
  if (!table || id >= table->nr) return nullptr;
  kioctx* ctx = table->table[id];
  if (ctx && ctx->user_id == ctx_id && ctx_users_tryget_live(ctx, "lookup_ioctx")) return ctx;
  return nullptr;
}

int kill_ioctx(mm_struct* mm, kioctx* ctx, ctx_rq_wait* wait) {
  aio_state* s = st();
  s->ctxs.Check(ctx, "kill_ioctx");
  if (ctx->dead) return -EINVAL;
  ctx->dead = true;

  kioctx_table* table = mm->ioctx_table;
  if (!table || ctx->id >= table->nr || table->table[ctx->id] != ctx) {
    Kernel::Current()->sched.ReportViolation("kill_ioctx: context not in its mm's table", false);
  } else {
    table->table[ctx->id] = nullptr;
  }

  wake_up_all(&ctx->wait);
  aio_nr_sub(ctx->max_reqs);
  if (ctx->mmap_size) vm_munmap(mm, ctx->mmap_base, ctx->mmap_size);
  Kernel::Current()->trace().Emit(
      s->tk.ctx_kill, {static_cast<int64_t>(ctx->slot.id), static_cast<int64_t>(s->aio_nr)});
  ctx->rq_wait = wait;
  ctx_users_kill(ctx, "kill_ioctx");
  return 0;
}

// --- syscalls ---

// io_setup(2). Errors, in the kernel's order:
//   -EFAULT  *ctxp unreadable
//   -EINVAL  *ctxp != 0, or nr_events == 0
//   -EINVAL  2 * max(nr_events, 4 * ncpus) (32-bit) above 0x10000000 / 32
//   -EAGAIN  that product wrapped to 0, or nr_events > aio-max-nr
//   -EINTR   a fatal signal while mapping the ring; -ENOMEM no room for it
//   -EAGAIN  aio-nr + nr_events > aio-max-nr (or overflows)
//   -EFAULT  the handle cannot be written back (the context is killed)
long sys_io_setup(unsigned nr_events, user_ptr ctxp) {
  unsigned long ctx = 0;
  long ret = get_user(ctx, ctxp);
  if (ret) return ret;
  if (ctx || nr_events == 0) return -EINVAL;

  kioctx* ioctx = ioctx_alloc(nr_events);
  if (IS_ERR(ioctx)) return PTR_ERR(ioctx);
  ret = put_user(ioctx->user_id, ctxp);
  if (ret) kill_ioctx(current()->mm, ioctx, nullptr);
  ctx_users_put(ioctx, "io_setup");
  return ret;
}

// io_destroy(2): kills the context and waits (uninterruptibly) until every
// request in flight dropped its reference. Errors:
//   -EINVAL  no live context with this handle in the caller's mm (unknown,
//            already destroyed, or lost a race with a concurrent destroy)
long sys_io_destroy(aio_context_t ctx) {
  kioctx* ioctx = lookup_ioctx(ctx);
  if (!ioctx) return -EINVAL;
  ctx_rq_wait wait;
  wait.count = 1;
  int ret = kill_ioctx(current()->mm, ioctx, &wait);
  ctx_users_put(ioctx, "io_destroy");
  if (!ret) wait_event(wait.wq, [&] { return wait.done; });
  return ret;
}

void exit_aio(mm_struct* mm) {
  Kernel* k = Kernel::Current();
  if (!k || k->shutting_down() || !mm || !mm->ioctx_table) return;
  kioctx_table* table = mm->ioctx_table;
  // A task can wait for the requests; another context cannot (no stack of
  // its own to wait on): then the contexts are killed without waiting.
  bool can_wait = in_task();
  ctx_rq_wait wait;
  wait.count = static_cast<int>(table->nr);
  int skipped = 0;
  for (unsigned i = 0; i < table->nr; ++i) {
    kioctx* ctx = table->table[i];
    if (!ctx) {
      ++skipped;
      continue;
    }
    // exit_mmap unmaps everything next; kill_ioctx must not touch the mm.
    ctx->mmap_size = 0;
    kill_ioctx(mm, ctx, can_wait ? &wait : nullptr);
  }
  wait.count -= skipped;
  if (can_wait && wait.count != 0) wait_event(wait.wq, [&] { return wait.done; });

  mm->ioctx_table = nullptr;
  aio_state* s = st();
  auto it =
      std::find_if(s->tables.begin(), s->tables.end(),
                   [table](const std::unique_ptr<kioctx_table>& t) { return t.get() == table; });
  if (it != s->tables.end()) s->tables.erase(it);
}

}  // namespace kernel
