// A target profile: what a broker offers (versions, QoS, retain, wildcards, shared
// subscriptions, limits, credentials, a denied topic) and where it listens, read from TOML.
// Scenarios that need what the profile lacks are skipped, with the reason shown.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "mqtt/codec/types.hpp"

namespace harness::run {

struct profile {
  std::string name = "mqtt-ref-broker";
  std::string file;  // where it was read from, empty for the built-in default
  std::vector<mqtt::codec::protocol_version> versions{mqtt::codec::protocol_version::v3_1_1,
                                                      mqtt::codec::protocol_version::v5};
  double time_factor = 1.0;
  std::uint64_t default_within_ms = 5'000;

  // [capabilities]
  std::uint8_t max_qos = 2;
  bool retain = true;
  bool wildcards = true;
  bool shared_subscriptions = true;
  bool subscription_identifiers = true;
  std::uint16_t topic_alias_maximum = 10;
  std::uint16_t receive_maximum = 20;
  std::uint32_t maximum_packet_size = 0;  // 0: the broker announces none
  bool zero_length_client_id = true;
  bool will_delay = true;
  bool session_expiry = true;
  bool message_expiry = true;
  bool request_response = true;
  // The broker sends a client a QoS 1 or 2 message while an earlier one to that client is not yet
  // acknowledged. The standard allows one at a time (5.0's Receive Maximum is a ceiling, 3.1.1
  // sets none), but out-of-order acknowledgements and re-sends of several messages need more.
  bool several_in_flight = true;
  // The broker keeps sessions, their messages and retained messages across a restart
  // (mosquitto's `persistence true`): scenarios that `restart broker` may count on them.
  bool persistence = false;
  // 5.0 Authentication Methods the broker offers (section 4.12), e.g. ["SCRAM-SHA-256"].
  std::vector<std::string> enhanced_auth;

  // [auth]: the user a SCRAM-SHA-256 scenario authenticates as ($profile.scram_user,
  // $profile.scram_password); with "SCRAM-SHA-256" in enhanced_auth, capability scram_sha_256.
  std::optional<std::string> scram_user;
  std::optional<std::string> scram_password;

  // [credentials] and [acl]
  std::optional<std::string> user_name;
  std::optional<std::string> password;
  // false: the broker refuses clients without credentials, so every CONNECT a scenario sends
  // without user_name and password carries the profile's (see connect_credentials()).
  bool anonymous = true;
  std::optional<std::string> denied_topic;

  // [restart]: shell commands ({port} becomes the broker's TCP port) that crash the broker
  // (`crash`, e.g. a SIGKILL) and bring it back where it was (`command`, returning once it
  // listens), for chaos runs' broker-crash faults and scenarios that restart the broker.
  // load_profile makes them run in the profile file's folder.
  std::optional<std::string> crash_command;
  std::optional<std::string> restart_command;
  // [target]: URLs by transport name (tcp, ws, tls, wss)
  std::map<std::string, std::string> urls;

  std::set<std::string> capabilities() const;
  // $profile.KEY values for scenarios.
  std::map<std::string, std::string> values() const;
  // The user name and password a CONNECT that writes neither carries: the profile's when the
  // broker has no anonymous access, none otherwise.
  std::optional<std::pair<std::string, std::string>> connect_credentials() const;
};

struct profile_result {
  std::optional<profile> value;
  std::string error;  // "file:line:col: message"
};

// The simulated reference broker as targets/mqtt-ref-broker/profile.toml describes it, with a
// packet size limit too, so that every scenario has a broker to run on.
profile builtin_sim_profile();

// Unknown keys are errors, so a misspelt capability does not silently keep its default.
profile_result load_profile(const std::string& path);
profile_result parse_profile(const std::string& text, const std::string& path);

}  // namespace harness::run
