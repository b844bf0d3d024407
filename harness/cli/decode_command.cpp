// `mqtt-harness decode [--protocol 3.1|3.1.1|5] [HEX ...]`: decodes a hex dump of an MQTT
// byte stream (from the arguments, or stdin when there are none) into JSON Lines.
// Exit status: 0 all decoded, 1 malformed packet, 2 usage error, 3 input ends inside a packet.
#include "cli/decode_command.hpp"

#include <boost/json/serialize.hpp>
#include <iostream>
#include <iterator>
#include <optional>
#include <string>

#include "wire/hex.hpp"
#include "wire/packet_json.hpp"
#include "mqtt/codec/decoder.hpp"

namespace harness::cli {
namespace {

namespace codec = mqtt::codec;
using wire::parse_hex;
using wire::hex_error;
using wire::to_json;

constexpr int exit_ok = 0;
constexpr int exit_malformed = 1;
constexpr int exit_usage = 2;
constexpr int exit_incomplete = 3;

constexpr std::string_view usage =
    "usage: mqtt-harness decode [--protocol 3.1|3.1.1|5] [HEX ...]\n"
    "  Decodes an MQTT byte stream given as hex (arguments, or stdin when none;\n"
    "  whitespace and ':' are ignored) and prints one JSON object per packet.\n"
    "  The protocol defaults to 3.1.1; a stream that begins with CONNECT uses the\n"
    "  CONNECT's protocol level.\n"
    "  Exit status: 0 all decoded, 1 malformed packet, 2 usage error,\n"
    "  3 input ends inside a packet.\n";

std::optional<codec::protocol_version> parse_protocol(std::string_view s) {
  if (s == "3.1" || s == "3" || s == "mqttv31") return codec::protocol_version::v3_1;
  if (s == "3.1.1" || s == "4" || s == "mqttv311") return codec::protocol_version::v3_1_1;
  if (s == "5" || s == "5.0" || s == "mqttv5") return codec::protocol_version::v5;
  return std::nullopt;
}

int usage_error(std::string_view message) {
  std::cerr << "mqtt-harness decode: " << message << "\n" << usage;
  return exit_usage;
}

}  // namespace

int decode_command(std::span<const std::string_view> args) {
  codec::decode_options options;
  std::string text;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string_view a = args[i];
    if (a == "-h" || a == "--help") {
      std::cout << usage;
      return exit_ok;
    }
    if (a == "--protocol" || a == "-V") {
      if (i + 1 == args.size()) return usage_error("--protocol needs a value");
      auto v = parse_protocol(args[++i]);
      if (!v) return usage_error("unknown protocol version: " + std::string(args[i]));
      options.version = *v;
    } else if (a.starts_with("--protocol=")) {
      auto v = parse_protocol(a.substr(11));
      if (!v) return usage_error("unknown protocol version: " + std::string(a.substr(11)));
      options.version = *v;
    } else if (a.starts_with("-") && a.size() > 1) {
      return usage_error("unknown option: " + std::string(a));
    } else {
      text.append(a).push_back(' ');
    }
  }
  bool from_stdin = text.empty();
  if (from_stdin) text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());

  std::optional<hex_error> hex_problem;
  std::vector<std::uint8_t> bytes = parse_hex(text, hex_problem);
  if (hex_problem) {
    return usage_error(hex_problem->message + (from_stdin ? " in stdin" : " in the arguments") +
                       " at character " + std::to_string(hex_problem->position));
  }

  codec::stream_decoder decoder(options);
  std::optional<codec::error> failure = decoder.feed(bytes, [&](const codec::packet& p) {
    boost::json::object o = to_json(p, decoder.version());
    o["offset"] = decoder.last_packet_offset();
    o["length"] = decoder.last_packet_size();
    std::cout << boost::json::serialize(o) << "\n";
  });
  if (failure) {
    std::cout << boost::json::serialize(to_json(*failure)) << "\n";
    return exit_malformed;
  }
  if (decoder.mid_packet()) {
    boost::json::object o;
    o["error"] = "input ends inside a packet";
    o["offset"] = decoder.offset();
    o["incomplete"] = true;
    std::cout << boost::json::serialize(o) << "\n";
    return exit_incomplete;
  }
  return exit_ok;
}

}  // namespace harness::cli
