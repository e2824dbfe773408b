// Fuzz target: the EXIF reader (core/src/image/exif_reader.cpp, libexif underneath) on a payload
// in TIFF layout, as the header scanner hands it over.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_support.hpp"
#include "image/exif_reader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace winnow::image::detail;
  ExifFields fields;
  std::string reason;
  if (!readExif(data, size, fields, reason)) {
    WINNOW_FUZZ_CHECK(!reason.empty());
    return 0;
  }
  WINNOW_FUZZ_CHECK(fields.orientation >= 0 && fields.orientation <= 8);
  if (fields.captureTime) WINNOW_FUZZ_CHECK(fields.captureTime->size() == 19);
  return 0;
}
