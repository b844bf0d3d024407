// The campaign: job threads, the monitor on the calling thread, findings and their shrinking.
//
// Jobs draw case numbers from one counter (this shard's numbers only), play them with their own
// executor and judge each record; a new violation signature is shrunk at once by the job that
// found it, on a second executor of its own. The monitor wakes every 50 ms: it stops the
// campaign at its limits, notices a spawned broker's exit or memory growth, probes liveness,
// and restarts the broker every `restart_every` cases so that a sanitizer's leak check runs.
// A crash, hang, memory or sanitizer event pauses the jobs; the monitor then replays the cases
// played since the last good probe, one at a time, to find the one that causes it.
#include "netfuzz/campaign.hpp"

#include <signal.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

#include "mqtt/codec/decoder.hpp"
#include "mqtt/codec/encoder.hpp"
#include "real/broker_process.hpp"
#include "netfuzz/differential.hpp"
#include "netfuzz/finding_file.hpp"
#include "netfuzz/generator.hpp"
#include "netfuzz/seeds.hpp"
#include "sim/ddmin.hpp"
#include "transport/connection.hpp"
#include "transport/event_loop.hpp"

namespace harness::netfuzz {

using real::broker_process;
using real::process_end;
using real::resident_kib;
using real::sanitizer_kind;
namespace {

namespace codec = mqtt::codec;
namespace json = boost::json;
namespace fs = std::filesystem;
using clock_type = std::chrono::steady_clock;

// Cases kept for attribution after a crash, hang or memory event, newest last.
constexpr std::size_t recent_cases_max = 256;
// Cases replayed one by one to find which caused an event, at most.
constexpr std::size_t attribution_tries_max = 96;
// Cases kept since the last restart for a leak report's attribution, at most.
constexpr std::size_t since_restart_max = 20'000;
// A violation signature that did not show again when played alone is tried this often at most.
constexpr std::size_t unconfirmed_tries_max = 3;
// Violations waiting for the checker thread, at most (more are only counted).
constexpr std::size_t check_queue_max = 64;

struct unconfirmed {
  std::uint64_t count = 0;  // cases that showed it
  std::size_t tries = 0;    // times one was played again alone
  bool shrinking = false;
  std::string detail;
};

double seconds_since(clock_type::time_point t) {
  return std::chrono::duration<double>(clock_type::now() - t).count();
}

// The type of the last packet on the connection a case wrote to last, read leniently (fixed
// headers only): the packet the broker was reading when it failed.
std::string last_packet_type(const fuzz_case& c) {
  if (c.steps.empty()) return "-";
  std::uint8_t conn = c.steps.back().conn;
  for (auto it = c.steps.rbegin(); it != c.steps.rend(); ++it) {
    if (it->k == step::kind::write) {
      conn = it->conn;
      break;
    }
  }
  byte_vector all;
  for (const step& s : c.steps) {
    if (s.conn == conn) all.insert(all.end(), s.bytes.begin(), s.bytes.end());
  }
  std::size_t at = 0;
  std::uint8_t last = 0;
  while (at < all.size()) {
    last = all[at];
    std::size_t h = at + 1;
    std::uint64_t length = 0, scale = 1;
    while (h < all.size() && h < at + 5) {
      length += (all[h] & 0x7FU) * scale;
      scale *= 128;
      if ((all[h++] & 0x80) == 0) break;
    }
    at = h + length;
  }
  const auto t = static_cast<codec::packet_type>(last >> 4);
  if (t == codec::packet_type{} || static_cast<unsigned>(t) > 15) return "reserved";
  std::string name(codec::to_string(t));
  return name.empty() ? "reserved" : name;
}

// The statement the case's first malformed packet breaks, "-" when every packet is well formed.
std::string first_rule_statement(const fuzz_case& c) {
  for (std::uint8_t k = 0; k < case_connections_max; ++k) {
    byte_vector all;
    for (const step& s : c.steps) {
      if (s.conn == k) all.insert(all.end(), s.bytes.begin(), s.bytes.end());
    }
    if (all.empty()) continue;
    codec::stream_decoder d({.version = c.version, .receiver = codec::receiver_role::server});
    if (auto e = d.feed(all, [](const codec::packet&) {})) {
      const codec::rule_info& i = codec::info(e->id);
      auto s = e->version == codec::protocol_version::v5 ? i.statement_v5 : i.statement_v311;
      if (!s.empty()) return std::string(s.text());
    }
  }
  return "-";
}

// The case with each write cut where a packet of its connection ends (read leniently, by the
// fixed headers), so that shrinking can drop single packets of a write that held several.
fuzz_case one_write_per_packet(const fuzz_case& original) {
  // First the writes that follow one another on a connection become one, so that a packet cut
  // into pieces can be dropped whole.
  fuzz_case c = original;
  c.steps.clear();
  for (const step& s : original.steps) {
    if (s.k == step::kind::write && s.delay_ms == 0 && !c.steps.empty() && c.steps.back().k == step::kind::write &&
        c.steps.back().conn == s.conn) {
      c.steps.back().bytes.insert(c.steps.back().bytes.end(), s.bytes.begin(), s.bytes.end());
      continue;
    }
    c.steps.push_back(s);
  }
  fuzz_case out = c;
  out.steps.clear();
  std::array<std::uint64_t, case_connections_max> offset{};
  std::array<std::size_t, case_connections_max> next_boundary{};
  std::array<byte_vector, case_connections_max> stream;
  for (const step& s : c.steps) stream[s.conn].insert(stream[s.conn].end(), s.bytes.begin(), s.bytes.end());
  // Packet boundaries of each connection's stream.
  std::array<std::vector<std::uint64_t>, case_connections_max> ends;
  for (std::size_t k = 0; k < case_connections_max; ++k) {
    const byte_vector& b = stream[k];
    std::uint64_t at = 0;
    while (at < b.size()) {
      std::uint64_t h = at + 1, length = 0, scale = 1;
      while (h < b.size() && h < at + 5) {
        length += (b[h] & 0x7FU) * scale;
        scale *= 128;
        if ((b[h++] & 0x80) == 0) break;
      }
      at = h + length;
      if (at < b.size()) ends[k].push_back(at);
    }
  }
  for (const step& s : c.steps) {
    if (s.k != step::kind::write) {
      out.steps.push_back(s);
      continue;
    }
    const std::uint8_t k = s.conn;
    std::uint64_t start = offset[k];
    const std::uint64_t stop = start + s.bytes.size();
    std::uint32_t delay = s.delay_ms;
    auto& e = ends[k];
    std::size_t& i = next_boundary[k];
    while (i < e.size() && e[i] <= start) ++i;
    while (i < e.size() && e[i] < stop && out.steps.size() < case_steps_max * 2) {
      out.steps.push_back(step{step::kind::write, k, delay,
                               byte_vector(s.bytes.begin() + static_cast<std::ptrdiff_t>(start - offset[k]),
                                           s.bytes.begin() + static_cast<std::ptrdiff_t>(e[i] - offset[k]))});
      delay = 0;
      start = e[i++];
    }
    out.steps.push_back(step{step::kind::write, k, delay,
                             byte_vector(s.bytes.begin() + static_cast<std::ptrdiff_t>(start - offset[k]), s.bytes.end())});
    offset[k] = stop;
  }
  return out;
}

fuzz_case with_steps(const fuzz_case& c, const sim::index_set& keep) {
  fuzz_case out = c;
  out.steps.clear();
  for (std::size_t i : keep) out.steps.push_back(c.steps[i]);
  return out;
}

sim::index_set all_indexes(std::size_t n) {
  sim::index_set s(n);
  for (std::size_t i = 0; i < n; ++i) s[i] = i;
  return s;
}

class campaign {
 public:
  explicit campaign(const campaign_options& o) : o_(o) {}

