#include "winnow/ingest/folder_ingester.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>
#include <system_error>

#include "winnow/job/parallel_for.hpp"
#include "winnow/util/atomic_file.hpp"
#include "winnow/util/content_hash.hpp"

namespace winnow::ingest {

namespace fs = std::filesystem;
using store::ProjectStore;
using store::SampleRecord;

const char* folderLayoutName(FolderLayout layout) {
  switch (layout) {
    case FolderLayout::Auto: return "auto";
    case FolderLayout::ClassFolders: return "class_folders";
    case FolderLayout::SplitClassFolders: return "split_class_folders";
    case FolderLayout::Flat: return "flat";
    case FolderLayout::Invalid: break;
  }
  return "invalid";
}

std::optional<FolderLayout> parseFolderLayout(const std::string& name) {
  for (FolderLayout layout : {FolderLayout::Auto, FolderLayout::ClassFolders,
                              FolderLayout::SplitClassFolders, FolderLayout::Flat}) {
    if (name == folderLayoutName(layout)) return layout;
  }
  return std::nullopt;
}

namespace {

std::string toLower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

bool isSplitFolderName(const std::string& name) {
  static const std::set<std::string> names = {"train", "training", "valid", "val", "validation",
                                              "test", "testing"};
  return names.count(toLower(name)) > 0;
}

enum class ItemKind { Invalid = 0, Image, Video, BrokenLink };

struct FileItem {
  fs::path path;
  std::vector<std::string> relativeDirs;  // folders between root and the file
  ItemKind kind = ItemKind::Invalid;
};

bool isHidden(const fs::path& path) {
  const std::string name = path.filename().string();
  return !name.empty() && name[0] == '.';
}

// Collects candidate files in path order; files with other extensions are sniffed by content.
// Everything left out goes into `summary` (count + path + reason).
std::vector<FileItem> collectFiles(const fs::path& root, IngestSummary& summary, job::JobContext& job) {
  std::vector<FileItem> items;
  std::error_code ec;
  fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec);
  if (ec) {
    job.warn(root.string() + ": cannot list folder: " + ec.message());
    return items;
  }
  for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) {
      job.warn(it->path().string() + ": cannot list: " + ec.message());
      ec.clear();
      continue;
    }
    const fs::directory_entry& entry = *it;
    if (isHidden(entry.path())) {
      const bool folder = entry.is_directory(ec);
      if (folder) it.disable_recursion_pending();
      ++summary.skippedHidden;
      summary.skippedFiles.push_back(
          {entry.path().string(), folder ? "hidden folder, not entered" : "hidden file"});
      continue;
    }
    std::error_code statError;
    const bool isSymlink = entry.is_symlink(statError);
    const bool exists = fs::exists(entry.status(statError));
    if (entry.is_directory(statError)) continue;
    const std::string extension = toLower(entry.path().extension().string());
    FileItem item;
    item.path = entry.path();
    for (const auto& part : fs::relative(entry.path().parent_path(), root, ec)) {
      if (part != ".") item.relativeDirs.push_back(part.string());
    }
    if (isSymlink && !exists) {
      item.kind = ItemKind::BrokenLink;
    } else if (image::isImageExtension(extension)) {
      item.kind = ItemKind::Image;
    } else if (image::isVideoExtension(extension)) {
      item.kind = ItemKind::Video;
    } else if (!image::sniffImageFile(entry.path()).empty()) {
      item.kind = ItemKind::Image;  // image content under another (or no) extension
    } else {
      ++summary.skippedNonImage;
      const std::string reason = "not an image or video (" +
                                 (extension.empty() ? std::string("no extension") : "extension " + extension) +
                                 ", content not recognised)";
      summary.skippedFiles.push_back({entry.path().string(), reason});
      job.info("skipped " + entry.path().string() + ": " + reason);
      continue;
    }
    items.push_back(std::move(item));
  }
  std::sort(items.begin(), items.end(),
            [](const FileItem& a, const FileItem& b) { return a.path < b.path; });
  std::sort(summary.skippedFiles.begin(), summary.skippedFiles.end(),
            [](const SkippedFile& a, const SkippedFile& b) { return a.path < b.path; });
  return items;
}

