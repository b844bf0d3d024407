// Baseline files, read with toml++.
#include "run/baseline.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <toml++/toml.h>

namespace harness::run {

const waiver* baseline::find(const std::string& scenario, mqtt::codec::protocol_version v, const std::string& transport) const {
  for (const waiver& w : entries) {
    if (w.scenario != scenario) continue;
    if (!w.transports.empty() && std::find(w.transports.begin(), w.transports.end(), transport) == w.transports.end()) continue;
    if (w.versions.empty() || std::find(w.versions.begin(), w.versions.end(), v) != w.versions.end()) return &w;
  }
  return nullptr;
}

baseline_result load_baseline(const std::string& path) {
  std::ifstream in(path);
  if (!in) return {std::nullopt, path + ": cannot read the baseline"};
  std::stringstream ss;
  ss << in.rdbuf();
  toml::table root;
  try {
    root = toml::parse(ss.str(), path);
  } catch (const toml::parse_error& e) {
    return {std::nullopt, path + ":" + std::to_string(e.source().begin.line) + ": " + std::string(e.description())};
  }
  baseline b;
  b.file = path;
  for (const auto& [k, v] : root) {
    if (k.str() != "target" && k.str() != "waive") {
      return {std::nullopt, path + ":" + std::to_string(v.source().begin.line) + ": unknown key '" + std::string(k.str()) + "' (known: target, waive)"};
    }
  }
  b.target = root["target"].value_or(std::string{});
  if (const toml::array* list = root["waive"].as_array()) {
    for (const auto& node : *list) {
      const toml::table* t = node.as_table();
      std::string at = path + ":" + std::to_string(node.source().begin.line);
      if (!t) return {std::nullopt, at + ": [[waive]] entries are tables"};
      for (const auto& [k, v] : *t) {
        if (k.str() != "scenario" && k.str() != "versions" && k.str() != "transports" && k.str() != "statement" && k.str() != "evidence" &&
            k.str() != "intermittent") {
          return {std::nullopt, at + ": unknown key '" + std::string(k.str()) + "' (known: scenario, versions, transports, statement, evidence, intermittent)"};
        }
      }
      waiver w;
      w.scenario = (*t)["scenario"].value_or(std::string{});
      w.statement = (*t)["statement"].value_or(std::string{});
      w.evidence = (*t)["evidence"].value_or(std::string{});
      if (const toml::node* n = t->get("intermittent")) {
        auto b = n->value<bool>();
        if (!b) return {std::nullopt, at + ": intermittent is true or false"};
        w.intermittent = *b;
      }
      if (w.scenario.empty() || w.statement.empty() || w.evidence.empty()) {
        return {std::nullopt, at + ": every waiver names its scenario, the statement it departs from and the evidence"};
      }
      if (const toml::array* vs = (*t)["versions"].as_array()) {
        for (const auto& v : *vs) {
          auto s = v.value<std::string>();
          auto pv = s ? mqtt::codec::protocol_version_from(*s) : std::nullopt;
          if (pv) w.versions.push_back(*pv);
          else return {std::nullopt, at + ": versions are \"3.1\", \"3.1.1\" or \"5\""};
        }
      }
      if (const toml::array* ts = (*t)["transports"].as_array()) {
        for (const auto& v : *ts) {
          auto s = v.value<std::string>();
          if (!s || (*s != "tcp" && *s != "tls" && *s != "ws" && *s != "wss")) {
            return {std::nullopt, at + ": transports are \"tcp\", \"tls\", \"ws\" or \"wss\""};
          }
          w.transports.push_back(*s);
        }
      }
      b.entries.push_back(std::move(w));
    }
  }
  return {std::move(b), {}};
}

}  // namespace harness::run
