#include "scenarios/report.h"

#include <cinttypes>
#include <cstdio>

#include "scenarios/version.h"
#include "sim/trace.h"

namespace scenarios {

namespace {

std::string Where(const std::string& file, SourcePos pos) {
  if (pos.line <= 0) return file;
  return file + ":" + FormatPos(pos);
}

// Re-indents compact JSON (no whitespace outside strings) two spaces per
// level; arrays and objects with no members stay "[]" / "{}".
std::string Indent(const std::string& compact) {
  std::string out;
  int depth = 0;
  bool in_string = false;
  auto newline = [&] {
    out += '\n';
    out.append(static_cast<size_t>(depth) * 2, ' ');
  };
  for (size_t i = 0; i < compact.size(); ++i) {
    const char c = compact[i];
    if (in_string) {
      out += c;
      if (c == '\\' && i + 1 < compact.size()) {
        out += compact[++i];
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    switch (c) {
      case '"':
        in_string = true;
        out += c;
        break;
      case '{':
      case '[': {
        const char close = c == '{' ? '}' : ']';
        if (i + 1 < compact.size() && compact[i + 1] == close) {
          out += c;
          out += close;
          ++i;
          break;
        }
        out += c;
        ++depth;
        newline();
        break;
      }
      case '}':
      case ']':
        --depth;
        newline();
        out += c;
        break;
      case ',':
        out += c;
        newline();
        break;
      case ':':
        out += ": ";
        break;
      default:
        out += c;
    }
  }
  out += '\n';
  return out;
}

void Key(std::string* out, const char* key) {
  sim::AppendJsonString(out, key);
  *out += ':';
}

void Str(std::string* out, const char* key, const std::string& v) {
  Key(out, key);
  sim::AppendJsonString(out, v);
  *out += ',';
}

void Num(std::string* out, const char* key, int64_t v) {
  Key(out, key);
  *out += std::to_string(v);
  *out += ',';
}

void UNum(std::string* out, const char* key, uint64_t v) {
  Key(out, key);
  *out += std::to_string(v);
  *out += ',';
}

void Bool(std::string* out, const char* key, bool v) {
  Key(out, key);
  *out += v ? "true" : "false";
  *out += ',';
}

// Replaces a trailing ',' with `close`.
void Close(std::string* out, char close) {
  if (!out->empty() && out->back() == ',') out->pop_back();
  *out += close;
}

enum class SiteState { kPassed, kFailed, kNotReached };
SiteState StateOf(const ExpectSite& s) {
  if (s.failures > 0) return SiteState::kFailed;
  return s.passes > 0 ? SiteState::kPassed : SiteState::kNotReached;
}

}  // namespace

std::string HashHex(uint64_t hash) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%016" PRIx64, hash);
  return buf;
}

uint64_t RunReport::expectations_passed() const {
  uint64_t n = 0;
  for (const ExpectSite& s : program_expectations) n += StateOf(s) == SiteState::kPassed ? 1 : 0;
  for (const EndExpectationResult& e : end_expectations) n += e.passed ? 1 : 0;
  return n;
}

uint64_t RunReport::expectations_failed() const {
  uint64_t n = 0;
  for (const ExpectSite& s : program_expectations) n += StateOf(s) == SiteState::kFailed ? 1 : 0;
  for (const EndExpectationResult& e : end_expectations) n += e.passed ? 0 : 1;
  return n;
}

uint64_t RunReport::expectations_not_reached() const {
  uint64_t n = 0;
  for (const ExpectSite& s : program_expectations) n += StateOf(s) == SiteState::kNotReached ? 1 : 0;
  return n;
}

bool RunReport::passed() const { return expectations_failed() == 0; }

std::string FormatTextReport(const RunReport& r) {
  std::string out;
  out += "scenario: " + r.scenario + "\n";
  out += "seed: " + std::to_string(r.seed) + "   design: " + r.design + "   chooser: " + r.chooser + "\n";
  out += "status: " + r.status;
  if (!r.stop_reason.empty() && r.status != "idle" && r.status != "deadlock")
    out += " (" + r.stop_reason + ")";
  out += "\n";
  out += "end time: " + sim::FormatTime(r.end_time_ns) + " (" + std::to_string(r.end_time_ns) + " ns)\n";
  out += "events: " + std::to_string(r.events) + "   trace records: " + std::to_string(r.trace_records) +
         "   decisions: " + std::to_string(r.decisions) + "\n";

  if (!r.output.empty()) {
    out += "\noutput:\n";
    for (const OutputLine& l : r.output) {
      out += "  [" + sim::FormatTime(l.time) + "] " + l.thread + ": " + l.text + "\n";
    }
  }

  out += "\nexpectations: " + std::to_string(r.expectations_passed()) + " passed, " +
         std::to_string(r.expectations_failed()) + " failed, " +
         std::to_string(r.expectations_not_reached()) + " not reached\n";
  for (const ExpectSite& s : r.program_expectations) {
    const SiteState st = StateOf(s);
    const char* tag = st == SiteState::kPassed   ? "  ok    "
                      : st == SiteState::kFailed ? "  FAIL  "
                                                 : "  --    ";
    out += tag + Where(s.file, s.pos) + "  " + s.source;
    if (st == SiteState::kNotReached) {
      out += "  (not reached)";
    } else if (s.passes + s.failures > 1) {
      out += "  (" + std::to_string(s.passes) + " passed, " + std::to_string(s.failures) + " failed)";
    }
    out += "\n";
    for (const ExpectFailure& f : s.failures_kept) {
      out += "        " + f.message + "  [at " + sim::FormatTime(f.time) + " in " + f.thread + "]\n";
    }
    if (s.failures > s.failures_kept.size()) {
      out += "        ... and " + std::to_string(s.failures - s.failures_kept.size()) + " more failures\n";
    }
  }
  for (const EndExpectationResult& e : r.end_expectations) {
    out += (e.passed ? "  ok    " : "  FAIL  ") + Where(e.file, e.pos) + "  [expect] " + e.source + "\n";
    if (!e.passed) out += "        " + e.message + "\n";
  }

  if (r.violations.empty()) {
    out += "violations: none\n";
  } else {
    out += "violations: " + std::to_string(r.violations.size()) + "\n";
    for (const sim::ViolationReport& v : r.violations) {
      out += "  at " + sim::FormatTime(v.time) + " (trace record " + std::to_string(v.trace_position) +
             ") in " + v.task + ": " + v.message + "\n";
    }
  }
  if (!r.blocked.empty()) {
    out += "deadlock: " + std::to_string(r.blocked.size()) + " threads blocked\n";
    for (const sim::BlockedFiber& b : r.blocked) {
      out += "  " + b.name + " waits on \"" + b.waits_on + "\" since " + sim::FormatTime(b.since) + "\n";
    }
  }
  for (const auto& section : r.sections) {
    out += "\n";
    section->AppendText(&out, 0);
  }
  out += "\nresult: ";
  out += r.passed() ? "PASS\n" : "FAIL\n";
  if (!r.passed()) out += "replay: " + r.replay + "\n";
  out += "trace hash: " + HashHex(r.trace_hash) + "\n";
  return out;
}

std::string FormatJsonReport(const RunReport& r) {
  std::string o = "{";
  Str(&o, "aiosim_version", std::string(kAiosimVersion));
  Str(&o, "scenario", r.scenario);
  UNum(&o, "seed", r.seed);
  Str(&o, "design", r.design);
  Str(&o, "chooser", r.chooser);
  Str(&o, "status", r.status);
  Str(&o, "stop_reason", r.stop_reason);
  Bool(&o, "passed", r.passed());
  Num(&o, "end_time_ns", r.end_time_ns);
  Str(&o, "end_time", sim::FormatTime(r.end_time_ns));
  UNum(&o, "events", r.events);
  Str(&o, "trace_hash", HashHex(r.trace_hash));
  UNum(&o, "trace_records", r.trace_records);
  UNum(&o, "decisions", r.decisions);

  Key(&o, "expectations");
  o += '[';
  for (const ExpectSite& s : r.program_expectations) {
    const SiteState st = StateOf(s);
    o += '{';
    Str(&o, "kind", "program");
    Str(&o, "file", s.file);
    Num(&o, "line", s.pos.line);
    Num(&o, "col", s.pos.col);
    Str(&o, "source", s.source);
    Str(&o, "thread", s.thread);
    Bool(&o, "passed", st != SiteState::kFailed);
    Bool(&o, "reached", st != SiteState::kNotReached);
    UNum(&o, "passes", s.passes);
    UNum(&o, "failures", s.failures);
    Str(&o, "message", s.failures_kept.empty() ? std::string() : s.failures_kept.front().message);
    Key(&o, "failed_at");
    o += '[';
    for (const ExpectFailure& f : s.failures_kept) {
      o += '{';
      Num(&o, "time_ns", f.time);
      Str(&o, "thread", f.thread);
      Str(&o, "message", f.message);
      Close(&o, '}');
      o += ',';
    }
    Close(&o, ']');
    Close(&o, '}');
    o += ',';
  }
  for (const EndExpectationResult& e : r.end_expectations) {
    o += '{';
    Str(&o, "kind", "end");
    Str(&o, "key", e.key);
    Str(&o, "file", e.file);
    Num(&o, "line", e.pos.line);
    Num(&o, "col", e.pos.col);
    Str(&o, "source", e.source);
    Bool(&o, "passed", e.passed);
    Bool(&o, "reached", true);
    Str(&o, "message", e.message);
    Close(&o, '}');
    o += ',';
  }
  Close(&o, ']');
  o += ',';

  Key(&o, "violations");
  o += '[';
  for (const sim::ViolationReport& v : r.violations) {
    o += '{';
    Str(&o, "message", v.message);
    Num(&o, "time_ns", v.time);
    UNum(&o, "trace_position", v.trace_position);
    Str(&o, "task", v.task);
    Close(&o, '}');
    o += ',';
  }
  Close(&o, ']');
  o += ',';

  Key(&o, "deadlock");
  o += '[';
  for (const sim::BlockedFiber& b : r.blocked) {
    o += '{';
    Str(&o, "thread", b.name);
    Str(&o, "waits_on", b.waits_on);
    Num(&o, "since_ns", b.since);
    Close(&o, '}');
    o += ',';
  }
  Close(&o, ']');
  o += ',';

  Key(&o, "output");
  o += '[';
  for (const OutputLine& l : r.output) {
    o += '{';
    Num(&o, "time_ns", l.time);
    Str(&o, "thread", l.thread);
    Str(&o, "text", l.text);
    Close(&o, '}');
    o += ',';
  }
  Close(&o, ']');
  o += ',';

  Key(&o, "sections");
  o += '{';
  for (const auto& s : r.sections) {
    sim::AppendJsonString(&o, s->title());
    o += ':';
    s->AppendJson(&o);
    o += ',';
  }
  Close(&o, '}');
  o += ',';
  Str(&o, "replay", r.replay);
  Close(&o, '}');
  return Indent(o);
}

}  // namespace scenarios
