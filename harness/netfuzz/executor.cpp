// The executor: each case in flight has its connections on the shared event loop, a timer for
// its next step and one for its deadline. Both directions are framed as they go (our decoder,
// server role for what we send, client role for what comes back) only to count requests and
// answers, so a case ends as soon as every answer it is owed has arrived or the broker closed.
#include "netfuzz/executor.hpp"

#include <array>
#include <deque>
#include <utility>

#include "mqtt/assert.hpp"
#include "mqtt/codec/decoder.hpp"
#include "mqtt/codec/encoder.hpp"
#include "transport/connection.hpp"
#include "transport/event_loop.hpp"

namespace harness::netfuzz {
namespace {

namespace codec = mqtt::codec;
namespace tr = harness::transport;

// Requests counted on what we send, answers on what we receive, per connection.
struct flow_counts {
  std::size_t pingreq = 0, subscribe = 0, unsubscribe = 0, publish_qos1 = 0, publish_qos2 = 0, pubrel = 0;
  std::size_t pingresp = 0, suback = 0, unsuback = 0, puback = 0, pubrec = 0, pubcomp = 0;
  bool owed_all() const {
    return pingresp >= pingreq && suback >= subscribe && unsuback >= unsubscribe && puback >= publish_qos1 &&
           pubrec >= publish_qos2 && pubcomp >= pubrel;
  }
};

const std::array<std::uint8_t, 2> pingreq_bytes{0xC0, 0x00};

// Answers held back while the case's bytes end inside a packet, at most per connection.
constexpr std::size_t answers_held_max = 256;

template <class Ack>
Ack ack_for(std::uint16_t id) {
  Ack a;
  a.packet_id = id;
  return a;
}

struct live_connection {
  std::unique_ptr<tr::connection> conn;
  enum class state : std::uint8_t { idle, opening, open, ended } st = state::idle;
  std::deque<byte_vector> waiting;  // writes queued before the connection opened
  // Answers to the broker's deliveries wait while the case's own bytes end inside a packet (a
  // packet cut into several writes): written in between, they would become part of it.
  std::deque<byte_vector> held_answers;
  codec::stream_decoder sent_decoder;
  codec::stream_decoder received_decoder;
  bool sent_failed = false;
  flow_counts counts;
};

}  // namespace

struct executor::impl {
  struct running {
    fuzz_case c;
    case_record r;
    std::size_t next_step = 0;
    bool steps_done = false;
    std::uint64_t started_ms = 0;
    std::array<live_connection, case_connections_max> live;
    std::optional<tr::event_loop::timer_id> step_timer, deadline_timer;
    bool finished = false;
  };

  executor_options o;
  tr::event_loop loop;
  std::vector<std::unique_ptr<running>> in_flight;
  std::vector<std::unique_ptr<running>> ended;

  explicit impl(executor_options opts) : o(std::move(opts)) {}

  void start(fuzz_case c) {
    auto run = std::make_unique<running>();
    run->c = std::move(c);
    run->r.conns.resize(case_connections_max);
    run->started_ms = loop.now_ms();
    for (live_connection& l : run->live) {
      codec::decode_options server{.version = run->c.version, .receiver = codec::receiver_role::server};
      codec::decode_options client{.version = run->c.version, .receiver = codec::receiver_role::client,
                                   .adopt_connect_version = false};
      l.sent_decoder = codec::stream_decoder(server);
      l.received_decoder = codec::stream_decoder(client);
    }
    std::uint64_t pauses = 0;
    for (const step& s : run->c.steps) pauses += s.delay_ms;
    running* p = run.get();
    run->deadline_timer = loop.call_after(pauses + o.case_deadline_ms, [this, p] {
      p->deadline_timer.reset();
      p->r.deadline_hit = true;
      finish(*p);
    });
    in_flight.push_back(std::move(run));
    advance(*p);
  }

  // Runs every step that is due, then arms the timer for the next one.
  void advance(running& run) {
    while (!run.finished && run.next_step < run.c.steps.size()) {
      const step& s = run.c.steps[run.next_step];
      if (s.delay_ms > 0 && !run.step_timer) {
        running* p = &run;
        run.step_timer = loop.call_after(s.delay_ms, [this, p] {
          p->step_timer.reset();
          do_step(*p);
          advance(*p);
        });
        return;
      }
      if (run.step_timer) return;
      do_step(run);
    }
    if (!run.finished && run.next_step >= run.c.steps.size() && !run.steps_done) {
      run.steps_done = true;
      for (std::size_t k = 0; k < case_connections_max; ++k) fence(run, k);
      check_settled(run);
    }
  }

  void do_step(running& run) {
    const step& s = run.c.steps[run.next_step++];
    MQTT_ASSERT(s.conn < case_connections_max);
    live_connection& l = run.live[s.conn];
    connection_record& rec = run.r.conns[s.conn];
    rec.used = true;
    if (s.k == step::kind::close) {
      if (l.st == live_connection::state::open || l.st == live_connection::state::opening) {
        l.conn->close();
        l.st = live_connection::state::ended;
        rec.ended_by_case = true;
        rec.ended_at_ms = loop.now_ms() - run.started_ms;
      }
      return;
    }
    write(run, s.conn, byte_vector(s.bytes));
  }

