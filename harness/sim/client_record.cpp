#include "sim/client_record.hpp"

#include <charconv>

// Records are built with designated initializers naming only the fields that matter.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace harness::sim {
namespace {

using check::record;
using check::record_kind;

template <class T>
void parse_number(std::string_view s, T& out) {
  std::from_chars(s.data(), s.data() + s.size(), out);
}

struct event_to_record {
  check::node_id n;
  client_ledger& l;
  std::uint64_t conn;
  bool clean_start;
  std::span<const std::string> topics;

  std::optional<record> operator()(const mqtt::client::connected& e) const {
    return record{.kind = record_kind::connected, .node = n, .conn = conn, .reason = e.reason_code,
                  .session_present = e.session_present, .clean_start = conn != 0 && clean_start};
  }
  std::optional<record> operator()(const mqtt::client::connection_lost&) const {
    return record{.kind = record_kind::connection_lost, .node = n};
  }
  std::optional<record> operator()(const mqtt::client::message_received& e) const {
    record r;
    r.kind = record_kind::delivered;
    r.node = n;
    r.topic = topic_index(topics, e.msg.topic);
    r.qos = static_cast<std::uint8_t>(e.msg.qos);
    r.retain = e.msg.retain;
    r.dup = e.msg.dup;
    // Payloads name what they carry: "m<publisher>.<seq>" a message, "w<conn>" a will.
    std::string_view p = e.msg.payload;
    if (p.size() > 1 && p[0] == 'w') {
      parse_number(p.substr(1), r.conn);
    } else if (p.size() > 1 && p[0] == 'm') {
      std::size_t dot = p.find('.');
      if (dot != std::string_view::npos) {
        parse_number(p.substr(1, dot - 1), r.publisher);
        parse_number(p.substr(dot + 1), r.seq);
      }
    }
    return r;
  }
  std::optional<record> operator()(const mqtt::client::publish_completed& e) const {
    auto it = l.publishes.find(e.packet_id);
    if (it == l.publishes.end()) return std::nullopt;
    record r{.kind = record_kind::publish_acked, .node = n, .seq = it->second, .reason = e.reason_code};
    l.publishes.erase(it);
    return r;
  }
  std::optional<record> operator()(const mqtt::client::subscribed& e) const {
    auto it = l.subscribes.find(e.packet_id);
    if (it == l.subscribes.end()) return std::nullopt;
    std::uint8_t code = e.reason_codes.empty() ? 0x80 : e.reason_codes.front();
    record r{.kind = record_kind::subscribe_acked, .node = n, .seq = it->second.second,
             .filter = it->second.first, .reason = code};
    l.subscribes.erase(it);
    return r;
  }
  std::optional<record> operator()(const mqtt::client::unsubscribed& e) const {
    auto it = l.unsubscribes.find(e.packet_id);
    if (it == l.unsubscribes.end()) return std::nullopt;
    record r{.kind = record_kind::unsubscribe_acked, .node = n, .seq = it->second.second, .filter = it->second.first};
    l.unsubscribes.erase(it);
    return r;
  }
  std::optional<record> operator()(const mqtt::client::protocol_violation& e) const {
    record r;
    r.kind = record_kind::protocol_violation;
    r.node = n;
    r.text = e.text + (e.statement.empty() ? "" : " (" + std::string(e.statement.text()) + ")");
    return r;
  }
  template <class Other>
  std::optional<record> operator()(const Other&) const {
    return std::nullopt;
  }
};

}  // namespace

std::optional<bool> connect_clean_flag(std::span<const std::uint8_t> bytes, std::size_t& size) {
  if (bytes.size() < 2 || bytes[0] != 0x10) return std::nullopt;
  std::size_t remaining = 0;
  std::size_t pos = 1;
  for (unsigned shift = 0; pos < bytes.size() && shift <= 21; shift += 7) {
    std::uint8_t b = bytes[pos++];
    remaining |= std::size_t{b & 0x7Fu} << shift;
    if ((b & 0x80) == 0) break;
  }
  size = pos + remaining;
  if (pos + 2 > bytes.size()) return std::nullopt;
  std::size_t name_len = (std::size_t{bytes[pos]} << 8) | bytes[pos + 1];
  std::size_t flags_at = pos + 2 + name_len + 1;
  if (flags_at >= bytes.size()) return std::nullopt;
  return (bytes[flags_at] & 0x02) != 0;
}

std::uint16_t topic_index(std::span<const std::string> topics, std::string_view topic) {
  for (std::size_t i = 0; i < topics.size(); ++i) {
    if (topics[i] == topic) return static_cast<std::uint16_t>(i);
  }
  return static_cast<std::uint16_t>(topics.size());
}

record client_ledger::publish_invoked(check::node_id n, std::uint32_t seq, const mqtt::client::message& m,
                                      std::span<const std::string> topics) const {
  return record{.kind = record_kind::publish_invoked, .node = n, .seq = seq, .topic = topic_index(topics, m.topic),
                .qos = static_cast<std::uint8_t>(m.qos), .retain = m.retain};
}

void client_ledger::published(std::optional<std::uint16_t> packet_id, std::uint32_t seq) {
  if (packet_id && *packet_id != 0) publishes[*packet_id] = seq;
}

record client_ledger::subscribe_invoked(check::node_id n, std::uint16_t filter, std::uint8_t qos) {
  return record{.kind = record_kind::subscribe_invoked, .node = n, .seq = next_request++, .filter = filter, .qos = qos};
}

record client_ledger::unsubscribe_invoked(check::node_id n, std::uint16_t filter) {
  return record{.kind = record_kind::unsubscribe_invoked, .node = n, .seq = next_request++, .filter = filter};
}

void client_ledger::requested(bool subscribe, std::optional<std::uint16_t> packet_id, const record& invoked) {
  if (!packet_id) return;
  (subscribe ? subscribes : unsubscribes)[*packet_id] = {invoked.filter, invoked.seq};
}

std::optional<record> event_record(check::node_id n, client_ledger& ledger, const mqtt::client::event& e,
                                   std::uint64_t conn, bool clean_start, std::span<const std::string> topics) {
  return std::visit(event_to_record{n, ledger, conn, clean_start, topics}, e);
}

}  // namespace harness::sim
