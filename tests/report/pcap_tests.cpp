// The pcap writer's byte layout, read back by an independent parser: headers and lengths,
// checksums recomputed from scratch, TCP sequence and acknowledgement numbers, segmenting.
#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <cstdint>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "report/pcap.hpp"

namespace {

namespace report = harness::report;
namespace data = boost::unit_test::data;
using bytes = std::vector<std::uint8_t>;

constexpr std::uint8_t fin = 0x01, syn = 0x02, rst = 0x04, psh = 0x08, ack = 0x10;

std::uint32_t u16_be(const std::uint8_t* p) { return std::uint32_t{p[0]} << 8 | p[1]; }
std::uint32_t u32_be(const std::uint8_t* p) { return u16_be(p) << 16 | u16_be(p + 2); }
std::uint32_t u32_le(const std::uint8_t* p) {
  return std::uint32_t{p[0]} | std::uint32_t{p[1]} << 8 | std::uint32_t{p[2]} << 16 |
         std::uint32_t{p[3]} << 24;
}

// RFC 1071 over a byte range; a range that carries its own correct checksum sums to 0xFFFF.
std::uint32_t folded_sum(std::uint32_t sum, const std::uint8_t* p, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) sum += i % 2 == 0 ? std::uint32_t{p[i]} << 8 : p[i];
  while (sum > 0xFFFF) sum = (sum & 0xFFFF) + (sum >> 16);
  return sum;
}

struct frame {
  std::uint32_t ts_sec = 0, ts_usec = 0, incl_len = 0, orig_len = 0;
  bytes raw;  // Ethernet onwards
  std::uint32_t src_ip = 0, dst_ip = 0;
  std::uint32_t src_port = 0, dst_port = 0;
  std::uint32_t seq = 0, ack = 0;
  std::uint8_t flags = 0;
  bytes payload;
  bool ip_checksum_ok = false, tcp_checksum_ok = false;
};

frame decode_frame(const std::uint8_t* record) {
  frame f;
  f.ts_sec = u32_le(record);
  f.ts_usec = u32_le(record + 4);
  f.incl_len = u32_le(record + 8);
  f.orig_len = u32_le(record + 12);
  f.raw.assign(record + 16, record + 16 + f.incl_len);

  const std::uint8_t* eth = f.raw.data();
  BOOST_TEST_REQUIRE(f.raw.size() >= 54u);
  BOOST_TEST(u16_be(eth + 12) == 0x0800u);
  const std::uint8_t* ip = eth + 14;
  BOOST_TEST(ip[0] == 0x45);
  BOOST_TEST(ip[9] == 6);
  BOOST_TEST(u16_be(ip + 2) == f.raw.size() - 14);
  f.src_ip = u32_be(ip + 12);
  f.dst_ip = u32_be(ip + 16);
  f.ip_checksum_ok = folded_sum(0, ip, 20) == 0xFFFF;
  // Each MAC carries its host's address, so one host keeps one MAC across connections.
  BOOST_TEST(u32_be(eth + 2) == f.dst_ip);
  BOOST_TEST(u32_be(eth + 8) == f.src_ip);

  const std::uint8_t* tcp = ip + 20;
  const std::size_t tcp_length = f.raw.size() - 34;
  BOOST_TEST((tcp[12] >> 4) == 5);
  f.src_port = u16_be(tcp);
  f.dst_port = u16_be(tcp + 2);
  f.seq = u32_be(tcp + 4);
  f.ack = u32_be(tcp + 8);
  f.flags = tcp[13];
  f.payload.assign(tcp + 20, tcp + tcp_length);
  std::uint32_t pseudo = folded_sum(0, ip + 12, 8) + 6 + static_cast<std::uint32_t>(tcp_length);
  f.tcp_checksum_ok = folded_sum(pseudo, tcp, tcp_length) == 0xFFFF;
  return f;
}

// Every record of a whole file, after checking the global header.
std::vector<frame> frames_of(const std::string& file) {
  BOOST_TEST_REQUIRE(file.size() >= 24u);
  const auto* p = reinterpret_cast<const std::uint8_t*>(file.data());
  BOOST_TEST(u32_le(p) == 0xA1B2C3D4u);
  std::vector<frame> frames;
  std::size_t offset = 24;
  while (offset < file.size()) {
    BOOST_TEST_REQUIRE(file.size() - offset >= 16u);
    const std::uint32_t length = u32_le(p + offset + 8);
    BOOST_TEST_REQUIRE(file.size() - offset - 16 >= length);
    frames.push_back(decode_frame(p + offset));
    offset += 16 + length;
  }
  return frames;
}

