// Timestamped log lines on stderr for mqtt-ref-broker, and the formatting of the broker
// core's log records.
#pragma once

#include <string_view>

#include "mqtt/broker/broker.hpp"

namespace mqtt::net {

class logger {
 public:
  explicit logger(bool verbose = false) : verbose_(verbose) {}
  bool verbose() const { return verbose_; }
  // One line: "2024-05-01T12:34:56.789Z LEVEL text".
  void write(broker::log_level level, std::string_view text) const;
  // A record from the broker core, with its connection, client and statement ID.
  void write(const broker::log_record& r) const;

 private:
  bool verbose_;
};

}  // namespace mqtt::net
