// The event queue: (time, sequence) order, the virtual clock, the event budget, and a run that
// stops when a driver has something to look at.
#include <boost/test/unit_test.hpp>
#include <vector>

#include "sim/event_queue.hpp"

using harness::sim::event_queue;

BOOST_AUTO_TEST_SUITE(sim_event_queue)

BOOST_AUTO_TEST_CASE(runs_in_time_then_sequence_order) {
  event_queue q;
  std::vector<int> order;
  q.schedule(20, [&] { order.push_back(3); });
  q.schedule(10, [&] { order.push_back(1); });
  q.schedule(10, [&] { order.push_back(2); });
  q.schedule(30, [&] { order.push_back(4); });
  BOOST_TEST(q.run_until(25, 100) == 3u);
  BOOST_TEST(q.now() == 25u);
  BOOST_TEST((order == std::vector<int>{1, 2, 3}));
  BOOST_TEST(q.run_until(100, 100) == 1u);
  BOOST_TEST((order == std::vector<int>{1, 2, 3, 4}));
  BOOST_TEST(q.events_run() == 4u);
}

BOOST_AUTO_TEST_CASE(events_schedule_events_and_clock_follows) {
  event_queue q;
  std::vector<std::uint64_t> times;
  std::function<void()> tick = [&] {
    times.push_back(q.now());
    if (times.size() < 5) q.after(7, tick);
  };
  q.schedule(0, tick);
  q.run_until(1'000, 100);
  BOOST_TEST((times == std::vector<std::uint64_t>{0, 7, 14, 21, 28}));
  BOOST_TEST(q.empty());
  BOOST_TEST(q.now() == 1'000u);
}

BOOST_AUTO_TEST_CASE(event_budget_bounds_a_run) {
  event_queue q;
  std::function<void()> forever = [&] { q.after(0, forever); };
  q.schedule(5, forever);
  BOOST_TEST(q.run_until(10, 50) == 50u);
  BOOST_TEST(q.now() == 5u);  // stopped by the budget, not by the deadline
}

BOOST_AUTO_TEST_CASE(a_stop_flag_ends_a_run_after_the_event_that_set_it) {
  event_queue q;
  std::vector<int> order;
  bool stop = false;
  q.schedule(10, [&] { order.push_back(1); });
  q.schedule(10, [&] {
    order.push_back(2);
    stop = true;
  });
  q.schedule(10, [&] { order.push_back(3); });
  q.schedule(20, [&] { order.push_back(4); });
  BOOST_TEST(q.run_until(100, 100, stop) == 2u);
  BOOST_TEST(q.now() == 10u);  // the clock stays at the event that stopped it
  BOOST_TEST((order == std::vector<int>{1, 2}));
  BOOST_TEST(q.run_until(100, 100, stop) == 0u);  // still set: nothing runs
  stop = false;
  BOOST_TEST(q.run_until(15, 100, stop) == 1u);  // the rest due by 15
  BOOST_TEST(q.now() == 15u);
  BOOST_TEST(q.run_until(100, 100, stop) == 1u);
  BOOST_TEST((order == std::vector<int>{1, 2, 3, 4}));
  BOOST_TEST(q.events_run() == 4u);
}

BOOST_AUTO_TEST_SUITE_END()
