// Checks on strings and topics shared by the decoder, the encoder and the broker: UTF-8
// well-formedness (section 1.5.4 / 1.5.3), topic names and topic filters (section 4.7),
// shared subscription filters (5.0 section 4.8.2).
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

#include "mqtt/codec/error.hpp"

namespace mqtt::codec {

// A broken rule with the offset of the offending byte within the checked string.
struct violation {
  rule id;
  std::size_t offset;
};

std::optional<violation> check_utf8(std::string_view s);
std::optional<violation> check_topic_name(std::string_view topic);  // UTF-8, no wildcards
// UTF-8, non-empty, wildcard placement; in 5.0 also the $share/ShareName/filter form.
std::optional<violation> check_topic_filter(std::string_view filter, protocol_version v);

// "$share/group/filter" in 5.0: the group and the filter after it; nullopt otherwise.
struct shared_filter {
  std::string_view share_name;
  std::string_view filter;
};
std::optional<shared_filter> parse_shared_filter(std::string_view filter);

}  // namespace mqtt::codec
