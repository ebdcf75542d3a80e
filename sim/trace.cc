#include "sim/trace.h"

#include <cinttypes>
#include <cstdlib>

#include "sim/check.h"
#include "sim/prng.h"

namespace sim {

// texts_[0] means "no text"; texts_[1] is the scratch slot for records that
// go to sinks only; kept records' texts start at 2.
Trace::Trace() : hash_(0x6a09e667f3bcc908ull) {
  kinds_.push_back(TraceKind{"<none>", {}, HashName("<none>")});
  kind_hashes_.push_back(kinds_.back().name_hash);
  texts_.emplace_back();
  texts_.emplace_back();
}

uint32_t Trace::Kind(std::string_view name, std::initializer_list<std::string_view> fields) {
  auto it = kind_ids_.find(name);
  if (it != kind_ids_.end()) {
    const TraceKind& k = kinds_[it->second];
    bool same = k.fields.size() == fields.size();
    size_t i = 0;
    for (auto f : fields) same = same && k.fields[i++] == f;
    SIM_CHECK(same) << "trace kind " << name << " re-registered with other fields";
    return it->second;
  }
  SIM_CHECK(fields.size() <= TraceRecord::kMaxValues) << "trace kind " << name << " has too many fields";
  TraceKind k;
  k.name = std::string(name);
  for (auto f : fields) k.fields.emplace_back(f);
  k.name_hash = HashName(name);
  kind_hashes_.push_back(k.name_hash);
  kinds_.push_back(std::move(k));
  uint32_t id = static_cast<uint32_t>(kinds_.size() - 1);
  kind_ids_.emplace(std::string(name), id);
  return id;
}

void Trace::SetTaskName(uint32_t task, std::string name) { task_names_[task] = std::move(name); }

std::string_view Trace::TaskName(uint32_t task) const {
  auto it = task_names_.find(task);
  if (it != task_names_.end()) return it->second;
  return task == 0 ? std::string_view("irq") : std::string_view("?");
}

void Trace::TooManyValues(uint32_t kind, size_t n) const {
  SIM_CHECK(n <= TraceRecord::kMaxValues)
      << "trace record of kind " << kinds_[kind].name << " with " << n << " values (at most "
      << TraceRecord::kMaxValues << ")";
  std::abort();  // unreachable: the check above throws
}

void Trace::Record(uint64_t seq, uint32_t kind, const uint64_t* values, size_t n, std::string_view text) {
  TraceRecord r;
  r.time = now_;
  r.seq = seq;
  r.task = task_;
  r.kind = kind;
  for (size_t i = 0; i < n; ++i) r.values[r.nvalues++] = static_cast<int64_t>(values[i]);
  if (!text.empty()) {
    if (keep_) {
      texts_.emplace_back(text);
      r.text = static_cast<uint32_t>(texts_.size() - 1);
    } else {  // sinks only: the scratch slot, overwritten each time
      texts_[1].assign(text);
      r.text = 1;
    }
  }
  for (auto& s : sinks_) s->Write(*this, r);
  if (keep_) records_.push_back(r);
}

void Trace::Finish() {
  for (auto& s : sinks_) s->Finish(*this);
}

std::string Trace::FormatText(const TraceRecord& r) const {
  const TraceKind& k = kinds_[r.kind];
  char head[64];
  std::snprintf(head, sizeof head, "%14" PRId64 " ", r.time);
  std::string out = head;
  out += TaskName(r.task);
  out += ' ';
  out += k.name;
  for (int i = 0; i < r.nvalues; ++i) {
    out += ' ';
    out += i < static_cast<int>(k.fields.size()) ? k.fields[i] : "v" + std::to_string(i);
    out += '=';
    out += std::to_string(r.values[i]);
  }
  if (r.text) {
    out += ' ';
    AppendJsonString(&out, texts_[r.text]);
  }
  return out;
}

void AppendJsonString(std::string* out, std::string_view s) {
  out->push_back('"');
  for (char c : s) {
    switch (c) {
      case '"':
        *out += "\\\"";
        break;
      case '\\':
        *out += "\\\\";
        break;
      case '\n':
        *out += "\\n";
        break;
      case '\t':
        *out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          *out += buf;
        } else {
          out->push_back(c);
        }
    }
  }
  out->push_back('"');
}

std::string Trace::FormatJson(const TraceRecord& r) const {
  const TraceKind& k = kinds_[r.kind];
  std::string out = "{\"t\":" + std::to_string(r.time) + ",\"seq\":" + std::to_string(r.seq) +
                    ",\"task\":";
  AppendJsonString(&out, TaskName(r.task));
  out += ",\"kind\":";
  AppendJsonString(&out, k.name);
  for (int i = 0; i < r.nvalues; ++i) {
    out += ',';
    AppendJsonString(&out, i < static_cast<int>(k.fields.size()) ? k.fields[i] : "v" + std::to_string(i));
    out += ':';
    out += std::to_string(r.values[i]);
  }
  if (r.text) {
    out += ",\"text\":";
    AppendJsonString(&out, texts_[r.text]);
  }
  out += '}';
  return out;
}

void JsonLinesSink::Write(const Trace& trace, const TraceRecord& r) {
  std::string line = trace.FormatJson(r);
  line += '\n';
  std::fwrite(line.data(), 1, line.size(), out_);
}

void JsonLinesSink::Finish(const Trace& trace) {
  std::fprintf(out_, "{\"kind\":\"end\",\"records\":%" PRIu64 ",\"hash\":\"%016" PRIx64 "\"}\n",
               trace.count(), trace.hash());
  std::fflush(out_);
}

void TextSink::Write(const Trace& trace, const TraceRecord& r) {
  std::string line = trace.FormatText(r);
  line += '\n';
  std::fwrite(line.data(), 1, line.size(), out_);
}

void TextSink::Finish(const Trace& trace) {
  std::fprintf(out_, "end records=%" PRIu64 " hash=%016" PRIx64 "\n", trace.count(), trace.hash());
  std::fflush(out_);
}

}  // namespace sim