  campaign_result run() {
    started_ = clock_type::now();
    if (auto e = prepare()) {
      result_.start_error = *e;
      return result_;
    }
    std::vector<std::thread> jobs;
    for (unsigned j = 0; j < o_.jobs; ++j) jobs.emplace_back([this] { job(); });
    std::thread check([this] { checker(); });
    monitor();
    finished_ = true;
    cv_.notify_all();
    for (std::thread& t : jobs) t.join();
    result_.fuzzing_seconds = seconds_since(started_);
    check.join();
    if (broker_) end_of_broker_run();
    result_.cases = done_cases_;
    result_.cleanup_cases = cleanup_cases_;
    result_.seconds = seconds_since(started_);
    result_.broker_starts = broker_ ? broker_->starts() : 0;
    result_.model_covered = covered_.size();
    for (auto& [sig, f] : findings_) result_.findings.push_back(f);
    for (auto& [sig, u] : unconfirmed_) result_.unconfirmed.push_back({sig, u.count, u.tries, u.detail});
    std::sort(result_.findings.begin(), result_.findings.end(),
              [](const finding& a, const finding& b) { return a.first_case < b.first_case; });
    return result_;
  }

 private:
  // Seeds, the generator, the out dir, the broker; then a first probe.
  std::optional<std::string> prepare() {
    std::error_code ec;
    fs::create_directories(fs::path(o_.out_dir) / "findings", ec);
    if (ec) return "cannot create " + o_.out_dir + "/findings: " + ec.message();
    if (!o_.scenario_paths.empty()) {
      seeds_ = harvest_seeds(o_.scenario_paths, o_.versions);
      result_.seed_sessions = seeds_.sessions.size();
      result_.catalogue_entries = seeds_.catalogue.size();
    }
    gen_.emplace(generator_options{o_.seed, o_.versions, o_.scenario_paths.empty() ? nullptr : &seeds_, o_.user_name,
                                   o_.password, o_.credentials_always});
    if (o_.credentials_always) probe_credentials_ = std::pair{o_.user_name, o_.password};
    for (const std::string& e : gen_->model_edges()) model_.insert(e);
    result_.model_total = model_.size();
    where_ = o_.where;
    if (!o_.trace_file.empty()) {
      trace_.emplace(o_.trace_file);
      if (!*trace_) return "cannot write " + o_.trace_file;
    }
    if (!o_.spawn.empty()) {
      broker_.emplace(o_.spawn, o_.out_dir);
      if (auto e = start_broker()) return *e;
    }
    // A broker just started may take a few seconds to answer its first CONNECT.
    std::optional<std::string> first = probe(where_, o_.connection, o_.probe_deadline_ms, probe_credentials_);
    for (int k = 0; k < 5 && first; ++k) {
      std::this_thread::sleep_for(std::chrono::seconds(1));
      first = probe(where_, o_.connection, o_.probe_deadline_ms, probe_credentials_);
    }
    if (first) return "the broker at " + where_.url() + " does not answer: " + *first;
    return std::nullopt;
  }

  std::optional<std::string> start_broker() {
    if (auto e = broker_->start()) return "could not start the broker (" + broker_->command_line() + "): " + *e;
    where_ = transport::endpoint{transport::scheme::tcp, "127.0.0.1", broker_->port(), ""};
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    rss_base_kib_ = resident_kib(broker_->pid());
    log("broker started: " + broker_->command_line() + " (pid " + std::to_string(broker_->pid()) + ")");
    return std::nullopt;
  }

  executor_options exec_options(std::size_t concurrency) const {
    executor_options e;
    e.where = where_;
    e.connection = o_.connection;
    e.case_deadline_ms = o_.case_deadline_ms;
    e.concurrency = concurrency;
    return e;
  }

  void log(const std::string& line) {
    if (o_.log) o_.log(line);
  }

