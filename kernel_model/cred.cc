// Credentials (see cred.h): base creds by tgid, overrides by pid, kept in
// the AIO state.
#include "kernel_model/cred.h"

#include <map>
#include <memory>

#include "kernel_model/aio.h"
#include "kernel_model/kernel.h"
#include "kernel_model/sched.h"
#include "sim/check.h"

namespace kernel {
namespace {

struct cred_table {
  Arena<cred> arena{"cred", 0};
  std::map<pid_t, cred*> base;             // by tgid
  std::map<pid_t, const cred*> overrides;  // by pid
  cred* kernel_cred = nullptr;
};

cred_table* table() {
  aio_state* st = aio_get_state();
  if (!st->creds) st->creds = std::make_shared<cred_table>();
  return static_cast<cred_table*>(st->creds.get());
}

cred* new_cred(cred_table* t, uid_t uid, u64 caps, pid_t tgid) {
  cred* c = t->arena.Alloc();
  c->usage = 1;
  c->uid = uid;
  c->cap_effective = caps;
  c->owner_tgid = tgid;
  return c;
}

cred* base_cred(cred_table* t, task_struct* p) {
  if (!p || (p->flags & PF_KTHREAD)) {
    if (!t->kernel_cred) t->kernel_cred = new_cred(t, 0, CAP_FULL_SET, 0);
    return t->kernel_cred;
  }
  auto it = t->base.find(p->tgid);
  if (it != t->base.end()) return it->second;
  cred* c = new_cred(t, 1000, 0, p->tgid);
  t->base.emplace(p->tgid, c);
  return c;
}

}  // namespace

const cred* current_cred() {
  cred_table* t = table();
  task_struct* p = current();
  if (p) {
    auto it = t->overrides.find(p->pid);
    if (it != t->overrides.end()) return it->second;
  }
  return base_cred(t, p);
}

cred* prepare_creds() {
  cred_table* t = table();
  const cred* cur = current_cred();
  return new_cred(t, cur->uid, cur->cap_effective, cur->owner_tgid);
}

const cred* get_cred(const cred* c) {
  cred_table* t = table();
  t->arena.Check(c, "get_cred");
  ++const_cast<cred*>(c)->usage;
  return c;
}

void put_cred(const cred* c) {
  cred_table* t = table();
  t->arena.Check(c, "put_cred");
  cred* m = const_cast<cred*>(c);
  SIM_CHECK(m->usage > 0) << "put_cred below zero";
  if (--m->usage == 0) t->arena.Free(m, "put_cred");
}

const cred* override_creds(const cred* new_cred) {
  cred_table* t = table();
  task_struct* p = current();
  SIM_CHECK(p != nullptr) << "override_creds outside a task";
  const cred* old = current_cred();
  t->overrides[p->pid] = new_cred;
  return old;
}

void revert_creds(const cred* old) {
  cred_table* t = table();
  task_struct* p = current();
  SIM_CHECK(p != nullptr) << "revert_creds outside a task";
  if (old == base_cred(t, p)) {
    t->overrides.erase(p->pid);
  } else {
    t->overrides[p->pid] = old;
  }
}

bool capable(int cap) { return (current_cred()->cap_effective & cap_bit(cap)) != 0; }

void set_process_capabilities(task_struct* p, u64 caps) {
  cred_table* t = table();
  base_cred(t, p)->cap_effective = caps;
}

}  // namespace kernel
