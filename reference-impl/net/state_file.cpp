#include "state_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <iterator>

namespace mqtt::net {
namespace {

std::string errno_text(const std::string& what) { return what + ": " + std::strerror(errno); }

bool write_all(int fd, const std::vector<std::uint8_t>& bytes) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

std::uint64_t wall_ms() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

std::string folder_of(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
}

}  // namespace

state_file::state_file(std::string path) : path_(std::move(path)) {}

std::optional<std::string> state_file::load(broker::broker& core, broker::clock_ms now) {
  std::ifstream in(path_, std::ios::binary);
  if (!in) {
    if (::access(path_.c_str(), F_OK) != 0) return std::nullopt;  // nothing saved yet
    return path_ + ": cannot read the persistence file";
  }
  std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return path_ + ": cannot read the persistence file";
  if (auto e = core.load_state(bytes, now, wall_ms())) return path_ + ": " + *e;
  last_ = std::move(bytes);
  return std::nullopt;
}

std::optional<std::string> state_file::save_if_changed(const broker::broker& core, broker::clock_ms now) {
  std::vector<std::uint8_t> bytes = core.save_state(now, wall_ms());
  if (bytes == last_) return std::nullopt;
  const std::string tmp = path_ + ".new";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return errno_text(tmp);
  const bool ok = write_all(fd, bytes) && ::fsync(fd) == 0;
  const std::string failed = ok ? "" : errno_text(tmp);
  ::close(fd);
  if (!ok) return failed;
  if (::rename(tmp.c_str(), path_.c_str()) != 0) return errno_text("rename to " + path_);
  const int dir = ::open(folder_of(path_).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
  last_ = std::move(bytes);
  ++writes_;
  return std::nullopt;
}

}  // namespace mqtt::net
