// Frames simulated connections as Ethernet/IPv4/TCP with real checksums, so pcap readers
// that validate them (Wireshark with checksum checks on) find nothing to flag.
#include "report/pcap.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>

#include "mqtt/assert.hpp"

namespace harness::report {

namespace {

constexpr std::size_t pcap_global_header_size = 24;
constexpr std::size_t pcap_record_header_size = 16;
constexpr std::size_t ethernet_header_size = 14;
constexpr std::size_t ipv4_header_size = 20;
constexpr std::size_t tcp_header_size = 20;
constexpr std::size_t frame_size_max =
    ethernet_header_size + ipv4_header_size + tcp_header_size + segment_payload_max;
static_assert(frame_size_max <= pcap_snap_length);
static_assert(ipv4_header_size + tcp_header_size + segment_payload_max <= 0xFFFF);

constexpr std::uint64_t microseconds_per_second = 1'000'000;
constexpr std::uint64_t time_us_max =
    (std::uint64_t{std::numeric_limits<std::uint32_t>::max()} + 1) * microseconds_per_second - 1;

// Without window scaling this is the largest window; it exceeds segment_payload_max, and
// every segment is acknowledged before the next, so no window ever fills.
constexpr std::uint16_t tcp_window = 0xFFFF;

namespace tcp_flag {
constexpr std::uint8_t fin = 0x01;
constexpr std::uint8_t syn = 0x02;
constexpr std::uint8_t rst = 0x04;
constexpr std::uint8_t psh = 0x08;
constexpr std::uint8_t ack = 0x10;
}  // namespace tcp_flag

struct segment {
  std::uint32_t src_ipv4 = 0;
  std::uint32_t dst_ipv4 = 0;
  std::uint16_t src_port = 0;
  std::uint16_t dst_port = 0;
  std::uint32_t seq = 0;
  std::uint32_t ack = 0;
  std::uint8_t flags = 0;
  std::span<const std::uint8_t> payload;
};

void put_u16_be(std::uint8_t* p, std::uint16_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 8);
  p[1] = static_cast<std::uint8_t>(v);
}

void put_u32_be(std::uint8_t* p, std::uint32_t v) {
  put_u16_be(p, static_cast<std::uint16_t>(v >> 16));
  put_u16_be(p + 2, static_cast<std::uint16_t>(v));
}

// pcap headers are little-endian here whatever the host, so the same run gives the same file.
void put_u32_le(std::uint8_t* p, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}

// RFC 1071 one's-complement sum, left unfolded so the TCP pseudo-header can be added to it.
// Only the last chunk summed may have an odd length.
std::uint64_t checksum_add(std::uint64_t sum, std::span<const std::uint8_t> bytes) {
  std::size_t i = 0;
  for (; i + 1 < bytes.size(); i += 2) sum += std::uint64_t{bytes[i]} << 8 | bytes[i + 1];
  if (i < bytes.size()) sum += std::uint64_t{bytes[i]} << 8;
  return sum;
}

std::uint16_t checksum_finish(std::uint64_t sum) {
  while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum);
}

// Locally administered unicast MACs that carry the IPv4 address, so each host keeps one MAC.
void put_mac(std::uint8_t* p, std::uint32_t ipv4) {
  p[0] = 0x02;
  p[1] = 0x00;
  put_u32_be(p + 2, ipv4);
}

