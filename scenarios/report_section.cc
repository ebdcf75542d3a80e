#include "scenarios/report_section.h"

#include "sim/trace.h"

namespace scenarios {

ReportSection& ReportSection::Int(std::string key, int64_t value) {
  entries_.push_back(Entry{Kind::kInt, std::move(key), value, {}, nullptr});
  return *this;
}

ReportSection& ReportSection::Text(std::string key, std::string value) {
  entries_.push_back(Entry{Kind::kText, std::move(key), 0, std::move(value), nullptr});
  return *this;
}

ReportSection& ReportSection::Time(std::string key, sim::SimTime value) {
  entries_.push_back(Entry{Kind::kTime, std::move(key), value, {}, nullptr});
  return *this;
}

ReportSection& ReportSection::Child(std::string title) {
  auto child = std::make_unique<ReportSection>(title);
  ReportSection* raw = child.get();
  entries_.push_back(Entry{Kind::kChild, std::move(title), 0, {}, std::move(child)});
  return *raw;
}

void ReportSection::AppendText(std::string* out, int indent) const {
  out->append(static_cast<size_t>(indent), ' ');
  *out += title_ + ":\n";
  for (const Entry& e : entries_) {
    if (e.kind == Kind::kChild) {
      e.child->AppendText(out, indent + 2);
      continue;
    }
    out->append(static_cast<size_t>(indent + 2), ' ');
    *out += e.key + ": ";
    switch (e.kind) {
      case Kind::kInt:
        *out += std::to_string(e.number);
        break;
      case Kind::kText:
        *out += e.text;
        break;
      case Kind::kTime:
        *out += sim::FormatTime(e.number);
        break;
      case Kind::kChild:
        break;
    }
    *out += '\n';
  }
}

void ReportSection::AppendJson(std::string* out) const {
  *out += '{';
  bool first = true;
  for (const Entry& e : entries_) {
    if (!first) *out += ',';
    first = false;
    sim::AppendJsonString(out, e.kind == Kind::kTime ? e.key + "_ns" : e.key);
    *out += ':';
    switch (e.kind) {
      case Kind::kInt:
      case Kind::kTime:
        *out += std::to_string(e.number);
        break;
      case Kind::kText:
        sim::AppendJsonString(out, e.text);
        break;
      case Kind::kChild:
        e.child->AppendJson(out);
        break;
    }
  }
  *out += '}';
}

ReportSection& ReportBuilder::Section(std::string title) {
  sections_.push_back(std::make_unique<ReportSection>(std::move(title)));
  return *sections_.back();
}

}  // namespace scenarios
