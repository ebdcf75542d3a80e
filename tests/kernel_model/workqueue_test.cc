// Workqueues: pending bit, non-reentrancy, flush, cancel, delayed work,
// concurrency.
#include <catch2/catch.hpp>

#include <vector>

#include "kernel_model/workqueue.h"
#include "tests/kernel_model/world.h"

using namespace kernel;
using kernel_test::World;

namespace {

// A work item that records each run and can sleep inside.
struct Item {
  work_struct work;  // first: container_of also works, but we use the cast
  sim::SimTime sleep_ns = 0;
  int runs = 0;
  int running = 0;
  int max_running = 0;
  std::vector<std::pair<sim::SimTime, sim::SimTime>> spans;
  work_struct* seen_current = nullptr;
};

void item_fn(work_struct* work) {
  Item* it = reinterpret_cast<Item*>(work);
  ++it->runs;
  ++it->running;
  it->max_running = std::max(it->max_running, it->running);
  it->seen_current = current_work();
  sim::SimTime start = ktime_get();
  if (it->sleep_ns) {
    ktime_t until = start + it->sleep_ns;
    set_current_state(TASK_UNINTERRUPTIBLE);
    schedule_hrtimeout(&until);
  }
  it->spans.emplace_back(start, ktime_get());
  --it->running;
}

void init_item(Item* it, sim::SimTime sleep_ns = 0) {
  INIT_WORK(&it->work, item_fn);
  it->sleep_ns = sleep_ns;
}

}  // namespace

TEST_CASE("workqueue: queue_work is false while the item is pending; it runs once",
          "[kernel][workqueue]") {
  World w;
  Item it;
  init_item(&it);
  bool first = false, second = true;
  create_process("p", [&] {
    first = schedule_work(&it.work);
    second = schedule_work(&it.work);
    return 0;
  });
  auto r = w.Run();
  CHECK(r.status == sim::RunStatus::kIdle);
  CHECK(first);
  CHECK_FALSE(second);
  CHECK(it.runs == 1);
  CHECK(it.seen_current == &it.work);
  CHECK_FALSE(work_pending(&it.work));
}

TEST_CASE("workqueue: an item queued while it runs runs again afterwards, never concurrently",
          "[kernel][workqueue]") {
  World w;
  workqueue_struct* wq = nullptr;
  Item it;
  init_item(&it, 10 * sim::kMicrosecond);
  bool requeued = false;
  create_process("p", [&] {
    wq = alloc_workqueue("multi", 0, 4);
    queue_work(wq, &it.work);
    ktime_t t = 5 * sim::kMicrosecond;  // mid-run
    set_current_state(TASK_UNINTERRUPTIBLE);
    schedule_hrtimeout(&t);
    requeued = queue_work(wq, &it.work);
    // An idle worker exists, but the item must go to the one running it.
    flush_work(&it.work);
    return 0;
  });
  auto r = w.Run();
  CHECK(r.status == sim::RunStatus::kIdle);
  CHECK(requeued);
  CHECK(it.runs == 2);
  CHECK(it.max_running == 1);
  REQUIRE(it.spans.size() == 2);
  CHECK(it.spans[0] == std::make_pair(sim::SimTime{0}, sim::SimTime{10000}));
  CHECK(it.spans[1] == std::make_pair(sim::SimTime{10000}, sim::SimTime{20000}));
}

TEST_CASE("workqueue: flush_work waits for the item, and is false for an idle item",
          "[kernel][workqueue]") {
  World w;
  Item it;
  init_item(&it, 3 * sim::kMillisecond);
  bool waited = false, idle = true;
  sim::SimTime t = -1;
  create_process("p", [&] {
    schedule_work(&it.work);
    waited = flush_work(&it.work);
    t = w.Now();
    idle = flush_work(&it.work);
    return 0;
  });
  w.Run();
  CHECK(waited);
  CHECK(t == 3 * sim::kMillisecond);
  CHECK_FALSE(idle);
}

TEST_CASE("workqueue: cancel_work_sync drops a pending item and waits for a running one",
          "[kernel][workqueue]") {
  World w;
  Item pending_item, running_item;
  init_item(&pending_item);
  init_item(&running_item, 7 * sim::kMillisecond);
  bool c1 = false, c2 = true, requeue_during_cancel = true;
  sim::SimTime t2 = -1;
  create_process("p", [&] {
    workqueue_struct* wq = alloc_workqueue("one", 0, 1);
    queue_work(wq, &running_item.work);
    queue_work(wq, &pending_item.work);  // waits behind running_item (max_active 1)
    sys_nanosleep_ns(1 * sim::kMillisecond);
    c1 = cancel_work_sync(&pending_item.work);
    c2 = cancel_work_sync(&running_item.work);  // not pending: waits for the run
    t2 = w.Now();
    return 0;
  });
  create_process("q", [&] {
    sys_nanosleep_ns(2 * sim::kMillisecond);
    requeue_during_cancel = queue_work(Kernel::Current()->system_wq, &running_item.work);
    return 0;
  });
  w.Run();
  CHECK(c1);
  CHECK(pending_item.runs == 0);
  CHECK_FALSE(c2);
  CHECK(running_item.runs == 1);
  CHECK(t2 == 7 * sim::kMillisecond);
  CHECK_FALSE(requeue_during_cancel);  // the item is being cancelled
}

