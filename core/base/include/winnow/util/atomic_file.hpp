// Atomic file writes: data goes to a temporary file in the same folder, is flushed, and is renamed
// over the target, so readers see the old file or the new one, never a partial one.
// Durability::Cache skips the flush (fsync): for files that can be remade at any time (thumbnail
// caches), whose readers treat an unreadable file as missing. After a power cut such a file may
// be empty; it is never partial for a running reader. fsync costs about 2 ms a file here, more
// than making a thumbnail.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "winnow/util/result.hpp"

namespace winnow {

enum class Durability { Flushed, Cache };

Status writeFileAtomically(const std::filesystem::path& path, const void* data, std::size_t size,
                           Durability durability = Durability::Flushed);
inline Status writeFileAtomically(const std::filesystem::path& path,
                                  const std::vector<std::uint8_t>& bytes,
                                  Durability durability = Durability::Flushed) {
  return writeFileAtomically(path, bytes.data(), bytes.size(), durability);
}
inline Status writeFileAtomically(const std::filesystem::path& path, const std::string& text) {
  return writeFileAtomically(path, text.data(), text.size());
}

// "<path>.tmp-<pid>-<counter>": unique per process and call, in the same folder as path.
std::filesystem::path temporarySibling(const std::filesystem::path& path);

}  // namespace winnow
