// A real broker as a target: each case's clients are real connections (TCP, WebSocket, TLS,
// secure WebSocket) driven from one event loop under the steady clock, with the interpreter's
// deadlines scaled by the profile's time factor. Packets are framed by MQTT, never by read().
// A scenario with fault steps puts each client behind a fault proxy of its own
// (harness/proxy), which forwards TCP bytes whatever they carry, so faults work on every
// transport; `restart broker` runs the profile's [restart] commands.
#pragma once

#include <optional>
#include <string>

#include "run/profile.hpp"
#include "run/target.hpp"
#include "script/scenario.hpp"

namespace harness::real {

using run::case_run;
using run::profile;

struct real_options {
  std::string url;       // tcp://, mqtt://, ws://, wss://, tls://, mqtts://
  std::string ca_file;   // TLS: verify the broker against it
  bool insecure = false; // TLS: do not verify
  // `restart broker`: shell commands that kill the broker and bring it back on the same port
  // (the profile's [restart], {port} already replaced); empty: the target cannot restart.
  std::string crash_command;
  std::string restart_command;
};

// `o` with the profile's [restart] commands for the broker at o.url.
real_options with_restart(real_options o, const profile& p);

// `activity` (may be null) is touched whenever the case opens, writes to, closes or resets a connection.
case_run run_on_real(const script::scenario& s, const script::case_context& ctx, const real_options& o,
                     run::case_activity* activity = nullptr);

// Connects, sends a CONNECT and waits for a CONNACK; nullopt when the broker answered, else
// what went wrong.
std::optional<std::string> probe_liveness(const real_options& o, const profile& p);

class real_target final : public run::target {
 public:
  real_target(real_options o, profile p) : options_(with_restart(std::move(o), p)), profile_(std::move(p)) {}
  std::string name() const override { return options_.url; }
  bool shared() const override { return true; }
  case_run run_case(const script::scenario& s, const script::case_context& ctx, run::case_activity* activity) override {
    return run_on_real(s, ctx, options_, activity);
  }
  std::optional<std::string> probe() override { return probe_liveness(options_, profile_); }

 private:
  real_options options_;
  profile profile_;
};

}  // namespace harness::real
