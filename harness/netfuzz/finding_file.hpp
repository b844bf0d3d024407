// Replay files: a finding's cases (usually one, shrunk), the verdict they showed and the
// evidence (what each connection sent and received, the broker's exit and log), as JSON; and
// replaying one against a broker, which says whether the finding shows again.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <boost/json/object.hpp>

#include "netfuzz/executor.hpp"
#include "netfuzz/judge.hpp"

namespace harness::netfuzz {

inline constexpr std::string_view finding_format = "mqtt-harness fuzz finding 1";

struct finding_file {
  verdict v;
  std::vector<fuzz_case> cases;  // played in order, one at a time
  std::uint32_t case_deadline_ms = 1'000;
  boost::json::object evidence;  // free-form: records, broker exit and log
};

boost::json::object to_json(const finding_file& f);
// Reads a replay file; nullopt with `error` when it is not one.
std::optional<finding_file> read_finding(const std::string& path, std::string& error);
// Whether the JSON text is a fuzz replay file (its "format").
bool is_finding_json(const boost::json::object& o);

// The evidence of one case: each used connection's bytes both ways (hex) and how it ended.
boost::json::object record_json(const case_record& r);

// A file name for a signature: letters, digits, '-' and '.', the rest '_'.
std::string file_name_for(const std::string& signature);

}  // namespace harness::netfuzz
