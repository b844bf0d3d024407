// mqtt-ref-broker's persistence file (`persistence true`, `persistence_location`,
// `persistence_file`): the core's durable state (broker::save_state) written before any
// action the core took is sent, so an acknowledgement never leaves before what it
// acknowledges is on disk. Each write goes to FILE.new, is fsynced, renamed over FILE, and
// the folder is fsynced: a crash at any instant leaves the old file or the new one, whole.
// POSIX; no Asio.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "mqtt/broker/broker.hpp"

namespace mqtt::net {

class state_file {
 public:
  explicit state_file(std::string path);
  const std::string& path() const { return path_; }
  // Loads the file into a core that has no state yet; a missing file is an empty state. The
  // error in words for an unreadable or damaged one.
  std::optional<std::string> load(broker::broker& core, broker::clock_ms now);
  // Writes the core's state when it differs from what was last written. The error in words.
  std::optional<std::string> save_if_changed(const broker::broker& core, broker::clock_ms now);
  std::uint64_t writes() const { return writes_; }

 private:
  std::string path_;
  std::vector<std::uint8_t> last_;
  std::uint64_t writes_ = 0;
};

}  // namespace mqtt::net