  // ---- jobs ----

  void job() {
    std::deque<fuzz_case> undo;
    while (!finished_) {
      {
        std::unique_lock lock(m_);
        if (paused_) {
          ++idle_;
          cv_.notify_all();
          cv_.wait(lock, [this] { return !paused_ || finished_; });
          --idle_;
          continue;
        }
      }
      executor ex(exec_options(o_.concurrency));
      bool dry = false;
      // What each finished case left in the broker is undone before the next new case starts.
      auto next = [&]() -> std::optional<fuzz_case> {
        if (!undo.empty() && !paused_ && !finished_) {
          fuzz_case c = std::move(undo.front());
          undo.pop_front();
          return c;
        }
        return next_case(dry);
      };
      auto done = [&](fuzz_case&& c, case_record&& r) {
        if (c.origin == cleanup_origin) {
          ++cleanup_cases_;
          return;
        }
        if (o_.cleanup) {
          fuzz_case u = gen_->cleanup(c);
          if (!u.steps.empty()) undo.push_back(std::move(u));
        }
        on_done(std::move(c), std::move(r));
      };
      ex.run(next, done, [this] { return paused_.load() || finished_.load(); });
      if (dry || suspect_) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    // A job that has ended counts as idle: a pause asked for as the campaign ends (the checker's
    // quiet replay) must not wait for it.
    std::lock_guard lock(m_);
    ++idle_;
    cv_.notify_all();
  }

  std::optional<fuzz_case> next_case(bool& dry) {
    if (paused_ || finished_ || suspect_) return std::nullopt;
    const std::uint64_t k = next_index_++;
    if (o_.cases_max != 0 && k >= o_.cases_max) {
      dry = true;
      return std::nullopt;
    }
    const std::uint64_t number = k * o_.shard_count + o_.shard_index;
    fuzz_case c = gen_->make(number);
    std::lock_guard lock(m_);
    if (since_restart_.size() < since_restart_max) since_restart_.push_back(number);
    return c;
  }

  void on_done(fuzz_case&& c, case_record&& r) {
    ++done_cases_;
    std::vector<verdict> vs = judged(c, r);
    if (trace_) write_trace(c, r, vs);
    bool reached = false, refused = false;
    for (const connection_record& k : r.conns) {
      reached = reached || k.opened;
      refused = refused || k.open_error.starts_with("connect_failed");
    }
    // A refused connection: the broker may be gone. Start nothing more until the monitor has
    // looked, so the case that broke it stays among the recent ones.
    if (refused) suspect_ = true;
    {
      std::lock_guard lock(m_);
      if (reached) {
        recent_.push_back(c.number);
        if (recent_.size() > recent_cases_max) recent_.pop_front();
      }
      const std::string v = std::string(codec::to_string(c.version)) + ":";
      for (const std::string& e : c.edges) covered_.insert(v + e);
    }
    std::set<std::string> seen;
    for (const verdict& v : vs) {
      if (seen.insert(v.signature()).second) note_violation(c, r, v);
    }
  }

  // Counts a violation; the first of its signature is shrunk and saved.
  // Counts a violation; the first of its signature is queued for the checker thread, which plays
  // it again alone and shrinks it. One that does not show again when played alone (a broker slow
  // under load, a broker crashing at that moment) is not a finding: it is counted as unconfirmed,
  // and its signature tried again later, at most unconfirmed_tries_max times.
  void note_violation(const fuzz_case& c, const case_record& r, const verdict& v) {
    const std::string sig = v.signature();
    std::lock_guard lock(m_);
    auto it = findings_.find(sig);
    if (it != findings_.end()) {
      ++it->second.count;
      return;
    }
    unconfirmed& u = unconfirmed_[sig];
    ++u.count;
    if (u.shrinking || u.tries >= unconfirmed_tries_max || to_check_.size() >= check_queue_max) return;
    u.shrinking = true;
    ++u.tries;
    u.detail = v.detail;
    to_check_.push_back(pending_check{c, r, v, seconds_since(started_)});
    cv_.notify_all();
  }

  struct pending_check {
    fuzz_case c;
    case_record r;
    verdict v;
    double seen_at = 0;
  };

  // The checker thread: queued violations, one at a time, on its own executor. Once the
  // campaign has ended, what is left is only played again once (no shrinking).
  void checker() {
    while (true) {
      pending_check item;
      {
        std::unique_lock lock(m_);
        cv_.wait(lock, [this] { return (!to_check_.empty() && !paused_) || finished_; });
        if (to_check_.empty()) return;
        if (paused_) {
          cv_.wait(lock, [this] { return !paused_; });
          continue;
        }
        item = std::move(to_check_.front());
        to_check_.pop_front();
        ++checking_;
      }
      // Checked on a quiet broker: a violation that shows only while a hundred other cases load it
      // (a broker too slow to answer in time) is not a finding.
      check_violation(item.c, item.r, item.v, item.seen_at, finished_ ? 1 : o_.shrink_runs_max);
      std::lock_guard lock(m_);
      --checking_;
      cv_.notify_all();
    }
  }

  void check_violation(const fuzz_case& c, const case_record& r, const verdict& v, double seen_at, std::size_t runs_max) {
    const std::string sig = v.signature();
    log("violation " + sig + " in case " + std::to_string(c.number) + ": " + v.detail + " (checking it alone)");
    executor ex(exec_options(1));
    auto reproduces = [&](const fuzz_case& candidate, case_record& rec, verdict& got) {
      rec = ex.run_one(candidate);
      for (const verdict& w : judged(candidate, rec)) {
        if (w.signature() == sig) {
          got = w;
          return true;
        }
      }
      return false;
    };
    // A broker that stops answering while a violation is checked: the check says nothing.
    // The first replay, the case as it was, runs on a quiet broker (the jobs paused): a violation
    // that shows only while a hundred other cases load the broker (one too slow to answer in
    // time) is not a finding. Shrinking then goes on beside the jobs.
    bool first = true;
    auto alive_and_reproduces = [&](const fuzz_case& candidate, case_record& rec, verdict& got) {
      const bool quiet = first && !finished_;
      first = false;
      if (quiet) pause(true);
      const bool shown = reproduces(candidate, rec, got) && !probe(where_, o_.connection, o_.probe_deadline_ms, probe_credentials_);
      if (quiet) resume_jobs();
      return shown;
    };
    save_shrunk(c, r, v, alive_and_reproduces, {}, false, seen_at, runs_max);
    std::lock_guard lock(m_);
    unconfirmed& u = unconfirmed_[sig];
    u.shrinking = false;
    if (auto it = findings_.find(sig); it != findings_.end()) {
      it->second.count += u.count - 1;
      unconfirmed_.erase(sig);
    }
  }

  // The judge's violations and, with --differential, the divergences from the reference core.
  std::vector<verdict> judged(const fuzz_case& c, const case_record& r) const {
    std::vector<verdict> vs = judge(c, r);
    if (o_.differential) {
      for (verdict& d : diverge(c, r, vs)) vs.push_back(std::move(d));
    }
    return vs;
  }

  void write_trace(const fuzz_case& c, const case_record& r, const std::vector<verdict>& vs) {
    json::object o;
    o["case"] = c.number;
    o["version"] = std::string(codec::to_string(c.version));
    o["origin"] = c.origin;
    o["mutation"] = c.mutation;
    o["elapsed_ms"] = r.elapsed_ms;
    o["deadline_hit"] = r.deadline_hit;
    json::array ends;
    for (const connection_record& k : r.conns) {
      if (!k.used) continue;
      ends.emplace_back(k.ended_by_broker ? "broker " + k.end : k.ended_by_case ? std::string("case") : k.settled ? std::string("settled") : std::string("open"));
    }
    o["connections"] = std::move(ends);
    json::array sigs;
    for (const verdict& v : vs) sigs.emplace_back(v.signature());
    o["violations"] = std::move(sigs);
    std::lock_guard lock(trace_m_);
    *trace_ << json::serialize(o) << "\n";
  }

  using reproduce_fn = std::function<bool(const fuzz_case&, case_record&, verdict&)>;

  // Shrinks the case with ddmin over its steps (each candidate played again), then writes its
  // replay file with the evidence of the last run that showed the finding.
  // A violation is registered under its signature before it is shrunk (`registered`); a broker
  // event's signature comes from the shrunk case (the packet it ends with, the rule it breaks).
  void save_shrunk(const fuzz_case& c, const case_record& r, const verdict& v, const reproduce_fn& reproduces,
                   json::object broker_evidence = {}, bool registered = true, double seen_at = -1,
                   std::size_t runs_max = 0) {
    if (runs_max == 0) runs_max = o_.shrink_runs_max;
    fuzz_case best = c;
    case_record best_record = r;
    verdict best_verdict = v;
    std::size_t runs = 0;
    bool confirmed = false;
    std::map<sim::index_set, bool> tried;
    const fuzz_case* base = &c;  // the case whose steps the index sets name
    auto still_fails = [&](const sim::index_set& keep) {
      if (auto it = tried.find(keep); it != tried.end()) return it->second;
      if (runs >= runs_max || finished_hard()) return false;
      ++runs;
      fuzz_case cand = with_steps(*base, keep);
      case_record rec;
      verdict got;
      const bool fails = reproduces(cand, rec, got);
      if (fails) {
        confirmed = true;
        // Smaller means fewer bytes (then fewer steps): cutting writes at packets adds steps.
        const bool smaller = cand.byte_count() < best.byte_count() ||
                             (cand.byte_count() == best.byte_count() && cand.steps.size() <= best.steps.size());
        if (smaller) {
          best = std::move(cand);
          best_record = std::move(rec);
          best_verdict = got;
        }
      }
      tried[keep] = fails;
      return fails;
    };
    const sim::index_set everything = all_indexes(c.steps.size());
    if (still_fails(everything)) {
      sim::ddmin(everything, still_fails, nullptr, [&] { return runs >= runs_max || finished_hard(); });
      // Then packet by packet: the smallest case found, its writes cut at packet boundaries.
      const fuzz_case cut = one_write_per_packet(best);
      if (cut.steps != best.steps) {
        base = &cut;
        tried.clear();
        if (still_fails(all_indexes(cut.steps.size()))) {
          sim::ddmin(all_indexes(cut.steps.size()), still_fails, nullptr, [&] { return runs >= runs_max || finished_hard(); });
        }
      }
    }
    if (!registered) {
      best_verdict.kind = v.kind;
      if (v.kind != oracle::violation) {
        best_verdict.packet_type = last_packet_type(best);
        best_verdict.statement = first_rule_statement(best);
      } else if (!confirmed) {
        return;  // a violation that did not show again: not a finding
      }
      std::lock_guard lock(m_);
      auto [it, added] = findings_.emplace(best_verdict.signature(), finding{best_verdict, "", 0, c.number, c.steps.size(),
                                                                            best.steps.size(), confirmed});
      ++it->second.count;
      if (!added) return;
      it->second.found_at_s = seen_at >= 0 ? seen_at : event_at_s_;
    }
    const std::string key = registered ? v.signature() : best_verdict.signature();
    finding_file f;
    f.v = best_verdict;
    f.cases.push_back(best);
    f.case_deadline_ms = o_.case_deadline_ms;
    f.evidence["record"] = record_json(best_record);
    f.evidence["original_case"] = c.number;
    f.evidence["original_steps"] = c.steps.size();
    f.evidence["shrink_runs"] = runs;
    f.evidence["reproduced"] = confirmed;
    f.evidence["campaign_seed"] = o_.seed;
    for (auto& [k, val] : broker_evidence) f.evidence[k] = val;
    const std::string name = "findings/" + file_name_for(key) + ".json";
    std::ofstream(fs::path(o_.out_dir) / name) << json::serialize(to_json(f)) << "\n";
    std::lock_guard lock(m_);
    finding& slot = findings_[key];
    slot.v = best_verdict;
    slot.v.kind = v.kind;
    slot.file = name;
    slot.steps_before = c.steps.size();
    slot.steps_after = best.steps.size();
    slot.reproduced = confirmed;
    ++saved_;
  }

  bool finished_hard() const { return o_.interrupted && o_.interrupted->load(); }

  // ---- monitor ----

  void monitor() {
    auto last_probe = clock_type::now();
    auto last_progress = clock_type::now();
    std::uint64_t last_count = 0;
    auto last_count_at = clock_type::now();
    while (true) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      if (finished_hard()) {
        result_.stopped_by = "interrupted";
        return;
      }
      if (o_.duration_s > 0 && seconds_since(started_) >= o_.duration_s) {
        result_.stopped_by = "duration";
        return;
      }
      if (o_.cases_max != 0 && done_cases_ >= o_.cases_max) {
        result_.stopped_by = "cases";
        return;
      }
      if (o_.stop_on_finding && saved_ > 0) {
        result_.stopped_by = "finding";
        return;
      }
      if (!watch_broker()) {
        result_.stopped_by = "broker lost";
        return;
      }
      if (suspect_ || std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - last_probe).count() >= o_.probe_interval_ms) {
        suspect_ = false;
        const std::uint64_t mark = next_index_;
        auto failed = probe(where_, o_.connection, o_.probe_deadline_ms, probe_credentials_);
        if (failed && !(broker_ && broker_->exited())) failed = probe_when_idle(*failed);
        last_probe = clock_type::now();
        if (failed) {
          if (!broker_event(failed->starts_with("timeout") ? oracle::hang : oracle::crash, *failed)) {
            result_.stopped_by = "broker lost";
            return;
          }
        } else {
          std::lock_guard lock(m_);
          // Cases started before the probe did not break the broker.
          while (recent_.size() > 0 && recent_.front() / o_.shard_count < mark && recent_.size() > o_.concurrency * o_.jobs) {
            recent_.pop_front();
          }
        }
      }
      if (broker_ && o_.restart_every != 0 && since_restart_count() >= o_.restart_every) {
        pause();
        end_of_broker_run();
        if (auto e = start_broker()) {
          log(*e);
          result_.stopped_by = "broker lost";
          resume();
          return;
        }
        resume();
      }
      if (seconds_since(last_progress) >= 1.0) {
        const double dt = seconds_since(last_count_at);
        const std::uint64_t n = done_cases_;
        const double rate = dt > 0 ? static_cast<double>(n - last_count) / dt : 0;
        last_count = n;
        last_count_at = clock_type::now();
        last_progress = clock_type::now();
        if (o_.progress) o_.progress(progress_line(rate));
      }
    }
  }

