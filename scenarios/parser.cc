#include "scenarios/parser.h"

#include <utility>
#include <vector>

#include "scenarios/lexer.h"

namespace scenarios {

namespace {

// Thrown inside the parser only; Parse() turns it into a Status.
struct ParseFailure {
  sim::Status status;
};

int BinaryPrecedence(Tok t) {
  switch (t) {
    case Tok::kOrOr:
      return 1;
    case Tok::kAndAnd:
      return 2;
    case Tok::kPipe:
      return 3;
    case Tok::kCaret:
      return 4;
    case Tok::kAmp:
      return 5;
    case Tok::kEq:
    case Tok::kNe:
      return 6;
    case Tok::kLt:
    case Tok::kLe:
    case Tok::kGt:
    case Tok::kGe:
      return 7;
    case Tok::kShl:
    case Tok::kShr:
      return 8;
    case Tok::kPlus:
    case Tok::kMinus:
      return 9;
    case Tok::kStar:
    case Tok::kSlash:
    case Tok::kPercent:
      return 10;
    default:
      return 0;
  }
}

Op BinaryOp(Tok t) {
  switch (t) {
    case Tok::kOrOr:
      return Op::kOr;
    case Tok::kAndAnd:
      return Op::kAnd;
    case Tok::kPipe:
      return Op::kBitOr;
    case Tok::kCaret:
      return Op::kBitXor;
    case Tok::kAmp:
      return Op::kBitAnd;
    case Tok::kEq:
      return Op::kEq;
    case Tok::kNe:
      return Op::kNe;
    case Tok::kLt:
      return Op::kLt;
    case Tok::kLe:
      return Op::kLe;
    case Tok::kGt:
      return Op::kGt;
    case Tok::kGe:
      return Op::kGe;
    case Tok::kShl:
      return Op::kShl;
    case Tok::kShr:
      return Op::kShr;
    case Tok::kPlus:
      return Op::kAdd;
    case Tok::kMinus:
      return Op::kSub;
    case Tok::kStar:
      return Op::kMul;
    case Tok::kSlash:
      return Op::kDiv;
    case Tok::kPercent:
      return Op::kMod;
    default:
      return Op::kNone;
  }
}

// The operator of a compound assignment token; kNone for '='; nullopt-like
// sentinel (returns false) for tokens that are not assignments.
bool AssignOp(Tok t, Op* op) {
  switch (t) {
    case Tok::kAssign:
      *op = Op::kNone;
      return true;
    case Tok::kPlusAssign:
      *op = Op::kAdd;
      return true;
    case Tok::kMinusAssign:
      *op = Op::kSub;
      return true;
    case Tok::kStarAssign:
      *op = Op::kMul;
      return true;
    case Tok::kSlashAssign:
      *op = Op::kDiv;
      return true;
    case Tok::kPercentAssign:
      *op = Op::kMod;
      return true;
    case Tok::kAmpAssign:
      *op = Op::kBitAnd;
      return true;
    case Tok::kPipeAssign:
      *op = Op::kBitOr;
      return true;
    case Tok::kCaretAssign:
      *op = Op::kBitXor;
      return true;
    case Tok::kShlAssign:
      *op = Op::kShl;
      return true;
    case Tok::kShrAssign:
      *op = Op::kShr;
      return true;
    default:
      return false;
  }
}

class Parser {
 public:
  Parser(Program* prog, std::vector<Token> toks) : prog_(prog), toks_(std::move(toks)) {}

  void ParseProgram() { prog_->body = ParseStatements(/*in_block=*/false, SourcePos{}); }

 private:
  // --- tokens ---
  const Token& Peek(size_t k = 0) const {
    size_t i = p_ + k;
    return i < toks_.size() ? toks_[i] : toks_.back();
  }
  bool At(Tok t) const { return Peek().kind == t; }
  const Token& Next() {
    const Token& t = toks_[p_];
    if (p_ + 1 < toks_.size()) ++p_;
    prev_end_ = t.end;
    return t;
  }
  bool Accept(Tok t) {
    if (!At(t)) return false;
    Next();
    return true;
  }

