#include "scenarios/ast.h"

namespace scenarios {

std::string_view OpSpelling(Op op) {
  switch (op) {
    case Op::kNone:
      return "";
    case Op::kAdd:
      return "+";
    case Op::kSub:
      return "-";
    case Op::kMul:
      return "*";
    case Op::kDiv:
      return "/";
    case Op::kMod:
      return "%";
    case Op::kShl:
      return "<<";
    case Op::kShr:
      return ">>";
    case Op::kBitAnd:
      return "&";
    case Op::kBitOr:
      return "|";
    case Op::kBitXor:
      return "^";
    case Op::kEq:
      return "==";
    case Op::kNe:
      return "!=";
    case Op::kLt:
      return "<";
    case Op::kLe:
      return "<=";
    case Op::kGt:
      return ">";
    case Op::kGe:
      return ">=";
    case Op::kAnd:
      return "&&";
    case Op::kOr:
      return "||";
    case Op::kNeg:
      return "-";
    case Op::kNot:
      return "!";
    case Op::kBitNot:
      return "~";
  }
  return "?";
}

std::string Program::Quote(uint32_t begin, uint32_t end) const {
  std::string out;
  bool space = false;
  bool in_string = false;
  const std::string& t = source.text;
  for (uint32_t i = begin; i < end && i < t.size(); ++i) {
    const char c = t[i];
    if (in_string) {
      out.push_back(c);
      if (c == '\\' && i + 1 < end) {
        out.push_back(t[++i]);
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '#') {  // a comment inside a multi-line span
      while (i + 1 < end && t[i + 1] != '\n') ++i;
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    if (c == '"') in_string = true;
    out.push_back(c);
  }
  return out;
}

}  // namespace scenarios
