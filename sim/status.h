// Status: the error channel for our tooling (loading a scenario, parsing a
// device parameter, writing a report), never for the simulated kernel (which
// returns -errno as Linux does) nor for modelled-kernel bugs (SIM_CHECK).
//
// A Status is ok or carries one line: where (file:line:column when known) and
// what was expected, ready to print as the CLI's one-line error (exit 2).
#ifndef AIOSIM_SIM_STATUS_H_
#define AIOSIM_SIM_STATUS_H_

#include <string>
#include <utility>

namespace sim {

class Status {
 public:
  Status() = default;  // ok
  static Status Ok() { return Status(); }
  static Status Error(std::string message) { return Status(std::move(message)); }
  // "file:line:col: message" (line/col omitted when 0).
  static Status At(const std::string& file, int line, int col, const std::string& message) {
    std::string where = file;
    if (line > 0) {
      where += ":" + std::to_string(line);
      if (col > 0) where += ":" + std::to_string(col);
    }
    return Status(where + ": " + message);
  }

  bool ok() const { return !error_; }
  const std::string& message() const { return message_; }

 private:
  explicit Status(std::string message) : error_(true), message_(std::move(message)) {}
  bool error_ = false;
  std::string message_;
};

}  // namespace sim

#endif  // AIOSIM_SIM_STATUS_H_
