// PUBACK, PUBREC, PUBREL and PUBCOMP (sections 3.4 to 3.7): the QoS 1 and QoS 2
// acknowledgements share one shape, a packet identifier and (5.0) a reason code.
#pragma once

#include <cstdint>

#include "mqtt/codec/properties.hpp"
#include "mqtt/codec/types.hpp"

namespace mqtt::codec {

template <packet_type Type>
struct pub_ack_packet {
  static constexpr packet_type type = Type;
  std::uint16_t packet_id = 0;
  std::uint8_t reason_code = 0;  // 5.0 only; 0 otherwise
  properties props;

  friend bool operator==(const pub_ack_packet&, const pub_ack_packet&) = default;
};

using puback = pub_ack_packet<packet_type::puback>;
using pubrec = pub_ack_packet<packet_type::pubrec>;
using pubrel = pub_ack_packet<packet_type::pubrel>;
using pubcomp = pub_ack_packet<packet_type::pubcomp>;

}  // namespace mqtt::codec
