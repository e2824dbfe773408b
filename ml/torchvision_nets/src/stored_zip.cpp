#include "stored_zip.hpp"

#include <algorithm>
#include <fstream>
#include <stdexcept>
#include <utility>

namespace winnow::torchvision::detail {
namespace {

constexpr std::uint32_t kEndOfDirectorySignature = 0x06054b50;
constexpr std::uint32_t kZip64LocatorSignature = 0x07064b50;
constexpr std::uint32_t kZip64EndSignature = 0x06064b50;
constexpr std::uint32_t kCentralEntrySignature = 0x02014b50;
constexpr std::uint32_t kLocalHeaderSignature = 0x04034b50;
constexpr std::uint64_t kEndOfDirectorySize = 22;
constexpr std::uint64_t kMaxCommentSize = 0xFFFF;
constexpr std::uint16_t kZip64ExtraId = 0x0001;
constexpr std::uint16_t kMethodStored = 0;

// Little-endian field of `width` bytes at `at`; the caller guarantees the bounds.
std::uint64_t field(const std::vector<unsigned char>& bytes, std::size_t at, int width) {
  std::uint64_t value = 0;
  for (int i = width - 1; i >= 0; --i) {
    value = (value << 8) | bytes[at + static_cast<std::size_t>(i)];
  }
  return value;
}

}  // namespace

StoredZip::StoredZip(std::filesystem::path path) : path_(std::move(path)) {
  std::error_code ec;
  fileSize_ = std::filesystem::file_size(path_, ec);
  if (ec) {
    fail("cannot read file (" + ec.message() + ")");
  }
  readDirectory();
}

void StoredZip::fail(const std::string& reason) const {
  throw std::runtime_error(path_.string() + ": " + reason);
}

std::vector<unsigned char> StoredZip::readBytes(std::uint64_t offset, std::uint64_t count) const {
  if (offset > fileSize_ || count > fileSize_ - offset) {
    fail("truncated (needs bytes up to " + std::to_string(offset + count) + ", file has " +
         std::to_string(fileSize_) + ")");
  }
  std::vector<unsigned char> bytes(count);
  std::ifstream in(path_, std::ios::binary);
  in.seekg(static_cast<std::streamoff>(offset));
  in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(count));
  if (!in) {
    fail("read error at offset " + std::to_string(offset));
  }
  return bytes;
}

