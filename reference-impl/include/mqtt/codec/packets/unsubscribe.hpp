// UNSUBSCRIBE (section 3.10).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "mqtt/codec/properties.hpp"

namespace mqtt::codec {

struct unsubscribe {
  std::uint16_t packet_id = 0;
  properties props;
  std::vector<std::string_view> filters;

  friend bool operator==(const unsubscribe&, const unsubscribe&) = default;
};

}  // namespace mqtt::codec
