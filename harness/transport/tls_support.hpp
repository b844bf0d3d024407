// Internal to harness_transport: the client TLS context and stream set-up that the TLS and
// secure WebSocket transports share. Includes Asio SSL and OpenSSL.
#pragma once

#include <boost/asio/ssl.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "transport/core.hpp"

namespace harness::transport::detail {

namespace ssl = asio::ssl;
using tls_stream = ssl::stream<tcp::socket>;

// A client context from the options: the CA file (or the system's store) with peer
// verification, or no verification when insecure; the client certificate and key if given.
// Null, with `error` set, when a file is unusable.
std::shared_ptr<ssl::context> make_client_tls_context(const tls_options& o, std::string& error);

// SNI (for a host name, not an address, as RFC 6066 wants) and the check of the server's
// certificate against the name, unless insecure.
void prepare_client_stream(tls_stream& s, const endpoint& where, const tls_options& o);

// eof from the TLS stream is the peer's close_notify; stream_truncated is TCP ending under it.
close_kind tls_close_kind(const error_code& ec, bool reading);

// The close_notify record of `ssl`, to be written to its socket while no TLS write is pending
// (reading may go on: OpenSSL reads after sending close_notify until the peer's arrives);
// nullopt when OpenSSL refuses. Asio's async_shutdown would instead wait for the peer's.
std::optional<std::vector<std::uint8_t>> close_notify_record(SSL* ssl);

}  // namespace harness::transport::detail
