#include "devices/chunk_table.h"

#include <cstdlib>
#include <new>
#include <utility>

#include "sim/check.h"

namespace devices {

namespace {
uint8_t* AllocChunk() { return static_cast<uint8_t*>(::operator new(ChunkTable::kBytes)); }
void FreeChunk(uint8_t* p) { ::operator delete(p); }
}  // namespace

ChunkTable::~ChunkTable() {
  for (Slot& s : slots_) {
    if (s.key != 0) FreeChunk(s.data);
  }
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
  FreeChunk(slots_[i].data);
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
