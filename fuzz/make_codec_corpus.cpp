// Writes the codec fuzz target's seed corpus into a directory: one file per golden vector,
// and one stream per protocol version with all of that version's vectors back to back, each
// prefixed with the selector byte that decodes it under the vector's version.
//
// Usage: make-codec-corpus DIR
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "codec/golden_vectors.hpp"
#include "codec_fuzz_input.hpp"
#include "mqtt/codec/types.hpp"

namespace {

namespace codec = mqtt::codec;

constexpr std::size_t stream_vector_size_max = 1024;

// A file name made of [A-Za-z0-9_.-] only.
std::string safe_name(std::string_view name) {
  std::string out;
  for (char c : name) {
    const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '_' || c == '-' || c == '.';
    out.push_back(keep ? c : '_');
  }
  return out.empty() ? std::string("vector") : out;
}

std::string version_tag(codec::protocol_version v) {
  switch (v) {
    case codec::protocol_version::v3_1: return "v3_1";
    case codec::protocol_version::v3_1_1: return "v3_1_1";
    case codec::protocol_version::v5: return "v5";
  }
  return "v";
}

bool write_file(const std::filesystem::path& path, std::uint8_t selector,
                const std::vector<std::uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.put(static_cast<char>(selector));
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) {
    std::fprintf(stderr, "make-codec-corpus: cannot write %s\n", path.string().c_str());
    return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make-codec-corpus DIR\n");
    return 2;
  }
  const std::filesystem::path dir(argv[1]);
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    std::fprintf(stderr, "make-codec-corpus: cannot create %s: %s\n", dir.string().c_str(),
                 ec.message().c_str());
    return 1;
  }

  std::set<std::string> used;
  // A stream per version; a CONNECT goes first, as on a real connection.
  std::map<codec::protocol_version, std::vector<std::uint8_t>> streams;
  std::size_t files = 0;
  for (const mqtt::test::golden_vector& v : mqtt::test::golden_vectors()) {
    std::string name = safe_name(v.name);
    for (int n = 2; used.count(name) != 0; ++n) name = safe_name(v.name) + "-" + std::to_string(n);
    used.insert(name);
    if (!write_file(dir / name, mqtt::fuzz::selector_for(v.version), v.bytes)) return 1;
    ++files;

    // Vectors that exist for their size (multi-byte remaining lengths) stay out of the streams,
    // which keeps libFuzzer's default input size limit small.
    if (v.bytes.size() > stream_vector_size_max) continue;
    std::vector<std::uint8_t>& stream = streams[v.version];
    const bool is_connect = !v.bytes.empty() && (v.bytes.front() >> 4U) == 1;
    stream.insert(is_connect ? stream.begin() : stream.end(), v.bytes.begin(), v.bytes.end());
  }
  // Each stream twice: decoded in one feed, and in chunks (the selector's bit 7).
  for (const auto& [version, bytes] : streams) {
    const std::uint8_t selector = mqtt::fuzz::selector_for(version);
    if (!write_file(dir / ("stream-" + version_tag(version)), selector, bytes) ||
        !write_file(dir / ("stream-" + version_tag(version) + "-chunked"), selector | 0x80U, bytes)) {
      return 1;
    }
    files += 2;
  }
  std::printf("make-codec-corpus: wrote %zu files to %s\n", files, dir.string().c_str());
  return 0;
}
