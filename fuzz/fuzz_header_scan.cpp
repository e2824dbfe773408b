// Fuzz target: format sniffing and header parsing of the still-image formats
// (core/src/image/header_scan.cpp): no reads outside the input, EXIF spans inside it.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_support.hpp"
#include "image/header_scan.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace winnow::image::detail;
  HeaderScan scan;
  scan.format = sniffFormat(data, size);
  (void)formatName(scan.format);
  std::string reason;
  if (!scanHeader(data, size, scan, reason)) {
    WINNOW_FUZZ_CHECK(!reason.empty());
    return 0;
  }
  WINNOW_FUZZ_CHECK(scan.format != ImageFormat::Invalid && scan.format != ImageFormat::Heic);
  if (scan.exifSize > 0) {
    WINNOW_FUZZ_CHECK(scan.exifTiff >= data && scan.exifTiff < data + size);
    WINNOW_FUZZ_CHECK(scan.exifSize <= static_cast<std::size_t>(data + size - scan.exifTiff));
  }
  if (scan.format == ImageFormat::Jpeg) {
    WINNOW_FUZZ_CHECK(scan.jpegScanOffset < size);
    (void)jpegHasEnd(data, size, scan.jpegScanOffset);
  }
  return 0;
}
