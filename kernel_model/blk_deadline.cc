// The "mq-deadline" scheduler; see blk_elevator.h. Models block/mq-deadline.c
// with one priority level and no zoned-device handling: per direction a sort
// list by sector, a FIFO with expiry times and an end-sector hash for back
// merges; batches of fifo_batch requests; reads preferred until writes have
// been starved writes_starved times. As in Linux, the FIFO and the hash link
// the requests themselves (rq->queuelist, rq->hash: filing allocates
// nothing); the sort list is an ordered map by (sector, tag).
#include <iterator>
#include <map>
#include <utility>
#include <vector>

#include "kernel_model/blk_elevator.h"
#include "kernel_model/elv_rqhash.h"
#include "kernel_model/list.h"
#include "sim/check.h"

namespace kernel {

namespace {

enum dd_data_dir { DD_READ = 0, DD_WRITE = 1 };

// Map nodes kept for reuse: the kernel links requests into its rbtree
// through a field of the request itself, so filing one allocates nothing;
// here a request is filed in the sort map and removed at dispatch, and
// recycling the nodes spares the allocator that churn. The map's order and
// contents are exactly as with fresh nodes.
template <typename Map>
class node_cache {
 public:
  void insert(Map& m, const typename Map::key_type& k, typename Map::mapped_type v) {
    if (free_.empty()) {
      m.emplace(k, v);
      return;
    }
    typename Map::node_type nh = std::move(free_.back());
    free_.pop_back();
    nh.key() = k;
    nh.mapped() = v;
    m.insert(std::move(nh));
  }
  template <typename KeyOrIterator>
  void erase(Map& m, const KeyOrIterator& at) {
    typename Map::node_type nh = m.extract(at);
    if (!nh.empty() && free_.size() < kMax) free_.push_back(std::move(nh));
  }

 private:
  static constexpr size_t kMax = 256;
  std::vector<typename Map::node_type> free_;
};

class deadline_elevator final : public elevator_queue {
 public:
  deadline_elevator(request_queue* q, const deadline_tunables& t) : q_(q), t_(t) {}
  // The queue drains what is left before destroying its scheduler.
  ~deadline_elevator() override = default;

  const char* name() const override { return "mq-deadline"; }

  // dd_bio_merge -> blk_mq_sched_try_merge: back merge through the hash,
  // then front merge through the sort list.
  bool bio_merge(bio* b) override {
    dd_data_dir dir = op_is_write(b->bi_opf) ? DD_WRITE : DD_READ;
    per_dir& d = dirs_[dir];
    // Back merge: the most recent request ending at the bio's start.
    if (request* rq = d.hash.for_each_at(b->bi_iter.bi_sector,
                                         [b](request* r) { return blk_rq_merge_ok(r, b); })) {
      unhash(rq);
      bool merged = bio_attempt_back_merge(rq, b);
      rehash(rq);
      if (!merged) return false;
      // attempt_back_merge: the request may now reach its successor.
      auto next_it = d.sort.upper_bound({rq->elv_sort_pos, rq->tag});
      if (next_it != d.sort.end()) try_merge_requests(rq, next_it->second);
      return true;
    }
    if (!t_.front_merges) return false;
    // Front merge: a request starting at the bio's end (lowest tag first).
    auto fit = d.sort.lower_bound({bio_end_sector(b), 0});
    for (; fit != d.sort.end() && fit->first.first == bio_end_sector(b); ++fit) {
      request* rq = fit->second;
      if (!blk_rq_merge_ok(rq, b)) continue;
      key_nodes_.erase(d.sort, fit);
      bool merged = bio_attempt_front_merge(rq, b);
      // dd_request_merged: the request moved in sector order.
      rq->elv_sort_pos = blk_rq_pos(rq);
      key_nodes_.insert(d.sort, {rq->elv_sort_pos, rq->tag}, rq);
      if (!merged) return false;
      // attempt_front_merge: the predecessor may now reach this request.
      auto it = d.sort.find({rq->elv_sort_pos, rq->tag});
      if (it != d.sort.begin()) try_merge_requests(std::prev(it)->second, rq);
      return true;
    }
    return false;
  }

  // dd_insert_request: insert merge (repeatedly, as elv_attempt_insert_merge),
  // then file the request with its expiry time.
  void insert_request(request* rq) override {
    dd_data_dir dir = op_is_write(rq->cmd_flags) ? DD_WRITE : DD_READ;
    rq->fifo_time = q_->sched->Now() + (dir == DD_WRITE ? t_.write_expire_ns : t_.read_expire_ns);
    for (;;) {
      request* prev = find_hash(dir, blk_rq_pos(rq));
      if (prev == nullptr) break;
      if (rq->elv_queued) {
        if (!try_merge_requests(prev, rq)) break;
      } else {
        // The new request expires no earlier than prev, so prev keeps its
        // FIFO position; only its end sector (the hash key) moves.
        unhash(prev);
        bool merged = attempt_merge(q_, prev, rq);
        rehash(prev);
        if (!merged) break;
        blk_mq_free_request(rq);
      }
      rq = prev;
    }
    if (rq->elv_queued) return;
    rq->elv_seq = q_->next_elv_seq++;
    rq->elv_sort_pos = blk_rq_pos(rq);
    rq->elv_queued = true;
    key_nodes_.insert(dirs_[dir].sort, {rq->elv_sort_pos, rq->tag}, rq);
    add_fifo(rq);
    rehash(rq);
  }

