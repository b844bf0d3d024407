// The records of each step of a hand-written run, as the simulator's recorder writes them.
#include "run_builder.hpp"

#include <algorithm>

// Records are built with designated initializers naming only the fields that matter; the rest
// keep their defaults on purpose.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace check_test {

using harness::check::record_kind;

std::string_view version_name(protocol_version v) {
  return v == protocol_version::v5 ? "5.0" : "3.1.1";
}

client_facts client(std::string name, protocol_version v, bool persistent) {
  client_facts c;
  c.name = std::move(name);
  c.version = v;
  c.persistent = persistent;
  c.session_expiry_s = persistent && v == protocol_version::v5 ? 3600 : 0;
  return c;
}

run_builder::run_builder() {
  facts_.topics = {"t/a", "t/b", "r/x", "will/pub", "will/nobody", "s/x"};
  facts_.filters = {"t/#", "r/#", "will/#", "s/#"};
  facts_.will_topic_prefix = "will/";
}

node_id run_builder::add(client_facts c) {
  facts_.clients.push_back(std::move(c));
  return static_cast<node_id>(facts_.clients.size() - 1);
}

void run_builder::connect_first(sim_ms at, node_id n, std::uint64_t conn) {
  const client_facts& c = facts_.clients.at(n);
  connect(at, n, conn, !c.persistent || c.version == protocol_version::v5, false);
}

void run_builder::connect(sim_ms at, node_id n, std::uint64_t conn, bool clean_start,
                          bool session_present) {
  add({.at = at, .kind = record_kind::connect_started, .node = n, .conn = conn});
  add({.at = at, .kind = record_kind::connect_delivered, .node = n, .conn = conn,
       .clean_start = clean_start});
  add({.at = at + 1, .kind = record_kind::connected, .node = n, .conn = conn,
       .session_present = session_present, .clean_start = clean_start});
}

void run_builder::subscribe(sim_ms at, node_id n, std::uint32_t serial, std::uint16_t filter,
                            std::uint8_t granted) {
  add({.at = at, .kind = record_kind::subscribe_invoked, .node = n, .seq = serial,
       .filter = filter, .qos = granted});
  add({.at = at + 1, .kind = record_kind::subscribe_acked, .node = n, .seq = serial,
       .filter = filter, .reason = granted});
}

void run_builder::unsubscribe(sim_ms at, node_id n, std::uint32_t serial, std::uint16_t filter) {
  add({.at = at, .kind = record_kind::unsubscribe_invoked, .node = n, .seq = serial,
       .filter = filter});
  add({.at = at + 1, .kind = record_kind::unsubscribe_acked, .node = n, .seq = serial,
       .filter = filter});
}

void run_builder::publish(sim_ms at, node_id n, std::uint32_t seq, std::uint16_t topic,
                          std::uint8_t qos, bool retain) {
  publish_only(at, n, seq, topic, qos, retain);
  if (qos != 0) acknowledge(at + 1, n, seq);
}

void run_builder::publish_only(sim_ms at, node_id n, std::uint32_t seq, std::uint16_t topic,
                               std::uint8_t qos, bool retain) {
  add({.at = at, .kind = record_kind::publish_invoked, .node = n, .seq = seq, .topic = topic,
       .qos = qos, .retain = retain});
}

void run_builder::acknowledge(sim_ms at, node_id n, std::uint32_t seq) {
  add({.at = at, .kind = record_kind::publish_acked, .node = n, .seq = seq});
}

void run_builder::deliver(sim_ms at, node_id n, node_id publisher, std::uint32_t seq,
                          std::uint16_t topic, std::uint8_t qos, bool retain) {
  add({.at = at, .kind = record_kind::delivered, .node = n, .publisher = publisher, .seq = seq,
       .topic = topic, .qos = qos, .retain = retain});
}

void run_builder::deliver_will(sim_ms at, node_id n, std::uint64_t conn, std::uint16_t topic) {
  add({.at = at, .kind = record_kind::delivered, .node = n, .conn = conn, .topic = topic,
       .qos = 1});
}

void run_builder::lose(sim_ms at, node_id n, std::uint64_t conn) {
  add({.at = at, .kind = record_kind::broker_conn_end, .node = n, .conn = conn});
  add({.at = at, .kind = record_kind::connection_lost, .node = n, .conn = conn});
}

void run_builder::disconnect(sim_ms at, node_id n, std::uint64_t conn) {
  add({.at = at, .kind = record_kind::disconnect_sent, .node = n, .conn = conn});
  add({.at = at + 1, .kind = record_kind::broker_conn_end, .node = n, .conn = conn,
       .graceful = true});
}

void run_builder::broker_closes(sim_ms at, node_id n, std::uint64_t conn) {
  add({.at = at, .kind = record_kind::broker_conn_end, .node = n, .conn = conn});
}

void run_builder::broker_crash(sim_ms at, sim_ms restart_at,
                               std::initializer_list<std::pair<node_id, std::uint64_t>> connections) {
  add({.at = at, .kind = record_kind::broker_crash});
  for (auto [n, conn] : connections) {
    add({.at = at, .kind = record_kind::broker_conn_end, .node = n, .conn = conn, .crash = true});
    add({.at = at, .kind = record_kind::connection_lost, .node = n, .conn = conn});
  }
  add({.at = restart_at, .kind = record_kind::broker_restart});
}

void run_builder::client_reports(sim_ms at, node_id n, std::string text) {
  add({.at = at, .kind = record_kind::protocol_violation, .node = n, .text = std::move(text)});
}

void run_builder::heal(sim_ms at) { add({.at = at, .kind = record_kind::heal}); }

harness::check::history run_builder::history() const {
  std::vector<record> sorted = records_;
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const record& a, const record& b) { return a.at < b.at; });
  harness::check::history h;
  for (record& r : sorted) h.add(std::move(r));
  return h;
}

std::vector<violation> run_builder::check() const {
  return harness::check::check_history(history(), facts_);
}

}  // namespace check_test
