// Case selection, parallel execution and verdict bookkeeping.
#include "run/runner.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fnmatch.h>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <thread>
#include <utility>


namespace harness::run {

namespace fs = std::filesystem;
using script::protocol_version;
using script::verdict;

suite load_suite(const std::vector<std::string>& paths) {
  suite s;
  std::vector<std::string> files;
  for (const std::string& p : paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      for (auto [v, name] : {std::pair{protocol_version::v3_1_1, "statements-3.1.1.tsv"}, std::pair{protocol_version::v5, "statements-5.0.tsv"}}) {
        std::ifstream in(fs::path(p) / name);
        std::string line;
        bool header = true;
        while (std::getline(in, line)) {
          if (std::exchange(header, false)) continue;
          auto tab = line.find('\t');
          if (tab == std::string::npos) continue;
          auto tab2 = line.find('\t', tab + 1);
          s.classes[v][line.substr(0, tab)] = line.substr(tab + 1, tab2 == std::string::npos ? std::string::npos : tab2 - tab - 1);
        }
      }
      for (auto it = fs::recursive_directory_iterator(p, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (it->is_regular_file() && it->path().extension() == ".scenario") files.push_back(it->path().string());
      }
    } else if (fs::is_regular_file(p, ec)) {
      files.push_back(p);
    } else {
      s.errors.push_back({p, 0, 0, "no such file or folder", ""});
    }
  }
  std::sort(files.begin(), files.end());
  files.erase(std::unique(files.begin(), files.end()), files.end());
  std::set<std::string> ids;
  for (const std::string& f : files) {
    std::ifstream in(f);
    std::stringstream ss;
    ss << in.rdbuf();
    auto r = script::parse_scenarios(ss.str(), f);
    s.errors.insert(s.errors.end(), r.errors.begin(), r.errors.end());
    for (auto& sc : r.scenarios) {
      if (!ids.insert(sc.id).second) {
        s.errors.push_back({f, sc.pos.line, sc.pos.col, "scenario id '" + sc.id + "' is used twice", sc.source.substr(0, sc.source.find('\n'))});
        continue;
      }
      s.scenarios.push_back(std::move(sc));
    }
    s.files.push_back(f);
  }
  std::sort(s.scenarios.begin(), s.scenarios.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  return s;
}

std::string short_tag(const std::string& text, std::size_t length) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : text) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  static constexpr char alphabet[] = "0123456789abcdefghijklmnopqrstuvwxyz";
  std::string out;
  for (std::size_t i = 0; i < length; ++i) {
    out += alphabet[h % 36];
    h /= 36;
    if (h == 0) h = 0x9E3779B97F4A7C15ULL ^ (i * 0x100000001b3ULL);
  }
  return out;
}

namespace {

// What the profile offers, and `websocket` on ws:// and wss:// targets (a property of the
// connection, not of the broker).
std::set<std::string> capabilities_of(const run_options& o) {
  std::set<std::string> caps = o.prof.capabilities();
  if (o.transport == "ws" || o.transport == "wss") caps.insert("websocket");
  if (o.transport == "sim") caps.insert("restart");  // the simulator restarts its broker itself
  return caps;
}

}  // namespace

std::vector<case_result> select_cases(const suite& s, const run_options& o) {
  std::vector<case_result> out;
  std::set<std::string> caps = capabilities_of(o);
  for (const auto& sc : s.scenarios) {
    if (!o.filters.empty()) {
      bool any = std::any_of(o.filters.begin(), o.filters.end(),
                             [&](const std::string& g) { return fnmatch(g.c_str(), sc.id.c_str(), 0) == 0; });
      if (!any) continue;
    }
    for (protocol_version v : sc.versions) {
      if (!o.protocols.empty() && std::find(o.protocols.begin(), o.protocols.end(), v) == o.protocols.end()) continue;
      if (!o.statements.empty()) {
        const auto& cited = sc.statements_for(v);
        bool any = std::any_of(o.statements.begin(), o.statements.end(),
                               [&](const std::string& id) { return std::find(cited.begin(), cited.end(), id) != cited.end(); });
        if (!any) continue;
      }
      case_result c;
      c.sc = &sc;
      c.version = v;
      if (std::find(o.prof.versions.begin(), o.prof.versions.end(), v) == o.prof.versions.end()) {
        c.result = verdict::skip;
        c.skip_reason = "the profile does not offer MQTT " + std::string(mqtt::codec::to_string(v));
      } else {
        for (const auto& need : sc.needs) {
          if (!caps.contains(need)) {
            c.result = verdict::skip;
            c.skip_reason = need == "websocket" ? "needs a WebSocket target (ws:// or wss://)"
                            : need == "restart" ? "needs a broker restart: the profile has no [restart] commands"
                                                : "the profile lacks '" + need + "'";
            break;
          }
        }
      }
      out.push_back(std::move(c));
    }
  }
  return out;
}

