// The simulator as a target: the reference broker core, configured from the profile, and the
// interpreter joined by simulated connections under virtual time. Quiet windows and long
// keep-alives cost nothing, and every run replays from its seed.
#pragma once

#include <cstdint>
#include <string>

#include "run/profile.hpp"
#include "run/target.hpp"
#include "script/scenario.hpp"

namespace harness::run {

struct sim_options {
  std::uint64_t seed = 1;
  std::uint64_t latency_ms = 1;  // one way, per connection
  std::string planted_bug;       // empty: the reference broker as it is
  std::uint64_t events_max = 2'000'000;
  bool record_writes = false;    // keep every client write in case_run::client_writes
};

case_run run_on_sim(const script::scenario& s, const script::case_context& ctx, const profile& p, const sim_options& o);

class sim_target final : public target {
 public:
  sim_target(profile p, sim_options o) : profile_(std::move(p)), options_(std::move(o)) {}
  std::string name() const override { return "sim"; }
  bool shared() const override { return false; }
  case_run run_case(const script::scenario& s, const script::case_context& ctx, case_activity*) override {
    return run_on_sim(s, ctx, profile_, options_);
  }
  std::optional<std::string> probe() override { return std::nullopt; }  // each case has its own broker

 private:
  profile profile_;
  sim_options options_;
};

}  // namespace harness::run
