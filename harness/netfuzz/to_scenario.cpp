// The scenario form of a finding. A refusal the broker skipped (it answered, or kept the
// connection open after a packet it had to refuse) expects the close, 5.0 allowing a DISCONNECT
// or CONNACK with an error reason first; a missing answer expects that answer; a crash, hang or
// memory event expects a fresh connection to be accepted afterwards.
#include "netfuzz/to_scenario.hpp"

#include <sstream>

#include "mqtt/codec/decoder.hpp"
#include "wire/hex.hpp"

namespace harness::netfuzz {
namespace {

namespace codec = mqtt::codec;

std::string hex_of(const byte_vector& b) {
  return wire::to_hex(std::string_view(reinterpret_cast<const char*>(b.data()), b.size()));
}

// The codec's rule that the first malformed packet of the case breaks, for the `malformed` line.
std::string first_rule(const fuzz_case& c) {
  for (std::uint8_t k = 0; k < case_connections_max; ++k) {
    byte_vector all;
    for (const step& s : c.steps) {
      if (s.conn == k && s.k == step::kind::write) all.insert(all.end(), s.bytes.begin(), s.bytes.end());
    }
    codec::stream_decoder d({.version = c.version, .receiver = codec::receiver_role::server});
    if (auto e = d.feed(all, [](const codec::packet&) {})) return std::string(codec::info(e->id).name);
  }
  return "";
}

std::string answer_to(const std::string& request) {
  if (request == "PINGREQ") return "PINGRESP";
  if (request == "SUBSCRIBE") return "SUBACK";
  if (request == "UNSUBSCRIBE") return "UNSUBACK";
  if (request == "PUBREL") return "PUBCOMP";
  return "";
}

}  // namespace

scenario_text to_scenario(const finding_file& f, const std::string& id, const std::string& found) {
  if (f.cases.size() != 1) return {std::nullopt, "the finding holds " + std::to_string(f.cases.size()) + " cases (no single case shows it)"};
  const fuzz_case& c = f.cases.front();
  const bool v5 = c.version == codec::protocol_version::v5;
  const std::string& d = f.v.detail;
  enum class expect { closed, answer, alive } kind = expect::closed;
  std::string answer;
  if (f.v.kind != oracle::violation) {
    kind = expect::alive;
  } else if (d.find("kept the connection open after") != std::string::npos || d.find("instead of closing") != std::string::npos ||
             d.find("kept it open") != std::string::npos) {
    kind = expect::closed;
  } else if (d.find("did not answer") != std::string::npos || d.find(" and kept the connection open") != std::string::npos) {
    kind = expect::answer;
    answer = answer_to(f.v.packet_type);
    if (answer.empty()) return {std::nullopt, "no scenario form for a missing answer to " + f.v.packet_type};
  } else {
    return {std::nullopt, "no scenario form for this violation (" + f.v.signature() + "); replay it with 'mqtt-harness replay'"};
  }
  std::size_t conn = f.v.conn;
  std::ostringstream s;
  s << "# Found by mqtt-harness fuzz: " << d << "\n";
  if (!f.v.statement.starts_with("MQTT-") && f.v.statement != "-") {
    s << "# The rule is stated in " << f.v.statement << ", which numbers no statement for it.\n";
  }
  s << "# Replay file: signature " << f.v.signature() << ", case " << c.number << " (" << c.origin << "; " << c.mutation << ").\n";
  const std::string what = f.v.packet_type == "-" ? std::string("the packets") : "the " + f.v.packet_type;
  s << "scenario " << id << " \"" << (kind == expect::alive ? "The broker survives " : "The broker refuses ") << what
    << " that case " << c.number << " of a fuzz campaign sends\"\n";
  s << "found    \"" << found << "\"\n";
  // A rule the standard states without a numbered statement is cited by the one that makes the
  // receiver close on it (3.1.1 MQTT-4.8.0-1, 5.0 MQTT-4.13.1-1), as the suite's own scenarios do.
  s << "spec     " << (f.v.statement.starts_with("MQTT-") ? f.v.statement : std::string(v5 ? "MQTT-4.13.1-1" : "MQTT-4.8.0-1")) << "\n";
  s << "version  " << (v5 ? "5" : "3.1.1") << "\n";
  if (std::string rule = first_rule(c); !rule.empty()) s << "malformed " << rule << "\n";
  bool opened[case_connections_max] = {};
  for (const step& st : c.steps) {
    const std::string name = "c" + std::to_string(st.conn);
    if (st.delay_ms > 0) s << "wait     " << st.delay_ms << "ms\n";
    if (st.k == step::kind::close) {
      s << "close    " << name << "\n";
      continue;
    }
    if (!opened[st.conn]) {
      s << "open     " << name << "\n";
      opened[st.conn] = true;
    }
    s << "send     " << name << " raw \"" << hex_of(st.bytes) << "\"\n";
  }
  const std::string target = "c" + std::to_string(conn);
  switch (kind) {
    case expect::closed:
      if (v5) {
        s << "expect   " << target << " one of {\n"
          << "  closed                              => pass\n"
          << "  DISCONNECT reason>=0x80 then closed => pass\n"
          << "  CONNACK reason>=0x80 then closed    => pass\n"
          << "} within 3s\n";
      } else {
        s << "expect   " << target << " closed within 3s\n";
      }
      break;
    case expect::answer:
      s << "send     " << target << " PINGREQ\n";
      s << "expect   " << target << " " << answer << " within 3s\n";
      break;
    case expect::alive:
      s << "wait     500ms\n";
      s << "connect  after\n";
      s << "require  after CONNACK reason=0\n";
      break;
  }
  return {s.str(), ""};
}

}  // namespace harness::netfuzz
