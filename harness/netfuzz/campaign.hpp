// A fuzz campaign against one broker: jobs threads play generated cases, the judge reads each
// record, a monitor probes the broker's liveness, watches a spawned broker's exit and memory,
// and every new finding is shrunk and saved as a replay file. Findings with one signature are
// one finding.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "netfuzz/judge.hpp"
#include "transport/endpoint.hpp"

namespace harness::netfuzz {

struct campaign_options {
  transport::endpoint where;                  // ignored with spawn: tcp://127.0.0.1:{port}
  transport::connection_options connection;
  std::string spawn;                          // a command with {port}; empty: the broker runs already
  int watch_pid = 0;                          // a broker started elsewhere: watch its exit and memory
  std::vector<mqtt::codec::protocol_version> versions;
  double duration_s = 0;                      // 0: no time limit
  std::uint64_t cases_max = 0;                // 0: no case limit (one of the two is set)
  std::uint64_t seed = 1;
  unsigned jobs = 1;
  std::size_t concurrency = 128;              // cases in flight per job
  std::uint32_t shard_index = 0, shard_count = 1;  // this shard plays case numbers n with n % count == index
  std::string out_dir = "fuzz-out";
  std::vector<std::string> scenario_paths;    // seed material; empty: none
  std::string user_name = "harness", password = "harness-secret";  // the broker's user
  bool credentials_always = false;            // no anonymous access: every CONNECT and the probe log in
  bool differential = false;
  std::uint32_t case_deadline_ms = 1'000;
  std::uint32_t probe_deadline_ms = 2'000;
  std::uint32_t probe_interval_ms = 1'000;
  std::uint64_t rss_growth_limit_mb = 192;    // above the spawned broker's memory when it started
  std::uint64_t restart_every = 0;            // restart a spawned broker after this many cases (its leak check)
  std::size_t shrink_runs_max = 60;
  bool stop_on_finding = false;
  // Undo what each case leaves in the broker (its sessions, its retained messages) by a cleanup
  // case after it (generator.hpp, cleanup_for), so memory growth means a leak.
  bool cleanup = true;
  std::string trace_file;                     // one JSON line per case: origin, mutation, how it ended               // end the campaign once a finding is saved
  const std::atomic<bool>* interrupted = nullptr;  // SIGINT
  std::function<void(const std::string&)> progress;  // one line, about once a second
  std::function<void(const std::string&)> log;       // events: findings, restarts
};

struct finding {
  verdict v;
  std::string file;          // relative to out_dir: findings/<name>.json
  std::uint64_t count = 0;   // cases that showed it
  std::uint64_t first_case = 0;
  std::size_t steps_before = 0, steps_after = 0;  // the shrink
  bool reproduced = false;   // the saved case showed it again when it was shrunk or checked
  double found_at_s = 0;     // since the campaign started, when the first case showed it
};

// A violation seen in a campaign that did not show again when its case was played alone.
struct unconfirmed_violation {
  std::string signature;
  std::uint64_t count = 0;
  std::size_t tries = 0;
  std::string detail;
};

struct campaign_result {
  std::vector<unconfirmed_violation> unconfirmed;
  std::uint64_t cases = 0;
  // Cases played after a case to undo what it left in the broker (generator.hpp, cleanup_for):
  // not judged, not in `cases`.
  std::uint64_t cleanup_cases = 0;
  double seconds = 0;          // the whole run: set-up, fuzzing, checking what was left to check
  double fuzzing_seconds = 0;  // until the jobs stopped; cases_per_second = cases / fuzzing_seconds
  std::vector<finding> findings;
  std::string stopped_by;  // "duration", "cases", "interrupted", "broker lost", "finding"
  std::size_t model_covered = 0, model_total = 0;
  std::size_t broker_starts = 0;
  // Resident memory of the spawned or watched broker (KiB): at its first start, the highest
  // and the last the monitor saw; 0 when there is no process to watch.
  std::uint64_t broker_rss_start_kib = 0, broker_rss_peak_kib = 0, broker_rss_last_kib = 0;
  std::size_t probes_failed_under_load = 0;  // failed with the jobs running, passed once they paused
  std::optional<std::string> start_error;  // could not start: nothing ran
  std::size_t seed_sessions = 0, catalogue_entries = 0;
};

campaign_result run_campaign(const campaign_options& o);

// Writes DIR/summary.json from the result and the options.
void write_summary(const campaign_options& o, const campaign_result& r);

// 0 nothing found, 1 findings, 2 could not start.
int exit_status(const campaign_result& r);

// Whether `host` is a loopback address (127.0.0.0/8, ::1) or "localhost".
bool is_loopback(const std::string& host);

// The round trip the liveness probe makes: a fresh connection, CONNECT, CONNACK, PINGREQ,
// PINGRESP within `deadline_ms`. nullopt when it worked, else "refused: ..." or "timeout: ...".
// `credentials`: the user name and password the probe's CONNECT carries, if any.
std::optional<std::string> probe(const transport::endpoint& where, const transport::connection_options& c,
                                 std::uint32_t deadline_ms,
                                 const std::optional<std::pair<std::string, std::string>>& credentials = std::nullopt);

}  // namespace harness::netfuzz
