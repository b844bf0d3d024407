// The normative statements of MQTT 3.1.1 and 5.0 by ID ("MQTT-3.8.1-1"): the lists of both
// standards, a check that an ID exists, and the ordering reports use.
#pragma once

#include <span>
#include <string_view>

#include "mqtt/codec/types.hpp"
#include "mqtt/spec/statement_id.hpp"

namespace mqtt::spec {

// Every statement ID of the version's standard (3.1 uses 3.1.1's), in section order:
// 141 for 3.1.1, 251 for 5.0.
std::span<const statement_id> statements(codec::protocol_version v);

// True when `id` is a statement of that version's standard.
bool is_statement(codec::protocol_version v, std::string_view id);
bool is_statement(codec::protocol_version v, statement_id id);

// True when `id` is a statement of either standard.
bool is_statement(std::string_view id);

// Orders IDs by their section numbers and index ("MQTT-3.1.2-10" after "MQTT-3.1.2-9").
bool statement_less(std::string_view a, std::string_view b);
inline bool statement_less(statement_id a, statement_id b) { return statement_less(a.text(), b.text()); }

}  // namespace mqtt::spec
