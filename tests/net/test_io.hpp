// Running one asynchronous Asio/Beast operation to completion with a deadline, for the raw
// HTTP client of e2e_http_tests that must never hang (MQTT clients use harness/transport).
#pragma once

#include <boost/asio/error.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <functional>
#include <memory>

namespace net_test {

struct op_result {
  bool done = false;
  boost::system::error_code ec;
  std::size_t bytes = 0;
};

// Starts the operation with a completion handler, runs `io` until it completes or `timeout`
// passes; on timeout calls `cancel` (closing the socket) and reports timed_out.
template <class Start>
op_result run_op(boost::asio::io_context& io, std::chrono::milliseconds timeout, Start&& start,
                 const std::function<void()>& cancel) {
  auto r = std::make_shared<op_result>();
  start([r](boost::system::error_code ec, auto... rest) {
    r->done = true;
    r->ec = ec;
    if constexpr (sizeof...(rest) > 0) r->bytes = static_cast<std::size_t>((rest, ...));
  });
  io.restart();
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!r->done && std::chrono::steady_clock::now() < deadline) {
    if (io.run_one_until(deadline) == 0 && io.stopped()) break;
  }
  if (!r->done) {
    cancel();
    io.restart();
    auto grace = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    while (!r->done && std::chrono::steady_clock::now() < grace) {
      if (io.run_one_until(grace) == 0 && io.stopped()) break;
    }
    r->ec = boost::asio::error::timed_out;
  }
  return *r;
}

}  // namespace net_test
