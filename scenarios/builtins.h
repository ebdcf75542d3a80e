// The engine-level builtins, registered through the same CallRegistry as
// every later layer's syscalls (the interpreter knows no call by name):
//   sleep(d)            blocks the thread for d ns of virtual time; 0
//   now()               virtual time in ns
//   print(v...)         one output line (values joined by spaces); none
//   len(v)              length of a list, string or object
//   append(l, v)        appends to a list in place; the new length
//   pop(l, index=none)  removes and returns the last (or index-th) element
//   str(v)              the print form of v as a string
//   min(a, ...) max(a, ...)
//   fail(message="")    records a failed expectation here and ends the thread
//   wait_on(name, timeout=none)  blocks on the run's wait point `name`;
//                       0 when woken, -ETIMEDOUT (-110) when the timeout passed
//   wake_one(name)      wakes the longest waiter (a chooser decision); 1 or 0
//   wake_all(name)      wakes every waiter; how many
//   yield()             lets other runnable threads go first; none
// Constants: ETIMEDOUT = 110 (group errno).
#ifndef AIOSIM_SCENARIOS_BUILTINS_H_
#define AIOSIM_SCENARIOS_BUILTINS_H_

#include <memory>

#include "scenarios/extension.h"

namespace scenarios {

std::unique_ptr<Extension> MakeBuiltinsExtension();

}  // namespace scenarios

#endif  // AIOSIM_SCENARIOS_BUILTINS_H_
