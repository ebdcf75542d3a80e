#include "devices/media.h"

#include <algorithm>
#include <cstring>

#include "devices/block_device.h"
#include "sim/check.h"
#include "sim/prng.h"

namespace devices {

namespace {
// A splitmix64-style finaliser: a good 64-bit mix of one word.
uint64_t Mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

// Copies whole sectors (bytes: a multiple of 64) as a loop of 64-byte
// moves. Not memcpy: for a 4 KiB read glibc's memcpy picks `rep movsb`,
// which here cost ~50 ns more per dio iocb when the source is not in L1
// (AIO round 9, docs/performance.md); over a file that stays in L2
// (figure 1b) both cost the same.
void CopySectors(uint8_t* __restrict dst, const uint8_t* __restrict src, size_t bytes) {
  for (size_t at = 0; at < bytes; at += 64) __builtin_memcpy(dst + at, src + at, 64);
}
}  // namespace

Media::Media(std::string_view device_name, uint64_t capacity_sectors)
    : capacity_sectors_(capacity_sectors), pattern_seed_(sim::HashName(device_name)) {}

uint8_t Media::PatternByte(uint64_t seed, uint64_t sector, uint32_t offset) {
  const uint64_t word = Mix64(seed ^ Mix64(sector * 0x9e3779b97f4a7c15ull + (offset / 8)));
  return static_cast<uint8_t>(word >> (8 * (offset % 8)));
}

void Media::FillPattern(uint64_t sector, uint32_t sectors, uint8_t* dst) const {
  for (uint64_t s = 0; s < sectors; ++s) {
    for (uint32_t w = 0; w < kSectorSize / 8; ++w) {
      const uint64_t word = Mix64(pattern_seed_ ^ Mix64((sector + s) * 0x9e3779b97f4a7c15ull + w));
      for (uint32_t b = 0; b < 8; ++b) dst[s * kSectorSize + w * 8 + b] = static_cast<uint8_t>(word >> (8 * b));
    }
  }
}

void Media::ReportOutOfRange(uint64_t sector, uint64_t sectors, const char* what) const {
  SIM_CHECK(sector <= capacity_sectors_ && sectors <= capacity_sectors_ - sector)
      << "media " << what << ": sectors [" << sector << ", +" << sectors
      << ") outside capacity " << capacity_sectors_;
}

uint8_t* Media::PersistedChunk(uint64_t chunk, bool whole) {
  if (uint8_t* p = persisted_.Find(chunk)) return p;
  uint8_t* bytes = persisted_.Insert(chunk);
  // The tail chunk may extend past capacity; its extra sectors are never read.
  if (!whole) FillPattern(chunk * kChunkSectors, kChunkSectors, bytes);
  return bytes;
}

void Media::DropVolatileSectors(uint64_t chunk, uint32_t first, uint32_t n) {
  if (volatile_.empty()) return;
  auto it = volatile_.find(chunk);
  if (it == volatile_.end()) return;
  const uint8_t bits = static_cast<uint8_t>(((1u << n) - 1) << first);
  const uint8_t dropped = it->second->present & bits;
  if (dropped == 0) return;
  it->second->present = static_cast<uint8_t>(it->second->present & ~bits);
  volatile_sectors_ -= static_cast<uint64_t>(__builtin_popcount(dropped));
  if (it->second->present == 0) volatile_.erase(it);
}

// Splits [sector, sector + sectors) at chunk boundaries and calls
// fn(s, chunk, first, n) for each piece: n sectors from s, which is sector
// `first` of `chunk`. One lookup per chunk in each layer, not per sector.
template <typename Fn>
void Media::ForEachChunkSpan(uint64_t sector, uint32_t sectors, Fn&& fn) {
  const uint64_t end = sector + sectors;
  for (uint64_t s = sector; s < end;) {
    const uint64_t chunk = s / kChunkSectors;
    const uint64_t chunk_end = std::min(end, (chunk + 1) * kChunkSectors);
    fn(s, chunk, static_cast<uint32_t>(s % kChunkSectors), static_cast<uint32_t>(chunk_end - s));
    s = chunk_end;
  }
}

void Media::Read(uint64_t sector, uint32_t sectors, uint8_t* dst) const {
  CheckRange(sector, sectors, "read");
  // The device model's hot path: every bio's bytes move through it.
  ForEachChunkSpan(sector, sectors, [&](uint64_t s, uint64_t chunk, uint32_t first, uint32_t n) {
    uint8_t* out = dst + (s - sector) * kSectorSize;
    const VolatileChunk* vc = nullptr;
    if (!volatile_.empty()) {
      auto v = volatile_.find(chunk);
      if (v != volatile_.end()) vc = v->second.get();
    }
    const uint8_t* pc = persisted_.Find(chunk);
    const uint8_t span = static_cast<uint8_t>(((1u << n) - 1) << first);
    if (vc == nullptr || (vc->present & span) == 0) {
      // The common case: the span comes from one layer in one copy.
      if (pc) {
        CopySectors(out, pc + first * kSectorSize, size_t{n} * kSectorSize);
      } else {
        FillPattern(s, n, out);
      }
      return;
    }
    for (uint32_t index = first; index < first + n; ++index, out += kSectorSize) {
      if (vc->present & (1u << index)) {
        std::memcpy(out, vc->data.data() + index * kSectorSize, kSectorSize);
      } else if (pc) {
        std::memcpy(out, pc + index * kSectorSize, kSectorSize);
      } else {
        FillPattern(s + (index - first), 1, out);
      }
    }
  });
}

void Media::Write(uint64_t sector, uint32_t sectors, const uint8_t* src, bool to_volatile) {
  CheckRange(sector, sectors, "write");
  ForEachChunkSpan(sector, sectors, [&](uint64_t s, uint64_t chunk, uint32_t first, uint32_t n) {
    const uint8_t* in = src + (s - sector) * kSectorSize;
    if (!to_volatile) {
      DropVolatileSectors(chunk, first, n);
      uint8_t* pc = PersistedChunk(chunk, /*whole=*/n == kChunkSectors);
      std::memcpy(pc + first * kSectorSize, in, size_t{n} * kSectorSize);
    } else {
      auto& slot = volatile_[chunk];
      if (!slot) slot = std::make_unique<VolatileChunk>();
      std::memcpy(slot->data.data() + first * kSectorSize, in, size_t{n} * kSectorSize);
      const uint8_t span = static_cast<uint8_t>(((1u << n) - 1) << first);
      volatile_sectors_ += static_cast<uint64_t>(__builtin_popcount(span & ~slot->present & 0xffu));
      slot->present = static_cast<uint8_t>(slot->present | span);
    }
  });
}

void Media::Discard(uint64_t sector, uint32_t sectors) {
  CheckRange(sector, sectors, "discard");
  ForEachChunkSpan(sector, sectors, [&](uint64_t s, uint64_t chunk, uint32_t first, uint32_t n) {
    DropVolatileSectors(chunk, first, n);
    if (n == kChunkSectors) {
      persisted_.Erase(chunk);  // the whole chunk reads as the pattern again
    } else if (uint8_t* pc = persisted_.Find(chunk)) {
      FillPattern(s, n, pc + first * kSectorSize);
    }
  });
}

uint64_t Media::Flush() {
  const uint64_t moved = volatile_sectors_;
  for (const auto& [chunk, v] : volatile_) {
    for (uint32_t i = 0; i < kChunkSectors; ++i) {
      if (!(v->present & (1u << i))) continue;
      uint8_t* pc = PersistedChunk(chunk, /*whole=*/v->present == 0xff);
      std::memcpy(pc + i * kSectorSize, v->data.data() + i * kSectorSize, kSectorSize);
    }
  }
  volatile_.clear();
  volatile_sectors_ = 0;
  return moved;
}

uint64_t Media::DropVolatile() {
  const uint64_t lost = volatile_sectors_;
  volatile_.clear();
  volatile_sectors_ = 0;
  return lost;
}

void Media::ForEachVolatileExtent(const std::function<void(uint64_t, uint64_t)>& fn) const {
  uint64_t run_start = 0, run_len = 0;
  for (const auto& [chunk, v] : volatile_) {
    for (uint32_t i = 0; i < kChunkSectors; ++i) {
      if (!(v->present & (1u << i))) continue;
      const uint64_t s = chunk * kChunkSectors + i;
      if (run_len > 0 && run_start + run_len == s) {
        ++run_len;
      } else {
        if (run_len > 0) fn(run_start, run_len);
        run_start = s;
        run_len = 1;
      }
    }
  }
  if (run_len > 0) fn(run_start, run_len);
}

void Media::SetupWrite(uint64_t sector, std::span<const uint8_t> bytes) {
  SIM_CHECK(bytes.size() % kSectorSize == 0)
      << "Media::SetupWrite: " << bytes.size() << " bytes is not a multiple of 512";
  Write(sector, static_cast<uint32_t>(bytes.size() / kSectorSize), bytes.data(), false);
}

void Media::SetupWriteBytes(uint64_t byte_offset, std::span<const uint8_t> bytes) {
  if (bytes.empty()) return;
  const uint64_t first = byte_offset / kSectorSize;
  const uint64_t last = (byte_offset + bytes.size() - 1) / kSectorSize;
  CheckRange(first, last - first + 1, "setup write");
  uint8_t sector_buf[kSectorSize];
  size_t done = 0;
  for (uint64_t s = first; s <= last;) {
    const uint64_t begin = (s == first) ? byte_offset % kSectorSize : 0;
    if (begin == 0 && bytes.size() - done >= kSectorSize) {
      // Whole sectors go in one write.
      const uint64_t whole = (bytes.size() - done) / kSectorSize;
      Write(s, static_cast<uint32_t>(whole), bytes.data() + done, false);
      done += whole * kSectorSize;
      s += whole;
      continue;
    }
    // A partial sector keeps the rest of what Read sees.
    Read(s, 1, sector_buf);
    const uint64_t n = std::min<uint64_t>(kSectorSize - begin, bytes.size() - done);
    std::memcpy(sector_buf + begin, bytes.data() + done, n);
    done += n;
    Write(s, 1, sector_buf, false);
    ++s;
  }
}

void Media::ReadBytes(uint64_t byte_offset, std::span<uint8_t> out) const {
  if (out.empty()) return;
  const uint64_t first = byte_offset / kSectorSize;
  const uint64_t last = (byte_offset + out.size() - 1) / kSectorSize;
  CheckRange(first, last - first + 1, "read bytes");
  uint8_t sector_buf[kSectorSize];
  size_t done = 0;
  for (uint64_t s = first; s <= last; ++s) {
    Read(s, 1, sector_buf);
    const uint64_t begin = (s == first) ? byte_offset % kSectorSize : 0;
    const uint64_t n = std::min<uint64_t>(kSectorSize - begin, out.size() - done);
    std::memcpy(out.data() + done, sector_buf + begin, n);
    done += n;
  }
}

void Media::PeekPersisted(uint64_t sector, uint32_t sectors, uint8_t* dst) const {
  CheckRange(sector, sectors, "peek");
  ForEachChunkSpan(sector, sectors, [&](uint64_t s, uint64_t chunk, uint32_t first, uint32_t n) {
    uint8_t* out = dst + (s - sector) * kSectorSize;
    if (const uint8_t* pc = persisted_.Find(chunk)) {
      std::memcpy(out, pc + first * kSectorSize, size_t{n} * kSectorSize);
    } else {
      FillPattern(s, n, out);
    }
  });
}

}  // namespace devices
