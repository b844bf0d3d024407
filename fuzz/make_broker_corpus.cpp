// Writes the broker fuzz target's seed corpus: scripts of realistic sessions (3.1, 3.1.1 and
// 5.0 clients subscribing, publishing at every QoS, retained messages, wills, reconnects,
// keep-alive expiry), so fuzzing starts from deep broker states.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "broker_fuzz_script.hpp"
#include "mqtt/codec/encoder.hpp"

namespace {

namespace codec = mqtt::codec;
using codec::protocol_version;
using codec::qos;
using script = std::vector<std::uint8_t>;

void send(script& s, std::size_t client, const codec::packet& p, protocol_version v) {
  std::vector<std::uint8_t> bytes;
  auto r = codec::encode(p, v, bytes);
  if (!r) {
    std::fprintf(stderr, "make-broker-corpus: invalid seed packet: %s\n", std::string(r.err().message()).c_str());
    std::exit(1);
  }
  mqtt::fuzz::script_send(s, client, bytes);
}

codec::connect connect(std::string_view id, protocol_version v, bool clean, std::uint16_t keep_alive = 0) {
  codec::connect c;
  c.version = v;
  c.client_id = id;
  c.clean_start = clean;
  c.keep_alive_s = keep_alive;
  return c;
}

codec::publish publish(std::string_view topic, std::string_view payload, qos q, std::uint16_t id, bool retain) {
  codec::publish p;
  p.topic = topic;
  p.payload = payload;
  p.qos = q;
  p.packet_id = q == qos::at_most_once ? 0 : id;
  p.retain = retain;
  return p;
}

codec::subscribe subscribe(std::uint16_t id, std::string_view filter, qos q) {
  codec::subscribe s;
  s.packet_id = id;
  s.subscriptions.push_back({filter, {q, false, false, 0}});
  return s;
}

script session_flow(protocol_version v) {
  script s;
  mqtt::fuzz::script_open(s, 0);
  auto c0 = connect("sub", v, false);
  c0.will = codec::will_message{"wills/sub", "gone", qos::at_least_once, false, {}};
  if (v == protocol_version::v5) {
    c0.props.session_expiry_interval_s = 60;
    c0.will->props.will_delay_interval_s = 2;
  }
  send(s, 0, c0, v);
  send(s, 0, subscribe(1, "a/#", qos::exactly_once), v);
  send(s, 0, subscribe(2, "wills/+", qos::at_least_once), v);
  mqtt::fuzz::script_open(s, 1);
  send(s, 1, connect("pub", v, true), v);
  send(s, 1, publish("a/b", "zero", qos::at_most_once, 0, false), v);
  send(s, 1, publish("a/b", "one", qos::at_least_once, 1, true), v);
  send(s, 1, publish("a/c", "two", qos::exactly_once, 2, false), v);
  send(s, 1, codec::pubrel{2, 0, {}}, v);
  send(s, 0, codec::puback{1, 0, {}}, v);
  send(s, 0, codec::pubrec{2, 0, {}}, v);
  send(s, 0, codec::pubcomp{2, 0, {}}, v);
  mqtt::fuzz::script_close(s, 0);
  send(s, 1, publish("a/d", "queued", qos::at_least_once, 3, false), v);
  mqtt::fuzz::script_advance(s, 4);
  mqtt::fuzz::script_open(s, 0);
  send(s, 0, connect("sub", v, false), v);
  send(s, 0, codec::pingreq{}, v);
  codec::unsubscribe u;
  u.packet_id = 3;
  u.filters.push_back("a/#");
  send(s, 0, u, v);
  send(s, 0, codec::disconnect{}, v);
  return s;
}

script v5_features() {
  const auto v = protocol_version::v5;
  script s;
  mqtt::fuzz::script_open(s, 0);
  auto c = connect("", v, true, 5);
  c.props.receive_maximum = 2;
  c.props.maximum_packet_size = 200;
  c.props.topic_alias_maximum = 3;
  send(s, 0, c, v);
  codec::subscribe sub;
  sub.packet_id = 1;
  sub.props.subscription_identifiers.push_back(7);
  sub.subscriptions.push_back({"$share/g/jobs/#", {qos::at_least_once, false, false, 0}});
  sub.subscriptions.push_back({"x/+", {qos::exactly_once, true, true, 1}});
  send(s, 0, sub, v);
  mqtt::fuzz::script_open(s, 1);
  send(s, 1, connect("p5", v, true), v);
  auto p = publish("jobs/1", "job", qos::at_least_once, 1, false);
  p.props.topic_alias = 1;
  p.props.message_expiry_interval_s = 1;
  p.props.user_properties = {{"k", "v"}};
  send(s, 1, p, v);
  auto q = publish("", "alias", qos::exactly_once, 2, true);
  q.props.topic_alias = 1;
  send(s, 1, q, v);
  send(s, 1, publish("x/y", std::string(300, 'z'), qos::at_least_once, 3, false), v);
  mqtt::fuzz::script_advance(s, 40);  // keep alive of client 0 expires
  send(s, 1, codec::disconnect{0x04, {}}, v);
  return s;
}

script v31_and_garbage() {
  const auto v = protocol_version::v3_1;
  script s;
  mqtt::fuzz::script_open(s, 2);
  send(s, 2, connect("old", v, true, 1), v);
  send(s, 2, subscribe(1, "#", qos::at_least_once), v);
  send(s, 2, publish("t", "m", qos::at_least_once, 9, true), v);
  std::vector<std::uint8_t> junk{0x30, 0xff, 0xff, 0xff, 0x7f, 0x00};
  mqtt::fuzz::script_open(s, 3);
  mqtt::fuzz::script_send(s, 3, junk);
  mqtt::fuzz::script_advance(s, 12);
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make-broker-corpus DIR\n");
    return 2;
  }
  std::filesystem::path dir = argv[1];
  std::filesystem::create_directories(dir);
  std::vector<std::pair<std::string, script>> seeds{
      {"v3.1.1-session-flow", session_flow(protocol_version::v3_1_1)},
      {"v5-session-flow", session_flow(protocol_version::v5)},
      {"v3.1-session-flow", session_flow(protocol_version::v3_1)},
      {"v5-features", v5_features()},
      {"v3.1-and-garbage", v31_and_garbage()},
  };
  for (const auto& [name, bytes] : seeds) {
    std::ofstream out(dir / name, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  }
  std::printf("wrote %zu seeds to %s\n", seeds.size(), dir.c_str());
  return 0;
}
