// Background thumbnail loading for the grid: worker threads take requests newest first (the
// tiles on screen now matter more than those scrolled past), load them through core's on-disk
// ThumbnailCache, and hand finished pixels (or the reason they could not be made) back to the UI
// thread, which uploads them as textures. Requests beyond maxPending drop the oldest ones, so a
// fast scroll never builds a backlog.
//
// Thread safety: request(), takeFinished() and pendingCount() may be called from any thread;
// the destructor stops and joins the workers (work in flight finishes first).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "winnow/image/image.hpp"
#include "winnow/review/thumbnail_cache.hpp"

namespace winnow::workbench {

struct LoadedThumbnail {
  std::int64_t sampleId = 0;
  std::optional<Image> image;  // RGB; nullopt on failure
  std::string error;           // one line: file and reason, when image is nullopt
};

class ThumbnailLoader {
 public:
  ThumbnailLoader(review::ThumbnailCache cache, int threads, std::size_t maxPending = 512);
  ~ThumbnailLoader();
  ThumbnailLoader(const ThumbnailLoader&) = delete;
  ThumbnailLoader& operator=(const ThumbnailLoader&) = delete;

  // Queues the item unless it is already queued or being loaded.
  void request(const review::CatalogItem& item);
  std::vector<LoadedThumbnail> takeFinished();
  std::size_t pendingCount() const;  // queued + being loaded

 private:
  void work();

  review::ThumbnailCache cache_;
  std::size_t maxPending_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<review::CatalogItem> queue_;  // newest at the back
  std::unordered_set<std::int64_t> inFlight_;  // queued or loading
  std::vector<LoadedThumbnail> finished_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace winnow::workbench
