// Field settings to codec packets. Strings live in a local store while the packet is encoded.
#include "script/build.hpp"

#include <boost/json.hpp>
#include <deque>
#include <limits>

#include "mqtt/codec/encoder.hpp"
#include "wire/hex.hpp"

namespace harness::script {
namespace {

namespace codec = mqtt::codec;
namespace json = boost::json;

class builder {
 public:
  builder(const bindings& b, client_defaults& c) : b_(b), client_(c) {}

  std::string_view text(const field_setting& f) { return store_.emplace_back(resolve_text(f.value, b_)); }

  std::string_view hex(const field_setting& f) {
    std::optional<wire::hex_error> problem;
    auto bytes = wire::parse_hex(resolve_text(f.value, b_), problem);
    if (problem) throw build_error(f.pos, f.name + ": " + problem->message);
    return store_.emplace_back(bytes.begin(), bytes.end());
  }

  template <class T>
  T integer(const field_setting& f) {
    json::value v = resolve(f.value, b_);
    std::int64_t n = 0;
    if (v.is_int64()) n = v.get_int64();
    else if (v.is_uint64() && v.get_uint64() <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) n = static_cast<std::int64_t>(v.get_uint64());
    else if (v.is_bool()) n = v.get_bool() ? 1 : 0;
    else throw build_error(f.pos, f.name + ": expected a number, found " + json::serialize(v));
    if (n < 0 || static_cast<std::uint64_t>(n) > std::numeric_limits<T>::max()) {
      throw build_error(f.pos, f.name + ": " + std::to_string(n) + " is out of range");
    }
    return static_cast<T>(n);
  }

  bool flag(const field_setting& f) { return integer<std::uint8_t>(f) != 0; }

  codec::qos qos(const field_setting& f) { return static_cast<codec::qos>(integer<std::uint8_t>(f)); }

  std::pair<std::string_view, std::string_view> pair(const field_setting& f) {
    if (f.value.k != term::kind::list || f.value.items.size() != 2) {
      throw build_error(f.pos, f.name + ": expected [key, value]");
    }
    return {store_.emplace_back(resolve_text(f.value.items[0], b_)), store_.emplace_back(resolve_text(f.value.items[1], b_))};
  }

  // Returns false when `name` is not a property.
  bool property(codec::properties& p, std::string_view name, const field_setting& f) {
    if (name == "payload_format_indicator") p.payload_format_indicator = integer<std::uint8_t>(f);
    else if (name == "message_expiry_interval") p.message_expiry_interval_s = integer<std::uint32_t>(f);
    else if (name == "content_type") p.content_type = text(f);
    else if (name == "response_topic") p.response_topic = text(f);
    else if (name == "correlation_data") p.correlation_data = text(f);
    else if (name == "correlation_data_hex") p.correlation_data = hex(f);
    else if (name == "subscription_identifier") p.subscription_identifiers.push_back(integer<std::uint32_t>(f));
    else if (name == "session_expiry_interval") p.session_expiry_interval_s = integer<std::uint32_t>(f);
    else if (name == "assigned_client_identifier") p.assigned_client_identifier = text(f);
    else if (name == "server_keep_alive") p.server_keep_alive_s = integer<std::uint16_t>(f);
    else if (name == "authentication_method") p.authentication_method = text(f);
    else if (name == "authentication_data") p.authentication_data = text(f);
    else if (name == "authentication_data_hex") p.authentication_data = hex(f);
    else if (name == "request_problem_information") p.request_problem_information = integer<std::uint8_t>(f);
    else if (name == "will_delay_interval") p.will_delay_interval_s = integer<std::uint32_t>(f);
    else if (name == "request_response_information") p.request_response_information = integer<std::uint8_t>(f);
    else if (name == "response_information") p.response_information = text(f);
    else if (name == "server_reference") p.server_reference = text(f);
    else if (name == "reason_string") p.reason_string = text(f);
    else if (name == "receive_maximum") p.receive_maximum = integer<std::uint16_t>(f);
    else if (name == "topic_alias_maximum") p.topic_alias_maximum = integer<std::uint16_t>(f);
    else if (name == "topic_alias") p.topic_alias = integer<std::uint16_t>(f);
    else if (name == "maximum_qos") p.maximum_qos = integer<std::uint8_t>(f);
    else if (name == "retain_available") p.retain_available = integer<std::uint8_t>(f);
    else if (name == "user_property") p.user_properties.push_back(pair(f));
    else if (name == "maximum_packet_size") p.maximum_packet_size = integer<std::uint32_t>(f);
    else if (name == "wildcard_subscription_available") p.wildcard_subscription_available = integer<std::uint8_t>(f);
    else if (name == "subscription_identifier_available") p.subscription_identifier_available = integer<std::uint8_t>(f);
    else if (name == "shared_subscription_available") p.shared_subscription_available = integer<std::uint8_t>(f);
    else return false;
    return true;
  }

