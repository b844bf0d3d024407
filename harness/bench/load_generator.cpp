// The load generator on Boost.Asio: one io_context thread drives every connection. Packets
// are built and parsed with the project's codec.
#include "bench/load_generator.hpp"

#include <algorithm>
#include <boost/asio.hpp>
#include <chrono>
#include <cstring>
#include <deque>
#include <functional>
#include <memory>
#include <stdexcept>

#include "mqtt/codec/decoder.hpp"
#include "mqtt/codec/encoder.hpp"

namespace harness::bench {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
namespace codec = mqtt::codec;
using clock_type = std::chrono::steady_clock;

constexpr std::size_t latency_samples_max = 20'000'000;  // bounds memory at 80 MB
constexpr std::size_t read_buffer_size = 64 * 1024;

std::uint64_t now_ns() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(clock_type::now().time_since_epoch()).count());
}

struct run_state;

// One MQTT connection: a socket, a decoder and a write buffer flushed one write at a time.
struct endpoint : std::enable_shared_from_this<endpoint> {
  endpoint(asio::io_context& io, run_state& run, codec::protocol_version v)
      : socket(io), run(run), version(v), decoder(make_options(v)), read_buffer(read_buffer_size) {}

  static codec::decode_options make_options(codec::protocol_version v) {
    codec::decode_options o;
    o.version = v;
    o.receiver = codec::receiver_role::client;
    o.adopt_connect_version = false;
    return o;
  }

  void send(const codec::packet& p) {
    codec::encode_unchecked(p, version, pending);
    flush();
  }
  void flush() {
    if (writing || pending.empty()) return;
    writing = true;
    in_flight.swap(pending);
    pending.clear();
    asio::async_write(socket, asio::buffer(in_flight), [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
      self->writing = false;
      self->in_flight.clear();
      if (ec) return self->fail(ec.message());
      self->flush();
    });
  }
  void read();
  void fail(const std::string& why);
  virtual void on_packet(const codec::packet& p) = 0;
  virtual ~endpoint() = default;

  tcp::socket socket;
  run_state& run;
  codec::protocol_version version;
  codec::stream_decoder decoder;
  std::vector<std::uint8_t> read_buffer;
  std::vector<std::uint8_t> pending;
  std::vector<std::uint8_t> in_flight;
  bool writing = false;
};

struct run_state {
  load_options opts;
  asio::io_context io;
  std::string topic = "bench/load";
  std::string payload_template;
  std::size_t ready_subscribers = 0;
  std::size_t ready_publishers = 0;
  bool publishing = false;
  bool measuring = false;
  bool stopping = false;
  std::uint64_t published = 0;
  std::uint64_t delivered = 0;
  std::uint64_t total_delivered = 0;
  // Deliveries written off as lost: a broker that drops messages (a full queue) would
  // otherwise stall publishers paced by delivery. Counted whenever nothing arrives for 500 ms.
  std::uint64_t written_off = 0;
  std::uint64_t lost = 0;
  std::vector<std::uint32_t> latencies_us;
  std::uint64_t errors = 0;
  std::string error_text;
  std::vector<std::shared_ptr<endpoint>> endpoints;
  std::function<void()> on_all_ready;
  std::vector<std::function<void()>> wake_publishers;
};

void endpoint::read() {
  socket.async_read_some(asio::buffer(read_buffer), [self = shared_from_this()](boost::system::error_code ec, std::size_t n) {
    if (ec) {
      if (!self->run.stopping) self->fail("read: " + ec.message());
      return;
    }
    auto failure = self->decoder.feed(std::span(self->read_buffer.data(), n),
                                      [&](const codec::packet& p) { self->on_packet(p); });
    if (failure) return self->fail("broker sent a malformed packet: " + std::string(failure->message()));
    self->read();
  });
}

void endpoint::fail(const std::string& why) {
  if (run.stopping) return;
  ++run.errors;
  if (run.error_text.empty()) run.error_text = why;
  run.stopping = true;
  run.io.stop();
}

codec::connect connect_packet(const std::string& id, codec::protocol_version v) {
  codec::connect c;
  c.version = v;
  c.client_id = id;
  c.clean_start = true;
  c.keep_alive_s = 60;
  return c;
}

