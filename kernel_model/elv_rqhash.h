// The back-merge hash of an I/O scheduler, after block/elevator.c
// (elv_rqhash_add, elv_rqhash_del, elv_rqhash_find): queued requests filed
// by the sector they end at, so that a bio starting there finds them in one
// probe instead of a tree walk.
//
// Contract:
// - Intrusive: each filed object embeds an elv_rqhash_node and is filed at
//   most once per hash; add() and del() allocate and free nothing. The hash
//   must outlive what is filed in it (del() everything first; the
//   destructor does not walk the buckets).
// - for_each_at(end, fn) visits the objects filed under `end` in
//   descending `tag` order and stops at the first for which fn returns
//   true (returning it), else returns nullptr. Linux visits the most
//   recently hashed first; the model orders by (end, tag), which depends
//   on the submissions alone, never on addresses or hashing: each bucket is
//   kept sorted by (end, tag), descending.
// - Tags are unique among filed objects (they break ties).
#ifndef AIOSIM_KERNEL_MODEL_ELV_RQHASH_H_
#define AIOSIM_KERNEL_MODEL_ELV_RQHASH_H_

#include <cstddef>
#include <cstdint>

#include "kernel_model/list.h"

namespace kernel {

template <typename T>
struct elv_rqhash_node {
  list_head hash;  // in a bucket, sorted by (end, tag) descending
  uint64_t end = 0;
  uint64_t tag = 0;
  T* obj = nullptr;  // back-pointer: T need not be standard-layout
};

template <typename T>
class elv_rqhash {
 public:
  // ELV_HASH_BITS is 6 in Linux; more buckets keep deep queues (thousands
  // of requests here, which wait in the scheduler without a tag limit)
  // from making the sorted insert walk long.
  static constexpr unsigned kHashBits = 8;
  static constexpr size_t kBuckets = size_t{1} << kHashBits;

  elv_rqhash() = default;
  elv_rqhash(const elv_rqhash&) = delete;
  elv_rqhash& operator=(const elv_rqhash&) = delete;

  // Files obj under `end`. REQUIRES: n not filed (list_empty(&n->hash)).
  void add(elv_rqhash_node<T>* n, T* obj, uint64_t end, uint64_t tag) {
    n->end = end;
    n->tag = tag;
    n->obj = obj;
    list_head* head = &buckets_[bucket(end)];
    list_head* pos = head->next;
    while (pos != head && !below(node_of(pos), end, tag)) pos = pos->next;
    list_add_tail(&n->hash, pos);  // before pos: after every larger key
    ++size_;
  }
  // Unfiles n (a no-op if it is not filed).
  void del(elv_rqhash_node<T>* n) {
    if (list_empty(&n->hash)) return;
    list_del_init(&n->hash);
    --size_;
  }
  bool hashed(const elv_rqhash_node<T>* n) const { return !list_empty(&n->hash); }

  template <typename Fn>
  T* for_each_at(uint64_t end, Fn&& fn) const {
    const list_head* head = &buckets_[bucket(end)];
    for (const list_head* pos = head->next; pos != head; pos = pos->next) {
      const elv_rqhash_node<T>* n = node_of(pos);
      if (n->end < end) break;  // sorted: nothing at `end` beyond here
      if (n->end == end && fn(n->obj)) return n->obj;
    }
    return nullptr;
  }
  // The filed object under `end` with the highest tag, or nullptr.
  T* find(uint64_t end) const {
    return for_each_at(end, [](T*) { return true; });
  }
  size_t size() const { return size_; }

 private:
  static size_t bucket(uint64_t end) {
    // hash_64 (include/linux/hash.h): the golden-ratio multiply, top bits.
    return static_cast<size_t>((end * 0x61c8864680b583ebull) >> (64 - kHashBits));
  }
  static const elv_rqhash_node<T>* node_of(const list_head* p) {
    return reinterpret_cast<const elv_rqhash_node<T>*>(reinterpret_cast<const char*>(p) -
                                                       offsetof(elv_rqhash_node<T>, hash));
  }
  // (n->end, n->tag) < (end, tag).
  static bool below(const elv_rqhash_node<T>* n, uint64_t end, uint64_t tag) {
    return n->end < end || (n->end == end && n->tag < tag);
  }

  list_head buckets_[kBuckets];
  size_t size_ = 0;
};

}  // namespace kernel

#endif  // AIOSIM_KERNEL_MODEL_ELV_RQHASH_H_