  [[noreturn]] static void unknown(const field_setting& f, packet_type t) {
    throw build_error(f.pos, "unknown field '" + f.name + "' for " + std::string(codec::to_string(t)));
  }

  codec::packet make(packet_type t, const std::vector<field_setting>& fields, built_packet& out) {
    switch (t) {
      case packet_type::connect: return make_connect(fields, out);
      case packet_type::connack: {
        codec::connack c;
        for (const auto& f : fields) {
          if (f.name == "session_present") c.session_present = flag(f);
          else if (f.name == "reason_code" || f.name == "reason" || f.name == "return_code") c.reason_code = integer<std::uint8_t>(f);
          else if (!property(c.props, f.name, f)) unknown(f, t);
        }
        return c;
      }
      case packet_type::publish: return make_publish(fields);
      case packet_type::puback: return make_ack<codec::puback>(fields, t);
      case packet_type::pubrec: return make_ack<codec::pubrec>(fields, t);
      case packet_type::pubrel: return make_ack<codec::pubrel>(fields, t);
      case packet_type::pubcomp: return make_ack<codec::pubcomp>(fields, t);
      case packet_type::subscribe: return make_subscribe(fields);
      case packet_type::suback: return make_codes<codec::suback>(fields, t);
      case packet_type::unsubscribe: {
        codec::unsubscribe u;
        std::optional<std::uint16_t> id;
        for (const auto& f : fields) {
          if (f.name == "packet_id" || f.name == "id") id = integer<std::uint16_t>(f);
          else if (f.name == "filter") u.filters.push_back(text(f));
          else if (!property(u.props, f.name, f)) unknown(f, t);
        }
        u.packet_id = id ? *id : next_id();
        return u;
      }
      case packet_type::unsuback: return make_codes<codec::unsuback>(fields, t);
      case packet_type::pingreq: return codec::pingreq{};
      case packet_type::pingresp: return codec::pingresp{};
      case packet_type::disconnect: {
        codec::disconnect d;
        for (const auto& f : fields) {
          if (f.name == "reason_code" || f.name == "reason") d.reason_code = integer<std::uint8_t>(f);
          else if (!property(d.props, f.name, f)) unknown(f, t);
        }
        return d;
      }
      case packet_type::auth: {
        codec::auth a;
        for (const auto& f : fields) {
          if (f.name == "reason_code" || f.name == "reason") a.reason_code = integer<std::uint8_t>(f);
          else if (!property(a.props, f.name, f)) unknown(f, t);
        }
        return a;
      }
    }
    return codec::pingreq{};
  }

 private:
  std::uint16_t next_id() {
    std::uint16_t id = client_.next_packet_id;
    client_.next_packet_id = static_cast<std::uint16_t>(id == 0xFFFF ? 1 : id + 1);
    return id;
  }

  codec::packet make_connect(const std::vector<field_setting>& fields, built_packet& out) {
    codec::connect c;
    c.version = client_.version;
    c.keep_alive_s = 60;
    c.client_id = client_.client_id;
    bool credentials_written = false;
    for (const auto& f : fields) {
      std::string_view n = f.name;
      if (n == "version" || n == "protocol_level") {
        // A version name, or the Protocol Level byte (3, 4, 5).
        std::string v = resolve_text(f.value, b_);
        auto named = mqtt::codec::protocol_version_from(v == "3" ? "3.1" : v == "4" ? "3.1.1" : v);
        if (named) c.version = *named;
        else throw build_error(f.pos, "version: expected 3.1, 3.1.1 or 5");
      } else if (n == "clean_start" || n == "clean") c.clean_start = flag(f);
      else if (n == "keep_alive") c.keep_alive_s = integer<std::uint16_t>(f);
      else if (n == "client_id") c.client_id = text(f);
      else if (n == "user_name" || n == "password" || n == "password_hex") {
        credentials_written = true;
        if (n == "user_name") c.user_name = text(f);
        else if (n == "password") c.password = text(f);
        else c.password = hex(f);
      }
      else if (n.starts_with("will.")) {
        if (!c.will) c.will.emplace();
        std::string_view w = n.substr(5);
        if (w == "topic") c.will->topic = text(f);
        else if (w == "payload") c.will->payload = text(f);
        else if (w == "payload_hex") c.will->payload = hex(f);
        else if (w == "qos") c.will->qos = qos(f);
        else if (w == "retain") c.will->retain = flag(f);
        else if (!property(c.will->props, w, f)) unknown(f, packet_type::connect);
      } else if (!property(c.props, n, f)) unknown(f, packet_type::connect);
    }
    if (!credentials_written && client_.credentials) {
      c.user_name = store_.emplace_back(client_.credentials->first);
      c.password = store_.emplace_back(client_.credentials->second);
    }
    out.version = c.version;
    out.maximum_packet_size = c.props.maximum_packet_size;
    client_.version = c.version;
    return c;
  }

