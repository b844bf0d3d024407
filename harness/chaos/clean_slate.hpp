// Before a chaos run: what an earlier run (or anyone) left on the broker under the workload's
// names goes, so that the checkers, which take the broker to start empty, judge this run
// alone. Each client id connects twice, straight to the broker in its transport: first
// without Clean Start/Clean Session (the CONNACK's Session Present tells whether a session was
// left), then with it, which discards the session (3.1.1 MQTT-3.1.2-6, 5.0 MQTT-3.1.2-4), and
// disconnects. One more connection publishes an empty retained message to each of the
// workload's topics, which removes the retained message (3.1.1 MQTT-3.3.1-10, 5.0 MQTT-3.3.1-6).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "mqtt/codec/types.hpp"
#include "transport/endpoint.hpp"

namespace harness::chaos {

struct clean_slate_options {
  transport::endpoint target;
  transport::connection_options target_options;
  // Each client id with the version it speaks.
  std::vector<std::pair<std::string, mqtt::codec::protocol_version>> clients;
  std::span<const std::string> topics;  // retained messages cleared here
  std::uint8_t max_qos = 2;             // the clearing PUBLISHes use QoS 1 when allowed, else 0
  std::optional<std::pair<std::string, std::string>> credentials;
  std::uint64_t wait_ms = 10'000;  // per connection
};

struct clean_slate_result {
  std::optional<std::string> error;        // the broker did not take part: why, in words
  std::vector<std::string> sessions_left;  // the client ids whose session was still there
  std::size_t retained_cleared = 0;        // empty retained messages sent (and acknowledged at QoS 1)
};

clean_slate_result clean_slate(const clean_slate_options& o);

}  // namespace harness::chaos
