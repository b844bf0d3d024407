// Verdict names and the capabilities a profile can offer.
#include "script/scenario.hpp"

namespace harness::script {

std::string_view to_string(verdict v) {
  switch (v) {
    case verdict::pass: return "pass";
    case verdict::nonstrict: return "nonstrict";
    case verdict::fail: return "fail";
    case verdict::skip: return "skip";
    case verdict::unsupported: return "unsupported";
    case verdict::inconclusive: return "inconclusive";
    case verdict::error: return "error";
  }
  return "?";
}

int severity(verdict v) {
  switch (v) {
    case verdict::pass: return 0;
    case verdict::nonstrict: return 1;
    case verdict::skip: return -1;  // says nothing about the statement
    case verdict::unsupported: return 2;
    case verdict::inconclusive: return 3;
    case verdict::error: return 4;
    case verdict::fail: return 5;
  }
  return 0;
}

const std::vector<std::string>& known_capabilities() {
  static const std::vector<std::string> caps{
      "qos1", "qos2", "retain", "wildcards", "shared_subscriptions", "subscription_identifiers", "topic_alias",
      "credentials", "denied_topic", "zero_length_client_id", "will_delay", "session_expiry", "message_expiry",
      "maximum_packet_size", "receive_maximum", "request_response", "scram_sha_256", "v3.1", "websocket", "several_in_flight",
      "restart", "persistence"};
  return caps;
}

const std::vector<std::string>& scenario::statements_for(protocol_version v) const {
  static const std::vector<std::string> none;
  auto it = statements.find(v == protocol_version::v3_1 ? protocol_version::v3_1_1 : v);
  return it == statements.end() ? none : it->second;
}

}  // namespace harness::script
