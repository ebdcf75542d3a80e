#include "tests/kernel_model/differential/deviations.h"

namespace diff {

// Empty today, and on purpose: every difference the model documents is
// either invisible to these cases or was closed. In particular the model
// keeps reqs_available per CPU with the kernel's batching (aio_types.h:
// "reqs_available is modelled exactly, per-CPU batches included"), so
// io_setup(1) admits 120 requests as the pinned host child does, not the 126
// a single global counter would; the locks, RCU and percpu_ref
// simplifications listed there change no return value or event. Add an
// entry only for a difference the model's own header documents, quoting it.
const std::vector<Deviation>& Deviations() {
  static const std::vector<Deviation> kTable = {
      // {case name, observation label, model value, reason}
  };
  return kTable;
}

}  // namespace diff
