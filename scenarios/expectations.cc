#include "scenarios/expectations.h"

#include <utility>

namespace scenarios {

int ExpectLog::AddSite(std::string file, SourcePos pos, std::string source, std::string thread) {
  ExpectSite s;
  s.file = std::move(file);
  s.pos = pos;
  s.source = std::move(source);
  s.thread = std::move(thread);
  sites_.push_back(std::move(s));
  return static_cast<int>(sites_.size() - 1);
}

int ExpectLog::FindOrAddSite(const std::string& file, SourcePos pos, const std::string& source,
                             const std::string& thread) {
  for (size_t i = 0; i < sites_.size(); ++i) {
    const ExpectSite& s = sites_[i];
    if (s.file == file && s.pos.line == pos.line && s.pos.col == pos.col) return static_cast<int>(i);
  }
  return AddSite(file, pos, source, thread);
}

void ExpectLog::Record(int site, bool pass, sim::SimTime time, const std::string& thread,
                       std::string message) {
  ExpectSite& s = sites_.at(static_cast<size_t>(site));
  if (pass) {
    ++s.passes;
    return;
  }
  ++s.failures;
  if (s.failures_kept.size() < kKeptFailures) {
    s.failures_kept.push_back(ExpectFailure{time, thread, std::move(message)});
  }
}

uint64_t ExpectLog::failures() const {
  uint64_t n = 0;
  for (const ExpectSite& s : sites_) n += s.failures;
  return n;
}

}  // namespace scenarios
