// The proxy on Asio: one io_context on one thread; an acceptor; per client a `link` of two
// sockets and two pipes (up: client to broker, down: broker to client). A pipe reads from its
// sender, stamps each chunk with the time it may go (latency, bandwidth, stalls, partitions),
// cuts it (slices), queues it, and writes it to its receiver when that time comes; resets and
// half-opens act on the sockets. The record of what reached the broker is fed from the up
// pipe's writes, through the codec's stream decoder. The broker's side is an upstream_stream
// (upstream.hpp): TCP as it is, or the upstream's TLS or WebSocket around the MQTT bytes.
#include "proxy/proxy.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include <algorithm>
#include <chrono>
#include <deque>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "mqtt/codec/decoder.hpp"
#include "proxy/upstream.hpp"
#include "sim/random.hpp"

namespace harness::proxy {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;
using clock_type = std::chrono::steady_clock;

constexpr std::uint64_t held_forever = UINT64_MAX;  // a chunk held until its fault is cleared
constexpr std::size_t read_size = 16 * 1024;

bool applies(direction fault_dir, direction d) { return fault_dir == direction::both || fault_dir == d; }

struct chunk {
  std::uint64_t ready_ms = 0;
  std::vector<std::uint8_t> bytes;
};

struct pipe_state {
  direction dir = direction::up;
  std::deque<chunk> queue;
  std::size_t held = 0;
  std::uint64_t last_ready_ms = 0;
  std::uint64_t bandwidth_free_ms = 0;
  std::uint64_t delivered = 0;
  bool reading = false, writing = false, eof = false, shut = false;
  std::optional<asio::steady_timer> timer;
};

}  // namespace

struct proxy::impl : std::enable_shared_from_this<proxy::impl> {
  struct active_fault {
    std::uint64_t id;
    fault f;
    std::uint64_t added_ms;
    bool window_over(std::uint64_t now) const { return f.ms != 0 && now >= added_ms + f.ms; }
  };

  struct link : std::enable_shared_from_this<link> {
    link(asio::io_context& io, std::uint64_t n, std::shared_ptr<detail::upstream_stream> up_stream)
        : client(io), broker(std::move(up_stream)), number(n) {
      up.dir = direction::up;
      down.dir = direction::down;
      up.timer.emplace(io);
      down.timer.emplace(io);
    }
    tcp::socket client;
    std::shared_ptr<detail::upstream_stream> broker;
    std::uint64_t number;
    pipe_state up, down;
    bool broker_connected = false;
    bool closed = false;
    bool client_dead = false, broker_dead = false;  // told (half-open): neither read nor written
    std::set<std::uint64_t> stalled;                 // stall faults that already acted
    std::map<std::uint64_t, std::uint64_t> reset_base;  // reset fault -> delivered bytes when first seen
    std::set<std::uint64_t> half_opened;
    mqtt::codec::stream_decoder decoder{{.version = mqtt::codec::protocol_version::v3_1_1,
                                         .receiver = mqtt::codec::receiver_role::server}};
    bool decoding = true;
    std::size_t record_index = 0;
    std::array<std::uint8_t, read_size> client_buf{}, broker_buf{};
  };

  explicit impl(proxy_options o) : o_(std::move(o)), rng_(o_.seed), acceptor_(io_) {
    if (o_.origin) origin_ = *o_.origin;
  }

  proxy_options o_;
  asio::io_context io_{1};
  sim::prng rng_;
  tcp::acceptor acceptor_;
  std::thread thread_;
  clock_type::time_point start_ = clock_type::now();
  clock_type::time_point origin_ = start_;  // of the records' *_us times
  std::uint16_t port_ = 0;
  bool running_ = false;
  bool stopping_ = false;  // io thread only

  mutable std::mutex m_;  // faults_ and records_, read from other threads
  std::vector<active_fault> faults_;
  std::uint64_t next_fault_id_ = 1;
  std::vector<connection_record> records_;
  std::uint64_t next_number_ = 1;
  std::map<std::uint64_t, std::shared_ptr<link>> links_;  // io thread only
  std::vector<std::shared_ptr<link>> waiting_;            // accepted, upstream connect held
  std::optional<asio::steady_timer> wake_;
  std::shared_ptr<const detail::upstream_setup> upstream_;