FolderLayout detectLayout(const std::vector<FileItem>& items) {
  bool anyNested = false;
  bool allUnderSplitFolders = true;
  for (const FileItem& item : items) {
    if (item.relativeDirs.empty()) {
      allUnderSplitFolders = false;
      continue;
    }
    anyNested = true;
    if (!isSplitFolderName(item.relativeDirs[0])) allUnderSplitFolders = false;
  }
  if (!anyNested) return FolderLayout::Flat;
  return allUnderSplitFolders ? FolderLayout::SplitClassFolders : FolderLayout::ClassFolders;
}

struct PathLabels {
  std::string originalSplit;
  std::string originalLabel;
};

PathLabels labelsFromPath(const FileItem& item, FolderLayout layout) {
  PathLabels labels;
  const auto& dirs = item.relativeDirs;
  if (layout == FolderLayout::ClassFolders && !dirs.empty()) {
    labels.originalLabel = dirs[0];
  } else if (layout == FolderLayout::SplitClassFolders && !dirs.empty()) {
    labels.originalSplit = dirs[0];
    if (dirs.size() >= 2) labels.originalLabel = dirs[1];
  }
  return labels;
}

std::optional<std::string> mapLabel(const std::string& originalLabel,
                                    const std::map<std::string, std::string>& labelMap) {
  if (originalLabel.empty()) return std::nullopt;
  auto found = labelMap.find(originalLabel);
  return found != labelMap.end() ? found->second : originalLabel;
}

std::int64_t mtimeNanoseconds(const fs::path& path) {
  std::error_code ec;
  const auto time = fs::last_write_time(path, ec);
  if (ec) return 0;
  return std::chrono::duration_cast<std::chrono::nanoseconds>(time.time_since_epoch()).count();
}

// What a worker learns about one image file; pixels are decoded to prove the file is sound and
// then dropped.
struct ImageProbe {
  bool ok = false;
  std::string reason;
  std::string hash;
  std::int64_t byteSize = 0;
  std::int64_t mtimeNs = 0;
  image::ImageInfo info;
  int width = 0;
  int height = 0;
};

// Bytes of decoded pixels the workers may hold together; acquire() blocks until the request
// fits (a request larger than the whole budget waits until it is alone).
class DecodeBudget {
 public:
  explicit DecodeBudget(std::int64_t totalBytes) : free_(totalBytes), total_(totalBytes) {}
  std::int64_t acquire(std::int64_t bytes) {
    const std::int64_t wanted = std::min(std::max<std::int64_t>(bytes, 0), total_);
    std::unique_lock<std::mutex> lock(mutex_);
    freed_.wait(lock, [&] { return free_ >= wanted; });
    free_ -= wanted;
    return wanted;
  }
  void release(std::int64_t bytes) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      free_ += bytes;
    }
    freed_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable freed_;
  std::int64_t free_ = 0;
  std::int64_t total_ = 0;
};

// Decoded bytes a validating decode of `info` needs: JPEGs shrink by up to 8 per side.
std::int64_t decodeBytes(const image::ImageInfo& info) {
  const std::int64_t pixels = static_cast<std::int64_t>(info.width) * info.height;
  return info.format == "jpeg" ? pixels * 3 / 64 + (1 << 20) : pixels * 4 * 2;  // x2: orientation copy
}

ImageProbe probeImageFile(const fs::path& path, const image::DecodeLimits& limits, DecodeBudget& budget) {
  ImageProbe probe;
  probe.mtimeNs = mtimeNanoseconds(path);
  auto bytes = image::readFileBytes(path);
  if (!bytes) {
    probe.reason = bytes.error().message;
    return probe;
  }
  probe.byteSize = static_cast<std::int64_t>(bytes->size());
  probe.hash = contentHash(*bytes);
  auto header = image::probeImage(*bytes, path, limits);
  if (!header) {
    probe.reason = header.error().message;
    return probe;
  }
  // maxSide 1: JPEGs decode at 1/8 scale (all entropy-coded data is still read and checked);
  // the stored size is the header's, oriented.
  const std::int64_t held = budget.acquire(decodeBytes(*header));
  auto decoded = image::decodeForAnalysis(*bytes, path, 1, image::ColorMode::Preserve, limits);
  budget.release(held);
  if (!decoded) {
    probe.reason = decoded.error().message;
    return probe;
  }
  probe.info = decoded->info;
  probe.info.channels = decoded->image.channels();
  const bool heic = probe.info.format == "heic";
  probe.width = heic ? probe.info.width : probe.info.orientedWidth();
  probe.height = heic ? probe.info.height : probe.info.orientedHeight();
  probe.ok = true;
  return probe;
}

