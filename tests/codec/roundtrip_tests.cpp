// Round trips of generated valid packets: encode, decode, re-encode and stream-decode must all
// agree, for every packet type and property of 3.1, 3.1.1 and 5.0.
#include <array>
#include <cstdint>
#include <iomanip>
#include <map>
#include <optional>
#include <span>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include "codec/packet_generator.hpp"
#include "mqtt/codec/decoder.hpp"
#include "mqtt/codec/encoder.hpp"

namespace {

using namespace mqtt::codec;
using mqtt::test::packet_generator;
using mqtt::test::prng;

constexpr int seed_count = 200;
constexpr std::size_t packets_per_seed = 50;
constexpr std::size_t sweep_packets = 20'000;
constexpr std::size_t sweep_batch = 200;  // packets between arena resets
constexpr std::array<protocol_version, 3> versions{protocol_version::v3_1, protocol_version::v3_1_1,
                                                   protocol_version::v5};

std::string hex(std::span<const std::uint8_t> bytes) {
  std::ostringstream out;
  out << std::hex << std::setfill('0');
  for (std::uint8_t b : bytes) out << std::setw(2) << unsigned{b};
  return out.str();
}

// Packets only a server sends are decoded as a client would, the others as a server would;
// a PUBLISH carrying Subscription Identifiers only travels from server to client (MQTT-3.3.4-6).
receiver_role receiver_for(const packet& p) {
  switch (type_of(p)) {
    case packet_type::connack:
    case packet_type::suback:
    case packet_type::unsuback:
    case packet_type::pingresp: return receiver_role::client;
    case packet_type::publish:
      return std::get<publish>(p).props.subscription_identifiers.empty() ? receiver_role::server
                                                                         : receiver_role::client;
    default: return receiver_role::server;
  }
}

decode_options options_for(const packet& p, protocol_version v) {
  decode_options o;
  o.version = v;
  o.receiver = receiver_for(p);
  return o;
}

void check_stream_split(const packet& p, std::span<const std::uint8_t> bytes,
                        const decode_options& options, std::size_t split) {
  BOOST_TEST_CONTEXT("stream split at " << split) {
    stream_decoder decoder(options);
    std::size_t delivered = 0;
    auto sink = [&](const packet& q) {
      ++delivered;
      BOOST_CHECK_MESSAGE(q == p, "stream-decoded packet differs from the original");
    };
    std::optional<error> first = decoder.feed(bytes.first(split), sink);
    BOOST_TEST(!first.has_value());
    BOOST_TEST(delivered == (split == bytes.size() ? 1u : 0u));
    std::optional<error> second = decoder.feed(bytes.subspan(split), sink);
    BOOST_TEST(!second.has_value());
    BOOST_TEST(delivered == 1u);
    BOOST_TEST(!decoder.mid_packet());
    BOOST_TEST(decoder.offset() == bytes.size());
  }
}

// `reused` still holds the previous packet: decoding into it must leave nothing of that behind.
void check_decode_into(const packet& p, std::span<const std::uint8_t> bytes,
                       const decode_options& options, packet& reused) {
  decode_info info;
  info.canonical = false;
  std::optional<error> failure = decode_packet_into(bytes, options, reused, &info);
  if (failure) {
    BOOST_ERROR("decode_packet_into failed: " << failure->details().name);
    return;
  }
  BOOST_CHECK_MESSAGE(reused == p, "packet decoded into a reused packet differs from the original");
  BOOST_TEST(info.canonical);
}

void check_round_trip(const packet& p, protocol_version v, prng& split_random, packet& reused) {
  std::vector<std::uint8_t> bytes;
  result<std::size_t> written = encode(p, v, bytes);
  if (!written) {
    BOOST_ERROR("encode refused a valid packet: " << written.err().details().name);
    return;
  }
  BOOST_TEST_CONTEXT("bytes=" << hex(bytes)) {
    BOOST_TEST(written.value() == bytes.size());
    BOOST_TEST(encoded_size(p, v) == bytes.size());

    decode_options options = options_for(p, v);
    decode_info info;
    info.canonical = false;
    result<packet> decoded = decode_packet(bytes, options, &info);
    if (!decoded) {
      const error& e = decoded.err();
      BOOST_ERROR("decode failed: " << e.details().name << " at offset " << e.offset);
      return;
    }
    BOOST_CHECK_MESSAGE(decoded.value() == p, "decoded packet differs from the original");
    BOOST_TEST(info.canonical);

    std::vector<std::uint8_t> again;
    result<std::size_t> rewritten = encode(decoded.value(), v, again);
    BOOST_TEST(rewritten.ok());
    BOOST_CHECK_MESSAGE(again == bytes, "re-encoded as " << hex(again));

    check_decode_into(p, bytes, options, reused);
    check_stream_split(p, bytes, options,
                       static_cast<std::size_t>(split_random.below(bytes.size() + 1)));
  }
}

// --- sweep counters -------------------------------------------------------------------------

constexpr std::array<property_id, 27> all_property_ids{
    property_id::payload_format_indicator,
    property_id::message_expiry_interval,
    property_id::content_type,
    property_id::response_topic,
    property_id::correlation_data,
    property_id::subscription_identifier,
    property_id::session_expiry_interval,
    property_id::assigned_client_identifier,
    property_id::server_keep_alive,
    property_id::authentication_method,
    property_id::authentication_data,
    property_id::request_problem_information,
    property_id::will_delay_interval,
    property_id::request_response_information,
    property_id::response_information,
    property_id::server_reference,
    property_id::reason_string,
    property_id::receive_maximum,
    property_id::topic_alias_maximum,
    property_id::topic_alias,
    property_id::maximum_qos,
    property_id::retain_available,
    property_id::user_property,
    property_id::maximum_packet_size,
    property_id::wildcard_subscription_available,
    property_id::subscription_identifier_available,
    property_id::shared_subscription_available,
};

constexpr std::array<property_context, 14> all_contexts{
    property_context::connect,    property_context::will,        property_context::connack,
    property_context::publish,    property_context::puback,      property_context::pubrec,
    property_context::pubrel,     property_context::pubcomp,     property_context::subscribe,
    property_context::suback,     property_context::unsubscribe, property_context::unsuback,
    property_context::disconnect, property_context::auth,
};

std::string_view context_name(property_context c) {
  constexpr std::array<std::string_view, 14> names{
      "connect", "will",      "connack", "publish",     "puback",   "pubrec",     "pubrel",
      "pubcomp", "subscribe", "suback",  "unsubscribe", "unsuback", "disconnect", "auth"};
  return names[static_cast<std::size_t>(c)];
}

// The identifiers present in `p`, with repeats for the two repeatable ones.
std::vector<property_id> present_ids(const properties& p) {
  using pid = property_id;
  std::vector<pid> ids;
  auto add_if = [&ids](bool present, pid id) {
    if (present) ids.push_back(id);
  };
  add_if(p.payload_format_indicator.has_value(), pid::payload_format_indicator);
  add_if(p.message_expiry_interval_s.has_value(), pid::message_expiry_interval);
  add_if(p.content_type.has_value(), pid::content_type);
  add_if(p.response_topic.has_value(), pid::response_topic);
  add_if(p.correlation_data.has_value(), pid::correlation_data);
  for (std::size_t i = 0; i < p.subscription_identifiers.size(); ++i)
    ids.push_back(pid::subscription_identifier);
  add_if(p.session_expiry_interval_s.has_value(), pid::session_expiry_interval);
  add_if(p.assigned_client_identifier.has_value(), pid::assigned_client_identifier);
  add_if(p.server_keep_alive_s.has_value(), pid::server_keep_alive);
  add_if(p.authentication_method.has_value(), pid::authentication_method);
  add_if(p.authentication_data.has_value(), pid::authentication_data);
  add_if(p.request_problem_information.has_value(), pid::request_problem_information);
  add_if(p.will_delay_interval_s.has_value(), pid::will_delay_interval);
  add_if(p.request_response_information.has_value(), pid::request_response_information);
  add_if(p.response_information.has_value(), pid::response_information);
  add_if(p.server_reference.has_value(), pid::server_reference);
  add_if(p.reason_string.has_value(), pid::reason_string);
  add_if(p.receive_maximum.has_value(), pid::receive_maximum);
  add_if(p.topic_alias_maximum.has_value(), pid::topic_alias_maximum);
  add_if(p.topic_alias.has_value(), pid::topic_alias);
  add_if(p.maximum_qos.has_value(), pid::maximum_qos);
  add_if(p.retain_available.has_value(), pid::retain_available);
  for (std::size_t i = 0; i < p.user_properties.size(); ++i) ids.push_back(pid::user_property);
  add_if(p.maximum_packet_size.has_value(), pid::maximum_packet_size);
  add_if(p.wildcard_subscription_available.has_value(), pid::wildcard_subscription_available);
  add_if(p.subscription_identifier_available.has_value(), pid::subscription_identifier_available);
  add_if(p.shared_subscription_available.has_value(), pid::shared_subscription_available);
  return ids;
}

// Features of the generated strings and lists that the sweep must see at least once.
struct feature_counts {
  std::size_t will = 0;
  std::size_t will_with_properties = 0;
  std::size_t user_name = 0;
  std::size_t password = 0;
  std::size_t empty_client_id = 0;
  std::size_t empty_string_property = 0;
  std::size_t several_user_properties = 0;
  std::size_t several_subscription_identifiers = 0;
  std::size_t alias_without_topic = 0;
  std::size_t bom = 0;  // U+FEFF, EF BB BF
  std::size_t two_byte_utf8 = 0;
  std::size_t three_byte_utf8 = 0;
  std::size_t four_byte_utf8 = 0;
  std::size_t single_level_wildcard = 0;
  std::size_t multi_level_wildcard = 0;
  std::size_t shared_filter = 0;
  std::size_t qos[3] = {0, 0, 0};
  std::size_t three_byte_remaining_length = 0;
};

void count_text(std::string_view s, feature_counts& f) {
  if (s.find("\xEF\xBB\xBF") != std::string_view::npos) ++f.bom;
  for (char c : s) {
    auto b = static_cast<std::uint8_t>(c);
    if (b >= 0xC2 && b <= 0xDF) ++f.two_byte_utf8;
    if (b >= 0xE0 && b <= 0xEF) ++f.three_byte_utf8;
    if (b >= 0xF0 && b <= 0xF4) ++f.four_byte_utf8;
  }
}

void count_filter(std::string_view filter, feature_counts& f) {
  count_text(filter, f);
  if (filter.find('+') != std::string_view::npos) ++f.single_level_wildcard;
  if (filter.find('#') != std::string_view::npos) ++f.multi_level_wildcard;
  if (filter.starts_with("$share/")) ++f.shared_filter;
}

struct sweep_counts {
  std::array<std::size_t, 16> types{};
  std::map<std::pair<property_context, property_id>, std::size_t> property_counts;
  feature_counts features;