TEST_CASE("workqueue: delayed work runs after its delay; mod_delayed_work re-arms; cancel drops",
          "[kernel][workqueue]") {
  World w;  // 4 ms jiffies
  struct D {
    delayed_work dw;
    std::vector<sim::SimTime> runs;
  };
  static D* d_for_fn[3];
  D d[3];
  for (int i = 0; i < 3; ++i) {
    d_for_fn[i] = &d[i];
    INIT_DELAYED_WORK(&d[i].dw, [](work_struct* work) {
      delayed_work* dw = to_delayed_work(work);
      for (D* x : d_for_fn) {
        if (&x->dw == dw) x->runs.push_back(ktime_get());
      }
    });
  }
  bool mod_was_pending = false, cancel_was_pending = false, queued_twice = true;
  create_process("p", [&] {
    schedule_delayed_work(&d[0].dw, 5);                 // 20 ms
    queued_twice = schedule_delayed_work(&d[0].dw, 1);  // already pending
    schedule_delayed_work(&d[1].dw, 10);                // re-armed below
    mod_was_pending = mod_delayed_work(Kernel::Current()->system_wq, &d[1].dw, 2);  // 8 ms
    schedule_delayed_work(&d[2].dw, 3);
    cancel_was_pending = cancel_delayed_work(&d[2].dw);
    return 0;
  });
  auto r = w.Run();
  CHECK(r.status == sim::RunStatus::kIdle);
  CHECK_FALSE(queued_twice);
  CHECK(mod_was_pending);
  CHECK(cancel_was_pending);
  CHECK(d[0].runs == std::vector<sim::SimTime>{20 * sim::kMillisecond});
  CHECK(d[1].runs == std::vector<sim::SimTime>{8 * sim::kMillisecond});
  CHECK(d[2].runs.empty());
}

TEST_CASE("workqueue: flush_delayed_work runs a waiting item now", "[kernel][workqueue]") {
  World w;
  static sim::SimTime ran_at = -1;
  delayed_work dw;
  INIT_DELAYED_WORK(&dw, [](work_struct*) { ran_at = ktime_get(); });
  bool flushed = false;
  create_process("p", [&] {
    schedule_delayed_work(&dw, 100);
    msleep(1);
    flushed = flush_delayed_work(&dw);
    return 0;
  });
  w.Run();
  CHECK(flushed);
  CHECK(ran_at == 8 * sim::kMillisecond);  // msleep(1) = 2 jiffies
}

TEST_CASE("workqueue: up to max_active items run at once; flush_workqueue waits for all",
          "[kernel][workqueue]") {
  World w;
  Item items[3];
  for (Item& it : items) init_item(&it, 10 * sim::kMillisecond);
  sim::SimTime flushed_at = -1;
  size_t workers = 0;
  create_process("p", [&] {
    workqueue_struct* wq = alloc_workqueue("two", 0, 2);
    for (Item& it : items) queue_work(wq, &it.work);
    flush_workqueue(wq);
    flushed_at = w.Now();
    workers = workqueue_nr_workers(wq);
    destroy_workqueue(wq);
    return 0;
  });
  auto r = w.Run();
  CHECK(r.status == sim::RunStatus::kIdle);
  CHECK(workers == 2);
  CHECK(items[0].spans[0].first == 0);
  CHECK(items[1].spans[0].first == 0);
  CHECK(items[2].spans[0].first == 10 * sim::kMillisecond);
  CHECK(flushed_at == 20 * sim::kMillisecond);
}

TEST_CASE("workqueue: a work function may free its own item", "[kernel][workqueue]") {
  World w;
  static int freed = 0;
  struct Owned {
    work_struct work;
  };
  create_process("p", [&] {
    auto* o = new Owned;
    INIT_WORK(&o->work, [](work_struct* work) {
      delete container_of(work, Owned, work);
      ++freed;
    });
    schedule_work(&o->work);
    flush_scheduled_work();
    return 0;
  });
  auto r = w.Run();
  CHECK(r.status == sim::RunStatus::kIdle);
  CHECK(freed == 1);
}
