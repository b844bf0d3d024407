// The broker's durable state as bytes (persistence): sessions with their subscriptions,
// inflight and queued messages, QoS 2 packet identifiers awaiting PUBREL and pending wills;
// retained messages; the counters that keep serials and assigned client ids unique. Times are
// kept as ages and time left, so a process whose clock starts again from zero resumes them.
// What lives only as long as a connection (its will, keep alive, topic aliases, an
// authentication under way) is not kept: after a restart every session is offline.
//
// Format (version 1): "MQTTREF" 0x01, then little-endian integers and length-prefixed
// strings; see write_message / write_session for the order. load_state checks every length
// against what is left, so a damaged file is an error, never a crash or a huge allocation.
#include <cstring>
#include <set>

#include "mqtt/codec/validate.hpp"
#include "state.hpp"

namespace mqtt::broker {
namespace {

constexpr char magic[8] = {'M', 'Q', 'T', 'T', 'R', 'E', 'F', 0x01};

class writer {
 public:
  void u8(std::uint8_t v) { out_.push_back(v); }
  void u16(std::uint16_t v) { put(v, 2); }
  void u32(std::uint32_t v) { put(v, 4); }
  void u64(std::uint64_t v) { put(v, 8); }
  void str(std::string_view s) {
    u32(static_cast<std::uint32_t>(s.size()));
    out_.insert(out_.end(), s.begin(), s.end());
  }
  template <class T, class F>
  void opt(const std::optional<T>& v, F&& put_value) {
    u8(v ? 1 : 0);
    if (v) put_value(*v);
  }
  void raw(const char* p, std::size_t n) { out_.insert(out_.end(), p, p + n); }
  std::vector<std::uint8_t> take() { return std::move(out_); }

 private:
  void put(std::uint64_t v, int bytes) {
    for (int i = 0; i < bytes; ++i) out_.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  }
  std::vector<std::uint8_t> out_;
};

class reader {
 public:
  explicit reader(std::span<const std::uint8_t> in) : in_(in) {}
  bool ok() const { return ok_; }
  void fail() { ok_ = false; }
  std::size_t left() const { return in_.size() - pos_; }
  std::uint8_t u8() { return static_cast<std::uint8_t>(get(1)); }
  std::uint16_t u16() { return static_cast<std::uint16_t>(get(2)); }
  std::uint32_t u32() { return static_cast<std::uint32_t>(get(4)); }
  std::uint64_t u64() { return get(8); }
  bool flag() {
    const std::uint8_t v = u8();
    if (v > 1) ok_ = false;
    return v == 1;
  }
  std::string str() {
    const std::uint32_t n = u32();
    if (!ok_ || n > left()) {
      ok_ = false;
      return {};
    }
    std::string s(reinterpret_cast<const char*>(in_.data() + pos_), n);
    pos_ += n;
    return s;
  }
  // A count of items that take at least `item_min` bytes each: more than is left fails.
  std::size_t count(std::size_t item_min) {
    const std::uint32_t n = u32();
    if (!ok_ || std::uint64_t{n} * item_min > left()) {
      ok_ = false;
      return 0;
    }
    return n;
  }
  bool starts_with_magic() {
    if (left() < sizeof magic || std::memcmp(in_.data() + pos_, magic, sizeof magic) != 0) return false;
    pos_ += sizeof magic;
    return true;
  }

