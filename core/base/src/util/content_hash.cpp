#include "winnow/util/content_hash.hpp"

#include <xxhash.h>

#include <cstdio>

namespace winnow {

std::string contentHash(const void* data, std::size_t size) {
  const XXH128_hash_t hash = XXH3_128bits(data, size);
  char hex[33] = {};
  std::snprintf(hex, sizeof(hex), "%016llx%016llx", static_cast<unsigned long long>(hash.high64),
                static_cast<unsigned long long>(hash.low64));
  return std::string("xxh128:") + hex;
}

}  // namespace winnow
