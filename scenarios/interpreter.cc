#include "scenarios/interpreter.h"

#include <utility>

#include "scenarios/errors.h"
#include "scenarios/extension.h"

namespace scenarios {

namespace {

// Thrown when a thread passes the loop limit; caught in Run().
struct LoopLimitReached {};

// True when the expression's value cannot depend on the run: no variables,
// no calls. Used to phrase expect messages from the variable's side.
bool IsConstantExpr(const Expr& e) {
  if (e.kind == ExprKind::kCall) return false;
  if (e.kind == ExprKind::kName && e.name.kind != NameBinding::Kind::kConstant) return false;
  for (const ExprPtr& c : e.items) {
    if (!IsConstantExpr(*c)) return false;
  }
  return true;
}

Op Mirror(Op op) {
  switch (op) {
    case Op::kLt:
      return Op::kGt;
    case Op::kLe:
      return Op::kGe;
    case Op::kGt:
      return Op::kLt;
    case Op::kGe:
      return Op::kLe;
    default:
      return op;
  }
}

std::string IntForMessage(int64_t v) { return std::to_string(v); }

}  // namespace

Interpreter::Interpreter(ThreadContext& thread)
    : thread_(thread),
      run_(thread.run()),
      program_(*thread.spec().program),
      vars_(thread.process().variables()),
      iteration_limit_(thread.run().settings().loop_iteration_limit) {}

void Interpreter::Error(SourcePos pos, const std::string& message) const { throw ScriptError(pos, message); }

Interpreter::Outcome Interpreter::Run() {
  try {
    ExecBlock(program_.body);
  } catch (const ScriptError& e) {
    run_.RecordScriptError(ErrorAt(program_.source.file, e.pos(), e.what()), e.pos());
    return Outcome::kAborted;
  } catch (const ThreadExit&) {
    return Outcome::kExited;
  } catch (const LoopLimitReached&) {
    return Outcome::kAborted;
  }
  return Outcome::kFinished;
}

// --- statements ---

Interpreter::Flow Interpreter::ExecBlock(const std::vector<StmtPtr>& stmts) {
  for (const StmtPtr& s : stmts) {
    Flow f = Exec(*s);
    if (f != Flow::kNormal) return f;
  }
  return Flow::kNormal;
}

Interpreter::Flow Interpreter::Exec(const Stmt& s) {
  switch (s.kind) {
    case StmtKind::kExpr:
      Eval(*s.expr);
      return Flow::kNormal;
    case StmtKind::kAssign:
      Assign(s);
      return Flow::kNormal;
    case StmtKind::kIf:
      if (Truthy(Eval(*s.expr), s.expr->pos, "an if condition")) return ExecBlock(s.body);
      return ExecBlock(s.else_body);
    case StmtKind::kRepeat:
    case StmtKind::kWhile:
    case StmtKind::kFor:
      return Loop(s);
    case StmtKind::kBreak:
      return Flow::kBreak;
    case StmtKind::kContinue:
      return Flow::kContinue;
    case StmtKind::kExpect:
      Expect(s);
      return Flow::kNormal;
  }
  return Flow::kNormal;
}

void Interpreter::CountIteration(SourcePos pos) {
  if (++iterations_ <= iteration_limit_) return;
  run_.StopForLoopLimit("step limit: thread " + thread_.full_name() + " ran more than " +
                        std::to_string(iteration_limit_) + " loop iterations (loop at " +
                        program_.source.file + ":" + FormatPos(pos) + ")");
  throw LoopLimitReached{};
}

void Interpreter::SetLoopVar(const Stmt& s, Value v) {
  if (s.var_slot >= 0) vars_[static_cast<size_t>(s.var_slot)] = std::move(v);
}

Interpreter::Flow Interpreter::Loop(const Stmt& s) {
  switch (s.kind) {
    case StmtKind::kRepeat: {
      Value n = Eval(*s.expr);
      if (!n.is_int()) Error(s.expr->pos, "repeat count must be an int, got " + std::string(n.TypeName()));
      if (n.as_int() < 0) Error(s.expr->pos, "repeat count must be >= 0, got " + IntForMessage(n.as_int()));
      for (int64_t i = 0; i < n.as_int(); ++i) {
        CountIteration(s.pos);
        SetLoopVar(s, Value::Int(i));
        if (ExecBlock(s.body) == Flow::kBreak) break;
      }
      return Flow::kNormal;
    }
    case StmtKind::kWhile:
      while (Truthy(Eval(*s.expr), s.expr->pos, "a while condition")) {
        CountIteration(s.pos);
        if (ExecBlock(s.body) == Flow::kBreak) break;
      }
      return Flow::kNormal;
    case StmtKind::kFor: {
      Value seq = Eval(*s.expr);
      // Index-based over the live sequence: appending inside the body
      // extends the loop (bounded by the loop limit).
      for (int64_t i = 0;; ++i) {
        Value item;
        if (seq.is_list()) {
          if (i >= static_cast<int64_t>(seq.as_list()->items.size())) break;
          item = seq.as_list()->items[static_cast<size_t>(i)];
        } else if (seq.is_string()) {
          if (i >= static_cast<int64_t>(seq.as_string().size())) break;
          item = Value::Str(std::string(1, seq.as_string()[static_cast<size_t>(i)]));
        } else if (seq.is_object() && seq.as_object()->Length()) {
          if (i >= *seq.as_object()->Length()) break;
          item = IndexGet(seq, Value::Int(i), s.expr->pos);
        } else {
          Error(s.expr->pos, "cannot iterate over " + std::string(seq.TypeName()));
        }
        CountIteration(s.pos);
        SetLoopVar(s, std::move(item));
        if (ExecBlock(s.body) == Flow::kBreak) break;
      }
      return Flow::kNormal;
    }
    default:
      return Flow::kNormal;
  }
}

std::optional<Value>& Interpreter::Variable(const Expr& name) {
  std::optional<Value>& v = vars_[static_cast<size_t>(name.name.slot)];
  if (!v) Error(name.pos, "variable '" + name.text + "' is read before it is set");
  return v;
}

void Interpreter::Assign(const Stmt& s) {
  const Expr& t = *s.target;
  switch (t.kind) {
    case ExprKind::kName: {
      if (s.assign_op == Op::kNone) {
        Value v = Eval(*s.expr);
        vars_[static_cast<size_t>(t.name.slot)] = std::move(v);
      } else {
        Value old = *Variable(t);
        Value rhs = Eval(*s.expr);
        Value v = Binary(s.assign_op, old, rhs, s.op_pos);
        vars_[static_cast<size_t>(t.name.slot)] = std::move(v);
      }
      return;
    }
    case ExprKind::kIndex: {
      Value base = Eval(*t.items[0]);
      Value index = Eval(*t.items[1]);
      Value v;
      if (s.assign_op == Op::kNone) {
        v = Eval(*s.expr);
      } else {
        Value old = IndexGet(base, index, t.pos);
        v = Binary(s.assign_op, old, Eval(*s.expr), s.op_pos);
      }
      IndexSet(base, index, v, t.pos);
      return;
    }
    case ExprKind::kField: {
      Value base = Eval(*t.items[0]);
      Value v;
      if (s.assign_op == Op::kNone) {
        v = Eval(*s.expr);
      } else {
        Value old = FieldGet(base, t.text, t.pos);
        v = Binary(s.assign_op, old, Eval(*s.expr), s.op_pos);
      }
      FieldSet(base, t.text, v, t.pos);
      return;
    }
    default:
      Error(t.pos, "cannot assign to this expression");
  }
}

std::string Interpreter::Show(const Value& v) const {
  std::string out = v.Repr();
  if (v.is_int() && v.as_int() < 0 && v.as_int() != INT64_MIN) {
    std::string_view name = run_.calls().ErrnoName(-v.as_int());
    if (!name.empty()) out += " (" + std::string(name) + ")";
  }
  return out;
}

std::string Interpreter::ComparisonDetail(const Expr& e, const Value& lhs, const Value& rhs) const {
  const Expr* subject = e.items[0].get();
  const Value* got = &lhs;
  const Value* want = &rhs;
  Op op = e.op;
  // "expect 4096 == r" reads best from r's side.
  if (IsConstantExpr(*e.items[0]) && !IsConstantExpr(*e.items[1])) {
    subject = e.items[1].get();
    got = &rhs;
    want = &lhs;
    op = Mirror(op);
  }
  std::string out = program_.Quote(subject->begin, subject->end) + " is " + Show(*got) + ", expected ";
  switch (op) {
    case Op::kEq: {
      out += want->Repr();
      std::string why;
      if (got->is_object()) why = got->as_object()->Mismatch(*want);
      if (why.empty() && want->is_object()) why = want->as_object()->Mismatch(*got);
      if (!why.empty()) out += " (" + why + ")";
      return out;
    }
    case Op::kNe:
      return out + "anything but " + want->Repr();
    default:
      return out + std::string(OpSpelling(op)) + " " + want->Repr();
  }
}

void Interpreter::Expect(const Stmt& s) {
  const Expr& e = *s.expr;
  bool pass;
  std::string detail;
  if (e.kind == ExprKind::kBinary && IsComparison(e.op)) {
    Value lhs = Eval(*e.items[0]);
    Value rhs = Eval(*e.items[1]);
    Value r = Binary(e.op, lhs, rhs, e.pos);
    pass = r.as_int() != 0;
    if (!pass) detail = ComparisonDetail(e, lhs, rhs);
  } else {
    Value v = Eval(e);
    pass = Truthy(v, e.pos, "an expect condition");
    if (!pass) detail = program_.Quote(e.begin, e.end) + " is " + Show(v);
  }
  ExpectLog& log = run_.expects();
  const ExpectSite& site = log.sites()[static_cast<size_t>(s.expect_site)];
  std::string message;
  if (!pass) {
    message = site.source + " failed: ";
    if (s.message) message += Eval(*s.message).ToString() + ": ";
    message += detail;
  }
  sim::Scheduler& sched = run_.scheduler();
  sched.trace().Emit(run_.trace_kinds().expect, {pass ? 1 : 0, s.pos.line}, site.source);
  log.Record(s.expect_site, pass, sched.Now(), thread_.full_name(), std::move(message));
}

// --- expressions ---

bool Interpreter::Truthy(const Value& v, SourcePos pos, const char* what) {
  if (!v.is_int()) Error(pos, std::string(what) + " must be an int, got " + std::string(v.TypeName()));
  return v.as_int() != 0;
}

Value Interpreter::Eval(const Expr& e) {
  switch (e.kind) {
    case ExprKind::kInt:
      return Value::Int(e.int_value);
    case ExprKind::kString:
      return Value::Str(e.text);
    case ExprKind::kName:
      if (e.name.kind == NameBinding::Kind::kConstant) return Value::Int(e.name.value);
      return *Variable(e);
    case ExprKind::kList: {
      std::vector<Value> items;
      items.reserve(e.items.size());
      for (const ExprPtr& item : e.items) items.push_back(Eval(*item));
      return Value::NewList(std::move(items));
    }
    case ExprKind::kUnary:
      return Unary(e.op, Eval(*e.items[0]), e.pos);
    case ExprKind::kBinary: {
      if (e.op == Op::kAnd || e.op == Op::kOr) {
        const bool lhs = Truthy(Eval(*e.items[0]), e.items[0]->pos, "an operand of && and ||");
        if (e.op == Op::kAnd && !lhs) return Value::Int(0);
        if (e.op == Op::kOr && lhs) return Value::Int(1);
        return Value::Int(Truthy(Eval(*e.items[1]), e.items[1]->pos, "an operand of && and ||") ? 1 : 0);
      }
      Value lhs = Eval(*e.items[0]);
      Value rhs = Eval(*e.items[1]);
      return Binary(e.op, lhs, rhs, e.pos);
    }
    case ExprKind::kCall:
      return Call(e);
    case ExprKind::kIndex: {
      Value base = Eval(*e.items[0]);
      Value index = Eval(*e.items[1]);
      return IndexGet(base, index, e.pos);
    }
    case ExprKind::kField:
      return FieldGet(Eval(*e.items[0]), e.text, e.pos);
  }
  return Value();
}

Value Interpreter::Call(const Expr& e) {
  const CallSpec& spec = *e.call.spec;
  std::vector<Value> values(spec.arity());
  std::vector<bool> given(spec.arity(), false);
  std::vector<Value> rest;
  for (size_t k = 0; k < spec.keywords.size(); ++k) {
    values[spec.params.size() + k] = spec.keywords[k].default_value;
  }
  for (size_t i = 0; i < e.items.size(); ++i) {
    Value v = Eval(*e.items[i]);
    const int slot = e.call.positional_slot[i];
    if (slot < 0) {
      rest.push_back(std::move(v));
    } else {
      values[static_cast<size_t>(slot)] = std::move(v);
      given[static_cast<size_t>(slot)] = true;
    }
  }
  for (size_t k = 0; k < e.keywords.size(); ++k) {
    const size_t slot = static_cast<size_t>(e.call.keyword_slot[k]);
    values[slot] = Eval(*e.keywords[k].value);
    given[slot] = true;
  }
  Args args(spec, std::move(values), std::move(given), std::move(rest));
  CallContext ctx(run_, thread_, program_, e);
  Value result;
  try {
    result = spec.handler(ctx, args);
  } catch (ScriptError& err) {
    if (!err.has_pos()) err.set_pos(e.pos);
    throw;
  }
  run_.scheduler().trace().Emit(run_.trace_kinds().call, {result.is_int() ? result.as_int() : 0, e.pos.line},
                                e.text);
  return result;
}

Value Interpreter::Unary(Op op, const Value& v, SourcePos pos) {
  if (!v.is_int()) {
    Error(pos,
          "operator '" + std::string(OpSpelling(op)) + "' needs an int, got " + std::string(v.TypeName()));
  }
  const int64_t x = v.as_int();
  switch (op) {
    case Op::kNeg:
      if (x == INT64_MIN) Error(pos, "integer overflow in -(" + IntForMessage(x) + ")");
      return Value::Int(-x);
    case Op::kNot:
      return Value::Int(x == 0 ? 1 : 0);
    case Op::kBitNot:
      return Value::Int(~x);
    default:
      Error(pos, "not a unary operator");
  }
}

Value Interpreter::Binary(Op op, const Value& a, const Value& b, SourcePos pos) {
  const std::string spelling(OpSpelling(op));
  if (op == Op::kEq || op == Op::kNe) {
    bool equal = false;
    sim::Status s = ValuesEqual(a, b, &equal);
    if (!s.ok()) Error(pos, s.message());
    return Value::Int((op == Op::kEq) == equal ? 1 : 0);
  }
  if (op == Op::kLt || op == Op::kLe || op == Op::kGt || op == Op::kGe) {
    int cmp;
    if (a.is_int() && b.is_int()) {
      cmp = a.as_int() < b.as_int() ? -1 : (a.as_int() > b.as_int() ? 1 : 0);
    } else if (a.is_string() && b.is_string()) {
      const int c = a.as_string().compare(b.as_string());
      cmp = c < 0 ? -1 : (c > 0 ? 1 : 0);
    } else {
      Error(pos, "cannot order " + std::string(a.TypeName()) + " and " + std::string(b.TypeName()) +
                     " with '" + spelling + "' (it needs two ints or two strings)");
    }
    bool r = op == Op::kLt ? cmp < 0 : op == Op::kLe ? cmp <= 0 : op == Op::kGt ? cmp > 0 : cmp >= 0;
    return Value::Int(r ? 1 : 0);
  }
  if (op == Op::kAdd && !(a.is_int() && b.is_int())) {
    if (a.is_string() && b.is_string()) {
      if (a.as_string().size() + b.as_string().size() > kMaxStringBytes) {
        Error(pos, "string too long (the limit is " + std::to_string(kMaxStringBytes) + " bytes)");
      }
      return Value::Str(a.as_string() + b.as_string());
    }
    if (a.is_list() && b.is_list()) {
      if (a.as_list()->items.size() + b.as_list()->items.size() > kMaxListItems) {
        Error(pos, "list too long (the limit is " + std::to_string(kMaxListItems) + " items)");
      }
      std::vector<Value> items = a.as_list()->items;
      items.insert(items.end(), b.as_list()->items.begin(), b.as_list()->items.end());
      return Value::NewList(std::move(items));
    }
    std::string hint = (a.is_string() || b.is_string()) ? " (use str() to convert)" : "";
    Error(pos, "cannot add " + std::string(a.TypeName()) + " and " + std::string(b.TypeName()) + hint);
  }
  if (!a.is_int() || !b.is_int()) {
    Error(pos, "operator '" + spelling + "' needs two ints, got " + std::string(a.TypeName()) + " and " +
                   std::string(b.TypeName()));
  }
  const int64_t x = a.as_int();
  const int64_t y = b.as_int();
  int64_t r = 0;
  auto overflow = [&] {
    Error(pos, "integer overflow in " + IntForMessage(x) + " " + spelling + " " + IntForMessage(y));
  };
  switch (op) {
    case Op::kAdd:
      if (__builtin_add_overflow(x, y, &r)) overflow();
      return Value::Int(r);
    case Op::kSub:
      if (__builtin_sub_overflow(x, y, &r)) overflow();
      return Value::Int(r);
    case Op::kMul:
      if (__builtin_mul_overflow(x, y, &r)) overflow();
      return Value::Int(r);
    case Op::kDiv:
    case Op::kMod:
      if (y == 0) Error(pos, op == Op::kDiv ? "division by zero" : "modulo by zero");
      if (x == INT64_MIN && y == -1) overflow();
      return Value::Int(op == Op::kDiv ? x / y : x % y);
    case Op::kShl:
    case Op::kShr:
      if (y < 0 || y > 63) Error(pos, "shift count " + IntForMessage(y) + " out of range 0..63");
      if (op == Op::kShr) return Value::Int(x >> y);
      return Value::Int(static_cast<int64_t>(static_cast<uint64_t>(x) << y));
    case Op::kBitAnd:
      return Value::Int(x & y);
    case Op::kBitOr:
      return Value::Int(x | y);
    case Op::kBitXor:
      return Value::Int(x ^ y);
    default:
      Error(pos, "not a binary operator");
  }
}

namespace {

int64_t CheckedIndex(const Value& index, int64_t size, std::string_view what, SourcePos pos) {
  if (!index.is_int()) {
    throw ScriptError(pos, std::string(what) + " index must be an int, got " + std::string(index.TypeName()));
  }
  const int64_t i = index.as_int();
  if (i < 0 || i >= size) {
    throw ScriptError(pos, "index " + std::to_string(i) + " out of range for a " + std::string(what) +
                               " of length " + std::to_string(size));
  }
  return i;
}

}  // namespace

Value Interpreter::IndexGet(const Value& base, const Value& index, SourcePos pos) {
  if (base.is_list()) {
    const auto& items = base.as_list()->items;
    return items[static_cast<size_t>(CheckedIndex(index, static_cast<int64_t>(items.size()), "list", pos))];
  }
  if (base.is_string()) {
    const std::string& s = base.as_string();
    return Value::Str(std::string(
        1, s[static_cast<size_t>(CheckedIndex(index, static_cast<int64_t>(s.size()), "string", pos))]));
  }
  if (base.is_object()) {
    Value out;
    sim::Status st = base.as_object()->GetIndex(index, &out);
    if (!st.ok()) Error(pos, st.message());
    return out;
  }
  Error(pos, "cannot index " + std::string(base.TypeName()));
}

void Interpreter::IndexSet(const Value& base, const Value& index, const Value& v, SourcePos pos) {
  if (base.is_list()) {
    auto& items = base.as_list()->items;
    items[static_cast<size_t>(CheckedIndex(index, static_cast<int64_t>(items.size()), "list", pos))] = v;
    return;
  }
  if (base.is_object()) {
    sim::Status st = base.as_object()->SetIndex(index, v);
    if (!st.ok()) Error(pos, st.message());
    return;
  }
  if (base.is_string()) Error(pos, "strings cannot be changed in place");
  Error(pos, "cannot index " + std::string(base.TypeName()));
}

Value Interpreter::FieldGet(const Value& base, const std::string& field, SourcePos pos) {
  if (!base.is_object()) Error(pos, "cannot read field '" + field + "' of " + std::string(base.TypeName()));
  Value out;
  sim::Status st = base.as_object()->GetField(field, &out);
  if (!st.ok()) Error(pos, st.message());
  return out;
}

void Interpreter::FieldSet(const Value& base, const std::string& field, const Value& v, SourcePos pos) {
  if (!base.is_object()) Error(pos, "cannot set field '" + field + "' of " + std::string(base.TypeName()));
  sim::Status st = base.as_object()->SetField(field, v);
  if (!st.ok()) Error(pos, st.message());
}

// --- the thread's fiber ---

Interpreter::Outcome RunThreadBody(ThreadContext& thread) {
  RunContext& run = thread.run();
  if (thread.spec().start_ns > 0) run.scheduler().SleepFor(thread.spec().start_ns);
  for (const auto& ext : run.extensions()) ext->OnThreadStart(thread);
  const Interpreter::Outcome outcome = Interpreter(thread).Run();
  if (outcome == Interpreter::Outcome::kAborted) return outcome;
  for (const auto& ext : run.extensions()) ext->OnThreadExit(thread);
  if (!thread.spec().is_init && thread.process().ThreadExited()) {
    for (const auto& ext : run.extensions()) ext->OnProcessExit(thread.process());
  }
  return outcome;
}

}  // namespace scenarios