  // __dd_dispatch_request.
  request* dispatch_request() override {
    request* rq = next_rq_[last_dir_];
    dd_data_dir dir;
    if (rq != nullptr && batching_ < t_.fifo_batch) {
      dir = last_dir_;
    } else {
      if (!list_empty(&dirs_[DD_READ].fifo)) {
        if (!list_empty(&dirs_[DD_WRITE].fifo) && starved_++ >= t_.writes_starved) {
          starved_ = 0;
          dir = DD_WRITE;
        } else {
          dir = DD_READ;
        }
      } else if (!list_empty(&dirs_[DD_WRITE].fifo)) {
        starved_ = 0;
        dir = DD_WRITE;
      } else {
        return nullptr;
      }
      request* next = next_rq_[dir];
      if (check_fifo(dir) || next == nullptr) {
        rq = fifo_first(dir);
      } else {
        rq = next;
      }
      batching_ = 0;
    }
    last_dir_ = dir;
    ++batching_;
    // deadline_move_request: the batch continues after this one.
    next_rq_[dir] = latter(rq);
    remove_request(rq);
    return rq;
  }

  bool has_work() const override {
    return !list_empty(&dirs_[DD_READ].fifo) || !list_empty(&dirs_[DD_WRITE].fifo);
  }
  size_t nr_queued() const override { return dirs_[DD_READ].nr_fifo + dirs_[DD_WRITE].nr_fifo; }

 private:
  using key = std::pair<sector_t, uint64_t>;  // (sector, tag)
  struct per_dir {
    std::map<key, request*> sort;  // by start sector
    list_head fifo;                // rq->queuelist, by elv_seq (expiry order)
    size_t nr_fifo = 0;
    elv_rqhash<request> hash;      // rq->hash, by end sector
  };

  static dd_data_dir dir_of(const request* rq) { return op_is_write(rq->cmd_flags) ? DD_WRITE : DD_READ; }

  // The request after rq in sector order, or nullptr.
  request* latter(request* rq) {
    per_dir& d = dirs_[dir_of(rq)];
    auto it = d.sort.upper_bound({rq->elv_sort_pos, rq->tag});
    return it == d.sort.end() ? nullptr : it->second;
  }

  // The FIFO's head: the request with the lowest elv_seq.
  // REQUIRES: the FIFO is not empty.
  request* fifo_first(dd_data_dir dir) {
    return list_first_entry(&dirs_[dir].fifo, rq_list_node, node)->rq;
  }
  bool check_fifo(dd_data_dir dir) {
    if (list_empty(&dirs_[dir].fifo)) return false;
    return q_->sched->Now() >= fifo_first(dir)->fifo_time;
  }
  // The most recent queued request of this direction that ends at `end`.
  request* find_hash(dd_data_dir dir, sector_t end) { return dirs_[dir].hash.find(end); }
  void unhash(request* rq) { dirs_[dir_of(rq)].hash.del(&rq->hash); }
  void rehash(request* rq) {
    rq->elv_hash_end = blk_rq_end_sector(rq);
    dirs_[dir_of(rq)].hash.add(&rq->hash, rq, rq->elv_hash_end, rq->tag);
  }
  void remove_fifo(request* rq) {
    list_del_init(&rq->queuelist.node);
    --dirs_[dir_of(rq)].nr_fifo;
  }
  // At the tail: REQUIRES rq->elv_seq above every queued one's (a fresh
  // sequence number).
  void add_fifo(request* rq) {
    rq->queuelist.rq = rq;
    list_add_tail(&rq->queuelist.node, &dirs_[dir_of(rq)].fifo);
    ++dirs_[dir_of(rq)].nr_fifo;
  }

  // deadline_remove_request.
  void remove_request(request* rq) {
    dd_data_dir dir = dir_of(rq);
    if (next_rq_[dir] == rq) next_rq_[dir] = latter(rq);
    per_dir& d = dirs_[dir];
    key_nodes_.erase(d.sort, key{rq->elv_sort_pos, rq->tag});
    remove_fifo(rq);
    unhash(rq);
    rq->elv_queued = false;
  }

  // Both queued: next (adjacent after rq) joins rq; rq keeps the earlier
  // expiry and FIFO position (dd_merged_requests). Frees next on success.
  bool try_merge_requests(request* rq, request* next) {
    uint64_t next_seq = next->elv_seq;
    sim::SimTime rq_fifo = rq->fifo_time;
    unhash(rq);
    bool merged = attempt_merge(q_, rq, next);
    if (merged) {
      if (rq->fifo_time < rq_fifo) {
        // rq takes next's FIFO position and sequence number (Linux:
        // list_move(&req->queuelist, &next->queuelist)): the FIFO stays
        // in elv_seq order.
        list_del_init(&rq->queuelist.node);
        list_add(&rq->queuelist.node, &next->queuelist.node);
        rq->elv_seq = next_seq;
      }
      remove_request(next);
      blk_mq_free_request(next);
    }
    rehash(rq);
    return merged;
  }

  request_queue* q_;
  deadline_tunables t_;
  per_dir dirs_[2];
  node_cache<std::map<key, request*>> key_nodes_;  // sort nodes
  request* next_rq_[2] = {nullptr, nullptr};
  dd_data_dir last_dir_ = DD_READ;
  uint32_t batching_ = 0;
  uint32_t starved_ = 0;
};

}  // namespace

std::unique_ptr<elevator_queue> deadline_elevator_alloc(request_queue* q, const deadline_tunables& t) {
  return std::make_unique<deadline_elevator>(q, t);
}

}  // namespace kernel
