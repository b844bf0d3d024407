// Fault schedules: what goes wrong, when and to whom, drawn from the run seed and a named
// profile, and written to / read from JSON so a replay or a shrink runs exactly the same faults.
#pragma once

#include <cstdint>
#include <array>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace harness::sim {

using sim_ms = std::uint64_t;

enum class fault_kind : std::uint8_t {
  // The target client's current connection resets after `param` more bytes in direction
  // `direction` (0 client->broker, 1 broker->client); both ends see the RST.
  reset,
  // Packet loss as TCP shows it: `param` retransmissions with exponential backoff (200 ms
  // first, doubling) stall the connection; more than 6 end in a reset.
  loss,
  // The connection stalls for good without a RST: only keep alive can tell.
  black_hole,
  // One end learns the connection is gone (`param` 0: the client, 1: the broker); the other
  // never does.
  half_open,
  // Nothing passes between the client node and the broker for `duration_ms` (`direction` 2:
  // both ways, 0: client->broker only, 1: broker->client only), then the link heals.
  partition,
  // The client's connection attempts are refused (RST) for `duration_ms`.
  refuse_connects,
  // The client's connection attempts get no answer for `duration_ms`.
  hang_connects,
  // The broker process dies (peers get a RST) and restarts after `duration_ms`, empty.
  broker_crash,
  // The client process dies and restarts after `duration_ms` with its session store;
  // `param` 1: the host died too, so no RST reaches the broker.
  client_crash,
};

struct fault {
  sim_ms at_ms = 0;
  fault_kind kind = fault_kind::reset;
  std::uint32_t target = 0;  // client node index (ignored by broker_crash)
  sim_ms duration_ms = 0;
  std::uint32_t param = 0;
  std::uint8_t direction = 2;
  friend bool operator==(const fault&, const fault&) = default;
};

using fault_schedule = std::vector<fault>;

struct fault_profile {
  std::string_view name;
  std::string_view description;
  double faults_per_s;  // mean rate of the Poisson process that places faults
  // Relative weights of each fault_kind, in enum order.
  std::array<std::uint8_t, 9> weights;
  // Link conditions drawn per client node.
  sim_ms latency_max_ms;
  double segmentation_probability;
};

std::span<const fault_profile> fault_profiles();
const fault_profile* find_fault_profile(std::string_view name);

std::string_view to_string(fault_kind k);
std::optional<fault_kind> fault_kind_from_string(std::string_view s);

// Draws the schedule of one run from the faults stream of `seed`: faults in [0, chaos_ms),
// sorted by time, aimed at client nodes [0, clients).
fault_schedule draw_schedule(const fault_profile& profile, std::uint64_t seed, sim_ms chaos_ms,
                             std::uint32_t clients);

std::string describe(const fault& f);

}  // namespace harness::sim
