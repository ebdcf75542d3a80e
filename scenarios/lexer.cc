#include "scenarios/lexer.h"

#include <cstdio>

#include "scenarios/units.h"

namespace scenarios {

namespace {

struct Keyword {
  std::string_view word;
  Tok kind;
};
constexpr Keyword kKeywords[] = {
    {"if", Tok::kIf},         {"else", Tok::kElse},   {"repeat", Tok::kRepeat},
    {"as", Tok::kAs},         {"while", Tok::kWhile}, {"for", Tok::kFor},
    {"in", Tok::kIn},         {"break", Tok::kBreak}, {"continue", Tok::kContinue},
    {"expect", Tok::kExpect}, {"true", Tok::kTrue},   {"false", Tok::kFalse},
};

// Operators, longest first so "<<=" wins over "<<" and "<".
struct Op {
  std::string_view spelling;
  Tok kind;
};
constexpr Op kOps[] = {
    {"<<=", Tok::kShlAssign}, {">>=", Tok::kShrAssign},  {"==", Tok::kEq},
    {"!=", Tok::kNe},         {"<=", Tok::kLe},          {">=", Tok::kGe},
    {"&&", Tok::kAndAnd},     {"||", Tok::kOrOr},        {"<<", Tok::kShl},
    {">>", Tok::kShr},        {"+=", Tok::kPlusAssign},  {"-=", Tok::kMinusAssign},
    {"*=", Tok::kStarAssign}, {"/=", Tok::kSlashAssign}, {"%=", Tok::kPercentAssign},
    {"&=", Tok::kAmpAssign},  {"|=", Tok::kPipeAssign},  {"^=", Tok::kCaretAssign},
    {"(", Tok::kLParen},      {")", Tok::kRParen},       {"[", Tok::kLBracket},
    {"]", Tok::kRBracket},    {"{", Tok::kLBrace},       {"}", Tok::kRBrace},
    {",", Tok::kComma},       {".", Tok::kDot},          {"+", Tok::kPlus},
    {"-", Tok::kMinus},       {"*", Tok::kStar},         {"/", Tok::kSlash},
    {"%", Tok::kPercent},     {"!", Tok::kBang},         {"~", Tok::kTilde},
    {"&", Tok::kAmp},         {"|", Tok::kPipe},         {"^", Tok::kCaret},
    {"<", Tok::kLt},          {">", Tok::kGt},           {"=", Tok::kAssign},
    {";", Tok::kNewline},
};

bool IsNameStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsNameChar(char c) { return IsNameStart(c) || (c >= '0' && c <= '9'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string CharForMessage(char c) {
  if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned char>(c));
    return buf;
  }
  return std::string(1, c);
}

class Lexer {
 public:
  Lexer(const ProgramSource& src, std::vector<Token>* out) : src_(src), text_(src.text), out_(out) {}

  sim::Status Run() {
    while (true) {
      SkipSpaceAndComments();
      if (i_ >= text_.size()) break;
      const char c = text_[i_];
      if (c == '\n') {
        if (depth_ == 0) Emit(Tok::kNewline, i_, i_ + 1, Pos());
        Advance();
        continue;
      }
      sim::Status s;
      if (IsDigit(c)) {
        s = Number();
      } else if (IsNameStart(c)) {
        NameOrKeyword();
      } else if (c == '"') {
        s = String();
      } else {
        s = Operator();
      }
      if (!s.ok()) return s;
    }
    Emit(Tok::kEnd, static_cast<uint32_t>(text_.size()), static_cast<uint32_t>(text_.size()), Pos());
    return sim::Status::Ok();
  }

 private:
  SourcePos Pos() const {
    SourcePos p;
    p.line = src_.first_line + line_;
    p.col = line_ == 0 ? src_.first_col + col_ : 1 + col_;
    return p;
  }
  void Advance() {
    if (text_[i_] == '\n') {
      ++line_;
      col_ = 0;
    } else {
      ++col_;
    }
    ++i_;
  }
  sim::Status Error(SourcePos pos, const std::string& msg) const { return ErrorAt(src_.file, pos, msg); }

  Token& Emit(Tok kind, size_t begin, size_t end, SourcePos pos) {
    Token t;
    t.kind = kind;
    t.pos = pos;
    t.begin = static_cast<uint32_t>(begin);
    t.end = static_cast<uint32_t>(end);
    out_->push_back(std::move(t));
    return out_->back();
  }

  void SkipSpaceAndComments() {
    while (i_ < text_.size()) {
      const char c = text_[i_];
      if (c == ' ' || c == '\t' || c == '\r') {
        Advance();
      } else if (c == '#') {
        while (i_ < text_.size() && text_[i_] != '\n') Advance();
      } else {
        break;
      }
    }
  }

