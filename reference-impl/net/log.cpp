// Log lines go to stderr whole, one write each, so lines from one process never interleave.
#include "log.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <string>

namespace mqtt::net {
namespace {

std::string timestamp() {
  auto now = std::chrono::system_clock::now();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm utc{};
  gmtime_r(&secs, &utc);
  char buf[40];
  std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &utc);
  std::snprintf(buf + n, sizeof buf - n, ".%03dZ", static_cast<int>(ms % 1000));
  return buf;
}

std::string_view level_name(broker::log_level level) {
  switch (level) {
    case broker::log_level::debug: return "debug";
    case broker::log_level::info: return "info";
    case broker::log_level::warning: return "warning";
  }
  return "info";
}

}  // namespace

void logger::write(broker::log_level level, std::string_view text) const {
  if (level == broker::log_level::debug && !verbose_) return;
  std::string line = timestamp();
  line += ' ';
  line += level_name(level);
  line += ' ';
  line += text;
  line += '\n';
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

void logger::write(const broker::log_record& r) const {
  if (r.level == broker::log_level::debug && !verbose_) return;
  std::string text = "conn " + std::to_string(r.conn);
  if (!r.client_id.empty()) text += " client '" + r.client_id + "'";
  text += ": ";
  text += r.text;
  if (!r.statement.empty()) {
    text += " [";
    text += r.statement.text();
    text += ']';
  }
  write(r.level, text);
}

}  // namespace mqtt::net