  // A probe that failed while the jobs loaded the broker is tried again with the jobs paused,
  // up to three times, half a second apart: a broker refusing connections for a moment under a
  // hundred cases in flight (its descriptor limit, its accept backlog) is not a crashed one.
  std::optional<std::string> probe_when_idle(const std::string& first) {
    pause();
    std::optional<std::string> failed = first;
    for (int k = 0; k < 3 && failed && !(broker_ && broker_->exited()); ++k) {
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
      failed = probe(where_, o_.connection, o_.probe_deadline_ms, probe_credentials_);
    }
    if (!failed) {
      ++result_.probes_failed_under_load;
      log("a liveness probe failed under load (" + first + ") and passed with the jobs paused");
    }
    resume_jobs();
    return failed;
  }

  // Lets the jobs go on after a pause that changed nothing (resume() also starts a new broker run).
  void resume_jobs() {
    {
      std::lock_guard lock(m_);
      if (pause_depth_ > 0) --pause_depth_;
      paused_ = pause_depth_ > 0;
    }
    cv_.notify_all();
  }

  std::size_t since_restart_count() {
    std::lock_guard lock(m_);
    return since_restart_.size();
  }

  std::string progress_line(double rate) {
    std::lock_guard lock(m_);
    std::ostringstream s;
    s << "fuzz: " << done_cases_ << " cases, " << static_cast<std::uint64_t>(rate) << "/s, model " << covered_.size() << "/"
      << model_.size() << " edges, " << findings_.size() << " finding" << (findings_.size() == 1 ? "" : "s");
    if (broker_) s << ", broker starts " << broker_->starts();
    s << ", " << static_cast<std::uint64_t>(seconds_since(started_)) << " s";
    return s.str();
  }

