// The planted qos2_duplicate_on_reconnect bug: on session resume a QoS 2 flow past PUBREC
// starts again from PUBLISH. Compiled only into mqtt_broker_planted.
#include <deque>
#include <iterator>

#include "broker/state.hpp"

namespace mqtt::broker {

void broker::state::restart_released_qos2(session& s) {
  // Instead of resending PUBREL, the message goes back to the front of the queue, so drain()
  // sends it as a new message (new packet identifier, DUP 0) the client has already received.
  std::deque<outgoing> restarted;
  for (auto it = s.inflight.begin(); it != s.inflight.end();) {
    if (it->second.at != inflight_message::stage::awaiting_pubcomp) {
      ++it;
      continue;
    }
    s.inflight_by_id.erase(it->second.packet_id);
    restarted.push_back(std::move(it->second.out));
    it = s.inflight.erase(it);
  }
  s.queue.insert(s.queue.begin(), std::make_move_iterator(restarted.begin()),
                 std::make_move_iterator(restarted.end()));
}

}  // namespace mqtt::broker
