#include "winnow/workbench/thumbnail_loader.hpp"

namespace winnow::workbench {

ThumbnailLoader::ThumbnailLoader(review::ThumbnailCache cache, int threads, std::size_t maxPending)
    : cache_(std::move(cache)), maxPending_(maxPending < 1 ? 1 : maxPending) {
  const int count = threads < 1 ? 1 : threads;
  for (int i = 0; i < count; ++i) workers_.emplace_back([this] { work(); });
}

ThumbnailLoader::~ThumbnailLoader() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (std::thread& worker : workers_) worker.join();
}

void ThumbnailLoader::request(const review::CatalogItem& item) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!inFlight_.insert(item.sampleId).second) return;
    queue_.push_back(item);
    while (queue_.size() > maxPending_) {
      inFlight_.erase(queue_.front().sampleId);
      queue_.pop_front();
    }
  }
  wake_.notify_one();
}

std::vector<LoadedThumbnail> ThumbnailLoader::takeFinished() {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<LoadedThumbnail> out;
  out.swap(finished_);
  return out;
}

std::size_t ThumbnailLoader::pendingCount() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return inFlight_.size();
}

void ThumbnailLoader::work() {
  while (true) {
    review::CatalogItem item;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      item = std::move(queue_.back());
      queue_.pop_back();
    }
    LoadedThumbnail loaded;
    loaded.sampleId = item.sampleId;
    auto thumbnail = cache_.load(item);
    if (thumbnail) {
      loaded.image = std::move(thumbnail->image);
    } else {
      loaded.error = thumbnail.error().message;
    }
    std::lock_guard<std::mutex> lock(mutex_);
    inFlight_.erase(item.sampleId);
    finished_.push_back(std::move(loaded));
  }
}

}  // namespace winnow::workbench
