// Listeners, signals and the io_context that runs the whole broker on one thread.
#include "server.hpp"
#include "state_file.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl/context.hpp>

#include <csignal>
#include <iostream>
#include <stdexcept>

#include "transport.hpp"

namespace mqtt::net {
namespace {

constexpr std::chrono::milliseconds accept_retry_delay{100};  // after EMFILE and the like

tcp::endpoint resolve_endpoint(asio::io_context& io, const listener_config& l) {
  if (l.address.empty()) return {asio::ip::address_v4::any(), l.port};
  error_code ec;
  asio::ip::address addr = asio::ip::make_address(l.address, ec);
  if (!ec) return {addr, l.port};
  tcp::resolver resolver(io);
  auto results = resolver.resolve(l.address, std::to_string(l.port), ec);
  if (ec || results.empty()) {
    throw std::runtime_error("cannot resolve listener address '" + l.address + "': " + ec.message());
  }
  return results.begin()->endpoint();
}

// Accepts connections on one listener and hands each socket to its transport.
class listener : public std::enable_shared_from_this<listener> {
 public:
  listener(driver& d, const listener_config& cfg, std::size_t http_body_max)
      : driver_(d), cfg_(cfg), acceptor_(d.io()), retry_(d.io()), http_body_max_(http_body_max) {}

  tcp::endpoint bind() {
    tcp::endpoint ep = resolve_endpoint(driver_.io(), cfg_);
    if (cfg_.tls()) tls_ = make_tls_context(cfg_);
    error_code ec;
    acceptor_.open(ep.protocol(), ec);
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(ep, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) throw std::runtime_error("cannot listen on " + endpoint_string(ep) + ": " + ec.message());
    return acceptor_.local_endpoint();
  }

  void start() { accept(); }

  void stop() {
    error_code ec;
    acceptor_.close(ec);
    retry_.cancel();
  }

 private:
  void accept() {
    acceptor_.async_accept([self = shared_from_this()](const error_code& ec, tcp::socket socket) {
      self->accepted(ec, std::move(socket));
    });
  }

  void accepted(const error_code& ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
    if (ec) {
      // Out of descriptors or a transient error: wait a little instead of spinning.
      driver_.log().write(broker::log_level::warning, "accept on port " + std::to_string(cfg_.port) +
                                                         " failed: " + ec.message());
      retry_.expires_after(accept_retry_delay);
      retry_.async_wait([self = shared_from_this()](const error_code& e) {
        if (!e) self->accept();
      });
      return;
    }
    error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    switch (cfg_.protocol) {
      case listener_protocol::mqtt:
        if (tls_) start_tls_connection(driver_, *tls_, std::move(socket));
        else start_tcp_connection(driver_, std::move(socket));
        break;
      case listener_protocol::websockets:
        if (tls_) start_wss_connection(driver_, *tls_, std::move(socket));
        else start_ws_connection(driver_, std::move(socket));
        break;
      case listener_protocol::http:
        start_http_connection(driver_, std::move(socket), http_body_max_);
        break;
    }
    accept();
  }

  driver& driver_;
  listener_config cfg_;
  tcp::acceptor acceptor_;
  asio::steady_timer retry_;
  std::shared_ptr<asio::ssl::context> tls_;
  std::size_t http_body_max_;
};

}  // namespace

struct server::impl {
  impl(const config& c, std::shared_ptr<broker::authenticator> authn,
       std::shared_ptr<broker::authorizer> authz, logger l)
      : cfg(c), log(l), core(c.options, std::move(authn), std::move(authz)), drv(io, core, log),
        signals(io, SIGINT, SIGTERM) {
    core.set_logger([this](const broker::log_record& r) { log.write(r); });
    if (cfg.persistence) {
      state.emplace(cfg.persistence_path());
      if (auto e = state->load(core, drv.now())) throw std::runtime_error("persistence: " + *e);
      log.write(broker::log_level::info, "persistence: " + state->path() + ", " +
                                             std::to_string(core.session_count()) + " sessions and " +
                                             std::to_string(core.retained_count()) + " retained messages loaded");
      drv.set_state_file(&*state);
    }
  }

  // Declaration order is destruction order reversed: the io_context outlives every socket.
  asio::io_context io{1};
  config cfg;
  logger log;
  broker::broker core;
  std::optional<state_file> state;
  driver drv;
  asio::signal_set signals;
  std::vector<std::shared_ptr<listener>> listeners;
  asio::steady_timer closing{io};
  std::chrono::steady_clock::time_point closing_deadline;

  // After shutdown: stop once every connection has released its socket, or at the deadline.
  void wait_for_connections() {
    if (drv.live_connections() == 0 || std::chrono::steady_clock::now() >= closing_deadline) {
      io.stop();
      return;
    }
    closing.expires_after(std::chrono::milliseconds(10));
    closing.async_wait([this](const error_code& ec) {
      if (!ec) wait_for_connections();
    });
  }
};

broker::broker& server::core() { return impl_->core; }

server::server(const config& cfg, std::shared_ptr<broker::authenticator> authn,
               std::shared_ptr<broker::authorizer> authz, logger log)
    : impl_(std::make_unique<impl>(cfg, std::move(authn), std::move(authz), log)) {}

server::~server() = default;

void server::listen() {
  for (const listener_config& l : impl_->cfg.listeners) {
    auto li = std::make_shared<listener>(impl_->drv, l, impl_->cfg.options.limits.packet_size_max);
    tcp::endpoint ep = li->bind();
    impl_->listeners.push_back(li);
    std::cout << "listening on " << l.scheme() << "://" << endpoint_string(ep) << std::endl;
    impl_->log.write(broker::log_level::info,
                     "listening on " + std::string(l.scheme()) + "://" + endpoint_string(ep));
  }
}

void server::run() {
  impl& s = *impl_;
  s.signals.async_wait([&s](const error_code& ec, int signal) {
    if (ec) return;
    s.log.write(broker::log_level::info,
                std::string("received ") + (signal == SIGINT ? "SIGINT" : "SIGTERM") + ", shutting down");
    for (auto& l : s.listeners) l->stop();
    s.drv.shutdown();
    s.closing_deadline = std::chrono::steady_clock::now() + linger_timeout + std::chrono::seconds(1);
    s.wait_for_connections();
  });
  for (auto& l : s.listeners) l->start();
  s.io.run();
}

}  // namespace mqtt::net