  [[noreturn]] void Fail(SourcePos pos, const std::string& msg) const {
    throw ParseFailure{ErrorAt(prog_->source.file, pos, msg)};
  }
  [[noreturn]] void Expected(const std::string& what) const {
    Fail(Peek().pos, "expected " + what + ", got " + DescribeToken(Peek()));
  }

  // RAII nesting counter.
  struct Nest {
    Parser* p;
    Nest(Parser* parser, SourcePos pos) : p(parser) {
      if (++p->depth_ > kMaxNesting) {
        p->Fail(pos, "program nested too deeply (the limit is " + std::to_string(kMaxNesting) + " levels)");
      }
    }
    ~Nest() { --p->depth_; }
  };

  // --- statements ---
  std::vector<StmtPtr> ParseStatements(bool in_block, SourcePos open) {
    std::vector<StmtPtr> out;
    while (true) {
      while (Accept(Tok::kNewline)) {
      }
      if (At(Tok::kEnd)) {
        if (in_block) Expected("'}' to close block opened at " + FormatPos(open));
        break;
      }
      if (At(Tok::kRBrace)) {
        if (in_block) break;
        Fail(Peek().pos, "unexpected '}': no block is open");
      }
      out.push_back(ParseStatement());
      if (!At(Tok::kNewline) && !At(Tok::kEnd) && !At(Tok::kRBrace)) {
        Expected("end of line after the statement");
      }
    }
    return out;
  }

  std::vector<StmtPtr> ParseBlock(const std::string& what) {
    if (!At(Tok::kLBrace)) {
      std::string hint = At(Tok::kAssign) ? " (use '==' to compare)" : "";
      Fail(Peek().pos, "expected '{' to start the " + what + ", got " + DescribeToken(Peek()) + hint);
    }
    const SourcePos open = Peek().pos;
    Nest nest(this, open);
    Next();
    std::vector<StmtPtr> body = ParseStatements(/*in_block=*/true, open);
    Next();  // '}'
    return body;
  }

  StmtPtr NewStmt(StmtKind kind, const Token& first) {
    auto s = std::make_unique<Stmt>();
    s->kind = kind;
    s->pos = first.pos;
    s->begin = first.begin;
    return s;
  }

  StmtPtr ParseStatement() {
    const Token& first = Peek();
    StmtPtr s;
    switch (first.kind) {
      case Tok::kIf:
        s = ParseIf();
        break;
      case Tok::kRepeat: {
        s = NewStmt(StmtKind::kRepeat, Next());
        s->expr = ParseExpr();
        if (Accept(Tok::kAs)) {
          if (!At(Tok::kName)) Expected("a name after 'as'");
          s->var_pos = Peek().pos;
          s->var = Next().text;
        }
        s->body = ParseLoopBody("repeat body");
        break;
      }
      case Tok::kWhile:
        s = NewStmt(StmtKind::kWhile, Next());
        s->expr = ParseExpr();
        s->body = ParseLoopBody("while body");
        break;
      case Tok::kFor: {
        s = NewStmt(StmtKind::kFor, Next());
        if (!At(Tok::kName)) Expected("a name after 'for'");
        s->var_pos = Peek().pos;
        s->var = Next().text;
        if (!Accept(Tok::kIn)) Expected("'in' after 'for " + s->var + "'");
        s->expr = ParseExpr();
        s->body = ParseLoopBody("for body");
        break;
      }
      case Tok::kBreak:
      case Tok::kContinue: {
        const bool is_break = first.kind == Tok::kBreak;
        if (loop_depth_ == 0) {
          Fail(first.pos, std::string(is_break ? "'break'" : "'continue'") + " outside a loop");
        }
        s = NewStmt(is_break ? StmtKind::kBreak : StmtKind::kContinue, Next());
        break;
      }
      case Tok::kExpect:
        s = NewStmt(StmtKind::kExpect, Next());
        s->expr = ParseExpr();
        if (Accept(Tok::kComma)) s->message = ParseExpr();
        break;
      default:
        s = ParseSimple();
        break;
    }
    s->end = prev_end_;
    return s;
  }

  std::vector<StmtPtr> ParseLoopBody(const std::string& what) {
    ++loop_depth_;
    std::vector<StmtPtr> body = ParseBlock(what);
    --loop_depth_;
    return body;
  }

