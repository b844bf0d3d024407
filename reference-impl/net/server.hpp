// mqtt-ref-broker's server: every configured listener (TCP, TLS, WebSocket, secure
// WebSocket, HTTP publish) driving one broker core on one io_context thread. The Asio types
// stay behind a pointer so this header can be included without Asio.
#pragma once

#include <memory>

#include "config.hpp"
#include "log.hpp"
#include "mqtt/broker/access.hpp"
#include "mqtt/broker/broker.hpp"

namespace mqtt::net {

class server {
 public:
  server(const config& cfg, std::shared_ptr<broker::authenticator> authn,
         std::shared_ptr<broker::authorizer> authz, logger log);
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  // Binds every listener and prints one flushed `listening on SCHEME://ADDRESS:PORT` line
  // each on stdout. Throws std::runtime_error when a listener cannot be set up.
  void listen();
  // Serves until SIGINT or SIGTERM, then stops accepting, closes every connection and
  // returns.
  void run();

  // The broker core it drives (mqtt-ref-broker-planted plants a bug in it before listen()).
  broker::broker& core();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace mqtt::net
