// AUTH (section 3.15, 5.0 only): extended authentication exchange.
#pragma once

#include <cstdint>

#include "mqtt/codec/properties.hpp"

namespace mqtt::codec {

struct auth {
  std::uint8_t reason_code = 0;
  properties props;

  friend bool operator==(const auth&, const auth&) = default;
};

}  // namespace mqtt::codec
