#include "kernel_model/elv_rqhash.h"

#include <catch2/catch.hpp>

#include <map>
#include <memory>
#include <utility>
#include <vector>

#include "sim/prng.h"

namespace kernel {
namespace {

struct item {
  elv_rqhash_node<item> node;
  uint64_t id = 0;
};

TEST_CASE("elv_rqhash: finds by end sector, highest tag first", "[kernel][blk]") {
  elv_rqhash<item> h;
  item a, b, c;
  h.add(&a.node, &a, 64, 3);
  h.add(&b.node, &b, 64, 7);
  h.add(&c.node, &c, 72, 1);
  CHECK(h.size() == 3);
  CHECK(h.find(64) == &b);
  CHECK(h.find(72) == &c);
  CHECK(h.find(8) == nullptr);
  std::vector<item*> seen;
  CHECK(h.for_each_at(64, [&](item* it) {
    seen.push_back(it);
    return false;
  }) == nullptr);
  CHECK(seen == std::vector<item*>{&b, &a});
  // Stops at the first the callback accepts.
  CHECK(h.for_each_at(64, [&](item* it) { return it == &a; }) == &a);
  h.del(&b.node);
  h.del(&b.node);  // not filed: no-op
  CHECK(!h.hashed(&b.node));
  CHECK(h.find(64) == &a);
  CHECK(h.size() == 2);
  h.del(&a.node);
  h.del(&c.node);
  CHECK(h.size() == 0);
  CHECK(h.find(64) == nullptr);
}

TEST_CASE("elv_rqhash: agrees with an ordered map under random adds and deletes",
          "[kernel][blk]") {
  // A small sector space so that many items share an end sector and many
  // end sectors share a bucket.
  sim::Prng rng = sim::Prng(GENERATE(1, 2, 3)).Fork("elv_rqhash");
  elv_rqhash<item> h;
  std::vector<std::unique_ptr<item>> items;
  for (uint64_t i = 0; i < 600; ++i) {
    items.push_back(std::make_unique<item>());
    items.back()->id = i;
  }
  std::map<std::pair<uint64_t, uint64_t>, item*> model;  // (end, tag) -> item
  std::vector<uint64_t> end_of(items.size());
  uint64_t next_tag = 1;
  std::vector<uint64_t> tag_of(items.size());
  for (int step = 0; step < 20000; ++step) {
    item* it = items[rng.Uniform(items.size())].get();
    if (!h.hashed(&it->node)) {
      const uint64_t end = rng.Uniform(2048) * 8;
      // Re-filing keeps an old tag sometimes, as a merged request does.
      const uint64_t tag = tag_of[it->id] != 0 && rng.Chance(1, 2) ? tag_of[it->id] : next_tag++;
      h.add(&it->node, it, end, tag);
      model[{end, tag}] = it;
      end_of[it->id] = end;
      tag_of[it->id] = tag;
    } else {
      h.del(&it->node);
      model.erase({end_of[it->id], tag_of[it->id]});
    }
    REQUIRE(h.size() == model.size());
    const uint64_t probe = rng.Chance(1, 2) ? end_of[it->id] : rng.Uniform(2048) * 8;
    std::vector<item*> want;
    for (auto m = model.lower_bound({probe + 1, 0}); m != model.begin();) {
      --m;
      if (m->first.first != probe) break;
      want.push_back(m->second);
    }
    std::vector<item*> got;
    h.for_each_at(probe, [&](item* x) {
      got.push_back(x);
      return false;
    });
    REQUIRE(got == want);
    REQUIRE(h.find(probe) == (want.empty() ? nullptr : want.front()));
  }
  for (auto& it : items) h.del(&it->node);
  CHECK(h.size() == 0);
}

}  // namespace
}  // namespace kernel
