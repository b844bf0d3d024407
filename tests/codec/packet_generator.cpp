// Deterministic valid-packet generator: xoshiro256** seeded through splitmix64, and one
// builder per packet type that draws every allowed field and property from it.
#include "codec/packet_generator.hpp"

#include <algorithm>
#include <stdexcept>
#include <utility>

namespace mqtt::test {

using codec::property_context;
using codec::protocol_version;

std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15u);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
  return z ^ (z >> 31);
}

namespace {

constexpr std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

bool one_of(property_context where, std::initializer_list<property_context> contexts) {
  return std::find(contexts.begin(), contexts.end(), where) != contexts.end();
}

// Values at the edges of the integer encodings: Variable Byte Integer length steps and the
// ends of the 16- and 32-bit ranges.
constexpr std::array<std::uint32_t, 13> u32_edges{
    0,      1,         127,       128,         16'383,      16'384,      65'535,
    65'536, 2'097'151, 2'097'152, 268'435'455, 268'435'456, 0xFFFF'FFFFu};
constexpr std::array<std::uint16_t, 6> u16_edges{0, 1, 127, 128, 255, 0xFFFF};
constexpr std::array<std::uint32_t, 8> subscription_identifier_edges{
    1, 127, 128, 16'383, 16'384, 2'097'151, 2'097'152, 268'435'455};

constexpr std::string_view alphanumeric =
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
constexpr std::size_t v3_1_client_id_max = 23;  // 3.1 allows 1 to 23 characters

}  // namespace

// --- prng ---------------------------------------------------------------------------------

prng::prng(std::uint64_t seed) {
  for (std::uint64_t& word : state_) word = splitmix64(seed);
}

std::uint64_t prng::next_u64() {
  const std::uint64_t result = rotl(state_[1] * 5, 7) * 9;
  const std::uint64_t t = state_[1] << 17;
  state_[2] ^= state_[0];
  state_[3] ^= state_[1];
  state_[1] ^= state_[2];
  state_[0] ^= state_[3];
  state_[2] ^= t;
  state_[3] = rotl(state_[3], 45);
  return result;
}

std::uint64_t prng::below(std::uint64_t bound) {
  if (bound == 0) throw std::invalid_argument("prng::below needs a positive bound");
  // Outputs below `threshold` would make the low residues more likely; draw again.
  const std::uint64_t threshold = (0 - bound) % bound;
  for (;;) {
    std::uint64_t r = next_u64();
    if (r >= threshold) return r % bound;
  }
}

std::uint64_t prng::between(std::uint64_t lo, std::uint64_t hi) {
  if (lo > hi) throw std::invalid_argument("prng::between needs lo <= hi");
  if (lo == 0 && hi == ~std::uint64_t{0}) return next_u64();
  return lo + below(hi - lo + 1);
}

bool prng::chance(std::uint64_t numerator, std::uint64_t denominator) {
  return below(denominator) < numerator;
}

// --- packet_generator: storage and values -----------------------------------------------

packet_generator::packet_generator(std::uint64_t seed) : random_(seed) {}

void packet_generator::reset() { arena_.clear(); }

std::string_view packet_generator::keep(std::string s) {
  if (arena_.size() >= arena_strings_max) {
    throw std::length_error("packet_generator arena is full; call reset() between batches");
  }
  arena_.push_back(std::move(s));
  return arena_.back();
}

