// The interpreter: runs one thread's program on that thread's fiber.
//
// Semantics (see docs/scenario-language.md):
// - Ints are int64; + - * / % << >> overflowing or dividing by zero is a
//   run-time error, never wrap-around or undefined behaviour. / and %
//   truncate toward zero (C). Comparisons and ! && || give 1 or 0.
// - Conditions (if, while, &&, ||, !, expect without a comparison) must be
//   ints; 0 is false.
// - Evaluation is left to right; && and || short-circuit.
// - Variables belong to the process and are shared by its threads. Fibers
//   switch only inside calls that block, so a statement without a blocking
//   call is atomic with respect to other threads.
// - `expect` never stops the thread: it records pass/fail (with both sides'
//   values for a comparison) in the run's expectation log.
// - Every call is traced (script.call: name, int result, line).
// - Loops count iterations; a thread that runs more than the run's loop
//   limit (max_events) stops the run with status step_limit.
// A run-time error records "file:line:col: message" in the run, stops the
// run and ends the thread. sim::Violation (SIM_CHECK in a handler) is never
// caught here: the scheduler reports it.
#ifndef AIOSIM_SCENARIOS_INTERPRETER_H_
#define AIOSIM_SCENARIOS_INTERPRETER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "scenarios/ast.h"
#include "scenarios/context.h"
#include "scenarios/value.h"

namespace scenarios {

class Interpreter {
 public:
  enum class Outcome {
    kFinished,  // ran off the end of the program
    kExited,    // ended early on purpose (fail(), CallContext::ExitThread)
    kAborted,   // run-time error or loop limit: the run is stopping
  };

  explicit Interpreter(ThreadContext& thread);

  // Runs the thread's program. REQUIRES: called on the thread's fiber.
  Outcome Run();

 private:
  enum class Flow { kNormal, kBreak, kContinue };

  Flow ExecBlock(const std::vector<StmtPtr>& stmts);
  Flow Exec(const Stmt& s);
  void Assign(const Stmt& s);
  void Expect(const Stmt& s);
  Flow Loop(const Stmt& s);

  Value Eval(const Expr& e);
  Value Call(const Expr& e);
  Value Binary(Op op, const Value& a, const Value& b, SourcePos pos);
  Value Unary(Op op, const Value& v, SourcePos pos);
  bool Truthy(const Value& v, SourcePos pos, const char* what);
  Value IndexGet(const Value& base, const Value& index, SourcePos pos);
  void IndexSet(const Value& base, const Value& index, const Value& v, SourcePos pos);
  Value FieldGet(const Value& base, const std::string& field, SourcePos pos);
  void FieldSet(const Value& base, const std::string& field, const Value& v, SourcePos pos);
  std::optional<Value>& Variable(const Expr& name);
  void SetLoopVar(const Stmt& s, Value v);
  void CountIteration(SourcePos pos);

  // Message helpers for expect.
  std::string Show(const Value& v) const;
  std::string ComparisonDetail(const Expr& e, const Value& lhs, const Value& rhs) const;

  [[noreturn]] void Error(SourcePos pos, const std::string& message) const;

  ThreadContext& thread_;
  RunContext& run_;
  const Program& program_;
  std::vector<std::optional<Value>>& vars_;
  uint64_t iterations_ = 0;
  uint64_t iteration_limit_;
};

// The whole life of a thread's fiber: the start delay, OnThreadStart hooks,
// the program, then OnThreadExit (and OnProcessExit after the process's last
// thread other than init). Returns how the program ended.
Interpreter::Outcome RunThreadBody(ThreadContext& thread);

}  // namespace scenarios

#endif  // AIOSIM_SCENARIOS_INTERPRETER_H_
