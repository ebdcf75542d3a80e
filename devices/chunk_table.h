// ChunkTable: the persisted chunks of a Media, found by chunk number in one
// probe (an open-addressing hash table with linear probing), where an
// ordered map walked a tree of cache misses on every request.
//
// Promises:
// - Find(chunk) returns the chunk's bytes or nullptr; Insert(chunk) returns
//   new, uninitialised bytes (kBytes long) for a chunk not yet present;
//   Erase(chunk) frees them. Pointers returned stay valid until the chunk is
//   erased or the table destroyed (only the slots move when the table grows).
// - Chunk bytes are page-aligned and come from slabs of 16 chunks, doubling
//   up to 2 MiB; 2 MiB slabs are 2 MiB-aligned and advised as transparent
//   huge pages, so a random read over a large medium costs no page-table
//   walk on most copies (a separate 4 KiB allocation per chunk straddled two
//   host pages). An erased chunk's bytes are reused by the next Insert; slabs
//   go back to the host only with the table (reserved_bytes() is their sum).
// - No iteration: nothing about a run depends on where a chunk sits in the
//   table, so its layout (a deterministic function of the chunk numbers
//   anyway) never reaches behaviour.
// - The table grows by doubling at half load; erasure shifts the following
//   cluster back (no tombstones), so probes stay short.
#ifndef AIOSIM_DEVICES_CHUNK_TABLE_H_
#define AIOSIM_DEVICES_CHUNK_TABLE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace devices {

class ChunkTable {
 public:
  static constexpr size_t kBytes = 4096;

  ChunkTable() = default;
  ~ChunkTable();
  ChunkTable(const ChunkTable&) = delete;
  ChunkTable& operator=(const ChunkTable&) = delete;

  uint8_t* Find(uint64_t chunk) const {
    if (size_ == 0) return nullptr;
    const uint64_t key = chunk + 1;
    for (size_t i = Home(key);; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.key == key) return s.data;
      if (s.key == 0) return nullptr;
    }
  }
  // A host-cache hint, changing nothing: starts fetching the slot that
  // Find(chunk) reads first. Without it a Find some requests later, for a
  // random chunk of a large medium, mostly waits for memory (AIO round 8).
  void PrefetchSlot(uint64_t chunk) const {
    if (size_ == 0) return;
    asm volatile("prefetcht0 %0" : : "m"(slots_[Home(chunk + 1)]));
  }
  // REQUIRES Find(chunk) == nullptr.
  uint8_t* Insert(uint64_t chunk);
  // No-op when absent.
  void Erase(uint64_t chunk);
  size_t size() const { return size_; }
  // Bytes of chunk storage held from the host (every slab mapped so far).
  size_t reserved_bytes() const;

 private:
  struct Slot {
    uint64_t key = 0;  // chunk + 1; 0: empty
    uint8_t* data = nullptr;
  };
  // A splitmix64-style finaliser: chunk numbers are dense, so mix them.
  size_t Home(uint64_t key) const {
    uint64_t z = key * 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 29)) * 0xbf58476d1ce4e5b9ull;
    return static_cast<size_t>(z ^ (z >> 32)) & mask_;
  }
  void Grow();
  uint8_t* AllocChunk();

  std::vector<Slot> slots_;
  size_t mask_ = 0;
  size_t size_ = 0;

  // Chunk storage: mapped slabs, a bump pointer into the newest one, and the
  // bytes of erased chunks for reuse.
  struct Slab {
    void* base;
    size_t bytes;
  };
  std::vector<Slab> slabs_;
  std::vector<uint8_t*> free_;
  uint8_t* bump_ = nullptr;
  uint8_t* bump_end_ = nullptr;
};

}  // namespace devices

#endif  // AIOSIM_DEVICES_CHUNK_TABLE_H_