  void write(running& run, std::size_t k, byte_vector bytes) {
    live_connection& l = run.live[k];
    if (l.st == live_connection::state::ended) return;
    if (l.st == live_connection::state::idle) open(run, k);
    if (l.st == live_connection::state::opening) {
      l.waiting.push_back(std::move(bytes));
      return;
    }
    put(run, k, bytes);
  }

  void put(running& run, std::size_t k, const byte_vector& bytes) {
    live_connection& l = run.live[k];
    connection_record& rec = run.r.conns[k];
    if (!l.conn->write(bytes)) return;
    rec.sent.insert(rec.sent.end(), bytes.begin(), bytes.end());
    if (l.sent_failed) return;
    auto e = l.sent_decoder.feed(bytes, [&](const codec::packet& p) { count_sent(l.counts, p); });
    if (e) l.sent_failed = true;
    while (!l.held_answers.empty() && at_packet_boundary(l)) {
      byte_vector a = std::move(l.held_answers.front());
      l.held_answers.pop_front();
      put(run, k, a);
    }
  }

  static bool at_packet_boundary(const live_connection& l) { return !l.sent_failed && !l.sent_decoder.mid_packet(); }

  void answer(running& run, std::size_t k, byte_vector bytes) {
    live_connection& l = run.live[k];
    if (!at_packet_boundary(l)) {
      if (l.held_answers.size() < answers_held_max) l.held_answers.push_back(std::move(bytes));
      return;
    }
    put(run, k, bytes);
  }

  static void count_sent(flow_counts& n, const codec::packet& p) {
    if (std::holds_alternative<codec::pingreq>(p)) ++n.pingreq;
    else if (std::holds_alternative<codec::subscribe>(p)) ++n.subscribe;
    else if (std::holds_alternative<codec::unsubscribe>(p)) ++n.unsubscribe;
    else if (std::holds_alternative<codec::pubrel>(p)) ++n.pubrel;
    else if (const auto* pub = std::get_if<codec::publish>(&p)) {
      if (pub->qos == codec::qos::at_least_once) ++n.publish_qos1;
      if (pub->qos == codec::qos::exactly_once) ++n.publish_qos2;
    }
  }

  void open(running& run, std::size_t k) {
    live_connection& l = run.live[k];
    connection_record& rec = run.r.conns[k];
    rec.used = true;
    running* p = &run;
    l.st = live_connection::state::opening;
    l.conn = std::make_unique<tr::connection>(
        loop, o.where, o.connection,
        tr::connection::handlers{
            .on_open = [this, p, k] { on_open(*p, k); },
            .on_data = [this, p, k](std::span<const std::uint8_t> b) { on_data(*p, k, b); },
            .on_close = [this, p, k](const tr::close_info& i) { on_close(*p, k, i); },
            .on_drained = nullptr,
        });
    l.conn->open();
  }

  void on_open(running& run, std::size_t k) {
    live_connection& l = run.live[k];
    l.st = live_connection::state::open;
    run.r.conns[k].opened = true;
    while (!l.waiting.empty() && l.st == live_connection::state::open) {
      byte_vector b = std::move(l.waiting.front());
      l.waiting.pop_front();
      put(run, k, b);
    }
    if (run.steps_done) fence(run, k);
  }

  void on_data(running& run, std::size_t k, std::span<const std::uint8_t> bytes) {
    live_connection& l = run.live[k];
    connection_record& rec = run.r.conns[k];
    rec.received.insert(rec.received.end(), bytes.begin(), bytes.end());
    if (rec.received.size() > case_bytes_max * 4) {  // a broker that floods: stop reading it
      finish(run);
      return;
    }
    std::vector<byte_vector> answers;
    l.received_decoder.feed(bytes, [&](const codec::packet& p) { count_received(run, l.counts, p, answers); });
    for (byte_vector& a : answers) answer(run, k, std::move(a));
    check_settled(run);
  }

  void count_received(const running& run, flow_counts& n, const codec::packet& p, std::vector<byte_vector>& answers) {
    if (std::holds_alternative<codec::pingresp>(p)) ++n.pingresp;
    else if (std::holds_alternative<codec::suback>(p)) ++n.suback;
    else if (std::holds_alternative<codec::unsuback>(p)) ++n.unsuback;
    else if (std::holds_alternative<codec::puback>(p)) ++n.puback;
    else if (std::holds_alternative<codec::pubrec>(p)) {
      ++n.pubrec;
    } else if (std::holds_alternative<codec::pubcomp>(p)) {
      ++n.pubcomp;
    }
    if (!run.c.auto_ack) return;
    byte_vector out;
    if (const auto* pub = std::get_if<codec::publish>(&p)) {
      if (pub->qos == codec::qos::at_least_once) codec::encode_unchecked(ack_for<codec::puback>(pub->packet_id), run.c.version, out);
      if (pub->qos == codec::qos::exactly_once) codec::encode_unchecked(ack_for<codec::pubrec>(pub->packet_id), run.c.version, out);
    } else if (const auto* rel = std::get_if<codec::pubrel>(&p)) {
      codec::encode_unchecked(ack_for<codec::pubcomp>(rel->packet_id), run.c.version, out);
    }
    if (!out.empty()) answers.push_back(std::move(out));
  }

