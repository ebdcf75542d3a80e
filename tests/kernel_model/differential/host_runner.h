// The host side of the differential test: runs a case against the real
// kernel with raw syscalls (no libaio), in a forked child so that a hang or
// a crash cannot take the test down.
//
// Contract:
// - HostAioUnavailable() probes io_setup(1)/io_destroy in a child; it
//   returns "" when host AIO works, else one line saying why ("io_setup
//   failed: ENOSYS", "killed by signal 31 (seccomp?)").
// - RunOnHost() forks; the child pins itself to one CPU (so per-CPU slot
//   batching is deterministic), arms alarm(time_limit_s), runs the case
//   and streams each observation to the parent through a pipe as it is
//   made. A child that dies or times out yields Outcome::error with the
//   observations it sent so far.
// - Regular files live in $TEST_TMPDIR (else /tmp) and are unlinked at once.
// - The host facts (possible CPUs, aio-max-nr) are read from /sys and /proc.
#ifndef AIOSIM_TESTS_KERNEL_MODEL_DIFFERENTIAL_HOST_RUNNER_H_
#define AIOSIM_TESTS_KERNEL_MODEL_DIFFERENTIAL_HOST_RUNNER_H_

#include <string>

#include "tests/kernel_model/differential/cases.h"
#include "tests/kernel_model/differential/outcome.h"

namespace diff {

std::string HostAioUnavailable();
unsigned HostPossibleCpus();
unsigned long HostAioMaxNr();
// Where the host side's regular files live and that file system's type
// ("/tmp (ext4)"), for reports: some cases depend on the file system.
std::string HostScratchDir();
Outcome RunOnHost(const DiffCase& c, unsigned time_limit_s = 30);

}  // namespace diff

#endif  // AIOSIM_TESTS_KERNEL_MODEL_DIFFERENTIAL_HOST_RUNNER_H_