 private:
  std::uint64_t get(int bytes) {
    if (!ok_ || left() < static_cast<std::size_t>(bytes)) {
      ok_ = false;
      return 0;
    }
    std::uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) v |= std::uint64_t{in_[pos_ + static_cast<std::size_t>(i)]} << (8 * i);
    pos_ += static_cast<std::size_t>(bytes);
    return v;
  }
  std::span<const std::uint8_t> in_;
  std::size_t pos_ = 0;
  bool ok_ = true;
};

codec::qos qos_of(std::uint8_t v, reader& r) {
  if (v > 2) r.fail();
  return static_cast<codec::qos>(std::min<std::uint8_t>(v, 2));
}

void write_message(writer& w, const message& m, clock_ms now) {
  w.str(m.topic);
  w.str(m.payload);
  w.u8(static_cast<std::uint8_t>(m.qos));
  w.u8(m.retain ? 1 : 0);
  w.opt(m.payload_format_indicator, [&](std::uint8_t v) { w.u8(v); });
  w.opt(m.message_expiry_interval_s, [&](std::uint32_t v) { w.u32(v); });
  w.opt(m.content_type, [&](const std::string& v) { w.str(v); });
  w.opt(m.response_topic, [&](const std::string& v) { w.str(v); });
  w.opt(m.correlation_data, [&](const std::string& v) { w.str(v); });
  w.u32(static_cast<std::uint32_t>(m.user_properties.size()));
  for (const auto& [k, v] : m.user_properties) {
    w.str(k);
    w.str(v);
  }
  w.str(m.publisher_client_id);
  w.u64(now >= m.received_at_ms ? now - m.received_at_ms : 0);  // its age, for Message Expiry
}

// Strings go back on the wire: what the codec would refuse to send fails the load.
std::string utf8(reader& r) {
  std::string s = r.str();
  if (codec::check_utf8(s)) r.fail();
  return s;
}

message_ptr read_message(reader& r, clock_ms now) {
  auto m = std::make_shared<message>();
  m->topic = r.str();
  if (m->topic.empty() || codec::check_topic_name(m->topic)) r.fail();
  m->payload = r.str();
  m->qos = qos_of(r.u8(), r);
  m->retain = r.flag();
  if (r.flag()) {
    m->payload_format_indicator = r.u8();
    if (*m->payload_format_indicator > 1) r.fail();
  }
  if (r.flag()) m->message_expiry_interval_s = r.u32();
  if (r.flag()) m->content_type = utf8(r);
  if (r.flag()) {
    m->response_topic = r.str();
    if (m->response_topic->empty() || codec::check_topic_name(*m->response_topic)) r.fail();
  }
  if (r.flag()) m->correlation_data = r.str();
  const std::size_t props = r.count(8);
  for (std::size_t i = 0; i < props && r.ok(); ++i) {
    std::string k = utf8(r);
    m->user_properties.emplace_back(std::move(k), utf8(r));
  }
  m->publisher_client_id = utf8(r);
  const std::uint64_t age = r.u64();
  m->received_at_ms = now >= age ? now - age : 0;
  return m;
}

void write_outgoing(writer& w, const outgoing& o, clock_ms now) {
  write_message(w, *o.msg, now);
  w.u8(static_cast<std::uint8_t>(o.qos));
  w.u8(o.retain ? 1 : 0);
  w.u32(static_cast<std::uint32_t>(o.subscription_ids.size()));
  for (std::uint32_t id : o.subscription_ids) w.u32(id);
}

outgoing read_outgoing(reader& r, clock_ms now) {
  outgoing o;
  o.msg = read_message(r, now);
  o.qos = qos_of(r.u8(), r);
  o.retain = r.flag();
  const std::size_t n = r.count(4);
  for (std::size_t i = 0; i < n && r.ok(); ++i) o.subscription_ids.push_back(r.u32());
  return o;
}

}  // namespace