class Ingester {
 public:
  Ingester(ProjectStore& store, const IngestOptions& options, job::JobContext& job,
           std::optional<std::int64_t> runId)
      : store_(store), options_(options), job_(job), runId_(runId) {}

  Result<IngestSummary> run();

 private:
  Status ingestImageBatch(const std::vector<const FileItem*>& batch);
  Status ingestVideo(const FileItem& item);
  Status reportBad(const std::string& path, const std::string& reason);
  // Records one probed file: a new sample, a duplicate, or an unchanged re-run.
  Status recordImage(const FileItem& item, const ImageProbe& probe);

  ProjectStore& store_;
  const IngestOptions& options_;
  job::JobContext& job_;
  std::optional<std::int64_t> runId_;
  FolderLayout layout_ = FolderLayout::Invalid;
  std::int64_t sourceId_ = 0;
  IngestSummary summary_;
  DecodeBudget budget_{kIngestDecodeBudgetBytes};
};

Status Ingester::reportBad(const std::string& path, const std::string& reason) {
  // Decoder messages already start with the path; keep one "path: reason" line either way.
  std::string line = reason.rfind(path, 0) == 0 ? reason : path + ": " + reason;
  std::string shortReason = line.substr(std::min(line.size(), path.size() + 2));
  summary_.badFiles.push_back({path, shortReason});
  job_.warn(line);
  return store_.recordBadFile(runId_, path, shortReason);
}

Status Ingester::recordImage(const FileItem& item, const ImageProbe& probe) {
  const std::string path = item.path.string();
  auto existing = store_.findSampleByHash(probe.hash);
  if (!existing) return existing.error();
  if (existing->has_value()) {
    auto original = store_.getSample(**existing);
    if (!original) return original.error();
    if (original->originalPath == path) {
      ++summary_.unchanged;
    } else {
      store::DuplicateRecord duplicate;
      duplicate.sampleId = **existing;
      duplicate.sourceId = sourceId_;
      duplicate.path = path;
      duplicate.originalLabel = labelsFromPath(item, layout_).originalLabel;
      duplicate.contentHash = probe.hash;
      duplicate.runId = runId_;
      if (Status status = store_.recordDuplicate(duplicate); !status) return status;
      ++summary_.duplicates;
    }
  } else {
    const PathLabels labels = labelsFromPath(item, layout_);
    SampleRecord sample;
    sample.contentHash = probe.hash;
    sample.sourceId = sourceId_;
    sample.originalPath = path;
    sample.byteSize = probe.byteSize;
    sample.width = probe.width;
    sample.height = probe.height;
    sample.channels = probe.info.channels;
    sample.format = probe.info.format;
    sample.exifOrientation = probe.info.exifOrientation;
    sample.hasExif = probe.info.hasExif;
    sample.captureTime = probe.info.captureTime;
    sample.originalLabel = labels.originalLabel;
    sample.label = mapLabel(labels.originalLabel, options_.labelMap);
    sample.originalSplit = labels.originalSplit;
    auto inserted = store_.insertSample(sample);
    if (!inserted) return inserted.error();
    ++summary_.added;
    ++summary_.addedByLabel[sample.label.value_or("")];
  }
  if (Status status = store_.clearBadFile(path); !status) return status;
  return store_.rememberFile(path, probe.byteSize, probe.mtimeNs, probe.hash);
}

