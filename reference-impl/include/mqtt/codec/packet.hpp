// The decoded form of any control packet: a variant whose alternative index + 1 is the
// packet type value on the wire.
#pragma once

#include <variant>

#include "mqtt/codec/packets/auth.hpp"
#include "mqtt/codec/packets/connack.hpp"
#include "mqtt/codec/packets/connect.hpp"
#include "mqtt/codec/packets/disconnect.hpp"
#include "mqtt/codec/packets/ping.hpp"
#include "mqtt/codec/packets/pub_ack.hpp"
#include "mqtt/codec/packets/publish.hpp"
#include "mqtt/codec/packets/suback.hpp"
#include "mqtt/codec/packets/subscribe.hpp"
#include "mqtt/codec/packets/unsuback.hpp"
#include "mqtt/codec/packets/unsubscribe.hpp"

namespace mqtt::codec {

using packet = std::variant<connect, connack, publish, puback, pubrec, pubrel, pubcomp, subscribe,
                            suback, unsubscribe, unsuback, pingreq, pingresp, disconnect, auth>;

inline packet_type type_of(const packet& p) {
  return static_cast<packet_type>(p.index() + 1);
}

// The fixed header's low nibble for this packet as it would be encoded.
std::uint8_t fixed_header_flags(const packet& p);

}  // namespace mqtt::codec
