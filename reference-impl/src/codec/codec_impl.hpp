// Internal declarations shared by the per-packet files: body decoders and body writers
// (templated on raw_writer or size_counter so sizes and bytes come from one description).
#pragma once

#include <cstdint>
#include <span>

#include "mqtt/codec/packet.hpp"
#include "mqtt/codec/properties.hpp"
#include "wire.hpp"

namespace mqtt::codec::detail {

// Property Length and properties of `ctx`.
void decode_properties(reader& r, property_context ctx, properties& out);
template <class W>
void put_properties(W& w, const properties& p);
// Packet Identifier that must not be zero.
std::uint16_t packet_id(reader& r, rule zero_rule);

// Does a CONNECT body start with protocol name "MQIsdp" and level 3? Its fixed header flags
// are checked only when it does not (connect.cpp).
bool is_v31_connect_body(std::span<const std::uint8_t> body);

// Each decode_body reads the variable header and payload of one packet type; `flags` is the
// low nibble of the fixed header (already checked).
void decode_body(reader& r, std::uint8_t flags, connect& out);
void decode_body(reader& r, std::uint8_t flags, connack& out);
void decode_body(reader& r, std::uint8_t flags, publish& out);
template <packet_type T>
void decode_body(reader& r, std::uint8_t flags, pub_ack_packet<T>& out);
void decode_body(reader& r, std::uint8_t flags, subscribe& out);
void decode_body(reader& r, std::uint8_t flags, suback& out);
void decode_body(reader& r, std::uint8_t flags, unsubscribe& out);
void decode_body(reader& r, std::uint8_t flags, unsuback& out);
void decode_body(reader& r, std::uint8_t flags, pingreq& out);
void decode_body(reader& r, std::uint8_t flags, pingresp& out);
void decode_body(reader& r, std::uint8_t flags, disconnect& out);
void decode_body(reader& r, std::uint8_t flags, auth& out);

// Each put_body writes the variable header and payload (not the fixed header).
template <class W> void put_body(W& w, const connect& p, protocol_version v);
template <class W> void put_body(W& w, const connack& p, protocol_version v);
template <class W> void put_body(W& w, const publish& p, protocol_version v);
template <class W, packet_type T> void put_body(W& w, const pub_ack_packet<T>& p, protocol_version v);
template <class W> void put_body(W& w, const subscribe& p, protocol_version v);
template <class W> void put_body(W& w, const suback& p, protocol_version v);
template <class W> void put_body(W& w, const unsubscribe& p, protocol_version v);
template <class W> void put_body(W& w, const unsuback& p, protocol_version v);
template <class W> void put_body(W& w, const pingreq& p, protocol_version v);
template <class W> void put_body(W& w, const pingresp& p, protocol_version v);
template <class W> void put_body(W& w, const disconnect& p, protocol_version v);
template <class W> void put_body(W& w, const auth& p, protocol_version v);

// 5.0 packets whose tail may be cut short (section 3.4.2.1, 3.14.2.1, 3.15.2.1): reason code
// and properties are left out when the code is 0 and there are no properties, and the
// properties when there are none.
void decode_reason_tail(reader& r, property_context ctx, std::uint8_t& reason_code,
                        properties& props);
template <class W>
void put_reason_tail(W& w, std::uint8_t reason_code, const properties& props);

}  // namespace mqtt::codec::detail
