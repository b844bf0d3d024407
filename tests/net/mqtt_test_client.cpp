// The test client's MQTT flows, on any byte stream (transport_stream.cpp makes them).
#include "mqtt_test_client.hpp"

#include <stdexcept>

#include "mqtt/codec/decoder.hpp"
#include "mqtt/codec/encoder.hpp"

namespace net_test {
namespace codec = mqtt::codec;

mqtt_test_client::mqtt_test_client(std::unique_ptr<byte_stream> stream, codec::protocol_version version)
    : stream_(std::move(stream)), version_(version) {}

void mqtt_test_client::send(const codec::packet& p) {
  std::vector<std::uint8_t> out;
  auto r = codec::encode(p, version_, out);
  if (!r) throw std::runtime_error("cannot encode " + std::string(codec::to_string(codec::type_of(p))));
  send_raw(out);
}

void mqtt_test_client::send_raw(std::span<const std::uint8_t> bytes) {
  if (!stream_->write(bytes)) throw std::runtime_error("write failed");
}

std::optional<std::vector<std::uint8_t>> mqtt_test_client::next_packet(std::chrono::milliseconds timeout) {
  codec::decode_options opts;
  opts.version = version_;
  opts.receiver = codec::receiver_role::client;
  opts.adopt_connect_version = false;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (int reads = 0; reads < 100'000; ++reads) {
    codec::frame f;
    auto status = codec::peek_frame(input_, opts, f);
    if (!status) throw std::runtime_error("server sent a malformed fixed header");
    if (*status == codec::frame_status::complete_header && input_.size() >= f.size()) {
      std::vector<std::uint8_t> bytes(input_.begin(), input_.begin() + static_cast<std::ptrdiff_t>(f.size()));
      input_.erase(input_.begin(), input_.begin() + static_cast<std::ptrdiff_t>(f.size()));
      return bytes;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    if (stream_->read_some(input_, left) != byte_stream::read_status::data) return std::nullopt;
  }
  return std::nullopt;
}

codec::packet mqtt_test_client::decode(const std::vector<std::uint8_t>& bytes) const {
  codec::decode_options opts;
  opts.version = version_;
  opts.receiver = codec::receiver_role::client;
  opts.adopt_connect_version = false;
  auto r = codec::decode_packet(bytes, opts);
  if (!r) throw std::runtime_error("server sent a malformed packet: " + std::string(r.err().message()));
  return std::move(r).value();
}

std::vector<std::uint8_t> mqtt_test_client::expect(codec::packet_type type, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (int packets = 0; packets < 10'000; ++packets) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    auto bytes = next_packet(std::max(left, std::chrono::milliseconds(1)));
    if (!bytes) break;
    auto t = static_cast<codec::packet_type>((*bytes)[0] >> 4);
    if (t == type) return *bytes;
    if (t == codec::packet_type::publish) {
      stashed_publishes_.push_back(std::move(*bytes));
      continue;
    }
    throw std::runtime_error("expected " + std::string(codec::to_string(type)) + ", got " +
                             std::string(codec::to_string(t)));
  }
  throw std::runtime_error("no " + std::string(codec::to_string(type)) + " in time");
}

connack_result mqtt_test_client::connect(const connect_options& o) {
  version_ = o.version;
  codec::connect c;
  c.version = o.version;
  c.client_id = o.client_id;
  c.clean_start = o.clean_start;
  c.keep_alive_s = o.keep_alive_s;
  if (o.user_name) c.user_name = *o.user_name;
  if (o.password) c.password = *o.password;
  if (o.will) {
    codec::will_message w;
    w.topic = o.will->topic;
    w.payload = o.will->payload;
    w.qos = o.will->qos;
    w.retain = o.will->retain;
    c.will = w;
  }
  send(c);
  auto bytes = expect(codec::packet_type::connack);
  auto packet = decode(bytes);
  auto& ack = std::get<codec::connack>(packet);
  return {ack.session_present, ack.reason_code};
}

std::vector<std::uint8_t> mqtt_test_client::subscribe(const std::string& filter, codec::qos qos) {
  codec::subscribe s;
  s.packet_id = next_packet_id_++;
  codec::subscription sub;
  sub.filter = filter;
  sub.options.max_qos = qos;
  s.subscriptions.push_back(sub);
  send(s);
  auto bytes = expect(codec::packet_type::suback);
  auto p = decode(bytes);
  return std::get<codec::suback>(p).reason_codes;
}

void mqtt_test_client::publish(const std::string& topic, std::string_view payload, codec::qos qos, bool retain) {
  codec::publish p;
  p.topic = topic;
  p.payload = payload;
  p.qos = qos;
  p.retain = retain;
  if (qos != codec::qos::at_most_once) p.packet_id = next_packet_id_++;
  send(p);
  if (qos == codec::qos::at_least_once) {
    expect(codec::packet_type::puback);
  } else if (qos == codec::qos::exactly_once) {
    expect(codec::packet_type::pubrec);
    codec::pubrel rel;
    rel.packet_id = p.packet_id;
    send(rel);
    expect(codec::packet_type::pubcomp);
  }
}

received_publish mqtt_test_client::acknowledge(const std::vector<std::uint8_t>& bytes) {
  auto packet = decode(bytes);
  const auto& p = std::get<codec::publish>(packet);
  received_publish r{std::string(p.topic), std::string(p.payload), p.qos, p.retain, p.dup, p.packet_id};
  if (p.qos == codec::qos::at_least_once) {
    codec::puback ack;
    ack.packet_id = p.packet_id;
    send(ack);
  } else if (p.qos == codec::qos::exactly_once) {
    codec::pubrec rec;
    rec.packet_id = p.packet_id;
    send(rec);
    expect(codec::packet_type::pubrel);
    codec::pubcomp comp;
    comp.packet_id = p.packet_id;
    send(comp);
  }
  return r;
}

std::optional<received_publish> mqtt_test_client::next_publish(std::chrono::milliseconds timeout) {
  if (!stashed_publishes_.empty()) {
    auto bytes = std::move(stashed_publishes_.front());
    stashed_publishes_.pop_front();
    return acknowledge(bytes);
  }
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (int packets = 0; packets < 10'000; ++packets) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    auto bytes = next_packet(left);
    if (!bytes) return std::nullopt;
    auto t = static_cast<codec::packet_type>((*bytes)[0] >> 4);
    if (t == codec::packet_type::publish) return acknowledge(*bytes);
    throw std::runtime_error("expected PUBLISH, got " + std::string(codec::to_string(t)));
  }
  return std::nullopt;
}

void mqtt_test_client::disconnect() { send(codec::disconnect{}); }

bool mqtt_test_client::closed_by_peer(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (int reads = 0; reads < 100'000; ++reads) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    input_.clear();
    auto s = stream_->read_some(input_, left);
    if (s == byte_stream::read_status::eof) return true;
    if (s == byte_stream::read_status::timeout) return false;
  }
  return false;
}

}  // namespace net_test
