// Content hashes identify samples: "xxh128:<32 lower-case hex digits>" (XXH3, 128-bit, libxxhash).
// Non-cryptographic on purpose: it detects identical content at memory speed; it is not a
// defence against deliberately colliding files.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace winnow {

std::string contentHash(const void* data, std::size_t size);
inline std::string contentHash(const std::vector<std::uint8_t>& bytes) {
  return contentHash(bytes.data(), bytes.size());
}

}  // namespace winnow
