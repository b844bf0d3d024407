// Writes simulated MQTT traffic with pcap_writer, then checks what tshark decodes from the file:
// message types and topics per TCP stream, the frame count, checksums and TCP analysis.
// Exit 0 on a match, 1 on a mismatch, 77 when tshark cannot be run.
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "mqtt/codec/encoder.hpp"
#include "report/pcap.hpp"

// Designated initializers name only the packet fields that differ from their defaults.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace {

using namespace mqtt::codec;
using bytes = std::vector<std::uint8_t>;
using harness::report::pcap_writer;

// tcp.stream -> one "msgtype<TAB>topic" line per frame, comma-joined where a frame holds
// several MQTT packets.
using decoded_streams = std::map<std::string, std::vector<std::string>>;

constexpr int exit_mismatch = 1;
constexpr int exit_usage = 2;
constexpr int exit_tshark_missing = 77;

bytes encoded(const packet& p, protocol_version version) {
  bytes out;
  if (!encode(p, version, out)) throw std::logic_error("test packet does not encode");
  return out;
}

bytes concat(const bytes& a, const bytes& b) {
  bytes out = a;
  out.insert(out.end(), b.begin(), b.end());
  return out;
}

std::span<const std::uint8_t> slice(const bytes& b, std::size_t from, std::size_t to) {
  return std::span<const std::uint8_t>(b).subspan(from, to - from);
}