std::uint16_t packet_generator::u16_value() {
  if (random_.chance(1, 4)) return u16_edges[random_.below(u16_edges.size())];
  return static_cast<std::uint16_t>(random_.below(0x1'0000));
}

std::uint32_t packet_generator::u32_value() {
  if (random_.chance(1, 4)) return u32_edges[random_.below(u32_edges.size())];
  return static_cast<std::uint32_t>(random_.next_u64() >> 32);
}

std::uint16_t packet_generator::packet_id() {
  if (random_.chance(1, 8)) return random_.chance(1, 2) ? 1 : 0xFFFF;
  return static_cast<std::uint16_t>(random_.between(1, 0xFFFF));
}

std::uint32_t packet_generator::subscription_identifier() {
  if (random_.chance(1, 3)) {
    return subscription_identifier_edges[random_.below(subscription_identifier_edges.size())];
  }
  return static_cast<std::uint32_t>(random_.between(1, codec::variable_byte_integer_max));
}

std::uint8_t packet_generator::pick(std::initializer_list<std::uint8_t> codes) {
  return codes.begin()[random_.below(codes.size())];
}

std::size_t packet_generator::count(std::size_t min, std::size_t max) {
  return static_cast<std::size_t>(random_.between(min, max));
}

// --- strings ------------------------------------------------------------------------------

// A code point that is well-formed in UTF-8 and that no receiver may refuse: no U+0000, no
// control characters, no surrogates, no non-characters (MQTT-1.5.4-1/2 and 1.5.4's SHOULD
// NOT list). Inside a topic level, also no '/', '+' or '#'.
char32_t packet_generator::code_point(bool topic_level) {
  for (;;) {
    std::uint64_t kind = random_.below(10);
    char32_t cp = 0;
    if (kind < 5) {
      cp = static_cast<char32_t>(random_.between(0x20, 0x7E));
      if (topic_level && (cp == '/' || cp == '+' || cp == '#')) continue;
    } else if (kind == 5) {
      cp = static_cast<char32_t>(random_.between(0xA0, 0x7FF));
    } else if (kind < 8) {
      cp = static_cast<char32_t>(random_.between(0x800, 0xFFFD));
      if ((cp >= 0xD800 && cp <= 0xDFFF) || (cp >= 0xFDD0 && cp <= 0xFDEF)) continue;
    } else if (kind == 8) {
      cp = static_cast<char32_t>(random_.between(0x1'0000, 0x10'FFFD));
      if ((cp & 0xFFFE) == 0xFFFE) continue;
    } else {
      cp = 0xFEFF;  // must be kept as is by every receiver (MQTT-1.5.4-3)
    }
    return cp;
  }
}

void packet_generator::append_utf8(std::string& out, char32_t cp) {
  auto byte = [&out](std::uint32_t b) {
    out.push_back(static_cast<char>(static_cast<std::uint8_t>(b)));
  };
  auto c = static_cast<std::uint32_t>(cp);
  if (c < 0x80) {
    byte(c);
  } else if (c < 0x800) {
    byte(0xC0 | (c >> 6));
    byte(0x80 | (c & 0x3F));
  } else if (c < 0x1'0000) {
    byte(0xE0 | (c >> 12));
    byte(0x80 | ((c >> 6) & 0x3F));
    byte(0x80 | (c & 0x3F));
  } else {
    byte(0xF0 | (c >> 18));
    byte(0x80 | ((c >> 12) & 0x3F));
    byte(0x80 | ((c >> 6) & 0x3F));
    byte(0x80 | (c & 0x3F));
  }
}

std::string packet_generator::text(std::size_t max_code_points, bool topic_level) {
  std::string s;
  std::size_t n = count(0, max_code_points);
  for (std::size_t i = 0; i < n; ++i) append_utf8(s, code_point(topic_level));
  return s;
}

std::string_view packet_generator::utf8_string() {
  if (random_.chance(1, 6)) return keep({});
  return keep(text(string_code_points_max, false));
}

std::string_view packet_generator::non_empty_utf8_string() {
  std::string s = text(string_code_points_max, false);
  if (s.empty()) append_utf8(s, code_point(false));
  return keep(std::move(s));
}

std::string_view packet_generator::binary_data(std::size_t max_bytes) {
  std::string s(count(0, max_bytes), '\0');
  for (char& c : s) c = static_cast<char>(static_cast<std::uint8_t>(random_.below(256)));
  return keep(std::move(s));
}

// An application payload: often empty, usually small, now and then large enough for a
// three-byte Remaining Length; UTF-8 text when the Payload Format Indicator says so.
std::string_view packet_generator::payload(bool utf8) {
  std::size_t size = 0;
  if (random_.chance(1, 40)) {
    size = count(large_payload_bytes_min, large_payload_bytes_max);
  } else if (random_.chance(4, 5)) {
    size = count(0, payload_bytes_max);
  }
  if (!utf8) return binary_data(size);
  std::string s;
  while (s.size() < size) append_utf8(s, code_point(false));
  return keep(std::move(s));
}

// One to four levels, each empty or made of characters other than '/', '+' and '#'.
std::string_view packet_generator::topic_name() {
  std::string t;
  if (random_.chance(1, 10)) t = "$SYS/";
  std::size_t levels = count(1, 4);
  for (std::size_t i = 0; i < levels; ++i) {
    if (i > 0) t.push_back('/');
    t += text(6, true);
  }
  if (t.empty()) t = "t";
  return keep(std::move(t));
}

// Levels that are '+', text, or a final '#'; in 5.0 sometimes a shared subscription
// ("$share/" ShareName "/" filter).
std::string_view packet_generator::topic_filter(protocol_version v) {
  std::string f;
  if (v == protocol_version::v5 && random_.chance(1, 5)) {
    std::string share_name = text(6, true);
    if (share_name.empty()) share_name = "g";
    f = "$share/" + share_name + "/";
  }
  const std::size_t filter_at = f.size();
  std::size_t levels = count(1, 4);
  for (std::size_t i = 0; i < levels; ++i) {
    if (i > 0) f.push_back('/');
    if (i + 1 == levels && random_.chance(1, 5)) {
      f.push_back('#');
    } else if (random_.chance(1, 4)) {
      f.push_back('+');
    } else {
      f += text(6, true);
    }
  }
  if (f.size() == filter_at) f.push_back('+');  // a filter is at least one character
  return keep(std::move(f));
}

std::string_view packet_generator::client_id(protocol_version v, bool clean_start) {
  if (v == protocol_version::v3_1 || random_.chance(1, 2)) {
    std::string id(count(1, v3_1_client_id_max), '0');
    for (char& c : id) c = alphanumeric[random_.below(alphanumeric.size())];
    return keep(std::move(id));
  }
  // An empty Client Identifier needs Clean Session in 3.1.1 (MQTT-3.1.3-7).
  bool empty_allowed = v == protocol_version::v5 || clean_start;
  if (empty_allowed && random_.chance(1, 4)) return keep({});
  return non_empty_utf8_string();
}

// --- properties ---------------------------------------------------------------------------

// Which property may appear where follows 5.0 Table 2-4.
codec::properties packet_generator::properties_for(property_context where) {
  using ctx = property_context;
  codec::properties p;
  if (random_.chance(1, 4)) return p;
  auto maybe = [this] { return random_.chance(1, 2); };

  if (one_of(where, {ctx::publish, ctx::will})) {
    if (maybe()) p.payload_format_indicator = flag_value();
    if (maybe()) p.message_expiry_interval_s = u32_value();
    if (maybe()) p.content_type = utf8_string();
    if (maybe()) p.response_topic = topic_name();
    if (maybe()) p.correlation_data = binary_data(binary_bytes_max);
  }
  if (where == ctx::publish) {
    std::size_t n = count(0, publish_subscription_identifiers_max);
    for (std::size_t i = 0; i < n; ++i)
      p.subscription_identifiers.push_back(subscription_identifier());
  }
  if (where == ctx::subscribe && maybe()) {
    p.subscription_identifiers.push_back(subscription_identifier());
  }
  if (one_of(where, {ctx::connect, ctx::connack, ctx::disconnect}) && maybe()) {
    p.session_expiry_interval_s = u32_value();
  }
  if (where == ctx::connack) {
    if (maybe()) p.assigned_client_identifier = utf8_string();
    if (maybe()) p.server_keep_alive_s = u16_value();
    if (maybe()) p.response_information = utf8_string();
    if (maybe()) p.maximum_qos = flag_value();
    if (maybe()) p.retain_available = flag_value();
    if (maybe()) p.wildcard_subscription_available = flag_value();
    if (maybe()) p.subscription_identifier_available = flag_value();
    if (maybe()) p.shared_subscription_available = flag_value();
  }
  if (one_of(where, {ctx::connect, ctx::connack, ctx::auth}) && maybe()) {
    p.authentication_method = utf8_string();
    // Authentication Data only ever follows an Authentication Method (3.1.2.11.10).
    if (maybe()) p.authentication_data = binary_data(binary_bytes_max);
  }
  if (where == ctx::connect) {
    if (maybe()) p.request_problem_information = flag_value();
    if (maybe()) p.request_response_information = flag_value();
  }
  if (where == ctx::will && maybe()) p.will_delay_interval_s = u32_value();
  if (one_of(where, {ctx::connack, ctx::disconnect}) && maybe()) p.server_reference = utf8_string();
  if (one_of(where, {ctx::connack, ctx::puback, ctx::pubrec, ctx::pubrel, ctx::pubcomp, ctx::suback,
                     ctx::unsuback, ctx::disconnect, ctx::auth}) &&
      maybe()) {
    p.reason_string = utf8_string();
  }
  if (one_of(where, {ctx::connect, ctx::connack})) {
    if (maybe()) p.receive_maximum = static_cast<std::uint16_t>(random_.between(1, 0xFFFF));
    if (maybe()) p.topic_alias_maximum = u16_value();
    if (maybe())
      p.maximum_packet_size = static_cast<std::uint32_t>(random_.between(1, 0xFFFF'FFFFu));
  }
  if (where == ctx::publish && maybe()) {
    p.topic_alias = static_cast<std::uint16_t>(random_.between(1, 0xFFFF));
  }
  std::size_t user_properties = count(0, user_properties_max);
  for (std::size_t i = 0; i < user_properties; ++i) {
    std::string_view key = utf8_string();
    std::string_view value = utf8_string();
    p.user_properties.emplace_back(key, value);
  }
  return p;
}

// --- packets ------------------------------------------------------------------------------

codec::packet packet_generator::next(protocol_version v) {
  std::uint64_t last = v == protocol_version::v5 ? 15 : 14;
  return next(v, static_cast<codec::packet_type>(random_.between(1, last)));
}

codec::packet packet_generator::next(protocol_version v, codec::packet_type t) {
  using pt = codec::packet_type;
  switch (t) {
    case pt::connect: return make_connect(v);
    case pt::connack: return make_connack(v);
    case pt::publish: return make_publish(v);
    case pt::puback: return make_pub_ack<codec::puback>(v, property_context::puback);
    case pt::pubrec: return make_pub_ack<codec::pubrec>(v, property_context::pubrec);
    case pt::pubrel: return make_pub_ack<codec::pubrel>(v, property_context::pubrel);
    case pt::pubcomp: return make_pub_ack<codec::pubcomp>(v, property_context::pubcomp);
    case pt::subscribe: return make_subscribe(v);
    case pt::suback: return make_suback(v);
    case pt::unsubscribe: return make_unsubscribe(v);
    case pt::unsuback: return make_unsuback(v);
    case pt::pingreq: return codec::pingreq{};
    case pt::pingresp: return codec::pingresp{};
    case pt::disconnect: return make_disconnect(v);
    case pt::auth:
      if (v != protocol_version::v5) break;
      return make_auth();
  }
  throw std::invalid_argument("packet type does not exist in this protocol version");
}

codec::connect packet_generator::make_connect(protocol_version v) {
  codec::connect c;
  c.version = v;
  c.clean_start = random_.chance(1, 2);
  c.keep_alive_s = u16_value();
  c.client_id = client_id(v, c.clean_start);
  if (random_.chance(1, 2)) {
    codec::will_message w;
    if (v == protocol_version::v5) w.props = properties_for(property_context::will);
    w.topic = topic_name();
    bool utf8 = w.props.payload_format_indicator == std::uint8_t{1};
    w.payload = utf8 ? payload(true) : binary_data(binary_bytes_max);
    w.qos = static_cast<codec::qos>(random_.below(3));
    w.retain = random_.chance(1, 2);
    c.will = w;
  }
  if (random_.chance(1, 2)) c.user_name = utf8_string();
  // Before 5.0 a password needs a user name (MQTT-3.1.2-22).
  bool password_allowed = v == protocol_version::v5 || c.user_name.has_value();
  if (password_allowed && random_.chance(1, 2)) c.password = binary_data(binary_bytes_max);
  if (v == protocol_version::v5) c.props = properties_for(property_context::connect);
  return c;
}

codec::connack packet_generator::make_connack(protocol_version v) {
  codec::connack a;
  if (v == protocol_version::v5) {
    a.reason_code = random_.chance(1, 2)
                        ? std::uint8_t{0}
                        : pick({0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8A,
                                0x8C, 0x90, 0x95, 0x97, 0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9F});
    a.props = properties_for(property_context::connack);
  } else {
    a.reason_code =
        random_.chance(1, 2) ? std::uint8_t{0} : static_cast<std::uint8_t>(random_.between(1, 5));
  }
  // 3.1 has no Session Present; a refusal never has it (MQTT-3.2.2-4, MQTT-3.2.2-6).
  if (v != protocol_version::v3_1 && a.reason_code == 0) a.session_present = random_.chance(1, 2);
  return a;
}

codec::publish packet_generator::make_publish(protocol_version v) {
  codec::publish p;
  p.qos = static_cast<codec::qos>(random_.below(3));
  p.retain = random_.chance(1, 2);
  if (p.qos != codec::qos::at_most_once) {
    p.dup = random_.chance(1, 2);
    p.packet_id = packet_id();
  }
  if (v == protocol_version::v5) p.props = properties_for(property_context::publish);
  // 5.0: a Topic Alias may stand in for the Topic Name (section 3.3.2.3.4).
  bool alias_only = p.props.topic_alias.has_value() && random_.chance(1, 2);
  p.topic = alias_only ? keep({}) : topic_name();
  p.payload = payload(p.props.payload_format_indicator == std::uint8_t{1});
  return p;
}

template <class Ack>
Ack packet_generator::make_pub_ack(protocol_version v, property_context where) {
  Ack a;
  a.packet_id = packet_id();
  if (v != protocol_version::v5) return a;
  bool release = where == property_context::pubrel || where == property_context::pubcomp;
  if (random_.chance(1, 2)) {
    a.reason_code = release ? pick({0x92}) : pick({0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99});
  }
  a.props = properties_for(where);
  return a;
}

codec::subscribe packet_generator::make_subscribe(protocol_version v) {
  codec::subscribe s;
  s.packet_id = packet_id();
  if (v == protocol_version::v5) s.props = properties_for(property_context::subscribe);
  std::size_t n = count(1, list_entries_max);
  for (std::size_t i = 0; i < n; ++i) {
    codec::subscription sub;
    sub.filter = topic_filter(v);
    sub.options.max_qos = static_cast<codec::qos>(random_.below(3));
    if (v == protocol_version::v5) {
      // No Local on a shared subscription is a Protocol Error (MQTT-3.8.3-4).
      bool shared = sub.filter.starts_with("$share/");
      sub.options.no_local = !shared && random_.chance(1, 2);
      sub.options.retain_as_published = random_.chance(1, 2);
      sub.options.retain_handling = static_cast<std::uint8_t>(random_.below(3));
    }
    s.subscriptions.push_back(sub);
  }
  return s;
}

codec::suback packet_generator::make_suback(protocol_version v) {
  codec::suback a;
  a.packet_id = packet_id();
  if (v == protocol_version::v5) a.props = properties_for(property_context::suback);
  std::size_t n = count(1, list_entries_max);
  for (std::size_t i = 0; i < n; ++i) {
    std::uint8_t c = 0;
    switch (v) {
      case protocol_version::v3_1: c = pick({0x00, 0x01, 0x02}); break;
      case protocol_version::v3_1_1: c = pick({0x00, 0x01, 0x02, 0x80}); break;
      case protocol_version::v5:
        c = pick({0x00, 0x01, 0x02, 0x80, 0x83, 0x87, 0x8F, 0x91, 0x97, 0x9E, 0xA1, 0xA2});
        break;
    }
    a.reason_codes.push_back(c);
  }
  return a;
}

codec::unsubscribe packet_generator::make_unsubscribe(protocol_version v) {
  codec::unsubscribe u;
  u.packet_id = packet_id();
  if (v == protocol_version::v5) u.props = properties_for(property_context::unsubscribe);
  std::size_t n = count(1, list_entries_max);
  for (std::size_t i = 0; i < n; ++i) u.filters.push_back(topic_filter(v));
  return u;
}

codec::unsuback packet_generator::make_unsuback(protocol_version v) {
  codec::unsuback a;
  a.packet_id = packet_id();
  if (v != protocol_version::v5) return a;  // no payload before 5.0
  a.props = properties_for(property_context::unsuback);
  std::size_t n = count(1, list_entries_max);
  for (std::size_t i = 0; i < n; ++i) {
    a.reason_codes.push_back(pick({0x00, 0x11, 0x80, 0x83, 0x87, 0x8F, 0x91}));
  }
  return a;
}

codec::disconnect packet_generator::make_disconnect(protocol_version v) {
  codec::disconnect d;
  if (v != protocol_version::v5) return d;
  if (random_.chance(1, 2)) {
    d.reason_code =
        pick({0x04, 0x80, 0x81, 0x82, 0x83, 0x87, 0x89, 0x8B, 0x8D, 0x8E, 0x8F, 0x90, 0x93, 0x94,
              0x95, 0x96, 0x97, 0x98, 0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9E, 0x9F, 0xA0, 0xA1, 0xA2});
  }
  d.props = properties_for(property_context::disconnect);
  return d;
}

codec::auth packet_generator::make_auth() {
  codec::auth a;
  a.reason_code = pick({0x00, 0x18, 0x19});
  a.props = properties_for(property_context::auth);
  // AUTH always names its Authentication Method (section 3.15.2.2.2).
  if (!a.props.authentication_method) a.props.authentication_method = non_empty_utf8_string();
  return a;
}

}  // namespace mqtt::test
