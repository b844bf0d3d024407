// Topic filter matching, level by level.
#include "check/topic.hpp"

namespace harness::check {

bool topic_matches(std::string_view filter, std::string_view topic) {
  // MQTT-4.7.2-1: wildcards at the first level do not match topics starting with '$'.
  if (!topic.empty() && topic.front() == '$' && !filter.empty() &&
      (filter.front() == '#' || filter.front() == '+')) {
    return false;
  }
  std::size_t f = 0;
  std::size_t t = 0;
  while (true) {
    std::size_t f_end = filter.find('/', f);
    std::string_view f_level = filter.substr(f, f_end == std::string_view::npos ? filter.npos : f_end - f);
    if (f_level == "#") return true;
    std::size_t t_end = topic.find('/', t);
    if (t > topic.size()) return false;
    std::string_view t_level = topic.substr(t, t_end == std::string_view::npos ? topic.npos : t_end - t);
    if (f_level != "+" && f_level != t_level) return false;
    bool f_last = f_end == std::string_view::npos;
    bool t_last = t_end == std::string_view::npos;
    if (f_last || t_last) {
      if (f_last && t_last) return true;
      // "a/#" matches "a" (the parent level, MQTT-4.7.1-2).
      return t_last && !f_last && filter.substr(f_end + 1) == "#";
    }
    f = f_end + 1;
    t = t_end + 1;
  }
}

}  // namespace harness::check
