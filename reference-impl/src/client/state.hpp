// Private state of the client core and the declarations shared by the files that handle each
// part of the protocol: connection.cpp (CONNECT, CONNACK, DISCONNECT, keep alive, errors),
// outgoing.cpp (our PUBLISH flows), incoming.cpp (the broker's PUBLISH flows) and
// requests.cpp (SUBSCRIBE and UNSUBSCRIBE).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "mqtt/client/client.hpp"
#include "mqtt/codec/decoder.hpp"
#include "mqtt/codec/packet.hpp"

namespace mqtt::client::detail {

// Bounds that are not options. Everything else is bounded by `options`.
inline constexpr std::size_t requests_max = 1'024;  // SUBSCRIBE/UNSUBSCRIBE awaiting their ack
inline constexpr std::uint32_t packet_id_count = 65'535;  // identifiers 1..65535
inline constexpr std::uint32_t packet_size_max =
    codec::remaining_length_max + static_cast<std::uint32_t>(codec::fixed_header_size_max);
inline constexpr std::uint16_t receive_maximum_default = 65'535;  // 5.0 §3.1.2.11.3

// Packet identifiers 1..65535 in use, with a rotating search for a free one so that a freed
// identifier is not reused at once (a late acknowledgement then finds nothing to complete).
class packet_id_set {
 public:
  bool contains(std::uint16_t id) const { return used_[id]; }
  std::size_t size() const { return count_; }
  bool insert(std::uint16_t id);
  void erase(std::uint16_t id);
  void clear();
  std::optional<std::uint16_t> allocate();

 private:
  std::vector<bool> used_ = std::vector<bool>(packet_id_count + 1, false);
  std::size_t count_ = 0;
  std::uint16_t last_ = 0;
};

// A statement whose ID differs between editions: 3.1 and 3.1.1 share one, 5.0 has its own.
struct statement_ids {
  spec::statement_id v3;
  spec::statement_id v5;
  constexpr spec::statement_id pick(codec::protocol_version v) const {
    return v == codec::protocol_version::v5 ? v5 : v3;
  }
};

// A QoS 1 or 2 message that has been sent in this session and is not yet complete.
enum class out_stage : std::uint8_t { published, released };  // released: PUBREL sent
struct outgoing_message {
  message msg;
  std::uint16_t packet_id = 0;
  out_stage stage = out_stage::published;
  bool sent_in_session = false;     // the next PUBLISH of it is a re-delivery: DUP=1
  bool sent_on_connection = false;  // holds a slot of this connection's send quota
  std::uint8_t pubrec_reason = 0;
};

// A message publish() accepted that has not been sent yet (any QoS).
struct queued_message {
  message msg;
  std::uint16_t packet_id = 0;
};

// A SUBSCRIBE or UNSUBSCRIBE awaiting its SUBACK or UNSUBACK.
struct request {
  std::uint16_t packet_id = 0;
  bool is_subscribe = true;
  std::vector<subscription_request> subs;
  std::optional<std::uint32_t> subscription_id;
  std::vector<std::string> filters;
  bool sent_on_connection = false;
  std::size_t filter_count() const { return is_subscribe ? subs.size() : filters.size(); }
};

// Codec views of our own data; valid while the source objects live.
codec::publish to_codec(const message& m, std::uint16_t packet_id, bool dup,
                        codec::protocol_version v);
codec::packet to_codec(const request& r, codec::protocol_version v);
message from_codec(const codec::publish& p, std::string topic);

}  // namespace mqtt::client::detail

namespace mqtt::client {

struct client::state {
  explicit state(options o);

  enum class phase : std::uint8_t {
    idle,              // no transport
    awaiting_connack,  // CONNECT sent
    connected,         // CONNACK 0 received
    closing,           // close_transport emitted; waiting for on_transport_closed
  };