struct subscriber final : endpoint {
  subscriber(asio::io_context& io, run_state& r, std::string id) : endpoint(io, r, r.opts.version), id(std::move(id)) {}
  void start() {
    send(connect_packet(id, version));
    read();
  }
  void on_packet(const codec::packet& p) override {
    if (const auto* pub = std::get_if<codec::publish>(&p)) {
      if (pub->qos == codec::qos::at_least_once) send(codec::puback{pub->packet_id, 0, {}});
      if (pub->qos == codec::qos::exactly_once) send(codec::pubrec{pub->packet_id, 0, {}});
      ++run.total_delivered;
      if (run.measuring) {
        ++run.delivered;
        std::uint64_t sent_ns = 0;
        if (pub->payload.size() >= 8) std::memcpy(&sent_ns, pub->payload.data(), 8);
        std::uint64_t latency_us = (now_ns() - sent_ns) / 1000;
        if (run.latencies_us.size() < latency_samples_max) {
          run.latencies_us.push_back(static_cast<std::uint32_t>(std::min<std::uint64_t>(latency_us, 0xFFFFFFFF)));
        }
      }
      for (auto& wake : run.wake_publishers) wake();
    } else if (const auto* rel = std::get_if<codec::pubrel>(&p)) {
      send(codec::pubcomp{rel->packet_id, 0, {}});
    } else if (const auto* ack = std::get_if<codec::connack>(&p)) {
      if (ack->reason_code != 0) return fail("subscriber refused with code " + std::to_string(ack->reason_code));
      codec::subscribe s;
      s.packet_id = 1;
      s.subscriptions.push_back({run.topic, {run.opts.qos, false, false, 0}});
      send(s);
    } else if (const auto* sub = std::get_if<codec::suback>(&p)) {
      if (sub->reason_codes.empty() || sub->reason_codes[0] >= 0x80) return fail("subscription refused");
      if (++run.ready_subscribers == run.opts.subscribers && run.on_all_ready) run.on_all_ready();
    }
  }
  std::string id;
};

