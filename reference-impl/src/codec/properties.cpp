// 5.0 properties (section 2.2.2): which packet may carry which property (Table 2-4), and
// their decoding and canonical encoding (ascending identifier order).
#include <cstdint>

#include "codec_impl.hpp"

namespace mqtt::codec {

bool properties::empty() const { return *this == properties{}; }

namespace {

using ctx = property_context;

constexpr std::uint32_t bit(ctx c) { return 1u << static_cast<unsigned>(c); }

// For each identifier, the set of contexts that may carry it (5.0 Table 2-4).
std::uint32_t allowed_contexts(property_id id) {
  const std::uint32_t publish_and_will = bit(ctx::publish) | bit(ctx::will);
  const std::uint32_t acks = bit(ctx::connack) | bit(ctx::puback) | bit(ctx::pubrec) |
                             bit(ctx::pubrel) | bit(ctx::pubcomp) | bit(ctx::suback) |
                             bit(ctx::unsuback) | bit(ctx::disconnect) | bit(ctx::auth);
  switch (id) {
    case property_id::payload_format_indicator:
    case property_id::message_expiry_interval:
    case property_id::content_type:
    case property_id::response_topic:
    case property_id::correlation_data: return publish_and_will;
    case property_id::subscription_identifier: return bit(ctx::publish) | bit(ctx::subscribe);
    case property_id::session_expiry_interval:
      return bit(ctx::connect) | bit(ctx::connack) | bit(ctx::disconnect);
    case property_id::assigned_client_identifier:
    case property_id::server_keep_alive:
    case property_id::response_information:
    case property_id::maximum_qos:
    case property_id::retain_available:
    case property_id::wildcard_subscription_available:
    case property_id::subscription_identifier_available:
    case property_id::shared_subscription_available: return bit(ctx::connack);
    case property_id::authentication_method:
    case property_id::authentication_data:
      return bit(ctx::connect) | bit(ctx::connack) | bit(ctx::auth);
    case property_id::request_problem_information:
    case property_id::request_response_information: return bit(ctx::connect);
    case property_id::will_delay_interval: return bit(ctx::will);
    case property_id::server_reference: return bit(ctx::connack) | bit(ctx::disconnect);
    case property_id::reason_string: return acks;
    case property_id::receive_maximum:
    case property_id::topic_alias_maximum:
    case property_id::maximum_packet_size: return bit(ctx::connect) | bit(ctx::connack);
    case property_id::topic_alias: return bit(ctx::publish);
    case property_id::user_property: return 0xFFFFFFFFu;
  }
  return 0;
}

bool repeatable(property_id id, ctx where) {
  return id == property_id::user_property ||
         (id == property_id::subscription_identifier && where == ctx::publish);
}

std::uint8_t boolean(detail::reader& r) {
  std::size_t at = r.pos();
  std::uint8_t v = r.u8();
  if (v > 1) r.fail(rule::property_boolean_value, at);
  return v;
}

std::uint16_t non_zero_u16(detail::reader& r, rule zero_rule) {
  std::size_t at = r.pos();
  std::uint16_t v = r.u16();
  if (!r.failed() && v == 0) r.fail(zero_rule, at);
  return v;
}

void read_value(detail::reader& r, property_id id, properties& p) {
  using pid = property_id;
  std::size_t at = r.pos();
  switch (id) {
    case pid::payload_format_indicator: p.payload_format_indicator = boolean(r); return;
    case pid::message_expiry_interval: p.message_expiry_interval_s = r.u32(); return;
    case pid::content_type: p.content_type = r.utf8(); return;
    case pid::response_topic: {
      p.response_topic = r.utf8();
      std::size_t wildcard = p.response_topic->find_first_of("+#");
      if (wildcard != std::string_view::npos) {
        r.fail(rule::property_response_topic_wildcard, at + 2 + wildcard);
      }
      return;
    }
    case pid::correlation_data: p.correlation_data = r.binary(); return;
    case pid::subscription_identifier: {
      std::uint32_t v = r.varint();
      if (!r.failed() && v == 0) r.fail(rule::property_subscription_identifier_zero, at);
      p.subscription_identifiers.push_back(v);
      return;
    }
    case pid::session_expiry_interval: p.session_expiry_interval_s = r.u32(); return;
    case pid::assigned_client_identifier: p.assigned_client_identifier = r.utf8(); return;
    case pid::server_keep_alive: p.server_keep_alive_s = r.u16(); return;
    case pid::authentication_method: p.authentication_method = r.utf8(); return;
    case pid::authentication_data: p.authentication_data = r.binary(); return;
    case pid::request_problem_information: p.request_problem_information = boolean(r); return;
    case pid::will_delay_interval: p.will_delay_interval_s = r.u32(); return;
    case pid::request_response_information: p.request_response_information = boolean(r); return;
    case pid::response_information: p.response_information = r.utf8(); return;
    case pid::server_reference: p.server_reference = r.utf8(); return;
    case pid::reason_string: p.reason_string = r.utf8(); return;
    case pid::receive_maximum:
      p.receive_maximum = non_zero_u16(r, rule::property_receive_maximum_zero);
      return;
    case pid::topic_alias_maximum: p.topic_alias_maximum = r.u16(); return;
    case pid::topic_alias: p.topic_alias = non_zero_u16(r, rule::property_topic_alias_zero); return;
    case pid::maximum_qos: p.maximum_qos = boolean(r); return;
    case pid::retain_available: p.retain_available = boolean(r); return;
    case pid::user_property: {
      std::string_view key = r.utf8();
      std::string_view value = r.utf8();
      p.user_properties.emplace_back(key, value);
      return;
    }
    case pid::maximum_packet_size: {
      std::uint32_t v = r.u32();
      if (!r.failed() && v == 0) r.fail(rule::property_maximum_packet_size_zero, at);
      p.maximum_packet_size = v;
      return;
    }
    case pid::wildcard_subscription_available: p.wildcard_subscription_available = boolean(r); return;
    case pid::subscription_identifier_available:
      p.subscription_identifier_available = boolean(r);
      return;
    case pid::shared_subscription_available: p.shared_subscription_available = boolean(r); return;
  }
}

// Calls the writer for each present property in ascending identifier order.
template <class W>
void put_property_list(W& w, const properties& p) {
  auto id = [&w](property_id i) { w.u8(static_cast<std::uint8_t>(i)); };
  using pid = property_id;
  if (p.payload_format_indicator) id(pid::payload_format_indicator), w.u8(*p.payload_format_indicator);
  if (p.message_expiry_interval_s) id(pid::message_expiry_interval), w.u32(*p.message_expiry_interval_s);
  if (p.content_type) id(pid::content_type), w.string(*p.content_type);
  if (p.response_topic) id(pid::response_topic), w.string(*p.response_topic);
  if (p.correlation_data) id(pid::correlation_data), w.string(*p.correlation_data);
  for (std::uint32_t s : p.subscription_identifiers) id(pid::subscription_identifier), w.varint(s);
  if (p.session_expiry_interval_s) id(pid::session_expiry_interval), w.u32(*p.session_expiry_interval_s);
  if (p.assigned_client_identifier) id(pid::assigned_client_identifier), w.string(*p.assigned_client_identifier);
  if (p.server_keep_alive_s) id(pid::server_keep_alive), w.u16(*p.server_keep_alive_s);
  if (p.authentication_method) id(pid::authentication_method), w.string(*p.authentication_method);
  if (p.authentication_data) id(pid::authentication_data), w.string(*p.authentication_data);
  if (p.request_problem_information) id(pid::request_problem_information), w.u8(*p.request_problem_information);
  if (p.will_delay_interval_s) id(pid::will_delay_interval), w.u32(*p.will_delay_interval_s);
  if (p.request_response_information) id(pid::request_response_information), w.u8(*p.request_response_information);
  if (p.response_information) id(pid::response_information), w.string(*p.response_information);
  if (p.server_reference) id(pid::server_reference), w.string(*p.server_reference);
  if (p.reason_string) id(pid::reason_string), w.string(*p.reason_string);
  if (p.receive_maximum) id(pid::receive_maximum), w.u16(*p.receive_maximum);
  if (p.topic_alias_maximum) id(pid::topic_alias_maximum), w.u16(*p.topic_alias_maximum);
  if (p.topic_alias) id(pid::topic_alias), w.u16(*p.topic_alias);
  if (p.maximum_qos) id(pid::maximum_qos), w.u8(*p.maximum_qos);
  if (p.retain_available) id(pid::retain_available), w.u8(*p.retain_available);
  for (const user_property& u : p.user_properties) id(pid::user_property), w.string(u.first), w.string(u.second);
  if (p.maximum_packet_size) id(pid::maximum_packet_size), w.u32(*p.maximum_packet_size);
  if (p.wildcard_subscription_available) id(pid::wildcard_subscription_available), w.u8(*p.wildcard_subscription_available);
  if (p.subscription_identifier_available) id(pid::subscription_identifier_available), w.u8(*p.subscription_identifier_available);
  if (p.shared_subscription_available) id(pid::shared_subscription_available), w.u8(*p.shared_subscription_available);
}

}  // namespace

bool property_allowed(property_id id, property_context where) {
  return (allowed_contexts(id) & bit(where)) != 0;
}

std::string_view to_string(property_id id) {
  using pid = property_id;
  switch (id) {
    case pid::payload_format_indicator: return "payload_format_indicator";
    case pid::message_expiry_interval: return "message_expiry_interval";
    case pid::content_type: return "content_type";
    case pid::response_topic: return "response_topic";
    case pid::correlation_data: return "correlation_data";
    case pid::subscription_identifier: return "subscription_identifier";
    case pid::session_expiry_interval: return "session_expiry_interval";
    case pid::assigned_client_identifier: return "assigned_client_identifier";
    case pid::server_keep_alive: return "server_keep_alive";
    case pid::authentication_method: return "authentication_method";
    case pid::authentication_data: return "authentication_data";
    case pid::request_problem_information: return "request_problem_information";
    case pid::will_delay_interval: return "will_delay_interval";
    case pid::request_response_information: return "request_response_information";
    case pid::response_information: return "response_information";
    case pid::server_reference: return "server_reference";
    case pid::reason_string: return "reason_string";
    case pid::receive_maximum: return "receive_maximum";
    case pid::topic_alias_maximum: return "topic_alias_maximum";
    case pid::topic_alias: return "topic_alias";
    case pid::maximum_qos: return "maximum_qos";
    case pid::retain_available: return "retain_available";
    case pid::user_property: return "user_property";
    case pid::maximum_packet_size: return "maximum_packet_size";
    case pid::wildcard_subscription_available: return "wildcard_subscription_available";
    case pid::subscription_identifier_available: return "subscription_identifier_available";
    case pid::shared_subscription_available: return "shared_subscription_available";
  }
  return "";
}

namespace detail {

void decode_properties(reader& r, property_context where, properties& out) {
  std::size_t at = r.pos();
  std::uint32_t length = r.varint();
  if (r.failed()) return;
  if (length > r.remaining()) {
    r.fail(rule::truncated, at);
    return;
  }
  reader pr = r.sub(length);
  std::uint64_t seen = 0;
  std::uint8_t last = 0;
  while (!pr.at_end() && !pr.failed()) {
    std::size_t id_at = pr.pos();
    std::uint8_t raw = pr.u8();
    auto id = static_cast<property_id>(raw);
    if (!property_allowed(id, where)) {
      pr.fail(rule::property_not_allowed, id_at);
      break;
    }
    std::uint64_t mask = std::uint64_t{1} << raw;  // identifiers that pass are below 0x2B
    if ((seen & mask) != 0 && !repeatable(id, where)) {
      pr.fail(rule::property_duplicate, id_at);
      break;
    }
    if (raw < last) pr.mark_not_canonical();
    last = raw;
    seen |= mask;
    read_value(pr, id, out);
  }
  r.absorb(pr);
}

template <class W>
void put_properties(W& w, const properties& p) {
  size_counter counter;
  put_property_list(counter, p);
  w.varint(static_cast<std::uint32_t>(counter.size()));
  put_property_list(w, p);
}

template void put_properties(raw_writer&, const properties&);
template void put_properties(size_counter&, const properties&);

}  // namespace detail
}  // namespace mqtt::codec
