// The case table of the AIO differential test: every case is a name, a
// plain-words specification (the steps and what is observed) and a body
// written against the neutral SysApi through a Kit. The same body runs on
// the host kernel and on the model; their observation lists must be equal,
// except where deviations.h documents a deliberate model difference.
//
// The table (cases.cc) covers the error cases of AIO_REFERENCE.md §1 that an
// unprivileged process can reproduce without disturbing the host, and the
// main success paths. Not covered, and why:
// - the aio-nr system quota (40000 then 30000): aio-nr is system-wide, so
//   the case would take most of the host's quota from everyone else;
// - IOPRIO_CLASS_RT without privilege -> EPERM: depends on who runs the test
//   (root on the build machines);
// - a negative io_getevents timeout (waits forever), signals (EINTR) and
//   the 0.81 s blocking destroy: need a second thread or real waiting;
// - a pty master (two wait queues -> EINVAL) and signalfd polls: the model
//   has neither file.
#ifndef AIOSIM_TESTS_KERNEL_MODEL_DIFFERENTIAL_CASES_H_
#define AIOSIM_TESTS_KERNEL_MODEL_DIFFERENTIAL_CASES_H_

#include <vector>

#include "tests/kernel_model/differential/sys_api.h"

namespace diff {

class Kit;  // case_kit.h

struct DiffCase {
  const char* name;  // unique
  const char* spec;  // steps and observations, in words
  void (*body)(Kit& k);
};

const std::vector<DiffCase>& AllCases();

// Runs c's body against sys, recording into obs. Throws CaseSkipped or
// CaseAborted as the body does. (A separate entry point so that the model
// side never includes <linux/aio_abi.h>, whose macros collide with the
// model's own ABI constants.)
void RunCase(const DiffCase& c, SysApi& sys, Obs& obs);

}  // namespace diff

#endif  // AIOSIM_TESTS_KERNEL_MODEL_DIFFERENTIAL_CASES_H_
