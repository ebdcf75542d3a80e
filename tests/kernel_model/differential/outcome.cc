#include "tests/kernel_model/differential/outcome.h"

#include <algorithm>
#include <cstring>
#include <sstream>

namespace diff {
namespace {

// "EINVAL" for 22 (glibc's table), or nullptr.
const char* ErrnoName(int e) { return strerrorname_np(e); }

const Deviation* FindDeviation(const std::vector<Deviation>& devs, const char* case_name,
                               const std::string& label) {
  for (const Deviation& d : devs)
    if (std::strcmp(d.case_name, case_name) == 0 && label == d.label) return &d;
  return nullptr;
}

std::string Pad(std::string s, size_t w) {
  if (s.size() < w) s.append(w - s.size(), ' ');
  return s;
}

std::string StatusLine(const char* side, const Outcome& o) {
  std::string s;
  if (!o.error.empty()) s += std::string("  ") + side + " error: " + o.error + "\n";
  if (o.aborted) s += std::string("  ") + side + " aborted: " + o.abort_reason + "\n";
  if (o.skipped) s += std::string("  ") + side + " skipped: " + o.skip_reason + "\n";
  return s;
}

}  // namespace

std::string FormatValue(int64_t v) {
  if (v < 0 && v >= -4095) {
    const char* n = ErrnoName(static_cast<int>(-v));
    if (n) return std::to_string(v) + " (" + n + ")";
  }
  return std::to_string(v);
}

Comparison Compare(const DiffCase& c, const Outcome& host, const Outcome& model,
                   const std::vector<Deviation>& deviations) {
  Comparison cmp;
  if (host.skipped && host.error.empty()) {
    cmp.verdict = Verdict::kSkipped;
    cmp.report = std::string("SKIPPED on the host: ") + c.name + ": " + host.skip_reason;
    return cmp;
  }
  bool ok =
      host.error.empty() && model.error.empty() && !model.skipped && host.aborted == model.aborted;
  size_t n = std::max(host.obs.size(), model.obs.size());
  std::ostringstream rows;
  for (size_t i = 0; i < n; ++i) {
    const Observation* h = i < host.obs.size() ? &host.obs[i] : nullptr;
    const Observation* m = i < model.obs.size() ? &model.obs[i] : nullptr;
    const std::string& label = h ? h->label : m->label;
    bool row_ok = h && m && h->label == m->label;
    const Deviation* dev = row_ok ? FindDeviation(deviations, c.name, label) : nullptr;
    std::string note;
    if (row_ok && dev) {
      row_ok = m->value == dev->model_value;
      if (row_ok) ++cmp.deviations_applied;
      note = row_ok ? "   (documented: " + std::string(dev->reason) + ")"
                    : "   <-- model differs from its documented value " +
                          FormatValue(dev->model_value);
    } else if (row_ok) {
      row_ok = h->value == m->value;
      if (!row_ok) note = "   <-- differs";
    } else {
      note = "   <-- differs (" + std::string(h ? "" : "missing on the host") +
             (m ? "" : "missing in the model") + (h && m ? "model label: " + m->label : "") + ")";
    }
    ok = ok && row_ok;
    rows << "  " << Pad(std::to_string(i), 4) << Pad(label, 56)
         << Pad(h ? FormatValue(h->value) : "-", 20) << Pad(m ? FormatValue(m->value) : "-", 20)
         << note << "\n";
  }
  if (ok) {
    cmp.verdict = cmp.deviations_applied ? Verdict::kMatchWithDeviations : Verdict::kMatch;
    if (cmp.deviations_applied)
      cmp.report = std::string("MATCH (with documented deviations): ") + c.name + "\n" + rows.str();
    return cmp;
  }
  cmp.verdict = Verdict::kMismatch;
  std::ostringstream r;
  r << "MISMATCH: " << c.name << "\n  spec: " << c.spec << "\n"
    << StatusLine("host", host) << StatusLine("model", model) << "  " << Pad("#", 4)
    << Pad("observation", 56) << Pad("host", 20) << Pad("model", 20) << "\n"
    << rows.str();
  cmp.report = r.str();
  return cmp;
}

}  // namespace diff
