// The named workloads, and the facts the checkers learn from them.
#include "sim/workload.hpp"

#include <array>

namespace harness::sim {
namespace {

using mqtt::codec::protocol_version;

std::vector<std::string> standard_topics() {
  return {"t/a", "t/b", "u/x", "r/b", "will/c0", "will/c1", "will/c2", "will/c3", "will/c4",
          "s/x"};
}
std::vector<std::string> standard_filters() {
  return {"t/#", "t/+", "u/#", "r/#", "will/#", "s/#"};
}
enum filter_id : std::uint16_t { f_t_all, f_t_one, f_u, f_r, f_will, f_s };
enum topic_id : std::uint16_t { t_a, t_b, u_x, r_b, s_x = 9 };

client_spec persistent_subscriber() {
  client_spec c;
  c.name = "c0";
  c.version = protocol_version::v5;
  c.persistent = true;
  c.session_expiry_s = 3600;
  c.subscriptions = {{f_t_all, 2, 0, 0, {}}};
  c.offline_every_min_ms = 2'000;
  c.offline_every_max_ms = 5'000;
  c.offline_for_min_ms = 300;
  c.offline_for_max_ms = 2'000;
  return c;
}

client_spec clean_subscriber() {
  client_spec c;
  c.name = "c1";
  c.version = protocol_version::v3_1_1;
  c.subscriptions = {{f_t_one, 1, 0, 0, {}}, {f_u, 1, 500, 2'000, {}}};
  return c;
}

client_spec v5_publisher() {
  client_spec c;
  c.name = "c2";
  c.version = protocol_version::v5;
  c.persistent = true;
  c.session_expiry_s = 2;  // shorter than some offline spells: Session Present tells
  c.will = true;
  c.will_delay_s = 1;      // a reconnect within 1 s cancels the will (MQTT-3.1.3-9)
  c.publishes = publish_spec{{t_a, u_x}, {0, 1, 2}, 0.0, 50, 200};
  c.offline_every_min_ms = 3'000;
  c.offline_every_max_ms = 6'000;
  c.offline_for_min_ms = 500;
  c.offline_for_max_ms = 4'000;
  return c;
}

client_spec v311_publisher() {
  client_spec c;
  c.name = "c3";
  c.version = protocol_version::v3_1_1;
  c.persistent = true;
  c.will = true;
  c.publishes = publish_spec{{t_b, r_b}, {1, 2}, 0.3, 50, 200};
  return c;
}

client_spec watcher() {
  client_spec c;
  c.name = "c4";
  c.version = protocol_version::v5;
  c.persistent = true;
  c.session_expiry_s = 3600;
  c.subscriptions = {{f_will, 1, 0, 0, {}}, {f_r, 1, 1'000, 3'000, {}}};
  return c;
}

workload make_standard() {
  workload w;
  w.name = "standard";
  w.description =
      "1 broker, 5 clients: persistent 5.0 QoS 2 subscriber that goes offline, clean 3.1.1 "
      "subscriber that unsubscribes, 5.0 and 3.1.1 publishers (QoS 0/1/2, retained, wills), "
      "will and retained watcher";
  w.topics = standard_topics();
  w.filters = standard_filters();
  w.clients = {persistent_subscriber(), clean_subscriber(), v5_publisher(), v311_publisher(),
               watcher()};
  return w;
}

workload make_small() {
  workload w;
  w.name = "small";
  w.description = "1 broker, 2 clients: a 3.1.1 QoS 1 publisher and a persistent 5.0 subscriber";
  w.topics = standard_topics();
  w.filters = standard_filters();
  client_spec pub = v311_publisher();
  pub.name = "c1";
  pub.will = false;
  pub.publishes = publish_spec{{t_b}, {1}, 0.0, 100, 300};
  w.clients = {persistent_subscriber(), pub};
  return w;
}

workload make_shared() {
  workload w;
  w.name = "shared";
  w.description =
      "1 broker, 4 clients: two persistent 5.0 members of one shared subscription "
      "($share/g/s/#) that go offline now and then, a 5.0 and a 3.1.1 publisher";
  w.topics = standard_topics();
  w.filters = standard_filters();
  client_spec a = persistent_subscriber();  // the same client, on the shared filter
  a.subscriptions = {{f_s, 2, 0, 0, "g"}};
  client_spec b = a;
  b.name = "c1";
  client_spec p = v5_publisher();
  p.publishes = publish_spec{{s_x}, {0, 1, 2}, 0.0, 50, 200};
  p.will = false;
  p.offline_every_min_ms = 0;
  client_spec q = v311_publisher();
  q.publishes = publish_spec{{s_x}, {1}, 0.0, 50, 200};
  q.will = false;
  w.clients = {a, b, p, q};
  return w;
}

// A raw peer that connects (3.1.1) and then sends a PUBLISH with QoS 3, which the broker must
// answer by closing the connection (MQTT-3.3.1-4).
client_spec malformed_publisher() {
  client_spec c;
  c.name = "raw5";
  // CONNECT: "MQTT" level 4, Clean Session, keep alive 0, client id "raw5".
  std::vector<std::uint8_t> connect{0x10, 16, 0, 4, 'M', 'Q', 'T', 'T', 4, 0x02, 0, 0, 0, 4,
                                    'r',  'a', 'w', '5'};
  // PUBLISH with both QoS bits set, topic "t/a", payload "x".
  std::vector<std::uint8_t> publish{0x36, 8, 0, 3, 't', '/', 'a', 0, 1, 'x'};
  c.raw = {{0, connect}, {500, publish}};
  c.raw_must_close = "MQTT-3.3.1-4";
  return c;
}

workload make_malformed() {
  workload w = make_standard();
  w.name = "malformed";
  w.description =
      "the standard workload plus a scripted raw peer that sends a PUBLISH with QoS 3: the "
      "broker must close that connection and serve the others as before";
  w.clients.push_back(malformed_publisher());
  return w;
}

}  // namespace

std::uint16_t workload::topic_index(std::string_view topic) const {
  for (std::size_t i = 0; i < topics.size(); ++i) {
    if (topics[i] == topic) return static_cast<std::uint16_t>(i);
  }
  return static_cast<std::uint16_t>(topics.size());
}

std::span<const workload> workloads() {
  static const std::array<workload, 4> all{make_standard(), make_small(), make_shared(),
                                           make_malformed()};
  return all;
}

const workload* find_workload(std::string_view name) {
  for (const workload& w : workloads()) {
    if (w.name == name) return &w;
  }
  return nullptr;
}

check::run_facts facts_of(const workload& w) {
  check::run_facts f;
  f.topics = w.topics;
  f.filters = w.filters;
  f.will_topic_prefix = std::string(will_topic_prefix);
  for (const client_spec& c : w.clients) {
    check::client_facts cf;
    cf.name = c.name;
    cf.version = c.version;
    cf.persistent = c.persistent;
    cf.session_expiry_s = c.session_expiry_s;
    if (c.will) {
      cf.will = check::will_facts{w.topic_index(std::string(will_topic_prefix) + c.name),
                                  c.will_qos, c.will_delay_s};
    }
    for (const subscription_spec& s : c.subscriptions) {
      cf.subscriptions.push_back({s.filter, s.qos, s.cycle_max_ms != 0, s.share_group});
    }
    cf.raw_peer = !c.raw.empty();
    cf.raw_must_close = c.raw_must_close;
    f.clients.push_back(std::move(cf));
  }
  return f;
}

}  // namespace harness::sim
