// Minimal reader for the zip archives torch.save writes: every entry is STORED (uncompressed), so
// only the central directory (zip64 included) and local headers are parsed; no zlib. Entries are
// read on demand straight from the file into caller memory.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace winnow::torchvision::detail {

class StoredZip {
 public:
  // Reads the central directory. Throws std::runtime_error "<path>: <reason>" when the file cannot
  // be opened or is not a (complete) zip archive.
  explicit StoredZip(std::filesystem::path path);

  bool contains(const std::string& name) const { return entries_.count(name) != 0; }
  std::vector<std::string> names() const;
  // Uncompressed size in bytes; throws when the entry is missing.
  std::uint64_t size(const std::string& name) const;
  // Copies the whole entry into `destination` (`size(name)` bytes). Throws when the entry is
  // missing, compressed, or extends past the end of the file.
  void read(const std::string& name, void* destination) const;
  std::string readString(const std::string& name) const;
  const std::filesystem::path& path() const { return path_; }

 private:
  struct Entry {
    std::uint64_t localHeaderOffset = 0;
    std::uint64_t size = 0;
    std::uint16_t method = 0;
  };

  const Entry& entry(const std::string& name) const;
  [[noreturn]] void fail(const std::string& reason) const;
  std::vector<unsigned char> readBytes(std::uint64_t offset, std::uint64_t count) const;
  void readDirectory();

  std::filesystem::path path_;
  std::uint64_t fileSize_ = 0;
  std::map<std::string, Entry> entries_;
};

}  // namespace winnow::torchvision::detail
