// SUBACK (section 3.9): one return/reason code per requested topic filter.
#pragma once

#include <cstdint>
#include <vector>

#include "mqtt/codec/properties.hpp"

namespace mqtt::codec {

struct suback {
  std::uint16_t packet_id = 0;
  properties props;
  std::vector<std::uint8_t> reason_codes;  // 3.1.1: 0x00, 0x01, 0x02 or 0x80

  friend bool operator==(const suback&, const suback&) = default;
};

}  // namespace mqtt::codec
