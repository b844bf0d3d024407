// The scenario interpreter, sans-IO like the protocol cores: it is fed events (a connection
// opened, bytes arrived, a connection closed and how, the time is now) and answers with
// actions (open, write, close, half-close, reset) and the time it wants to be woken. It knows
// no sockets and no clock, so the simulator drives it under virtual time and a real target
// drives it from the network under the steady clock.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "script/build.hpp"
#include "script/scenario.hpp"
#include "script/values.hpp"

#include "mqtt/codec/packet.hpp"

namespace mqtt::codec {
class stream_decoder;
}

namespace harness::script {

// How a connection ended, as the report names it. Every kind counts as "closed".
enum class close_kind : std::uint8_t { fin, reset, read_error, tls_close, ws_close, refused };
std::string_view to_string(close_kind k);

struct action {
  // write_text: `bytes` go as one WebSocket text message (only WebSocket targets run such steps).
  // fault: `fault` on client `client` (whose current connection is `conn`, 0: none); heal:
  // every fault ends; restart: the broker dies and is started again, and the target calls
  // on_restarted once it listens (or could not bring it back).
  enum class kind : std::uint8_t { open, write, write_text, close, half_close, reset, fault, heal, restart };
  kind k = kind::open;
  std::uint64_t conn = 0;
  std::vector<std::uint8_t> bytes;
  std::string client;  // open, fault: the scenario's name of the client
  fault_step fault;
};

// One line of a case's wire log: a packet either way, or a connection event.
struct transcript_entry {
  enum class kind : std::uint8_t { sent, received, opened, closed, note };
  ms at = 0;
  kind k = kind::note;
  std::string client;
  std::uint64_t conn = 0;
  boost::json::object packet;  // sent / received: the decoded packet (or {"raw_hex": ...})
  std::string text;            // closed: how; note: what happened
  int line = 0;                // the step that sent it, or was running when it arrived
  // note: the scenario ended the connection itself (`close`, `reset`, `half-close`).
  std::optional<close_step::kind> ended_by_scenario = std::nullopt;
};

// What a case needs from its run: the version, what makes its names unique, the target's
// time factor and what its profile says.
// What a target knows of a connection once it is open.
struct open_info {
  // WebSocket: the Sec-WebSocket-Protocol of the broker's upgrade answer ("" when it gave
  // none); nullopt on other transports.
  std::optional<std::string> ws_subprotocol;
};

struct case_context {
  protocol_version version = protocol_version::v5;
  std::string run_tag = "0000000000";  // 10 letters and digits, unique per case and run
  double time_factor = 1.0;            // deadlines and quiet windows are multiplied by it
  ms default_within_ms = 5'000;        // an expectation without `within`
  ms case_budget_ms = 60'000;  // slack beyond the sum of the steps' deadlines; past it, an error
  ms restart_within_ms = 60'000;  // `restart broker`: the broker must listen again within this
  std::set<std::string> capabilities;
  std::map<std::string, std::string> profile_values;  // $profile.KEY
  // User name and password for every CONNECT that writes neither (a broker without anonymous access).
  std::optional<std::pair<std::string, std::string>> connect_credentials;
  std::size_t transcript_max = 4'000;                 // entries kept; the rest are counted
};

struct case_outcome {
  verdict result = verdict::pass;
  std::string message;                // why, for anything but pass
  int line = 0;                       // the step that decided it, 0 when none
  std::vector<std::string> expected;  // every acceptable outcome of that step
  std::string actual;                 // what happened instead
};

class interpreter {
 public:
  interpreter(const scenario& s, case_context ctx);
  ~interpreter();
  interpreter(const interpreter&) = delete;
  interpreter& operator=(const interpreter&) = delete;

  void start(ms now);
  void on_open(std::uint64_t conn, ms now, const open_info& info = {});
  void on_bytes(std::uint64_t conn, std::span<const std::uint8_t> bytes, ms now);
  void on_closed(std::uint64_t conn, close_kind how, const std::string& detail, ms now);
  void on_timer(ms now);
  // The broker a `restart` action asked for is back (`error`: it could not be brought back).
  void on_restarted(ms now, std::optional<std::string> error = std::nullopt);

  std::vector<action> take_actions();
  std::optional<ms> next_wake() const;
  bool finished() const { return finished_; }
  const case_outcome& outcome() const { return outcome_; }
  const std::vector<transcript_entry>& transcript() const { return transcript_; }
  std::size_t transcript_dropped() const { return transcript_dropped_; }
  const std::string& client_id(const std::string& name) const;
  const std::string& topic_prefix() const { return bind_.topic_prefix; }

 private:
  struct client;
  enum class status : std::uint8_t { done, waiting };

  void advance(ms now);
  status run_step(const step& st, ms now);
  status run_connect(const step& st, const connect_step& c, ms now);
  status run_send(const step& st, const send_step& s, ms now);
  status run_expect(const step& st, const expect_step& e, ms now);
  status run_close(const close_step& c, ms now);
  status run_assert(const step& st, const assert_step& a);
  status run_check(const step& st, const check_step& c, ms now);
  status run_fault(const step& st, const fault_step& f, bool first, ms now);
  status expect_one_of(const step& st, const expect_step& e, client& c, ms now);
  status expect_unordered(const step& st, const expect_step& e, client& c, ms now);

  client& get(const std::string& name);
  client* by_conn(std::uint64_t conn);
  void open_connection(client& c, ms now);
  void adopt_connect(client& c, const built_packet& p);
  void write(client& c, std::vector<std::uint8_t> bytes, const step& st, ms now);
  void write_at(client& c, std::vector<std::uint8_t> bytes, int line, ms now);
  // Records what goes out (or that it could not, the connection being closed) and queues the action.
  void emit(client& c, action::kind k, std::vector<std::uint8_t> bytes, boost::json::object view, int line, ms now);
  // SCRAM-SHA-256 as a client (scram.* fields): the fields of the CONNECT or AUTH 0x19 that
  // starts it, then per packet received the answer to send, if any; `o` gains `scram`.
  std::vector<field_setting> scram_fields(client& c, const std::vector<field_setting>& fields, const step& st);
  std::optional<std::vector<std::uint8_t>> scram_on_packet(client& c, const mqtt::codec::packet& p, boost::json::object& o);
  void finish(verdict v, const std::string& message, const step* st, std::vector<std::string> expected = {},
              std::string actual = {});
  void fail_step(const step& st, bool precondition, const std::string& message, std::vector<std::string> expected,
                 std::string actual);
  bool check_unsupported(client& c, const boost::json::object& connack);
  std::string actual_text(const client& c) const;
  void record(transcript_entry e);
  ms scaled(ms d) const;
  bool applies(const step& st) const;

  const scenario& s_;
  case_context ctx_;
  bindings bind_;
  std::map<std::string, std::unique_ptr<client>> clients_;
  std::map<std::uint64_t, client*> conns_;
  std::uint64_t next_conn_ = 1;
  std::vector<action> actions_;
  std::size_t pc_ = 0;
  bool step_started_ = false;
  std::optional<ms> deadline_;
  bool restart_pending_ = false;              // a restart action awaits on_restarted
  std::optional<std::string> restart_error_;  // what on_restarted said went wrong
  ms started_at_ = 0;
  ms budget_ms_ = 0;
  ms now_ = 0;
  bool finished_ = false;
  case_outcome outcome_;
  std::vector<std::string> nonstrict_notes_;
  std::vector<transcript_entry> transcript_;
  std::size_t transcript_dropped_ = 0;
};

}  // namespace harness::script
