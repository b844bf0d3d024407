// What a reference client core's calls and events put into the history, shared by the
// simulated world (sim_world.cpp) and the real one (harness/chaos), so that the checkers read
// the same records from a simulated run and from a run on a real broker. Pure: the caller
// stamps the time and adds the record.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "check/history.hpp"
#include "mqtt/client/client.hpp"

namespace harness::sim {

// Clean Session / Clean Start of the CONNECT at the front of `bytes` (the flags byte after the
// protocol name and level), and the CONNECT's whole size; nullopt when `bytes` does not start
// with one that far.
std::optional<bool> connect_clean_flag(std::span<const std::uint8_t> bytes, std::size_t& size);

// The index of `topic` in `topics`, topics.size() when it is not there.
std::uint16_t topic_index(std::span<const std::string> topics, std::string_view topic);

// Per client-core node: which packet identifier belongs to which message and request, so each
// acknowledgement is paired with what it acknowledges.
struct client_ledger {
  std::unordered_map<std::uint16_t, std::uint32_t> publishes;  // packet id -> message seq
  // Packet id -> (filter, request serial).
  std::unordered_map<std::uint16_t, std::pair<std::uint16_t, std::uint32_t>> subscribes;
  std::unordered_map<std::uint16_t, std::pair<std::uint16_t, std::uint32_t>> unsubscribes;
  std::uint32_t next_request = 0;

  // The publish_invoked record of message `seq`; published() pairs the core's answer with it.
  check::record publish_invoked(check::node_id n, std::uint32_t seq, const mqtt::client::message& m,
                                std::span<const std::string> topics) const;
  void published(std::optional<std::uint16_t> packet_id, std::uint32_t seq);
  // The subscribe_invoked / unsubscribe_invoked record of a new request (its serial taken);
  // requested() pairs the core's packet identifier with it.
  check::record subscribe_invoked(check::node_id n, std::uint16_t filter, std::uint8_t qos);
  check::record unsubscribe_invoked(check::node_id n, std::uint16_t filter);
  void requested(bool subscribe, std::optional<std::uint16_t> packet_id, const check::record& invoked);
};

// The record of one core event on node `n` whose transport is connection `conn` (0: none),
// opened with Clean Start `clean_start`; nullopt for what the history does not keep (bytes,
// closes, a server's DISCONNECT, acknowledgements of nothing asked).
std::optional<check::record> event_record(check::node_id n, client_ledger& ledger, const mqtt::client::event& e,
                                          std::uint64_t conn, bool clean_start, std::span<const std::string> topics);

}  // namespace harness::sim