namespace {

// A hostile case that has taken no action for this long (scaled by the time factor) has had its
// input read by the broker: the probe after it tells whether the broker survived it.
constexpr double hostile_quiet_ms = 250;
constexpr auto hostile_poll = std::chrono::milliseconds(5);
// Hostile cases still waiting for their verdict after their quiet point, at most.
constexpr std::size_t hostile_background_max = 16;

script::case_context context_for(const case_result& c, const run_options& o, const target& where) {
  script::case_context ctx;
  ctx.version = c.version;
  ctx.run_tag = !o.run_tag.empty() ? o.run_tag
                                   : short_tag(o.run_id + "|" + c.sc->id + "|" + std::string(mqtt::codec::to_string(c.version)), 10);
  ctx.time_factor = where.shared() ? o.prof.time_factor : 1.0;  // virtual time needs no slack
  ctx.default_within_ms = o.prof.default_within_ms;
  ctx.capabilities = capabilities_of(o);
  ctx.profile_values = o.prof.values();
  ctx.connect_credentials = o.prof.connect_credentials();
  return ctx;
}

void run_one(case_result& c, const run_options& o, target& where, case_activity* activity = nullptr) {
  auto start = std::chrono::steady_clock::now();
  script::case_context ctx = context_for(c, o, where);
  try {
    c.run = where.run_case(*c.sc, ctx, activity);
    c.result = c.run.outcome.result;
  } catch (const std::exception& e) {
    c.result = verdict::error;
    c.run.outcome.result = verdict::error;
    c.run.outcome.message = e.what();
  }
  c.wall_ms = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count());
}

void apply_baseline(case_result& c, const run_options& o) {
  if (!o.waivers) return;
  const waiver* w = o.waivers->find(c.sc->id, c.version, o.transport);
  if (!w) return;
  c.waiver_note = w->statement + ": " + w->evidence;
  if (c.result == verdict::fail) c.waived = true;
  else if ((c.result == verdict::pass || c.result == verdict::nonstrict) && !w->intermittent) c.stale_waiver = true;
}

}  // namespace

