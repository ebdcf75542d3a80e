#include "scenarios/parser.h"

#include <catch2/catch.hpp>
#include <string>

namespace scenarios {
namespace {

// A compact rendering of the tree: (op a b), name, 42, "s", [a b], f(a k=v).
std::string Dump(const Expr& e) {
  switch (e.kind) {
    case ExprKind::kInt:
      return std::to_string(e.int_value);
    case ExprKind::kString:
      return "\"" + e.text + "\"";
    case ExprKind::kName:
      return e.text;
    case ExprKind::kList: {
      std::string out = "[";
      for (size_t i = 0; i < e.items.size(); ++i) out += (i ? " " : "") + Dump(*e.items[i]);
      return out + "]";
    }
    case ExprKind::kUnary:
      return "(" + std::string(OpSpelling(e.op)) + Dump(*e.items[0]) + ")";
    case ExprKind::kBinary:
      return "(" + std::string(OpSpelling(e.op)) + " " + Dump(*e.items[0]) + " " + Dump(*e.items[1]) + ")";
    case ExprKind::kCall: {
      std::string out = e.text + "(";
      bool first = true;
      for (const ExprPtr& a : e.items) {
        out += (first ? "" : " ") + Dump(*a);
        first = false;
      }
      for (const KeywordArg& k : e.keywords) {
        out += (first ? "" : " ") + k.name + "=" + Dump(*k.value);
        first = false;
      }
      return out + ")";
    }
    case ExprKind::kIndex:
      return Dump(*e.items[0]) + "[" + Dump(*e.items[1]) + "]";
    case ExprKind::kField:
      return Dump(*e.items[0]) + "." + e.text;
  }
  return "?";
}

std::string DumpStmts(const std::vector<StmtPtr>& body);

std::string DumpStmt(const Stmt& s) {
  switch (s.kind) {
    case StmtKind::kExpr:
      return Dump(*s.expr);
    case StmtKind::kAssign:
      return Dump(*s.target) + " " + std::string(OpSpelling(s.assign_op)) + "= " + Dump(*s.expr);
    case StmtKind::kIf:
      return "if " + Dump(*s.expr) + " {" + DumpStmts(s.body) + "}" +
             (s.else_body.empty() ? "" : " else {" + DumpStmts(s.else_body) + "}");
    case StmtKind::kRepeat:
      return "repeat " + Dump(*s.expr) + (s.var.empty() ? "" : " as " + s.var) + " {" + DumpStmts(s.body) +
             "}";
    case StmtKind::kWhile:
      return "while " + Dump(*s.expr) + " {" + DumpStmts(s.body) + "}";
    case StmtKind::kFor:
      return "for " + s.var + " in " + Dump(*s.expr) + " {" + DumpStmts(s.body) + "}";
    case StmtKind::kBreak:
      return "break";
    case StmtKind::kContinue:
      return "continue";
    case StmtKind::kExpect:
      return "expect " + Dump(*s.expr) + (s.message ? ", " + Dump(*s.message) : "");
  }
  return "?";
}

std::string DumpStmts(const std::vector<StmtPtr>& body) {
  std::string out;
  for (const StmtPtr& s : body) out += (out.empty() ? "" : "; ") + DumpStmt(*s);
  return out;
}

std::string ParseOk(const std::string& text) {
  Program p;
  sim::Status s = Parse(ProgramSource{"f.toml", text, 1, 1}, &p);
  INFO(s.message());
  REQUIRE(s.ok());
  return DumpStmts(p.body);
}

std::string ExprOf(const std::string& text) { return ParseOk("x = " + text).substr(4); }

std::string ParseError(const std::string& text) {
  Program p;
  sim::Status s = Parse(ProgramSource{"f.toml", text, 1, 1}, &p);
  REQUIRE_FALSE(s.ok());
  return s.message();
}

TEST_CASE("Parser: binary operators follow C precedence", "[parser]") {
  CHECK(ExprOf("1 + 2 * 3") == "(+ 1 (* 2 3))");
  CHECK(ExprOf("1 - 2 - 3") == "(- (- 1 2) 3)");
  CHECK(ExprOf("a || b && c") == "(|| a (&& b c))");
  CHECK(ExprOf("a && b | c") == "(&& a (| b c))");
  CHECK(ExprOf("a | b ^ c & d") == "(| a (^ b (& c d)))");
  CHECK(ExprOf("x & 1 == 0") == "(& x (== 1 0))");  // as in C
  CHECK(ExprOf("a == b < c") == "(== a (< b c))");
  CHECK(ExprOf("a < b << 1") == "(< a (<< b 1))");
  CHECK(ExprOf("1 << 2 + 3") == "(<< 1 (+ 2 3))");
  CHECK(ExprOf("a + b % c / d") == "(+ a (/ (% b c) d))");
  CHECK(ExprOf("-a * !b + ~c") == "(+ (* (-a) (!b)) (~c))");
  CHECK(ExprOf("(1 + 2) * 3") == "(* (+ 1 2) 3)");
  CHECK(ExprOf("- -1") == "(-(-1))");
  CHECK(ExprOf("a != b >= c > d <= e") == "(!= a (<= (> (>= b c) d) e))");
}

TEST_CASE("Parser: postfix index, field and calls", "[parser]") {
  CHECK(ExprOf("ev[i].res") == "ev[i].res");
  CHECK(ExprOf("l[0][1]") == "l[0][1]");
  CHECK(ExprOf("-l[0]") == "(-l[0])");
  CHECK(ExprOf("f(a, b + 1, key=7, other=\"s\")") == "f(a (+ b 1) key=7 other=\"s\")");
  CHECK(ExprOf("f()") == "f()");
  CHECK(ExprOf("f(g(1), [1, 2,],)") == "f(g(1) [1 2])");
  CHECK(ExprOf("[]") == "[]");
  CHECK(ExprOf("f(\n  1,\n  2\n)") == "f(1 2)");
}

TEST_CASE("Parser: every statement form", "[parser]") {
  CHECK(ParseOk("x = 1\ny += 2\nl[0] = 3\no.f -= 4\nz <<= 1\n") ==
        "x = 1; y += 2; l[0] = 3; o.f -= 4; z <<= 1");
  CHECK(ParseOk("if a { f() } else if b { g() } else { h() }") == "if a {f()} else {if b {g()} else {h()}}");
  CHECK(ParseOk("if a {\n  f()\n}\nelse {\n  g()\n}") == "if a {f()} else {g()}");
  CHECK(ParseOk("if a { f() }\ng()") == "if a {f()}; g()");
  CHECK(ParseOk("repeat 3 { f() }\nrepeat n as i { continue }") ==
        "repeat 3 {f()}; repeat n as i {continue}");
  CHECK(ParseOk("while x < 3 { x += 1; break }") == "while (< x 3) {x += 1; break}");
  CHECK(ParseOk("for v in l { print(v) }") == "for v in l {print(v)}");
  CHECK(ParseOk("expect r == 4096\nexpect ok, \"why\"") == "expect (== r 4096); expect ok, \"why\"");
  CHECK(ParseOk("\n\n# only comments\n\n") == "");
  CHECK(ParseOk("f(); g()") == "f(); g()");
}

TEST_CASE("Parser: nodes keep their source span for quoting", "[parser]") {
  Program p;
  REQUIRE(Parse(ProgramSource{"f.toml", "expect  r ==  (1 +\n 2)  # c\n", 1, 1}, &p).ok());
  const Expr& e = *p.body[0]->expr;
  CHECK(p.Quote(e.begin, e.end) == "r == (1 + 2)");
  CHECK(p.Quote(e.items[1]->begin, e.items[1]->end) == "(1 + 2)");
  CHECK(e.pos.col == 11);  // the '==' operator anchors the comparison
}

TEST_CASE("Parser: errors name file:line:col and what was expected", "[parser]") {
  CHECK(ParseError("if x {\n  f()\n") ==
        "f.toml:3:1: expected '}' to close block opened at 1:6, got end of program");
  CHECK(ParseError("if x = 1 { }") ==
        "f.toml:1:6: expected '{' to start the if body, got '=' (use '==' to compare)");
  CHECK(ParseError("while x\n{ }") == "f.toml:1:8: expected '{' to start the while body, got end of line");
  CHECK(ParseError("x = (1 + 2") == "f.toml:1:11: expected ')' to close '(' at 1:5, got end of program");
  CHECK(ParseError("x = [1, 2") ==
        "f.toml:1:10: expected ',' or ']' in the list opened at 1:5, got end of program");
  CHECK(ParseError("f(1 2)") ==
        "f.toml:1:5: expected ',' or ')' in the call to f opened at 1:2, got number 2");
  CHECK(ParseError("f(a=1, 2)") == "f.toml:1:8: positional argument after keyword argument in the call to f");
  CHECK(ParseError("x = ") == "f.toml:1:5: expected an expression, got end of program");
  CHECK(ParseError("x = 1 y = 2") == "f.toml:1:7: expected end of line after the statement, got name 'y'");
  CHECK(ParseError("break") == "f.toml:1:1: 'break' outside a loop");
  CHECK(ParseError("if a { continue }") == "f.toml:1:8: 'continue' outside a loop");
  CHECK(ParseError("x == 1") ==
        "f.toml:1:3: this expression does nothing: expected a call, an assignment or a statement (use '=' to "
        "assign)");
  CHECK(ParseError("f() = 1") ==
        "f.toml:1:5: cannot assign to this expression: expected a name, an element l[i] or a field x.f "
        "before '='");
  CHECK(ParseError("}") == "f.toml:1:1: unexpected '}': no block is open");
  CHECK(ParseError("for 1 in l { }") == "f.toml:1:5: expected a name after 'for', got number 1");
  CHECK(ParseError("for x l { }") == "f.toml:1:7: expected 'in' after 'for x', got name 'l'");
  CHECK(ParseError("repeat 2 as { }") == "f.toml:1:13: expected a name after 'as', got '{'");
  CHECK(ParseError("x = o.1") == "f.toml:1:7: expected a field name after '.', got number 1");
  CHECK(ParseError("x = l[1") == "f.toml:1:8: expected ']' to close '[' at 1:6, got end of program");
}

TEST_CASE("Parser: nesting deeper than the limit is an error, not a crash", "[parser]") {
  std::string deep = "x = " + std::string(200, '(') + "1" + std::string(200, ')');
  CHECK(ParseError(deep).find("nested too deeply") != std::string::npos);
  std::string chain = "x = 1";
  for (int i = 0; i < 100; ++i) chain += " + 1";
  CHECK(ParseError(chain).find("expression nested too deeply (the limit is 48 levels)") != std::string::npos);
  std::string blocks;
  for (int i = 0; i < 60; ++i) blocks += "if 1 {\n";
  for (int i = 0; i < 60; ++i) blocks += "}\n";
  CHECK(ParseError(blocks).find("program nested too deeply") != std::string::npos);
}

}  // namespace
}  // namespace scenarios
