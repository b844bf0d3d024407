// SUBSCRIBE and UNSUBSCRIBE with their acknowledgements.
//
// Choices the standard leaves open:
// - subscribe() and unsubscribe() accept requests while disconnected and queue them (at most
//   requests_max awaiting an answer); they go out right after the next CONNACK, after the
//   re-sent PUBLISH and PUBREL packets and before messages not sent yet.
// - A request still unanswered when the connection ends is sent again, with the same packet
//   identifier, on the next connection, whatever Session Present says: both are idempotent
//   and a new session lost whatever the broker had done with them.
// - In 3.1 and 3.1.1 the 5.0-only parts (subscription identifier, No Local, Retain As
//   Published, Retain Handling) are left out.
// - A request beyond the broker's Maximum Packet Size (MQTT-3.2.2-15) is not sent; it is
//   answered locally with 0x95 (Packet Too Large) for each topic filter.
#include <algorithm>
#include <stdexcept>
#include <string>
#include <utility>

#include "mqtt/codec/encoder.hpp"
#include "state.hpp"

namespace mqtt::client {
namespace detail {

codec::packet to_codec(const request& r, codec::protocol_version v) {
  const bool v5 = v == codec::protocol_version::v5;
  if (!r.is_subscribe) {
    codec::unsubscribe u;
    u.packet_id = r.packet_id;
    u.filters.reserve(r.filters.size());
    for (const std::string& f : r.filters) u.filters.emplace_back(f);
    return u;
  }
  codec::subscribe s;
  s.packet_id = r.packet_id;
  if (v5 && r.subscription_id) s.props.subscription_identifiers.push_back(*r.subscription_id);
  s.subscriptions.reserve(r.subs.size());
  for (const subscription_request& q : r.subs) {
    codec::subscription_options o;
    o.max_qos = q.max_qos;
    if (v5) {
      o.no_local = q.no_local;
      o.retain_as_published = q.retain_as_published;
      o.retain_handling = q.retain_handling;
    }
    s.subscriptions.push_back(codec::subscription{q.filter, o});
  }
  return s;
}

}  // namespace detail

namespace {

event local_answer(const detail::request& r, std::uint8_t code) {
  std::vector<std::uint8_t> codes(r.filter_count(), code);
  if (r.is_subscribe) return subscribed{r.packet_id, std::move(codes)};
  return unsubscribed{r.packet_id, std::move(codes)};
}

}  // namespace

std::optional<std::uint16_t> client::state::add_request(detail::request r) {
  const char* what = r.is_subscribe ? "subscribe" : "unsubscribe";
  if (r.filter_count() == 0) {
    // 3.1.1 MQTT-3.8.3-3, MQTT-3.10.3-2 / 5.0 MQTT-3.8.3-2, MQTT-3.10.3-2.
    throw std::invalid_argument(std::string(what) + ": no topic filter");
  }
  if (!v5()) r.subscription_id.reset();
  if (requests.size() >= detail::requests_max) return std::nullopt;
  std::optional<std::uint16_t> id = ids.allocate();  // MQTT-2.2.1-3 / MQTT-2.3.1-1
  if (!id) return std::nullopt;
  r.packet_id = *id;
  if (std::optional<codec::error> e = encode_error(detail::to_codec(r, version))) {
    ids.erase(*id);
    throw std::invalid_argument(std::string(what) +
                                ": the request cannot be encoded: " + std::string(e->message()));
  }
  requests.push_back(std::move(r));
  if (ph == phase::connected && !send_request(requests.back())) {
    requests.pop_back();
  }
  return id;
}

bool client::state::send_request(detail::request& r) {
  if (send(detail::to_codec(r, version))) {
    r.sent_on_connection = true;
    return true;
  }
  events.push_back(local_answer(r, codec::reason::packet_too_large));
  ids.erase(r.packet_id);
  return false;
}

void client::state::send_requests() {
  for (auto it = requests.begin(); it != requests.end() && ph == phase::connected;) {
    auto next = std::next(it);
    if (!it->sent_on_connection && !send_request(*it)) requests.erase(it);
    it = next;
  }
}

void client::state::handle_suback(const codec::suback& a) {
  auto it = std::find_if(requests.begin(), requests.end(), [&](const detail::request& r) {
    return r.packet_id == a.packet_id && r.is_subscribe;
  });
  if (it == requests.end()) return;  // tolerated, like an unknown PUBACK
  if (a.reason_codes.size() != it->subs.size()) {
    violation("SUBACK has " + std::to_string(a.reason_codes.size()) + " codes for " +
                  std::to_string(it->subs.size()) + " topic filters",
              detail::statement_ids{"MQTT-3.8.4-5", "MQTT-3.8.4-6"}.pick(version),
              codec::reason::protocol_error);
    return;
  }
  events.emplace_back(subscribed{a.packet_id, a.reason_codes});
  ids.erase(a.packet_id);
  requests.erase(it);
}

void client::state::handle_unsuback(const codec::unsuback& a) {
  auto it = std::find_if(requests.begin(), requests.end(), [&](const detail::request& r) {
    return r.packet_id == a.packet_id && !r.is_subscribe;
  });
  if (it == requests.end()) return;  // tolerated
  // 3.1.1's UNSUBACK carries no codes; 5.0's has one per topic filter.
  if (v5() && a.reason_codes.size() != it->filters.size()) {
    violation("UNSUBACK has " + std::to_string(a.reason_codes.size()) + " codes for " +
                  std::to_string(it->filters.size()) + " topic filters",
              "MQTT-3.11.3-2", codec::reason::protocol_error);
    return;
  }
  events.emplace_back(unsubscribed{a.packet_id, a.reason_codes});
  ids.erase(a.packet_id);
  requests.erase(it);
}

}  // namespace mqtt::client