Status Ingester::ingestImageBatch(const std::vector<const FileItem*>& batch) {
  std::vector<ImageProbe> probes(batch.size());
  job::parallelFor(
      batch.size(), options_.threads,
      [&](std::size_t i, std::size_t /*worker*/) {
        probes[i] = probeImageFile(batch[i]->path, options_.limits, budget_);
        job_.advance();
      },
      [&] { return job_.cancelled(); });
  if (job_.cancelled()) return okStatus();  // the uncommitted batch is dropped whole

  auto transaction = store_.beginTransaction();
  if (!transaction) return transaction.error();
  for (std::size_t i = 0; i < batch.size(); ++i) {
    Status status = probes[i].ok ? recordImage(*batch[i], probes[i])
                                 : reportBad(batch[i]->path.string(), probes[i].reason);
    if (!status) return status;
    if (!probes[i].ok) continue;
    for (const std::string& warning : probes[i].info.warnings) {
      summary_.fileWarnings.push_back({batch[i]->path.string(), warning});
      job_.warn(batch[i]->path.string() + ": " + warning);
    }
  }
  return transaction->commit();
}

Status Ingester::ingestVideo(const FileItem& item) {
  const std::string path = item.path.string();
  auto bytes = image::readFileBytes(item.path, 1ull << 40);
  if (!bytes) return reportBad(path, bytes.error().message);
  const std::string videoHash = contentHash(*bytes);
  const std::int64_t byteSize = static_cast<std::int64_t>(bytes->size());
  bytes->clear();
  bytes->shrink_to_fit();
  const std::int64_t mtimeNs = mtimeNanoseconds(item.path);

  const PathLabels labels = labelsFromPath(item, layout_);
  const fs::path frameDir = fs::path("frames") / videoHash.substr(7, 16);
  std::int64_t framesThisVideo = 0;
  std::optional<ProjectStore::Transaction> transaction;
  Status failure = okStatus();

  Status decodeStatus = image::forEachVideoFrame(
      item.path, options_.videoFramesPerSecond, [&](const image::VideoFrame& frame) -> bool {
        if (job_.cancelled()) return false;
        if (!transaction) {
          auto begun = store_.beginTransaction();
          if (!begun) {
            failure = begun.error();
            return false;
          }
          transaction.emplace(std::move(begun.value()));
        }
        const std::string frameHash =
            contentHash(frame.image.pixels.data(), frame.image.pixels.size());
        auto existing = store_.findSampleByHash(frameHash);
        if (!existing) {
          failure = existing.error();
          return false;
        }
        if (existing->has_value()) {
          auto original = store_.getSample(**existing);
          if (original && original->originalPath == path &&
              original->videoFrameIndex == frame.frameIndex) {
            ++summary_.unchanged;
            return true;
          }
          store::DuplicateRecord duplicate;
          duplicate.sampleId = **existing;
          duplicate.sourceId = sourceId_;
          duplicate.path = path + "#frame=" + std::to_string(frame.frameIndex);
          duplicate.originalLabel = labels.originalLabel;
          duplicate.contentHash = frameHash;
          duplicate.runId = runId_;
          failure = store_.recordDuplicate(duplicate);
          if (failure) ++summary_.duplicates;
          return static_cast<bool>(failure);
        }
        auto png = image::encodePng(frame.image);
        if (!png) {
          failure = png.error();
          return false;
        }
        const fs::path relative = frameDir / (std::to_string(frame.frameIndex) + ".png");
        if (Status written = writeFileAtomically(store_.projectDir() / relative, *png); !written) {
          failure = written;
          return false;
        }
        SampleRecord sample;
        sample.contentHash = frameHash;
        sample.sourceId = sourceId_;
        sample.originalPath = path;
        sample.derivedPath = relative.string();
        sample.byteSize = static_cast<std::int64_t>(png->size());
        sample.width = frame.image.width;
        sample.height = frame.image.height;
        sample.channels = frame.image.channels();
        sample.format = "video-frame";
        sample.originalLabel = labels.originalLabel;
        sample.label = mapLabel(labels.originalLabel, options_.labelMap);
        sample.originalSplit = labels.originalSplit;
        sample.videoFrameIndex = frame.frameIndex;
        sample.videoTimeSeconds = frame.timeSeconds;
        auto inserted = store_.insertSample(sample);
        if (!inserted) {
          failure = inserted.error();
          return false;
        }
        ++summary_.added;
        ++summary_.videoFrames;
        ++framesThisVideo;
        ++summary_.addedByLabel[sample.label.value_or("")];
        if (framesThisVideo % 32 == 0) {  // commit in slices so a cancel keeps finished frames
          failure = transaction->commit();
          transaction.reset();
          if (!failure) return false;
        }
        return true;
      });
  if (!failure) return failure;  // store failure: abort the run (transaction rolls back)
  if (transaction) {
    if (Status committed = transaction->commit(); !committed) return committed;
  }
  job_.advance();
  if (!decodeStatus) return reportBad(path, decodeStatus.error().message);
  if (job_.cancelled()) return okStatus();
  if (Status status = store_.clearBadFile(path); !status) return status;
  return store_.rememberFile(path, byteSize, mtimeNs, videoHash);
}

