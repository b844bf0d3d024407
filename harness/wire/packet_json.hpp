// JSON form of decoded packets and codec errors, as printed by `mqtt-harness decode`.
#pragma once

#include <boost/json/object.hpp>

#include "mqtt/codec/error.hpp"
#include "mqtt/codec/packet.hpp"

namespace harness::wire {

// {"type": "PUBLISH", "flags": 2, ...every field and property}.
boost::json::object to_json(const mqtt::codec::packet& p, mqtt::codec::protocol_version v);
// {"error": sentence, "statement": ID, "reason_code": n, "reason": name, "offset": n, ...}.
boost::json::object to_json(const mqtt::codec::error& e);

// What people read of a packet's JSON: without its type and flags, an empty property list, or
// the hex twin of a text payload. Messages and reports print the type before it.
boost::json::object readable_fields(const boost::json::object& packet);

}  // namespace harness::wire