  // --- Session: outlives connections. ---
  options opts;
  codec::protocol_version version;
  std::string client_id;               // options.client_id, or the 5.0 Assigned Client Identifier
  bool has_session = false;            // a CONNACK accepted us; the session may be resumed
  std::uint32_t session_expiry_s = 0;  // 5.0, ours unless the CONNACK overrode it
  detail::packet_id_set ids;           // identifiers of our PUBLISH, SUBSCRIBE and UNSUBSCRIBE
  std::list<detail::outgoing_message> inflight;  // in original send order
  std::unordered_map<std::uint16_t, std::list<detail::outgoing_message>::iterator> inflight_index;
  std::size_t quota_used = 0;       // inflight entries sent on this connection
  std::size_t unsent_inflight = 0;  // inflight entries not yet re-sent on this connection
  std::deque<detail::queued_message> pending;
  std::list<detail::request> requests;  // in the order they were made
  detail::packet_id_set incoming_qos2;  // broker's QoS 2 identifiers before PUBREL

  // --- Connection. ---
  phase ph = phase::idle;
  clock_ms now = 0;
  std::vector<event> events;
  codec::stream_decoder decoder;
  bool clean_start_sent = true;
  std::optional<clock_ms> connack_deadline;
  std::uint16_t keep_alive_s = 0;  // in force: ours, or the 5.0 Server Keep Alive
  clock_ms last_sent = 0;
  clock_ms last_received = 0;
  std::optional<clock_ms> ping_sent_at;
  std::uint32_t send_window = 1;  // min(inflight_max, broker's Receive Maximum)
  std::uint32_t broker_packet_size_max = detail::packet_size_max;
  codec::qos broker_max_qos = codec::qos::exactly_once;
  bool broker_retain_available = true;
  std::unordered_map<std::uint16_t, std::string> topic_aliases;  // broker's, this connection
  std::vector<std::uint8_t> scratch;                             // for encode_error
  static constexpr std::size_t scratch_capacity_max = 64 * 1'024;

  bool v5() const { return version == codec::protocol_version::v5; }
  bool open() const { return ph == phase::awaiting_connack || ph == phase::connected; }

  // connection.cpp
  void transport_open();
  void transport_closed();
  void bytes_received(std::span<const std::uint8_t> bytes);
  void timer();
  std::optional<clock_ms> deadline() const;
  void user_disconnect(std::uint8_t reason_code);
  void handle(const codec::packet& p);
  void handle_connack(const codec::connack& c);
  void adopt_broker_limits(const codec::properties& pr, const std::optional<std::string>& assigned);
  void handle_disconnect(const codec::disconnect& d);
  void violation(std::string text, spec::statement_id statement, std::uint8_t reason_code);
  void lose_connection(std::string why);
  void reset_connection();
  codec::connect make_connect() const;

  // The rule `p` breaks, if any: what we accept from the caller is checked by encoding it.
  std::optional<codec::error> encode_error(const codec::packet& p);

  // Sending. `send` refuses (false) a packet beyond the broker's Maximum Packet Size.
  bool send(const codec::packet& p);
  // For packets that must go (acknowledgements, PINGREQ): a broker whose Maximum Packet Size
  // cannot hold even these leaves no way to continue, so the connection is dropped.
  bool send_or_lose(const codec::packet& p);
  std::vector<std::uint8_t>& out_bytes();

  // outgoing.cpp
  std::optional<std::uint16_t> publish(message msg);
  void pump();
  void resend_inflight();
  void transmit_new(detail::queued_message q);
  void complete(std::list<detail::outgoing_message>::iterator it, std::uint8_t reason_code);
  void start_new_session();
  void handle_puback(const codec::puback& a);
  void handle_pubrec(const codec::pubrec& r);
  void handle_pubcomp(const codec::pubcomp& c);

  // incoming.cpp
  void handle_publish(const codec::publish& p);
  void handle_pubrel(const codec::pubrel& r);
  std::optional<std::string> resolve_topic(const codec::publish& p);

  // requests.cpp
  std::optional<std::uint16_t> add_request(detail::request r);
  void send_requests();
  bool send_request(detail::request& r);
  void handle_suback(const codec::suback& a);
  void handle_unsuback(const codec::unsuback& a);
};

}  // namespace mqtt::client
