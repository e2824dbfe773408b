// probeImage / decodeImage / decodeImageReduced / decodeForAnalysis. JPEG, PNG and GIF go through
// libjpeg, libpng and giflib driven here (codec_decoders.hpp: their messages become per-file
// warnings, never stderr); WebP, BMP, TIFF and PNM through cv::imdecode straight into the Image's
// buffer where the output type is known in advance; HEIC through libheif. Orientation is applied
// here, exactly once: OpenCV is always asked to ignore EXIF, and HEIC transforms are left to
// libheif.
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <exception>
#include <string>

#include "codec_decoders.hpp"
#include "opencv_decoding.hpp"
#include "exif_reader.hpp"
#include "file_io.hpp"
#include "header_scan.hpp"
#include "heif_codec.hpp"
#include "winnow/image/image_codec.hpp"

namespace winnow::image {
namespace {

using detail::HeaderScan;
using detail::ImageFormat;

struct Probe {
  ImageInfo info;
  HeaderScan scan;
};

Error fileError(ErrorCode code, const std::filesystem::path& path, const std::string& reason) {
  return makeError(code, path.string() + ": " + reason);
}

Result<Probe> probeFull(const std::vector<std::uint8_t>& bytes, const std::filesystem::path& path,
                        const DecodeLimits& limits) {
  Probe p;
  const std::uint8_t* data = bytes.data();
  const std::size_t size = bytes.size();
  if (size == 0) return fileError(ErrorCode::Decode, path, "empty file (0 bytes)");
  p.scan.format = detail::sniffFormat(data, size);
  if (p.scan.format == ImageFormat::Invalid)
    return fileError(ErrorCode::Unsupported, path, "not a supported image (unrecognised signature)");

  std::string reason;
  std::vector<std::uint8_t> heifExif;
  if (p.scan.format == ImageFormat::Heic) {
    detail::HeifHeader heif;
    if (!detail::probeHeif(data, size, heif, reason)) return fileError(ErrorCode::Decode, path, reason);
    p.scan.width = heif.width;
    p.scan.height = heif.height;
    p.scan.channels = heif.hasAlpha ? 4 : 3;
    heifExif = std::move(heif.exifTiff);
    p.scan.exifTiff = heifExif.empty() ? nullptr : heifExif.data();
    p.scan.exifSize = heifExif.size();
  } else if (!detail::scanHeader(data, size, p.scan, reason)) {
    return fileError(ErrorCode::Decode, path, reason);
  }

  const int w = p.scan.width;
  const int h = p.scan.height;
  const std::string dims = std::to_string(w) + "x" + std::to_string(h);
  if (w <= 0 || h <= 0) return fileError(ErrorCode::Decode, path, "invalid dimensions " + dims);
  if (w > limits.maxSide || h > limits.maxSide ||
      static_cast<std::int64_t>(w) * h > limits.maxPixels)
    return fileError(ErrorCode::Unsupported, path,
                     "declared size " + dims + " is too large (limit " + std::to_string(limits.maxSide) +
                         " px per side, " + std::to_string(limits.maxPixels) + " pixels)");

  p.info.format = detail::formatName(p.scan.format);
  p.info.width = w;
  p.info.height = h;
  p.info.channels = p.scan.channels;
  if (p.scan.exifSize > 0) {
    detail::ExifFields exif;
    if (detail::readExif(p.scan.exifTiff, p.scan.exifSize, exif, reason)) {
      p.info.hasExif = true;
      // HEIC: libheif already applied the container transforms; the sizes above are display sizes.
      p.info.exifOrientation = p.scan.format == ImageFormat::Heic ? 0 : exif.orientation;
      p.info.captureTime = std::move(exif.captureTime);
    } else {
      // The pixels are fine; only the metadata is unusable. Read as stored (orientation 1).
      p.info.exifOrientation = p.scan.format == ImageFormat::Heic ? 0 : 1;
      p.info.warnings.push_back("broken EXIF ignored, orientation 1 assumed (" + reason + ")");
    }
  }
  p.scan.exifTiff = nullptr;  // heifExif dies here
  p.scan.exifSize = 0;
  return p;
}

// Converts a decoded OpenCV matrix (BGR order, any depth) to `out` in the requested mode.
bool toImage(const cv::Mat& decoded, ColorMode mode, Image& out) {
  cv::Mat m = decoded;
  if (m.depth() != CV_8U) {
    cv::Mat eight;
    const double scale = m.depth() == CV_16U ? 1.0 / 257.0
                         : (m.depth() == CV_32F || m.depth() == CV_64F) ? 255.0 : 1.0;
    m.convertTo(eight, CV_8U, scale);
    m = eight;
  }
  const int ch = m.channels();
  const bool rgb = mode != ColorMode::Preserve;
  PixelFormat format = PixelFormat::Rgb8;
  if (!rgb && ch == 1) format = PixelFormat::Gray8;
  if (!rgb && (ch == 2 || ch == 4)) format = PixelFormat::Rgba8;
  if (ch < 1 || ch > 4) return false;
  detail::allocate(out, m.cols, m.rows, format);
  cv::Mat dst = asMat(out);
  switch (ch) {
    case 1:
      if (rgb) cv::cvtColor(m, dst, cv::COLOR_GRAY2RGB);
      else m.copyTo(dst);
      break;
    case 2: {
      cv::Mat grey(m.rows, m.cols, CV_8UC1);
      const int fromTo[] = {0, 0};
      cv::mixChannels(&m, 1, &grey, 1, fromTo, 1);
      if (rgb) {
        cv::cvtColor(grey, dst, cv::COLOR_GRAY2RGB);
      } else {
        const int toRgba[] = {0, 0, 0, 1, 0, 2, 1, 3};
        cv::mixChannels(&m, 1, &dst, 1, toRgba, 4);
      }
      break;
    }
    case 3: cv::cvtColor(m, dst, cv::COLOR_BGR2RGB); break;
    case 4: cv::cvtColor(m, dst, rgb ? cv::COLOR_BGRA2RGB : cv::COLOR_BGRA2RGBA); break;
    default: return false;
  }
  return dst.data == out.pixels.data();
}

// Decodes with OpenCV. When the output type is predictable (Rgb mode, or any JPEG) the decoder writes straight into out's buffer and only an in-place R/B swap follows.
bool decodeWithOpenCv(const std::vector<std::uint8_t>& bytes, const Probe& p, ColorMode mode,
                      int scale, Image& out, std::string& reason) {
  const cv::Mat buffer(1, static_cast<int>(bytes.size()), CV_8UC1,
                       const_cast<std::uint8_t*>(bytes.data()));
  const bool isJpeg = p.scan.format == ImageFormat::Jpeg;
  const bool greyJpeg = isJpeg && mode == ColorMode::Preserve && p.scan.channels == 1;
  const bool predictable = mode != ColorMode::Preserve || isJpeg;  // JPEG never has alpha
  int flags = cv::IMREAD_UNCHANGED;
  if (predictable) {
    flags = (greyJpeg ? cv::IMREAD_GRAYSCALE : cv::IMREAD_COLOR) | cv::IMREAD_IGNORE_ORIENTATION;
    if (isJpeg && scale == 2) flags |= greyJpeg ? cv::IMREAD_REDUCED_GRAYSCALE_2 : cv::IMREAD_REDUCED_COLOR_2;
    if (isJpeg && scale == 4) flags |= greyJpeg ? cv::IMREAD_REDUCED_GRAYSCALE_4 : cv::IMREAD_REDUCED_COLOR_4;
    if (isJpeg && scale == 8) flags |= greyJpeg ? cv::IMREAD_REDUCED_GRAYSCALE_8 : cv::IMREAD_REDUCED_COLOR_8;
  }
  try {
    if (predictable) {
      const int s = isJpeg ? scale : 1;
      detail::allocate(out, (p.scan.width + s - 1) / s, (p.scan.height + s - 1) / s,
                       greyJpeg ? PixelFormat::Gray8 : PixelFormat::Rgb8);
      cv::Mat target = asMat(out);
      const cv::Mat decoded = cv::imdecode(buffer, flags, &target);
      if (decoded.empty()) {
        reason = std::string("cannot decode ") + detail::formatName(p.scan.format) + " data";
        return false;
      }
      if (decoded.data == out.pixels.data() && decoded.cols == out.width && decoded.rows == out.height &&
          decoded.type() == target.type()) {
        if (!greyJpeg) {
          cv::Mat inPlace = asMat(out);  // a second header: cvtColor runs in place
          cv::cvtColor(decoded, inPlace, cv::COLOR_BGR2RGB);
        }
        return true;
      }
      Image converted;  // the decoder chose another size or type: convert from its buffer
      if (!toImage(decoded, greyJpeg ? ColorMode::Preserve : mode, converted)) {
        reason = "unsupported pixel layout";
        return false;
      }
      out = std::move(converted);
      return true;
    }
    const cv::Mat decoded = cv::imdecode(buffer, flags);
    if (decoded.empty()) {
      reason = std::string("cannot decode ") + detail::formatName(p.scan.format) + " data";
      return false;
    }
    if (!toImage(decoded, mode, out)) {
      reason = "unsupported pixel layout (" + std::to_string(decoded.channels()) + " channels)";
      return false;
    }
    return true;
  } catch (const cv::Exception& e) {
    reason = std::string("OpenCV: ") + e.err;
  } catch (const std::exception& e) {
    reason = e.what();
  }
  return false;
}

Result<DecodedImage> decodeImpl(const std::vector<std::uint8_t>& bytes, const std::filesystem::path& path,
                                ColorMode mode, const DecodeLimits& limits, int maxSide) {
  if (mode == ColorMode::Invalid) return fileError(ErrorCode::InvalidArgument, path, "invalid colour mode");
  detail::quietOpenCvOnce();
  Result<Probe> probed = probeFull(bytes, path, limits);
  if (!probed) return probed.error();
  Probe& p = probed.value();

  if (p.scan.format == ImageFormat::Jpeg &&
      !detail::jpegHasEnd(bytes.data(), bytes.size(), p.scan.jpegScanOffset))
    return fileError(ErrorCode::Decode, path, "truncated JPEG (no end-of-image marker)");
  if (p.scan.format == ImageFormat::Png && !p.scan.pngHasEnd)
    return fileError(ErrorCode::Decode, path, "truncated PNG (no IEND chunk)");

  DecodedImage result;
  std::string reason;
  detail::CodecWarnings codecWarnings;
  const bool preserve = mode == ColorMode::Preserve;
  if (p.scan.format == ImageFormat::Heic) {
    if (!detail::decodeHeif(bytes.data(), bytes.size(), preserve, result.image, reason))
      return fileError(ErrorCode::Decode, path, reason);
  } else if (p.scan.format == ImageFormat::Jpeg) {
    const int scale = jpegScaleDenominator(std::max(p.scan.width, p.scan.height), maxSide);
    const bool grey = preserve && p.scan.channels == 1;
    if (!detail::decodeJpeg(bytes.data(), bytes.size(), scale, grey, result.image, codecWarnings, reason))
      return fileError(ErrorCode::Decode, path, reason);
  } else if (p.scan.format == ImageFormat::Png) {
    if (!detail::decodePng(bytes.data(), bytes.size(), preserve, result.image, codecWarnings, reason))
      return fileError(ErrorCode::Decode, path, reason);
  } else if (p.scan.format == ImageFormat::Gif) {
    int frames = 0;
    if (!detail::decodeGifFirstFrame(bytes.data(), bytes.size(), preserve, result.image, frames, codecWarnings,
                                     reason))
      return fileError(ErrorCode::Decode, path, reason);
    p.info.frameCount = frames;
    if (frames > 1)
      p.info.warnings.push_back("animated GIF: first of " + std::to_string(frames) + " frames used");
  } else {
    if (!decodeWithOpenCv(bytes, p, mode, 1, result.image, reason))
      return fileError(ErrorCode::Decode, path, reason);
  }
  for (std::string& warning : codecWarnings.messages) p.info.warnings.push_back(std::move(warning));

  const int orientation = p.info.exifOrientation;
  if (orientation >= 2 && orientation <= 8) {
    Image oriented;
    const bool swap = orientation >= 5;
    detail::allocate(oriented, swap ? result.image.height : result.image.width,
                     swap ? result.image.width : result.image.height, result.image.format);
    try {
      cv::Mat dst = asMat(oriented);
      detail::applyOrientation(asMat(static_cast<const Image&>(result.image)), orientation, dst);
      if (dst.data != oriented.pixels.data())
        return fileError(ErrorCode::Internal, path, "orientation wrote outside the image buffer");
    } catch (const cv::Exception& e) {
      return fileError(ErrorCode::Decode, path, std::string("cannot apply EXIF orientation: ") + e.err);
    }
    result.image = std::move(oriented);
  }
  result.info = std::move(p.info);
  result.info.channels = result.image.channels();
  return result;
}

}  // namespace

Result<ImageInfo> probeImage(const std::vector<std::uint8_t>& bytes, const std::filesystem::path& path,
                             const DecodeLimits& limits) {
  Result<Probe> probed = probeFull(bytes, path, limits);
  if (!probed) return probed.error();
  return std::move(probed.value().info);
}

Result<DecodedImage> decodeImage(const std::vector<std::uint8_t>& bytes, const std::filesystem::path& path,
                                 ColorMode mode, const DecodeLimits& limits) {
  return decodeImpl(bytes, path, mode, limits, 0);
}

Result<Image> decodeImageReduced(const std::vector<std::uint8_t>& bytes, const std::filesystem::path& path,
                                 int maxSide, ColorMode mode, const DecodeLimits& limits) {
  Result<DecodedImage> decoded = decodeImpl(bytes, path, mode, limits, std::max(1, maxSide));
  if (!decoded) return decoded.error();
  return std::move(decoded.value().image);
}

int jpegScaleDenominator(int longest, int maxSide) {
  int scale = 1;
  if (maxSide > 0) {
    while (scale < 8 && longest / (scale * 2) >= maxSide) scale *= 2;
  }
  return scale;
}

Result<AnalysisImage> decodeForAnalysis(const std::vector<std::uint8_t>& bytes, const std::filesystem::path& path,
                                        int maxSide, ColorMode mode, const DecodeLimits& limits) {
  Result<DecodedImage> decoded = decodeImpl(bytes, path, mode, limits, std::max(1, maxSide));
  if (!decoded) return decoded.error();
  AnalysisImage out;
  out.image = std::move(decoded->image);
  out.info = std::move(decoded->info);
  // libheif reports display sizes itself; other formats: stored size, oriented by EXIF.
  const int fullWidth = out.info.format == "heic" ? out.info.width : out.info.orientedWidth();
  out.scale = fullWidth > 0 ? static_cast<double>(out.image.width) / fullWidth : 1.0;
  return out;
}

Result<AnalysisImage> decodeForAnalysis(const std::filesystem::path& path, int maxSide, ColorMode mode,
                                        const DecodeLimits& limits) {
  auto bytes = readFileBytes(path);
  if (!bytes) return bytes.error();
  return decodeForAnalysis(*bytes, path, maxSide, mode, limits);
}

Result<ImageInfo> probeImageFile(const std::filesystem::path& path, const DecodeLimits& limits) {
  constexpr std::uint64_t kHeadBytes = 256 * 1024;
  auto head = detail::readFileHead(path, kHeadBytes);
  if (!head) return head.error();
  Result<ImageInfo> probed = probeImage(head->first, path, limits);
  if (probed || head->second) return probed;  // head->second: the head is the whole file
  auto whole = readFileBytes(path);
  if (!whole) return whole.error();
  return probeImage(*whole, path, limits);
}

}  // namespace winnow::image
