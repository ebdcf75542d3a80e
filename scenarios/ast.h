// The syntax tree of a scenario program.
//
// One node type per category (Expr, Stmt) with a kind tag, so the interpreter
// is one switch per category. Every node keeps its anchor position (the token
// an error points at: the operator of a binary expression, the name of a
// call, the '[' of an index) and its byte span in the program text, from
// which reports quote the user's own source ("expect r == 4096").
//
// The binder (binder.h) fills the `binding` fields for one run at a time:
// which variable slot or constant a name is, which CallSpec a call reaches
// and where each argument goes. The parser leaves them empty.
#ifndef AIOSIM_SCENARIOS_AST_H_
#define AIOSIM_SCENARIOS_AST_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "scenarios/source.h"

namespace scenarios {

struct CallSpec;

enum class ExprKind : uint8_t {
  kInt,     // int_value
  kString,  // text
  kName,    // text: a variable or a constant
  kList,    // [items...]
  kUnary,   // op items[0]
  kBinary,  // items[0] op items[1]; kAnd/kOr short-circuit
  kCall,    // text(items..., keywords...)
  kIndex,   // items[0][items[1]]
  kField,   // items[0].text
};

enum class Op : uint8_t {
  kNone,
  // binary
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMod,
  kShl,
  kShr,
  kBitAnd,
  kBitOr,
  kBitXor,
  kEq,
  kNe,
  kLt,
  kLe,
  kGt,
  kGe,
  kAnd,
  kOr,
  // unary
  kNeg,
  kNot,
  kBitNot,
};

// "+", "==", "!" ...
std::string_view OpSpelling(Op op);
inline bool IsComparison(Op op) { return op >= Op::kEq && op <= Op::kGe; }

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

struct KeywordArg {
  std::string name;
  SourcePos pos;
  ExprPtr value;
};

struct NameBinding {
  enum class Kind : uint8_t { kUnbound, kVariable, kConstant };
  Kind kind = Kind::kUnbound;
  int slot = -1;      // kVariable: index into the process's variables
  int64_t value = 0;  // kConstant
};

struct CallBinding {
  const CallSpec* spec = nullptr;
  // For each positional / keyword argument: its index in the spec's
  // parameter order (params, then keywords), or -1 for a variadic extra.
  std::vector<int> positional_slot;
  std::vector<int> keyword_slot;
};

struct Expr {
  ExprKind kind = ExprKind::kInt;
  Op op = Op::kNone;
  SourcePos pos;
  uint32_t begin = 0;  // byte span in the program text
  uint32_t end = 0;
  int height = 1;  // 1 + the tallest child: bounds the interpreter's recursion
  int64_t int_value = 0;
  std::string text;
  std::vector<ExprPtr> items;
  std::vector<KeywordArg> keywords;  // kCall

  NameBinding name;  // kName, set by the binder
  CallBinding call;  // kCall, set by the binder
};

enum class StmtKind : uint8_t {
  kExpr,    // expr
  kAssign,  // target (= | op=) expr
  kIf,      // if expr { body } else { else_body }   ("else if" nests a kIf)
  kRepeat,  // repeat expr [as var] { body }
  kWhile,   // while expr { body }
  kFor,     // for var in expr { body }
  kBreak,
  kContinue,
  kExpect,  // expect expr [, message]
};

struct Stmt;
using StmtPtr = std::unique_ptr<Stmt>;

struct Stmt {
  StmtKind kind = StmtKind::kExpr;
  SourcePos pos;  // the statement's first token
  uint32_t begin = 0;
  uint32_t end = 0;
  Op assign_op = Op::kNone;  // kAssign: kNone for '=', else the operator of '+=' etc.
  SourcePos op_pos;          // kAssign: position of '=' / '+=' ...
  ExprPtr target;            // kAssign
  ExprPtr expr;
  ExprPtr message;  // kExpect, optional
  std::string var;  // kRepeat ("as"), kFor
  SourcePos var_pos;
  std::vector<StmtPtr> body;
  std::vector<StmtPtr> else_body;

  int var_slot = -1;     // set by the binder
  int expect_site = -1;  // kExpect: index into the run's expectation sites, set by the binder
};

struct Program {
  ProgramSource source;
  std::vector<StmtPtr> body;

  // The source text of a span, with each run of whitespace (and newlines)
  // collapsed to one space: how reports quote the user's code.
  std::string Quote(uint32_t begin, uint32_t end) const;
};

}  // namespace scenarios

#endif  // AIOSIM_SCENARIOS_AST_H_