  void note_rss(std::uint64_t kib) {
    if (result_.broker_rss_start_kib == 0) result_.broker_rss_start_kib = rss_base_kib_;
    result_.broker_rss_last_kib = kib;
    result_.broker_rss_peak_kib = std::max(result_.broker_rss_peak_kib, kib);
  }

  // Exit and memory of a spawned or watched broker; false when it is gone for good.
  bool watch_broker() {
    if (broker_) {
      if (auto st = broker_->exited()) return broker_event(oracle::crash, "the broker exited: " + st->text());
      const std::uint64_t rss = resident_kib(broker_->pid());
      note_rss(rss);
      if (rss > rss_base_kib_ + o_.rss_growth_limit_mb * 1024) {
        return broker_event(oracle::resource, "resident memory " + std::to_string(rss / 1024) + " MiB, " +
                                                  std::to_string((rss - rss_base_kib_) / 1024) + " MiB above its start");
      }
      return true;
    }
    if (o_.watch_pid > 0) {
      if (::kill(o_.watch_pid, 0) != 0) {
        record_unattributed(oracle::crash, "the watched broker (pid " + std::to_string(o_.watch_pid) + ") is gone", {});
        return false;
      }
      if (rss_base_kib_ == 0) rss_base_kib_ = resident_kib(o_.watch_pid);
      const std::uint64_t rss = resident_kib(o_.watch_pid);
      note_rss(rss);
      if (rss > rss_base_kib_ + o_.rss_growth_limit_mb * 1024 && !resource_reported_) {
        resource_reported_ = true;
        record_unattributed(oracle::resource, "resident memory of pid " + std::to_string(o_.watch_pid) + " grew " +
                                                  std::to_string((rss - rss_base_kib_) / 1024) + " MiB", {});
      }
    }
    return true;
  }

