#include "scenarios/lexer.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

namespace scenarios {
namespace {

std::vector<Token> LexOk(const std::string& text, int first_line = 1, int first_col = 1) {
  ProgramSource src{"f.toml", text, first_line, first_col};
  std::vector<Token> toks;
  sim::Status s = Lex(src, &toks);
  INFO(s.message());
  REQUIRE(s.ok());
  return toks;
}

std::string LexError(const std::string& text) {
  ProgramSource src{"f.toml", text, 1, 1};
  std::vector<Token> toks;
  sim::Status s = Lex(src, &toks);
  REQUIRE_FALSE(s.ok());
  return s.message();
}

std::vector<Tok> Kinds(const std::vector<Token>& toks) {
  std::vector<Tok> k;
  for (const Token& t : toks) k.push_back(t.kind);
  return k;
}

TEST_CASE("Lexer: names, keywords, numbers, strings and operators", "[lexer]") {
  auto toks = LexOk("if x1 >= 0x1f { s = \"hi\" } else { repeat 2 as i { break } }");
  CHECK(Kinds(toks) == std::vector<Tok>{Tok::kIf,     Tok::kName,   Tok::kGe,     Tok::kInt,    Tok::kLBrace,
                                        Tok::kName,   Tok::kAssign, Tok::kString, Tok::kRBrace, Tok::kElse,
                                        Tok::kLBrace, Tok::kRepeat, Tok::kInt,    Tok::kAs,     Tok::kName,
                                        Tok::kLBrace, Tok::kBreak,  Tok::kRBrace, Tok::kRBrace, Tok::kEnd});
  CHECK(toks[1].text == "x1");
  CHECK(toks[3].int_value == 31);
  CHECK(toks[7].text == "hi");
}

TEST_CASE("Lexer: every operator, longest match first", "[lexer]") {
  auto toks =
      LexOk("<<= >>= == != <= >= && || << >> += -= *= /= %= &= |= ^= + - * / % ! ~ & | ^ < > = , . ( ) [ ]");
  CHECK(Kinds(toks) ==
        std::vector<Tok>{
            Tok::kShlAssign,  Tok::kShrAssign,   Tok::kEq,          Tok::kNe,          Tok::kLe,
            Tok::kGe,         Tok::kAndAnd,      Tok::kOrOr,        Tok::kShl,         Tok::kShr,
            Tok::kPlusAssign, Tok::kMinusAssign, Tok::kStarAssign,  Tok::kSlashAssign, Tok::kPercentAssign,
            Tok::kAmpAssign,  Tok::kPipeAssign,  Tok::kCaretAssign, Tok::kPlus,        Tok::kMinus,
            Tok::kStar,       Tok::kSlash,       Tok::kPercent,     Tok::kBang,        Tok::kTilde,
            Tok::kAmp,        Tok::kPipe,        Tok::kCaret,       Tok::kLt,          Tok::kGt,
            Tok::kAssign,     Tok::kComma,       Tok::kDot,         Tok::kLParen,      Tok::kRParen,
            Tok::kLBracket,   Tok::kRBracket,    Tok::kEnd});
}

TEST_CASE("Lexer: unit suffixes scale integer literals to ns and bytes", "[lexer]") {
  auto toks = LexOk("5ns 10us 3ms 2s 512B 4KiB 1MiB 1GiB 1_000_000 0x10 true false");
  std::vector<int64_t> values;
  for (size_t i = 0; i < 10; ++i) values.push_back(toks[i].int_value);
  CHECK(values ==
        std::vector<int64_t>{5, 10000, 3000000, 2000000000, 512, 4096, 1 << 20, 1 << 30, 1000000, 16});
  CHECK(toks[10].kind == Tok::kTrue);
  CHECK(toks[11].kind == Tok::kFalse);
}

TEST_CASE("Lexer: string escapes decode", "[lexer]") {
  auto toks = LexOk(R"("a\n\t\r\\\"\x41\0b")");
  REQUIRE(toks[0].kind == Tok::kString);
  CHECK(toks[0].text == std::string("a\n\t\r\\\"A\0b", 9));
}

TEST_CASE("Lexer: newlines end statements except inside () and []", "[lexer]") {
  auto toks = LexOk("f(1,\n  2)\nl = [1,\n 2]; x = 1\n# comment\n");
  CHECK(Kinds(toks) == std::vector<Tok>{Tok::kName,   Tok::kLParen,   Tok::kInt,     Tok::kComma,
                                        Tok::kInt,    Tok::kRParen,   Tok::kNewline, Tok::kName,
                                        Tok::kAssign, Tok::kLBracket, Tok::kInt,     Tok::kComma,
                                        Tok::kInt,    Tok::kRBracket, Tok::kNewline, Tok::kName,
                                        Tok::kAssign, Tok::kInt,      Tok::kNewline, Tok::kNewline,
                                        Tok::kEnd});
}

TEST_CASE("Lexer: positions are file positions (first line offset by the TOML string's column)", "[lexer]") {
  auto toks = LexOk("x = 1\n  y", /*first_line=*/10, /*first_col=*/8);
  CHECK(toks[0].pos.line == 10);
  CHECK(toks[0].pos.col == 8);
  CHECK(toks[2].pos.col == 12);
  CHECK(toks[4].pos.line == 11);  // y, after the newline token
  CHECK(toks[4].pos.col == 3);
  CHECK(toks[4].begin == 8);
  CHECK(toks[4].end == 9);
}

TEST_CASE("Lexer: errors name file:line:col and what was expected", "[lexer]") {
  CHECK(LexError("x = 10parsecs") ==
        "f.toml:1:5: unknown unit suffix 'parsecs' on number (expected one of ns, us, ms, s, B, KiB, MiB, "
        "GiB, TiB)");
  CHECK(LexError("s = \"abc\nx") ==
        "f.toml:1:5: unterminated string: expected '\"' before the end of the line");
  CHECK(LexError("s = \"a\\qb\"") ==
        "f.toml:1:7: unknown escape '\\q' in string (expected \\n, \\t, \\r, \\0, \\\\, \\\" or \\xHH)");
  CHECK(LexError("s = \"\\x4\"") == "f.toml:1:6: expected two hex digits after '\\x'");
  CHECK(LexError("x = 1\ny = @") == "f.toml:2:5: unexpected character '@'");
  CHECK(LexError("x = 99999999999999999999") ==
        "f.toml:1:5: number too large (the limit is 9223372036854775807)");
  CHECK(LexError("x = 9223372036854775807s") ==
        "f.toml:1:5: number too large (the limit is 9223372036854775807)");
  CHECK(LexError("x = 0x") == "f.toml:1:5: expected hex digits after '0x'");
  CHECK(LexError("f(1; 2)") == "f.toml:1:4: unexpected ';' inside brackets");
}

TEST_CASE("Lexer: tokens describe themselves for messages", "[lexer]") {
  auto toks = LexOk("x 42 \"s\" } if\n");
  CHECK(DescribeToken(toks[0]) == "name 'x'");
  CHECK(DescribeToken(toks[1]) == "number 42");
  CHECK(DescribeToken(toks[2]) == "string");
  CHECK(DescribeToken(toks[3]) == "'}'");
  CHECK(DescribeToken(toks[4]) == "'if'");
  CHECK(DescribeToken(toks[5]) == "end of line");
  CHECK(DescribeToken(toks[6]) == "end of program");
}

}  // namespace
}  // namespace scenarios
