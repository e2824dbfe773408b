#include "winnow/review/thumbnail_cache.hpp"

#include <algorithm>
#include <cmath>
#include <system_error>


#include "winnow/image/image_codec.hpp"
#include "winnow/image/working_image.hpp"
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
  auto bytes = image::encodeJpeg(image, kJpegQuality);
  if (!bytes) return makeError(ErrorCode::Io, "thumbnail: JPEG encoding failed", bytes.error().message);
  return bytes;
}

}  // namespace

Image fitWithin(const Image& image, int side) {
  if (std::max(image.width, image.height) <= side) return image;
  return image::reduceToSide(image, side);
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
    if (hexPart(item.contentHash).size() < 2) {
      return makeError(ErrorCode::InvalidArgument, "sample " + std::to_string(item.sampleId) + " has no content hash");
    }
    return imageCacheFile(item.contentHash);
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

fs::path ThumbnailCache::imageCacheFile(const std::string& contentHash) const {
  const std::string key = hexPart(contentHash);
  return root_ / key.substr(0, std::min<std::size_t>(2, key.size())) / (key + ".jpg");
}

Status ThumbnailCache::storeImageThumbnail(const std::string& contentHash, const Image& decoded) const {
  if (hexPart(contentHash).size() < 2) {
    return makeError(ErrorCode::InvalidArgument, "thumbnail: no content hash");
  }
  const fs::path file = imageCacheFile(contentHash);
  std::error_code ec;
  if (fs::exists(file, ec)) return okStatus();
  auto jpeg = encodeJpeg(fitWithin(decoded, sidePixels_));
  if (!jpeg) return jpeg.error();
  fs::create_directories(file.parent_path(), ec);
  if (ec) return makeError(ErrorCode::Io, file.parent_path().string() + ": " + ec.message());
  return writeFileAtomically(file, *jpeg, Durability::Cache);
}

Result<Thumbnail> ThumbnailCache::load(const CatalogItem& item) const {
  auto cached = cacheFile(item);
  if (!cached) return cached.error();
  std::error_code ec;
  // The cached picture stands for the source only while the source is there and not newer (a
  // file deleted or rewritten after ingest shows what it is now: a placeholder with the reason,
  // or its new pixels).
  const auto cachedTime = fs::last_write_time(*cached, ec);
  std::error_code sourceError;
  const auto sourceTime = fs::last_write_time(sourceFile(item), sourceError);
  if (!ec && !sourceError && sourceTime <= cachedTime) {
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
  if (Status written = writeFileAtomically(*cached, *jpeg, Durability::Cache); !written) return written.error();
  return Thumbnail{std::move(thumbnail), false};
}

}  // namespace winnow::review
