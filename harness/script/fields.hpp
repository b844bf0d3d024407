// The field names a scenario may write, per packet type: the names `mqtt-harness decode` prints
// (the standard's terms in snake_case), 5.0 properties by name, and a few short aliases.
#pragma once

#include <optional>
#include <string_view>

#include "mqtt/codec/types.hpp"

namespace harness::script {

// "PUBLISH" -> publish; nullopt for anything else.
std::optional<mqtt::codec::packet_type> packet_type_from(std::string_view name);

// May `send` set this field on a packet of this type? (`filter` and its options repeat on
// SUBSCRIBE; `user_property` and `subscription_identifier` repeat anywhere.)
bool sendable_field(mqtt::codec::packet_type t, std::string_view name);

// May `expect` match this field of a packet of this type? Paths into lists and objects
// (`reason_codes.0`, `properties.user_properties`) are checked by their first part.
bool matchable_field(mqtt::codec::packet_type t, std::string_view name);

// `scram.user`, `scram.password`, `scram.proof`: a CONNECT or AUTH 0x19 the interpreter turns
// into a SCRAM-SHA-256 exchange it completes as a client would (scenarios/README.md).
bool is_scram_field(std::string_view name);

// A 5.0 property's name as `decode` prints it ("message_expiry_interval").
bool is_property_name(std::string_view name);

}  // namespace harness::script
