// The planted shared_to_every_member bug: a message on a shared subscription goes to every
// member of the group instead of one. Compiled only into mqtt_broker_planted.
#include <algorithm>

#include "broker/state.hpp"

namespace mqtt::broker {

std::size_t broker::state::planted_deliver_to_group(const std::vector<std::uint64_t>& members,
                                                    const std::string& filter, const message_ptr& msg,
                                                    clock_ms now) {
  // A copy of the members: enqueueing never changes the group, but the loop need not rely on it.
  const std::vector<std::uint64_t> serials = members;
  for (std::uint64_t serial : serials) {
    session& s = *sessions_by_serial.at(serial);
    const subscription_entry& e = s.subscriptions.at(filter);
    enqueue(s, outgoing{msg, std::min(msg->qos, e.options.max_qos), false, {}}, now);
  }
  return serials.size();
}

}  // namespace mqtt::broker
