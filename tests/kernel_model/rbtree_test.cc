#include "kernel_model/rbtree.h"

#include <catch2/catch.hpp>

#include <iterator>
#include <map>
#include <memory>
#include <utility>
#include <vector>

#include "sim/prng.h"

namespace kernel {
namespace {

// Keyed like mq-deadline's sort list: (sector, tag), tags unique.
struct item {
  rb_node node;  // first member: the node's address is the item's
  uint64_t sector = 0;
  uint64_t tag = 0;
};

item* item_of(const rb_node* n) {
  return n == nullptr ? nullptr : reinterpret_cast<item*>(const_cast<rb_node*>(n));
}

bool item_less(const rb_node* a, const rb_node* b) {
  const item* x = item_of(a);
  const item* y = item_of(b);
  return x->sector < y->sector || (x->sector == y->sector && x->tag < y->tag);
}

int sector_cmp(uint64_t sector, const rb_node* n) {
  const uint64_t s = item_of(n)->sector;
  return sector < s ? -1 : (sector > s ? 1 : 0);
}

// The black height below n (nullptr leaves count 1), or -1 if a parent
// link is wrong, a red node has a red child or two paths differ in black
// nodes. (Plain tests here: one REQUIRE per tree keeps the sweep fast.)
int black_height(const rb_node* n, const rb_node* parent) {
  if (n == nullptr) return 1;
  if (n->rb_parent != parent) return -1;
  if (n->rb_red && ((n->rb_left != nullptr && n->rb_left->rb_red) ||
                    (n->rb_right != nullptr && n->rb_right->rb_red))) {
    return -1;
  }
  const int left = black_height(n->rb_left, n);
  const int right = black_height(n->rb_right, n);
  if (left < 0 || left != right) return -1;
  return left + (n->rb_red ? 0 : 1);
}

void check_tree(const rb_root* root) {
  REQUIRE((root->rb_node == nullptr || !root->rb_node->rb_red));
  REQUIRE(black_height(root->rb_node, nullptr) > 0);
}

std::vector<item*> in_order(const rb_root* root) {
  std::vector<item*> out;
  for (rb_node* n = rb_first(root); n != nullptr; n = rb_next(n)) out.push_back(item_of(n));
  return out;
}

TEST_CASE("rbtree: keeps (sector, tag) order and finds the lowest tag at a sector",
          "[kernel][blk]") {
  rb_root root;
  CHECK(RB_EMPTY_ROOT(&root));
  CHECK(rb_first(&root) == nullptr);
  item a, b, c, d;
  a.sector = 64, a.tag = 7;
  b.sector = 8, b.tag = 9;
  c.sector = 64, c.tag = 3;
  d.sector = 128, d.tag = 1;
  CHECK(RB_EMPTY_NODE(&a.node));
  for (item* it : {&a, &b, &c, &d}) rb_add(&it->node, &root, item_less);
  check_tree(&root);
  CHECK(in_order(&root) == std::vector<item*>{&b, &c, &a, &d});
  CHECK(item_of(rb_find_first(uint64_t{64}, &root, sector_cmp)) == &c);
  CHECK(item_of(rb_find_first(uint64_t{128}, &root, sector_cmp)) == &d);
  CHECK(rb_find_first(uint64_t{72}, &root, sector_cmp) == nullptr);
  CHECK(item_of(rb_next(&c.node)) == &a);
  CHECK(item_of(rb_prev(&c.node)) == &b);
  CHECK(rb_prev(&b.node) == nullptr);
  CHECK(rb_next(&d.node) == nullptr);
  CHECK(!RB_EMPTY_NODE(&a.node));
  rb_erase(&c.node, &root);
  CHECK(RB_EMPTY_NODE(&c.node));
  check_tree(&root);
  CHECK(item_of(rb_find_first(uint64_t{64}, &root, sector_cmp)) == &a);
  CHECK(in_order(&root) == std::vector<item*>{&b, &a, &d});
  for (item* it : {&a, &b, &d}) rb_erase(&it->node, &root);
  CHECK(RB_EMPTY_ROOT(&root));
}

TEST_CASE("rbtree: agrees with an ordered map under random adds and erases", "[kernel][blk]") {
  // A small sector space so that many items share a sector; insertions in
  // random, rising and falling runs exercise every rebalancing case (the
  // structure is checked after each step).
  sim::Prng rng = sim::Prng(GENERATE(1, 2, 3)).Fork("rbtree");
  rb_root root;
  std::vector<std::unique_ptr<item>> items;
  for (int i = 0; i < 500; ++i) items.push_back(std::make_unique<item>());
  std::map<std::pair<uint64_t, uint64_t>, item*> model;  // (sector, tag) -> item
  uint64_t next_tag = 1;
  uint64_t run_sector = 0;
  for (int step = 0; step < 20000; ++step) {
    item* it = items[rng.Uniform(items.size())].get();
    if (RB_EMPTY_NODE(&it->node)) {
      switch (rng.Uniform(3)) {
        case 0: it->sector = rng.Uniform(256) * 8; break;
        case 1: it->sector = (run_sector += 8) % 2048; break;
        default: it->sector = (run_sector -= 8) % 2048; break;
      }
      it->tag = next_tag++;
      rb_add(&it->node, &root, item_less);
      model[{it->sector, it->tag}] = it;
    } else {
      rb_erase(&it->node, &root);
      REQUIRE(RB_EMPTY_NODE(&it->node));
      model.erase({it->sector, it->tag});
    }
    check_tree(&root);
    std::vector<item*> want;
    for (const auto& [key, value] : model) want.push_back(value);
    REQUIRE(in_order(&root) == want);
    // Neighbours of a filed item, and the lowest tag at a probed sector.
    if (!model.empty()) {
      auto pos = std::next(model.begin(), static_cast<long>(rng.Uniform(model.size())));
      item* filed = pos->second;
      item* after = std::next(pos) == model.end() ? nullptr : std::next(pos)->second;
      item* before = pos == model.begin() ? nullptr : std::prev(pos)->second;
      REQUIRE(item_of(rb_next(&filed->node)) == after);
      REQUIRE(item_of(rb_prev(&filed->node)) == before);
    }
    const uint64_t probe = rng.Uniform(260) * 8;
    auto lb = model.lower_bound({probe, 0});
    item* first = lb != model.end() && lb->first.first == probe ? lb->second : nullptr;
    REQUIRE(item_of(rb_find_first(probe, &root, sector_cmp)) == first);
  }
  for (auto& it : items) {
    if (!RB_EMPTY_NODE(&it->node)) rb_erase(&it->node, &root);
  }
  CHECK(RB_EMPTY_ROOT(&root));
}

}  // namespace
}  // namespace kernel