// Builds Ethernet + IPv4 + TCP + payload into `frame`; `ip_id` only makes frames tell apart.
void build_frame(const segment& s, std::uint16_t ip_id, std::vector<std::uint8_t>& frame) {
  const std::size_t ip_total = ipv4_header_size + tcp_header_size + s.payload.size();
  MQTT_ASSERT(s.payload.size() <= segment_payload_max);
  frame.assign(ethernet_header_size + ip_total, 0);

  std::uint8_t* eth = frame.data();
  put_mac(eth, s.dst_ipv4);
  put_mac(eth + 6, s.src_ipv4);
  put_u16_be(eth + 12, 0x0800);  // IPv4

  std::uint8_t* ip = eth + ethernet_header_size;
  ip[0] = 0x45;  // version 4, 5 words of header
  put_u16_be(ip + 2, static_cast<std::uint16_t>(ip_total));
  put_u16_be(ip + 4, ip_id);
  put_u16_be(ip + 6, 0x4000);  // don't fragment
  ip[8] = 64;                  // TTL
  ip[9] = 6;                   // TCP
  put_u32_be(ip + 12, s.src_ipv4);
  put_u32_be(ip + 16, s.dst_ipv4);
  put_u16_be(ip + 10, checksum_finish(checksum_add(0, {ip, ipv4_header_size})));

  std::uint8_t* tcp = ip + ipv4_header_size;
  put_u16_be(tcp, s.src_port);
  put_u16_be(tcp + 2, s.dst_port);
  put_u32_be(tcp + 4, s.seq);
  put_u32_be(tcp + 8, s.ack);
  tcp[12] = (tcp_header_size / 4) << 4;
  tcp[13] = s.flags;
  put_u16_be(tcp + 14, tcp_window);
  std::copy(s.payload.begin(), s.payload.end(), tcp + tcp_header_size);

  const std::size_t tcp_length = tcp_header_size + s.payload.size();
  std::uint64_t sum = checksum_add(0, {ip + 12, 8});  // pseudo-header: addresses,
  sum += 6 + tcp_length;                              // protocol and TCP length
  put_u16_be(tcp + 16, checksum_finish(checksum_add(sum, {tcp, tcp_length})));
}

void check_time(std::uint64_t time_us) {
  if (time_us > time_us_max) {
    throw std::out_of_range("pcap_writer: time_us beyond the 32-bit seconds of classic pcap");
  }
}

// splitmix64's finalizer: distinct, reproducible initial sequence numbers per connection.
std::uint64_t mix(std::uint64_t x) {
  x += 0x9E37'79B9'7F4A'7C15;
  x = (x ^ (x >> 30)) * 0xBF58'476D'1CE4'E5B9;
  x = (x ^ (x >> 27)) * 0x94D0'49BB'1331'11EB;
  return x ^ (x >> 31);
}

}  // namespace

std::uint32_t client_ipv4(std::uint32_t client_node) {
  if (client_node >= client_nodes_max) {
    throw std::out_of_range("pcap_writer: client node beyond client_nodes_max");
  }
  const std::uint32_t high = client_node / 250;  // becomes the 2nd and 3rd octets
  return 0x0A00'0000u | high << 8 | (client_node % 250 + 2);
}