  std::uint64_t now_ms() const {
    return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - start_).count());
  }

  std::uint64_t now_us() const {
    const auto d = std::chrono::duration_cast<std::chrono::microseconds>(clock_type::now() - origin_).count();
    return d > 0 ? static_cast<std::uint64_t>(d) : 0;
  }

  // ---- records ----

  // The broker's side of `l` ended now, as `how` says (the first time counts).
  void broker_side_ended(const link& l, const char* how) {
    if (!l.broker_connected) return;
    bool first = false;
    const std::uint64_t at = std::max<std::uint64_t>(now_us(), 1);
    edit(l, [&](connection_record& r) {
      if (r.broker_ended_us != 0) return;
      first = true;
      r.broker_ended_us = at;
      r.broker_end = how;
    });
    const std::string_view h = how;
    if (first && o_.on_broker_end) o_.on_broker_end(l.number, h.starts_with("broker"), h.ends_with("reset"), at);
  }

  template <typename F>
  void edit(const link& l, F&& fn) {
    std::lock_guard lock(m_);
    if (l.record_index < records_.size()) fn(records_[l.record_index]);
  }
  void note_fault(const link& l, const std::string& what) {
    edit(l, [&](connection_record& r) {
      if (std::find(r.faults.begin(), r.faults.end(), what) == r.faults.end()) r.faults.push_back(what);
    });
  }
  void set_end(const link& l, const std::string& why) {
    edit(l, [&](connection_record& r) {
      if (r.end == "open") r.end = why;
    });
  }

  std::vector<active_fault> faults_for(const link& l) {
    std::lock_guard lock(m_);
    std::vector<active_fault> out;
    for (const active_fault& a : faults_) {
      if (a.f.connection == 0 || a.f.connection == l.number) out.push_back(a);
    }
    return out;
  }

  // ---- start and stop ----

  std::optional<std::string> start() {
    std::string setup_error;
    upstream_ = detail::make_upstream_setup(o_.upstream, o_.upstream_options, setup_error);
    if (!upstream_) return "upstream " + o_.upstream.url() + ": " + setup_error;
    error_code ec;
    const auto address = asio::ip::make_address(o_.listen_host, ec);
    if (ec) return "cannot listen on '" + o_.listen_host + "': " + ec.message();
    tcp::endpoint at(address, o_.listen_port);
    acceptor_.open(at.protocol(), ec);
    if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) acceptor_.bind(at, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) return "cannot listen on " + o_.listen_host + ":" + std::to_string(o_.listen_port) + ": " + ec.message();
    port_ = acceptor_.local_endpoint().port();
    wake_.emplace(io_);
    accept();
    tick();
    running_ = true;
    thread_ = std::thread([self = shared_from_this()] { self->io_.run(); });
    return std::nullopt;
  }

  void stop() {
    if (!running_) return;
    running_ = false;
    asio::post(io_, [self = shared_from_this()] {
      // A handler already queued (a timer that just fired, a connection just accepted) runs
      // after this one: it sees `stopping_` and starts nothing, or run() would never return.
      self->stopping_ = true;
      error_code ec;
      self->acceptor_.close(ec);
      if (self->wake_) self->wake_->cancel();
      for (auto& [n, l] : std::map(self->links_)) self->close_link(*l, "proxy stopped", false);
      for (auto& l : std::vector(self->waiting_)) self->close_link(*l, "proxy stopped", false);
      self->waiting_.clear();
      // Every operation is now cancelled; run() returns once their handlers have run.
    });
    thread_.join();
  }

  // Every 10 ms: windows that ended let held connects and chunks go on.
  void tick() {
    wake_->expires_after(std::chrono::milliseconds(10));
    wake_->async_wait([self = shared_from_this()](const error_code& ec) {
      if (ec || self->stopping_) return;
      self->on_tick();
      self->tick();
    });
  }

  void on_tick() {
    const std::uint64_t now = now_ms();
    {
      std::lock_guard lock(m_);
      std::erase_if(faults_, [&](const active_fault& a) {
        const bool windowed = a.f.type == fault_type::partition || a.f.type == fault_type::refuse ||
                              a.f.type == fault_type::hang_connects;
        return windowed && a.window_over(now);
      });
    }
    std::vector<std::shared_ptr<link>> still;
    for (auto& l : waiting_) {
      if (l->closed) continue;
      if (connects_held(*l)) still.push_back(l);
      else connect_upstream(l);
    }
    waiting_ = std::move(still);
    for (auto& [n, l] : links_) {
      release_held(*l, l->up);
      release_held(*l, l->down);
    }
  }

  // ---- accepting ----

  void accept() {
    acceptor_.async_accept([self = shared_from_this()](const error_code& ec, tcp::socket s) {
      if (ec || self->stopping_) return;  // closed: stopping (`s` closes with it)
      self->on_accept(std::move(s));
      self->accept();
    });
  }

  void on_accept(tcp::socket s) {
    auto l = std::make_shared<link>(io_, next_number_++, detail::make_upstream(io_, upstream_));
    l->client = std::move(s);
    error_code ec;
    l->client.set_option(tcp::no_delay(true), ec);
    {
      std::lock_guard lock(m_);
      if (records_.size() >= proxy_records_max) records_.erase(records_.begin(), records_.begin() + proxy_records_max / 10);
      connection_record r;
      r.number = l->number;
      r.opened_ms = now_ms();
      r.opened_us = now_us();
      error_code pe;
      const auto peer = l->client.remote_endpoint(pe);
      r.client_port = pe ? 0 : peer.port();
      records_.push_back(r);
      l->record_index = records_.size() - 1;
    }
    if (links_.size() + waiting_.size() >= proxy_connections_max) {
      finish(*l, "refused: too many connections");
      reset_socket(l->client);
      return;
    }
    for (const active_fault& a : faults_for(*l)) {
      if (a.f.type == fault_type::refuse) {
        note_fault(*l, describe(a.f));
        finish(*l, "refused by fault");
        reset_socket(l->client);
        return;
      }
    }
    links_[l->number] = l;
    read(l, true);  // what the client sends before the broker is there is held
    if (connects_held(*l)) {
      waiting_.push_back(l);
    } else {
      connect_upstream(l);
    }
  }

  bool connects_held(const link& l) {
    for (const active_fault& a : faults_for(l)) {
      if (a.f.type == fault_type::hang_connects || a.f.type == fault_type::partition) {
        note_fault(l, describe(a.f));
        return true;
      }
    }
    return false;
  }

  void connect_upstream(const std::shared_ptr<link>& l) {
    error_code ec;
    const std::string& host = o_.upstream.host == "localhost" ? std::string("127.0.0.1") : o_.upstream.host;
    const auto address = asio::ip::make_address(host, ec);
    if (ec) {
      close_link(*l, "upstream refused: " + ec.message(), true);
      return;
    }
    l->broker->socket().async_connect(tcp::endpoint(address, o_.upstream.port), [self = shared_from_this(), l](const error_code& e) {
      if (l->closed) return;
      if (e) {
        self->close_link(*l, "upstream refused: " + e.message(), true);
        return;
      }
      error_code ignored;
      l->broker->socket().set_option(tcp::no_delay(true), ignored);
      // TLS handshake, WebSocket upgrade (nothing on tcp); the client's bytes wait meanwhile.
      l->broker->async_handshake([self, l](const std::string& failed) {
        if (l->closed) return;
        if (!failed.empty()) {
          self->close_link(*l, "upstream refused: " + failed, true);
          return;
        }
        l->broker_connected = true;
        self->edit(*l, [](connection_record& r) { r.upstream_connected = true; });
        self->apply_half_open(*l);
        self->read(l, false);
        self->pump(l, l->up);
        self->pump(l, l->down);
      });
    });
  }

  // ---- reading ----

  void read(const std::shared_ptr<link>& l, bool from_client) {
    pipe_state& p = from_client ? l->up : l->down;
    if (l->closed || p.reading || p.eof || p.held >= held_bytes_max) return;
    if (from_client ? l->client_dead : l->broker_dead) return;
    p.reading = true;
    auto& buf = from_client ? l->client_buf : l->broker_buf;
    auto done = [self = shared_from_this(), l, from_client](const error_code& ec, std::size_t n) {
      pipe_state& p = from_client ? l->up : l->down;
      p.reading = false;
      if (l->closed) return;
      if (ec) {
        self->on_read_end(l, from_client, ec);
        return;
      }
      const auto& buf = from_client ? l->client_buf : l->broker_buf;
      self->on_bytes(l, p, std::vector<std::uint8_t>(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n)));
      self->read(l, from_client);
    };
    if (from_client) {
      l->client.async_read_some(asio::buffer(buf), std::move(done));
    } else {
      l->broker->async_read_some(asio::buffer(buf), std::move(done));
    }
  }

  void on_read_end(const std::shared_ptr<link>& l, bool from_client, const error_code& ec) {
    const bool dead = from_client ? l->client_dead : l->broker_dead;
    if (dead) return;
    const bool orderly = from_client ? ec == asio::error::eof : l->broker->orderly_end(ec);
    if (!from_client) broker_side_ended(*l, orderly ? "broker closed" : "broker reset");
    if (orderly) {
      pipe_state& p = from_client ? l->up : l->down;
      p.eof = true;
      if (!(from_client ? l->broker_dead : l->client_dead)) set_end(*l, from_client ? "client closed" : "broker closed");
      pump(l, p);
      // A half-open link whose live end closed: nothing is left to keep.
      if (l->client_dead || l->broker_dead) close_link(*l, "", false);
      return;
    }
    close_link(*l, from_client ? "client reset" : "broker reset", true);
  }

  // Stamps and queues what one side sent.
  void on_bytes(const std::shared_ptr<link>& l, pipe_state& p, std::vector<std::uint8_t> bytes) {
    const std::uint64_t now = now_ms();
    std::uint64_t ready = now;
    std::uint32_t slice = 0, slice_delay = 0;
    for (const active_fault& a : faults_for(*l)) {
      if (!applies(a.f.dir, p.dir)) continue;
      switch (a.f.type) {
        case fault_type::black_hole:
          note_fault(*l, describe(a.f));
          return;  // gone
        case fault_type::latency:
          ready += a.f.ms + (a.f.jitter_ms != 0 ? rng_.below(a.f.jitter_ms + 1ULL) : 0);
          break;
        case fault_type::bandwidth: {
          const std::uint64_t start = std::max(ready, p.bandwidth_free_ms);
          p.bandwidth_free_ms = start + bytes.size() * 1000 / (a.f.rate_kib_s * 1024ULL);
          ready = p.bandwidth_free_ms;
          break;
        }
        case fault_type::stall:
          if (l->stalled.insert(a.id).second) {
            note_fault(*l, describe(a.f));
            ready += a.f.ms;
          }
          break;
        case fault_type::partition:
          note_fault(*l, describe(a.f));
          ready = a.f.ms == 0 ? held_forever : std::max(ready, a.added_ms + a.f.ms);
          break;
        case fault_type::slice:
          slice = slice == 0 ? a.f.bytes : std::min(slice, a.f.bytes);
          slice_delay = std::max(slice_delay, a.f.delay_ms);
          break;
        default: break;
      }
    }
    if (ready != held_forever) ready = std::max(ready, p.last_ready_ms);
    if (ready != held_forever) p.last_ready_ms = ready;
    p.held += bytes.size();
    if (slice == 0 || bytes.size() <= slice) {
      p.queue.push_back(chunk{ready, std::move(bytes)});
    } else {
      for (std::size_t at = 0; at < bytes.size(); at += slice) {
        const std::size_t n = std::min<std::size_t>(slice, bytes.size() - at);
        p.queue.push_back(chunk{ready, std::vector<std::uint8_t>(bytes.begin() + static_cast<std::ptrdiff_t>(at),
                                                                 bytes.begin() + static_cast<std::ptrdiff_t>(at + n))});
        if (ready != held_forever) ready += slice_delay;
      }
      if (ready != held_forever) p.last_ready_ms = ready;
    }
    pump(l, p);
  }

  bool black_holed(const link& l, const pipe_state& p) {
    for (const active_fault& a : faults_for(l)) {
      if (a.f.type == fault_type::black_hole && applies(a.f.dir, p.dir)) return true;
    }
    return false;
  }

  // Chunks held by a partition until cleared go once no partition holds them.
  void release_held(link& l, pipe_state& p) {
    if (p.queue.empty() || p.queue.front().ready_ms != held_forever) return;
    for (const active_fault& a : faults_for(l)) {
      if (a.f.type == fault_type::partition && applies(a.f.dir, p.dir)) return;
    }
    const std::uint64_t now = now_ms();
    for (chunk& c : p.queue) {
      if (c.ready_ms == held_forever) c.ready_ms = now;
    }
    p.last_ready_ms = std::max(p.last_ready_ms, now);
    auto self_link = links_.find(l.number);
    if (self_link != links_.end()) pump(self_link->second, p);
  }

  // ---- writing ----

  void pump(const std::shared_ptr<link>& l, pipe_state& p) {
    if (l->closed || p.writing || !l->broker_connected) return;
    const bool to_broker = p.dir == direction::up;
    if (to_broker ? l->broker_dead : l->client_dead) return;
    if (p.queue.empty()) {
      // A black hole swallows the FIN too: only keep alive can tell the other end.
      if (p.eof && !p.shut && !black_holed(*l, p)) {
        p.shut = true;
        if (to_broker) broker_side_ended(*l, "proxy closed");
        if (to_broker) {
          l->broker->shutdown_send();
        } else {
          error_code ec;
          l->client.shutdown(tcp::socket::shutdown_send, ec);
        }
        if (l->up.shut && l->down.shut) close_link(*l, "", false);
      }
      return;
    }
    const std::uint64_t now = now_ms();
    chunk& c = p.queue.front();
    if (c.ready_ms == held_forever) return;  // release_held restarts it
    if (c.ready_ms > now) {
      p.timer->expires_after(std::chrono::milliseconds(c.ready_ms - now));
      p.timer->async_wait([self = shared_from_this(), l, &p](const error_code& ec) {
        if (!ec && !self->stopping_) self->pump(l, p);
      });
      return;
    }
    // A reset fault cuts the chunk where its byte count runs out.
    std::size_t n = c.bytes.size();
    std::optional<std::string> reset_by;
    for (const active_fault& a : faults_for(*l)) {
      if (a.f.type != fault_type::reset || !applies(a.f.dir, p.dir)) continue;
      const std::uint64_t base = l->reset_base.try_emplace(a.id, p.delivered).first->second;
      const std::uint64_t allowed = base + a.f.bytes > p.delivered ? base + a.f.bytes - p.delivered : 0;
      if (allowed <= n) {
        n = static_cast<std::size_t>(allowed);
        reset_by = describe(a.f);
      }
    }
    if (reset_by && n == 0) {
      note_fault(*l, *reset_by);
      close_link(*l, "reset by fault", true);
      return;
    }
    p.writing = true;
    auto bytes = std::make_shared<std::vector<std::uint8_t>>(c.bytes.begin(), c.bytes.begin() + static_cast<std::ptrdiff_t>(n));
    auto written = [self = shared_from_this(), l, &p, bytes, n, reset_by](const error_code& ec) {
      p.writing = false;
      if (l->closed) return;
      if (ec) {
        self->close_link(*l, p.dir == direction::up ? "broker reset" : "client reset", true);
        return;
      }
      self->delivered(*l, p, *bytes);
      chunk& front = p.queue.front();
      if (n == front.bytes.size()) {
        p.queue.pop_front();
      } else {
        front.bytes.erase(front.bytes.begin(), front.bytes.begin() + static_cast<std::ptrdiff_t>(n));
      }
      p.held -= n;
      if (reset_by) {
        self->note_fault(*l, *reset_by);
        self->close_link(*l, "reset by fault", true);
        return;
      }
      self->read(l, p.dir == direction::up);  // room again
      self->pump(l, p);
    };
    if (to_broker) {
      l->broker->async_write(asio::buffer(*bytes), std::move(written));
    } else {
      asio::async_write(l->client, asio::buffer(*bytes), [written = std::move(written)](const error_code& ec, std::size_t) { written(ec); });
    }
  }

  void delivered(link& l, pipe_state& p, const std::vector<std::uint8_t>& bytes) {
    p.delivered += bytes.size();
    const bool up = p.dir == direction::up;
    if (o_.on_written) o_.on_written(l.number, up, bytes, now_us());
    edit(l, [&](connection_record& r) { (up ? r.bytes_up : r.bytes_down) += bytes.size(); });
    if (!up || !l.decoding) return;
    auto e = l.decoder.feed(bytes, [&](const mqtt::codec::packet& pk) {
      edit(l, [&](connection_record& r) {
        // Written after the broker ended its side (its FIN came first, so a write still
        // succeeds): no broker reads it, so it did not reach the broker.
        if (r.broker_ended_us != 0) return;
        ++r.packets_to_broker;
        if (const auto* c = std::get_if<mqtt::codec::connect>(&pk); c && r.packets_to_broker == 1) {
          r.connect_reached_broker = true;
          r.connect_reached_us = std::max<std::uint64_t>(now_us(), 1);
          r.client_id = std::string(c->client_id);
        }
        if (std::holds_alternative<mqtt::codec::disconnect>(pk)) r.disconnect_reached_broker = true;
      });
    });
    if (e) l.decoding = false;
  }

  // ---- half-open and closing ----

  void apply_half_open(link& l) {
    for (const active_fault& a : faults_for(l)) {
      if (a.f.type != fault_type::half_open || !l.half_opened.insert(a.id).second) continue;
      note_fault(l, describe(a.f));
      // The record first: whoever is told may look at it at once.
      if (a.f.broker_end) {
        l.broker_dead = true;
        set_end(l, "half-open (broker told)");
        broker_side_ended(l, "proxy reset");
        reset_socket(l.broker->socket());
      } else {
        l.client_dead = true;
        set_end(l, "half-open (client told)");
        reset_socket(l.client);
      }
      return;
    }
  }

  static void reset_socket(tcp::socket& s) {
    error_code ec;
    if (!s.is_open()) return;
    s.set_option(asio::socket_base::linger(true, 0), ec);
    s.close(ec);
  }

  void finish(link& l, const std::string& why) {
    set_end(l, why);
    edit(l, [&](connection_record& r) { r.ended_ms = now_ms(); });
  }

  // `hard`: both ends get a RST; else the sockets close (FIN where not sent yet).
  void close_link(link& l, const std::string& why, bool hard) {
    if (l.closed) return;
    l.closed = true;
    if (!why.empty()) set_end(l, why);
    edit(l, [&](connection_record& r) { r.ended_ms = now_ms(); });
    if (!l.broker_dead) broker_side_ended(l, hard ? "proxy reset" : "proxy closed");
    error_code ec;
    l.up.timer->cancel();
    l.down.timer->cancel();
    if (hard) {
      reset_socket(l.client);
      reset_socket(l.broker->socket());
    } else {
      l.client.close(ec);
      l.broker->socket().close(ec);
    }
    links_.erase(l.number);
  }

  // ---- faults from other threads ----

  std::uint64_t add_fault(const fault& f) {
    std::uint64_t id;
    {
      std::lock_guard lock(m_);
      id = next_fault_id_++;
      faults_.push_back(active_fault{id, f, now_ms()});
    }
    if (f.type == fault_type::half_open) {
      asio::post(io_, [self = shared_from_this()] {
        for (auto& [n, l] : std::map(self->links_)) {
          if (l->broker_connected) self->apply_half_open(*l);
        }
      });
    }
    return id;
  }

  void after_change() {
    asio::post(io_, [self = shared_from_this()] {
      if (!self->stopping_) self->on_tick();
    });
  }
};