run_result run_cases(std::vector<case_result> cases, const run_options& o, target& where,
                     const std::function<void(std::size_t, std::size_t, const case_result&)>& progress) {
  auto start = std::chrono::steady_clock::now();
  run_result r;
  r.target = where.name();
  r.profile_name = o.prof.name;
  r.run_id = o.run_id;
  r.classes = o.classes;
  // On a shared broker, hostile scenarios run one at a time, each followed by a liveness probe,
  // so a broker that dies is attributed to the scenario that killed it.
  // Scenarios that restart the broker run after all the others, one at a time, each followed
  // by a probe: a restart would end every other case's connections.
  std::vector<std::size_t> calm;
  std::vector<std::size_t> hostile;
  std::vector<std::size_t> restarting;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    if (cases[i].result == verdict::skip) continue;
    if (cases[i].sc->restarts && where.shared()) restarting.push_back(i);
    else (cases[i].sc->hostile && where.shared() ? hostile : calm).push_back(i);
  }
  std::mutex m;
  std::size_t done = 0;
  const std::size_t total = cases.size();
  for (auto& c : cases) {
    if (c.result == verdict::skip && progress) {
      std::lock_guard lock(m);
      progress(++done, total, c);
    }
  }
  auto finish_case = [&](case_result& c) {
    apply_baseline(c, o);
    std::lock_guard lock(m);
    if (progress) progress(++done, total, c);
  };
  std::atomic<std::size_t> next{0};
  auto calm_worker = [&] {
    while (true) {
      std::size_t k = next.fetch_add(1);
      if (k >= calm.size()) return;
      case_result& c = cases[calm[k]];
      run_one(c, o, where);
      finish_case(c);
    }
  };
  // One lane feeds the hostile cases to the broker one after another. A case has the broker to
  // itself until it has gone quiet (no action for hostile_quiet_ms, or finished) and a probe then
  // found the broker alive; it goes on waiting for its verdict in the background while the next
  // one starts. A failed probe is so attributed to the one case whose input came last, and
  // cases waiting for the broker to close (the slow ones, on a broker that deviates) overlap.
  auto hostile_lane = [&] {
    struct running {
      std::size_t index;
      std::unique_ptr<case_activity> activity;
      std::thread thread;
      std::string died_after;  // what the probe after this case's input found
    };
    std::vector<running> background;
    std::optional<std::string> dead;  // the case after which the broker stopped answering
    const auto quiet_ms = static_cast<std::int64_t>(hostile_quiet_ms * std::max(1.0, o.prof.time_factor));
    auto settle = [&](running& r) {
      r.thread.join();
      case_result& c = cases[r.index];
      if (!r.died_after.empty()) {
        c.broker_died = true;
        c.result = verdict::fail;
        c.run.outcome.result = verdict::fail;
        c.run.outcome.message = "the broker stopped answering after this scenario: " + r.died_after +
                                (c.run.outcome.message.empty() ? "" : " (" + c.run.outcome.message + ")");
      }
      finish_case(c);
    };
    auto settle_finished = [&] {
      for (auto it = background.begin(); it != background.end();) {
        if (it->activity->done.load()) {
          settle(*it);
          it = background.erase(it);
        } else {
          ++it;
        }
      }
    };
    for (std::size_t i : hostile) {
      case_result& c = cases[i];
      if (dead) {
        c.result = verdict::inconclusive;
        c.run.outcome.result = verdict::inconclusive;
        c.run.outcome.message = "not run: the broker stopped answering after " + *dead;
        finish_case(c);
        continue;
      }
      settle_finished();
      if (background.size() >= hostile_background_max) {
        settle(background.front());
        background.erase(background.begin());
      }
      running r{i, std::make_unique<case_activity>(), {}, {}};
      case_activity* a = r.activity.get();
      a->touch();
      r.thread = std::thread([&c, &o, &where, a] {
        run_one(c, o, where, a);
        a->done.store(true);
      });
      while (!a->done.load() && case_activity::now_ms() - a->last_action_ms.load() < quiet_ms) {
        std::this_thread::sleep_for(hostile_poll);
      }
      if (auto gone = where.probe()) {
        r.died_after = *gone;
        dead = c.sc->id + " (MQTT " + std::string(mqtt::codec::to_string(c.version)) + ")";
      }
      background.push_back(std::move(r));
    }
    for (auto& r : background) settle(r);
  };
  unsigned jobs = std::max(1u, o.jobs);
  std::vector<std::thread> pool;
  if (!hostile.empty() && jobs > 1) {
    pool.emplace_back(hostile_lane);
    for (unsigned j = 2; j < jobs; ++j) pool.emplace_back(calm_worker);
    calm_worker();
  } else {
    for (unsigned j = 1; j < jobs; ++j) pool.emplace_back(calm_worker);
    calm_worker();
    for (auto& t : pool) t.join();
    pool.clear();
    hostile_lane();
  }
  for (auto& t : pool) t.join();
  for (std::size_t i : restarting) {
    case_result& c = cases[i];
    run_one(c, o, where);
    if (auto gone = where.probe()) {
      c.broker_died = true;
      c.result = verdict::fail;
      c.run.outcome.result = verdict::fail;
      c.run.outcome.message = "the broker was not answering after this scenario restarted it: " + *gone;
    }
    finish_case(c);
  }
  if (where.shared()) r.liveness_failure = where.probe();
  std::set<std::string> enforced;
  for (const auto& c : cases) enforced.insert(c.run.statements_enforced.begin(), c.run.statements_enforced.end());
  r.enforced_statements.assign(enforced.begin(), enforced.end());
  r.cases = std::move(cases);
  r.wall_ms = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count());
  return r;
}

counts count(const run_result& r) {
  counts n;
  for (const auto& c : r.cases) {
    if (c.stale_waiver) ++n.stale;
    if (c.waived) {
      ++n.waived;
      continue;
    }
    switch (c.result) {
      case verdict::pass: ++n.pass; break;
      case verdict::nonstrict: ++n.nonstrict; break;
      case verdict::fail: ++n.fail; break;
      case verdict::skip: ++n.skip; break;
      case verdict::unsupported: ++n.unsupported; break;
      case verdict::inconclusive: ++n.inconclusive; break;
      case verdict::error: ++n.error; break;
    }
  }
  return n;
}

std::int64_t case_activity::now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

int exit_status(const run_result& r) {
  counts n = count(r);
  if (n.error > 0) return 2;
  if (n.fail > 0 || n.stale > 0 || r.liveness_failure) return 1;
  return 0;
}

}  // namespace harness::run
