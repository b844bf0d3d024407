// `mqtt-harness decode [--protocol 3.1|3.1.1|5] [HEX ...]`: decodes a hex dump of an MQTT
// byte stream (from the arguments, or stdin when there are none) into JSON Lines.
// Exit status: 0 all decoded, 1 malformed packet, 2 usage error, 3 input ends inside a packet.
#include "cli/decode_command.hpp"

#include <boost/json/serialize.hpp>
#include <iostream>
#include <iterator>
#include <optional>
#include <string>

#include "cli/options.hpp"
#include "wire/hex.hpp"
#include "wire/packet_json.hpp"
#include "mqtt/codec/decoder.hpp"

namespace harness::cli {
namespace {

namespace codec = mqtt::codec;
using wire::parse_hex;
using wire::hex_error;
using wire::to_json;

constexpr int exit_ok = exit_pass;
constexpr int exit_malformed = exit_fail;
constexpr int exit_incomplete = 3;

constexpr std::string_view description =
    "Decodes an MQTT byte stream given as hex (arguments, or stdin when none;\n"
    "whitespace and ':' are ignored) and prints one JSON object per packet.\n"
    "The protocol defaults to 3.1.1; a stream that begins with CONNECT uses the\n"
    "CONNECT's protocol level.";

constexpr std::string_view footer =
    "Exit status: 0 all decoded, 1 malformed packet, 2 usage error,\n"
    "3 input ends inside a packet.";

std::optional<codec::protocol_version> parse_protocol(std::string_view s) {
  if (s == "3.1" || s == "3" || s == "mqttv31") return codec::protocol_version::v3_1;
  if (s == "3.1.1" || s == "4" || s == "mqttv311") return codec::protocol_version::v3_1_1;
  if (s == "5" || s == "5.0" || s == "mqttv5") return codec::protocol_version::v5;
  return std::nullopt;
}

}  // namespace

int decode_command(std::span<const std::string_view> args) {
  CLI::App app{std::string(description), "mqtt-harness decode"};
  app.footer(std::string(footer));
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  codec::decode_options options;
  std::vector<std::string> words;
  app.add_option_function<std::string>(
         "--protocol,-V", [&options](const std::string& v) { options.version = *parse_protocol(v); },
         "the protocol of a stream that does not begin with CONNECT (default 3.1.1)")
      ->type_name("3.1|3.1.1|5")
      ->check(CLI::Validator(
          [](std::string& v) { return parse_protocol(v) ? std::string() : "unknown protocol version: " + v; }, ""));
  app.add_option("HEX", words, "the bytes, in hex")->type_name("");
  if (auto status = parse(app, args)) return *status;
  std::string text;
  for (const std::string& w : words) text.append(w).push_back(' ');
  bool from_stdin = text.empty();
  if (from_stdin) text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());

  std::optional<hex_error> hex_problem;
  std::vector<std::uint8_t> bytes = parse_hex(text, hex_problem);
  if (hex_problem) {
    return usage_error(app, hex_problem->message + (from_stdin ? " in stdin" : " in the arguments") +
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
