#include "exif_reader.hpp"

#include <libexif/exif-data.h>
#include <libexif/exif-log.h>

#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

namespace winnow::image::detail {
namespace {

struct LogCapture {
  std::string firstCorruption;
};

void captureLog(ExifLog* /*log*/, ExifLogCode code, const char* /*domain*/, const char* format,
                va_list args, void* data) {
  auto* capture = static_cast<LogCapture*>(data);
  if (code != EXIF_LOG_CODE_CORRUPT_DATA || !capture->firstCorruption.empty()) return;
  char buffer[256];
  std::vsnprintf(buffer, sizeof buffer, format, args);
  capture->firstCorruption = buffer;
}

struct ExifDataDeleter {
  void operator()(ExifData* d) const { exif_data_unref(d); }
};
struct ExifLogDeleter {
  void operator()(ExifLog* l) const { exif_log_unref(l); }
};

bool isDigits(const char* s, int n) {
  for (int i = 0; i < n; ++i)
    if (s[i] < '0' || s[i] > '9') return false;
  return true;
}

// EXIF dates are "YYYY:MM:DD HH:MM:SS"; anything else (blank, zeros, junk) is no date.
std::optional<std::string> isoDate(const ExifEntry* entry) {
  if (entry == nullptr || entry->data == nullptr || entry->size < 19) return std::nullopt;
  const char* s = reinterpret_cast<const char*>(entry->data);
  if (!isDigits(s, 4) || s[4] != ':' || !isDigits(s + 5, 2) || s[7] != ':' || !isDigits(s + 8, 2) ||
      (s[10] != ' ' && s[10] != 'T') || !isDigits(s + 11, 2) || s[13] != ':' ||
      !isDigits(s + 14, 2) || s[16] != ':' || !isDigits(s + 17, 2))
    return std::nullopt;
  if (std::memcmp(s, "0000", 4) == 0 || std::memcmp(s + 5, "00", 2) == 0) return std::nullopt;
  std::string iso(s, 19);
  iso[4] = '-';
  iso[7] = '-';
  iso[10] = 'T';
  return iso;
}

}  // namespace

bool readExif(const std::uint8_t* tiff, std::size_t size, ExifFields& fields, std::string& reason) {
  static constexpr char kHeader[] = "Exif\0\0";
  if (size < 8 || size > (64u << 20)) {
    reason = "EXIF block of " + std::to_string(size) + " bytes";
    return false;
  }
  // libexif silently ignores an IFD0 it cannot reach, so the TIFF header is checked here.
  const bool little = tiff[0] == 'I' && tiff[1] == 'I';
  if (!little && !(tiff[0] == 'M' && tiff[1] == 'M')) {
    reason = "bad TIFF byte order mark";
    return false;
  }
  auto u16 = [&](std::size_t at) {
    return little ? static_cast<std::size_t>(tiff[at] | (tiff[at + 1] << 8))
                  : static_cast<std::size_t>((tiff[at] << 8) | tiff[at + 1]);
  };
  const std::size_t magic = u16(2);
  const std::size_t ifd0 = little ? (u16(4) | (u16(6) << 16)) : ((u16(4) << 16) | u16(6));
  if (magic != 42) {
    reason = "bad TIFF magic number";
    return false;
  }
  if (ifd0 < 8 || ifd0 + 2 > size || ifd0 + 2 + 12 * u16(ifd0) > size) {
    reason = "IFD0 lies outside the EXIF block";
    return false;
  }
  // libexif only accepts a payload that starts with the "Exif\0\0" header.
  std::vector<unsigned char> buffer(size + 6);
  std::memcpy(buffer.data(), kHeader, 6);
  std::memcpy(buffer.data() + 6, tiff, size);

  std::unique_ptr<ExifData, ExifDataDeleter> data(exif_data_new());
  std::unique_ptr<ExifLog, ExifLogDeleter> log(exif_log_new());
  if (!data || !log) {
    reason = "out of memory";
    return false;
  }
  LogCapture capture;
  exif_log_set_func(log.get(), captureLog, &capture);
  exif_data_log(data.get(), log.get());
  // Read what is there; do not let libexif "fix" (add or rewrite) tags.
  exif_data_unset_option(data.get(), EXIF_DATA_OPTION_FOLLOW_SPECIFICATION);
  exif_data_load_data(data.get(), buffer.data(), static_cast<unsigned int>(buffer.size()));

  const ExifContent* ifd0Content = data->ifd[EXIF_IFD_0];
  if ((ifd0Content == nullptr || ifd0Content->count == 0) && !capture.firstCorruption.empty()) {
    reason = capture.firstCorruption;
    return false;
  }

  const ExifByteOrder order = exif_data_get_byte_order(data.get());
  if (const ExifEntry* e = exif_content_get_entry(data->ifd[EXIF_IFD_0], EXIF_TAG_ORIENTATION)) {
    if (e->format != EXIF_FORMAT_SHORT || e->components < 1 || e->data == nullptr || e->size < 2) {
      reason = "orientation tag has the wrong type";
      return false;
    }
    const int value = exif_get_short(e->data, order);
    if (value < 1 || value > 8) {
      reason = "orientation " + std::to_string(value) + " outside 1..8";
      return false;
    }
    fields.orientation = value;
  }
  const ExifEntry* date = exif_content_get_entry(data->ifd[EXIF_IFD_EXIF], EXIF_TAG_DATE_TIME_ORIGINAL);
  fields.captureTime = isoDate(date);
  return true;
}

}  // namespace winnow::image::detail
