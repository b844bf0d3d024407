// Fault profiles and the drawing of a run's fault schedule from its seed.
#include "sim/faults.hpp"

#include <algorithm>
#include <array>

#include "mqtt/assert.hpp"
#include "sim/random.hpp"

namespace harness::sim {
namespace {

constexpr std::array<std::string_view, 9> kind_names{
    "reset",           "loss",          "black-hole",   "half-open",   "partition",
    "refuse-connects", "hang-connects", "broker-crash", "client-crash"};

//                                  reset loss bh  ho  part ref hang bcr ccr
constexpr std::array<fault_profile, 6> profiles{{
    {"none", "no faults; latency, jitter and segmentation only", 0.0,
     {0, 0, 0, 0, 0, 0, 0, 0, 0}, 10, 0.3},
    {"flaky", "a fault every 2.5 s on average: resets, short loss stalls, refused or hanging "
              "connects, client crashes, now and then a black hole or half-open connection",
     0.4, {4, 4, 1, 1, 0, 1, 1, 0, 2}, 20, 0.3},
    {"lossy", "heavy packet loss: many retransmission stalls, some ending in a reset; slow "
              "links with more segmentation",
     1.0, {2, 10, 0, 0, 0, 0, 0, 0, 0}, 50, 0.6},
    {"partition", "symmetric and asymmetric partitions of a client from the broker that heal, "
                  "black holes and half-open connections",
     0.3, {0, 0, 2, 2, 10, 0, 1, 0, 0}, 20, 0.3},
    {"crash", "broker crashes with restart (state lost) and client crashes (with and without "
              "a RST reaching the broker)",
     0.25, {0, 0, 0, 0, 0, 0, 0, 3, 5}, 20, 0.3},
    {"chaos", "every fault kind, a fault a second on average", 1.0,
     {3, 3, 1, 1, 2, 1, 1, 1, 2}, 40, 0.5},
}};

fault draw_fault(fault_kind kind, sim_ms at, std::uint32_t target, prng& r) {
  fault f;
  f.at_ms = at;
  f.kind = kind;
  f.target = target;
  switch (kind) {
    case fault_kind::reset:
      f.param = static_cast<std::uint32_t>(r.below(2'000));
      f.direction = static_cast<std::uint8_t>(r.below(2));
      break;
    case fault_kind::loss:
      f.param = static_cast<std::uint32_t>(r.between(1, 8));
      f.direction = static_cast<std::uint8_t>(r.below(3));
      break;
    case fault_kind::black_hole:
      break;
    case fault_kind::half_open:
      f.param = static_cast<std::uint32_t>(r.below(2));
      break;
    case fault_kind::partition:
      f.duration_ms = r.between(200, 6'000);
      f.direction = r.chance(0.5) ? 2 : static_cast<std::uint8_t>(r.below(2));
      break;
    case fault_kind::refuse_connects:
    case fault_kind::hang_connects:
      f.duration_ms = r.between(200, 3'000);
      break;
    case fault_kind::broker_crash:
      f.target = 0;
      f.duration_ms = r.between(0, 2'000);
      break;
    case fault_kind::client_crash:
      f.duration_ms = r.between(0, 3'000);
      f.param = static_cast<std::uint32_t>(r.below(2));
      break;
  }
  return f;
}

}  // namespace

std::span<const fault_profile> fault_profiles() { return profiles; }

const fault_profile* find_fault_profile(std::string_view name) {
  for (const fault_profile& p : profiles) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

std::string_view to_string(fault_kind k) { return kind_names.at(static_cast<std::size_t>(k)); }

std::optional<fault_kind> fault_kind_from_string(std::string_view s) {
  for (std::size_t i = 0; i < kind_names.size(); ++i) {
    if (kind_names[i] == s) return static_cast<fault_kind>(i);
  }
  return std::nullopt;
}

fault_schedule draw_schedule(const fault_profile& profile, std::uint64_t seed, sim_ms chaos_ms,
                             std::uint32_t clients) {
  fault_schedule out;
  if (profile.faults_per_s <= 0 || clients == 0) return out;
  unsigned total_weight = 0;
  for (std::uint8_t w : profile.weights) total_weight += w;
  if (total_weight == 0) return out;
  prng r = make_stream(seed, stream::faults);
  // A Bernoulli trial per 100 ms slot approximates the Poisson process without floating-point
  // functions whose last bits could differ between C libraries.
  constexpr sim_ms slot_ms = 100;
  const double p = profile.faults_per_s * static_cast<double>(slot_ms) / 1000.0;
  for (sim_ms slot = 0; slot + slot_ms <= chaos_ms; slot += slot_ms) {
    if (!r.chance(p)) continue;
    sim_ms at = slot + r.below(slot_ms);
    std::uint64_t pick = r.below(total_weight);
    std::size_t kind = 0;
    while (pick >= profile.weights[kind]) pick -= profile.weights[kind++];
    auto target = static_cast<std::uint32_t>(r.below(clients));
    out.push_back(draw_fault(static_cast<fault_kind>(kind), at, target, r));
  }
  MQTT_ASSERT(std::is_sorted(out.begin(), out.end(),
                             [](const fault& a, const fault& b) { return a.at_ms < b.at_ms; }));
  return out;
}

std::string describe(const fault& f) {
  std::string s = "t=" + std::to_string(f.at_ms) + "ms " + std::string(to_string(f.kind));
  if (f.kind != fault_kind::broker_crash) s += " c" + std::to_string(f.target);
  if (f.duration_ms != 0) s += " for " + std::to_string(f.duration_ms) + "ms";
  switch (f.kind) {
    case fault_kind::reset:
      s += " after " + std::to_string(f.param) + (f.direction == 0 ? " bytes up" : " bytes down");
      break;
    case fault_kind::loss:
      s += " " + std::to_string(f.param) + " retransmissions";
      break;
    case fault_kind::half_open:
      s += f.param == 0 ? " (client learns)" : " (broker learns)";
      break;
    case fault_kind::partition:
      s += f.direction == 2 ? " both ways" : f.direction == 0 ? " client->broker" : " broker->client";
      break;
    case fault_kind::client_crash:
      s += f.param == 1 ? " (host, no RST)" : " (process, RST)";
      break;
    default:
      break;
  }
  return s;
}

}  // namespace harness::sim
