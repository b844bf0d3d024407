// Subscription index and topic matching (section 4.7).
#include "topic_tree.hpp"

#include "mqtt/assert.hpp"

namespace mqtt::broker {

bool topic_tree::insert(std::string_view filter, subscription_entry entry) {
  node* n = &root_;
  for_each_level(filter, [&](std::string_view level) {
    auto it = n->children.find(std::string(level));
    if (it == n->children.end()) {
      it = n->children.emplace(std::string(level), std::make_unique<node>()).first;
    }
    n = it->second.get();
  });
  auto key = std::make_pair(entry.session_serial, entry.share_name);
  auto [it, inserted] = n->subscribers.insert_or_assign(std::move(key), std::move(entry));
  if (inserted) ++size_;
  return !inserted;
}

bool topic_tree::erase(std::string_view filter, std::uint64_t session_serial,
                       std::string_view share_name) {
  std::vector<std::pair<node*, std::string>> path;  // parent and the child's key
  node* n = &root_;
  bool missing = false;
  for_each_level(filter, [&](std::string_view level) {
    if (missing) return;
    auto it = n->children.find(std::string(level));
    if (it == n->children.end()) {
      missing = true;
      return;
    }
    path.emplace_back(n, std::string(level));
    n = it->second.get();
  });
  if (missing) return false;
  if (n->subscribers.erase(std::make_pair(session_serial, std::string(share_name))) == 0) {
    return false;
  }
  MQTT_ASSERT(size_ > 0);
  --size_;
  // Prune nodes left without subscribers or children, deepest first.
  for (auto it = path.rbegin(); it != path.rend(); ++it) {
    node* parent = it->first;
    auto child = parent->children.find(it->second);
    MQTT_ASSERT(child != parent->children.end());
    if (!child->second->subscribers.empty() || !child->second->children.empty()) break;
    parent->children.erase(child);
  }
  return true;
}

void topic_tree::collect_matches(std::string_view topic, std::vector<const node*>& out,
                                 bool dollar_exempt) const {
  std::vector<const node*> frontier{&root_};
  std::vector<const node*> next;
  bool first = true;
  // Topics beginning with '$' are not matched by filters beginning with a wildcard.
  const bool dollar = dollar_exempt && !topic.empty() && topic.front() == '$';
  auto child = [](const node* n, const std::string& key) -> const node* {
    auto it = n->children.find(key);
    return it == n->children.end() ? nullptr : it->second.get();
  };
  static const std::string plus = "+";
  static const std::string hash = "#";
  for_each_level(topic, [&](std::string_view level) {
    next.clear();
    std::string key(level);
    for (const node* n : frontier) {
      bool wildcards = !(first && dollar);
      if (wildcards) {
        if (const node* h = child(n, hash)) out.push_back(h);
        if (const node* p = child(n, plus)) next.push_back(p);
      }
      if (const node* c = child(n, key)) next.push_back(c);
    }
    frontier.swap(next);
    first = false;
  });
  for (const node* n : frontier) {
    out.push_back(n);
    // "a/#" also matches "a" itself (section 4.7.1.2).
    if (const node* h = child(n, hash)) out.push_back(h);
  }
}

bool topic_matches(std::string_view filter, std::string_view topic) {
  if (!topic.empty() && topic.front() == '$' && !filter.empty() &&
      (filter.front() == '+' || filter.front() == '#')) {
    return false;
  }
  std::size_t f = 0, t = 0;
  for (;;) {
    std::size_t f_end = filter.find('/', f);
    std::string_view f_level = filter.substr(f, f_end == std::string_view::npos ? std::string_view::npos : f_end - f);
    if (f_level == "#") return true;
    if (t > topic.size()) return false;  // topic has no level left
    std::size_t t_end = topic.find('/', t);
    std::string_view t_level = topic.substr(t, t_end == std::string_view::npos ? std::string_view::npos : t_end - t);
    if (f_level != "+" && f_level != t_level) return false;
    bool f_last = f_end == std::string_view::npos;
    bool t_last = t_end == std::string_view::npos;
    if (f_last && t_last) return true;
    if (f_last) return false;
    if (t_last) {
      // Only a trailing "/#" can match the missing levels ("a/#" matches "a").
      return filter.substr(f_end + 1) == "#";
    }
    f = f_end + 1;
    t = t_end + 1;
  }
}

}  // namespace mqtt::broker
