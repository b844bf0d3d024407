// Step by step: each step either completes at once or waits for events or its deadline.
// Packets a step did not ask about stay in the client's inbox for later steps; types the
// scenario ignores are dropped as they arrive.
#include "script/interpreter.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <cmath>

#include "mqtt/auth/scram.hpp"
#include "mqtt/codec/decoder.hpp"
#include "mqtt/codec/encoder.hpp"
#include "mqtt/codec/validate.hpp"
#include "script/fields.hpp"
#include "script/history_adapter.hpp"
#include "wire/hex.hpp"
#include "wire/packet_json.hpp"

namespace harness::script {

namespace json = boost::json;
namespace codec = mqtt::codec;

std::string_view to_string(close_kind k) {
  switch (k) {
    case close_kind::fin: return "FIN";
    case close_kind::reset: return "RST";
    case close_kind::read_error: return "read error";
    case close_kind::tls_close: return "TLS close";
    case close_kind::ws_close: return "WebSocket close";
    case close_kind::refused: return "connect failed";
  }
  return "closed";
}

struct interpreter::client {
  std::string name;
  client_defaults defaults;
  std::uint64_t conn = 0;  // 0: none yet, or dropped by the scenario
  bool opening = false;
  bool open = false;
  std::optional<std::string> closed;  // how the broker side ended the current connection
  std::unique_ptr<codec::stream_decoder> decoder;
  std::optional<json::object> malformed;  // the broker sent bytes that do not decode
  std::deque<json::object> inbox;
  std::vector<json::object> history;  // every packet received, in order
  std::set<std::string> ignored;
  std::optional<std::uint32_t> maximum_packet_size;
  // The broker's Maximum Packet Size from its CONNACK, for describing what the client sends.
  std::optional<std::uint32_t> server_maximum_packet_size;
  // A SCRAM-SHA-256 exchange under way: waiting for the server-first (AUTH 0x18), then for
  // the server-final (CONNACK or AUTH 0x00).
  struct scram_state {
    mqtt::auth::scram::client_exchange exchange;
    bool wrong_proof = false;
    bool awaiting_final = false;
  };
  std::optional<scram_state> scram;
  std::uint32_t scram_count = 0;  // exchanges started, for distinct client nonces
  open_info opened;  // what the target said of the current connection when it opened
  bool auto_ack = false;  // `auto-ack`: acknowledges QoS 1 and 2 deliveries itself
};

namespace {

constexpr std::size_t actual_items_max = 6;

// "PUBLISH {...}", for messages.
std::string compact(const json::object& o) {
  const json::value* type = o.if_contains("type");
  std::string s = type && type->is_string() ? std::string(type->get_string()) : "?";
  json::object rest = wire::readable_fields(o);
  if (!rest.empty()) s += " " + json::serialize(rest);
  return s;
}

json::object view_of(std::span<const std::uint8_t> bytes, protocol_version v, std::optional<std::uint32_t> server_limit) {
  codec::decode_options o;
  o.version = v;
  if (server_limit && *server_limit > 0) o.maximum_packet_size = *server_limit;
  o.adopt_connect_version = true;
  codec::stream_decoder d(o);
  json::object view;
  std::size_t count = 0;
  auto err = d.feed(bytes, [&](const codec::packet& p) {
    if (count++ == 0) view = wire::to_json(p, d.version());
  });
  if (err || count != 1 || d.mid_packet()) {
    json::object raw;
    raw["type"] = "raw";
    raw["raw_hex"] = wire::to_hex(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
    if (err) {
      raw["malformed"] = std::string(err->statement().text()) + ": " + std::string(err->message());
      raw["rule"] = std::string(err->details().name);
    }
    return raw;
  }
  return view;
}

// The bytes a `raw "HEX"` term gives; `what` names the step form in the error.
std::vector<std::uint8_t> bytes_of_hex(const term& t, const bindings& b, const char* what) {
  std::optional<wire::hex_error> problem;
  auto bytes = wire::parse_hex(resolve_text(t, b), problem);
  if (problem) throw build_error(t.pos, std::string(what) + ": " + problem->message);
  return bytes;
}

// What a client application sends on receiving `p` (auto-ack): PUBACK for a QoS 1 PUBLISH,
// PUBREC for a QoS 2 one, PUBCOMP for a PUBREL; nothing for the rest.
std::optional<std::vector<std::uint8_t>> acknowledgement_of(const codec::packet& p, protocol_version v) {
  std::vector<std::uint8_t> bytes;
  if (const auto* pub = std::get_if<codec::publish>(&p)) {
    if (pub->qos == codec::qos::at_least_once) codec::encode_unchecked(codec::puback{pub->packet_id, 0, {}}, v, bytes);
    else if (pub->qos == codec::qos::exactly_once) codec::encode_unchecked(codec::pubrec{pub->packet_id, 0, {}}, v, bytes);
  } else if (const auto* rel = std::get_if<codec::pubrel>(&p)) {
    codec::encode_unchecked(codec::pubcomp{rel->packet_id, 0, {}}, v, bytes);
  }
  if (bytes.empty()) return std::nullopt;
  return bytes;
}

action make_action(action::kind k, std::uint64_t conn = 0, std::vector<std::uint8_t> bytes = {}, std::string client = {}) {
  action a;
  a.k = k;
  a.conn = conn;
  a.bytes = std::move(bytes);
  a.client = std::move(client);
  return a;
}

}  // namespace

interpreter::interpreter(const scenario& s, case_context ctx) : s_(s), ctx_(std::move(ctx)) {
  bind_.topic_prefix = "mh/" + ctx_.run_tag;
  bind_.profile = ctx_.profile_values;
  for (const step& st : s_.steps) {
    std::string name = std::visit([](const auto& b) -> std::string {
      if constexpr (requires { b.client; }) return b.client;
      return {};
    }, st.body);
    if (!name.empty()) get(name);
  }
  // The budget: every step's own deadline in turn, plus the context's slack.
  budget_ms_ = ctx_.case_budget_ms;
  for (const step& st : s_.steps) {
    if (const auto* e = std::get_if<expect_step>(&st.body)) budget_ms_ += e->duration_ms.value_or(ctx_.default_within_ms);
    else if (const auto* w = std::get_if<wait_step>(&st.body)) budget_ms_ += w->duration_ms;
    else if (std::holds_alternative<connect_step>(st.body)) budget_ms_ += ctx_.default_within_ms;
    else if (const auto* c = std::get_if<check_step>(&st.body)) budget_ms_ += c->duration_ms.value_or(ctx_.default_within_ms);
    else if (const auto* f = std::get_if<fault_step>(&st.body)) {
      if (f->k == fault_step::kind::restart) budget_ms_ += ctx_.restart_within_ms;
    }
  }
}

interpreter::~interpreter() = default;

interpreter::client& interpreter::get(const std::string& name) {
  auto& slot = clients_[name];
  if (!slot) {
    slot = std::make_unique<client>();
    slot->name = name;
    slot->defaults.version = ctx_.version;
    slot->defaults.client_id = "mh" + ctx_.run_tag + name;
    slot->defaults.credentials = ctx_.connect_credentials;
    bind_.client_ids[name] = slot->defaults.client_id;
  }
  return *slot;
}

const std::string& interpreter::client_id(const std::string& name) const { return bind_.client_ids.at(name); }

interpreter::client* interpreter::by_conn(std::uint64_t conn) {
  auto it = conns_.find(conn);
  return it == conns_.end() ? nullptr : it->second;
}

ms interpreter::scaled(ms d) const { return static_cast<ms>(std::llround(static_cast<double>(d) * ctx_.time_factor)); }

bool interpreter::applies(const step& st) const {
  return st.only.empty() || std::find(st.only.begin(), st.only.end(), ctx_.version) != st.only.end();
}

void interpreter::record(transcript_entry e) {
  if (transcript_.size() >= ctx_.transcript_max) {
    ++transcript_dropped_;
    return;
  }
  transcript_.push_back(std::move(e));
}

void interpreter::start(ms now) {
  started_at_ = now;
  now_ = now;
  advance(now);
}

void interpreter::on_open(std::uint64_t conn, ms now, const open_info& info) {
  now_ = now;
  client* c = by_conn(conn);
  if (!c || c->conn != conn) return;
  c->opening = false;
  c->open = true;
  c->opened = info;
  std::string how = "connected";
  if (info.ws_subprotocol) {
    how += info.ws_subprotocol->empty() ? " (WebSocket, no subprotocol in the upgrade answer)"
                                        : " (WebSocket subprotocol \"" + *info.ws_subprotocol + "\")";
  }
  record({now, transcript_entry::kind::opened, c->name, conn, {}, how, 0});
  advance(now);
}

void interpreter::on_bytes(std::uint64_t conn, std::span<const std::uint8_t> bytes, ms now) {
  now_ = now;
  client* c = by_conn(conn);
  if (!c || c->conn != conn || c->malformed) return;
  int line = pc_ < s_.steps.size() ? s_.steps[pc_].pos.line : 0;
  // A broker refusing a CONNECT's protocol level may answer in the 3.1.1 form (a CONNACK of
  // two bytes, MQTT-3.1.2-2 of 3.1.1): read that first packet as 3.1.1.
  if (c->decoder->offset() == 0 && !c->decoder->mid_packet() && c->decoder->version() == protocol_version::v5 &&
      bytes.size() >= 4 && bytes[0] == 0x20 && bytes[1] == 0x02 && bytes[3] != 0x00) {
    codec::decode_options o = c->decoder->options();
    o.version = protocol_version::v3_1_1;
    c->decoder = std::make_unique<codec::stream_decoder>(o);
    record({now, transcript_entry::kind::note, c->name, conn, {}, "a CONNACK in the 3.1.1 form: read as 3.1.1", line});
  }
  auto err = c->decoder->feed(bytes, [&](const codec::packet& p) {
    if (const auto* ack = std::get_if<codec::connack>(&p)) c->server_maximum_packet_size = ack->props.maximum_packet_size;
    json::object o = wire::to_json(p, c->decoder->version());
    std::optional<std::vector<std::uint8_t>> answer = scram_on_packet(*c, p, o);
    if (!answer && c->auto_ack) answer = acknowledgement_of(p, c->decoder->version());
    record({now, transcript_entry::kind::received, c->name, conn, o, {}, line});
    c->history.push_back(o);
    if (!c->ignored.contains(std::string(codec::to_string(codec::type_of(p))))) c->inbox.push_back(std::move(o));
    if (answer) write_at(*c, std::move(*answer), line, now);
  });
  if (err) {
    json::object o = wire::to_json(*err);
    record({now, transcript_entry::kind::note, c->name, conn, o, "the broker sent a malformed packet", line});
    c->malformed = std::move(o);
  }
  advance(now);
}

void interpreter::on_closed(std::uint64_t conn, close_kind how, const std::string& detail, ms now) {
  now_ = now;
  client* c = by_conn(conn);
  if (!c || c->conn != conn) return;
  std::string text(to_string(how));
  if (!detail.empty()) text += " (" + detail + ")";
  record({now, transcript_entry::kind::closed, c->name, conn, {}, text, pc_ < s_.steps.size() ? s_.steps[pc_].pos.line : 0});
  if (c->opening) {
    c->opening = false;
    c->conn = 0;
    finish(verdict::error, "client " + c->name + " could not connect: " + text, pc_ < s_.steps.size() ? &s_.steps[pc_] : nullptr);
    return;
  }
  c->open = false;
  c->closed = text;
  advance(now);
}

void interpreter::on_timer(ms now) {
  now_ = now;
  advance(now);
}

std::vector<action> interpreter::take_actions() { return std::exchange(actions_, {}); }

std::optional<ms> interpreter::next_wake() const {
  if (finished_) return std::nullopt;
  ms budget = started_at_ + scaled(budget_ms_);
  return deadline_ ? std::min(*deadline_, budget) : budget;
}

void interpreter::finish(verdict v, const std::string& message, const step* st, std::vector<std::string> expected,
                         std::string actual) {
  if (finished_) return;
  finished_ = true;
  outcome_.result = v;
  outcome_.message = message;
  outcome_.line = st ? st->pos.line : 0;
  outcome_.expected = std::move(expected);
  outcome_.actual = std::move(actual);
  deadline_.reset();
  // Whatever the scenario left open goes away with a FIN.
  for (auto& [name, c] : clients_) {
    if (c->conn != 0 && (c->open || c->opening)) actions_.push_back(make_action(action::kind::close, c->conn));
    c->open = false;
    c->opening = false;
  }
}

void interpreter::fail_step(const step& st, bool precondition, const std::string& message,
                            std::vector<std::string> expected, std::string actual) {
  std::string where = s_.file + ":" + std::to_string(st.pos.line);
  finish(precondition ? verdict::inconclusive : verdict::fail,
         where + ": " + (precondition ? "precondition failed: " : "") + message, &st, std::move(expected), std::move(actual));
}

std::string interpreter::actual_text(const client& c) const {
  std::string s;
  if (c.malformed) s += "a malformed packet: " + compact(*c.malformed) + "; ";
  std::size_t n = 0;
  for (const auto& o : c.inbox) {
    if (n++ == actual_items_max) {
      s += "... (" + std::to_string(c.inbox.size() - actual_items_max) + " more); ";
      break;
    }
    s += compact(o) + "; ";
  }
  if (c.closed) s += "connection closed (" + *c.closed + ")";
  else if (!c.open && c.conn == 0) s += "no connection";
  if (s.empty()) s = "nothing";
  while (s.size() >= 2 && s.ends_with("; ")) s.resize(s.size() - 2);
  return s;
}

void interpreter::advance(ms now) {
  while (!finished_) {
    if (now >= started_at_ + scaled(budget_ms_)) {
      finish(verdict::error, "the scenario ran longer than its budget of " + std::to_string(scaled(budget_ms_) / 1000) + " s",
             pc_ < s_.steps.size() ? &s_.steps[pc_] : nullptr);
      return;
    }
    if (pc_ >= s_.steps.size()) {
      if (nonstrict_notes_.empty()) {
        finish(verdict::pass, "", nullptr);
      } else {
        std::string m;
        for (const auto& n : nonstrict_notes_) m += (m.empty() ? "" : "; ") + n;
        finish(verdict::nonstrict, m, nullptr);
      }
      return;
    }
    const step& st = s_.steps[pc_];
    if (!applies(st)) {
      ++pc_;
      continue;
    }
    status r;
    try {
      r = run_step(st, now);
    } catch (const resolve_error& e) {
      finish(verdict::error, s_.file + ":" + std::to_string(e.pos.line) + ": " + e.what(), &st);
      return;
    } catch (const build_error& e) {
      finish(verdict::error, s_.file + ":" + std::to_string(e.pos.line) + ": " + e.what(), &st);
      return;
    }
    if (finished_ || r == status::waiting) return;
    ++pc_;
    step_started_ = false;
    deadline_.reset();
  }
}

interpreter::status interpreter::run_step(const step& st, ms now) {
  bool first = !step_started_;
  step_started_ = true;
  return std::visit(
      [&](const auto& body) -> status {
        using T = std::decay_t<decltype(body)>;
        if constexpr (std::is_same_v<T, connect_step>) {
          return run_connect(st, body, now);
        } else if constexpr (std::is_same_v<T, send_step>) {
          return run_send(st, body, now);
        } else if constexpr (std::is_same_v<T, expect_step>) {
          if (first) deadline_ = now + scaled(body.duration_ms.value_or(ctx_.default_within_ms));
          return run_expect(st, body, now);
        } else if constexpr (std::is_same_v<T, close_step>) {
          return run_close(body, now);
        } else if constexpr (std::is_same_v<T, wait_step>) {
          if (first) deadline_ = now + scaled(body.duration_ms);
          return now >= *deadline_ ? status::done : status::waiting;
        } else if constexpr (std::is_same_v<T, ignore_step>) {
          client& c = get(body.client);
          for (packet_type t : body.types) {
            std::string name(codec::to_string(t));
            c.ignored.insert(name);
            std::erase_if(c.inbox, [&](const json::object& o) { return o.at("type").as_string() == name; });
          }
          return status::done;
        } else if constexpr (std::is_same_v<T, auto_ack_step>) {
          get(body.client).auto_ack = true;
          return status::done;
        } else if constexpr (std::is_same_v<T, check_step>) {
          if (first) deadline_ = now + scaled(body.duration_ms.value_or(ctx_.default_within_ms));
          return run_check(st, body, now);
        } else if constexpr (std::is_same_v<T, fault_step>) {
          return run_fault(st, body, first, now);
        } else {
          return run_assert(st, body);
        }
      },
      st.body);
}

void interpreter::open_connection(client& c, ms now) {
  c.conn = next_conn_++;
  conns_[c.conn] = &c;
  c.opening = true;
  c.open = false;
  c.closed.reset();
  c.malformed.reset();
  c.inbox.clear();
  c.maximum_packet_size.reset();
  c.server_maximum_packet_size.reset();
  c.scram.reset();
  codec::decode_options o;
  o.version = c.defaults.version;
  o.receiver = codec::receiver_role::client;
  o.adopt_connect_version = false;
  c.decoder = std::make_unique<codec::stream_decoder>(o);
  actions_.push_back(make_action(action::kind::open, c.conn, {}, c.name));
  deadline_ = now + scaled(ctx_.default_within_ms);
}

void interpreter::write(client& c, std::vector<std::uint8_t> bytes, const step& st, ms now) {
  write_at(c, std::move(bytes), st.pos.line, now);
}

void interpreter::write_at(client& c, std::vector<std::uint8_t> bytes, int line, ms now) {
  json::object view = view_of(bytes, c.defaults.version, c.server_maximum_packet_size);
  emit(c, action::kind::write, std::move(bytes), std::move(view), line, now);
}

void interpreter::emit(client& c, action::kind k, std::vector<std::uint8_t> bytes, json::object view, int line, ms now) {
  if (!c.open) {
    record({now, transcript_entry::kind::note, c.name, c.conn, std::move(view), "not sent: the connection is closed", line});
    return;
  }
  record({now, transcript_entry::kind::sent, c.name, c.conn, std::move(view), {}, line});
  actions_.push_back(make_action(k, c.conn, std::move(bytes)));
}

std::vector<field_setting> interpreter::scram_fields(client& c, const std::vector<field_setting>& fields,
                                                     const step& st) {
  std::vector<field_setting> out;
  std::optional<std::string> user;
  std::optional<std::string> password;
  bool wrong_proof = false;
  bool any = false;
  for (const field_setting& f : fields) {
    if (!is_scram_field(f.name)) {
      out.push_back(f);
      continue;
    }
    any = true;
    std::string v = resolve_text(f.value, bind_);
    if (f.name == "scram.user") user = v;
    else if (f.name == "scram.password") password = v;
    else if (v == "wrong") wrong_proof = true;
    else if (v != "right") throw build_error(f.pos, "scram.proof is right or wrong");
  }
  if (!any) return out;
  if (!user || !password) throw build_error(st.pos, "a SCRAM exchange needs scram.user and scram.password");
  // A nonce unique per client, exchange and run, printable and without ',' (RFC 5802 section 5.1).
  std::string nonce = "mh" + ctx_.run_tag + c.name + "n" + std::to_string(++c.scram_count);
  c.scram = client::scram_state{mqtt::auth::scram::client_exchange(*user, *password, nonce), wrong_proof, false};
  auto written = [&](std::string_view name) {
    return std::any_of(out.begin(), out.end(), [&](const field_setting& f) { return f.name == name; });
  };
  if (!written("authentication_method")) {
    term method;
    method.k = term::kind::string;
    method.text = std::string(mqtt::auth::scram::method_name);
    method.pos = st.pos;
    out.push_back({"authentication_method", method, st.pos});
  }
  if (!written("authentication_data") && !written("authentication_data_hex")) {
    term data;
    data.text = wire::to_hex(c.scram->exchange.client_first());
    data.pos = st.pos;
    out.push_back({"authentication_data_hex", data, st.pos});
  }
  return out;
}

std::optional<std::vector<std::uint8_t>> interpreter::scram_on_packet(client& c, const codec::packet& p,
                                                                      json::object& o) {
  if (!c.scram) return std::nullopt;
  auto judge_final = [&](const std::optional<std::string_view>& data) {
    if (!data) o["scram"] = "missing";
    else o["scram"] = c.scram->exchange.server_final_valid(*data) ? "verified" : "wrong";
    c.scram.reset();
  };
  if (const auto* a = std::get_if<codec::auth>(&p)) {
    if (a->reason_code == codec::reason::continue_authentication && !c.scram->awaiting_final) {
      mqtt::auth::scram::outcome r =
          c.scram->exchange.on_server_first(a->props.authentication_data.value_or(""), c.scram->wrong_proof);
      if (!r.ok()) {
        o["scram"] = "bad server-first: " + r.error;
        c.scram.reset();
        return std::nullopt;
      }
      c.scram->awaiting_final = true;
      codec::auth reply;
      reply.reason_code = codec::reason::continue_authentication;
      reply.props.authentication_method = mqtt::auth::scram::method_name;
      reply.props.authentication_data = r.message;
      std::vector<std::uint8_t> bytes;
      codec::encode_unchecked(reply, c.defaults.version, bytes);
      return bytes;
    }
    if (a->reason_code == codec::reason::success && c.scram->awaiting_final) judge_final(a->props.authentication_data);
  } else if (const auto* ack = std::get_if<codec::connack>(&p)) {
    if (ack->reason_code == codec::reason::success && c.scram->awaiting_final) judge_final(ack->props.authentication_data);
    else c.scram.reset();
  } else if (std::holds_alternative<codec::disconnect>(p)) {
    c.scram.reset();
  }
  return std::nullopt;
}

// What the broker sends after this CONNECT is decoded in its version and within its Maximum
// Packet Size (0 is invalid, so not applied); only before anything arrived on the connection.
void interpreter::adopt_connect(client& c, const built_packet& p) {
  c.maximum_packet_size = p.maximum_packet_size;
  if (!c.decoder || c.decoder->mid_packet() || c.decoder->offset() != 0) return;
  codec::decode_options o = c.decoder->options();
  o.version = p.version;
  if (p.maximum_packet_size && *p.maximum_packet_size > 0) o.maximum_packet_size = *p.maximum_packet_size;
  c.decoder = std::make_unique<codec::stream_decoder>(o);
}

interpreter::status interpreter::run_connect(const step& st, const connect_step& cs, ms now) {
  client& c = get(cs.client);
  if (!c.opening && !c.open) {
    if (c.conn != 0 && !c.closed) actions_.push_back(make_action(action::kind::close, c.conn));
    open_connection(c, now);
    return status::waiting;
  }
  if (c.opening) {
    if (deadline_ && now >= *deadline_) {
      finish(verdict::error, s_.file + ":" + std::to_string(st.pos.line) + ": client " + c.name + " could not connect in time", &st);
    }
    return status::waiting;
  }
  if (cs.open_only) return status::done;
  built_packet p = build_packet(packet_type::connect, scram_fields(c, cs.fields, st), bind_, c.defaults, false, st.pos);
  adopt_connect(c, p);
  write(c, std::move(p.bytes), st, now);
  return status::done;
}

interpreter::status interpreter::run_send(const step& st, const send_step& s, ms now) {
  client& c = get(s.client);
  if (!c.open && !c.closed) {
    finish(verdict::error, s_.file + ":" + std::to_string(st.pos.line) + ": client " + c.name + " has no connection (connect or open it first)", &st);
    return status::done;
  }
  if (s.raw_hex) {
    write(c, bytes_of_hex(*s.raw_hex, bind_, "raw"), st, now);
    return status::done;
  }
  if (s.ws_text) {
    std::string text;
    if (s.ws_text_hex) {
      auto bytes = bytes_of_hex(*s.ws_text, bind_, "text raw");
      text.assign(bytes.begin(), bytes.end());
      // A text message is UTF-8 (RFC 6455 section 5.6); U+0000 is allowed there.
      for (std::size_t at = 0; at < text.size();) {
        auto bad = codec::check_utf8(std::string_view(text).substr(at));
        if (!bad) break;
        if (bad->id != codec::rule::utf8_null) throw build_error(s.ws_text->pos, "text raw: the bytes are not UTF-8");
        at += bad->offset + 1;
      }
    } else {
      text = resolve_text(*s.ws_text, bind_);
    }
    json::object view;
    view["type"] = "WebSocket text message";
    view["text"] = text;
    emit(c, action::kind::write_text, std::vector<std::uint8_t>(text.begin(), text.end()), std::move(view), st.pos.line, now);
    return status::done;
  }
  built_packet p = build_packet(s.type, s.type == packet_type::auth || s.type == packet_type::connect ? scram_fields(c, s.fields, st) : s.fields,
                                bind_, c.defaults, s.unchecked, st.pos);
  if (s.type == packet_type::connect) adopt_connect(c, p);
  write(c, std::move(p.bytes), st, now);
  return status::done;
}

void interpreter::on_restarted(ms now, std::optional<std::string> error) {
  now_ = now;
  if (finished_ || !restart_pending_) return;
  restart_pending_ = false;
  restart_error_ = std::move(error);
  advance(now);
}

interpreter::status interpreter::run_fault(const step& st, const fault_step& f, bool first, ms now) {
  auto note = [&](const std::string& who, std::uint64_t conn, std::string text) {
    record({now, transcript_entry::kind::note, who, conn, {}, std::move(text), st.pos.line});
  };
  switch (f.k) {
    case fault_step::kind::heal:
      actions_.push_back(make_action(action::kind::heal));
      note("", 0, "heal: every fault ends");
      return status::done;
    case fault_step::kind::restart:
      if (first) {
        restart_pending_ = true;
        restart_error_.reset();
        actions_.push_back(make_action(action::kind::restart));
        note("", 0, "the broker is killed and started again");
        deadline_ = now + scaled(ctx_.restart_within_ms);
        return status::waiting;
      }
      if (restart_pending_) {
        if (now < *deadline_) return status::waiting;
        finish(verdict::error, "the broker was not listening again within " + std::to_string(scaled(ctx_.restart_within_ms)) + " ms of its restart", &st);
        return status::done;
      }
      if (restart_error_) {
        finish(verdict::error, "the broker could not be restarted: " + *restart_error_, &st);
        return status::done;
      }
      note("", 0, "the broker listens again");
      return status::done;
    case fault_step::kind::partition:
    case fault_step::kind::black_hole:
    case fault_step::kind::half_open: {
      client& c = get(f.client);
      const bool open = c.conn != 0 && c.open;
      if (f.k != fault_step::kind::partition && !open) {
        finish(verdict::error, s_.file + ":" + std::to_string(st.pos.line) + ": " + c.name + " has no open connection for this fault", &st);
        return status::done;
      }
      fault_step scaled_fault = f;  // the target's time: durations times the time factor
      if (f.duration_ms) scaled_fault.duration_ms = scaled(*f.duration_ms);
      action a = make_action(action::kind::fault, open ? c.conn : 0, {}, c.name);
      a.fault = scaled_fault;
      actions_.push_back(std::move(a));
      std::string what = f.k == fault_step::kind::partition
                             ? "partition: nothing passes between " + c.name + " and the broker" +
                                   (f.duration_ms ? " for " + std::to_string(*f.duration_ms) + " ms" : " until heal")
                         : f.k == fault_step::kind::black_hole
                             ? "black hole: the connection carries nothing more, FIN and RST included"
                             : std::string("half-open: the connection is gone for the ") + (f.broker_told ? "broker" : "client") +
                                   " only";
      note(c.name, open ? c.conn : 0, std::move(what));
      return status::done;
    }
  }
  return status::done;
}

interpreter::status interpreter::run_close(const close_step& cs, ms now) {
  client& c = get(cs.client);
  if (c.conn == 0 || (!c.open && !c.opening)) return status::done;
  action::kind k = cs.k == close_step::kind::close ? action::kind::close
                   : cs.k == close_step::kind::reset ? action::kind::reset
                                                     : action::kind::half_close;
  actions_.push_back(make_action(k, c.conn));
  const char* what = cs.k == close_step::kind::close ? "closed by the scenario (FIN)"
                     : cs.k == close_step::kind::reset ? "reset by the scenario (RST)"
                                                       : "half-closed by the scenario (FIN, still reading)";
  record({now, transcript_entry::kind::note, c.name, c.conn, {}, what, 0, cs.k});
  if (cs.k != close_step::kind::half_close) {
    c.open = false;
    c.opening = false;
    c.conn = 0;
    c.inbox.clear();
  }
  return status::done;
}

bool interpreter::check_unsupported(client& c, const json::object& connack) {
  if (c.defaults.version != protocol_version::v5) return false;
  const json::value* props = connack.if_contains("properties");
  if (!props || !props->is_object()) return false;
  const auto& p = props->get_object();
  auto value = [&](const char* key) -> std::optional<std::int64_t> {
    const json::value* v = p.if_contains(key);
    if (!v || !v->is_number()) return std::nullopt;
    return v->to_number<std::int64_t>();
  };
  auto needs = [&](const char* cap) { return std::find(s_.needs.begin(), s_.needs.end(), cap) != s_.needs.end(); };
  std::string why;
  if (auto q = value("maximum_qos")) {
    if (needs("qos2") && *q < 2) why = "CONNACK Maximum QoS " + std::to_string(*q) + " (the scenario needs QoS 2)";
    if (needs("qos1") && *q < 1) why = "CONNACK Maximum QoS 0 (the scenario needs QoS 1)";
  }
  if (needs("retain") && value("retain_available") == 0) why = "CONNACK Retain Available 0";
  if (needs("wildcards") && value("wildcard_subscription_available") == 0) why = "CONNACK Wildcard Subscription Available 0";
  if (needs("subscription_identifiers") && value("subscription_identifier_available") == 0) why = "CONNACK Subscription Identifier Available 0";
  if (needs("shared_subscriptions") && value("shared_subscription_available") == 0) why = "CONNACK Shared Subscription Available 0";
  if (needs("topic_alias") && value("topic_alias_maximum").value_or(0) == 0) why = "CONNACK Topic Alias Maximum 0";
  if (why.empty()) return false;
  finish(verdict::unsupported, "the broker says it lacks a capability the profile claims: " + why, nullptr);
  return true;
}

interpreter::status interpreter::run_expect(const step& st, const expect_step& e, ms now) {
  client& c = get(e.client);
  bool timed_out = deadline_ && now >= *deadline_;
  std::string within = std::to_string(scaled(e.duration_ms.value_or(ctx_.default_within_ms))) + " ms";
  auto fail = [&](const std::string& m, std::vector<std::string> expected) {
    fail_step(st, e.precondition, m, std::move(expected), actual_text(c));
    return status::done;
  };
  switch (e.k) {
    case expect_step::kind::packet: {
      const packet_pattern& pat = e.packets.front();
      std::string want = describe(pat, bind_);
      if (c.malformed) return fail("expected " + want + ", but the broker sent a malformed packet", {want});
      for (auto it = c.inbox.begin(); it != c.inbox.end(); ++it) {
        if (!matches(pat, *it, bind_)) continue;
        json::object got = std::move(*it);
        c.inbox.erase(it);
        if (pat.type == packet_type::connack && check_unsupported(c, got)) return status::done;
        if (!pat.capture.empty()) bind_.captures[pat.capture] = std::move(got);
        return status::done;
      }
      // A reply that can come only once (CONNACK) or that answers the same packet id, but
      // with other fields, fails at once instead of at the deadline.
      static const std::set<std::string> replies{"CONNACK", "SUBACK", "UNSUBACK", "PUBACK", "PUBREC", "PUBREL", "PUBCOMP"};
      std::string type(codec::to_string(pat.type));
      if (replies.contains(type)) {
        std::optional<json::value> want_id;
        for (const matcher& m : pat.matchers) {
          if ((m.field == "packet_id" || m.field == "id") && m.oper == matcher::op::eq) want_id = resolve(m.values[0], bind_);
        }
        for (const auto& o : c.inbox) {
          if (o.at("type").as_string() != type) continue;
          const json::value* id = o.if_contains("packet_id");
          if (!want_id || (id && same_value(*id, *want_id))) return fail("expected " + want + ", got another " + type, {want});
        }
      }
      if (c.closed) return fail("expected " + want + ", but the connection closed", {want});
      if (timed_out) return fail("expected " + want + " within " + within, {want});
      return status::waiting;
    }
    case expect_step::kind::closed:
      if (c.malformed) return fail("expected the broker to close the connection, but it sent a malformed packet first", {"closed"});
      if (c.closed) {
        c.inbox.clear();
        return status::done;
      }
      if (c.conn == 0) return fail("expected the connection to close, but the scenario has none", {"closed"});
      if (timed_out) return fail("expected the broker to close the connection within " + within, {"closed"});
      return status::waiting;
    case expect_step::kind::nothing:
      if (!c.inbox.empty() || c.closed || c.malformed) {
        return fail("expected nothing for " + within, {"nothing"});
      }
      return timed_out ? status::done : status::waiting;
    case expect_step::kind::none_of_type: {
      const packet_pattern& pat = e.packets.front();
      std::string want = "no " + describe(pat, bind_);
      for (const auto& o : c.inbox) {
        if (matches(pat, o, bind_)) {
          fail_step(st, e.precondition, "expected " + want + " for " + within + ", got " + compact(o), {want}, actual_text(c));
          return status::done;
        }
      }
      return timed_out ? status::done : status::waiting;
    }
    case expect_step::kind::unordered: return expect_unordered(st, e, c, now);
    case expect_step::kind::one_of: return expect_one_of(st, e, c, now);
  }
  return status::done;
}

namespace {

// Assigns each pattern a distinct inbox entry (backtracking: patterns are few); `used` holds
// the chosen indexes, in pattern order.
bool assign(const std::vector<const packet_pattern*>& pats, std::size_t k, const std::deque<json::object>& inbox,
            const bindings& b, std::vector<std::size_t>& used) {
  if (k == pats.size()) return true;
  for (std::size_t i = 0; i < inbox.size(); ++i) {
    if (std::find(used.begin(), used.end(), i) != used.end()) continue;
    if (!matches(*pats[k], inbox[i], b)) continue;
    used.push_back(i);
    if (assign(pats, k + 1, inbox, b, used)) return true;
    used.pop_back();
  }
  return false;
}

// Matches an outcome's packets in order, each after the one before; `closed` needs the close.
bool outcome_complete(const alternative& a, const std::deque<json::object>& inbox, bool closed, const bindings& b,
                      std::vector<std::size_t>& used) {
  std::size_t from = 0;
  for (const outcome_item& it : a.items) {
    if (it.k == outcome_item::kind::nothing) return false;
    if (it.k == outcome_item::kind::closed) {
      if (!closed) return false;
      continue;
    }
    bool found = false;
    for (std::size_t i = from; i < inbox.size(); ++i) {
      bool hit = false;
      try {
        hit = matches(it.packet, inbox[i], b);
      } catch (const resolve_error&) {
        // An outcome that refers to a field the capture lacks is not the one that happened.
        return false;
      }
      if (hit) {
        used.push_back(i);
        from = i + 1;
        found = true;
        break;
      }
    }
    if (!found) return false;
  }
  return true;
}

void erase_indexes(std::deque<json::object>& inbox, std::vector<std::size_t> used) {
  std::sort(used.rbegin(), used.rend());
  for (std::size_t i : used) inbox.erase(inbox.begin() + static_cast<std::ptrdiff_t>(i));
}

std::string describe_outcome(const alternative& a, const bindings& b) {
  std::string s;
  for (const outcome_item& it : a.items) {
    if (!s.empty()) s += " then ";
    s += it.k == outcome_item::kind::closed ? "closed" : it.k == outcome_item::kind::nothing ? "nothing" : describe(it.packet, b);
  }
  s += " => " + std::string(to_string(a.result));
  if (!a.note.empty()) s += " (" + a.note + ")";
  return s;
}

}  // namespace

interpreter::status interpreter::expect_unordered(const step& st, const expect_step& e, client& c, ms now) {
  std::vector<const packet_pattern*> pats;
  for (const auto& p : e.packets) pats.push_back(&p);
  std::vector<std::size_t> used;
  if (assign(pats, 0, c.inbox, bind_, used)) {
    for (std::size_t k = 0; k < pats.size(); ++k) {
      if (!pats[k]->capture.empty()) bind_.captures[pats[k]->capture] = c.inbox[used[k]];
    }
    erase_indexes(c.inbox, used);
    return status::done;
  }
  bool timed_out = deadline_ && now >= *deadline_;
  if (c.closed || c.malformed || timed_out) {
    std::vector<std::string> want;
    for (const auto* p : pats) want.push_back(describe(*p, bind_));
    std::string all;
    for (const auto& w : want) all += (all.empty() ? "" : ", ") + w;
    fail_step(st, e.precondition, "expected, in any order: " + all, want, actual_text(c));
  }
  return status::waiting;
}

interpreter::status interpreter::expect_one_of(const step& st, const expect_step& e, client& c, ms now) {
  const alternative* best = nullptr;
  std::vector<std::size_t> best_used;
  for (const alternative& a : e.alternatives) {
    std::vector<std::size_t> used;
    if (!outcome_complete(a, c.inbox, c.closed.has_value(), bind_, used)) continue;
    if (!best || a.items.size() > best->items.size()) {
      best = &a;
      best_used = used;
    }
  }
  bool timed_out = deadline_ && now >= *deadline_;
  const alternative* quiet = nullptr;
  for (const alternative& a : e.alternatives) {
    if (a.items.size() == 1 && a.items[0].k == outcome_item::kind::nothing) quiet = &a;
  }
  if (!best && timed_out && quiet && c.inbox.empty() && !c.closed) best = quiet;
  if (!best && !(c.closed || c.malformed || timed_out)) return status::waiting;
  std::vector<std::string> want;
  for (const alternative& a : e.alternatives) want.push_back(describe_outcome(a, bind_));
  if (!best) {
    fail_step(st, e.precondition, "none of the acceptable outcomes happened", want, actual_text(c));
    return status::done;
  }
  std::string actual = actual_text(c);
  for (std::size_t k = 0; k < best->items.size(); ++k) {
    const outcome_item& it = best->items[k];
    if (it.k == outcome_item::kind::packet && !it.packet.capture.empty() && k < best_used.size()) {
      bind_.captures[it.packet.capture] = c.inbox[best_used[k]];
    }
  }
  erase_indexes(c.inbox, best_used);
  if (best->result == verdict::fail) {
    fail_step(st, e.precondition, best->note, want, actual);
  } else if (best->result == verdict::nonstrict) {
    nonstrict_notes_.push_back(s_.file + ":" + std::to_string(st.pos.line) + ": " + best->note);
  }
  return status::done;
}

interpreter::status interpreter::run_assert(const step& st, const assert_step& a) {
  client& c = get(a.client);
  if (a.k == assert_step::kind::subprotocol) {
    std::string want = resolve_text(a.subprotocol, bind_);
    std::string got = !c.opened.ws_subprotocol ? "no WebSocket connection"
                      : c.opened.ws_subprotocol->empty() ? "absent"
                                                         : "\"" + *c.opened.ws_subprotocol + "\"";
    bool ok = c.opened.ws_subprotocol && (want == "absent" ? c.opened.ws_subprotocol->empty() : *c.opened.ws_subprotocol == want);
    if (!ok) {
      std::string shown = want == "absent" ? "absent" : "\"" + want + "\"";
      fail_step(st, false, "expected the broker to choose the WebSocket subprotocol " + shown + " for client " + c.name + ", it answered " + got,
                {"subprotocol " + shown}, got);
    }
    return status::done;
  }
  std::vector<client*> who{&c};
  std::string names = c.name;
  for (const auto& n : a.more_clients) {
    who.push_back(&get(n));
    names += "," + n;
  }
  std::vector<const json::object*> hits;
  for (const client* w : who) {
    for (const auto& o : w->history) {
      if (matches(a.packet, o, bind_)) hits.push_back(&o);
    }
  }
  std::string want = describe(a.packet, bind_);
  if (a.k == assert_step::kind::received) {
    double n = static_cast<double>(hits.size());
    double k = static_cast<double>(a.count);
    bool ok = a.count_op == matcher::op::eq   ? n == k
              : a.count_op == matcher::op::ne ? n != k
              : a.count_op == matcher::op::lt ? n < k
              : a.count_op == matcher::op::le ? n <= k
              : a.count_op == matcher::op::gt ? n > k
                                              : n >= k;
    if (!ok) {
      fail_step(st, false, "expected client " + names + " to have received " + std::to_string(a.count) + " × " + want + ", it received " +
                               std::to_string(hits.size()),
                {std::to_string(a.count) + " × " + want}, std::to_string(hits.size()));
    }
    return status::done;
  }
  json::array got;
  for (const auto* o : hits) {
    const json::value* v = find_field(*o, a.by_field);
    got.push_back(v ? *v : json::value(nullptr));
  }
  json::array wanted;
  for (const term& t : a.sequence) wanted.push_back(resolve(t, bind_));
  if (!same_value(got, wanted)) {
    fail_step(st, false, "expected " + want + " in the order " + a.by_field + " = " + json::serialize(wanted),
              {json::serialize(wanted)}, json::serialize(got));
  }
  return status::done;
}

namespace {

// A reconnection this close to a timer's edge (scaled by the time factor) is not judged.
constexpr ms boundary_guard_ms = 250;

// The checkers name messages m<client>.<seq> and connections "connection <id>": what each
// one that `text` names is, in the order named.
std::vector<std::string> legend(const std::string& text, const std::map<std::string, std::string>& names) {
  auto digits_from = [&](std::size_t at) {
    while (at < text.size() && std::isdigit(static_cast<unsigned char>(text[at]))) ++at;
    return at;
  };
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (i > 0 && std::isalnum(static_cast<unsigned char>(text[i - 1]))) continue;
    std::size_t end = 0;
    if (text[i] == 'm') {
      std::size_t dot = digits_from(i + 1);
      if (dot == i + 1 || dot >= text.size() || text[dot] != '.') continue;
      end = digits_from(dot + 1);
      if (end == dot + 1) continue;
    } else if (text.compare(i, 11, "connection ") == 0) {
      end = digits_from(i + 11);
      if (end == i + 11) continue;
    } else {
      continue;
    }
    std::string name = text.substr(i, end - i);
    auto it = names.find(name);
    if (it != names.end() && seen.insert(name).second) out.push_back(name + " is " + it->second);
  }
  return out;
}

}  // namespace

// Judges the history so far; while a rule is broken, waits for what is owed to come (each
// event looks again), until the step's deadline.
interpreter::status interpreter::run_check(const step& st, const check_step& cs, ms now) {
  const std::string where = s_.file + ":" + std::to_string(st.pos.line) + ": check history: ";
  if (transcript_dropped_ > 0) {
    finish(verdict::error, where + "the transcript went past its bound of " + std::to_string(ctx_.transcript_max) +
                               " entries, so the history is incomplete", &st);
    return status::done;
  }
  history_context hc;
  hc.topic_prefix = bind_.topic_prefix;
  hc.client_id_prefix = "mh" + ctx_.run_tag;
  if (auto d = ctx_.profile_values.find("denied_topic"); d != ctx_.profile_values.end()) hc.denied_topic = d->second;
  hc.retain_available = ctx_.capabilities.contains("retain");
  hc.origin = started_at_;
  hc.boundary_guard_ms = scaled(boundary_guard_ms);
  case_history h = build_case_history(transcript_, hc, now);
  if (!h.unjudgeable.empty()) {
    finish(verdict::error, where + h.unjudgeable, &st);
    return status::done;
  }
  std::vector<check::violation> found;
  std::string judged;
  for (const check::rule_info& r : check::rules()) {
    bool wanted = cs.rules.empty() ? judged_in_scenarios(r.id)
                                   : std::find(cs.rules.begin(), cs.rules.end(), r.id) != cs.rules.end();
    if (wanted) judged += (judged.empty() ? "" : ", ") + std::string(r.name);
  }
  for (check::violation& v : check::check_history(h.history, h.facts)) {
    const check::rule_info* r = check::find_rule(v.rule);
    bool wanted = r && (cs.rules.empty() ? judged_in_scenarios(r->id)
                                         : std::find(cs.rules.begin(), cs.rules.end(), r->id) != cs.rules.end());
    if (wanted) found.push_back(std::move(v));
  }
  if (found.empty()) return status::done;
  if (deadline_ && now < *deadline_) return status::waiting;
  const check::violation& v = found.front();
  std::string message = v.rule + " (" + v.statement + "): " + v.message;
  if (found.size() > 1) message += " (and " + std::to_string(found.size() - 1) + " more)";
  std::string actual;
  for (const std::string& e : v.evidence) actual += (actual.empty() ? "" : "\n") + e;
  std::string named = v.message;
  for (const std::string& e : v.evidence) named += " " + e;
  for (const std::string& l : legend(named, h.names)) actual += (actual.empty() ? "" : "\n") + l;
  fail_step(st, false, "check history: " + message, {"no violation of " + judged}, actual);
  return status::done;
}

}  // namespace harness::script