Result<IngestSummary> Ingester::run() {
  const auto started = std::chrono::steady_clock::now();
  std::error_code ec;
  if (!fs::exists(options_.root, ec)) {
    return makeError(ErrorCode::NotFound, options_.root.string() + ": folder not found");
  }
  if (!fs::is_directory(options_.root, ec)) {
    return makeError(ErrorCode::InvalidArgument, options_.root.string() + ": not a folder");
  }
  const fs::path root = fs::weakly_canonical(fs::absolute(options_.root), ec);
  summary_.sourceName =
      options_.sourceName.empty() ? root.filename().string() : options_.sourceName;

  std::vector<FileItem> items = collectFiles(root, summary_, job_);
  summary_.filesSeen = static_cast<std::int64_t>(items.size());
  layout_ = options_.layout == FolderLayout::Auto ? detectLayout(items) : options_.layout;
  summary_.layout = folderLayoutName(layout_);

  auto sourceId = store_.upsertSource(summary_.sourceName, root.string(), summary_.layout);
  if (!sourceId) return sourceId.error();
  sourceId_ = *sourceId;

  job_.begin("ingest " + summary_.sourceName, summary_.filesSeen);
  std::vector<const FileItem*> batch;
  auto flush = [&]() -> Status {
    if (batch.empty()) return okStatus();
    Status status = ingestImageBatch(batch);
    batch.clear();
    return status;
  };
  for (const FileItem& item : items) {
    if (job_.cancelled()) break;
    const std::string path = item.path.string();
    if (item.kind == ItemKind::BrokenLink) {
      if (Status status = flush(); !status) return status.error();
      auto transaction = store_.beginTransaction();
      if (!transaction) return transaction.error();
      if (Status status = reportBad(path, "broken symbolic link"); !status) return status.error();
      if (Status status = transaction->commit(); !status) return status.error();
      job_.advance();
      continue;
    }
    std::error_code sizeError;
    const auto byteSize = static_cast<std::int64_t>(fs::file_size(item.path, sizeError));
    if (!sizeError) {
      auto known = store_.isKnownFile(path, byteSize, mtimeNanoseconds(item.path));
      if (!known) return known.error();
      if (*known) {
        ++summary_.unchanged;
        job_.advance();
        continue;
      }
    }
    if (item.kind == ItemKind::Video) {
      if (Status status = flush(); !status) return status.error();
      if (Status status = ingestVideo(item); !status) return status.error();
      continue;
    }
    batch.push_back(&item);
    if (batch.size() >= options_.batchSize) {
      if (Status status = flush(); !status) return status.error();
    }
  }
  if (!job_.cancelled()) {
    if (Status status = flush(); !status) return status.error();
  }
  job_.finish();
  summary_.cancelled = job_.cancelled();
  summary_.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return summary_;
}

}  // namespace

Result<IngestSummary> ingestFolder(ProjectStore& store, const IngestOptions& options,
                                   job::JobContext& job, std::optional<std::int64_t> runId) {
  try {
    Ingester ingester(store, options, job, runId);
    return ingester.run();
  } catch (const std::exception& e) {
    return makeError(ErrorCode::Internal,
                     options.root.string() + ": ingest failed: " + std::string(e.what()));
  }
}

}  // namespace winnow::ingest
