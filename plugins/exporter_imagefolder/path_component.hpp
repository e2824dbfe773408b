// Safe single path components made from untrusted text (class names, file names).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace winnow::exporter_imagefolder {

// Returns `name` as one path component that cannot leave its parent folder: '/', '\\', NUL and
// other control characters become '_'; surrounding whitespace and leading dots are removed (so
// never ".", ".." or a hidden name); the result is cut to at most maxBytes bytes on a UTF-8
// character boundary. An empty result becomes "_".
std::string sanitizePathComponent(std::string_view name, size_t maxBytes);

// ASCII-lower-cased copy, used to detect names that collide on case-insensitive file systems.
std::string foldCase(std::string_view name);

}  // namespace winnow::exporter_imagefolder
