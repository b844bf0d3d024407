// The public face of the client core: each call records `now` and forwards to the state, which
// appends its events; plus the pieces every part shares (packet identifiers, sending).
#include "mqtt/client/client.hpp"

#include <stdexcept>
#include <string>
#include <utility>

#include "mqtt/codec/encoder.hpp"
#include "state.hpp"

namespace mqtt::client {
namespace detail {

bool packet_id_set::insert(std::uint16_t id) {
  MQTT_ASSERT(id != 0);
  if (used_[id]) return false;
  used_[id] = true;
  ++count_;
  return true;
}

void packet_id_set::erase(std::uint16_t id) {
  if (!used_[id]) return;
  used_[id] = false;
  --count_;
}

void packet_id_set::clear() {
  used_.assign(used_.size(), false);
  count_ = 0;
}

std::optional<std::uint16_t> packet_id_set::allocate() {
  if (count_ >= packet_id_count) return std::nullopt;
  // At most one lap of the identifier space: some identifier is free.
  for (std::uint32_t step = 0; step < packet_id_count; ++step) {
    last_ = last_ == packet_id_count ? std::uint16_t{1} : static_cast<std::uint16_t>(last_ + 1);
    if (insert(last_)) return last_;
  }
  MQTT_ASSERT(false && "a free packet identifier exists when count_ < packet_id_count");
  return std::nullopt;
}

}  // namespace detail

namespace {

// Rejects options no CONNECT could carry; these are the caller's mistakes, so they throw.
void check_options(const options& o) {
  const auto v = o.version;
  if (v != codec::protocol_version::v3_1 && v != codec::protocol_version::v3_1_1 &&
      v != codec::protocol_version::v5) {
    throw std::invalid_argument("client options: unknown protocol version");
  }
  if (o.inflight_max == 0) throw std::invalid_argument("client options: inflight_max is 0");
  if (o.maximum_packet_size == 0) {
    throw std::invalid_argument("client options: maximum_packet_size is 0");
  }
  // 5.0 §3.1.2.11.3: a Receive Maximum of 0 is a Protocol Error.
  if (o.receive_maximum == 0) throw std::invalid_argument("client options: receive_maximum is 0");
  // 3.1.1 MQTT-3.1.3-7: a zero-length ClientId needs CleanSession=1.
  if (v != codec::protocol_version::v5 && o.client_id.empty() && !o.clean_start) {
    throw std::invalid_argument("client options: empty client_id needs clean_start (MQTT-3.1.3-7)");
  }
  // 3.1.1 MQTT-3.1.2-22: no password without a user name.
  if (v != codec::protocol_version::v5 && o.password && !o.user_name) {
    throw std::invalid_argument("client options: password without user_name (MQTT-3.1.2-22)");
  }
}

}  // namespace

client::state::state(options o)
    : opts(std::move(o)),
      version(opts.version),
      client_id(opts.client_id),
      session_expiry_s(opts.session_expiry_interval_s) {
  check_options(opts);
  // The CONNECT must encode; a will topic with a wildcard or an overlong field fails here.
  clean_start_sent = opts.clean_start;
  if (std::optional<codec::error> e = encode_error(make_connect())) {
    throw std::invalid_argument("client options: CONNECT cannot be encoded: " +
                                std::string(e->message()));
  }
}

std::optional<codec::error> client::state::encode_error(const codec::packet& p) {
  scratch.clear();
  codec::result<std::size_t> r = codec::encode(p, version, scratch);
  // Keep a small buffer for the next check, not the largest message ever published.
  if (scratch.capacity() > scratch_capacity_max) std::vector<std::uint8_t>().swap(scratch);
  if (!r) return r.err();
  return std::nullopt;
}

std::vector<std::uint8_t>& client::state::out_bytes() {
  if (events.empty() || !std::holds_alternative<send_bytes>(events.back())) {
    events.emplace_back(send_bytes{});
  }
  return std::get<send_bytes>(events.back()).bytes;
}

bool client::state::send(const codec::packet& p) {
  MQTT_ASSERT(open());
  // 5.0 MQTT-3.2.2-15: nothing beyond the broker's Maximum Packet Size.
  const std::size_t size = codec::encoded_size(p, version);
  if (size > broker_packet_size_max) return false;
  // Unchecked: what came from the caller passed encode_error when it was accepted, and the
  // rest (acknowledgements, PINGREQ, DISCONNECT) is built here from valid parts. The fuzz
  // target decodes every byte sent to hold this.
  std::vector<std::uint8_t>& out = out_bytes();
  const std::size_t written = codec::encode_unchecked(p, version, out);
  MQTT_ASSERT(written == size);
  last_sent = now;
  return true;
}

client::client(options opts) : state_(std::make_unique<state>(std::move(opts))) {}
client::~client() = default;
client::client(client&&) noexcept = default;
client& client::operator=(client&&) noexcept = default;

void client::on_transport_open(clock_ms now) {
  state_->now = now;
  state_->transport_open();
}

void client::on_bytes(std::span<const std::uint8_t> bytes, clock_ms now) {
  state_->now = now;
  state_->bytes_received(bytes);
}

void client::on_transport_closed(clock_ms now) {
  state_->now = now;
  state_->transport_closed();
}

void client::on_timer(clock_ms now) {
  state_->now = now;
  state_->timer();
}

std::optional<clock_ms> client::next_deadline() const { return state_->deadline(); }

std::optional<std::uint16_t> client::publish(message msg, clock_ms now) {
  state_->now = now;
  return state_->publish(std::move(msg));
}

std::optional<std::uint16_t> client::subscribe(std::vector<subscription_request> subs,
                                               std::optional<std::uint32_t> subscription_id,
                                               clock_ms now) {
  state_->now = now;
  detail::request r;
  r.is_subscribe = true;
  r.subs = std::move(subs);
  r.subscription_id = subscription_id;
  return state_->add_request(std::move(r));
}

std::optional<std::uint16_t> client::unsubscribe(std::vector<std::string> filters, clock_ms now) {
  state_->now = now;
  detail::request r;
  r.is_subscribe = false;
  r.filters = std::move(filters);
  return state_->add_request(std::move(r));
}

void client::disconnect(std::uint8_t reason_code, clock_ms now) {
  state_->now = now;
  state_->user_disconnect(reason_code);
}

std::vector<event> client::take_events() {
  std::vector<event> out;
  out.swap(state_->events);
  return out;
}

void client::set_last_will(std::optional<will> w) {
  std::optional<will> old = std::move(state_->opts.last_will);
  state_->opts.last_will = std::move(w);
  if (std::optional<codec::error> e = state_->encode_error(state_->make_connect())) {
    state_->opts.last_will = std::move(old);
    throw std::invalid_argument("set_last_will: CONNECT cannot be encoded: " +
                                std::string(e->message()));
  }
}

bool client::is_connected() const { return state_->ph == state::phase::connected; }
std::size_t client::inflight_count() const { return state_->inflight.size(); }
std::size_t client::pending_count() const { return state_->pending.size(); }
const options& client::config() const { return state_->opts; }

}  // namespace mqtt::client
