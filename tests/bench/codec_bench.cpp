// Codec throughput: stream decoding and encoding of PUBLISH packets, beside a memcpy of the
// same bytes, the ceiling for any decoder that has to touch every byte once.
//
// Each benchmark works on one buffer of `stream_packets` packets; every one reports
// packets/s (a rate counter) and bytes/s (SetBytesProcessed) so that runs compare directly.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "mqtt/codec/decoder.hpp"
#include "mqtt/codec/encoder.hpp"
#include "mqtt/codec/packet.hpp"

namespace {

namespace codec = mqtt::codec;

constexpr std::size_t stream_packets = 10'000;
constexpr std::size_t small_payload_size = 16;
constexpr std::size_t large_payload_size = 1024;
constexpr std::size_t tcp_segment_size = 1460;  // an Ethernet MSS: how bytes arrive off a socket
constexpr std::string_view topic = "sensors/building-7/floor-3/room-12/temperature";

// A buffer of encoded PUBLISH packets and the packets themselves (their views point into
// `payload`, which outlives them).
struct publish_stream {
  codec::protocol_version version = codec::protocol_version::v3_1_1;
  std::string payload;
  std::vector<codec::packet> packets;
  std::vector<std::uint8_t> bytes;
};

[[noreturn]] void setup_failed(const char* what) {
  std::fprintf(stderr, "codec-bench: %s\n", what);
  std::abort();
}

// QoS 1 PUBLISH packets with distinct packet identifiers; with_properties adds the 5.0
// properties a typical application message carries.
publish_stream make_stream(codec::protocol_version version, std::size_t payload_size,
                           bool with_properties) {
  publish_stream s;
  s.version = version;
  s.payload.resize(payload_size);
  for (std::size_t i = 0; i < payload_size; ++i) s.payload[i] = static_cast<char>('a' + i % 26);
  s.packets.reserve(stream_packets);
  for (std::size_t i = 0; i < stream_packets; ++i) {
    codec::publish p;
    p.qos = codec::qos::at_least_once;
    p.topic = topic;
    p.packet_id = static_cast<std::uint16_t>(i % 65'535 + 1);
    p.payload = s.payload;
    if (with_properties) {
      p.props.payload_format_indicator = 1;
      p.props.message_expiry_interval_s = 3600;
      p.props.content_type = "application/json";
      p.props.user_properties.emplace_back("trace-id", "4bf92f3577b34da6a3ce929d0e0e4736");
    }
    s.packets.emplace_back(std::move(p));
  }
  for (const codec::packet& p : s.packets) {
    if (!codec::encode(p, version, s.bytes)) setup_failed("encode refused a benchmark packet");
  }
  return s;
}

// The streams are built once, outside any timed region; state.range(0) is the payload size.
const publish_stream& v311_stream(const benchmark::State& state) {
  static const publish_stream small = make_stream(codec::protocol_version::v3_1_1, small_payload_size, false);
  static const publish_stream large = make_stream(codec::protocol_version::v3_1_1, large_payload_size, false);
  return state.range(0) == static_cast<std::int64_t>(large_payload_size) ? large : small;
}

const publish_stream& v5_stream(const benchmark::State& state) {
  static const publish_stream small = make_stream(codec::protocol_version::v5, small_payload_size, true);
  static const publish_stream large = make_stream(codec::protocol_version::v5, large_payload_size, true);
  return state.range(0) == static_cast<std::int64_t>(large_payload_size) ? large : small;
}

void report(benchmark::State& state, const publish_stream& s) {
  const auto iterations = static_cast<double>(state.iterations());
  state.counters["packets"] = benchmark::Counter(iterations * static_cast<double>(s.packets.size()),
                                                 benchmark::Counter::kIsRate);
  state.counters["packet_bytes"] = static_cast<double>(s.bytes.size()) / static_cast<double>(s.packets.size());
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(s.bytes.size()));
}

// Feeds the whole buffer to a fresh stream_decoder, `chunk_size` bytes at a time (0: in one
// call). The sink sums payload sizes so that every packet is really looked at.
void decode_stream(benchmark::State& state, const publish_stream& s, std::size_t chunk_size) {
  codec::decode_options options;
  options.version = s.version;
  options.adopt_connect_version = false;
  const std::span<const std::uint8_t> all(s.bytes);
  for (auto _ : state) {
    codec::stream_decoder decoder(options);
    std::size_t payload_bytes = 0;
    std::size_t packets = 0;
    auto sink = [&](const codec::packet& p) {
      if (const auto* pub = std::get_if<codec::publish>(&p)) payload_bytes += pub->payload.size();
      ++packets;
    };
    std::optional<codec::error> failure;
    if (chunk_size == 0) {
      failure = decoder.feed(all, sink);
    } else {
      for (std::size_t at = 0; at < all.size() && !failure; at += chunk_size) {
        failure = decoder.feed(all.subspan(at, std::min(chunk_size, all.size() - at)), sink);
      }
    }
    if (failure || packets != s.packets.size()) {
      state.SkipWithError("the benchmark stream did not decode");
      break;
    }
    benchmark::DoNotOptimize(payload_bytes);
  }
  report(state, s);
}

void decode_v311_publish(benchmark::State& state) {
  decode_stream(state, v311_stream(state), 0);
}

void decode_v311_publish_segmented(benchmark::State& state) {
  decode_stream(state, v311_stream(state), tcp_segment_size);
}

void decode_v5_publish_props(benchmark::State& state) {
  decode_stream(state, v5_stream(state), 0);
}

void copy_stream(benchmark::State& state, const publish_stream& s) {
  std::vector<std::uint8_t> copy(s.bytes.size());
  for (auto _ : state) {
    std::memcpy(copy.data(), s.bytes.data(), s.bytes.size());
    benchmark::DoNotOptimize(copy.data());
    benchmark::ClobberMemory();
  }
  report(state, s);
}

void memcpy_v311_publish(benchmark::State& state) {
  copy_stream(state, v311_stream(state));
}

void memcpy_v5_publish_props(benchmark::State& state) {
  copy_stream(state, v5_stream(state));
}

void encode_stream(benchmark::State& state, const publish_stream& s) {
  std::vector<std::uint8_t> out;
  out.reserve(s.bytes.size());
  for (auto _ : state) {
    out.clear();
    for (const codec::packet& p : s.packets) {
      if (!codec::encode(p, s.version, out)) {
        state.SkipWithError("encode refused a benchmark packet");
        break;
      }
    }
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  if (out.size() != s.bytes.size()) state.SkipWithError("encode wrote a different stream");
  report(state, s);
}

void encode_v311_publish(benchmark::State& state) {
  encode_stream(state, v311_stream(state));
}

void encode_v5_publish_props(benchmark::State& state) {
  encode_stream(state, v5_stream(state));
}

constexpr auto small_arg = static_cast<std::int64_t>(small_payload_size);
constexpr auto large_arg = static_cast<std::int64_t>(large_payload_size);

}  // namespace

BENCHMARK(decode_v311_publish)->ArgName("payload")->Arg(small_arg)->Arg(large_arg)->Unit(benchmark::kMicrosecond);
BENCHMARK(memcpy_v311_publish)->ArgName("payload")->Arg(small_arg)->Arg(large_arg)->Unit(benchmark::kMicrosecond);
BENCHMARK(decode_v311_publish_segmented)->ArgName("payload")->Arg(small_arg)->Arg(large_arg)->Unit(benchmark::kMicrosecond);
BENCHMARK(encode_v311_publish)->ArgName("payload")->Arg(small_arg)->Arg(large_arg)->Unit(benchmark::kMicrosecond);
BENCHMARK(decode_v5_publish_props)->ArgName("payload")->Arg(small_arg)->Arg(large_arg)->Unit(benchmark::kMicrosecond);
BENCHMARK(memcpy_v5_publish_props)->ArgName("payload")->Arg(small_arg)->Arg(large_arg)->Unit(benchmark::kMicrosecond);
BENCHMARK(encode_v5_publish_props)->ArgName("payload")->Arg(small_arg)->Arg(large_arg)->Unit(benchmark::kMicrosecond);

BENCHMARK_MAIN();