struct publisher final : endpoint {
  publisher(asio::io_context& io, run_state& r, std::string id, std::size_t index)
      : endpoint(io, r, r.opts.version), id(std::move(id)), index(index) {}
  void start() {
    send(connect_packet(id, version));
    read();
  }
  // Messages this publisher may still send: at most `window` not yet seen by the subscribers
  // (deliveries are shared among publishers), and for QoS > 0 at most `window` unacknowledged.
  // Pacing by delivery keeps the broker's queues short, so latency measures processing, not
  // the depth of a queue the publishers outrun.
  bool may_send() const {
    if (run.opts.qos != codec::qos::at_most_once && unacked >= run.opts.window) return false;
    std::uint64_t expected = sent * run.opts.subscribers;
    return expected < received_share() + run.opts.window * run.opts.subscribers;
  }
  std::uint64_t received_share() const {
    return (run.total_delivered + run.written_off) / run.opts.publishers;
  }
  void pump() {
    if (!run.publishing || run.stopping) return;
    // Bounded: at most `window` messages per call.
    for (std::size_t n = 0; n < run.opts.window && may_send(); ++n) {
      std::uint64_t t = now_ns();
      std::memcpy(payload.data(), &t, 8);
      std::memcpy(payload.data() + 8, &sent, 8);
      codec::publish p;
      p.topic = run.topic;
      p.qos = run.opts.qos;
      p.payload = std::string_view(payload.data(), payload.size());
      if (p.qos != codec::qos::at_most_once) {
        next_id = static_cast<std::uint16_t>(next_id == 65'535 ? 1 : next_id + 1);
        p.packet_id = next_id;
        ++unacked;
      }
      send(p);
      ++sent;
      if (run.measuring) ++run.published;
    }
  }
  void on_packet(const codec::packet& p) override {
    if (std::holds_alternative<codec::puback>(p) || std::holds_alternative<codec::pubcomp>(p)) {
      if (unacked > 0) --unacked;
      pump();
    } else if (const auto* rec = std::get_if<codec::pubrec>(&p)) {
      send(codec::pubrel{rec->packet_id, 0, {}});
    } else if (const auto* ack = std::get_if<codec::connack>(&p)) {
      if (ack->reason_code != 0) return fail("publisher refused with code " + std::to_string(ack->reason_code));
      ++run.ready_publishers;
      if (run.on_all_ready) run.on_all_ready();
    }
  }
  std::string id;
  std::size_t index;
  std::string payload;
  std::uint64_t sent = 0;
  std::size_t unacked = 0;
  std::uint16_t next_id = 0;
};

double percentile(std::vector<std::uint32_t>& v, double p) {
  if (v.empty()) return 0;
  std::size_t k = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

}  // namespace

load_result run_load(const load_options& options) {
  if (options.payload_bytes < 16) throw std::runtime_error("payload must be at least 16 bytes");
  run_state run;
  run.opts = options;
  run.topic = "bench/" + std::to_string(now_ns() % 1'000'000);
  tcp::resolver resolver(run.io);
  auto target = resolver.resolve(options.host, std::to_string(options.port));

  std::vector<std::shared_ptr<subscriber>> subs;
  std::vector<std::shared_ptr<publisher>> pubs;
  for (std::size_t i = 0; i < options.subscribers; ++i) {
    subs.push_back(std::make_shared<subscriber>(run.io, run, "bench-sub-" + std::to_string(i)));
  }
  for (std::size_t i = 0; i < options.publishers; ++i) {
    auto p = std::make_shared<publisher>(run.io, run, "bench-pub-" + std::to_string(i), i);
    p->payload.assign(options.payload_bytes, 'x');
    pubs.push_back(p);
    run.wake_publishers.push_back([raw = p.get()] { raw->pump(); });
  }
  for (auto& s : subs) asio::connect(s->socket, target);
  for (auto& p : pubs) asio::connect(p->socket, target);
  for (auto& s : subs) s->socket.set_option(tcp::no_delay(true));
  for (auto& p : pubs) p->socket.set_option(tcp::no_delay(true));

  asio::steady_timer warmup(run.io), finish(run.io);
  clock_type::time_point measure_start;
  run.on_all_ready = [&] {
    if (run.publishing || run.ready_subscribers < options.subscribers || run.ready_publishers < options.publishers) return;
    run.publishing = true;
    for (auto& p : pubs) p->pump();
    warmup.expires_after(std::chrono::duration_cast<clock_type::duration>(std::chrono::duration<double>(options.warmup_s)));
    warmup.async_wait([&](boost::system::error_code) {
      run.measuring = true;
      measure_start = clock_type::now();
      finish.expires_after(std::chrono::duration_cast<clock_type::duration>(std::chrono::duration<double>(options.duration_s)));
      finish.async_wait([&](boost::system::error_code) {
        run.measuring = false;
        run.stopping = true;
        run.io.stop();
      });
    });
  };
  // Stall detector: nothing delivered for 500 ms while publishing means the broker dropped
  // what is outstanding; write it off so pacing resumes, and report it as lost.
  asio::steady_timer stall(run.io);
  std::uint64_t last_seen = 0;
  std::function<void()> watch = [&] {
    stall.expires_after(std::chrono::milliseconds(500));
    stall.async_wait([&](boost::system::error_code ec) {
      if (ec || run.stopping) return;
      if (run.publishing && run.total_delivered == last_seen) {
        std::uint64_t sent = 0;
        for (auto& p : pubs) sent += p->sent;
        std::uint64_t expected = sent * options.subscribers;
        std::uint64_t accounted = run.total_delivered + run.written_off;
        if (expected > accounted) {
          run.lost += expected - accounted;
          run.written_off += expected - accounted;
          for (auto& p : pubs) p->pump();
        }
      }
      last_seen = run.total_delivered;
      watch();
    });
  };
  watch();
  for (auto& s : subs) s->start();
  for (auto& p : pubs) p->start();
  // The whole run is bounded: setup must finish within 30 s, then warm-up plus duration.
  asio::steady_timer guard(run.io);
  guard.expires_after(std::chrono::seconds(30) + std::chrono::duration_cast<std::chrono::seconds>(
                                                     std::chrono::duration<double>(options.warmup_s + options.duration_s)));
  guard.async_wait([&](boost::system::error_code ec) {
    if (ec) return;
    if (run.error_text.empty()) run.error_text = "run did not finish in time";
    ++run.errors;
    run.io.stop();
  });
  run.io.run();
  double seconds = std::chrono::duration<double>(clock_type::now() - measure_start).count();

  load_result r;
  r.errors = run.errors;
  r.lost = run.lost;
  r.error_text = run.error_text;
  r.published = run.published;
  r.delivered = run.delivered;
  r.seconds = measure_start == clock_type::time_point{} ? 0 : seconds;
  r.msgs_per_s = r.seconds > 0 ? static_cast<double>(r.delivered) / r.seconds : 0;
  r.p50_us = percentile(run.latencies_us, 0.50);
  r.p99_us = percentile(run.latencies_us, 0.99);
  r.max_us = run.latencies_us.empty() ? 0 : *std::max_element(run.latencies_us.begin(), run.latencies_us.end());
  return r;
}

}  // namespace harness::bench
