#include "winnow/util/atomic_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

namespace winnow {

namespace fs = std::filesystem;

fs::path temporarySibling(const fs::path& path) {
  static std::atomic<unsigned> counter{0};
  return fs::path(path.string() + ".tmp-" + std::to_string(::getpid()) + "-" +
                  std::to_string(counter++));
}

Status writeFileAtomically(const fs::path& path, const void* data, std::size_t size, Durability durability) {
  std::error_code ec;
  if (path.has_parent_path()) fs::create_directories(path.parent_path(), ec);
  const fs::path temp = temporarySibling(path);
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) {
    return makeError(ErrorCode::Io, path.string() + ": cannot write: " + std::strerror(errno));
  }
  const auto* bytes = static_cast<const char*>(data);
  std::size_t written = 0;
  while (written < size) {
    const ssize_t n = ::write(fd, bytes + written, size - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int savedErrno = errno;
      ::close(fd);
      fs::remove(temp, ec);
      return makeError(ErrorCode::Io, path.string() + ": write failed: " + std::strerror(savedErrno));
    }
    written += static_cast<std::size_t>(n);
  }
  if ((durability == Durability::Flushed && ::fsync(fd) != 0) || ::close(fd) != 0) {
    const int savedErrno = errno;
    fs::remove(temp, ec);
    return makeError(ErrorCode::Io, path.string() + ": flush failed: " + std::strerror(savedErrno));
  }
  fs::rename(temp, path, ec);
  if (ec) {
    fs::remove(temp, ec);
    return makeError(ErrorCode::Io, path.string() + ": rename failed: " + ec.message());
  }
  return okStatus();
}

}  // namespace winnow
