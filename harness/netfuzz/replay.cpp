// Replay: the executor plays each case alone; a violation shows again when the judge finds its
// signature, a crash when the spawned broker exits (or a fresh connection is refused), a hang
// when the probe times out, a sanitizer report when the broker's log holds one of its kind.
#include "netfuzz/replay.hpp"

#include <chrono>
#include <thread>

#include "real/broker_process.hpp"
#include "netfuzz/campaign.hpp"
#include "netfuzz/differential.hpp"

namespace harness::netfuzz {

using real::broker_process;
using real::process_end;
using real::resident_kib;
using real::sanitizer_kind;

replay_result replay(const finding_file& f, const replay_options& o) {
  replay_result r;
  std::optional<broker_process> broker;
  transport::endpoint where = o.where;
  if (!o.spawn.empty()) {
    broker.emplace(o.spawn, o.log_dir);
    if (auto e = broker->start()) {
      r.error = "could not start the broker: " + *e;
      return r;
    }
    where = transport::endpoint{transport::scheme::tcp, "127.0.0.1", broker->port(), ""};
  }
  executor_options eo;
  eo.where = where;
  eo.connection = o.connection;
  eo.case_deadline_ms = f.case_deadline_ms;
  eo.concurrency = 1;
  executor ex(eo);
  const std::string sig = f.v.signature();
  for (const fuzz_case& c : f.cases) {
    r.records.push_back(ex.run_one(c));
    std::vector<verdict> found = judge(c, r.records.back());
    for (verdict& d : diverge(c, r.records.back(), found)) found.push_back(std::move(d));
    for (verdict& v : found) {
      if (v.signature() == sig) r.reproduced = f.v.kind == oracle::violation;
      r.verdicts.push_back(std::move(v));
    }
    if (broker && broker->exited()) break;
  }
  if (f.v.kind == oracle::violation) {
    r.broker = "not checked";
    return r;
  }
  if (broker) {
    for (int k = 0; k < 50 && !broker->exited(); ++k) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  auto alive = probe(where, o.connection, o.probe_deadline_ms);
  if (broker && !broker->exited() && (f.v.kind == oracle::sanitizer || f.v.kind == oracle::resource)) {
    broker->stop();  // a leak report comes at exit
  }
  if (broker && broker->exited()) {
    r.broker = broker->exited()->text();
    auto kind = sanitizer_kind(broker->log_tail());
    if (kind) r.broker += " [" + *kind + "]";
    r.reproduced = f.v.kind == oracle::sanitizer ? kind.has_value() : (f.v.kind == oracle::crash || kind.has_value());
    if (f.v.kind == oracle::resource) r.reproduced = false;
  } else if (alive) {
    r.broker = *alive;
    r.reproduced = (f.v.kind == oracle::hang && alive->starts_with("timeout")) ||
                   (f.v.kind == oracle::crash && alive->starts_with("refused"));
  } else {
    r.broker = "alive";
  }
  return r;
}

}  // namespace harness::netfuzz
