// Report sections: the extra, structured parts of a run report that
// extensions add (device statistics, latency percentiles, kernel counters).
// Each section renders both as text and as a JSON object, in insertion
// order (never sorted by address or hash).
//
//   ReportSection& dev = report.Section("device sda");
//   dev.Int("reads", 120).Time("latency_p99", 2 * sim::kMillisecond);
//   dev.Child("queue").Int("depth_max", 32);
//
// Text:  device sda:            JSON: "device sda": {"reads": 120,
//          reads: 120                  "latency_p99_ns": 2000000,
//          latency_p99: 2.000000ms     "queue": {"depth_max": 32}}
//          queue:
//            depth_max: 32
// Time() keys get "_ns" appended in JSON (units last).
#ifndef AIOSIM_SCENARIOS_REPORT_SECTION_H_
#define AIOSIM_SCENARIOS_REPORT_SECTION_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sim/time.h"

namespace scenarios {

class ReportSection {
 public:
  enum class Kind : uint8_t { kInt, kText, kTime, kChild };
  struct Entry {
    Kind kind;
    std::string key;
    int64_t number = 0;
    std::string text;
    std::unique_ptr<ReportSection> child;
  };

  explicit ReportSection(std::string title) : title_(std::move(title)) {}

  ReportSection& Int(std::string key, int64_t value);
  ReportSection& Text(std::string key, std::string value);
  ReportSection& Time(std::string key, sim::SimTime value);
  // A nested section (returned for filling).
  ReportSection& Child(std::string title);

  const std::string& title() const { return title_; }
  const std::vector<Entry>& entries() const { return entries_; }

  // Appends the indented text form ("title:\n  key: value\n").
  void AppendText(std::string* out, int indent) const;
  // Appends `"title": {...}` JSON members' object body ({...} only).
  void AppendJson(std::string* out) const;

 private:
  std::string title_;
  std::vector<Entry> entries_;
};

// Handed to Extension::Report: the sections of one run report.
class ReportBuilder {
 public:
  ReportSection& Section(std::string title);
  const std::vector<std::unique_ptr<ReportSection>>& sections() const { return sections_; }
  std::vector<std::unique_ptr<ReportSection>> TakeSections() { return std::move(sections_); }

 private:
  std::vector<std::unique_ptr<ReportSection>> sections_;
};

}  // namespace scenarios

#endif  // AIOSIM_SCENARIOS_REPORT_SECTION_H_