pcap_writer::pcap_writer(std::ostream& out) : out_(out) {
  frame_.reserve(frame_size_max);
  std::uint8_t header[pcap_global_header_size] = {};
  put_u32_le(header, 0xA1B2'C3D4);  // microsecond timestamps
  header[4] = 2;                    // version 2.4
  header[6] = 4;
  put_u32_le(header + 16, pcap_snap_length);
  put_u32_le(header + 20, pcap_link_type_ethernet);
  out_.write(reinterpret_cast<const char*>(header), sizeof header);
}

void pcap_writer::open(std::uint64_t conn, std::uint32_t client_node, std::uint64_t time_us) {
  check_time(time_us);
  if (connections_.contains(conn)) {
    throw std::invalid_argument("pcap_writer: open() on a connection that is open");
  }
  const std::uint32_t address = client_ipv4(client_node);
  // Mixing in the time gives a reopened connection new sequence numbers, which is how
  // Wireshark tells a reused port's new flow from the old one.
  const std::uint64_t isn = mix(conn ^ mix(time_us));
  connection c{.client_ipv4 = address,
               .client_port = claim_port(address, conn),
               .client_next_seq = static_cast<std::uint32_t>(isn),
               .broker_next_seq = static_cast<std::uint32_t>(isn >> 32)};

  send(c, true, tcp_flag::syn, {}, time_us);
  ++c.client_next_seq;
  send(c, false, tcp_flag::syn | tcp_flag::ack, {}, time_us);
  ++c.broker_next_seq;
  send(c, true, tcp_flag::ack, {}, time_us);
  connections_.emplace(conn, c);
}

void pcap_writer::data(std::uint64_t conn, bool from_client, std::span<const std::uint8_t> bytes,
                       std::uint64_t time_us) {
  check_time(time_us);
  if (bytes.empty()) return;
  connection& c = connection_for(conn, time_us);
  std::uint32_t& next_seq = from_client ? c.client_next_seq : c.broker_next_seq;
  while (!bytes.empty()) {
    const auto chunk = bytes.first(std::min(bytes.size(), segment_payload_max));
    bytes = bytes.subspan(chunk.size());
    const std::uint8_t push = bytes.empty() ? tcp_flag::psh : 0;
    send(c, from_client, static_cast<std::uint8_t>(tcp_flag::ack | push), chunk, time_us);
    next_seq += static_cast<std::uint32_t>(chunk.size());
    send(c, !from_client, tcp_flag::ack, {}, time_us);
  }
}

void pcap_writer::close(std::uint64_t conn, bool from_client, bool reset, std::uint64_t time_us) {
  check_time(time_us);
  connection& c = connection_for(conn, time_us);
  if (reset) {
    send(c, from_client, tcp_flag::rst | tcp_flag::ack, {}, time_us);
  } else {
    std::uint32_t& closer_seq = from_client ? c.client_next_seq : c.broker_next_seq;
    std::uint32_t& peer_seq = from_client ? c.broker_next_seq : c.client_next_seq;
    send(c, from_client, tcp_flag::fin | tcp_flag::ack, {}, time_us);
    ++closer_seq;
    send(c, !from_client, tcp_flag::fin | tcp_flag::ack, {}, time_us);
    ++peer_seq;
    send(c, from_client, tcp_flag::ack, {}, time_us);
  }
  ports_in_use_.erase(std::uint64_t{c.client_ipv4} << 16 | c.client_port);
  connections_.erase(conn);
}

pcap_writer::connection& pcap_writer::connection_for(std::uint64_t conn, std::uint64_t time_us) {
  auto it = connections_.find(conn);
  if (it == connections_.end()) {
    open(conn, 0, time_us);
    it = connections_.find(conn);
  }
  MQTT_ASSERT(it != connections_.end());
  return it->second;
}

std::uint16_t pcap_writer::claim_port(std::uint32_t address, std::uint64_t conn) {
  const std::uint64_t start = conn % ephemeral_port_count;
  for (std::uint64_t i = 0; i < ephemeral_port_count; ++i) {
    const auto port =
        static_cast<std::uint16_t>(ephemeral_port_first + (start + i) % ephemeral_port_count);
    if (ports_in_use_.insert(std::uint64_t{address} << 16 | port).second) return port;
  }
  throw std::length_error("pcap_writer: every ephemeral port of this client node is in use");
}

void pcap_writer::send(const connection& c, bool from_client, std::uint8_t flags,
                       std::span<const std::uint8_t> payload, std::uint64_t time_us) {
  const std::uint32_t own_seq = from_client ? c.client_next_seq : c.broker_next_seq;
  const std::uint32_t peer_seq = from_client ? c.broker_next_seq : c.client_next_seq;
  const segment s{.src_ipv4 = from_client ? c.client_ipv4 : broker_ipv4,
                  .dst_ipv4 = from_client ? broker_ipv4 : c.client_ipv4,
                  .src_port = from_client ? c.client_port : broker_port,
                  .dst_port = from_client ? broker_port : c.client_port,
                  .seq = own_seq,
                  .ack = (flags & tcp_flag::ack) ? peer_seq : 0,
                  .flags = flags,
                  .payload = payload};
  build_frame(s, static_cast<std::uint16_t>(packets_written_), frame_);

  const auto frame_size = static_cast<std::uint32_t>(frame_.size());
  std::uint8_t record[pcap_record_header_size];
  put_u32_le(record, static_cast<std::uint32_t>(time_us / microseconds_per_second));
  put_u32_le(record + 4, static_cast<std::uint32_t>(time_us % microseconds_per_second));
  put_u32_le(record + 8, frame_size);  // captured length: frames are never cut
  put_u32_le(record + 12, frame_size);
  out_.write(reinterpret_cast<const char*>(record), sizeof record);
  out_.write(reinterpret_cast<const char*>(frame_.data()),
             static_cast<std::streamsize>(frame_size));
  ++packets_written_;
}

}  // namespace harness::report
