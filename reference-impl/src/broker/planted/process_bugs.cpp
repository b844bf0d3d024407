// The planted process bugs, modelled on mosquitto CVEs: they crash or leak the broker process,
// so only mqtt-ref-broker-planted takes them (the network fuzzer's known-bug benchmark).
// Compiled only into mqtt_broker_planted.
#include "broker/state.hpp"

namespace mqtt::broker {

void broker::state::planted_crash(planted_bug bug) const {
  if (planted != bug) return;
  // A write through a null pointer, as the original bugs did: SIGSEGV, or AddressSanitizer's
  // SEGV report where the broker was built with it.
  volatile int* nowhere = nullptr;
  *nowhere = 1;
}

bool broker::state::planted_holds_first_packet(connection& c, std::span<const std::uint8_t> bytes, clock_ms now) {
  if (planted != planted_bug::first_packet_allocation || c.at != connection::phase::awaiting_connect) return false;
  if (!c.planted_first) {
    if (c.decoder.offset() != 0 || c.decoder.mid_packet() || bytes.size() < 2 || bytes[0] >> 4 == 1) return false;
    std::size_t length = 0, scale = 1, at = 1;
    for (; at < bytes.size() && at < 5; ++at) {
      length += (bytes[at] & 0x7FU) * scale;
      scale *= 128;
      if ((bytes[at] & 0x80) == 0) break;
    }
    if (at >= bytes.size() || at >= 5) return false;
    c.planted_first = std::make_unique<planted_first_packet>();
    c.planted_first->buffer.assign(length, 0);  // the bug: sized by the declared length alone
    bytes = bytes.subspan(at + 1);
  }
  planted_first_packet& f = *c.planted_first;
  const std::size_t take = std::min(bytes.size(), f.buffer.size() - f.filled);
  std::copy_n(bytes.begin(), take, f.buffer.begin() + static_cast<std::ptrdiff_t>(f.filled));
  f.filled += take;
  if (f.filled == f.buffer.size()) {
    // Whole at last: refused as any first packet other than CONNECT is (MQTT-3.1.0-1).
    c.planted_first.reset();
    log(log_level::warning, &c, "first packet is not CONNECT", "MQTT-3.1.0-1");
    close(c, close_reason::protocol_violation, now);
  }
  return true;
}

void broker::state::planted_leak(const codec::publish& p) const {
  if (planted != planted_bug::qos2_reused_id_leak) return;
  auto* lost = new std::string(p.payload);
  // Keeps the compiler from eliding the allocation; the pointer is then dropped.
  __asm__ __volatile__("" : : "r"(lost) : "memory");
}

}  // namespace mqtt::broker
