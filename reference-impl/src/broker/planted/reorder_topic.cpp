// The planted reorder_topic bug: every other QoS 1/2 message to a session is held back and
// sent after the next one on its topic. Compiled only into mqtt_broker_planted.
#include "broker/state.hpp"

namespace mqtt::broker {

bool broker::state::reorder_planted(session& s, outgoing& out, clock_ms now) {
  auto held = planted_held.find(s.serial);
  if (held != planted_held.end() && held->second.out.msg->topic == out.msg->topic) {
    // The swap: the later message goes out first, the held-back one right after it.
    outgoing earlier = std::move(held->second.out);
    planted_held.erase(held);
    for (outgoing* o : {&out, &earlier}) {
      if (s.queue.size() < opts.limits.queued_messages_max) s.queue.push_back(std::move(*o));
    }
    drain(s, now);
    return true;
  }
  release_held_back(s, now);  // another topic: no swap, the held one goes first
  // Hold back only what would otherwise be sent at once, so the queue keeps its order.
  if (!s.queue.empty() || s.inflight.size() >= window(s)) return false;
  // Released by a timer if no successor comes: the bug reorders, it does not also lose the
  // last message of a stream.
  planted_held.insert_or_assign(s.serial, held_message{std::move(out), now + planted_reorder_hold_ms});
  arm({now + planted_reorder_hold_ms, timer_entry::kind::release_held, s.serial, s.timer_generation});
  return true;
}

void broker::state::release_held_back(session& s, clock_ms now) {
  auto held = planted_held.find(s.serial);
  if (held == planted_held.end()) return;
  // Nothing newer entered the queue while it was held, so the back of the queue is its place.
  if (s.queue.size() < opts.limits.queued_messages_max) s.queue.push_back(std::move(held->second.out));
  planted_held.erase(held);
  drain(s, now);  // nothing is sent while offline: it waits in the queue like any other
}

void broker::state::release_held_timer(const timer_entry& t, clock_ms now) {
  auto it = sessions_by_serial.find(t.id);
  if (it == sessions_by_serial.end() || it->second->timer_generation != t.generation) return;
  auto held = planted_held.find(t.id);
  if (held == planted_held.end() || held->second.release_at > now) return;  // a later hold's
  release_held_back(*it->second, now);
}

}  // namespace mqtt::broker
