// Where program text lives: a program body and its position in the scenario
// file, and 1-based (line, column) positions in that file.
//
// Promise: every error the language reports (lexer, parser, binder, run time)
// names the file, line and column of the program text *in the .toml file*,
// not in the extracted string. The loader fills first_line/first_col from the
// TOML string node's position; for a literal string ('...' or '''...''') the
// mapping is exact; inside a basic string ("...") an escape sequence shifts
// later columns on its line.
#ifndef AIOSIM_SCENARIOS_SOURCE_H_
#define AIOSIM_SCENARIOS_SOURCE_H_

#include <string>

#include "sim/status.h"

namespace scenarios {

struct SourcePos {
  int line = 0;  // 1-based; 0 = unknown
  int col = 0;   // 1-based byte column; 0 = unknown
};

// "12:5" (or "" when unknown).
inline std::string FormatPos(SourcePos p) {
  if (p.line <= 0) return "";
  return std::to_string(p.line) + ":" + std::to_string(p.col);
}

// "file:line:col: message", ready for the CLI's one-line error.
inline sim::Status ErrorAt(const std::string& file, SourcePos pos, const std::string& message) {
  return sim::Status::At(file, pos.line, pos.col, message);
}

// A program body and where its first character sits in the file.
struct ProgramSource {
  std::string file;    // the scenario file, as the user named it
  std::string text;    // the program text
  int first_line = 1;  // file line of text[0]
  int first_col = 1;   // file column of text[0]
};

}  // namespace scenarios

#endif  // AIOSIM_SCENARIOS_SOURCE_H_
