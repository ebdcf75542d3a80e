// Run-time errors of a scenario program, as exceptions that never leave the
// thread's fiber.
//
// - ScriptError: the program did something the language forbids (adding a
//   string to an int, reading an unset variable, a call handler rejecting an
//   argument). Handlers throw it with a message; the interpreter stamps the
//   call's file:line:col, records the error in the run (the CLI exits 2 with
//   that one line) and stops the run.
// - ThreadExit: ends the current thread quietly (fail(), or a limit reached);
//   the interpreter catches it at the thread's top.
// Neither is a modelled-kernel bug: those use SIM_CHECK (sim::Violation),
// which the interpreter never catches.
#ifndef AIOSIM_SCENARIOS_ERRORS_H_
#define AIOSIM_SCENARIOS_ERRORS_H_

#include <stdexcept>
#include <string>

#include "scenarios/source.h"

namespace scenarios {

class ScriptError : public std::runtime_error {
 public:
  explicit ScriptError(const std::string& message) : std::runtime_error(message) {}
  ScriptError(SourcePos pos, const std::string& message) : std::runtime_error(message), pos_(pos) {}

  bool has_pos() const { return pos_.line > 0; }
  SourcePos pos() const { return pos_; }
  void set_pos(SourcePos pos) { pos_ = pos; }

 private:
  SourcePos pos_;
};

// Not derived from std::exception on purpose: nothing but the interpreter's
// thread top should catch it.
struct ThreadExit {};

}  // namespace scenarios

#endif  // AIOSIM_SCENARIOS_ERRORS_H_
