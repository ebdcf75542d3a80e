// The trace: every step of a run as a structured record, fed to sinks and
// folded into a running 64-bit hash.
//
// Promises:
// - A record is (time, sequence, task, kind, up to 6 integer values, an
//   optional text). Kinds are registered by name with field names; the hash
//   uses the kind's *name*, not its registration number, so two processes that
//   register kinds in different orders still agree.
// - Emit() costs a few nanoseconds when no sink is attached and records are
//   not kept: a hash update and a counter. Keeping records or writing sinks is
//   opt-in.
// - The text and JSON-lines forms are stable: same run, same bytes.
// - The hash is the run's determinism fingerprint, printed at the end of
//   every run: same scenario, seed and flags => same hash, in every process.
#ifndef AIOSIM_SIM_TRACE_H_
#define AIOSIM_SIM_TRACE_H_

#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sim/time.h"

namespace sim {

struct TraceRecord {
  static constexpr int kMaxValues = 6;
  SimTime time = 0;
  uint64_t seq = 0;   // position in the trace, from 0
  uint32_t task = 0;  // 0: interrupt/event context; else the fiber id
  uint32_t kind = 0;
  uint32_t text = 0;  // 0: none; else index into the trace's text table
  uint8_t nvalues = 0;
  int64_t values[kMaxValues] = {};
};

struct TraceKind {
  std::string name;
  std::vector<std::string> fields;
  uint64_t name_hash = 0;
};

class Trace;

class TraceSink {
 public:
  virtual ~TraceSink() = default;
  virtual void Write(const Trace& trace, const TraceRecord& r) = 0;
  virtual void Finish(const Trace& trace) {}
};

class Trace {
 public:
  Trace();

  // Registers (or finds) a kind. Idempotent by name; fields must then match.
  uint32_t Kind(std::string_view name, std::initializer_list<std::string_view> fields);
  const TraceKind& kind(uint32_t id) const { return kinds_[id]; }

  // The scheduler keeps these current; Emit() stamps them on each record.
  void SetNow(SimTime now) { now_ = now; }
  void SetTask(uint32_t task) { task_ = task; }
  SimTime now() const { return now_; }
  void SetTaskName(uint32_t task, std::string name);
  std::string_view TaskName(uint32_t task) const;

  void Emit(uint32_t kind, std::initializer_list<int64_t> values, std::string_view text = {});

  uint64_t hash() const { return hash_; }
  uint64_t count() const { return count_; }

  void AddSink(std::unique_ptr<TraceSink> sink) { sinks_.push_back(std::move(sink)); }
  void Finish();
  void KeepRecords(bool keep) { keep_ = keep; }
  const std::vector<TraceRecord>& records() const { return records_; }
  std::string_view Text(uint32_t id) const { return texts_[id]; }

  // The stable forms of one record.
  std::string FormatText(const TraceRecord& r) const;
  std::string FormatJson(const TraceRecord& r) const;

 private:
  std::vector<TraceKind> kinds_;
  std::map<std::string, uint32_t, std::less<>> kind_ids_;
  std::vector<std::string> texts_;
  std::map<uint32_t, std::string> task_names_;
  std::vector<std::unique_ptr<TraceSink>> sinks_;
  std::vector<TraceRecord> records_;
  bool keep_ = false;
  SimTime now_ = 0;
  uint32_t task_ = 0;
  uint64_t hash_;
  uint64_t count_ = 0;
};

// Writes one JSON object per line.
class JsonLinesSink : public TraceSink {
 public:
  explicit JsonLinesSink(std::FILE* out) : out_(out) {}
  void Write(const Trace& trace, const TraceRecord& r) override;
  void Finish(const Trace& trace) override;

 private:
  std::FILE* out_;
};

// Writes the stable text form, one record per line.
class TextSink : public TraceSink {
 public:
  explicit TextSink(std::FILE* out) : out_(out) {}
  void Write(const Trace& trace, const TraceRecord& r) override;
  void Finish(const Trace& trace) override;

 private:
  std::FILE* out_;
};

// Appends JSON-string escaping of s to out.
void AppendJsonString(std::string* out, std::string_view s);

}  // namespace sim

#endif  // AIOSIM_SIM_TRACE_H_