void check_frame_invariants(const frame& f) {
  BOOST_TEST(f.incl_len == f.orig_len);
  BOOST_TEST(f.incl_len == f.raw.size());
  BOOST_TEST(f.incl_len <= report::pcap_snap_length);
  BOOST_TEST(f.payload.size() <= report::segment_payload_max);
  BOOST_TEST(f.ip_checksum_ok);
  BOOST_TEST(f.tcp_checksum_ok);
  BOOST_TEST(f.ts_usec < 1'000'000u);
  const bool from_client = f.dst_port == report::broker_port;
  BOOST_TEST((from_client ? f.dst_ip : f.src_ip) == report::broker_ipv4);
}

bytes pattern(std::size_t n) {
  bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(i * 7 + i / 251);
  return b;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(pcap_layout)

BOOST_AUTO_TEST_CASE(test_checksum_matches_a_known_ipv4_header) {
  // The IPv4 header example of RFC 1071 tutorials: its checksum field holds 0xB861.
  const bytes header = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
                        0xB8, 0x61, 0xC0, 0xA8, 0x00, 0x01, 0xC0, 0xA8, 0x00, 0xC7};
  BOOST_TEST(folded_sum(0, header.data(), header.size()) == 0xFFFFu);
}

BOOST_AUTO_TEST_CASE(global_header_is_classic_microsecond_ethernet) {
  std::ostringstream out;
  report::pcap_writer w(out);
  const bytes expected = {0xD4, 0xC3, 0xB2, 0xA1,  // magic, microsecond timestamps
                          0x02, 0x00, 0x04, 0x00,  // version 2.4
                          0x00, 0x00, 0x00, 0x00,  // GMT offset
                          0x00, 0x00, 0x00, 0x00,  // timestamp accuracy
                          0xFF, 0xFF, 0x00, 0x00,  // snap length 65535
                          0x01, 0x00, 0x00, 0x00};  // LINKTYPE_ETHERNET
  const std::string s = out.str();
  BOOST_TEST(bytes(s.begin(), s.end()) == expected, boost::test_tools::per_element());
  BOOST_TEST(w.packets_written() == 0u);
}

