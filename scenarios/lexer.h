// The lexer of the scenario program language: program text -> tokens, each
// with its file position and its byte span in the text.
//
// Tokens: integers (decimal, 0x hex, '_' separators, an attached unit suffix
// scales them: 10us = 10000, 4KiB = 4096), strings ("..." with the escapes
// backslash-n, -t, -r, -0, -backslash, -quote and -xHH), names, keywords,
// operators and punctuation. '#' starts a comment to the end of the line.
// A newline (or ';') ends a statement, except inside ( ) or [ ], where
// newlines are ignored so long calls and lists may span lines.
//
// Errors: one Status "file:line:col: what was expected".
#ifndef AIOSIM_SCENARIOS_LEXER_H_
#define AIOSIM_SCENARIOS_LEXER_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "scenarios/source.h"
#include "sim/status.h"

namespace scenarios {

enum class Tok : uint8_t {
  kEnd,      // end of program
  kNewline,  // newline or ';' outside brackets
  kInt,
  kString,
  kName,
  // keywords
  kIf,
  kElse,
  kRepeat,
  kAs,
  kWhile,
  kFor,
  kIn,
  kBreak,
  kContinue,
  kExpect,
  kTrue,
  kFalse,
  // punctuation
  kLParen,
  kRParen,
  kLBracket,
  kRBracket,
  kLBrace,
  kRBrace,
  kComma,
  kDot,
  // operators
  kPlus,
  kMinus,
  kStar,
  kSlash,
  kPercent,
  kBang,
  kTilde,
  kAmp,
  kPipe,
  kCaret,
  kShl,
  kShr,
  kEq,
  kNe,
  kLt,
  kLe,
  kGt,
  kGe,
  kAndAnd,
  kOrOr,
  kAssign,
  kPlusAssign,
  kMinusAssign,
  kStarAssign,
  kSlashAssign,
  kPercentAssign,
  kAmpAssign,
  kPipeAssign,
  kCaretAssign,
  kShlAssign,
  kShrAssign,
};

struct Token {
  Tok kind = Tok::kEnd;
  SourcePos pos;       // file position of the first character
  uint32_t begin = 0;  // byte span in the program text
  uint32_t end = 0;
  int64_t int_value = 0;  // kInt (already scaled by its unit)
  std::string text;       // kName: the name; kString: the decoded string
};

// "'}'", "name 'x'", "number 42", "string", "end of line", "end of program".
std::string DescribeToken(const Token& t);
// "'}'", "'if'", ...: the spelling of a keyword or punctuation kind.
std::string_view TokSpelling(Tok kind);

// Appends the tokens of `src` to *out, ending with one kEnd token.
sim::Status Lex(const ProgramSource& src, std::vector<Token>* out);

}  // namespace scenarios

#endif  // AIOSIM_SCENARIOS_LEXER_H_
