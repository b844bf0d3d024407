// A parsed scenario: its header (id, title, statements, versions, capabilities) and its steps,
// each with the place in the file it came from. Values stay as written (with $references) until
// the interpreter resolves them against the run: captures, client ids, the topic prefix.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "check/checkers.hpp"
#include "mqtt/codec/types.hpp"

namespace harness::script {

using ms = std::uint64_t;
using mqtt::codec::packet_type;
using mqtt::codec::protocol_version;

struct source_pos {
  int line = 0;
  int col = 0;
};

// A value as written: a bare word ("0x10", "$t/a", "true"), a quoted string, or a [list].
struct term {
  enum class kind : std::uint8_t { word, string, list };
  kind k = kind::word;
  std::string text;
  std::vector<term> items;
  source_pos pos;
};

// FIELD OP VALUE, e.g. `reason in {0x00, 0x10}` or `topic=$t/a`.
struct matcher {
  enum class op : std::uint8_t { eq, ne, lt, le, gt, ge, in };
  std::string field;
  op oper = op::eq;
  std::vector<term> values;  // one, or several for `in`
  source_pos pos;
};

// A packet the broker should send: its type and the fields that must match, optionally
// captured under a name for later steps (`as m`, then `$m.packet_id`).
struct packet_pattern {
  packet_type type = packet_type::publish;
  std::vector<matcher> matchers;
  std::string capture;
  std::string text;  // as written, for messages
  source_pos pos;
};

enum class verdict : std::uint8_t { pass, nonstrict, fail, skip, unsupported, inconclusive, error };
std::string_view to_string(verdict v);
// How bad a verdict is, for the worst-of aggregate of a statement (pass lowest).
int severity(verdict v);

// One item of an outcome: a packet, the connection closing, or no reaction at all.
struct outcome_item {
  enum class kind : std::uint8_t { packet, closed, nothing };
  kind k = kind::packet;
  packet_pattern packet;
};

// One acceptable (or known bad) outcome of a `one of` block, with its verdict.
struct alternative {
  std::vector<outcome_item> items;  // in order, joined by `then`
  verdict result = verdict::pass;   // pass, nonstrict or fail
  std::string note;
  std::string text;
  source_pos pos;
};

struct field_setting {
  std::string name;
  term value;
  source_pos pos;
};

struct connect_step {
  std::string client;
  std::vector<field_setting> fields;
  bool open_only = false;  // `open`: the connection without a CONNECT
};

struct send_step {
  std::string client;
  packet_type type = packet_type::publish;
  std::vector<field_setting> fields;
  bool unchecked = false;        // put it on the wire even when it breaks a rule
  std::optional<term> raw_hex;   // `send c raw "..."`
  std::optional<term> ws_text;   // `send c text "..."`: one WebSocket text message (needs websocket)
  bool ws_text_hex = false;      // `send c text raw "HEX"`: the message's bytes in hex
};

struct expect_step {
  enum class kind : std::uint8_t { packet, unordered, one_of, closed, nothing, none_of_type };
  std::string client;
  kind k = kind::packet;
  std::vector<packet_pattern> packets;  // packet: one; unordered: all; none_of_type: one
  std::vector<alternative> alternatives;
  std::optional<ms> duration_ms;  // `within` (deadline) or `for` (quiet window)
  bool precondition = false;      // `require`: a failure makes the scenario inconclusive
};

struct close_step {
  enum class kind : std::uint8_t { close, half_close, reset };
  std::string client;
  kind k = kind::close;
};

struct wait_step {
  ms duration_ms = 0;
};

struct ignore_step {
  std::string client;
  std::vector<packet_type> types;
};

// Assertions over every packet a client received during the scenario, or (`subprotocol`) over
// the WebSocket subprotocol the broker chose in its upgrade answer (needs websocket).
struct assert_step {
  enum class kind : std::uint8_t { received, order, subprotocol };
  std::string client;
  std::vector<std::string> more_clients;  // `assert a,b received ...`: counted together
  kind k = kind::received;
  packet_pattern packet;
  matcher::op count_op = matcher::op::eq;  // received: how the count compares
  std::uint64_t count = 0;
  std::string by_field;                    // order: the field whose values are listed
  std::vector<term> sequence;
  term subprotocol;                        // subprotocol: the name the answer must carry
};

// The history checkers (harness/check) on everything the case's clients sent and received so
// far: `check history [rules R1,R2] [within DUR]`. Owed messages and wills may take DUR to come.
struct check_step {
  std::vector<check::rule_id> rules;  // empty: every rule a scenario's history is judged by
  std::optional<ms> duration_ms;
};

// `auto-ack C`: from now on C acknowledges each QoS 1 PUBLISH with PUBACK, each QoS 2 PUBLISH
// with PUBREC and each PUBREL with PUBCOMP as it arrives, as a client application would; the
// packets still reach the inbox. For brokers that send one message at a time.
struct auto_ack_step {
  std::string client;
};

// Network faults and broker restarts, with the simulator's meaning on every target (on a real
// broker each client's connections pass through its own fault proxy, harness/proxy):
//   `partition C [for DUR]`  nothing passes between C and the broker, either way, until DUR
//                            has passed or `heal`; what was sent waits (TCP retransmits) and
//                            C's new connections wait too
//   `black-hole C`           C's current connection carries nothing more, FIN and RST
//                            included: only keep alive can tell
//   `half-open C client|broker`  C's current connection is gone for that end only (it gets
//                            a RST); the other end never hears of it
//   `heal`                   every fault of the case ends (held bytes flow on)
//   `restart broker`         the broker process dies (SIGKILL: no DISCONNECT, no will of its
//                            own making) and is started again where it was; the step ends
//                            once it listens. Needs `restart`; on a real broker, the
//                            profile's [restart] commands.
struct fault_step {
  enum class kind : std::uint8_t { partition, black_hole, half_open, heal, restart };
  kind k = kind::partition;
  std::string client;             // empty for heal and restart
  std::optional<ms> duration_ms;  // partition: how long (nullopt: until heal)
  bool broker_told = false;       // half_open: the end that learns is the broker's
};

using step_body = std::variant<connect_step, send_step, expect_step, close_step, wait_step,
                               ignore_step, assert_step, check_step, auto_ack_step, fault_step>;

struct step {
  step_body body;
  std::vector<protocol_version> only;  // `[5] ...`: the versions the step applies to; empty: all
  source_pos pos;
  std::string text;  // the source line
};

struct scenario {
  std::string id;     // "v5/3.8/subscribe-reserved-flags"
  std::string title;
  std::string file;
  source_pos pos;
  std::vector<protocol_version> versions;
  // Statement IDs per version, each checked against that version's standard.
  std::map<protocol_version, std::vector<std::string>> statements;
  std::vector<std::string> needs;  // capabilities
  // The codec's malformed-packet classes the scenario sends (mqtt::codec::rule_info::name).
  std::vector<std::string> malformed;
  // A regression scenario: the broker and version whose bug it pins ("mqtt-ref-broker before 940b2c7").
  std::string found_in;
  std::vector<step> steps;
  std::string source;  // the scenario's lines, for reports
  int first_line = 0;
  bool hostile = false;  // sends raw or rule-breaking bytes: the broker's liveness is probed after it
  bool faults = false;    // has fault steps: on a real broker its clients go through proxies
  bool restarts = false;  // restarts the broker: on a shared broker it runs alone, after the rest

  const std::vector<std::string>& statements_for(protocol_version v) const;
};

// Capabilities a scenario may need; a target profile says which it offers.
const std::vector<std::string>& known_capabilities();

}  // namespace harness::script