BOOST_AUTO_TEST_CASE(open_writes_the_three_way_handshake) {
  std::ostringstream out;
  report::pcap_writer w(out);
  w.open(7, 3, 1'234'567);
  const auto f = frames_of(out.str());
  BOOST_TEST_REQUIRE(f.size() == 3u);
  BOOST_TEST(w.packets_written() == 3u);
  for (const auto& x : f) {
    check_frame_invariants(x);
    BOOST_TEST(x.ts_sec == 1u);
    BOOST_TEST(x.ts_usec == 234'567u);
    BOOST_TEST(x.payload.empty());
  }
  BOOST_TEST(f[0].flags == syn);
  BOOST_TEST(f[0].src_ip == 0x0A000005u);  // node 3 -> 10.0.0.5
  BOOST_TEST(f[0].dst_ip == 0x0A000001u);
  BOOST_TEST(f[0].src_port == 40'007u);
  BOOST_TEST(f[0].dst_port == 1883u);
  BOOST_TEST(f[1].flags == (syn | ack));
  BOOST_TEST(f[1].src_port == 1883u);
  BOOST_TEST(f[1].dst_port == 40'007u);
  BOOST_TEST(f[1].ack == f[0].seq + 1);
  BOOST_TEST(f[2].flags == ack);
  BOOST_TEST(f[2].seq == f[0].seq + 1);
  BOOST_TEST(f[2].ack == f[1].seq + 1);
}

BOOST_DATA_TEST_CASE(data_is_split_into_segments_each_acknowledged,
                     data::make({1, 2, 3, 1'460, 64'999, 65'000, 65'001, 130'001, 200'000}) *
                         data::make({true, false}),
                     size, from_client) {
  BOOST_TEST_CONTEXT("size=" << size << " from_client=" << from_client) {
    std::ostringstream out;
    report::pcap_writer w(out);
    w.open(1, 0, 0);
    const bytes sent = pattern(static_cast<std::size_t>(size));
    w.data(1, from_client, sent, 10);
    const auto f = frames_of(out.str());
    const std::size_t segments = (sent.size() + report::segment_payload_max - 1) /
                                 report::segment_payload_max;
    BOOST_TEST_REQUIRE(f.size() == 3 + 2 * segments);
    BOOST_TEST(w.packets_written() == f.size());

    const frame& sender_last = from_client ? f[2] : f[1];  // ACK or SYN-ACK of the handshake
    std::uint32_t next_seq = sender_last.seq + (from_client ? 0 : 1);
    const std::uint32_t receiver_seq = from_client ? f[1].seq + 1 : f[2].seq;
    bytes received;
    for (std::size_t i = 0; i < segments; ++i) {
      const frame& d = f[3 + 2 * i];
      const frame& a = f[4 + 2 * i];
      check_frame_invariants(d);
      check_frame_invariants(a);
      BOOST_TEST((d.dst_port == report::broker_port) == from_client);
      BOOST_TEST(d.flags == (i + 1 == segments ? (psh | ack) : ack));
      BOOST_TEST(d.seq == next_seq);
      BOOST_TEST(d.ack == receiver_seq);
      next_seq += static_cast<std::uint32_t>(d.payload.size());
      received.insert(received.end(), d.payload.begin(), d.payload.end());

      BOOST_TEST(a.flags == ack);
      BOOST_TEST(a.src_port == d.dst_port);
      BOOST_TEST(a.payload.empty());
      BOOST_TEST(a.seq == receiver_seq);
      BOOST_TEST(a.ack == next_seq);
    }
    BOOST_TEST(received == sent);
  }
}

BOOST_AUTO_TEST_CASE(each_segment_acknowledges_what_the_peer_sent) {
  std::ostringstream out;
  report::pcap_writer w(out);
  w.open(2, 1, 0);
  w.data(2, true, pattern(10), 1);
  w.data(2, false, pattern(20), 2);
  w.data(2, true, pattern(5), 3);
  const auto f = frames_of(out.str());
  BOOST_TEST_REQUIRE(f.size() == 9u);
  const std::uint32_t c = f[2].seq, b = f[2].ack;  // both sides' first data byte
  BOOST_TEST((f[3].seq == c && f[3].ack == b));
  BOOST_TEST((f[4].seq == b && f[4].ack == c + 10));
  BOOST_TEST((f[5].seq == b && f[5].ack == c + 10));
  BOOST_TEST((f[6].seq == c + 10 && f[6].ack == b + 20));
  BOOST_TEST((f[7].seq == c + 10 && f[7].ack == b + 20));
  BOOST_TEST((f[8].seq == b + 20 && f[8].ack == c + 15));
}

BOOST_AUTO_TEST_CASE(orderly_close_is_fin_fin_ack) {
  std::ostringstream out;
  report::pcap_writer w(out);
  w.open(3, 0, 0);
  w.data(3, true, pattern(4), 1);
  w.close(3, false, false, 2'000'000);
  const auto f = frames_of(out.str());
  BOOST_TEST_REQUIRE(f.size() == 8u);
  const frame& last_ack = f[4];  // broker's ACK of the 4 bytes
  const std::uint32_t c = last_ack.ack, b = last_ack.seq;
  for (std::size_t i = 5; i < 8; ++i) {
    check_frame_invariants(f[i]);
    BOOST_TEST(f[i].ts_sec == 2u);
  }
  BOOST_TEST(f[5].flags == (fin | ack));
  BOOST_TEST(f[5].src_port == 1883u);
  BOOST_TEST((f[5].seq == b && f[5].ack == c));
  BOOST_TEST(f[6].flags == (fin | ack));
  BOOST_TEST(f[6].dst_port == 1883u);
  BOOST_TEST((f[6].seq == c && f[6].ack == b + 1));
  BOOST_TEST(f[7].flags == ack);
  BOOST_TEST((f[7].seq == b + 1 && f[7].ack == c + 1));
}

BOOST_AUTO_TEST_CASE(reset_is_one_rst) {
  std::ostringstream out;
  report::pcap_writer w(out);
  w.open(4, 0, 0);
  w.close(4, true, true, 5);
  const auto f = frames_of(out.str());
  BOOST_TEST_REQUIRE(f.size() == 4u);
  check_frame_invariants(f[3]);
  BOOST_TEST(f[3].flags == (rst | ack));
  BOOST_TEST(f[3].dst_port == 1883u);
  BOOST_TEST((f[3].seq == f[2].seq && f[3].ack == f[2].ack));
}

BOOST_AUTO_TEST_CASE(data_on_an_unopened_connection_opens_it_from_node_0) {
  std::ostringstream out;
  report::pcap_writer w(out);
  w.data(9, false, pattern(3), 42);
  const auto f = frames_of(out.str());
  BOOST_TEST_REQUIRE(f.size() == 5u);
  BOOST_TEST(f[0].flags == syn);
  BOOST_TEST(f[0].src_ip == 0x0A000002u);
  BOOST_TEST(f[0].src_port == 40'009u);
  BOOST_TEST(f[3].payload == pattern(3));
  BOOST_TEST(f[3].seq == f[1].seq + 1);

  // A close() on an unknown connection likewise opens it first.
  w.close(10, true, true, 43);
  BOOST_TEST(w.packets_written() == 9u);
}

BOOST_AUTO_TEST_CASE(empty_data_writes_nothing) {
  std::ostringstream out;
  report::pcap_writer w(out);
  w.open(1, 0, 0);
  w.data(1, true, {}, 1);
  w.data(2, true, {}, 1);
  BOOST_TEST(w.packets_written() == 3u);
}

BOOST_AUTO_TEST_CASE(misuse_throws_and_writes_nothing) {
  std::ostringstream out;
  report::pcap_writer w(out);
  w.open(1, 0, 0);
  const std::size_t size = out.str().size();
  BOOST_CHECK_THROW(w.open(1, 0, 1), std::invalid_argument);
  BOOST_CHECK_THROW(w.open(2, report::client_nodes_max, 1), std::out_of_range);
  const std::uint64_t too_late_us = (std::uint64_t{1} << 32) * 1'000'000;
  BOOST_CHECK_THROW(w.open(3, 0, too_late_us), std::out_of_range);
  BOOST_CHECK_THROW(w.data(1, true, pattern(1), too_late_us), std::out_of_range);
  BOOST_CHECK_THROW(w.close(1, true, false, too_late_us), std::out_of_range);
  BOOST_TEST(out.str().size() == size);
  BOOST_TEST(w.packets_written() == 3u);
  w.open(3, 0, too_late_us - 1);  // the last representable microsecond
  const auto f = frames_of(out.str());
  BOOST_TEST(f.back().ts_sec == 0xFFFFFFFFu);
  BOOST_TEST(f.back().ts_usec == 999'999u);
}

BOOST_AUTO_TEST_CASE(client_addresses_follow_the_node) {
  BOOST_TEST(report::client_ipv4(0) == 0x0A000002u);    // 10.0.0.2
  BOOST_TEST(report::client_ipv4(249) == 0x0A0000FBu);  // 10.0.0.251
  BOOST_TEST(report::client_ipv4(250) == 0x0A000102u);  // 10.0.1.2
  BOOST_TEST(report::client_ipv4(64'000) == 0x0A010002u);  // 10.1.0.2
  BOOST_TEST(report::client_ipv4(report::client_nodes_max - 1) == 0x0AFFFFFBu);
  std::set<std::uint32_t> seen;
  for (std::uint32_t n = 0; n < 1'000; ++n) {
    const std::uint32_t a = report::client_ipv4(n);
    BOOST_TEST(a != report::broker_ipv4);
    BOOST_TEST(seen.insert(a).second);
  }
}

BOOST_AUTO_TEST_CASE(open_flows_never_share_a_port_and_closed_ones_free_it) {
  std::ostringstream out;
  report::pcap_writer w(out);
  w.open(5, 1, 0);
  w.open(20'005, 1, 0);  // same node, same preferred port
  w.open(40'005, 2, 0);  // other node: the preferred port is free there
  w.close(5, true, false, 1);
  w.open(5, 1, 2);  // port 40005 of node 1 is free again
  const auto f = frames_of(out.str());
  BOOST_TEST_REQUIRE(f.size() == 15u);
  BOOST_TEST(f[0].src_port == 40'005u);
  BOOST_TEST(f[3].src_port == 40'006u);
  BOOST_TEST(f[6].src_port == 40'005u);
  BOOST_TEST(f[6].src_ip != f[0].src_ip);
  BOOST_TEST(f[12].src_port == 40'005u);
  BOOST_TEST(f[12].src_ip == f[0].src_ip);
  // The reopened flow starts from other sequence numbers, which tells it from the old one.
  BOOST_TEST(f[12].seq != f[0].seq);
}

BOOST_AUTO_TEST_CASE(same_calls_same_bytes) {
  auto run = [] {
    std::ostringstream out;
    report::pcap_writer w(out);
    w.open(1, 0, 0);
    w.open(2, 5, 3);
    w.data(1, true, pattern(70'000), 10);
    w.data(2, false, pattern(9), 11);
    w.close(1, false, false, 12);
    w.close(2, true, true, 13);
    return out.str();
  };
  const std::string a = run();
  BOOST_TEST(a == run());
  BOOST_TEST(frames_of(a).size() == 3 + 3 + 4 + 2 + 3 + 1u);
}

BOOST_AUTO_TEST_SUITE_END()
