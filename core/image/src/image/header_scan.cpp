#include "header_scan.hpp"

#include <cstring>

namespace winnow::image::detail {
namespace {

std::uint32_t be16(const std::uint8_t* p) { return (std::uint32_t{p[0]} << 8) | p[1]; }
std::uint32_t be32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}
std::uint32_t le16(const std::uint8_t* p) { return (std::uint32_t{p[1]} << 8) | p[0]; }
std::uint32_t le24(const std::uint8_t* p) {
  return (std::uint32_t{p[2]} << 16) | (std::uint32_t{p[1]} << 8) | p[0];
}
std::uint32_t le32(const std::uint8_t* p) {
  return (std::uint32_t{p[3]} << 24) | (std::uint32_t{p[2]} << 16) | (std::uint32_t{p[1]} << 8) | p[0];
}

bool startsWith(const std::uint8_t* data, std::size_t size, const char* magic, std::size_t n) {
  return size >= n && std::memcmp(data, magic, n) == 0;
}

bool fail(std::string& reason, const char* text) {
  reason = text;
  return false;
}

int clampDim(std::uint32_t v) { return v > 0x7fffffffu ? 0x7fffffff : static_cast<int>(v); }

bool isSofMarker(std::uint8_t m) {
  return m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
}

bool scanJpeg(const std::uint8_t* d, std::size_t size, HeaderScan& s, std::string& reason) {
  std::size_t pos = 2;
  bool sawFrame = false;
  for (;;) {
    if (pos >= size) return fail(reason, "truncated JPEG header");
    if (d[pos] != 0xFF) return fail(reason, "corrupt JPEG header (expected a marker)");
    while (pos < size && d[pos] == 0xFF) ++pos;
    if (pos >= size) return fail(reason, "truncated JPEG header");
    const std::uint8_t marker = d[pos++];
    if (marker == 0xD8 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) continue;
    if (marker == 0xD9) return fail(reason, "JPEG ends before any image data");
    if (pos + 2 > size) return fail(reason, "truncated JPEG header");
    const std::size_t len = be16(d + pos);
    if (len < 2) return fail(reason, "corrupt JPEG header (bad segment length)");
    if (pos + len > size) return fail(reason, "truncated JPEG header");
    const std::uint8_t* p = d + pos + 2;
    const std::size_t n = len - 2;
    if (marker == 0xE1 && s.exifSize == 0 && n > 6 && std::memcmp(p, "Exif\0\0", 6) == 0) {
      s.exifTiff = p + 6;
      s.exifSize = n - 6;
    } else if (isSofMarker(marker) && !sawFrame) {
      if (n < 6) return fail(reason, "corrupt JPEG frame header");
      s.height = static_cast<int>(be16(p + 1));
      s.width = static_cast<int>(be16(p + 3));
      s.channels = p[5] == 1 ? 1 : 3;  // CMYK/YCCK are converted to colour by the decoder
      sawFrame = true;
    } else if (marker == 0xDA) {
      if (!sawFrame) return fail(reason, "corrupt JPEG (scan before frame header)");
      s.jpegScanOffset = pos - 2;
      return true;
    }
    pos += len;
  }
}

bool scanPng(const std::uint8_t* d, std::size_t size, HeaderScan& s, std::string& reason) {
  if (size < 8 + 8 + 13) return fail(reason, "truncated PNG header");
  if (be32(d + 8) != 13 || std::memcmp(d + 12, "IHDR", 4) != 0)
    return fail(reason, "corrupt PNG header (IHDR missing)");
  const std::uint8_t* ihdr = d + 16;
  s.width = clampDim(be32(ihdr));
  s.height = clampDim(be32(ihdr + 4));
  const std::uint8_t colorType = ihdr[9];
  s.channels = colorType == 0 ? 1 : (colorType == 4 || colorType == 6) ? 4 : 3;
  std::size_t pos = 8;
  while (pos + 12 <= size) {
    const std::uint64_t len = be32(d + pos);
    const std::uint8_t* type = d + pos + 4;
    if (len > size - pos - 12) break;  // chunk runs past the end: truncated
    if (std::memcmp(type, "IEND", 4) == 0) {
      s.pngHasEnd = true;
      break;
    }
    if (std::memcmp(type, "eXIf", 4) == 0 && s.exifSize == 0 && len > 0) {
      s.exifTiff = d + pos + 8;
      s.exifSize = static_cast<std::size_t>(len);
    }
    pos += 12 + static_cast<std::size_t>(len);
  }
  return true;
}

bool scanWebp(const std::uint8_t* d, std::size_t size, HeaderScan& s, std::string& reason) {
  std::size_t pos = 12;
  bool sawImage = false;
  bool hasAlpha = false;
  while (pos + 8 <= size) {
    const std::uint8_t* tag = d + pos;
    const std::size_t len = le32(d + pos + 4);
    const std::uint8_t* p = d + pos + 8;
    const std::size_t avail = size - pos - 8;
    if (!sawImage) {
      if (std::memcmp(tag, "VP8 ", 4) == 0) {
        if (avail < 10 || p[3] != 0x9d || p[4] != 0x01 || p[5] != 0x2a)
          return fail(reason, "corrupt WebP (bad VP8 frame header)");
        s.width = static_cast<int>(le16(p + 6) & 0x3fff);
        s.height = static_cast<int>(le16(p + 8) & 0x3fff);
        sawImage = true;
        break;  // simple lossy file: nothing else of interest follows
      }
      if (std::memcmp(tag, "VP8L", 4) == 0) {
        if (avail < 5 || p[0] != 0x2f) return fail(reason, "corrupt WebP (bad VP8L header)");
        const std::uint32_t bits = le32(p + 1);
        s.width = static_cast<int>((bits & 0x3fff) + 1);
        s.height = static_cast<int>(((bits >> 14) & 0x3fff) + 1);
        hasAlpha = ((bits >> 28) & 1) != 0;
        sawImage = true;
        break;
      }
      if (std::memcmp(tag, "VP8X", 4) == 0) {
        if (avail < 10) return fail(reason, "truncated WebP header");
        hasAlpha = (p[0] & 0x10) != 0;
        s.width = static_cast<int>(le24(p + 4) + 1);
        s.height = static_cast<int>(le24(p + 7) + 1);
        sawImage = true;
      } else {
        return fail(reason, "corrupt WebP (unknown first chunk)");
      }
    } else if (std::memcmp(tag, "EXIF", 4) == 0 && len <= avail && len > 0) {
      s.exifTiff = p;
      s.exifSize = len;
      if (len > 6 && std::memcmp(p, "Exif\0\0", 6) == 0) {
        s.exifTiff += 6;
        s.exifSize -= 6;
      }
    }
    if (len > avail) break;
    pos += 8 + len + (len & 1);
  }
  if (!sawImage) return fail(reason, "truncated WebP header");
  s.channels = hasAlpha ? 4 : 3;
  return true;
}

bool scanBmp(const std::uint8_t* d, std::size_t size, HeaderScan& s, std::string& reason) {
  if (size < 26) return fail(reason, "truncated BMP header");
  const std::uint32_t dibSize = le32(d + 14);
  int bpp = 0;
  if (dibSize == 12) {
    s.width = static_cast<int>(le16(d + 18));
    s.height = static_cast<int>(le16(d + 20));
    bpp = static_cast<int>(le16(d + 24));
  } else {
    if (size < 30) return fail(reason, "truncated BMP header");
    const auto w = static_cast<std::int32_t>(le32(d + 18));
    const auto h = static_cast<std::int32_t>(le32(d + 22));
    if (w <= 0 || h == 0 || h == INT32_MIN) return fail(reason, "invalid BMP dimensions");
    s.width = w;
    s.height = h < 0 ? -h : h;  // negative height means top-down rows
    bpp = static_cast<int>(le16(d + 28));
  }
  s.channels = bpp == 32 ? 4 : 3;
  return true;
}

bool scanTiff(const std::uint8_t* d, std::size_t size, HeaderScan& s, std::string& reason) {
  const bool little = d[0] == 'I';
  auto u16 = [&](std::size_t at) { return little ? le16(d + at) : be16(d + at); };
  auto u32 = [&](std::size_t at) { return little ? le32(d + at) : be32(d + at); };
  if (size < 8) return fail(reason, "truncated TIFF header");
  const std::size_t ifd = u32(4);
  if (ifd < 8 || ifd + 2 > size) return fail(reason, "corrupt TIFF header (bad IFD offset)");
  const std::size_t count = u16(ifd);
  if (ifd + 2 + count * 12 > size) return fail(reason, "truncated TIFF header");
  int samples = 1;
  bool extra = false;
  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t e = ifd + 2 + i * 12;
    const std::uint32_t tag = u16(e);
    const std::uint32_t type = u16(e + 2);
    const std::uint32_t value = type == 3 ? u16(e + 8) : u32(e + 8);  // SHORT or LONG
    if (tag == 256) s.width = clampDim(value);
    if (tag == 257) s.height = clampDim(value);
    if (tag == 277) samples = static_cast<int>(value);
    if (tag == 338) extra = true;
  }
  if (s.width == 0 || s.height == 0) return fail(reason, "corrupt TIFF header (no image size)");
  s.channels = samples == 1 ? 1 : (samples >= 4 || extra) ? 4 : 3;
  return true;
}

