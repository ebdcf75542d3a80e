// The trace: every step of a run as a structured record, fed to sinks and
// folded into a running 64-bit hash.
//
// Promises:
// - A record is (time, sequence, task, kind, up to 6 integer values, an
//   optional text). Kinds are registered by name with field names; the hash
//   uses the kind's *name*, not its registration number, so two processes that
//   register kinds in different orders still agree.
// - Emit() costs a few nanoseconds when no sink is attached and records are
//   not kept: a hash update and a counter, inline. The record's words are
//   mixed pairwise with independent 64x64->128 multiplies (wyhash's "mum"),
//   so only one multiply per record sits on the hash's dependency chain.
//   Keeping records or writing sinks is opt-in.
// - The text and JSON-lines forms are stable: same run, same bytes. Values
//   beyond the kind's named fields print as v<index>; the text is escaped as a
//   JSON string in both forms, so one record is always one line.
// - The hash is the run's determinism fingerprint, printed at the end of
//   every run: same scenario, seed and flags => same hash, in every process.
//   Its formula is pinned by a golden value in tests/sim/trace_test.cc.
#ifndef AIOSIM_SIM_TRACE_H_
#define AIOSIM_SIM_TRACE_H_

#include <concepts>
#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sim/prng.h"
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

// A record's text with its hash. A string literal converts implicitly and
// is hashed at compile time (consteval), so constant texts on hot paths
// (who took a reference) cost no hashing per record; any other text converts
// from a string_view or string and is hashed when converted. The hash is
// HashName(text), the same value Emit always folded in: trace hashes do not
// depend on how the text was passed.
class TraceText {
 public:
  constexpr TraceText() = default;
  template <size_t N>
  consteval TraceText(const char (&s)[N])  // NOLINT: implicit on purpose
      : text_(s, std::char_traits<char>::length(s)), hash_(HashName(text_)) {}
  template <typename P>  // a char pointer that is not a literal: hashed here
    requires std::same_as<P, const char*> || std::same_as<P, char*>
  constexpr TraceText(P s) : TraceText(std::string_view(s)) {}  // NOLINT
  constexpr TraceText(std::string_view s) : text_(s), hash_(HashName(s)) {}  // NOLINT
  TraceText(const std::string& s) : TraceText(std::string_view(s)) {}    // NOLINT

  std::string_view text() const { return text_; }
  uint64_t hash() const { return hash_; }
  bool empty() const { return text_.empty(); }

 private:
  std::string_view text_;
  uint64_t hash_ = 0;
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

  // REQUIRES: values.size() <= TraceRecord::kMaxValues (else a Violation).
  void Emit(uint32_t kind, std::initializer_list<int64_t> values, const TraceText& text = {});

  uint64_t hash() const { return hash_; }
  uint64_t count() const { return count_; }

  void AddSink(std::unique_ptr<TraceSink> sink) {
    sinks_.push_back(std::move(sink));
    recording_ = true;
  }
  void Finish();
  void KeepRecords(bool keep) {
    keep_ = keep;
    recording_ = keep_ || !sinks_.empty();
  }
  const std::vector<TraceRecord>& records() const { return records_; }
  std::string_view Text(uint32_t id) const { return texts_[id]; }

  // The stable forms of one record.
  std::string FormatText(const TraceRecord& r) const;
  std::string FormatJson(const TraceRecord& r) const;

 private:
  [[noreturn]] void TooManyValues(uint32_t kind, size_t n) const;
  void Record(uint64_t seq, uint32_t kind, const uint64_t* values, size_t n, std::string_view text);

  std::vector<TraceKind> kinds_;
  std::vector<uint64_t> kind_hashes_;  // kinds_[i].name_hash, packed for Emit
  std::map<std::string, uint32_t, std::less<>> kind_ids_;
  std::vector<std::string> texts_;
  std::map<uint32_t, std::string> task_names_;
  std::vector<std::unique_ptr<TraceSink>> sinks_;
  std::vector<TraceRecord> records_;
  bool keep_ = false;
  bool recording_ = false;  // keep_ || !sinks_.empty()
  SimTime now_ = 0;
  uint32_t task_ = 0;
  uint64_t hash_;
  uint64_t count_ = 0;
};

namespace trace_internal {
// 64x64->128 multiply folded to 64 bits (wyhash's "mum").
inline uint64_t Mum(uint64_t a, uint64_t b) {
  const unsigned __int128 r = static_cast<unsigned __int128>(a) * b;
  return static_cast<uint64_t>(r) ^ static_cast<uint64_t>(r >> 64);
}
// One secret per word position of a record: position matters to the hash.
inline constexpr uint64_t kSecret[10] = {
    0xa0761d6478bd642full, 0xe7037ed1a0b428dbull, 0x8ebc6af09c88c6e3ull, 0x589965cc75374cc3ull,
    0x1d8e4e27c47d124full, 0x9e3779b97f4a7c15ull, 0xbf58476d1ce4e5b9ull, 0x94d049bb133111ebull,
    0xd6e8feb86659fd93ull, 0xc2b2ae3d27d4eb4full,
};
inline constexpr uint64_t kChain = 0x9fb21c651e98df25ull;
}  // namespace trace_internal

// A record is the words [time, kind name hash, task << 8 | nvalues,
// values..., text hash if there is a text], zero-padded to an even count; its
// digest is the XOR of Mum(word[2i] ^ secret[2i], word[2i+1] ^ secret[2i+1]);
// the running hash becomes Mum(hash ^ digest, kChain). Inline so that a call
// with a constant number of values unrolls (two multiplies for the digest of
// a one-value record).
inline void Trace::Emit(uint32_t kind, std::initializer_list<int64_t> values, const TraceText& text) {
  using trace_internal::kSecret;
  using trace_internal::Mum;
  const size_t n = values.size();
  if (n > TraceRecord::kMaxValues) [[unlikely]] TooManyValues(kind, n);
  // Only the words hashed are written: zero-filling the whole array cost
  // more than hashing a short record's words.
  // Up to 3 + kMaxValues + 1 words, and the pad after them.
  uint64_t w[TraceRecord::kMaxValues + 5];
  w[0] = static_cast<uint64_t>(now_);
  w[1] = kind_hashes_[kind];
  w[2] = (static_cast<uint64_t>(task_) << 8) | n;
  size_t m = 3;
  // Unrolled, so that the values go from registers to w (and to the hash):
  // as a loop, GCC made it a memcpy of 16-byte loads from the values' stack
  // array, which the core cannot forward from their 8-byte stores.
#pragma GCC unroll 8
  for (int64_t v : values) w[m++] = static_cast<uint64_t>(v);
  if (!text.empty()) w[m++] = text.hash();
  w[m] = 0;  // the pad, hashed when the count is odd
  uint64_t digest = 0;
  // Unrolled even at -O2: with the values' count known at the call site the
  // loop becomes straight-line multiplies.
#pragma GCC unroll 5
  for (size_t i = 0; i < m; i += 2) digest ^= Mum(w[i] ^ kSecret[i], w[i + 1] ^ kSecret[i + 1]);
  hash_ = Mum(hash_ ^ digest, trace_internal::kChain);
  const uint64_t seq = count_++;
  if (recording_) [[unlikely]] Record(seq, kind, w + 3, n, text.text());
}

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