  void add(const properties& p, property_context where) {
    for (property_id id : present_ids(p)) ++property_counts[{where, id}];
    if (p.user_properties.size() > 1) ++features.several_user_properties;
    if (p.subscription_identifiers.size() > 1) ++features.several_subscription_identifiers;
    for (const auto& [key, value] : p.user_properties) {
      count_text(key, features);
      count_text(value, features);
    }
    if ((p.content_type && p.content_type->empty()) ||
        (p.reason_string && p.reason_string->empty())) {
      ++features.empty_string_property;
    }
  }

  void add(const packet& p) {
    ++types[static_cast<std::size_t>(type_of(p))];
    if (const auto* c = std::get_if<connect>(&p)) {
      add(c->props, property_context::connect);
      if (c->client_id.empty()) ++features.empty_client_id;
      count_text(c->client_id, features);
      if (c->user_name) ++features.user_name;
      if (c->password) ++features.password;
      if (c->will) {
        ++features.will;
        if (!c->will->props.empty()) ++features.will_with_properties;
        add(c->will->props, property_context::will);
      }
    } else if (const auto* a = std::get_if<connack>(&p)) {
      add(a->props, property_context::connack);
    } else if (const auto* pub = std::get_if<publish>(&p)) {
      add(pub->props, property_context::publish);
      count_text(pub->topic, features);
      if (pub->topic.empty()) ++features.alias_without_topic;
      ++features.qos[static_cast<std::size_t>(pub->qos)];
    } else if (const auto* x = std::get_if<puback>(&p)) {
      add(x->props, property_context::puback);
    } else if (const auto* x = std::get_if<pubrec>(&p)) {
      add(x->props, property_context::pubrec);
    } else if (const auto* x = std::get_if<pubrel>(&p)) {
      add(x->props, property_context::pubrel);
    } else if (const auto* x = std::get_if<pubcomp>(&p)) {
      add(x->props, property_context::pubcomp);
    } else if (const auto* s = std::get_if<subscribe>(&p)) {
      add(s->props, property_context::subscribe);
      for (const subscription& sub : s->subscriptions) count_filter(sub.filter, features);
    } else if (const auto* sa = std::get_if<suback>(&p)) {
      add(sa->props, property_context::suback);
    } else if (const auto* u = std::get_if<unsubscribe>(&p)) {
      add(u->props, property_context::unsubscribe);
      for (std::string_view f : u->filters) count_filter(f, features);
    } else if (const auto* ua = std::get_if<unsuback>(&p)) {
      add(ua->props, property_context::unsuback);
    } else if (const auto* d = std::get_if<disconnect>(&p)) {
      add(d->props, property_context::disconnect);
    } else if (const auto* au = std::get_if<auth>(&p)) {
      add(au->props, property_context::auth);
    }
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(roundtrip)

BOOST_DATA_TEST_CASE(generated_packets_round_trip, boost::unit_test::data::xrange(seed_count),
                     seed) {
  for (protocol_version v : versions) {
    packet_generator generator(static_cast<std::uint64_t>(seed));
    prng split_random(static_cast<std::uint64_t>(seed) ^ 0x5EED'5EED'5EED'5EEDu);
    packet reused;
    for (std::size_t i = 0; i < packets_per_seed; ++i) {
      packet p = generator.next(v);
      BOOST_TEST_CONTEXT("seed=" << seed << " version=" << to_string(v) << " packet=" << i
                                 << " type=" << to_string(type_of(p))) {
        check_round_trip(p, v, split_random, reused);
      }
    }
    generator.reset();
  }
}

BOOST_AUTO_TEST_CASE(generator_is_deterministic) {
  for (protocol_version v : versions) {
    BOOST_TEST_CONTEXT("version=" << to_string(v)) {
      packet_generator a(42);
      packet_generator b(42);
      packet_generator c(43);
      std::size_t differing = 0;
      for (std::size_t i = 0; i < 200; ++i) {
        packet pa = a.next(v);
        packet pb = b.next(v);
        packet pc = c.next(v);
        BOOST_CHECK_MESSAGE(pa == pb, "same seed, packet " << i << " differs");
        if (!(pa == pc)) ++differing;
      }
      BOOST_TEST(differing > 100u);
    }
  }
}

BOOST_AUTO_TEST_CASE(prng_follows_splitmix64_and_stays_in_bounds) {
  std::uint64_t state = 0;
  BOOST_TEST(mqtt::test::splitmix64(state) == 0xE220A8397B1DCDAFu);  // first output for seed 0
  prng random(7);
  std::array<std::size_t, 6> seen{};
  for (int i = 0; i < 6000; ++i) {
    std::uint64_t r = random.below(6);
    BOOST_TEST_REQUIRE(r < 6u);
    ++seen[r];
    std::uint64_t x = random.between(10, 12);
    BOOST_TEST_REQUIRE((x >= 10u && x <= 12u));
  }
  for (std::size_t n : seen) BOOST_TEST(n > 800u);  // 1000 expected for each face
}

BOOST_AUTO_TEST_CASE(auth_exists_only_in_5_0) {
  packet_generator generator(1);
  BOOST_CHECK_THROW(generator.next(protocol_version::v3_1_1, packet_type::auth),
                    std::invalid_argument);
  BOOST_CHECK_THROW(generator.next(protocol_version::v3_1, packet_type::auth),
                    std::invalid_argument);
  packet p = generator.next(protocol_version::v5, packet_type::auth);
  BOOST_TEST((type_of(p) == packet_type::auth));
}

BOOST_AUTO_TEST_CASE(generator_sweep_covers_every_packet_type_and_property) {
  for (protocol_version v : versions) {
    BOOST_TEST_CONTEXT("version=" << to_string(v)) {
      packet_generator generator(2024);
      sweep_counts counts;
      for (std::size_t i = 0; i < sweep_packets; ++i) {
        packet p = generator.next(v);
        counts.add(p);
        if (encoded_size(p, v) > 2 + 16'383) ++counts.features.three_byte_remaining_length;
        if ((i + 1) % sweep_batch == 0) generator.reset();
      }
      const std::uint8_t last_type = v == protocol_version::v5 ? 15 : 14;
      for (std::uint8_t t = 1; t <= last_type; ++t) {
        BOOST_TEST_CONTEXT("type=" << to_string(static_cast<packet_type>(t))) {
          BOOST_TEST(counts.types[t] > 0u);
        }
      }
      if (v != protocol_version::v5) {
        BOOST_TEST(counts.types[15] == 0u);
        BOOST_TEST(counts.property_counts.empty());
      } else {
        for (property_context where : all_contexts) {
          for (property_id id : all_property_ids) {
            BOOST_TEST_CONTEXT("context=" << context_name(where) << " property=" << to_string(id)) {
              std::size_t n = counts.property_counts[{where, id}];
              if (property_allowed(id, where)) {
                BOOST_TEST(n > 0u);
              } else {
                BOOST_TEST(n == 0u);
              }
            }
          }
        }
        const feature_counts& f = counts.features;
        BOOST_TEST(f.will_with_properties > 0u);
        BOOST_TEST(f.several_user_properties > 0u);
        BOOST_TEST(f.several_subscription_identifiers > 0u);
        BOOST_TEST(f.alias_without_topic > 0u);
        BOOST_TEST(f.shared_filter > 0u);
        BOOST_TEST(f.empty_string_property > 0u);
        BOOST_TEST(f.empty_client_id > 0u);
      }
      const feature_counts& f = counts.features;
      BOOST_TEST(f.will > 0u);
      BOOST_TEST(f.user_name > 0u);
      BOOST_TEST(f.password > 0u);
      BOOST_TEST(f.bom > 0u);
      BOOST_TEST(f.two_byte_utf8 > 0u);
      BOOST_TEST(f.three_byte_utf8 > 0u);
      BOOST_TEST(f.four_byte_utf8 > 0u);
      BOOST_TEST(f.single_level_wildcard > 0u);
      BOOST_TEST(f.multi_level_wildcard > 0u);
      BOOST_TEST(f.qos[0] > 0u);
      BOOST_TEST(f.qos[1] > 0u);
      BOOST_TEST(f.qos[2] > 0u);
      BOOST_TEST(f.three_byte_remaining_length > 0u);
      if (v == protocol_version::v3_1_1) BOOST_TEST(f.empty_client_id > 0u);
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