  // Pauses the jobs (nested pauses count) and waits until none is playing a case and, unless the
  // checker itself asks, the checker is not checking one.
  void pause(bool from_checker = false) {
    std::unique_lock lock(m_);
    ++pause_depth_;
    paused_ = true;
    cv_.wait_for(lock, std::chrono::seconds(120),
                 [this, from_checker] { return idle_ == o_.jobs && (from_checker || checking_ == 0); });
  }

  void resume() {
    {
      std::lock_guard lock(m_);
      since_restart_.clear();
    }
    resume_jobs();
  }

  json::object broker_json(const std::string& what) {
    json::object b;
    b["event"] = what;
    if (broker_) {
      b["command"] = broker_->command_line();
      if (auto st = broker_->exited()) b["exit"] = st->text();
      std::string tail = broker_->log_tail(16 * 1024);
      if (auto k = sanitizer_kind(tail)) b["sanitizer"] = *k;
      b["log_tail"] = tail;
    }
    return b;
  }

  // A crash, hang or memory event. With a spawned broker: keep its exit and log, restart it and
  // find the case. Without one: the cases since the last good probe are the finding, and the
  // campaign ends. False when the campaign cannot go on.
  bool broker_event(oracle kind, const std::string& what) {
    event_at_s_ = seconds_since(started_);
    pause();
    std::vector<std::uint64_t> suspects;
    {
      std::lock_guard lock(m_);
      suspects.assign(recent_.begin(), recent_.end());
      recent_.clear();
    }
    log("broker event (" + std::string(to_string(kind)) + "): " + what);
    if (broker_ && kind == oracle::hang) {
      // A crashing broker may take seconds to exit (a sanitizer writes its report): a hang is
      // only a hang if the process is still there after that.
      for (int k = 0; k < 300 && !broker_->exited(); ++k) std::this_thread::sleep_for(std::chrono::milliseconds(10));
      if (auto st = broker_->exited()) {
        kind = oracle::crash;
        log("the broker exited after all: " + st->text());
      }
    }
    if (!broker_) {
      record_unattributed(kind, what, suspects);
      resume();
      return false;
    }
    json::object evidence = broker_json(what);
    std::string sanitizer;
    if (const auto* s = evidence.if_contains("sanitizer")) {
      sanitizer = std::string(s->as_string());
      if (kind == oracle::crash) kind = oracle::sanitizer;
    }
    if (kind != oracle::crash && kind != oracle::sanitizer) broker_->stop();
    if (auto e = start_broker()) {
      log(*e);
      record_unattributed(kind, what, suspects);
      resume();
      return false;
    }
    attribute(kind, what, sanitizer, suspects, evidence);
    resume();
    return true;
  }

