// The case generator: every case is a function of (campaign seed, case number). A case is a walk
// through the protocol's state model (connect, subscribe, publish flows at each QoS, unsubscribe,
// ping, disconnect, takeover, reconnect with a session), or a session of the scenario suite's
// traffic, or an entry of the malformed-packet catalogue; then maybe one packet mutated field by
// field (lengths kept consistent) or byte by byte (lengths broken on purpose); then its packets
// cut into writes at random points.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "netfuzz/fuzz_case.hpp"
#include "netfuzz/seeds.hpp"

namespace harness::netfuzz {

struct generator_options {
  std::uint64_t seed = 1;
  std::vector<mqtt::codec::protocol_version> versions{mqtt::codec::protocol_version::v3_1_1,
                                                      mqtt::codec::protocol_version::v5};
  const seed_store* seeds = nullptr;  // none: model walks only
  // The broker's user: `credentials_always` puts it in every CONNECT of a model walk (a broker
  // without anonymous access); otherwise some CONNECTs carry it.
  std::string user_name = "harness", password = "harness-secret";
  bool credentials_always = false;
};

class generator {
 public:
  explicit generator(generator_options o);
  fuzz_case make(std::uint64_t number) const;
  fuzz_case cleanup(const fuzz_case& c) const;  // cleanup_for(c, options)
  // Every transition of the state model, "VERSION:EDGE", for the coverage the progress line shows.
  std::vector<std::string> model_edges() const;

 private:
  generator_options o_;
};

// What a case leaves behind in a broker, undone: for every client id it connected without a
// clean session, a CONNECT with one (5.0: no Session Expiry) and a DISCONNECT; for every topic it
// published or willed retained, an empty retained PUBLISH. Read from the packets the case sends
// that decode (a mangled one is left as it is). Played after the case and judged by nobody, so a
// broker's memory grows over a campaign only by what it leaks, not by sessions and retained
// messages it keeps as the standard asks (MQTT-3.1.2-4, MQTT-3.3.1-5). No steps: nothing to undo.
fuzz_case cleanup_for(const fuzz_case& c, const generator_options& o);
inline constexpr std::string_view cleanup_origin = "cleanup";

// The edge names of the model (without the version).
const std::vector<std::string>& state_model_edges();

}  // namespace harness::netfuzz