  codec::packet make_publish(const std::vector<field_setting>& fields) {
    codec::publish p;
    std::optional<std::uint16_t> id;
    for (const auto& f : fields) {
      std::string_view n = f.name;
      if (n == "topic") p.topic = text(f);
      else if (n == "payload") p.payload = text(f);
      else if (n == "payload_hex") p.payload = hex(f);
      else if (n == "qos") p.qos = qos(f);
      else if (n == "retain") p.retain = flag(f);
      else if (n == "dup") p.dup = flag(f);
      else if (n == "packet_id" || n == "id") id = integer<std::uint16_t>(f);
      else if (!property(p.props, n, f)) unknown(f, packet_type::publish);
    }
    if (id) p.packet_id = *id;
    else if (p.qos != codec::qos::at_most_once) p.packet_id = next_id();
    return p;
  }

  template <class Ack>
  codec::packet make_ack(const std::vector<field_setting>& fields, packet_type t) {
    Ack a;
    for (const auto& f : fields) {
      if (f.name == "packet_id" || f.name == "id") a.packet_id = integer<std::uint16_t>(f);
      else if (f.name == "reason_code" || f.name == "reason") a.reason_code = integer<std::uint8_t>(f);
      else if (!property(a.props, f.name, f)) unknown(f, t);
    }
    return a;
  }

  template <class Codes>
  codec::packet make_codes(const std::vector<field_setting>& fields, packet_type t) {
    Codes a;
    for (const auto& f : fields) {
      if (f.name == "packet_id" || f.name == "id") a.packet_id = integer<std::uint16_t>(f);
      else if (f.name == "reason_codes") {
        if (f.value.k != term::kind::list) throw build_error(f.pos, "reason_codes: expected a [list]");
        for (const term& item : f.value.items) a.reason_codes.push_back(integer<std::uint8_t>(field_setting{f.name, item, item.pos}));
      } else if (!property(a.props, f.name, f)) unknown(f, t);
    }
    return a;
  }

  codec::packet make_subscribe(const std::vector<field_setting>& fields) {
    codec::subscribe s;
    std::optional<std::uint16_t> id;
    for (const auto& f : fields) {
      std::string_view n = f.name;
      auto current = [&]() -> codec::subscription& {
        if (s.subscriptions.empty()) throw build_error(f.pos, std::string(n) + ": comes after the filter= it belongs to");
        return s.subscriptions.back();
      };
      if (n == "packet_id" || n == "id") id = integer<std::uint16_t>(f);
      else if (n == "filter") s.subscriptions.push_back({text(f), {}});
      else if (n == "qos") current().options.max_qos = qos(f);
      else if (n == "no_local") current().options.no_local = flag(f);
      else if (n == "retain_as_published") current().options.retain_as_published = flag(f);
      else if (n == "retain_handling") current().options.retain_handling = integer<std::uint8_t>(f);
      else if (!property(s.props, n, f)) unknown(f, packet_type::subscribe);
    }
    s.packet_id = id ? *id : next_id();
    return s;
  }

  const bindings& b_;
  client_defaults& client_;
  std::deque<std::string> store_;
};

}  // namespace

built_packet build_packet(packet_type type, const std::vector<field_setting>& fields, const bindings& b,
                          client_defaults& client, bool unchecked, source_pos at) {
  builder bld(b, client);
  built_packet out;
  out.version = client.version;
  codec::packet p = bld.make(type, fields, out);
  protocol_version v = type == packet_type::connect ? out.version : client.version;
  if (unchecked) {
    codec::encode_unchecked(p, v, out.bytes);
    return out;
  }
  auto r = codec::encode(p, v, out.bytes);
  if (!r) {
    const auto& e = r.err();
    throw build_error(at, std::string(codec::to_string(type)) + " breaks " + std::string(e.statement()) + " (" +
                              std::string(e.message()) + "); add 'unchecked' to send it anyway");
  }
  return out;
}

}  // namespace harness::script
