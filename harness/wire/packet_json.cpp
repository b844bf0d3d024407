// JSON form of decoded packets: field names follow the standard's terms in snake_case;
// binary fields are hex, with a "text" twin when they hold valid UTF-8.
#include "wire/packet_json.hpp"

#include <boost/json.hpp>

#include "wire/hex.hpp"
#include "mqtt/codec/encoder.hpp"
#include "mqtt/codec/validate.hpp"

namespace harness::wire {
namespace {

namespace json = boost::json;
namespace codec = mqtt::codec;

json::string str(std::string_view s) { return json::string(s); }

// Binary data: "<key>_hex" always, "<key>" as text when the bytes are valid UTF-8.
void put_binary(json::object& o, std::string_view key, std::string_view bytes) {
  if (!codec::check_utf8(bytes)) o[key] = str(bytes);
  o[std::string(key) + "_hex"] = to_hex(bytes);
}

template <class T>
void put_opt(json::object& o, std::string_view key, const std::optional<T>& v) {
  if (!v) return;
  if constexpr (std::is_same_v<T, std::string_view>) {
    o[key] = str(*v);
  } else {
    o[key] = *v;
  }
}

json::object properties_json(const codec::properties& p) {
  json::object o;
  put_opt(o, "payload_format_indicator", p.payload_format_indicator);
  put_opt(o, "message_expiry_interval", p.message_expiry_interval_s);
  put_opt(o, "content_type", p.content_type);
  put_opt(o, "response_topic", p.response_topic);
  if (p.correlation_data) put_binary(o, "correlation_data", *p.correlation_data);
  if (!p.subscription_identifiers.empty()) {
    json::array ids;
    for (std::uint32_t id : p.subscription_identifiers) ids.push_back(id);
    o["subscription_identifiers"] = std::move(ids);
  }
  put_opt(o, "session_expiry_interval", p.session_expiry_interval_s);
  put_opt(o, "assigned_client_identifier", p.assigned_client_identifier);
  put_opt(o, "server_keep_alive", p.server_keep_alive_s);
  put_opt(o, "authentication_method", p.authentication_method);
  if (p.authentication_data) put_binary(o, "authentication_data", *p.authentication_data);
  put_opt(o, "request_problem_information", p.request_problem_information);
  put_opt(o, "will_delay_interval", p.will_delay_interval_s);
  put_opt(o, "request_response_information", p.request_response_information);
  put_opt(o, "response_information", p.response_information);
  put_opt(o, "server_reference", p.server_reference);
  put_opt(o, "reason_string", p.reason_string);
  put_opt(o, "receive_maximum", p.receive_maximum);
  put_opt(o, "topic_alias_maximum", p.topic_alias_maximum);
  put_opt(o, "topic_alias", p.topic_alias);
  put_opt(o, "maximum_qos", p.maximum_qos);
  put_opt(o, "retain_available", p.retain_available);
  if (!p.user_properties.empty()) {
    json::array list;
    for (const auto& [key, value] : p.user_properties) list.push_back(json::array{str(key), str(value)});
    o["user_properties"] = std::move(list);
  }
  put_opt(o, "maximum_packet_size", p.maximum_packet_size);
  put_opt(o, "wildcard_subscription_available", p.wildcard_subscription_available);
  put_opt(o, "subscription_identifier_available", p.subscription_identifier_available);
  put_opt(o, "shared_subscription_available", p.shared_subscription_available);
  return o;
}

void put_properties(json::object& o, const codec::properties& p, codec::protocol_version v) {
  if (v == codec::protocol_version::v5) o["properties"] = properties_json(p);
}

void put_reason(json::object& o, std::uint8_t code) {
  o["reason_code"] = code;
  std::string_view name = codec::reason_name(code);
  if (!name.empty()) o["reason"] = str(name);
}

json::array codes_json(const std::vector<std::uint8_t>& codes) {
  json::array a;
  for (std::uint8_t c : codes) a.push_back(c);
  return a;
}

struct body_visitor {
  json::object& o;
  codec::protocol_version v;