  StmtPtr ParseIf() {
    StmtPtr s = NewStmt(StmtKind::kIf, Next());
    s->expr = ParseExpr();
    s->body = ParseBlock("if body");
    // "else" may follow on the same line as '}' or on a later line.
    size_t k = 0;
    while (Peek(k).kind == Tok::kNewline) ++k;
    if (Peek(k).kind == Tok::kElse) {
      while (Accept(Tok::kNewline)) {
      }
      Next();  // else
      if (At(Tok::kIf)) {
        Nest nest(this, Peek().pos);
        StmtPtr inner = ParseIf();
        inner->end = prev_end_;
        s->else_body.push_back(std::move(inner));
      } else {
        s->else_body = ParseBlock("else body");
      }
    }
    s->end = prev_end_;
    return s;
  }

  StmtPtr ParseSimple() {
    const Token& first = Peek();
    StmtPtr s = NewStmt(StmtKind::kExpr, first);
    ExprPtr e = ParseExpr();
    Op op;
    if (AssignOp(Peek().kind, &op)) {
      const Token& eq = Next();
      if (e->kind != ExprKind::kName && e->kind != ExprKind::kIndex && e->kind != ExprKind::kField) {
        Fail(eq.pos,
             "cannot assign to this expression: expected a name, an element l[i] or a field x.f "
             "before '" +
                 std::string(TokSpelling(eq.kind)) + "'");
      }
      s->kind = StmtKind::kAssign;
      s->assign_op = op;
      s->op_pos = eq.pos;
      s->target = std::move(e);
      s->expr = ParseExpr();
      return s;
    }
    if (e->kind != ExprKind::kCall) {
      std::string hint = e->kind == ExprKind::kBinary && e->op == Op::kEq ? " (use '=' to assign)" : "";
      Fail(e->pos, "this expression does nothing: expected a call, an assignment or a statement" + hint);
    }
    s->expr = std::move(e);
    return s;
  }

  // --- expressions ---
  ExprPtr NewExpr(ExprKind kind, const Token& anchor, uint32_t begin) {
    auto e = std::make_unique<Expr>();
    e->kind = kind;
    e->pos = anchor.pos;
    e->begin = begin;
    e->end = anchor.end;
    return e;
  }
  void Adopt(Expr* parent, ExprPtr child) {
    if (child->height + 1 > parent->height) parent->height = child->height + 1;
    if (parent->height > kMaxNesting) {
      Fail(parent->pos,
           "expression nested too deeply (the limit is " + std::to_string(kMaxNesting) + " levels)");
    }
    parent->items.push_back(std::move(child));
  }

  ExprPtr ParseExpr() { return ParseBinary(1); }

  ExprPtr ParseBinary(int min_prec) {
    ExprPtr lhs = ParseUnary();
    while (true) {
      const int prec = BinaryPrecedence(Peek().kind);
      if (prec == 0 || prec < min_prec) return lhs;
      const Token& op = Next();
      ExprPtr rhs = ParseBinary(prec + 1);
      ExprPtr node = NewExpr(ExprKind::kBinary, op, lhs->begin);
      node->op = BinaryOp(op.kind);
      node->end = rhs->end;
      Adopt(node.get(), std::move(lhs));
      Adopt(node.get(), std::move(rhs));
      lhs = std::move(node);
    }
  }

  ExprPtr ParseUnary() {
    const Token& t = Peek();
    Nest nest(this, t.pos);
    Op op = Op::kNone;
    if (t.kind == Tok::kMinus) op = Op::kNeg;
    if (t.kind == Tok::kBang) op = Op::kNot;
    if (t.kind == Tok::kTilde) op = Op::kBitNot;
    if (op == Op::kNone) return ParsePostfix();
    Next();
    ExprPtr operand = ParseUnary();
    ExprPtr node = NewExpr(ExprKind::kUnary, t, t.begin);
    node->op = op;
    node->end = operand->end;
    Adopt(node.get(), std::move(operand));
    return node;
  }