  // Whether one case, played alone on a fresh broker where needed, shows the event again.
  bool shows_event(oracle kind, const std::string& sanitizer, const fuzz_case& c, case_record& rec) {
    if (broker_->exited() || kind == oracle::resource) {
      if (start_broker()) return false;
    }
    std::atomic<std::uint64_t> peak{0};
    std::atomic<bool> sampling{kind == oracle::resource};
    std::thread sampler;
    if (kind == oracle::resource) {
      sampler = std::thread([&] {
        while (sampling) {
          peak = std::max<std::uint64_t>(peak, resident_kib(broker_->pid()));
          std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
      });
    }
    executor ex(exec_options(1));
    rec = ex.run_one(c);
    sampling = false;
    if (sampler.joinable()) sampler.join();
    switch (kind) {
      case oracle::resource:
        return peak > rss_base_kib_ + o_.rss_growth_limit_mb * 1024;
      case oracle::hang: {
        const bool hung = probe(where_, o_.connection, o_.probe_deadline_ms, probe_credentials_).has_value() && !broker_->exited();
        if (hung) broker_->stop();
        return hung;
      }
      default: {
        for (int k = 0; k < 30 && !broker_->exited(); ++k) std::this_thread::sleep_for(std::chrono::milliseconds(10));
        if (!broker_->exited()) {
          if (!probe(where_, o_.connection, o_.probe_deadline_ms, probe_credentials_)) return false;
        }
        if (!sanitizer.empty()) {
          auto got = sanitizer_kind(broker_->log_tail());
          return got && *got == sanitizer;
        }
        return true;
      }
    }
  }

  void attribute(oracle kind, const std::string& what, const std::string& sanitizer, const std::vector<std::uint64_t>& suspects,
                 json::object evidence) {
    std::size_t tries = 0;
    for (auto it = suspects.rbegin(); it != suspects.rend() && tries < attribution_tries_max && !finished_hard(); ++it, ++tries) {
      fuzz_case c = gen_->make(*it);
      case_record rec;
      if (!shows_event(kind, sanitizer, c, rec)) continue;
      verdict v{kind, last_packet_type(c), first_rule_statement(c), what + (sanitizer.empty() ? "" : " [" + sanitizer + "]"), 0};
      log("case " + std::to_string(c.number) + " shows it again: shrinking");
      save_shrunk(c, rec, v,
                  [&](const fuzz_case& cand, case_record& r, verdict& got) {
                    got = v;
                    return shows_event(kind, sanitizer, cand, r);
                  },
                  evidence, false);
      if (broker_->exited()) start_broker();
      return;
    }
    log("no single case of the " + std::to_string(suspects.size()) + " played before it shows it again");
    record_unattributed(kind, what, suspects, evidence);
  }

  // A finding no single case reproduces: its replay file holds every suspect, in order.
  void record_unattributed(oracle kind, const std::string& what, const std::vector<std::uint64_t>& suspects,
                           json::object evidence = {}) {
    verdict v{kind, "-", "-", what, 0};
    const std::string sig = v.signature();
    finding_file f;
    f.v = v;
    for (std::uint64_t n : suspects) f.cases.push_back(gen_->make(n));
    f.case_deadline_ms = o_.case_deadline_ms;
    f.evidence = std::move(evidence);
    f.evidence["attributed"] = false;
    f.evidence["campaign_seed"] = o_.seed;
    const std::string name = "findings/" + file_name_for(sig) + ".json";
    std::ofstream(fs::path(o_.out_dir) / name) << json::serialize(to_json(f)) << "\n";
    std::lock_guard lock(m_);
    auto [it, added] = findings_.emplace(sig, finding{v, name, 0, suspects.empty() ? 0 : suspects.back(), suspects.size(),
                                                       suspects.size(), false});
    if (added) it->second.found_at_s = seconds_since(started_);
    ++it->second.count;
    ++saved_;
  }

  // A spawned broker's run ends: stop it, and look for a sanitizer report (leaks are reported
  // at exit); attribute one by ddmin over the cases of the run.
  void end_of_broker_run() {
    std::vector<std::uint64_t> cases;
    {
      std::lock_guard lock(m_);
      cases = since_restart_;
    }
    if (broker_->exited()) return;  // it crashed: a crash event, not a report at exit
    process_end st = broker_->stop();
    const std::string tail = broker_->log_tail();
    auto kind = sanitizer_kind(tail);
    if (!kind) return;
    event_at_s_ = seconds_since(started_);
    log("sanitizer report at the broker's exit (" + st.text() + "): " + *kind);
    json::object evidence = broker_json("sanitizer report at exit: " + *kind);
    const std::string what = "sanitizer report at the broker's exit: " + *kind;
    verdict v{oracle::sanitizer, "-", "-", what, 0};
    if (cases.empty() || finished_hard()) {
      record_unattributed(oracle::sanitizer, what, {}, evidence);
      return;
    }
    // ddmin over the run's cases: each candidate is a broker run of its own.
    std::size_t runs = 0;
    auto run_shows = [&](const sim::index_set& keep) {
      if (runs >= o_.shrink_runs_max || finished_hard()) return false;
      ++runs;
      if (start_broker()) return false;
      executor ex(exec_options(o_.concurrency));
      std::size_t i = 0;
      ex.run([&]() -> std::optional<fuzz_case> {
               if (i >= keep.size()) return std::nullopt;
               return gen_->make(cases[keep[i++]]);
             },
             [](fuzz_case&&, case_record&&) {}, [] { return false; });
      broker_->stop();
      auto got = sanitizer_kind(broker_->log_tail());
      return got && *got == *kind;
    };
    sim::index_set found = sim::ddmin(all_indexes(cases.size()), run_shows, nullptr,
                                      [&] { return runs >= o_.shrink_runs_max || finished_hard(); });
    if (found.size() != 1) {
      std::vector<std::uint64_t> suspects;
      for (std::size_t i : found) suspects.push_back(cases[i]);
      record_unattributed(oracle::sanitizer, what, suspects, evidence);
      return;
    }
    fuzz_case c = gen_->make(cases[found.front()]);
    save_shrunk(c, case_record{}, v,
                [&](const fuzz_case& cand, case_record& r, verdict& got) {
                  if (runs >= o_.shrink_runs_max * 2) return false;
                  ++runs;
                  if (start_broker()) return false;
                  executor ex(exec_options(1));
                  r = ex.run_one(cand);
                  broker_->stop();
                  auto k = sanitizer_kind(broker_->log_tail());
                  got = v;
                  return k && *k == *kind;
                },
                evidence, false);
  }

  const campaign_options& o_;
  campaign_result result_;
  clock_type::time_point started_;
  seed_store seeds_;
  std::optional<generator> gen_;
  transport::endpoint where_;
  std::optional<broker_process> broker_;
  std::uint64_t rss_base_kib_ = 0;
  bool resource_reported_ = false;
  std::optional<std::pair<std::string, std::string>> probe_credentials_;
  double event_at_s_ = 0;  // when the broker event being handled was noticed
  std::optional<std::ofstream> trace_;
  std::mutex trace_m_;

  std::atomic<std::uint64_t> next_index_{0};
  std::atomic<std::uint64_t> done_cases_{0};
  std::atomic<std::uint64_t> cleanup_cases_{0};
  std::atomic<std::size_t> saved_{0};  // findings saved (replay file written)
  std::atomic<bool> finished_{false};
  std::atomic<bool> paused_{false};
  unsigned pause_depth_ = 0;  // guarded by m_
  std::atomic<bool> suspect_{false};  // a connection was refused: the jobs wait for the monitor
  unsigned idle_ = 0;  // guarded by m_
  std::mutex m_;
  std::condition_variable cv_;
  std::deque<std::uint64_t> recent_;           // guarded by m_
  std::vector<std::uint64_t> since_restart_;   // guarded by m_
  std::map<std::string, finding> findings_;    // guarded by m_
  std::map<std::string, unconfirmed> unconfirmed_;  // guarded by m_
  std::deque<pending_check> to_check_;               // guarded by m_
  std::size_t checking_ = 0;                         // guarded by m_
  std::set<std::string> covered_;              // guarded by m_
  std::set<std::string> model_;
};

}  // namespace

campaign_result run_campaign(const campaign_options& o) { return campaign(o).run(); }

void write_summary(const campaign_options& o, const campaign_result& r) {
  json::object s;
  s["target"] = o.spawn.empty() ? o.where.url() : "spawned: " + o.spawn;
  s["seed"] = o.seed;
  s["jobs"] = o.jobs;
  s["shard"] = std::to_string(o.shard_index + 1) + "/" + std::to_string(o.shard_count);
  json::array versions;
  for (auto v : o.versions) versions.emplace_back(std::string(codec::to_string(v)));
  s["protocols"] = std::move(versions);
  s["cases"] = r.cases;
  s["cleanup_cases"] = r.cleanup_cases;
  if (r.broker_rss_peak_kib != 0) {
    json::object m;
    m["start_kib"] = r.broker_rss_start_kib;
    m["peak_kib"] = r.broker_rss_peak_kib;
    m["last_kib"] = r.broker_rss_last_kib;
    s["broker_rss"] = std::move(m);
  }
  s["seconds"] = r.seconds;
  s["fuzzing_seconds"] = r.fuzzing_seconds;
  s["cases_per_second"] = r.fuzzing_seconds > 0 ? static_cast<double>(r.cases) / r.fuzzing_seconds : 0.0;
  s["stopped_by"] = r.stopped_by;
  s["model_edges_covered"] = r.model_covered;
  s["model_edges"] = r.model_total;
  s["seed_sessions"] = r.seed_sessions;
  s["catalogue_entries"] = r.catalogue_entries;
  s["broker_starts"] = r.broker_starts;
  s["probes_failed_under_load"] = r.probes_failed_under_load;
  if (r.start_error) s["start_error"] = *r.start_error;
  json::array findings;
  for (const finding& f : r.findings) {
    json::object j;
    j["signature"] = f.v.signature();
    j["oracle"] = std::string(to_string(f.v.kind));
    j["packet_type"] = f.v.packet_type;
    j["statement"] = f.v.statement;
    j["detail"] = f.v.detail;
    j["file"] = f.file;
    j["count"] = f.count;
    j["first_case"] = f.first_case;
    j["steps"] = f.steps_after;
    j["steps_before_shrink"] = f.steps_before;
    j["reproduced"] = f.reproduced;
    j["found_at_s"] = f.found_at_s;
    findings.emplace_back(std::move(j));
  }
  s["findings"] = std::move(findings);
  json::array unconfirmed;
  for (const auto& u : r.unconfirmed) {
    json::object j;
    j["signature"] = u.signature;
    j["count"] = u.count;
    j["tries"] = u.tries;
    j["detail"] = u.detail;
    unconfirmed.emplace_back(std::move(j));
  }
  s["unconfirmed"] = std::move(unconfirmed);
  std::error_code ec;
  fs::create_directories(o.out_dir, ec);
  std::ofstream(fs::path(o.out_dir) / "summary.json") << json::serialize(s) << "\n";
}

int exit_status(const campaign_result& r) {
  if (r.start_error) return 2;
  return r.findings.empty() ? 0 : 1;
}

bool is_loopback(const std::string& host) {
  if (host == "localhost" || host == "::1") return true;
  unsigned a = 0, b = 0, c = 0, d = 0;
  char rest = 0;
  if (std::sscanf(host.c_str(), "%u.%u.%u.%u%c", &a, &b, &c, &d, &rest) == 4) return a == 127 && b < 256 && c < 256 && d < 256;
  return false;
}

std::optional<std::string> probe(const transport::endpoint& where, const transport::connection_options& copt,
                                 std::uint32_t deadline_ms,
                                 const std::optional<std::pair<std::string, std::string>>& credentials) {
  transport::event_loop loop;
  std::optional<std::string> failure = "timeout: no CONNACK and PINGRESP within " + std::to_string(deadline_ms) + " ms";
  bool done = false;
  codec::stream_decoder d({.version = codec::protocol_version::v3_1_1, .receiver = codec::receiver_role::client,
                           .adopt_connect_version = false});
  std::unique_ptr<transport::connection> c;
  bool connacked = false;
  c = std::make_unique<transport::connection>(
      loop, where, copt,
      transport::connection::handlers{
          .on_open =
              [&] {
                byte_vector b;
                codec::connect con;
                con.client_id = "mhfuzzprobe";
                con.keep_alive_s = 30;
                if (credentials) {
                  con.user_name = credentials->first;
                  con.password = credentials->second;
                }
                codec::encode_unchecked(con, codec::protocol_version::v3_1_1, b);
                c->write(b);
              },
          .on_data =
              [&](std::span<const std::uint8_t> b) {
                d.feed(b, [&](const codec::packet& p) {
                  if (const auto* a = std::get_if<codec::connack>(&p)) {
                    connacked = a->reason_code == 0;
                    // PINGREQ only once CONNACK is in: some brokers drop what arrives while
                    // they still authenticate the CONNECT.
                    if (connacked) c->write(byte_vector{0xC0, 0x00});
                  }
                  if (std::holds_alternative<codec::pingresp>(p) && connacked) {
                    failure.reset();
                    done = true;
                    loop.stop();
                  }
                });
              },
          .on_close =
              [&](const transport::close_info& i) {
                if (done) return;
                done = true;
                if (i.kind == transport::close_kind::connect_failed) failure = "refused: " + i.detail;
                else failure = "refused: the connection ended (" + std::string(transport::to_string(i.kind)) + ") before PINGRESP";
                loop.stop();
              },
          .on_drained = nullptr,
      });
  c->open();
  loop.run_until(loop.now_ms() + deadline_ms);
  if (c) {
    c->close();
  }
  return failure;
}

}  // namespace harness::netfuzz