proxy::proxy(proxy_options o) : impl_(std::make_shared<impl>(std::move(o))) {}
proxy::~proxy() { stop(); }
std::optional<std::string> proxy::start() { return impl_->start(); }
void proxy::stop() { impl_->stop(); }
std::uint16_t proxy::port() const { return impl_->port_; }

std::uint64_t proxy::add_fault(const fault& f) { return impl_->add_fault(f); }

bool proxy::remove_fault(std::uint64_t id) {
  bool removed;
  {
    std::lock_guard lock(impl_->m_);
    removed = std::erase_if(impl_->faults_, [&](const impl::active_fault& a) { return a.id == id; }) != 0;
  }
  impl_->after_change();
  return removed;
}

void proxy::clear_faults() {
  {
    std::lock_guard lock(impl_->m_);
    impl_->faults_.clear();
  }
  impl_->after_change();
}

std::vector<fault> proxy::faults() const {
  std::lock_guard lock(impl_->m_);
  std::vector<fault> out;
  for (const auto& a : impl_->faults_) out.push_back(a.f);
  return out;
}

std::vector<connection_record> proxy::records() const {
  std::lock_guard lock(impl_->m_);
  return impl_->records_;
}

std::uint64_t proxy::await_record(const std::function<bool(const connection_record&)>& match,
                                  std::chrono::milliseconds wait) const {
  const auto until = std::chrono::steady_clock::now() + wait;
  for (;;) {
    std::uint64_t found = 0;
    for (const connection_record& r : records()) {
      if (match(r)) found = r.number;
    }
    if (found != 0 || std::chrono::steady_clock::now() >= until) return found;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

std::uint64_t proxy::await_open(std::uint16_t client_port, std::chrono::milliseconds wait) const {
  return await_record([&](const connection_record& r) { return r.client_port == client_port && r.end == "open"; }, wait);
}

std::size_t proxy::open_connections() const {
  std::lock_guard lock(impl_->m_);
  std::size_t n = 0;
  for (const connection_record& r : impl_->records_) n += r.end == "open" ? 1 : 0;
  return n;
}

std::string to_json_text(const connection_record& r) {
  auto quote = [](const std::string& s) {
    std::string out = "\"";
    for (char ch : s) {
      const auto u = static_cast<unsigned char>(ch);
      if (ch == '"' || ch == '\\') out += '\\', out += ch;
      else if (u < 0x20) {
        static constexpr char hex[] = "0123456789abcdef";
        out += "\\u00";
        out += hex[u >> 4];
        out += hex[u & 0x0F];
      } else out += ch;
    }
    return out + "\"";
  };
  std::string s = "{\"connection\": " + std::to_string(r.number) + ", \"client_port\": " + std::to_string(r.client_port) +
                  ", \"opened_ms\": " + std::to_string(r.opened_ms) + ", \"opened_us\": " + std::to_string(r.opened_us) +
                  ", \"ended_ms\": " + std::to_string(r.ended_ms) + ", \"bytes_up\": " + std::to_string(r.bytes_up) +
                  ", \"bytes_down\": " + std::to_string(r.bytes_down) +
                  ", \"upstream_connected\": " + (r.upstream_connected ? "true" : "false") +
                  ", \"connect_reached_broker\": " + (r.connect_reached_broker ? "true" : "false") +
                  ", \"client_id\": " + quote(r.client_id) + ", \"packets_to_broker\": " + std::to_string(r.packets_to_broker) +
                  ", \"disconnect_reached_broker\": " + (r.disconnect_reached_broker ? "true" : "false") +
                  ", \"connect_reached_us\": " + std::to_string(r.connect_reached_us) +
                  ", \"broker_ended_us\": " + std::to_string(r.broker_ended_us) + ", \"broker_end\": " + quote(r.broker_end) +
                  ", \"end\": " + quote(r.end) + ", \"faults\": [";
  for (std::size_t i = 0; i < r.faults.size(); ++i) s += (i ? ", " : "") + quote(r.faults[i]);
  return s + "]}";
}

}  // namespace harness::proxy
