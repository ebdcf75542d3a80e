// The binder: the static pass between parsing and running. For one process
// (all its threads' programs, which share one set of variables) it
//   - gives every assigned name (targets of '=', 'repeat ... as', 'for') a
//     variable slot, in order of first appearance;
//   - resolves every other name to a variable or a registered constant;
//   - resolves every call to its CallSpec and maps each argument to its
//     parameter, checking counts and keyword names;
//   - registers every `expect` statement as a site in the expectation log.
// Errors (one Status, file:line:col): unknown call or name (with a "did you
// mean" suggestion), assigning to a constant, too many / missing / unknown /
// repeated arguments.
//
// Reading a variable that some statement assigns but that is unset when
// read is a run-time error (the interpreter reports it).
#ifndef AIOSIM_SCENARIOS_BINDER_H_
#define AIOSIM_SCENARIOS_BINDER_H_

#include <string>
#include <vector>

#include "scenarios/calls.h"
#include "scenarios/expectations.h"
#include "scenarios/scenario.h"
#include "sim/status.h"

namespace scenarios {

// Binds `process` (fills its programs' bindings and process->variables).
// `expects` may be nullptr (no sites are registered then).
sim::Status BindProcess(ProcessSpec* process, const CallRegistry& calls, ExpectLog* expects);

// The closest candidate within edit distance 2 (ties: the alphabetically
// first), or "".
std::string Suggest(const std::string& name, const std::vector<std::string>& candidates);

}  // namespace scenarios

#endif  // AIOSIM_SCENARIOS_BINDER_H_