bool scanGif(const std::uint8_t* d, std::size_t size, HeaderScan& s, std::string& reason) {
  if (size < 13) return fail(reason, "truncated GIF header");
  s.width = static_cast<int>(le16(d + 6));
  s.height = static_cast<int>(le16(d + 8));
  s.channels = 3;  // 4 when a Preserve decode finds transparent pixels
  return true;
}

bool scanPnm(const std::uint8_t* d, std::size_t size, HeaderScan& s, std::string& reason) {
  std::size_t pos = 2;
  long long values[2] = {0, 0};
  for (long long& v : values) {
    for (;;) {  // whitespace and # comments
      if (pos >= size) return fail(reason, "truncated PNM header");
      if (d[pos] == '#') {
        while (pos < size && d[pos] != '\n' && d[pos] != '\r') ++pos;
      } else if (d[pos] == ' ' || d[pos] == '\t' || d[pos] == '\n' || d[pos] == '\r' ||
                 d[pos] == '\v' || d[pos] == '\f') {
        ++pos;
      } else {
        break;
      }
    }
    int digits = 0;
    while (pos < size && d[pos] >= '0' && d[pos] <= '9') {
      if (++digits > 10) return fail(reason, "corrupt PNM header (number too long)");
      v = v * 10 + (d[pos++] - '0');
    }
    if (digits == 0) return fail(reason, "corrupt PNM header (expected a number)");
    // OpenCV consumes the byte after a number as its delimiter, so in "888#88888\n" it reads the
    // comment as the next number: sizes would differ from the ones checked against the limits
    // (a 30-byte PPM made OpenCV allocate 2.4 GB; found by fuzz/fuzz_image_decode).
    if (pos < size && d[pos] != ' ' && d[pos] != '\t' && d[pos] != '\n' && d[pos] != '\r' &&
        d[pos] != '\v' && d[pos] != '\f')
      return fail(reason, "corrupt PNM header (no whitespace after a number)");
  }
  s.width = values[0] > 0x7fffffff ? 0x7fffffff : static_cast<int>(values[0]);
  s.height = values[1] > 0x7fffffff ? 0x7fffffff : static_cast<int>(values[1]);
  s.channels = s.format == ImageFormat::Pgm ? 1 : 3;
  return true;
}

}  // namespace

