#include "devices/chunk_table.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstdint>
#include <utility>

#include "sim/check.h"

namespace devices {

namespace {

constexpr size_t kFirstSlab = 16 * ChunkTable::kBytes;
constexpr size_t kHugeSlab = size_t{2} << 20;

// `bytes` of zeroed, page-aligned host memory, aligned to `bytes` itself
// when it is a huge slab (the kernel backs only aligned 2 MiB ranges with
// huge pages); the surplus of the over-sized mapping is returned at once.
void* MapSlab(size_t bytes) {
  const size_t over = bytes == kHugeSlab ? bytes : 0;
  void* m = mmap(nullptr, bytes + over, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  SIM_CHECK(m != MAP_FAILED) << "chunk table: cannot map " << bytes + over << " bytes of media storage";
  if (over == 0) return m;
  const uintptr_t start = reinterpret_cast<uintptr_t>(m);
  const uintptr_t aligned = (start + bytes - 1) & ~(uintptr_t{bytes} - 1);
  if (aligned > start) munmap(m, aligned - start);
  const uintptr_t tail = start + bytes + over - (aligned + bytes);
  if (tail > 0) munmap(reinterpret_cast<void*>(aligned + bytes), tail);
  void* slab = reinterpret_cast<void*>(aligned);
  // Advice only: without transparent huge pages the slab is still correct.
  madvise(slab, bytes, MADV_HUGEPAGE);
  return slab;
}

}  // namespace

ChunkTable::~ChunkTable() {
  for (const Slab& s : slabs_) munmap(s.base, s.bytes);
}

size_t ChunkTable::reserved_bytes() const {
  size_t sum = 0;
  for (const Slab& s : slabs_) sum += s.bytes;
  return sum;
}

uint8_t* ChunkTable::AllocChunk() {
  if (!free_.empty()) {
    uint8_t* p = free_.back();
    free_.pop_back();
    return p;
  }
  if (bump_ == bump_end_) {
    const size_t bytes = slabs_.empty() ? kFirstSlab : std::min(slabs_.back().bytes * 2, kHugeSlab);
    void* base = MapSlab(bytes);
    slabs_.push_back({base, bytes});
    bump_ = static_cast<uint8_t*>(base);
    bump_end_ = bump_ + bytes;
  }
  uint8_t* p = bump_;
  bump_ += kBytes;
  return p;
}

uint8_t* ChunkTable::Insert(uint64_t chunk) {
  SIM_CHECK(chunk != UINT64_MAX) << "chunk table: chunk number out of range";
  if ((size_ + 1) * 2 > slots_.size()) Grow();
  const uint64_t key = chunk + 1;
  size_t i = Home(key);
  while (slots_[i].key != 0) {
    SIM_CHECK(slots_[i].key != key) << "chunk table: chunk " << chunk << " inserted twice";
    i = (i + 1) & mask_;
  }
  slots_[i].key = key;
  slots_[i].data = AllocChunk();
  ++size_;
  return slots_[i].data;
}

void ChunkTable::Erase(uint64_t chunk) {
  if (size_ == 0) return;
  const uint64_t key = chunk + 1;
  size_t i = Home(key);
  while (slots_[i].key != key) {
    if (slots_[i].key == 0) return;
    i = (i + 1) & mask_;
  }
  free_.push_back(slots_[i].data);
  --size_;
  // Backward shift: move each later member of the cluster into the hole if
  // its home does not lie cyclically in (hole, its position].
  size_t hole = i;
  for (size_t j = (i + 1) & mask_; slots_[j].key != 0; j = (j + 1) & mask_) {
    const size_t home = Home(slots_[j].key);
    const bool stays = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
    if (stays) continue;
    slots_[hole] = slots_[j];
    hole = j;
  }
  slots_[hole] = Slot{};
}

void ChunkTable::Grow() {
  std::vector<Slot> old = std::move(slots_);
  const size_t cap = old.empty() ? 64 : old.size() * 2;
  slots_.assign(cap, Slot{});
  mask_ = cap - 1;
  for (const Slot& s : old) {
    if (s.key == 0) continue;
    size_t i = Home(s.key);
    while (slots_[i].key != 0) i = (i + 1) & mask_;
    slots_[i] = s;
  }
}

}  // namespace devices
