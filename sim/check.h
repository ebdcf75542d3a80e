// SIM_CHECK: the channel for "the modelled system broke a rule" (a use after
// free, a refcount underflow, an impossible state) and for broken engine
// preconditions.
//
// A failing check throws sim::Violation carrying the message. The Scheduler
// catches it at the fiber or event boundary, stamps it with the virtual time
// and trace position, and stops the run with a report: never undefined
// behaviour, never a crash.
//
//   SIM_CHECK(req->ki_refcnt > 0) << "iocb_put on freed kiocb " << req->id;
#ifndef AIOSIM_SIM_CHECK_H_
#define AIOSIM_SIM_CHECK_H_

#include <sstream>
#include <stdexcept>
#include <string>

namespace sim {

class Violation : public std::runtime_error {
 public:
  explicit Violation(const std::string& what) : std::runtime_error(what) {}
};

namespace internal {
// Collects the streamed message; throws from its destructor when the check
// failed. Only ever created by SIM_CHECK on the failing path. The stream
// lives on the heap and is made and thrown out of line (cold functions), so
// the checking function's frame holds one pointer and takes no local's
// address: a passing check costs its test and branch only, without the
// stack-protector canary and large frame an inline ostringstream brings.
class CheckFailure {
 public:
  CheckFailure(const char* file, int line, const char* cond) : os_(Start(file, line, cond)) {}
  ~CheckFailure() noexcept(false) { Throw(os_); }
  CheckFailure(const CheckFailure&) = delete;
  CheckFailure& operator=(const CheckFailure&) = delete;
  template <typename T>
  CheckFailure& operator<<(const T& v) {
    *os_ << v;
    return *this;
  }

 private:
  [[gnu::cold, gnu::noinline]] static std::ostringstream* Start(const char* file, int line, const char* cond);
  [[gnu::cold, gnu::noinline, noreturn]] static void Throw(std::ostringstream* os);
  std::ostringstream* os_;
};
struct Voidify {
  void operator&(const CheckFailure&) {}
};
}  // namespace internal

}  // namespace sim

#define SIM_CHECK(cond)                               \
  (cond) ? (void)0                                    \
         : ::sim::internal::Voidify() &               \
               ::sim::internal::CheckFailure(__FILE__, __LINE__, #cond)

#endif  // AIOSIM_SIM_CHECK_H_