const char* formatName(ImageFormat format) {
  switch (format) {
    case ImageFormat::Jpeg: return "jpeg";
    case ImageFormat::Png: return "png";
    case ImageFormat::Webp: return "webp";
    case ImageFormat::Bmp: return "bmp";
    case ImageFormat::Tiff: return "tiff";
    case ImageFormat::Pgm: return "pgm";
    case ImageFormat::Ppm: return "ppm";
    case ImageFormat::Heic: return "heic";
    case ImageFormat::Gif: return "gif";
    case ImageFormat::Invalid: break;
  }
  return "unknown";
}

ImageFormat sniffFormat(const std::uint8_t* d, std::size_t size) {
  if (size >= 3 && d[0] == 0xFF && d[1] == 0xD8 && d[2] == 0xFF) return ImageFormat::Jpeg;
  if (startsWith(d, size, "\x89PNG\r\n\x1a\n", 8)) return ImageFormat::Png;
  if (size >= 12 && std::memcmp(d, "RIFF", 4) == 0 && std::memcmp(d + 8, "WEBP", 4) == 0)
    return ImageFormat::Webp;
  if (startsWith(d, size, "GIF87a", 6) || startsWith(d, size, "GIF89a", 6)) return ImageFormat::Gif;
  if (startsWith(d, size, "BM", 2) && size >= 14) return ImageFormat::Bmp;
  if (startsWith(d, size, "II*\0", 4) || startsWith(d, size, "MM\0*", 4)) return ImageFormat::Tiff;
  if (size >= 3 && d[0] == 'P' && (d[2] == ' ' || d[2] == '\n' || d[2] == '\r' || d[2] == '\t' || d[2] == '#')) {
    if (d[1] == '2' || d[1] == '5') return ImageFormat::Pgm;
    if (d[1] == '3' || d[1] == '6') return ImageFormat::Ppm;
  }
  if (size >= 16 && std::memcmp(d + 4, "ftyp", 4) == 0) {
    static const char* const kBrands[] = {"heic", "heix", "heim", "heis", "hevc", "hevx",
                                          "hevm", "hevs", "mif1", "msf1"};
    const std::size_t boxSize = be32(d);
    const std::size_t end = boxSize >= 16 && boxSize <= size ? boxSize : 16;
    for (std::size_t at = 8; at + 4 <= end; at += 4) {
      if (at == 12) continue;  // minor version, not a brand
      for (const char* brand : kBrands)
        if (std::memcmp(d + at, brand, 4) == 0) return ImageFormat::Heic;
    }
  }
  return ImageFormat::Invalid;
}

