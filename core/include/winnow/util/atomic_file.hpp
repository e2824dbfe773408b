// Atomic file writes: data goes to a temporary file in the same folder, is flushed, and is renamed
// over the target, so readers see the old file or the new one, never a partial one.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "winnow/util/result.hpp"

namespace winnow {

Status writeFileAtomically(const std::filesystem::path& path, const void* data, std::size_t size);
inline Status writeFileAtomically(const std::filesystem::path& path,
                                  const std::vector<std::uint8_t>& bytes) {
  return writeFileAtomically(path, bytes.data(), bytes.size());
}
inline Status writeFileAtomically(const std::filesystem::path& path, const std::string& text) {
  return writeFileAtomically(path, text.data(), text.size());
}

// "<path>.tmp-<pid>-<counter>": unique per process and call, in the same folder as path.
std::filesystem::path temporarySibling(const std::filesystem::path& path);

}  // namespace winnow
