// Media: the bytes of one device, as a sparse store of 512-byte sectors.
//
// Two layers:
// - persisted: what survives a power cut;
// - volatile: the model's write cache; reads see it first; Flush() moves it
//   to persisted; DropVolatile() (a power cut) throws it away.
// Sectors never written read as a deterministic pattern derived from
// (device name hash, sector, byte offset), so a data check tells a missing
// write from a stale one. Storage is 4 KiB chunks: persisted ones in a hash
// table by chunk number (one probe per chunk on the hot path; never
// iterated), volatile ones in an ordered map (Flush and ForEachVolatileExtent
// walk it by sector number, never by address).
//
// The timed paths (Read, Write, Flush, Discard) are called by device models at
// the instant a completion is delivered. The Setup*/Peek* helpers are for
// building initial contents and for checks; they take no virtual time and
// write straight to persisted media (dropping any volatile copy).
//
// All ranges REQUIRE sector + sectors <= capacity_sectors() (SIM_CHECK).
#ifndef AIOSIM_DEVICES_MEDIA_H_
#define AIOSIM_DEVICES_MEDIA_H_

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string_view>

#include "devices/chunk_table.h"

namespace devices {

class Media {
 public:
  Media(std::string_view device_name, uint64_t capacity_sectors);
  Media(const Media&) = delete;
  Media& operator=(const Media&) = delete;

  uint64_t capacity_sectors() const { return capacity_sectors_; }
  uint64_t pattern_seed() const { return pattern_seed_; }

  // --- timed paths (device models) ---
  // Volatile first, then persisted, then the pattern.
  void Read(uint64_t sector, uint32_t sectors, uint8_t* dst) const;
  // Hints to the host for the copy a read makes when it completes, changing
  // nothing else. The copy comes many requests after the read is accepted;
  // from a random place in a large medium its 64 cache lines would each
  // wait for DRAM. ModelDevice spreads the fetching over the completions
  // before it (model_device.h):
  // - PrefetchIndexForRead, when a device accepts the read: the chunk
  //   table's slot for it, so that ChunkForPrefetch later finds it in cache;
  // - ChunkForPrefetch: the persisted bytes the read will copy from, or
  //   nullptr (a read of the pattern or the volatile layer). For hints
  //   only: a write or discard before the read may free the chunk, and a
  //   prefetch of a stale address is harmless, where a copy would not be;
  // - PrefetchSlice: lines [slice * kSliceLines, +kSliceLines) into L2.
  static constexpr uint32_t kSliceLines = 8;
  static constexpr uint32_t kSlices = ChunkTable::kBytes / (kSliceLines * 64);
  void PrefetchIndexForRead(uint64_t sector) const { persisted_.PrefetchSlot(sector / kChunkSectors); }
  const uint8_t* ChunkForPrefetch(uint64_t sector) const { return persisted_.Find(sector / kChunkSectors); }
  static void PrefetchSlice(const uint8_t* chunk, uint32_t slice) {
    const uint8_t* p = chunk + slice * kSliceLines * kCacheLine;
    // asm: GCC 12 deletes a loop of __builtin_prefetch in some contexts
    // (docs/performance.md, AIO round 5).
#pragma GCC unroll 8
    for (uint32_t line = 0; line < kSliceLines; ++line) {
      asm volatile("prefetcht2 %0" : : "m"(p[line * kCacheLine]));
    }
  }
  // to_volatile: into the write cache; else persisted (and any volatile copy
  // of those sectors is dropped, as a FUA write supersedes it).
  void Write(uint64_t sector, uint32_t sectors, const uint8_t* src, bool to_volatile);
  // The range reads back as the pattern again (persisted and volatile).
  void Discard(uint64_t sector, uint32_t sectors);
  // Moves every volatile sector to persisted. Returns how many moved.
  uint64_t Flush();
  // A power cut: forgets the volatile layer. Returns how many sectors were lost.
  uint64_t DropVolatile();
  uint64_t volatile_sectors() const { return volatile_sectors_; }
  // Maximal runs of volatile sectors, in sector order: fn(first, count).
  void ForEachVolatileExtent(const std::function<void(uint64_t, uint64_t)>& fn) const;

  // --- setup and checks (no virtual time) ---
  void SetupWrite(uint64_t sector, std::span<const uint8_t> bytes);  // size a multiple of 512
  void SetupWriteBytes(uint64_t byte_offset, std::span<const uint8_t> bytes);
  void ReadBytes(uint64_t byte_offset, std::span<uint8_t> out) const;  // as Read sees it
  void PeekPersisted(uint64_t sector, uint32_t sectors, uint8_t* dst) const;
  // The never-written contents of a range.
  void FillPattern(uint64_t sector, uint32_t sectors, uint8_t* dst) const;
  static uint8_t PatternByte(uint64_t seed, uint64_t sector, uint32_t offset);

 private:
  static constexpr uint32_t kChunkSectors = 8;
  static constexpr uint32_t kCacheLine = 64;
  // Calls fn(s, chunk, first, n) for each within-chunk piece of a range
  // (media.cc; used there only).
  template <typename Fn>
  static void ForEachChunkSpan(uint64_t sector, uint32_t sectors, Fn&& fn);
  static constexpr uint32_t kChunkBytes = kChunkSectors * 512;
  using Bytes = std::array<uint8_t, kChunkBytes>;
  struct VolatileChunk {
    Bytes data;
    uint8_t present = 0;  // bit i: sector i of the chunk is cached
  };

  static_assert(kChunkBytes == ChunkTable::kBytes);
  static_assert(kSlices * kSliceLines * kCacheLine == kChunkBytes);

  // A violation unless [sector, sector + sectors) is within the capacity.
  // The test is inline (every read and write asks), the report out of line.
  void CheckRange(uint64_t sector, uint64_t sectors, const char* what) const {
    if (sector <= capacity_sectors_ && sectors <= capacity_sectors_ - sector) [[likely]] return;
    ReportOutOfRange(sector, sectors, what);
  }
  [[gnu::cold, gnu::noinline]] void ReportOutOfRange(uint64_t sector, uint64_t sectors,
                                                     const char* what) const;
  // The chunk's persisted bytes, created from the pattern unless `whole`
  // (the caller overwrites all of them).
  uint8_t* PersistedChunk(uint64_t chunk, bool whole);
  // Drops the volatile copies of sectors [first, first + n) of one chunk.
  void DropVolatileSectors(uint64_t chunk, uint32_t first, uint32_t n);

  uint64_t capacity_sectors_;
  uint64_t pattern_seed_;
  ChunkTable persisted_;
  std::map<uint64_t, std::unique_ptr<VolatileChunk>> volatile_;
  uint64_t volatile_sectors_ = 0;
};

}  // namespace devices

#endif  // AIOSIM_DEVICES_MEDIA_H_