  sim::Status Number() {
    const size_t begin = i_;
    const SourcePos pos = Pos();
    __int128 value = 0;
    bool too_large = false;
    auto add_digit = [&](int base, int d) {
      value = value * base + d;
      if (value > INT64_MAX) too_large = true;
    };
    if (text_[i_] == '0' && i_ + 1 < text_.size() && (text_[i_ + 1] == 'x' || text_[i_ + 1] == 'X')) {
      Advance();
      Advance();
      size_t digits = 0;
      while (i_ < text_.size() && (HexValue(text_[i_]) >= 0 || text_[i_] == '_')) {
        if (text_[i_] != '_') {
          add_digit(16, HexValue(text_[i_]));
          ++digits;
        }
        Advance();
      }
      if (digits == 0) return Error(pos, "expected hex digits after '0x'");
    } else {
      while (i_ < text_.size() && (IsDigit(text_[i_]) || text_[i_] == '_')) {
        if (text_[i_] != '_') add_digit(10, text_[i_] - '0');
        Advance();
      }
    }
    // An attached unit suffix: 10us, 4KiB.
    const size_t suffix_begin = i_;
    while (i_ < text_.size() && IsNameChar(text_[i_])) Advance();
    if (i_ > suffix_begin) {
      std::string_view suffix = text_.substr(suffix_begin, i_ - suffix_begin);
      std::optional<Unit> unit = FindUnit(suffix);
      if (!unit) {
        return Error(pos, "unknown unit suffix '" + std::string(suffix) + "' on number (expected one of " +
                              std::string(UnitSuffixList()) + ")");
      }
      value *= unit->scale;
      if (value > INT64_MAX) too_large = true;
    }
    if (too_large) return Error(pos, "number too large (the limit is 9223372036854775807)");
    Token& t = Emit(Tok::kInt, begin, i_, pos);
    t.int_value = static_cast<int64_t>(value);
    return sim::Status::Ok();
  }

  void NameOrKeyword() {
    const size_t begin = i_;
    const SourcePos pos = Pos();
    while (i_ < text_.size() && IsNameChar(text_[i_])) Advance();
    std::string_view word = text_.substr(begin, i_ - begin);
    for (const Keyword& k : kKeywords) {
      if (k.word == word) {
        Emit(k.kind, begin, i_, pos);
        return;
      }
    }
    Token& t = Emit(Tok::kName, begin, i_, pos);
    t.text = std::string(word);
  }

  sim::Status String() {
    const size_t begin = i_;
    const SourcePos pos = Pos();
    Advance();  // opening quote
    std::string value;
    while (true) {
      if (i_ >= text_.size() || text_[i_] == '\n') {
        return Error(pos, "unterminated string: expected '\"' before the end of the line");
      }
      const char c = text_[i_];
      if (c == '"') {
        Advance();
        break;
      }
      if (c != '\\') {
        value.push_back(c);
        Advance();
        continue;
      }
      const SourcePos esc_pos = Pos();
      Advance();
      if (i_ >= text_.size() || text_[i_] == '\n') {
        return Error(pos, "unterminated string: expected '\"' before the end of the line");
      }
      const char e = text_[i_];
      Advance();
      switch (e) {
        case 'n':
          value.push_back('\n');
          break;
        case 't':
          value.push_back('\t');
          break;
        case 'r':
          value.push_back('\r');
          break;
        case '0':
          value.push_back('\0');
          break;
        case '\\':
          value.push_back('\\');
          break;
        case '"':
          value.push_back('"');
          break;
        case 'x': {
          int hi = i_ < text_.size() ? HexValue(text_[i_]) : -1;
          int lo = i_ + 1 < text_.size() ? HexValue(text_[i_ + 1]) : -1;
          if (hi < 0 || lo < 0) return Error(esc_pos, "expected two hex digits after '\\x'");
          Advance();
          Advance();
          value.push_back(static_cast<char>(hi * 16 + lo));
          break;
        }
        default:
          return Error(esc_pos, "unknown escape '\\" + CharForMessage(e) +
                                    "' in string (expected \\n, \\t, \\r, \\0, \\\\, \\\" or \\xHH)");
      }
    }
    Token& t = Emit(Tok::kString, begin, i_, pos);
    t.text = std::move(value);
    return sim::Status::Ok();
  }

  sim::Status Operator() {
    const SourcePos pos = Pos();
    const size_t begin = i_;
    for (const Op& op : kOps) {
      if (text_.compare(i_, op.spelling.size(), op.spelling) == 0) {
        for (size_t k = 0; k < op.spelling.size(); ++k) Advance();
        if (op.kind == Tok::kLParen || op.kind == Tok::kLBracket) ++depth_;
        if ((op.kind == Tok::kRParen || op.kind == Tok::kRBracket) && depth_ > 0) --depth_;
        // ';' is a statement separator only outside brackets, like a newline.
        if (op.kind == Tok::kNewline && depth_ > 0) {
          return Error(pos, "unexpected ';' inside brackets");
        }
        Emit(op.kind, begin, i_, pos);
        return sim::Status::Ok();
      }
    }
    return Error(pos, "unexpected character '" + CharForMessage(text_[i_]) + "'");
  }

  const ProgramSource& src_;
  std::string_view text_;
  std::vector<Token>* out_;
  size_t i_ = 0;
  int line_ = 0;  // 0-based within the text
  int col_ = 0;   // 0-based within the line
  int depth_ = 0;
};

}  // namespace

std::string_view TokSpelling(Tok kind) {
  switch (kind) {
    case Tok::kEnd:
      return "end of program";
    case Tok::kNewline:
      return "end of line";
    case Tok::kInt:
      return "number";
    case Tok::kString:
      return "string";
    case Tok::kName:
      return "name";
    default:
      break;
  }
  for (const Keyword& k : kKeywords) {
    if (k.kind == kind) return k.word;
  }
  for (const Op& op : kOps) {
    if (op.kind == kind) return op.spelling;
  }
  return "?";
}

std::string DescribeToken(const Token& t) {
  switch (t.kind) {
    case Tok::kEnd:
    case Tok::kNewline:
    case Tok::kString:
      return std::string(TokSpelling(t.kind));
    case Tok::kInt:
      return "number " + std::to_string(t.int_value);
    case Tok::kName:
      return "name '" + t.text + "'";
    default:
      return "'" + std::string(TokSpelling(t.kind)) + "'";
  }
}

sim::Status Lex(const ProgramSource& src, std::vector<Token>* out) { return Lexer(src, out).Run(); }

}  // namespace scenarios
