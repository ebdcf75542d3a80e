// Helpers for the scenario tests: runfiles paths, running the aiosim binary
// as a child process, temporary files, and a small JSON reader for checking
// --report json output.
#ifndef AIOSIM_TESTS_SCENARIOS_TEST_UTIL_H_
#define AIOSIM_TESTS_SCENARIOS_TEST_UTIL_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace scenarios_test {

// $TEST_SRCDIR/<workspace>/<path> (the runfiles tree of the test).
std::string Runfile(const std::string& path);

// A file under $TEST_TMPDIR with this content; returns its path.
std::string WriteTempFile(const std::string& name, const std::string& content);

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};
// Runs `binary args...` with no shell, capturing stdout and stderr.
CommandResult RunCommand(const std::string& binary, const std::vector<std::string>& args);

// The aiosim binary in the runfiles.
std::string AiosimBinary();

// A parsed JSON value (numbers as int64; enough for our reports).
struct Json {
  enum class Type { kNull, kBool, kInt, kString, kArray, kObject };
  Type type = Type::kNull;
  bool boolean = false;
  int64_t number = 0;
  std::string string;
  std::vector<Json> array;
  std::map<std::string, Json> object;

  bool Has(const std::string& key) const { return type == Type::kObject && object.count(key) > 0; }
  const Json& operator[](const std::string& key) const { return object.at(key); }
};
// Parses exactly one JSON value (surrounding whitespace allowed). Returns
// false with *error on malformed input.
bool ParseJson(const std::string& text, Json* out, std::string* error);

}  // namespace scenarios_test

#endif  // AIOSIM_TESTS_SCENARIOS_TEST_UTIL_H_