std::vector<std::uint8_t> broker::save_state(clock_ms now, std::uint64_t wall_ms) const {
  const state& st = *state_;
  writer w;
  w.raw(magic, sizeof magic);
  w.u64(wall_ms);
  w.u64(st.next_session_serial);
  w.u64(st.next_assigned_id);
  // Sessions that end with their connection (Clean Session 1, expiry 0) are not kept: after a
  // restart their connection is gone, and with it the session.
  std::uint32_t kept = 0;
  for (const auto& [id, s] : st.sessions) kept += s->expiry_interval_s != 0 ? 1 : 0;
  w.u32(kept);
  for (const auto& [id, sp] : st.sessions) {
    const session& s = *sp;
    if (s.expiry_interval_s == 0) continue;
    w.u64(s.serial);
    w.str(s.client_id());
    w.opt(s.identity.user_name, [&](const std::string& v) { w.str(v); });
    w.u8(static_cast<std::uint8_t>(s.version));
    w.u32(s.expiry_interval_s);
    w.u16(s.next_packet_id);
    // Offline for how long (0: online now: after a restart, offline since this save, the last
    // moment the broker is known to have been up).
    w.u64(s.conn == 0 && now >= s.offline_since ? now - s.offline_since : 0);
    w.u32(static_cast<std::uint32_t>(s.subscriptions.size()));
    for (const auto& [filter, e] : s.subscriptions) {
      w.str(filter);
      w.str(e.share_name);
      w.u8(static_cast<std::uint8_t>(e.options.max_qos));
      w.u8(e.options.no_local ? 1 : 0);
      w.u8(e.options.retain_as_published ? 1 : 0);
      w.u8(e.options.retain_handling);
      w.opt(e.subscription_id, [&](std::uint32_t v) { w.u32(v); });
    }
    w.u32(static_cast<std::uint32_t>(s.inflight.size()));
    for (const auto& [seq, m] : s.inflight) {
      w.u16(m.packet_id);
      w.u8(static_cast<std::uint8_t>(m.at));
      write_outgoing(w, m.out, now);
    }
    w.u32(static_cast<std::uint32_t>(s.queue.size()));
    for (const outgoing& o : s.queue) write_outgoing(w, o, now);
    w.u32(static_cast<std::uint32_t>(s.incoming_qos2.size()));
    for (std::uint16_t id : s.incoming_qos2) w.u16(id);
    w.u8(s.pending_will ? 1 : 0);
    if (s.pending_will) {
      write_message(w, *s.pending_will->msg, now);
      w.u32(s.pending_will->delay_s);
    }
  }
  w.u32(static_cast<std::uint32_t>(st.retained.size()));
  for (const auto& [topic, m] : st.retained) write_message(w, *m, now);
  return w.take();
}

