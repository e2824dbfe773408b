// EXIF fields winnow uses, read with libexif. Thread-safe (no shared state).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace winnow::image::detail {

struct ExifFields {
  int orientation = 0;                     // 1..8, 0 when the tag is absent
  std::optional<std::string> captureTime;  // DateTimeOriginal as "YYYY-MM-DDTHH:MM:SS"
};

// `tiff` is the EXIF payload in TIFF layout (after any "Exif\0\0" prefix). Returns false with a
// short reason when libexif cannot parse it or the orientation is outside 1..8. Unreadable or
// blank dates are not errors; they leave captureTime empty.
bool readExif(const std::uint8_t* tiff, std::size_t size, ExifFields& fields, std::string& reason);

}  // namespace winnow::image::detail
