#include "tests/scenarios/test_util.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace scenarios_test {

namespace {

std::string Env(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class JsonParser {
 public:
  explicit JsonParser(const std::string& s) : s_(s) {}

  bool Parse(Json* out, std::string* error) {
    try {
      Space();
      Value(out, 0);
      Space();
      if (i_ != s_.size()) Fail("trailing characters");
    } catch (const std::runtime_error& e) {
      *error = e.what();
      return false;
    }
    return true;
  }

 private:
  [[noreturn]] void Fail(const std::string& why) {
    throw std::runtime_error(why + " at offset " + std::to_string(i_));
  }
  void Space() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\n' || s_[i_] == '\t' || s_[i_] == '\r')) ++i_;
  }
  void Expect(char c) {
    if (i_ >= s_.size() || s_[i_] != c) Fail(std::string("expected '") + c + "'");
    ++i_;
  }
  bool Literal(const char* word) {
    const std::string w(word);
    if (s_.compare(i_, w.size(), w) == 0) {
      i_ += w.size();
      return true;
    }
    return false;
  }
  void Value(Json* out, int depth) {
    if (depth > 64) Fail("nested too deeply");
    if (i_ >= s_.size()) Fail("unexpected end");
    const char c = s_[i_];
    if (c == '{') {
      out->type = Json::Type::kObject;
      ++i_;
      Space();
      if (i_ < s_.size() && s_[i_] == '}') {
        ++i_;
        return;
      }
      while (true) {
        Space();
        Json key;
        String(&key);
        Space();
        Expect(':');
        Space();
        Json v;
        Value(&v, depth + 1);
        // Duplicate names are valid JSON (RFC 8259 only advises against
        // them); keep the first.
        out->object.emplace(key.string, std::move(v));
        Space();
        if (i_ < s_.size() && s_[i_] == ',') {
          ++i_;
          continue;
        }
        Expect('}');
        return;
      }
    }
    if (c == '[') {
      out->type = Json::Type::kArray;
      ++i_;
      Space();
      if (i_ < s_.size() && s_[i_] == ']') {
        ++i_;
        return;
      }
      while (true) {
        Space();
        Json v;
        Value(&v, depth + 1);
        out->array.push_back(std::move(v));
        Space();
        if (i_ < s_.size() && s_[i_] == ',') {
          ++i_;
          continue;
        }
        Expect(']');
        return;
      }
    }
    if (c == '"') {
      String(out);
      return;
    }
    if (Literal("true")) {
      out->type = Json::Type::kBool;
      out->boolean = true;
      return;
    }
    if (Literal("false")) {
      out->type = Json::Type::kBool;
      return;
    }
    if (Literal("null")) return;
    if (c == '-' || (c >= '0' && c <= '9')) {
      size_t start = i_;
      if (c == '-') ++i_;
      if (i_ >= s_.size() || s_[i_] < '0' || s_[i_] > '9') Fail("bad number");
      while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') ++i_;
      if (i_ < s_.size() && (s_[i_] == '.' || s_[i_] == 'e' || s_[i_] == 'E')) Fail("non-integer number");
      out->type = Json::Type::kInt;
      out->number = std::stoll(s_.substr(start, i_ - start));
      return;
    }
    Fail(std::string("unexpected character '") + c + "'");
  }
  void String(Json* out) {
    out->type = Json::Type::kString;
    Expect('"');
    while (true) {
      if (i_ >= s_.size()) Fail("unterminated string");
      const char c = s_[i_++];
      if (c == '"') return;
      if (static_cast<unsigned char>(c) < 0x20) Fail("control character in string");
      if (c != '\\') {
        out->string.push_back(c);
        continue;
      }
      if (i_ >= s_.size()) Fail("unterminated escape");
      const char e = s_[i_++];
      switch (e) {
        case '"':
        case '\\':
        case '/':
          out->string.push_back(e);
          break;
        case 'n':
          out->string.push_back('\n');
          break;
        case 't':
          out->string.push_back('\t');
          break;
        case 'r':
          out->string.push_back('\r');
          break;
        case 'b':
          out->string.push_back('\b');
          break;
        case 'f':
          out->string.push_back('\f');
          break;
        case 'u': {
          if (i_ + 4 > s_.size()) Fail("short \\u escape");
          const int code = std::stoi(s_.substr(i_, 4), nullptr, 16);
          i_ += 4;
          if (code < 0x80) {
            out->string.push_back(static_cast<char>(code));
          } else {
            out->string += "?";  // not needed by our reports
          }
          break;
        }
        default:
          Fail(std::string("bad escape \\") + e);
      }
    }
  }

  const std::string& s_;
  size_t i_ = 0;
};

}  // namespace

std::string Runfile(const std::string& path) {
  return Env("TEST_SRCDIR", ".") + "/" + Env("TEST_WORKSPACE", "aiosim") + "/" + path;
}

std::string WriteTempFile(const std::string& name, const std::string& content) {
  const std::string path = Env("TEST_TMPDIR", "/tmp") + "/" + name;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  return path;
}

CommandResult RunCommand(const std::string& binary, const std::vector<std::string>& args) {
  static int counter = 0;
  const std::string base =
      Env("TEST_TMPDIR", "/tmp") + "/cmd" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
  const std::string out_path = base + ".out";
  const std::string err_path = base + ".err";
  CommandResult r;
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int out_fd = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int err_fd = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(out_fd, 1);
    ::dup2(err_fd, 2);
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(binary.c_str()));
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::unsetenv("BUILD_WORKSPACE_DIRECTORY");
    ::execv(binary.c_str(), argv.data());
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = ReadAll(out_path);
  r.err = ReadAll(err_path);
  return r;
}

std::string AiosimBinary() { return Runfile("scenarios/aiosim"); }

bool ParseJson(const std::string& text, Json* out, std::string* error) {
  *out = Json();
  return JsonParser(text).Parse(out, error);
}

}  // namespace scenarios_test
