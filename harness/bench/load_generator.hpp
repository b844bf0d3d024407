// Load generator for a real broker over TCP: N publishers and M subscribers on one topic,
// closed loop (each publisher keeps a bounded number of messages in flight), measuring
// delivered messages per second and end-to-end latency from timestamps in the payload.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "mqtt/codec/types.hpp"

namespace harness::bench {

struct load_options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 1883;
  std::size_t publishers = 1;
  std::size_t subscribers = 1;
  mqtt::codec::qos qos = mqtt::codec::qos::at_most_once;
  std::size_t payload_bytes = 16;  // at least 16: a timestamp and a sequence number
  double duration_s = 5;
  double warmup_s = 1;
  std::size_t window = 64;  // messages in flight per publisher
  mqtt::codec::protocol_version version = mqtt::codec::protocol_version::v3_1_1;
};

struct load_result {
  std::uint64_t published = 0;  // during the measured interval
  std::uint64_t delivered = 0;  // deliveries counted at subscribers during the interval
  double seconds = 0;
  double msgs_per_s = 0;  // delivered / seconds
  double p50_us = 0;
  double p99_us = 0;
  double max_us = 0;
  std::uint64_t lost = 0;  // deliveries that never came (the broker dropped them)
  std::uint64_t errors = 0;
  std::string error_text;
};

// Runs the load; throws std::runtime_error when the broker cannot be reached or refuses.
load_result run_load(const load_options& options);

}  // namespace harness::bench
