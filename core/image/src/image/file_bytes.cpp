#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <cstring>
#include <string>

#include "file_io.hpp"
#include "header_scan.hpp"
#include "winnow/image/image_codec.hpp"

namespace winnow::image {
namespace {

Error pathError(ErrorCode code, const std::filesystem::path& path, const std::string& reason) {
  return makeError(code, path.string() + ": " + reason);
}

Error errnoError(const std::filesystem::path& path, int err, const char* action) {
  if (err == ENOENT || err == ENOTDIR) return pathError(ErrorCode::NotFound, path, "no such file");
  if (err == EACCES || err == EPERM) return pathError(ErrorCode::Io, path, "permission denied");
  if (err == EISDIR) return pathError(ErrorCode::InvalidArgument, path, "is a directory");
  return pathError(ErrorCode::Io, path, std::string(action) + " failed: " + std::strerror(err));
}

struct FdCloser {
  int fd = -1;
  FdCloser() = default;
  FdCloser(const FdCloser&) = delete;
  FdCloser& operator=(const FdCloser&) = delete;
  ~FdCloser() {
    if (fd >= 0) ::close(fd);
  }
};

// Opens `path` for reading into `file` and returns its size; refuses folders and anything that is
// not a regular file, with the reason.
Result<std::uint64_t> openRegularFile(const std::filesystem::path& path, FdCloser& file) {
  do {
    file.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  } while (file.fd < 0 && errno == EINTR);
  if (file.fd < 0) return errnoError(path, errno, "open");
  struct stat st {};
  if (::fstat(file.fd, &st) != 0) return errnoError(path, errno, "stat");
  if (S_ISDIR(st.st_mode)) return pathError(ErrorCode::InvalidArgument, path, "is a directory");
  if (!S_ISREG(st.st_mode)) return pathError(ErrorCode::InvalidArgument, path, "not a regular file");
  return static_cast<std::uint64_t>(st.st_size);
}

// Fills `bytes` from the open file, retrying on EINTR; a file that shrank meanwhile leaves
// `bytes` shorter.
Status readInto(const std::filesystem::path& path, const FdCloser& file, std::vector<std::uint8_t>& bytes) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::read(file.fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errnoError(path, errno, "read");
    if (n == 0) break;
    done += static_cast<std::size_t>(n);
  }
  bytes.resize(done);
  return okStatus();
}

}  // namespace

// POSIX I/O: one fstat, one allocation, read() straight into the result (no stream buffering).
Result<std::vector<std::uint8_t>> readFileBytes(const std::filesystem::path& path, std::uint64_t maxBytes) {
  FdCloser file;
  auto opened = openRegularFile(path, file);
  if (!opened) return opened.error();
  const std::uint64_t size = *opened;
  if (size > maxBytes)
    return pathError(ErrorCode::Io, path,
                     "file too big (" + std::to_string(size) + " bytes, limit " + std::to_string(maxBytes) + ")");
  std::vector<std::uint8_t> bytes;
  try {
    bytes.resize(static_cast<std::size_t>(size));
  } catch (const std::exception&) {
    return pathError(ErrorCode::Io, path, "out of memory reading " + std::to_string(size) + " bytes");
  }
  if (Status read = readInto(path, file, bytes); !read) return read.error();
  return bytes;
}

namespace detail {

Result<std::pair<std::vector<std::uint8_t>, bool>> readFileHead(const std::filesystem::path& path,
                                                                std::uint64_t maxBytes) {
  FdCloser file;
  auto opened = openRegularFile(path, file);
  if (!opened) return opened.error();
  const std::uint64_t size = *opened;
  std::vector<std::uint8_t> bytes(static_cast<std::size_t>(std::min(size, maxBytes)));
  if (Status read = readInto(path, file, bytes); !read) return read.error();
  return std::make_pair(std::move(bytes), size <= maxBytes);
}

}  // namespace detail

std::string sniffImageFile(const std::filesystem::path& path) {
  auto head = detail::readFileHead(path, 64);
  if (!head) return "";
  const detail::ImageFormat format = detail::sniffFormat(head->first.data(), head->first.size());
  return format == detail::ImageFormat::Invalid ? "" : detail::formatName(format);
}

bool isImageExtension(const std::string& ext) {
  static const char* const kImage[] = {".jpg", ".jpeg", ".jpe", ".png", ".webp", ".bmp", ".tif",
                                       ".tiff", ".pgm", ".ppm", ".pnm", ".heic", ".heif", ".gif"};
  for (const char* e : kImage)
    if (ext == e) return true;
  return false;
}

bool isVideoExtension(const std::string& ext) {
  static const char* const kVideo[] = {".mp4", ".mov", ".avi", ".mkv", ".webm", ".m4v", ".mpg", ".mpeg"};
  for (const char* e : kVideo)
    if (ext == e) return true;
  return false;
}

}  // namespace winnow::image
