// Classic pcap output of simulated MQTT connections: each connection becomes one TCP flow from
// its client node's address to the broker's port 1883, so Wireshark's MQTT dissector reads it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <ostream>
#include <span>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace harness::report {

// Ethernet rather than raw IPv4: every pcap reader decodes it without guessing the IP version.
inline constexpr std::uint32_t pcap_link_type_ethernet = 1;
inline constexpr std::uint32_t pcap_snap_length = 65'535;

// Keeps every frame within the snap length (and the IPv4 total length) with room for headers.
inline constexpr std::size_t segment_payload_max = 65'000;

inline constexpr std::uint16_t broker_port = 1883;
inline constexpr std::uint32_t broker_ipv4 = 0x0A00'0001;  // 10.0.0.1

// Client ports start at 40000 + conn % 20000; a port still in use by the same client node
// moves the connection to the next free one, so open flows never share a 4-tuple.
inline constexpr std::uint16_t ephemeral_port_first = 40'000;
inline constexpr std::uint16_t ephemeral_port_count = 20'000;

// Node n gets 10.a.b.(n % 250 + 2) with a.b = n / 250, which leaves 10.0.0.1 to the broker.
inline constexpr std::uint32_t client_nodes_max = 250u * 65'536u;

// The IPv4 address of a client node; throws std::out_of_range from client_nodes_max on.
std::uint32_t client_ipv4(std::uint32_t client_node);

// Writes a pcap file in call order. Each data() segment is acknowledged by the receiver right
// away, and every segment also acknowledges all the peer has sent, so Wireshark reassembles
// MQTT packets across segments without window or sequence warnings.
//
// Times are simulated microseconds since the epoch of the pcap file (1970 for Wireshark);
// they need not be monotonic. Timestamps of 2^32 s and beyond throw std::out_of_range.
//
// data() or close() on a connection that is not open opens it implicitly from client node 0
// (handshake included), so a writer attached mid-run still yields decodable flows. open() on
// a connection that is already open throws std::invalid_argument. Memory holds the open
// connections only: close() forgets the connection, and its id may be opened again.
//
// Write errors are left in `out`'s state for the caller to check.
class pcap_writer {
 public:
  explicit pcap_writer(std::ostream& out);
  pcap_writer(const pcap_writer&) = delete;
  pcap_writer& operator=(const pcap_writer&) = delete;

  // SYN, SYN-ACK, ACK between client_ipv4(client_node) and the broker, all at time_us.
  void open(std::uint64_t conn, std::uint32_t client_node, std::uint64_t time_us);

  // `bytes` delivered in one segment (several if larger than segment_payload_max), each
  // followed by the receiver's ACK. Empty `bytes` write nothing.
  void data(std::uint64_t conn, bool from_client, std::span<const std::uint8_t> bytes,
            std::uint64_t time_us);

  // Orderly close: FIN from one side, the other's FIN, the last ACK. Reset: one RST.
  void close(std::uint64_t conn, bool from_client, bool reset, std::uint64_t time_us);

  std::uint64_t packets_written() const { return packets_written_; }

 private:
  struct connection {
    std::uint32_t client_ipv4 = 0;
    std::uint16_t client_port = 0;
    std::uint32_t client_next_seq = 0;  // sequence numbers wrap modulo 2^32 as on the wire
    std::uint32_t broker_next_seq = 0;
  };

  connection& connection_for(std::uint64_t conn, std::uint64_t time_us);
  std::uint16_t claim_port(std::uint32_t address, std::uint64_t conn);
  void send(const connection& c, bool from_client, std::uint8_t flags,
            std::span<const std::uint8_t> payload, std::uint64_t time_us);

  std::ostream& out_;
  std::unordered_map<std::uint64_t, connection> connections_;
  std::unordered_set<std::uint64_t> ports_in_use_;  // client address << 16 | client port
  std::vector<std::uint8_t> frame_;                 // reused; never beyond one frame
  std::uint64_t packets_written_ = 0;
};

}  // namespace harness::report
