#include "scenarios/binder.h"

#include <algorithm>
#include <map>

namespace scenarios {

namespace {

struct BindFailure {
  sim::Status status;
};

size_t EditDistance(const std::string& a, const std::string& b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

class Binder {
 public:
  Binder(ProcessSpec* process, const CallRegistry& calls, ExpectLog* expects)
      : process_(process), calls_(calls), expects_(expects) {}

  void Run() {
    process_->variables.clear();
    std::vector<ThreadSpec*> threads;
    if (process_->init) threads.push_back(&*process_->init);
    for (ThreadSpec& t : process_->threads) threads.push_back(&t);
    for (ThreadSpec* t : threads) {
      program_ = t->program.get();
      CollectAssigned(program_->body);
    }
    for (ThreadSpec* t : threads) {
      program_ = t->program.get();
      thread_ = t;
      BindStatements(program_->body);
    }
  }

 private:
  [[noreturn]] void Fail(SourcePos pos, const std::string& msg) const {
    throw BindFailure{ErrorAt(program_->source.file, pos, msg)};
  }

  int DeclareVariable(const std::string& name, SourcePos pos) {
    if (calls_.FindConstant(name)) Fail(pos, "cannot assign to constant '" + name + "'");
    auto it = slots_.find(name);
    if (it != slots_.end()) return it->second;
    const int slot = static_cast<int>(process_->variables.size());
    process_->variables.push_back(name);
    slots_.emplace(name, slot);
    return slot;
  }

  void CollectAssigned(const std::vector<StmtPtr>& stmts) {
    for (const StmtPtr& s : stmts) {
      if (s->kind == StmtKind::kAssign && s->target->kind == ExprKind::kName) {
        DeclareVariable(s->target->text, s->target->pos);
      }
      if ((s->kind == StmtKind::kRepeat || s->kind == StmtKind::kFor) && !s->var.empty()) {
        DeclareVariable(s->var, s->var_pos);
      }
      CollectAssigned(s->body);
      CollectAssigned(s->else_body);
    }
  }

  void BindStatements(std::vector<StmtPtr>& stmts) {
    for (StmtPtr& s : stmts) {
      if (s->target) BindExpr(*s->target);
      if (s->expr) BindExpr(*s->expr);
      if (s->message) BindExpr(*s->message);
      if (!s->var.empty()) s->var_slot = slots_.at(s->var);
      if (s->kind == StmtKind::kExpect && expects_) {
        s->expect_site =
            expects_->AddSite(program_->source.file, s->pos,
                              "expect " + program_->Quote(s->expr->begin, s->expr->end), thread_->full_name);
      }
      BindStatements(s->body);
      BindStatements(s->else_body);
    }
  }

  void BindExpr(Expr& e) {
    for (ExprPtr& child : e.items) BindExpr(*child);
    for (KeywordArg& kw : e.keywords) BindExpr(*kw.value);
    if (e.kind == ExprKind::kName) BindName(e);
    if (e.kind == ExprKind::kCall) BindCall(e);
  }

  void BindName(Expr& e) {
    e.name = NameBinding{};
    if (const Constant* c = calls_.FindConstant(e.text)) {
      e.name.kind = NameBinding::Kind::kConstant;
      e.name.value = c->value;
      return;
    }
    auto it = slots_.find(e.text);
    if (it != slots_.end()) {
      e.name.kind = NameBinding::Kind::kVariable;
      e.name.slot = it->second;
      return;
    }
    std::vector<std::string> candidates = process_->variables;
    for (const auto& [name, c] : calls_.constants()) candidates.push_back(name);
    std::string hint = Suggest(e.text, candidates);
    Fail(e.pos, "unknown name '" + e.text + "': not a constant, and no statement of process '" +
                    process_->name + "' assigns it" + (hint.empty() ? "" : "; did you mean '" + hint + "'?"));
  }

  void BindCall(Expr& e) {
    const CallSpec* spec = calls_.FindCall(e.text);
    if (!spec) {
      std::vector<std::string> candidates;
      for (const auto& [name, c] : calls_.calls()) candidates.push_back(name);
      std::string hint = Suggest(e.text, candidates);
      Fail(e.pos, "unknown call '" + e.text + "'" + (hint.empty() ? "" : "; did you mean '" + hint + "'?"));
    }
    CallBinding b;
    b.spec = spec;
    std::vector<bool> filled(spec->arity(), false);
    for (size_t i = 0; i < e.items.size(); ++i) {
      if (spec->variadic && i >= spec->params.size()) {
        b.positional_slot.push_back(-1);
        continue;
      }
      if (i >= spec->arity() || (spec->variadic && i >= spec->params.size())) {
        Fail(e.items[i]->pos, "too many arguments in the call to " + spec->Signature());
      }
      filled[i] = true;
      b.positional_slot.push_back(static_cast<int>(i));
    }
    for (const KeywordArg& kw : e.keywords) {
      int slot = -1;
      for (size_t i = 0; i < spec->params.size(); ++i) {
        if (spec->params[i] == kw.name) slot = static_cast<int>(i);
      }
      for (size_t i = 0; i < spec->keywords.size(); ++i) {
        if (spec->keywords[i].name == kw.name) slot = static_cast<int>(spec->params.size() + i);
      }
      if (slot < 0) Fail(kw.pos, spec->Signature() + " has no parameter '" + kw.name + "'");
      if (filled[static_cast<size_t>(slot)]) {
        Fail(kw.pos, "argument '" + kw.name + "' given twice in the call to " + spec->Signature());
      }
      filled[static_cast<size_t>(slot)] = true;
      b.keyword_slot.push_back(slot);
    }
    for (size_t i = 0; i < spec->params.size(); ++i) {
      if (!filled[i])
        Fail(e.pos, "missing argument '" + spec->params[i] + "' in the call to " + spec->Signature());
    }
    e.call = std::move(b);
  }

  ProcessSpec* process_;
  const CallRegistry& calls_;
  ExpectLog* expects_;
  Program* program_ = nullptr;
  ThreadSpec* thread_ = nullptr;
  std::map<std::string, int> slots_;
};

}  // namespace

std::string Suggest(const std::string& name, const std::vector<std::string>& candidates) {
  std::string best;
  size_t best_d = 3;
  for (const std::string& c : candidates) {
    if (c == name) continue;
    const size_t d = EditDistance(name, c);
    if (d * 2 > name.size()) continue;  // too far for a name this short
    if (d < best_d || (d == best_d && !best.empty() && c < best)) {
      best_d = d;
      best = c;
    }
  }
  return best;
}

sim::Status BindProcess(ProcessSpec* process, const CallRegistry& calls, ExpectLog* expects) {
  try {
    Binder(process, calls, expects).Run();
  } catch (const BindFailure& f) {
    return f.status;
  }
  return sim::Status::Ok();
}

}  // namespace scenarios
