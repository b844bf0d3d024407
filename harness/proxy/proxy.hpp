// A fault-injecting TCP proxy between MQTT clients and a real broker: it listens on loopback,
// opens a connection to the broker for each client, and passes bytes both ways through the
// faults in force (fault_spec.hpp), which the harness adds and clears while it runs. It keeps
// a record of what reached the broker on each connection (whether a whole CONNECT did, the
// client id, how the connection ended), so checkers can judge sessions and wills on a broker
// they cannot see into. Runs on its own thread; every method may be called from any thread.
// No Asio in this header.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <optional>
#include <string>
#include <vector>

#include "proxy/fault_spec.hpp"
#include "transport/endpoint.hpp"

namespace harness::proxy {

struct proxy_options {
  std::string listen_host = "127.0.0.1";
  std::uint16_t listen_port = 0;  // 0: a free one (port() says which)
  // The broker. tcp (the default): the clients' bytes pass as they come, whatever they carry
  // (MQTT, or a client's own TLS or WebSocket, which the records then cannot read). tls, ws,
  // wss: the clients speak MQTT over plain TCP to the proxy, which carries it on to the broker
  // in that transport (a TLS session, WebSocket binary messages), so the faults act on MQTT
  // bytes and the records read MQTT whatever the broker speaks. The host is an address
  // ("localhost" is taken as 127.0.0.1); TLS checks the certificate against it, or against
  // upstream_options.tls.server_name.
  transport::endpoint upstream{.scheme = transport::scheme::tcp, .host = "127.0.0.1", .port = 1883, .path = {}};
  transport::connection_options upstream_options;  // TLS (CA, client certificate), WebSocket subprotocols
  std::uint64_t seed = 1;  // the latency jitter's draws
  // The zero of the records' *_us times (a caller's own clock, so that its events and the
  // proxy's can be put in one order); unset: when the proxy was made.
  std::optional<std::chrono::steady_clock::time_point> origin;
  // Sees what the proxy writes: to the broker (`to_broker`) and to the client, on connection
  // `number`, at microseconds since `origin`; called on the proxy's thread (for a pcap of the
  // broker's side). Empty: nobody.
  std::function<void(std::uint64_t number, bool to_broker, std::span<const std::uint8_t> bytes, std::uint64_t at_us)>
      on_written;
  // Sees the broker's side of connection `number` end: `by_broker` (else the proxy ended it),
  // `reset` (else a FIN), at microseconds since `origin`; on the proxy's thread. Empty: nobody.
  std::function<void(std::uint64_t number, bool by_broker, bool reset, std::uint64_t at_us)> on_broker_end;
};

// Bounds: bytes held in one direction of one connection before the proxy stops reading from
// its sender (as a full TCP window would), connections at once, records kept.
inline constexpr std::size_t held_bytes_max = 1 << 20;
inline constexpr std::size_t proxy_connections_max = 4096;
inline constexpr std::size_t proxy_records_max = 100'000;

struct connection_record {
  std::uint64_t number = 0;    // 1, 2, ... in accept order
  std::uint64_t opened_ms = 0;  // since the proxy started
  std::uint64_t opened_us = 0;  // accepted, in microseconds since proxy_options::origin
  std::uint16_t client_port = 0;  // the client's TCP port (its connection's local port)
  std::uint64_t ended_ms = 0;   // 0 while open
  std::uint64_t bytes_up = 0, bytes_down = 0;  // delivered to the broker, to the client
  bool upstream_connected = false;
  // Every byte of the first CONNECT was delivered while the broker's side was still open (a
  // write after the broker's FIN succeeds but reaches no one, so it does not count).
  bool connect_reached_broker = false;
  std::string client_id;                // of that CONNECT
  std::uint64_t packets_to_broker = 0;  // whole packets delivered (until one fails to decode)
  bool disconnect_reached_broker = false;  // a DISCONNECT was among them
  // Microseconds since proxy_options::origin: when the last byte of that CONNECT was written
  // to the broker, and when the broker's side of the connection ended (the broker closed or
  // reset it, or the proxy did: a FIN after the client's, a reset, a half-open's RST); 0: not
  // (yet). `broker_end` says which of "broker closed", "broker reset", "proxy closed",
  // "proxy reset" it was.
  std::uint64_t connect_reached_us = 0;
  std::uint64_t broker_ended_us = 0;
  std::string broker_end;
  // How it ended: "open", "client closed", "broker closed", "client reset", "broker reset",
  // "reset by fault", "half-open (client told)", "half-open (broker told)", "refused by fault",
  // "upstream refused: ...", "proxy stopped".
  std::string end = "open";
  std::vector<std::string> faults;  // what acted on it, in words ("reset after 100 bytes up")
};

class proxy {
 public:
  explicit proxy(proxy_options o);
  ~proxy();  // stops
  proxy(const proxy&) = delete;
  proxy& operator=(const proxy&) = delete;

  // Binds and starts the thread; the error in words when it cannot listen or the upstream's
  // TLS options are unusable.
  std::optional<std::string> start();
  void stop();  // closes every connection (record: "proxy stopped") and joins the thread
  std::uint16_t port() const;

  // Faults in force. Windows (partition, refuse, hang-connects) count from when they are added.
  // Returns an id for remove_fault.
  std::uint64_t add_fault(const fault& f);
  bool remove_fault(std::uint64_t id);
  void clear_faults();  // held bytes then flow on; black-holed ones are gone
  std::vector<fault> faults() const;

  std::vector<connection_record> records() const;
  // The number of the newest record `match` takes, waiting up to `wait` for the proxy's thread
  // to make it (an accept, a fault applied, an end); 0: none by then.
  std::uint64_t await_record(const std::function<bool(const connection_record&)>& match,
                             std::chrono::milliseconds wait) const;
  // The open connection whose client's TCP port is `client_port` (one four-tuple is one
  // connection at a time; an older record of the port belongs to an ended one); 0: none.
  std::uint64_t await_open(std::uint16_t client_port, std::chrono::milliseconds wait) const;
  std::size_t open_connections() const;

 private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

// A record as JSON text (one object), for the command line's --record file and `status`.
std::string to_json_text(const connection_record& r);

}  // namespace harness::proxy
