// On-disk thumbnail cache of a project: <project>/cache/thumbs/<side>/<xx>/<key>.jpg, written
// atomically (readers see a whole file or none), rebuildable at any time (delete the folder).
// Ingest fills it for the workbench's default side (128) from the decode it makes anyway; the
// workbench makes whatever is missing (other sides, face crops, samples ingested before).
//
// Key: the sample's content hash for images (the same bytes give the same thumbnail whatever the
// path); for face crops, which `winnow crops` rewrites in place, a hash of the crop's path, size
// and modification time, so a rebuilt crop gets a new thumbnail.
//
// Thread safety: a ThumbnailCache is immutable after construction; load() may be called from
// several threads at once (two threads making the same thumbnail both write it atomically).
#pragma once

#include <filesystem>
#include <string>

#include "winnow/image/image.hpp"
#include "winnow/review/review_catalog.hpp"
#include "winnow/util/result.hpp"

namespace winnow::review {

struct Thumbnail {
  Image image;         // RGB, longest side == side (smaller images are not enlarged)
  bool fromCache = false;  // true when read from the cache, false when made from the source
};

class ThumbnailCache {
 public:
  ThumbnailCache(std::filesystem::path projectDir, int sidePixels);

  int sidePixels() const { return sidePixels_; }
  // The file the item shows: its face crop when it has one, else its image.
  static const std::filesystem::path& sourceFile(const CatalogItem& item);
  // Where the item's thumbnail lives (or will); Io error when a crop cannot be stat'ed.
  Result<std::filesystem::path> cacheFile(const CatalogItem& item) const;

  // Where the thumbnail of the image with this content hash lives (or will).
  std::filesystem::path imageCacheFile(const std::string& contentHash) const;
  // Stores the thumbnail of an image decoded by someone else (ingest's one decode, at a scale
  // not below sidePixels() or at full size); an existing thumbnail is kept. Any channel count
  // 1, 3 or 4 (alpha dropped). Thread-safe like load().
  Status storeImageThumbnail(const std::string& contentHash, const Image& decoded) const;

  // The cached thumbnail while the source file exists and is not newer than it, else one made
  // from the source file and stored. Errors (missing file,
  // undecodable bytes, ...) carry a one-line message naming the file and the reason, for the
  // placeholder tile. A damaged cache file is remade, never reported.
  Result<Thumbnail> load(const CatalogItem& item) const;

 private:
  std::filesystem::path root_;
  int sidePixels_ = 0;
};

// Image scaled to fit in side x side keeping its aspect (never enlarged).
Image fitWithin(const Image& image, int side);

}  // namespace winnow::review