  void operator()(const codec::connect& c) const {
    o["protocol_name"] = c.version == codec::protocol_version::v3_1 ? "MQIsdp" : "MQTT";
    o["protocol_level"] = static_cast<int>(c.version);
    o["clean_start"] = c.clean_start;
    o["keep_alive"] = c.keep_alive_s;
    put_properties(o, c.props, c.version);
    o["client_id"] = str(c.client_id);
    if (c.will) {
      json::object w;
      w["topic"] = str(c.will->topic);
      put_binary(w, "payload", c.will->payload);
      w["qos"] = static_cast<int>(c.will->qos);
      w["retain"] = c.will->retain;
      put_properties(w, c.will->props, c.version);
      o["will"] = std::move(w);
    }
    put_opt(o, "user_name", c.user_name);
    if (c.password) put_binary(o, "password", *c.password);
  }
  void operator()(const codec::connack& c) const {
    o["session_present"] = c.session_present;
    if (v == codec::protocol_version::v5) {
      put_reason(o, c.reason_code);
    } else {
      o["return_code"] = c.reason_code;
    }
    put_properties(o, c.props, v);
  }
  void operator()(const codec::publish& p) const {
    o["dup"] = p.dup;
    o["qos"] = static_cast<int>(p.qos);
    o["retain"] = p.retain;
    o["topic"] = str(p.topic);
    if (p.qos != codec::qos::at_most_once) o["packet_id"] = p.packet_id;
    put_properties(o, p.props, v);
    put_binary(o, "payload", p.payload);
  }
  template <codec::packet_type T>
  void operator()(const codec::pub_ack_packet<T>& a) const {
    o["packet_id"] = a.packet_id;
    if (v == codec::protocol_version::v5) put_reason(o, a.reason_code);
    put_properties(o, a.props, v);
  }
  void operator()(const codec::subscribe& s) const {
    o["packet_id"] = s.packet_id;
    put_properties(o, s.props, v);
    json::array subs;
    for (const codec::subscription& e : s.subscriptions) {
      json::object j;
      j["filter"] = str(e.filter);
      j["qos"] = static_cast<int>(e.options.max_qos);
      if (v == codec::protocol_version::v5) {
        j["no_local"] = e.options.no_local;
        j["retain_as_published"] = e.options.retain_as_published;
        j["retain_handling"] = e.options.retain_handling;
      }
      subs.push_back(std::move(j));
    }
    o["subscriptions"] = std::move(subs);
  }
  void operator()(const codec::suback& s) const {
    o["packet_id"] = s.packet_id;
    put_properties(o, s.props, v);
    o["reason_codes"] = codes_json(s.reason_codes);
  }
  void operator()(const codec::unsubscribe& u) const {
    o["packet_id"] = u.packet_id;
    put_properties(o, u.props, v);
    json::array filters;
    for (std::string_view f : u.filters) filters.push_back(str(f));
    o["filters"] = std::move(filters);
  }
  void operator()(const codec::unsuback& u) const {
    o["packet_id"] = u.packet_id;
    put_properties(o, u.props, v);
    if (v == codec::protocol_version::v5) o["reason_codes"] = codes_json(u.reason_codes);
  }
  void operator()(const codec::pingreq&) const {}
  void operator()(const codec::pingresp&) const {}
  void operator()(const codec::disconnect& d) const {
    if (v != codec::protocol_version::v5) return;
    put_reason(o, d.reason_code);
    put_properties(o, d.props, v);
  }
  void operator()(const codec::auth& a) const {
    put_reason(o, a.reason_code);
    put_properties(o, a.props, v);
  }
};

}  // namespace

json::object to_json(const codec::packet& p, codec::protocol_version v) {
  json::object o;
  o["type"] = str(codec::to_string(codec::type_of(p)));
  o["flags"] = codec::fixed_header_flags(p);
  std::visit(body_visitor{o, v}, p);
  return o;
}

json::object readable_fields(const json::object& packet) {
  json::object rest;
  for (const auto& [k, v] : packet) {
    if (k == "type" || k == "flags") continue;
    if (k == "properties" && v.is_object() && v.get_object().empty()) continue;
    if (k == "payload_hex" && packet.contains("payload")) continue;
    rest[k] = v;
  }
  return rest;
}

json::object to_json(const codec::error& e) {
  json::object o;
  o["error"] = str(e.message());
  o["statement"] = str(e.statement().text());
  o["reason_code"] = e.reason_code();
  o["reason"] = str(codec::reason_name(e.reason_code()));
  o["offset"] = e.offset;
  o["rule"] = str(e.details().name);
  o["protocol"] = str(codec::to_string(e.version));
  return o;
}

}  // namespace harness::wire
