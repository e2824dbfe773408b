#include "winnow/review/thumbnail_cache.hpp"

#include <algorithm>
#include <cmath>
#include <system_error>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "winnow/image/image_codec.hpp"
#include "winnow/util/atomic_file.hpp"
#include "winnow/util/content_hash.hpp"

namespace winnow::review {

namespace fs = std::filesystem;

namespace {

constexpr int kJpegQuality = 85;

// "xxh128:<hex>" -> "<hex>".
std::string hexPart(const std::string& hash) {
  const auto colon = hash.find(':');
  return colon == std::string::npos ? hash : hash.substr(colon + 1);
}

Result<std::vector<std::uint8_t>> encodeJpeg(const Image& image) {
  try {
    cv::Mat rgb(image.height, image.width, image.channels() == 1 ? CV_8UC1 : CV_8UC3,
                const_cast<std::uint8_t*>(image.pixels.data()), image.strideBytes());
    cv::Mat bgr;
    if (image.channels() == 3) {
      cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
    } else {
      bgr = rgb;
    }
    std::vector<std::uint8_t> bytes;
    if (!cv::imencode(".jpg", bgr, bytes, {cv::IMWRITE_JPEG_QUALITY, kJpegQuality})) {
      return makeError(ErrorCode::Io, "thumbnail: JPEG encoding failed");
    }
    return bytes;
  } catch (const cv::Exception& error) {
    return makeError(ErrorCode::Io, "thumbnail: JPEG encoding failed", error.what());
  }
}

}  // namespace

Image fitWithin(const Image& image, int side) {
  const int longest = std::max(image.width, image.height);
  if (longest <= side) return image;
  const double scale = static_cast<double>(side) / longest;
  const int width = std::max(1, static_cast<int>(std::lround(image.width * scale)));
  const int height = std::max(1, static_cast<int>(std::lround(image.height * scale)));
  return image::resizeImage(image, width, height, image::Fit::Stretch);
}

ThumbnailCache::ThumbnailCache(fs::path projectDir, int sidePixels)
    : root_(std::move(projectDir) / "cache" / "thumbs" / std::to_string(sidePixels)),
      sidePixels_(sidePixels) {}

const fs::path& ThumbnailCache::sourceFile(const CatalogItem& item) {
  return item.cropPath.empty() ? item.imagePath : item.cropPath;
}

Result<fs::path> ThumbnailCache::cacheFile(const CatalogItem& item) const {
  std::string key;
  if (item.cropPath.empty()) {
    key = hexPart(item.contentHash);
  } else {
    std::error_code ec;
    const auto size = fs::file_size(item.cropPath, ec);
    if (ec) return makeError(ErrorCode::Io, item.cropPath.string() + ": " + ec.message());
    const auto mtime = fs::last_write_time(item.cropPath, ec);
    if (ec) return makeError(ErrorCode::Io, item.cropPath.string() + ": " + ec.message());
    const std::string identity = item.cropPath.string() + "\n" + std::to_string(size) + "\n" +
                                 std::to_string(mtime.time_since_epoch().count());
    key = "crop-" + hexPart(contentHash(identity.data(), identity.size()));
  }
  if (key.size() < 2) return makeError(ErrorCode::InvalidArgument, "sample " + std::to_string(item.sampleId) + " has no content hash");
  return root_ / key.substr(0, 2) / (key + ".jpg");
}

Result<Thumbnail> ThumbnailCache::load(const CatalogItem& item) const {
  auto cached = cacheFile(item);
  if (!cached) return cached.error();
  std::error_code ec;
  if (fs::exists(*cached, ec)) {
    auto bytes = image::readFileBytes(*cached);
    if (bytes) {
      auto decoded = image::decodeImage(*bytes, *cached, image::ColorMode::Rgb);
      if (decoded) return Thumbnail{std::move(decoded->image), true};
    }
    // Unreadable cache file: fall through and make it again.
  }
  const fs::path& source = sourceFile(item);
  auto bytes = image::readFileBytes(source);
  if (!bytes) return bytes.error();
  auto reduced = image::decodeImageReduced(*bytes, source, sidePixels_, image::ColorMode::Rgb);
  if (!reduced) return reduced.error();
  Image thumbnail = fitWithin(*reduced, sidePixels_);
  auto jpeg = encodeJpeg(thumbnail);
  if (!jpeg) return jpeg.error();
  fs::create_directories(cached->parent_path(), ec);
  if (ec) return makeError(ErrorCode::Io, cached->parent_path().string() + ": " + ec.message());
  if (Status written = writeFileAtomically(*cached, *jpeg); !written) return written.error();
  return Thumbnail{std::move(thumbnail), false};
}

}  // namespace winnow::review