  ExprPtr ParsePostfix() {
    ExprPtr e = ParsePrimary();
    while (true) {
      if (At(Tok::kLBracket)) {
        const Token& open = Next();
        ExprPtr node = NewExpr(ExprKind::kIndex, open, e->begin);
        Adopt(node.get(), std::move(e));
        Adopt(node.get(), ParseExpr());
        if (!At(Tok::kRBracket)) Expected("']' to close '[' at " + FormatPos(open.pos));
        node->end = Next().end;
        e = std::move(node);
      } else if (At(Tok::kDot)) {
        Next();
        if (!At(Tok::kName)) Expected("a field name after '.'");
        const Token& field = Next();
        ExprPtr node = NewExpr(ExprKind::kField, field, e->begin);
        node->text = field.text;
        Adopt(node.get(), std::move(e));
        e = std::move(node);
      } else {
        return e;
      }
    }
  }

  ExprPtr ParsePrimary() {
    const Token& t = Peek();
    switch (t.kind) {
      case Tok::kInt: {
        Next();
        ExprPtr e = NewExpr(ExprKind::kInt, t, t.begin);
        e->int_value = t.int_value;
        return e;
      }
      case Tok::kTrue:
      case Tok::kFalse: {
        Next();
        ExprPtr e = NewExpr(ExprKind::kInt, t, t.begin);
        e->int_value = t.kind == Tok::kTrue ? 1 : 0;
        return e;
      }
      case Tok::kString: {
        Next();
        ExprPtr e = NewExpr(ExprKind::kString, t, t.begin);
        e->text = t.text;
        return e;
      }
      case Tok::kName: {
        Next();
        if (At(Tok::kLParen)) return ParseCall(t);
        ExprPtr e = NewExpr(ExprKind::kName, t, t.begin);
        e->text = t.text;
        return e;
      }
      case Tok::kLParen: {
        const Token& open = Next();
        ExprPtr e = ParseExpr();
        if (!At(Tok::kRParen)) Expected("')' to close '(' at " + FormatPos(open.pos));
        Next();
        // Keep the parentheses in the quoted source span.
        e->begin = open.begin;
        e->end = prev_end_;
        return e;
      }
      case Tok::kLBracket: {
        const Token& open = Next();
        ExprPtr e = NewExpr(ExprKind::kList, open, open.begin);
        while (!At(Tok::kRBracket)) {
          Adopt(e.get(), ParseExpr());
          if (Accept(Tok::kComma)) continue;
          if (!At(Tok::kRBracket)) Expected("',' or ']' in the list opened at " + FormatPos(open.pos));
        }
        e->end = Next().end;
        return e;
      }
      default:
        Expected("an expression");
    }
  }

  ExprPtr ParseCall(const Token& name) {
    const Token& open = Next();  // '('
    ExprPtr e = NewExpr(ExprKind::kCall, name, name.begin);
    e->text = name.text;
    while (!At(Tok::kRParen)) {
      if (At(Tok::kName) && Peek(1).kind == Tok::kAssign) {
        KeywordArg kw;
        kw.pos = Peek().pos;
        kw.name = Next().text;
        Next();  // '='
        kw.value = ParseExpr();
        if (kw.value->height + 1 > e->height) e->height = kw.value->height + 1;
        e->keywords.push_back(std::move(kw));
      } else {
        if (!e->keywords.empty()) {
          Fail(Peek().pos, "positional argument after keyword argument in the call to " + name.text);
        }
        Adopt(e.get(), ParseExpr());
      }
      if (Accept(Tok::kComma)) continue;
      if (!At(Tok::kRParen)) {
        Expected("',' or ')' in the call to " + name.text + " opened at " + FormatPos(open.pos));
      }
    }
    e->end = Next().end;
    return e;
  }

  Program* prog_;
  std::vector<Token> toks_;
  size_t p_ = 0;
  uint32_t prev_end_ = 0;
  int depth_ = 0;
  int loop_depth_ = 0;
};

}  // namespace

sim::Status Parse(const ProgramSource& source, Program* out) {
  out->source = source;
  out->body.clear();
  std::vector<Token> toks;
  if (sim::Status s = Lex(out->source, &toks); !s.ok()) return s;
  try {
    Parser(out, std::move(toks)).ParseProgram();
  } catch (const ParseFailure& f) {
    out->body.clear();
    return f.status;
  }
  return sim::Status::Ok();
}

}  // namespace scenarios
