// Subscription index: a tree of topic levels where '+' and '#' are ordinary children, so a
// match walks one path per wildcard instead of testing every filter. Iterative, never
// recursive: a topic may have tens of thousands of levels.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "mqtt/codec/packets/subscribe.hpp"

namespace mqtt::broker {

// One subscription of one session, as the index holds it.
struct subscription_entry {
  std::uint64_t session_serial = 0;
  std::string filter;      // the filter as the client sent it ($share/... included)
  std::string share_name;  // empty for non-shared subscriptions
  codec::subscription_options options;
  std::optional<std::uint32_t> subscription_id;
};

class topic_tree {
 public:
  // Adds or replaces the subscription of (session, share name) on `filter` (the part after
  // "$share/name/" for shared ones). Returns true when it replaced an existing one.
  bool insert(std::string_view filter, subscription_entry entry);
  // Removes it; returns false when there was none.
  bool erase(std::string_view filter, std::uint64_t session_serial, std::string_view share_name);
  // Calls `found` for every subscription whose filter matches `topic` (section 4.7,
  // including the '$' rule of MQTT-4.7.2-1, which only the planted dollar_topic_matched bug
  // turns off with `dollar_exempt` false).
  template <class F>
  void match(std::string_view topic, F&& found, bool dollar_exempt = true) const;
  std::size_t size() const { return size_; }

 private:
  struct node {
    std::unordered_map<std::string, std::unique_ptr<node>> children;
    // Keyed by (session serial, share name): one entry per subscriber of this exact filter.
    std::map<std::pair<std::uint64_t, std::string>, subscription_entry> subscribers;
  };
  void collect_matches(std::string_view topic, std::vector<const node*>& out, bool dollar_exempt) const;

  node root_;
  std::size_t size_ = 0;
};

template <class F>
void topic_tree::match(std::string_view topic, F&& found, bool dollar_exempt) const {
  std::vector<const node*> matched;
  collect_matches(topic, matched, dollar_exempt);
  for (const node* n : matched) {
    for (const auto& [key, entry] : n->subscribers) found(entry);
  }
}

// True when `filter` (no $share prefix) matches `topic` (section 4.7).
bool topic_matches(std::string_view filter, std::string_view topic);

// Splits `text` at '/', calling f(level) for each level (an empty text has one empty level).
template <class F>
void for_each_level(std::string_view text, F&& f) {
  std::size_t start = 0;
  for (;;) {
    std::size_t slash = text.find('/', start);
    if (slash == std::string_view::npos) {
      f(text.substr(start));
      return;
    }
    f(text.substr(start, slash - start));
    start = slash + 1;
  }
}

}  // namespace mqtt::broker
