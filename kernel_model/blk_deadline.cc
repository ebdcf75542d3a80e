// The "mq-deadline" scheduler; see blk_elevator.h. Models block/mq-deadline.c
// with one priority level and no zoned-device handling: per direction a sort
// list by sector, a FIFO with expiry times and an end-sector hash for back
// merges; batches of fifo_batch requests; reads preferred until writes have
// been starved writes_starved times. As in Linux, the FIFO and the hash link
// the requests themselves (rq->queuelist, rq->hash, rq->rb_node: filing
// allocates nothing); the sort list is an rbtree ordered by (sector, tag),
// where Linux orders by sector alone and puts equal sectors in insertion
// order: the tag makes the order depend on the submissions alone.
#include <cstddef>
#include <type_traits>

#include "kernel_model/blk_elevator.h"
#include "kernel_model/elv_rqhash.h"
#include "kernel_model/list.h"
#include "kernel_model/rbtree.h"
#include "sim/check.h"

namespace kernel {

namespace {

enum dd_data_dir { DD_READ = 0, DD_WRITE = 1 };

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
      if (request* next = deadline_latter_request(rq)) try_merge_requests(rq, next);
      return true;
    }
    if (!t_.front_merges) return false;
    // Front merge: a request starting at the bio's end (lowest tag first).
    const sector_t end = bio_end_sector(b);
    for (request* rq = elv_rb_find(d, end); rq != nullptr && rq->elv_sort_pos == end;
         rq = deadline_latter_request(rq)) {
      if (!blk_rq_merge_ok(rq, b)) continue;
      elv_rb_del(d, rq);
      bool merged = bio_attempt_front_merge(rq, b);
      // dd_request_merged: the request moved in sector order.
      rq->elv_sort_pos = blk_rq_pos(rq);
      elv_rb_add(d, rq);
      if (!merged) return false;
      // attempt_front_merge: the predecessor may now reach this request.
      if (request* prev = deadline_former_request(rq)) try_merge_requests(prev, rq);
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
    elv_rb_add(dirs_[dir], rq);
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
    next_rq_[dir] = deadline_latter_request(rq);
    remove_request(rq);
    return rq;
  }

  bool has_work() const override {
    return !list_empty(&dirs_[DD_READ].fifo) || !list_empty(&dirs_[DD_WRITE].fifo);
  }
  size_t nr_queued() const override { return dirs_[DD_READ].nr_fifo + dirs_[DD_WRITE].nr_fifo; }

 private:
  struct per_dir {
    rb_root sort;               // rq->rb_node, by (elv_sort_pos, tag)
    list_head fifo;             // rq->queuelist, by elv_seq (expiry order)
    size_t nr_fifo = 0;
    elv_rqhash<request> hash;   // rq->hash, by end sector
  };

  static dd_data_dir dir_of(const request* rq) { return op_is_write(rq->cmd_flags) ? DD_WRITE : DD_READ; }

  // The sort list (elv_rb_add, elv_rb_del, elv_rb_find in block/elevator.c;
  // deadline_latter_request, deadline_former_request).
  // rb_entry: the node is the first member of a standard-layout rq_rb_node.
  static_assert(std::is_standard_layout_v<rq_rb_node> && offsetof(rq_rb_node, node) == 0);
  static request* rb_entry_rq(const rb_node* n) {
    return n == nullptr ? nullptr : reinterpret_cast<const rq_rb_node*>(n)->rq;
  }
  // Files rq under (elv_sort_pos, tag). REQUIRES: rq not filed.
  static void elv_rb_add(per_dir& d, request* rq) {
    rq->rb_node.rq = rq;
    rb_add(&rq->rb_node.node, &d.sort, [](const rb_node* a, const rb_node* b) {
      const request* ra = rb_entry_rq(a);
      const request* rb = rb_entry_rq(b);
      return ra->elv_sort_pos < rb->elv_sort_pos ||
             (ra->elv_sort_pos == rb->elv_sort_pos && ra->tag < rb->tag);
    });
  }
  // REQUIRES: rq filed in d.
  static void elv_rb_del(per_dir& d, request* rq) { rb_erase(&rq->rb_node.node, &d.sort); }
  // The filed request starting at `sector` with the lowest tag, or nullptr.
  static request* elv_rb_find(const per_dir& d, sector_t sector) {
    return rb_entry_rq(rb_find_first(sector, &d.sort, [](sector_t s, const rb_node* n) {
      const sector_t pos = rb_entry_rq(n)->elv_sort_pos;
      return s < pos ? -1 : (s > pos ? 1 : 0);
    }));
  }
  // The request after (before) rq in sector order, or nullptr.
  // REQUIRES: rq filed.
  static request* deadline_latter_request(const request* rq) {
    return rb_entry_rq(rb_next(&rq->rb_node.node));
  }
  static request* deadline_former_request(const request* rq) {
    return rb_entry_rq(rb_prev(&rq->rb_node.node));
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
    if (next_rq_[dir] == rq) next_rq_[dir] = deadline_latter_request(rq);
    per_dir& d = dirs_[dir];
    elv_rb_del(d, rq);
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
