// Test scaffolding for the client core: a client driven at a virtual `now`, broker packets
// encoded with the codec and fed as bytes, and each step's events with the client's sent
// bytes decoded back into packets.
#pragma once

#include <boost/test/unit_test.hpp>
#include <cstddef>
#include <cstdint>
#include <ostream>
#include <stdexcept>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "mqtt/client/client.hpp"
#include "mqtt/codec/decoder.hpp"
#include "mqtt/codec/encoder.hpp"
#include "mqtt/codec/packet.hpp"

namespace mqtt::codec {

// Lets Boost.Test name versions and packet types in data test cases and failure messages.
inline std::ostream& boost_test_print_type(std::ostream& os, protocol_version v) {
  return os << to_string(v);
}
inline std::ostream& boost_test_print_type(std::ostream& os, packet_type t) {
  return os << to_string(t);
}

}  // namespace mqtt::codec

namespace mqtt::client::test {

using mqtt::spec::section;
using mqtt::spec::statement_id;

namespace codec = mqtt::codec;
using byte_vector = std::vector<std::uint8_t>;

inline byte_vector encode_packet(const codec::packet& p, codec::protocol_version v) {
  byte_vector out;
  codec::result<std::size_t> r = codec::encode(p, v, out);
  if (!r) throw std::logic_error("test packet does not encode: " + std::string(r.err().message()));
  return out;
}

inline byte_vector from_hex(std::string_view hex) {
  byte_vector out;
  int high = -1;
  for (char c : hex) {
    int v = -1;
    if (c >= '0' && c <= '9') v = c - '0';
    if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
    if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
    if (v < 0) continue;  // spaces
    if (high < 0) {
      high = v;
    } else {
      out.push_back(static_cast<std::uint8_t>(high * 16 + v));
      high = -1;
    }
  }
  return out;
}

// What one step of the client produced. `packets` are views into `wire`, so a step is moved,
// never copied.
struct step {
  std::vector<event> events;
  byte_vector wire;  // every send_bytes of the step, in order
  std::vector<codec::packet> packets;

  step() = default;
  step(const step&) = delete;
  step& operator=(const step&) = delete;
  step(step&&) = default;
  step& operator=(step&&) = default;

  template <class T>
  std::vector<const T*> all() const {
    std::vector<const T*> out;
    for (const event& e : events) {
      if (const T* t = std::get_if<T>(&e)) out.push_back(t);
    }
    return out;
  }
  template <class T>
  std::size_t count() const {
    return all<T>().size();
  }
  template <class T>
  const T& only() const {
    std::vector<const T*> found = all<T>();
    BOOST_TEST_REQUIRE(found.size() == 1u);
    return *found.front();
  }
  template <class T>
  std::vector<const T*> sent() const {
    std::vector<const T*> out;
    for (const codec::packet& p : packets) {
      if (const T* t = std::get_if<T>(&p)) out.push_back(t);
    }
    return out;
  }
  std::vector<codec::packet_type> sent_types() const {
    std::vector<codec::packet_type> out;
    for (const codec::packet& p : packets) out.push_back(codec::type_of(p));
    return out;
  }
  bool closed() const { return count<close_transport>() == 1; }
};

inline options default_options(codec::protocol_version v) {
  options o;
  o.version = v;
  o.client_id = "c1";
  o.keep_alive_s = 60;
  return o;
}

// A client and the broker side of its transport.
class fixture {
 public:
  explicit fixture(options o) : client_(std::move(o)) {}
  explicit fixture(codec::protocol_version v) : fixture(default_options(v)) {}

  client& c() { return client_; }
  codec::protocol_version version() const { return client_.config().version; }
  clock_ms now = 1'000;

  step take() {
    step s;
    s.events = client_.take_events();
    for (const event& e : s.events) {
      if (const auto* b = std::get_if<send_bytes>(&e)) {
        s.wire.insert(s.wire.end(), b->bytes.begin(), b->bytes.end());
      }
    }
    codec::decode_options d;
    d.version = version();
    d.receiver = codec::receiver_role::server;
    d.adopt_connect_version = false;
    std::size_t offset = 0;
    // Each turn consumes one whole packet, or fails the test and stops.
    while (offset < s.wire.size()) {
      std::span<const std::uint8_t> rest(s.wire.data() + offset, s.wire.size() - offset);
      codec::frame f;
      codec::result<codec::frame_status> st = codec::peek_frame(rest, d, f);
      BOOST_TEST_REQUIRE(st.ok());
      BOOST_TEST_REQUIRE((st.value() == codec::frame_status::complete_header));
      BOOST_TEST_REQUIRE(f.size() <= rest.size());
      codec::result<codec::packet> p = codec::decode_packet(rest.first(f.size()), d);
      if (!p) BOOST_FAIL("client sent an undecodable packet: " << p.err().message());
      s.packets.push_back(std::move(p.value()));
      offset += f.size();
    }
    return s;
  }

  step open() {
    client_.on_transport_open(now);
    return take();
  }
  step feed(const codec::packet& p) { return feed_raw(encode_packet(p, version())); }
  step feed_raw(const byte_vector& bytes) {
    client_.on_bytes(bytes, now);
    return take();
  }
  step closed() {
    client_.on_transport_closed(now);
    return take();
  }
  step timer(clock_ms at) {
    now = at;
    client_.on_timer(now);
    return take();
  }
  // Opens the transport and answers the CONNECT; returns the CONNACK's step.
  step connect(codec::connack ack = {}) {
    step o = open();
    BOOST_TEST_REQUIRE(o.packets.size() == 1u);
    BOOST_TEST_REQUIRE((codec::type_of(o.packets.front()) == codec::packet_type::connect));
    return feed(ack);
  }
  step publish(message m) {
    last_id = client_.publish(std::move(m), now);
    return take();
  }
  std::optional<std::uint16_t> last_id;

 private:
  client client_;
};

inline message make_message(std::string topic, std::string payload, codec::qos q,
                            bool retain = false) {
  message m;
  m.topic = std::move(topic);
  m.payload = std::move(payload);
  m.qos = q;
  m.retain = retain;
  return m;
}

inline codec::connack connack_with(bool session_present, std::uint8_t code = 0) {
  codec::connack a;
  a.session_present = session_present;
  a.reason_code = code;
  return a;
}

template <class Ack>
Ack ack(std::uint16_t id, std::uint8_t reason = 0) {
  Ack a;
  a.packet_id = id;
  a.reason_code = reason;
  return a;
}

inline codec::publish broker_publish(std::string_view topic, std::string_view payload, codec::qos q,
                                     std::uint16_t id = 0, bool dup = false) {
  codec::publish p;
  p.topic = topic;
  p.payload = payload;
  p.qos = q;
  p.packet_id = id;
  p.dup = dup;
  return p;
}

constexpr codec::protocol_version v3_1 = codec::protocol_version::v3_1;
constexpr codec::protocol_version v311 = codec::protocol_version::v3_1_1;
constexpr codec::protocol_version v5 = codec::protocol_version::v5;
constexpr codec::protocol_version all_versions[] = {v3_1, v311, v5};

}  // namespace mqtt::client::test
