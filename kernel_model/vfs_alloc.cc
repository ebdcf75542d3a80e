// simplefs's block map and extent allocator; see vfs_simplefs.h.
#include <algorithm>
#include <iterator>

#include "kernel_model/vfs_simplefs.h"
#include "sim/check.h"

namespace kernel {

namespace {

// The extent containing lblk, or end().
std::map<uint64_t, simplefs_extent>::iterator find_extent(inode* ino, uint64_t lblk) {
  auto it = ino->i_extents.upper_bound(lblk);
  if (it == ino->i_extents.begin()) return ino->i_extents.end();
  --it;
  if (lblk < it->first + it->second.len) return it;
  return ino->i_extents.end();
}

// Takes one free block, at `goal` if it is free, else the first free block
// at or after goal, else the first free block. False when the disk is full.
bool alloc_block(super_block* sb, uint64_t goal, uint64_t* out) {
  if (sb->free_extents.empty()) return false;
  auto it = sb->free_extents.upper_bound(goal);
  if (it != sb->free_extents.begin()) {
    auto prev = std::prev(it);
    if (goal < prev->first + prev->second) it = prev;  // goal lies inside prev
  }
  if (it == sb->free_extents.end()) it = sb->free_extents.begin();
  uint64_t start = it->first;
  uint64_t len = it->second;
  uint64_t take = (goal >= start && goal < start + len) ? goal : start;
  sb->free_extents.erase(it);
  if (take > start) sb->free_extents.emplace(start, take - start);
  if (take + 1 < start + len) sb->free_extents.emplace(take + 1, start + len - take - 1);
  --sb->free_blocks;
  *out = take;
  return true;
}

void free_range(super_block* sb, uint64_t start, uint64_t len) {
  if (len == 0) return;
  sb->free_blocks += len;
  auto next = sb->free_extents.lower_bound(start);
  SIM_CHECK(next == sb->free_extents.end() || next->first >= start + len)
      << "double free of blocks " << start << "+" << len << " on " << sb->s_id;
  if (next != sb->free_extents.begin()) {
    auto prev = std::prev(next);
    SIM_CHECK(prev->first + prev->second <= start) << "double free of block " << start << " on " << sb->s_id;
    if (prev->first + prev->second == start) {
      start = prev->first;
      len += prev->second;
      sb->free_extents.erase(prev);
    }
  }
  if (next != sb->free_extents.end() && next->first == start + len) {
    len += next->second;
    sb->free_extents.erase(next);
  }
  sb->free_extents.emplace(start, len);
}

}  // namespace

int simplefs_map_blocks(inode* ino, uint64_t lblk, uint64_t max_len, bool create, uint64_t* pblk, uint64_t* len,
                        bool* fresh) {
  *fresh = false;
  auto it = find_extent(ino, lblk);
  if (it != ino->i_extents.end()) {
    uint64_t off = lblk - it->first;
    *pblk = it->second.pblk + off;
    *len = std::min(it->second.len - off, max_len);
    return 0;
  }
  if (!create) {
    // A hole up to the next extent.
    auto next = ino->i_extents.upper_bound(lblk);
    uint64_t hole = next == ino->i_extents.end() ? max_len : std::min(next->first - lblk, max_len);
    *pblk = SIMPLEFS_HOLE;
    *len = hole;
    return 0;
  }
  super_block* sb = ino->i_sb;
  // Goal: right after the block before lblk, if it is mapped.
  uint64_t goal = 0;
  auto prev = ino->i_extents.upper_bound(lblk);
  if (prev != ino->i_extents.begin()) {
    --prev;
    goal = prev->second.pblk + (lblk - prev->first);
  } else if (!ino->i_extents.empty()) {
    goal = ino->i_extents.begin()->second.pblk;
  } else {
    // A new file: spread inodes over the disk a little, deterministically.
    goal = (ino->i_ino * 4096) % (sb->nr_blocks ? sb->nr_blocks : 1);
  }
  uint64_t got = 0;
  if (!alloc_block(sb, goal, &got)) return -ENOSPC;
  ++ino->i_blocks;
  // Insert, merging with the neighbours when contiguous on both axes.
  uint64_t start = lblk;
  simplefs_extent ext{got, 1};
  auto after = ino->i_extents.upper_bound(lblk);
  if (after != ino->i_extents.begin()) {
    auto before = std::prev(after);
    if (before->first + before->second.len == lblk && before->second.pblk + before->second.len == got) {
      start = before->first;
      ext.pblk = before->second.pblk;
      ext.len = before->second.len + 1;
      ino->i_extents.erase(before);
    }
  }
  if (after != ino->i_extents.end() && after->first == lblk + 1 && after->second.pblk == got + 1) {
    ext.len += after->second.len;
    ino->i_extents.erase(after);
  }
  ino->i_extents.emplace(start, ext);
  *pblk = got;
  *len = 1;
  *fresh = true;
  return 0;
}

void simplefs_free_blocks_from(inode* ino, uint64_t from) {
  super_block* sb = ino->i_sb;
  auto it = ino->i_extents.upper_bound(from);
  if (it != ino->i_extents.begin()) {
    auto prev = std::prev(it);
    if (prev->first + prev->second.len > from) {
      uint64_t keep = from - prev->first;
      free_range(sb, prev->second.pblk + keep, prev->second.len - keep);
      ino->i_blocks -= prev->second.len - keep;
      if (keep == 0) {
        ino->i_extents.erase(prev);
      } else {
        prev->second.len = keep;
      }
    }
  }
  it = ino->i_extents.lower_bound(from);
  while (it != ino->i_extents.end()) {
    free_range(sb, it->second.pblk, it->second.len);
    ino->i_blocks -= it->second.len;
    it = ino->i_extents.erase(it);
  }
}

}  // namespace kernel
