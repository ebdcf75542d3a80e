// The parser of the scenario program language: tokens -> Program.
//
// Grammar (newline or ';' ends a statement; inside ( ) and [ ] newlines are
// ignored):
//   program  := { stmt }
//   block    := '{' { stmt } '}'
//   stmt     := 'if' expr block [ 'else' ( stmt_if | block ) ]
//             | 'repeat' expr [ 'as' NAME ] block
//             | 'while' expr block
//             | 'for' NAME 'in' expr block
//             | 'break' | 'continue'
//             | 'expect' expr [ ',' expr ]
//             | target ( '=' | '+=' | '-=' | '*=' | '/=' | '%=' | '&=' | '|=' | '^=' | '<<=' | '>>=' ) expr
//             | call                      (an expression statement must be a call)
//   target   := NAME | postfix '[' expr ']' | postfix '.' NAME
//   expr     := binary operators with C precedence, lowest first:
//               ||   &&   |   ^   &   == !=   < <= > >=   << >>   + -   * / %
//             | unary: - ! ~
//             | postfix: primary { '[' expr ']' | '.' NAME }
//   primary  := INT | STRING | 'true' | 'false' | NAME | NAME '(' args ')'
//             | '(' expr ')' | '[' [ expr { ',' expr } [','] ] ']'
//   args     := positional arguments, then NAME '=' expr keyword arguments
//
// Promises: every error is one Status "file:line:col: expected ..., got ...";
// 'break'/'continue' outside a loop and statements that do nothing are
// syntax errors; nesting deeper than kMaxNesting (blocks or expressions) is
// an error rather than a stack overflow.
#ifndef AIOSIM_SCENARIOS_PARSER_H_
#define AIOSIM_SCENARIOS_PARSER_H_

#include "scenarios/ast.h"
#include "scenarios/source.h"
#include "sim/status.h"

namespace scenarios {

inline constexpr int kMaxNesting = 48;

// Parses `source` into *out (which takes a copy of the source).
sim::Status Parse(const ProgramSource& source, Program* out);

}  // namespace scenarios

#endif  // AIOSIM_SCENARIOS_PARSER_H_
