// DISCONNECT (section 3.14); in 5.0 either side may send it, with a reason code.
#pragma once

#include <cstdint>

#include "mqtt/codec/properties.hpp"

namespace mqtt::codec {

struct disconnect {
  std::uint8_t reason_code = 0;  // 5.0 only
  properties props;

  friend bool operator==(const disconnect&, const disconnect&) = default;
};

}  // namespace mqtt::codec