// Two connections interleaved: a 3.1.1 subscriber whose PUBLISH arrives in three segments and
// whose next two PUBLISHes share one, then a 5.0 client that is reset after its CONNECT.
decoded_streams write_mixed(pcap_writer& w) {
  constexpr protocol_version v311 = protocol_version::v3_1_1;
  constexpr protocol_version v5 = protocol_version::v5;
  constexpr std::uint64_t sub = 11, reset = 12;
  const std::string big_payload(3000, 'x');

  w.open(sub, 3, 1'000);
  w.open(reset, 4, 1'500);
  w.data(sub, true, encoded(connect{.version = v311, .keep_alive_s = 60, .client_id = "sub"}, v311),
         2'000);
  w.data(reset, true,
         encoded(connect{.version = v5,
                         .keep_alive_s = 30,
                         .client_id = "v5-client",
                         .props = {.session_expiry_interval_s = 3600}},
                 v5),
         2'100);
  w.data(sub, false, encoded(connack{}, v311), 2'500);
  w.data(sub, true,
         encoded(subscribe{.packet_id = 1,
                           .subscriptions = {{"sensors/#", {.max_qos = qos::at_least_once}}}},
                 v311),
         3'000);
  w.close(reset, false, true, 3'100);
  w.data(sub, false, encoded(suback{.packet_id = 1, .reason_codes = {0x01}}, v311), 3'500);

  // Cut inside the topic name and inside the payload.
  const bytes big = encoded(publish{.topic = "sensors/big", .payload = big_payload}, v311);
  w.data(sub, false, slice(big, 0, 7), 4'000);
  w.data(sub, false, slice(big, 7, 1'500), 4'100);
  w.data(sub, false, slice(big, 1'500, big.size()), 4'200);

  w.data(sub, false,
         concat(encoded(publish{.topic = "sensors/a", .payload = "1"}, v311),
                encoded(publish{.topic = "sensors/b", .payload = "2"}, v311)),
         5'000);
  w.close(sub, true, false, 6'000);

  return {{"0",
           {"1\t", "2\t", "8\tsensors/#", "9\t", "3\tsensors/big", "3,3\tsensors/a,sensors/b"}},
          {"1", {"1\t"}}};
}

// One PUBLISH far larger than a segment, which the writer must split with contiguous sequence
// numbers for Wireshark to put it back together.
decoded_streams write_large(pcap_writer& w) {
  constexpr protocol_version v311 = protocol_version::v3_1_1;
  constexpr std::uint64_t conn = 1;
  const std::string blob(200'000, 'b');

  w.data(conn, true, encoded(connect{.version = v311, .client_id = "bulk"}, v311), 1'000);
  w.data(conn, false, encoded(connack{}, v311), 1'100);
  w.data(conn, true, encoded(publish{.topic = "bulk/blob", .payload = blob}, v311), 2'000);
  w.data(conn, true, encoded(publish{.topic = "bulk/after", .payload = "a"}, v311), 3'000);
  w.close(conn, false, false, 4'000);
  return {{"0", {"1\t", "2\t", "3\tbulk/blob", "3\tbulk/after"}}};
}

std::string shell_quote(std::string_view s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

struct command_result {
  int exit_code = -1;  // -1 when the command did not exit normally
  std::string output;
};

command_result run(const std::string& command) {
  command_result r;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return r;
  char buffer[4096];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) r.output.append(buffer, n);
  const int status = pclose(pipe);
  if (status != -1 && WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  return r;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

decoded_streams group_by_stream(const std::string& fields) {
  decoded_streams streams;
  for (const std::string& line : lines_of(fields)) {
    const auto tab = line.find('\t');
    streams[line.substr(0, tab)].push_back(tab == std::string::npos ? "" : line.substr(tab + 1));
  }
  return streams;
}

void print_streams(std::string_view title, const decoded_streams& streams) {
  std::cerr << title << ":\n";
  for (const auto& [stream, frames] : streams) {
    for (const std::string& frame : frames) {
      std::cerr << "  stream " << stream << ": " << frame << '\n';
    }
  }
}

// tshark reads the file and exits 0; otherwise prints why and returns false.
bool run_tshark(const std::string& tshark, const std::string& file, const std::string& options,
                std::string& output) {
  const std::string command = shell_quote(tshark) + " -r " + shell_quote(file) + " " + options;
  const command_result r = run(command);
  if (r.exit_code != 0) {
    std::cerr << "FAIL: `" << command << "` exited with " << r.exit_code << '\n' << r.output;
    return false;
  }
  output = r.output;
  return true;
}

int check(const std::string& tshark, const std::string& file, const decoded_streams& expected,
          std::uint64_t frames_written) {
  std::string fields, frames, problems;
  if (!run_tshark(tshark, file,
                  "-d tcp.port==1883,mqtt -Y mqtt -T fields"
                  " -e tcp.stream -e mqtt.msgtype -e mqtt.topic",
                  fields) ||
      !run_tshark(tshark, file, "-T fields -e frame.number", frames) ||
      !run_tshark(tshark, file,
                  "-d tcp.port==1883,mqtt -o ip.check_checksum:TRUE -o tcp.check_checksum:TRUE"
                  " -Y 'ip.checksum.status != 1 || tcp.checksum.status != 1 || _ws.malformed"
                  " || tcp.analysis.flags' -T fields -e frame.number -e _ws.col.Info",
                  problems)) {
    return exit_mismatch;
  }

  int result = 0;
  const decoded_streams decoded = group_by_stream(fields);
  if (decoded != expected) {
    std::cerr << "FAIL: tshark decoded other MQTT packets than were written\n";
    print_streams("expected", expected);
    print_streams("decoded", decoded);
    result = exit_mismatch;
  }
  if (lines_of(frames).size() != frames_written) {
    std::cerr << "FAIL: tshark read " << lines_of(frames).size() << " frames, the writer wrote "
              << frames_written << '\n';
    result = exit_mismatch;
  }
  if (!problems.empty()) {
    std::cerr << "FAIL: frames with bad checksums, malformed data or TCP analysis flags:\n"
              << problems;
    result = exit_mismatch;
  }
  return result;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: pcap-tshark-check TSHARK mixed|large FILE.pcap\n";
    return exit_usage;
  }
  const std::string tshark = argv[1];
  const std::string scenario = argv[2];
  const std::string file = argv[3];

  if (run(shell_quote(tshark) + " --version >/dev/null 2>&1").exit_code != 0) {
    std::cerr << "tshark not found or not runnable as '" << tshark
              << "': tools/bootstrap installs it (Debian package tshark). Configure with "
                 "-DMQTT_INTEROP_ALLOW_SKIP=ON to skip this test instead of failing it.\n";
    return exit_tshark_missing;
  }

  decoded_streams expected;
  std::uint64_t frames_written = 0;
  {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    pcap_writer writer(out);
    if (scenario == "mixed") {
      expected = write_mixed(writer);
    } else if (scenario == "large") {
      expected = write_large(writer);
    } else {
      std::cerr << "unknown scenario '" << scenario << "'\n";
      return exit_usage;
    }
    frames_written = writer.packets_written();
    out.close();
    if (!out) {
      std::cerr << "FAIL: cannot write " << file << '\n';
      return exit_mismatch;
    }
  }

  const int result = check(tshark, file, expected, frames_written);
  if (result == 0) {
    std::cout << "tshark decoded " << file << " as written (" << frames_written << " frames)\n";
  }
  return result;
}