void StoredZip::readDirectory() {
  if (fileSize_ < kEndOfDirectorySize) {
    fail("not a zip archive (too short)");
  }
  // The end-of-central-directory record sits at the end, possibly followed by a comment.
  const std::uint64_t tailSize = std::min(fileSize_, kEndOfDirectorySize + kMaxCommentSize);
  const std::uint64_t tailStart = fileSize_ - tailSize;
  const std::vector<unsigned char> tail = readBytes(tailStart, tailSize);
  std::size_t eocd = tail.size() - kEndOfDirectorySize + 1;
  do {
    --eocd;
  } while (eocd > 0 && field(tail, eocd, 4) != kEndOfDirectorySignature);
  if (field(tail, eocd, 4) != kEndOfDirectorySignature) {
    fail("not a zip archive, or truncated (no end-of-central-directory record)");
  }
  std::uint64_t count = field(tail, eocd + 10, 2);
  std::uint64_t directorySize = field(tail, eocd + 12, 4);
  std::uint64_t directoryOffset = field(tail, eocd + 16, 4);
  if (count == 0xFFFF || directoryOffset == 0xFFFFFFFF || directorySize == 0xFFFFFFFF) {
    const std::uint64_t eocdOffset = tailStart + eocd;
    if (eocdOffset < 20) {
      fail("zip64 archive without its locator");
    }
    const std::vector<unsigned char> locator = readBytes(eocdOffset - 20, 20);
    if (field(locator, 0, 4) != kZip64LocatorSignature) {
      fail("zip64 archive without its locator");
    }
    const std::vector<unsigned char> end64 = readBytes(field(locator, 8, 8), 56);
    if (field(end64, 0, 4) != kZip64EndSignature) {
      fail("bad zip64 end-of-central-directory record");
    }
    count = field(end64, 32, 8);
    directorySize = field(end64, 40, 8);
    directoryOffset = field(end64, 48, 8);
  }
  const std::vector<unsigned char> directory = readBytes(directoryOffset, directorySize);
  std::size_t at = 0;
  for (std::uint64_t i = 0; i < count; ++i) {
    if (at + 46 > directory.size() || field(directory, at, 4) != kCentralEntrySignature) {
      fail("corrupt central directory (entry " + std::to_string(i) + ")");
    }
    const std::size_t nameLength = field(directory, at + 28, 2);
    const std::size_t extraLength = field(directory, at + 30, 2);
    const std::size_t commentLength = field(directory, at + 32, 2);
    if (at + 46 + nameLength + extraLength + commentLength > directory.size()) {
      fail("corrupt central directory (entry " + std::to_string(i) + ")");
    }
    Entry entry;
    entry.method = static_cast<std::uint16_t>(field(directory, at + 10, 2));
    entry.size = field(directory, at + 24, 4);
    std::uint64_t compressedSize = field(directory, at + 20, 4);
    entry.localHeaderOffset = field(directory, at + 42, 4);
    // Zip64 extra field: 8-byte values for exactly those of (size, compressed size, offset) that
    // are saturated at 0xFFFFFFFF in the fixed part, in that order.
    std::size_t extra = at + 46 + nameLength;
    const std::size_t extraEnd = extra + extraLength;
    while (extra + 4 <= extraEnd) {
      const std::uint64_t id = field(directory, extra, 2);
      const std::size_t length = field(directory, extra + 2, 2);
      std::size_t value = extra + 4;
      const auto widen = [&](std::uint64_t& target) {
        if (target == 0xFFFFFFFF && value + 8 <= extra + 4 + length && value + 8 <= extraEnd) {
          target = field(directory, value, 8);
          value += 8;
        }
      };
      if (id == kZip64ExtraId) {
        widen(entry.size);
        widen(compressedSize);
        widen(entry.localHeaderOffset);
      }
      extra += 4 + length;
    }
    const std::string name(reinterpret_cast<const char*>(directory.data() + at + 46), nameLength);
    // A stored entry cannot be larger than the archive; callers allocate size() bytes before
    // read() checks the bounds, so a forged size must not get that far (found by fuzz/fuzz_pth).
    if (entry.size > fileSize_) {
      fail("corrupt central directory (entry '" + name + "' claims " + std::to_string(entry.size) +
           " bytes, more than the whole file)");
    }
    entries_[name] = entry;
    at += 46 + nameLength + extraLength + commentLength;
  }
}

std::vector<std::string> StoredZip::names() const {
  std::vector<std::string> result;
  result.reserve(entries_.size());
  for (const auto& [name, entry] : entries_) {
    result.push_back(name);
  }
  return result;
}

const StoredZip::Entry& StoredZip::entry(const std::string& name) const {
  const auto found = entries_.find(name);
  if (found == entries_.end()) {
    fail("archive has no entry '" + name + "'");
  }
  return found->second;
}

std::uint64_t StoredZip::size(const std::string& name) const { return entry(name).size; }

void StoredZip::read(const std::string& name, void* destination) const {
  const Entry& found = entry(name);
  if (found.method != kMethodStored) {
    fail("entry '" + name + "' is compressed (method " + std::to_string(found.method) +
         "); only stored entries are supported");
  }
  const std::vector<unsigned char> header = readBytes(found.localHeaderOffset, 30);
  if (field(header, 0, 4) != kLocalHeaderSignature) {
    fail("corrupt local header of entry '" + name + "'");
  }
  const std::uint64_t dataOffset =
      found.localHeaderOffset + 30 + field(header, 26, 2) + field(header, 28, 2);
  if (dataOffset > fileSize_ || found.size > fileSize_ - dataOffset) {
    fail("truncated (entry '" + name + "' extends past the end of the file)");
  }
  std::ifstream in(path_, std::ios::binary);
  in.seekg(static_cast<std::streamoff>(dataOffset));
  in.read(static_cast<char*>(destination), static_cast<std::streamsize>(found.size));
  if (!in) {
    fail("read error in entry '" + name + "'");
  }
}

std::string StoredZip::readString(const std::string& name) const {
  std::string text(size(name), '\0');
  read(name, text.data());
  return text;
}

}  // namespace winnow::torchvision::detail
