// CONNACK (section 3.2): the server's answer to CONNECT.
#pragma once

#include <cstdint>

#include "mqtt/codec/properties.hpp"

namespace mqtt::codec {

struct connack {
  bool session_present = false;  // reserved (always 0) in 3.1
  std::uint8_t reason_code = 0;  // 3.1/3.1.1: Connect Return code 0..5; 5.0: Connect Reason Code
  properties props;

  friend bool operator==(const connack&, const connack&) = default;
};

}  // namespace mqtt::codec