std::optional<std::string> broker::load_state(std::span<const std::uint8_t> bytes, clock_ms now_ms,
                                              std::uint64_t wall_ms) {
  state& st = *state_;
  if (!st.sessions.empty() || !st.connections.empty() || !st.retained.empty()) {
    return "load_state: the broker already has state";
  }
  reader r(bytes);
  if (!r.starts_with_magic()) return "not a mqtt-ref-broker state file (or another version of it)";
  // The time that passed since the save counts (Message Expiry, Will Delay, Session Expiry):
  // everything is read as of `now`, the moment of the save on this process's clock.
  const std::uint64_t saved_wall = r.u64();
  const std::uint64_t elapsed = wall_ms > saved_wall ? wall_ms - saved_wall : 0;
  const clock_ms now = now_ms >= elapsed ? now_ms - elapsed : 0;
  const std::uint64_t next_serial = r.u64();
  const std::uint64_t next_assigned = r.u64();
  const std::size_t sessions = r.count(40);
  std::vector<std::unique_ptr<session>> read;
  std::set<std::string, std::less<>> client_ids;
  std::set<std::uint64_t> serials;
  std::vector<std::uint64_t> offline_for;
  for (std::size_t i = 0; i < sessions && r.ok(); ++i) {
    auto s = std::make_unique<session>();
    s->serial = r.u64();
    s->identity.client_id = utf8(r);
    if (r.flag()) s->identity.user_name = utf8(r);
    const std::uint8_t v = r.u8();
    if (v != 3 && v != 4 && v != 5) return "damaged state file: protocol level " + std::to_string(v);
    s->version = static_cast<codec::protocol_version>(v);
    s->expiry_interval_s = r.u32();
    s->next_packet_id = r.u16();
    if (s->next_packet_id == 0) s->next_packet_id = 1;
    offline_for.push_back(r.u64());
    const std::size_t subs = r.count(17);
    for (std::size_t k = 0; k < subs && r.ok(); ++k) {
      subscription_entry e;
      e.session_serial = s->serial;
      e.filter = r.str();
      e.share_name = r.str();
      if (codec::check_topic_filter(e.filter, s->version)) r.fail();
      if (!e.share_name.empty()) {
        auto shared = codec::parse_shared_filter(e.filter);
        if (!shared || shared->share_name != e.share_name) r.fail();
      }
      e.options.max_qos = qos_of(r.u8(), r);
      e.options.no_local = r.flag();
      e.options.retain_as_published = r.flag();
      e.options.retain_handling = r.u8();
      if (e.options.retain_handling > 2) r.fail();
      if (r.flag()) {
        e.subscription_id = r.u32();
        if (*e.subscription_id == 0 || *e.subscription_id > 268'435'455) r.fail();
      }
      std::string filter = e.filter;
      s->subscriptions.insert_or_assign(std::move(filter), std::move(e));
    }
    const std::size_t inflight = r.count(30);
    for (std::size_t k = 0; k < inflight && r.ok(); ++k) {
      inflight_message m;
      m.packet_id = r.u16();
      const std::uint8_t stage = r.u8();
      if (stage > 2) return "damaged state file: inflight stage " + std::to_string(stage);
      m.at = static_cast<inflight_message::stage>(stage);
      m.out = read_outgoing(r, now);
      if (m.packet_id == 0 || s->inflight_by_id.contains(m.packet_id)) return "damaged state file: inflight packet id";
      const std::uint64_t seq = s->inflight_seq++;
      s->inflight_by_id.emplace(m.packet_id, seq);
      s->inflight.emplace(seq, std::move(m));
    }
    const std::size_t queued = r.count(30);
    for (std::size_t k = 0; k < queued && r.ok(); ++k) s->queue.push_back(read_outgoing(r, now));
    const std::size_t qos2 = r.count(2);
    for (std::size_t k = 0; k < qos2 && r.ok(); ++k) {
      const std::uint16_t id = r.u16();
      if (id == 0) r.fail();
      s->incoming_qos2.insert(id);
    }
    if (r.flag()) {
      auto will = std::make_unique<will_message>();
      will->msg = read_message(r, now);
      will->delay_s = r.u32();
      s->pending_will = std::move(will);
    }
    if (!client_ids.insert(s->client_id()).second || !serials.insert(s->serial).second || s->serial >= next_serial) {
      return "damaged state file: session " + s->client_id() + " twice or out of sequence";
    }
    read.push_back(std::move(s));
  }
  const std::size_t retained = r.count(30);
  std::vector<message_ptr> kept;
  for (std::size_t i = 0; i < retained && r.ok(); ++i) kept.push_back(read_message(r, now));
  if (!r.ok()) return "damaged state file: it ends early or a length is out of bounds";
  if (r.left() != 0) return "damaged state file: " + std::to_string(r.left()) + " bytes after the end";

  // All read and checked: now the state, the subscription index and the timers.
  st.next_session_serial = next_serial;
  st.next_assigned_id = next_assigned;
  for (std::size_t i = 0; i < read.size(); ++i) {
    session& s = *read[i];
    for (const auto& [filter, e] : s.subscriptions) {
      std::string_view tree_filter = filter;
      if (!e.share_name.empty()) {
        tree_filter = codec::parse_shared_filter(filter)->filter;  // checked as it was read
        st.share_groups[filter].push_back(s.serial);
      }
      st.subscriptions.insert(tree_filter, e);
    }
    s.offline_since = now >= offline_for[i] ? now - offline_for[i] : 0;
    if (s.pending_will) {
      const std::uint64_t due = s.offline_since + std::uint64_t{s.pending_will->delay_s} * 1000;
      st.arm({std::max(due, now_ms), timer_entry::kind::will_delay, s.serial, s.timer_generation});
    }
    if (s.expiry_interval_s != session_never_expires) {
      const std::uint64_t due = s.offline_since + std::uint64_t{s.expiry_interval_s} * 1000;
      st.arm({std::max(due, now_ms), timer_entry::kind::session_expiry, s.serial, s.timer_generation});
    }
    st.sessions_by_serial.emplace(s.serial, &s);
    st.sessions.emplace(std::string_view(s.client_id()), std::move(read[i]));
  }
  for (message_ptr& m : kept) {
    std::string topic = m->topic;
    st.retained.emplace(std::move(topic), std::move(m));
  }
  return std::nullopt;
}

}  // namespace mqtt::broker
