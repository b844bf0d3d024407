// UNSUBACK (section 3.11): in 5.0 one reason code per topic filter, in 3.1.1 none.
#pragma once

#include <cstdint>
#include <vector>

#include "mqtt/codec/properties.hpp"

namespace mqtt::codec {

struct unsuback {
  std::uint16_t packet_id = 0;
  properties props;
  std::vector<std::uint8_t> reason_codes;  // empty before 5.0

  friend bool operator==(const unsuback&, const unsuback&) = default;
};

}  // namespace mqtt::codec