bool scanHeader(const std::uint8_t* data, std::size_t size, HeaderScan& scan, std::string& reason) {
  switch (scan.format) {
    case ImageFormat::Jpeg: return scanJpeg(data, size, scan, reason);
    case ImageFormat::Png: return scanPng(data, size, scan, reason);
    case ImageFormat::Webp: return scanWebp(data, size, scan, reason);
    case ImageFormat::Bmp: return scanBmp(data, size, scan, reason);
    case ImageFormat::Tiff: return scanTiff(data, size, scan, reason);
    case ImageFormat::Pgm:
    case ImageFormat::Ppm: return scanPnm(data, size, scan, reason);
    case ImageFormat::Gif: return scanGif(data, size, scan, reason);
    case ImageFormat::Heic:
    case ImageFormat::Invalid: break;
  }
  return fail(reason, "unsupported format");
}

bool jpegHasEnd(const std::uint8_t* d, std::size_t size, std::size_t pos) {
  while (pos < size) {
    const void* hit = std::memchr(d + pos, 0xFF, size - pos);
    if (hit == nullptr) return false;
    pos = static_cast<std::size_t>(static_cast<const std::uint8_t*>(hit) - d);
    if (pos + 1 >= size) return false;
    const std::uint8_t b = d[pos + 1];
    if (b == 0xD9) return true;
    if (b == 0xFF) {
      pos += 1;  // fill byte
    } else if (b == 0x00 || (b >= 0xD0 && b <= 0xD7) || b == 0x01) {
      pos += 2;  // stuffed byte, restart marker or TEM: no length
    } else {
      if (pos + 4 > size) return false;
      pos += 2 + be16(d + pos + 2);
    }
  }
  return false;
}

}  // namespace winnow::image::detail
