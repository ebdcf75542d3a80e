// Storage setup and inspection outside virtual time; see vfs_setup.h.
#include "kernel_model/vfs_setup.h"

#include <algorithm>
#include <cstring>

#include "devices/media.h"
#include "kernel_model/vfs_namei.h"
#include "kernel_model/vfs_simplefs.h"
#include "kernel_model/vfs_storage.h"
#include "kernel_model/writeback.h"
#include "sim/prng.h"

namespace kernel {

sim::Status add_disk(std::unique_ptr<devices::BlockDevice> dev, const blk_queue_config& cfg, block_device** out) {
  storage_state* st = storage();
  std::string name = dev->name();
  if (st->devices.count(name) != 0) return sim::Status::Error("device " + name + ": a device with that name exists");
  std::unique_ptr<block_device> bdev;
  sim::Status s = blk_alloc_disk(&st->kernel->sched, dev.get(), cfg, &bdev);
  if (!s.ok()) return s;
  if (out) *out = bdev.get();
  st->devices.emplace(name, std::move(dev));
  st->bdevs.emplace(name, std::move(bdev));
  return sim::Status::Ok();
}

block_device* lookup_bdev(std::string_view name) {
  storage_state* st = storage();
  auto it = st->bdevs.find(std::string(name));
  return it == st->bdevs.end() ? nullptr : it->second.get();
}

pagecache_config& pagecache_tunables() { return storage()->pc.cfg; }

sim::Status mount_simplefs(std::string_view dev_name, std::string_view mountpoint, const simplefs_options& opts,
                           super_block** out) {
  storage_state* st = storage();
  block_device* bdev = lookup_bdev(dev_name);
  std::string dev(dev_name);
  if (bdev == nullptr) return sim::Status::Error("mount " + std::string(mountpoint) + ": unknown device '" + dev + "'");
  std::string mp(mountpoint);
  while (mp.size() > 1 && mp.back() == '/') mp.pop_back();
  if (mp.empty() || mp.front() != '/') {
    return sim::Status::Error("mount on " + dev + ": mount point '" + mp + "' is not an absolute path");
  }
  if (st->supers.count(mp) != 0) return sim::Status::Error("mount " + mp + ": already a mount point");
  for (auto& [other_mp, sb] : st->supers) {
    if (sb->s_bdev == bdev) return sim::Status::Error("mount " + mp + ": device " + dev + " is mounted on " + other_mp);
  }
  if (bdev_logical_block_size(bdev) > PAGE_SIZE) {
    return sim::Status::Error("mount " + mp + ": device " + dev + " has a logical block larger than a page");
  }
  if (opts.max_file_bytes < 1) return sim::Status::Error("mount " + mp + ": max_file_bytes must be at least 1");
  uint64_t nr_blocks = bdev->bd_device->capacity_bytes() / PAGE_SIZE;
  if (nr_blocks == 0) return sim::Status::Error("mount " + mp + ": device " + dev + " is smaller than one block");
  auto sb = std::make_unique<super_block>();
  sb->s_id = dev;
  sb->s_mountpoint = mp;
  sb->s_bdev = bdev;
  sb->s_blocksize = PAGE_SIZE;
  sb->s_maxbytes = opts.max_file_bytes;
  sb->nr_blocks = nr_blocks;
  sb->free_blocks = nr_blocks;
  sb->free_extents.emplace(0, nr_blocks);
  auto& bdi = st->bdis[dev];
  if (!bdi) {
    bdi = std::make_unique<backing_dev_info>();
    bdi->name = dev;
    bdi->bdev = bdev;
    bdi_register(bdi.get());
  }
  sb->s_bdi = bdi.get();
  if (out) *out = sb.get();
  st->supers.emplace(mp, std::move(sb));
  return sim::Status::Ok();
}

namespace {
// The 8 pattern bytes at offsets [8 * index, 8 * index + 8), little-endian.
uint64_t file_pattern_word(unsigned long ino, uint64_t index) {
  uint64_t state = (static_cast<uint64_t>(ino) << 40) ^ index ^ 0xa10a10a1f11e0000ull;
  return sim::SplitMix64(&state);
}
}  // namespace

uint8_t file_pattern_byte(unsigned long ino, uint64_t offset) {
  return static_cast<uint8_t>(file_pattern_word(ino, offset >> 3) >> (8 * (offset & 7)));
}

sim::Status create_file(const file_spec& spec) {
  const std::string& path = spec.path;
  if (spec.size < 0) return sim::Status::Error("file " + path + ": negative size");
  if (spec.fill == file_fill::kText && spec.text.empty()) {
    return sim::Status::Error("file " + path + ": fill text is empty");
  }
  if (lookup_path(path) != nullptr) return sim::Status::Error("file " + path + ": already exists");
  storage_state* st = storage();
  // Find the mount as sys_open would.
  super_block* sb = nullptr;
  size_t best = 0;
  for (auto& [mp, s] : st->supers) {
    if (path.size() > mp.size() && path.compare(0, mp.size(), mp) == 0 && (path[mp.size()] == '/' || mp == "/") &&
        mp.size() >= best) {
      sb = s.get();
      best = mp.size();
    }
  }
  std::string name = sb ? path.substr(best) : "";
  while (!name.empty() && name.front() == '/') name.erase(name.begin());
  if (sb == nullptr || name.empty() || name.find('/') != std::string::npos || name.size() > 255) {
    return sim::Status::Error("file " + path + ": not a name under a mount point");
  }
  if (spec.size > sb->s_maxbytes) {
    return sim::Status::Error("file " + path + ": size " + std::to_string(spec.size) + " exceeds the maximum file size " +
                              std::to_string(sb->s_maxbytes));
  }
  inode* ino = simplefs_new_inode(sb, spec.mode);  // the name's reference
  ino->i_nlink = 1;
  sb->s_names.emplace(name, ino->i_ino);
  i_size_write(ino, spec.size);
  if (spec.fill == file_fill::kZeros) return sim::Status::Ok();  // all holes
  devices::Media& media = sb->s_bdev->bd_device->media();
  uint64_t nblocks = static_cast<uint64_t>((spec.size + PAGE_SIZE - 1) / PAGE_SIZE);
  std::vector<uint8_t> block(PAGE_SIZE);
  for (uint64_t lblk = 0; lblk < nblocks; ++lblk) {
    uint64_t pblk = 0, len = 0;
    bool fresh = false;
    if (simplefs_map_blocks(ino, lblk, 1, true, &pblk, &len, &fresh) != 0) {
      return sim::Status::Error("file " + path + ": no space left on " + sb->s_id + " for " +
                                std::to_string(spec.size) + " bytes");
    }
    uint64_t base = lblk * PAGE_SIZE;
    uint64_t word = 0;
    for (uint32_t i = 0; i < PAGE_SIZE; ++i) {
      uint64_t off = base + i;
      if (static_cast<loff_t>(off) >= spec.size) {
        block[i] = 0;
      } else if (spec.fill == file_fill::kPattern) {
        // file_pattern_byte, one word per 8 bytes (blocks start 8-aligned).
        if ((off & 7) == 0) word = file_pattern_word(ino->i_ino, off >> 3);
        block[i] = static_cast<uint8_t>(word >> (8 * (off & 7)));
      } else {
        block[i] = static_cast<uint8_t>(spec.text[off % spec.text.size()]);
      }
    }
    media.SetupWriteBytes(simplefs_block_sector(sb, pblk) << SECTOR_SHIFT, block);
  }
  return sim::Status::Ok();
}

sim::Status read_file_contents(std::string_view path, loff_t offset, size_t len, std::vector<uint8_t>* out) {
  out->clear();
  if (offset < 0) return sim::Status::Error("read of " + std::string(path) + ": negative offset");
  inode* ino = lookup_path(path);
  if (ino == nullptr) return sim::Status::Error("read of " + std::string(path) + ": no such file");
  loff_t isize = i_size_read(ino);
  if (offset >= isize) return sim::Status::Ok();
  size_t n = std::min<size_t>(len, static_cast<size_t>(isize - offset));
  out->resize(n);
  super_block* sb = ino->i_sb;
  devices::Media& media = sb->s_bdev->bd_device->media();
  size_t done = 0;
  while (done < n) {
    loff_t at = offset + static_cast<loff_t>(done);
    pgoff_t index = static_cast<pgoff_t>(at >> PAGE_SHIFT);
    size_t in_page = static_cast<size_t>(at & (PAGE_SIZE - 1));
    size_t chunk = std::min<size_t>(n - done, PAGE_SIZE - in_page);
    auto it = ino->i_data.i_pages.find(index);
    if (it != ino->i_data.i_pages.end() && PageUptodate(it->second)) {
      std::memcpy(out->data() + done, page_address(it->second) + in_page, chunk);
    } else {
      uint64_t pblk = 0, blen = 0;
      bool fresh = false;
      simplefs_map_blocks(ino, index, 1, false, &pblk, &blen, &fresh);
      if (pblk == SIMPLEFS_HOLE) {
        std::memset(out->data() + done, 0, chunk);
      } else {
        media.ReadBytes((simplefs_block_sector(sb, pblk) << SECTOR_SHIFT) + in_page,
                        std::span<uint8_t>(out->data() + done, chunk));
      }
    }
    done += chunk;
  }
  return sim::Status::Ok();
}

std::string pagecache_check_consistency() {
  storage_state* st = storage();
  pagecache* pc = &st->pc;
  long pages = 0, dirty = 0, writeback = 0;
  for (auto& [mp, sb] : st->supers) {
    for (auto& [nr, ino] : sb->s_inodes) {
      address_space* m = &ino->i_data;
      long md = 0, mw = 0;
      for (auto& [index, pg] : m->i_pages) {
        if (pg->mapping != m || pg->index != index) return "page " + std::to_string(pg->id) + " misfiled";
        if (!PageLRU(pg) || pc->lru.count(pg->lru_seq) == 0) return "page " + std::to_string(pg->id) + " off the LRU";
        if (PageDirty(pg)) {
          ++md;
          if (m->dirty_tag.count(index) == 0) return "dirty page " + std::to_string(pg->id) + " untagged";
        }
        if (PageWriteback(pg)) {
          ++mw;
          if (m->writeback_tag.count(index) == 0) return "writeback page " + std::to_string(pg->id) + " untagged";
        }
      }
      if (md != m->nr_dirty || static_cast<size_t>(md) != m->dirty_tag.size()) {
        return "inode " + std::to_string(nr) + " nr_dirty " + std::to_string(m->nr_dirty) + " but " +
               std::to_string(md) + " dirty pages";
      }
      if (mw != m->nr_writeback || static_cast<size_t>(mw) != m->writeback_tag.size()) {
        return "inode " + std::to_string(nr) + " nr_writeback " + std::to_string(m->nr_writeback) + " but " +
               std::to_string(mw) + " pages under writeback";
      }
      if (m->nrpages != m->i_pages.size()) return "inode " + std::to_string(nr) + " nrpages wrong";
      if (md > 0 && !ino->on_dirty_list) return "inode " + std::to_string(nr) + " has dirty pages off b_dirty";
      pages += static_cast<long>(m->i_pages.size());
      dirty += md;
      writeback += mw;
    }
  }
  if (pages != pc->nr_pages || static_cast<size_t>(pages) != pc->lru.size()) {
    return "nr_pages " + std::to_string(pc->nr_pages) + " but " + std::to_string(pages) + " cached pages";
  }
  if (dirty != pc->nr_dirty) return "nr_dirty " + std::to_string(pc->nr_dirty) + " but " + std::to_string(dirty);
  if (writeback != pc->nr_writeback) {
    return "nr_writeback " + std::to_string(pc->nr_writeback) + " but " + std::to_string(writeback);
  }
  return "";
}

}  // namespace kernel
