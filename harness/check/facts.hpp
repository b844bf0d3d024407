// What the checkers know about a run besides its history: the clients and what each was
// promised (version, session, will, subscriptions), the topic and filter tables the records
// index, and how the run ended. The simulator builds these from its workload.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "mqtt/codec/types.hpp"
#include "mqtt/spec/statement_id.hpp"

namespace harness::check {

struct subscription_facts {
  std::uint16_t filter = 0;  // index into run_facts::filters
  std::uint8_t qos = 0;      // requested; the granted QoS is in the SUBACK record
  // Unsubscribed and subscribed again during the run: no message is owed through it.
  bool cycled = false;
  // 5.0 shared subscription group ($share/<group>/<filter>), empty for an ordinary one.
  std::string share_group;
};

struct will_facts {
  std::uint16_t topic = 0;  // index into run_facts::topics
  std::uint8_t qos = 0;
  std::uint32_t delay_s = 0;  // 5.0 Will Delay Interval
};

struct client_facts {
  std::string name;
  mqtt::codec::protocol_version version = mqtt::codec::protocol_version::v3_1_1;
  // The session outlives a connection: 3.1.1 Clean Session 0; 5.0 a first Clean Start 1,
  // then Clean Start 0 with session_expiry_s.
  bool persistent = false;
  std::uint32_t session_expiry_s = 0;  // 5.0; 0xFFFF'FFFF never expires
  std::optional<will_facts> will;
  std::vector<subscription_facts> subscriptions;
  // A scripted raw peer (not a client core): not expected to stay connected; when
  // raw_must_close names a statement, the broker must close its connection for breaking it.
  bool raw_peer = false;
  mqtt::spec::statement_id raw_must_close;
};

// What one connection carried, for producers that know it per connection: a scripted client
// changes its will and session from one connection to the next, where the simulator's clients
// keep theirs. A connection listed in run_facts::connections is judged by these, not by its
// client's will and session expiry.
struct connection_facts {
  std::optional<will_facts> will;  // the will its CONNECT carried; none: no will to judge
  // Whether the broker held the client's session when this connection's Clean Start 0 CONNECT
  // arrived, as the producer worked it out from the CONNECTs and DISCONNECTs before it;
  // `from_client_facts` leaves it to the client's facts, `undecided` (a timer race, an unknown
  // CONNECT in between) makes either Session Present right.
  enum class session_state : std::uint8_t { from_client_facts, held, not_held, undecided };
  session_state session_at_connect = session_state::from_client_facts;
};

struct run_facts {
  std::vector<std::string> topics;   // record::topic indexes these
  std::vector<std::string> filters;  // record::filter and subscription_facts::filter index these
  // Topics starting with this carry only wills, whose deliveries name the connection that
  // ended (record::conn); empty: no topic does.
  std::string will_topic_prefix;
  // Topics (indexes into `topics`) that carry only wills, besides those under the prefix; a
  // topic's string may be listed twice, once for its wills and once for its other messages.
  std::vector<std::uint16_t> will_topics;
  std::vector<client_facts> clients;  // record::node indexes these
  std::map<std::uint64_t, connection_facts> connections;  // by record::conn; may be empty
  // The broker keeps its state across a crash and restart (persistence: sessions,
  // subscriptions, queued and inflight messages, retained messages): a crash then ends no
  // session, a QoS 2 flow across it is still owed exactly once, a retained message acknowledged
  // before it is still owed, and a will lost or pending in it may or may not go out. false: a
  // crash loses everything (the simulated reference broker).
  bool broker_keeps_state = false;
  // The run was stopped by its event budget before it finished: the history is incomplete.
  bool event_budget_exhausted = false;
  std::uint64_t events_max = 0;
};

}  // namespace harness::check