  void on_close(running& run, std::size_t k, const tr::close_info& i) {
    live_connection& l = run.live[k];
    connection_record& rec = run.r.conns[k];
    if (!rec.opened) rec.open_error = std::string(tr::to_string(i.kind)) + ": " + i.detail;
    l.st = live_connection::state::ended;
    l.waiting.clear();
    rec.ended_by_broker = rec.opened;
    rec.end = std::string(tr::to_string(i.kind));
    rec.ended_at_ms = loop.now_ms() - run.started_ms;
    check_settled(run);
  }

  // The closing PINGREQ on a connection still open once every step has run.
  void fence(running& run, std::size_t k) {
    live_connection& l = run.live[k];
    connection_record& rec = run.r.conns[k];
    if (rec.fence_sent || l.st != live_connection::state::open) return;
    rec.fence_sent = true;
    put(run, k, byte_vector(pingreq_bytes.begin(), pingreq_bytes.end()));
  }

  void check_settled(running& run) {
    if (run.finished || !run.steps_done) return;
    bool all = true;
    for (std::size_t k = 0; k < case_connections_max; ++k) {
      live_connection& l = run.live[k];
      connection_record& rec = run.r.conns[k];
      if (!rec.used || l.st == live_connection::state::ended) continue;
      const bool must_end = (run.c.expect_end_mask >> k) & 1U;
      // A PINGRESP beyond the PINGREQs read before a packet the broker had to refuse decides the
      // case as well: the broker went on reading after it.
      const bool answered_past_refusal = l.sent_failed && rec.fence_sent && l.counts.pingresp > l.counts.pingreq;
      bool settled = !must_end && l.st == live_connection::state::open && rec.fence_sent &&
                     ((!l.sent_failed && !l.sent_decoder.mid_packet() && l.counts.owed_all()) || answered_past_refusal);
      rec.settled = settled;
      all = all && settled;
    }
    if (all) finish(run);
  }

  void finish(running& run) {
    if (run.finished) return;
    run.finished = true;
    if (run.step_timer) loop.cancel(*run.step_timer);
    if (run.deadline_timer) loop.cancel(*run.deadline_timer);
    run.step_timer.reset();
    run.deadline_timer.reset();
    run.r.elapsed_ms = loop.now_ms() - run.started_ms;
    for (std::size_t k = 0; k < case_connections_max; ++k) {
      live_connection& l = run.live[k];
      if (l.conn && l.st != live_connection::state::ended) l.conn->close();
      l.st = live_connection::state::ended;
    }
    // Handlers of this case may be on the stack: the case is moved out of in_flight and
    // destroyed after the loop returns.
    for (auto it = in_flight.begin(); it != in_flight.end(); ++it) {
      if (it->get() == &run) {
        ended.push_back(std::move(*it));
        in_flight.erase(it);
        break;
      }
    }
    loop.stop();
  }
};

executor::executor(executor_options o) : impl_(std::make_unique<impl>(std::move(o))) {
  MQTT_ASSERT(impl_->o.concurrency >= 1);
}

executor::~executor() = default;

void executor::run(const std::function<std::optional<fuzz_case>()>& next,
                   const std::function<void(fuzz_case&&, case_record&&)>& done, const std::function<bool()>& stop) {
  impl& m = *impl_;
  bool dry = false;
  while (true) {
    while (!dry && m.in_flight.size() < m.o.concurrency && !stop()) {
      std::optional<fuzz_case> c = next();
      if (!c) {
        dry = true;
        break;
      }
      m.start(std::move(*c));
    }
    if (m.in_flight.empty() && m.ended.empty()) break;
    if (!m.in_flight.empty()) m.loop.run_until(m.loop.now_ms() + 100);
    std::vector<std::unique_ptr<impl::running>> finished = std::move(m.ended);
    m.ended.clear();
    for (auto& r : finished) {
      fuzz_case c = std::move(r->c);
      case_record rec = std::move(r->r);
      r.reset();  // closes its connections before the next cases open theirs
      done(std::move(c), std::move(rec));
    }
    if ((dry || stop()) && m.in_flight.empty()) break;
  }
}

case_record executor::run_one(const fuzz_case& c) {
  std::optional<case_record> out;
  bool given = false;
  run([&]() -> std::optional<fuzz_case> {
        if (given) return std::nullopt;
        given = true;
        return c;
      },
      [&](fuzz_case&&, case_record&& r) { out = std::move(r); }, [] { return false; });
  MQTT_ASSERT(out.has_value());
  return std::move(*out);
}

}  // namespace harness::netfuzz
