#include "winnow/ingest/folder_ingester.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <set>
#include <thread>
#include <system_error>

#include <sys/stat.h>

#include "winnow/image/serial_opencv.hpp"
#include "winnow/dedupe/dupes.hpp"
#include "winnow/image/working_image.hpp"
#include "winnow/ingest/label_csv.hpp"
#include "winnow/dedupe/perceptual_hash.hpp"
#include "winnow/job/parallel_for.hpp"
#include "winnow/quality/image_measures.hpp"
#include "winnow/review/thumbnail_cache.hpp"
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
  std::optional<std::string> csvLabel;    // from IngestOptions::labelsCsv, over the folder's
  std::optional<std::int64_t> mtimeNs;    // from the one stat of the plan
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
    const bool exists = !isSymlink || fs::exists(entry.status(statError));  // a stat only for links
    if (entry.is_directory(statError)) continue;
    const std::string extension = toLower(entry.path().extension().string());
    FileItem item;
    item.path = entry.path();
    // Lexical: the walk's paths all start with root (a canonical path); fs::relative would
    // resolve every component again (a readlink each).
    for (const auto& part : entry.path().parent_path().lexically_relative(root)) {
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
  if (item.csvLabel) labels.originalLabel = *item.csvLabel;
  return labels;
}

fs::path relativePath(const FileItem& item) {
  fs::path relative;
  for (const std::string& dir : item.relativeDirs) relative /= dir;
  return relative / item.path.filename();
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

// What a worker learns about one image file from its one decode: the facts ingest records, and
// everything later stages would otherwise decode the file again for (perceptual hashes and keeper
// measures for dupes, pixel measures for quality, the workbench thumbnail). Pixels are dropped
// before the probe is handed on.
struct ImageProbe {
  bool ok = false;
  std::string reason;
  std::string hash;
  std::int64_t byteSize = 0;
  std::int64_t mtimeNs = 0;
  image::ImageInfo info;
  int width = 0;
  int height = 0;
  std::optional<dedupe::HashedImage> hashed;      // absent: the hashing pass makes it later
  std::optional<quality::MeasureList> measures;   // absent: the quality step makes it later
  std::string analysisProblem;                    // why one of them is absent (info, not a warning)
  std::string thumbnailError;                     // the thumbnail could not be written
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

// Decoded bytes the analysis decode of `info` needs (pixels, the orientation copy, the measure
// thumbnails): JPEGs shrink in the DCT by up to 8 per side while keeping kMeasureDecodeSide.
std::int64_t decodeBytes(const image::ImageInfo& info) {
  const std::int64_t pixels = static_cast<std::int64_t>(info.width) * info.height;
  if (info.format != "jpeg") return pixels * 4 * 2 + (4 << 20);
  const std::int64_t scale = image::jpegScaleDenominator(std::max(info.width, info.height), quality::kMeasureDecodeSide);
  return pixels * 3 * 2 / (scale * scale) + (4 << 20);
}

// What later stages need from a decoded picture (image or video frame), into `probe`: hashes and
// keeper measures, quality measures, the workbench thumbnail (keyed by `contentHash`).
void analysePixels(const Image& decoded, const quality::SampleFacts& facts, const std::string& contentHash,
                   const review::ThumbnailCache* thumbnails, ImageProbe& probe) {
  auto working = image::makeWorkingImage(decoded);
  if (!working) {
    probe.analysisProblem = working.error().message;
    return;
  }
  if (auto hashed = dedupe::hashWorkingImage(*working)) {
    probe.hashed = *hashed;
  } else {
    probe.analysisProblem = hashed.error().message;
  }
  if (auto measured = quality::measureWorkingImage(*working)) {
    probe.measures = quality::sampleMeasureList(*measured, facts);
  } else {
    probe.analysisProblem = measured.error().message;
  }
  if (thumbnails != nullptr) {
    // The colour working picture is the default thumbnail (128 px) itself; another side is
    // made from the decode.
    const Image& source = thumbnails->sidePixels() == image::kWorkingColourSide ? working->colour : decoded;
    if (Status stored = thumbnails->storeImageThumbnail(contentHash, source); !stored) {
      probe.thumbnailError = stored.error().message;
    }
  }
}

ImageProbe probeImageFile(const fs::path& path, std::optional<std::int64_t> mtimeNs, const image::DecodeLimits& limits,
                          DecodeBudget& budget, const review::ThumbnailCache* thumbnails) {
  ImageProbe probe;
  probe.mtimeNs = mtimeNs ? *mtimeNs : mtimeNanoseconds(path);
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
  // One decode at kMeasureDecodeSide: JPEGs shrink in libjpeg's DCT (every coefficient is still
  // read and checked, so a damaged file is still caught); the stored size is the header's, oriented.
  const std::int64_t held = budget.acquire(decodeBytes(*header));
  struct Release {
    DecodeBudget& budget;
    std::int64_t bytes;
    ~Release() { budget.release(bytes); }
  } release{budget, held};
  auto decoded = image::decodeForAnalysis(*bytes, path, quality::kMeasureDecodeSide,
                                          image::ColorMode::Preserve, limits);
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

  quality::SampleFacts facts;
  facts.width = probe.width;
  facts.height = probe.height;
  facts.hasExif = probe.info.hasExif;
  facts.byteSize = probe.byteSize;
  facts.jpegQuality = quality::estimateJpegQuality(*bytes);
  analysePixels(decoded->image, facts, probe.hash, thumbnails, probe);
  return probe;
}

// Hands the probes of the files to analyse to one consumer in path order while workers run
// ahead by at most `window` files, so results are recorded (and committed) as they come instead
// of batch by batch: decoding, measuring and writing to SQLite overlap. Workers take indexes in
// increasing order (job::parallelFor's dynamic scheduling), so the smallest outstanding index is
// always being worked on and the consumer never waits on a worker that waits on it.
class ProbePipeline {
 public:
  ProbePipeline(std::size_t count, std::size_t window) : count_(count), slots_(window), ready_(window, false) {}

  // Worker side: blocks until `index` is inside the window (or the pipeline is stopped).
  bool waitForRoom(std::size_t index) {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [&] { return stopped_ || index < consumed_ + slots_.size(); });
    return !stopped_;
  }
  void put(std::size_t index, ImageProbe probe) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      slots_[index % slots_.size()] = std::move(probe);
      ready_[index % slots_.size()] = true;
    }
    changed_.notify_all();
  }
  // Consumer side: the next probe in order; nullopt once stopped or cancelled (polled: a
  // cancelled parallelFor leaves indexes unprobed).
  std::optional<ImageProbe> next(const std::function<bool()>& cancelled) {
    std::unique_lock<std::mutex> lock(mutex_);
    if (consumed_ >= count_) return std::nullopt;
    const std::size_t slot = consumed_ % slots_.size();
    while (!stopped_ && !ready_[slot]) {
      if (cancelled()) return std::nullopt;
      changed_.wait_for(lock, std::chrono::milliseconds(50));
    }
    if (!ready_[slot]) return std::nullopt;
    ImageProbe probe = std::move(slots_[slot]);
    ready_[slot] = false;
    ++consumed_;
    lock.unlock();
    changed_.notify_all();
    return probe;
  }
  void stop() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopped_ = true;
    }
    changed_.notify_all();
  }
  bool stopped() {
    std::lock_guard<std::mutex> lock(mutex_);
    return stopped_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::size_t count_;
  std::size_t consumed_ = 0;
  bool stopped_ = false;
  std::vector<ImageProbe> slots_;
  std::vector<bool> ready_;
};

class Ingester {
 public:
  Ingester(ProjectStore& store, const IngestOptions& options, job::JobContext& job,
           std::optional<std::int64_t> runId)
      : store_(store), options_(options), job_(job), runId_(runId) {
    if (options.thumbnailSide > 0) thumbnails_.emplace(store.projectDir(), options.thumbnailSide);
  }

  Result<IngestSummary> run();

 private:
  Status ingestVideo(const FileItem& item);
  Status reportBad(const std::string& path, const std::string& reason);
  // Records one probe: a bad file, or a new sample (with what its decode measured), a duplicate,
  // or an unchanged re-run.
  Status recordProbe(const FileItem& item, const ImageProbe& probe);
  Status recordImage(const FileItem& item, const ImageProbe& probe);
  // Stores what a new sample's decode measured (hashes, measures), and counts it.
  Status recordAnalysis(std::int64_t sampleId, const std::string& path, const ImageProbe& probe);

  ProjectStore& store_;
  const IngestOptions& options_;
  job::JobContext& job_;
  std::optional<std::int64_t> runId_;
  std::optional<review::ThumbnailCache> thumbnails_;
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

Status Ingester::recordAnalysis(std::int64_t sampleId, const std::string& path, const ImageProbe& probe) {
  if (probe.hashed) {
    if (Status status = store_.putPerceptualHashes(sampleId, probe.hashed->hashes.phash, probe.hashed->hashes.dhash);
        !status) {
      return status;
    }
    if (Status status = store_.putMeasures(sampleId, dedupe::keeperMeasureList(probe.hashed->measures)); !status) {
      return status;
    }
  }
  if (probe.measures) {
    if (Status status = store_.putMeasures(sampleId, *probe.measures); !status) return status;
  }
  if (probe.hashed && probe.measures) ++summary_.analysed;
  if (!probe.analysisProblem.empty()) {
    job_.info(path + ": measured later, not at ingest: " + probe.analysisProblem);
  }
  if (!probe.thumbnailError.empty() && summary_.thumbnailFailures++ == 0) {
    // A cache problem (disk full, permissions) repeats for every file: say it once.
    job_.warn(path + ": thumbnail not cached (the workbench will make it): " + probe.thumbnailError);
  }
  return okStatus();
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
    if (Status status = recordAnalysis(*inserted, path, probe); !status) return status;
  }
  if (Status status = store_.clearBadFile(path); !status) return status;
  return store_.rememberFile(path, probe.byteSize, probe.mtimeNs, probe.hash);
}

Status Ingester::recordProbe(const FileItem& item, const ImageProbe& probe) {
  const std::string path = item.path.string();
  if (!probe.ok) return reportBad(path, probe.reason);
  if (Status status = recordImage(item, probe); !status) return status;
  for (const std::string& warning : probe.info.warnings) {
    summary_.fileWarnings.push_back({path, warning});
    job_.warn(path + ": " + warning);
  }
  return okStatus();
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
        {  // the frame's pixels are decoded already: measure them like an image's
          ImageProbe analysis;
          quality::SampleFacts facts;
          facts.width = sample.width;
          facts.height = sample.height;
          facts.byteSize = sample.byteSize;
          analysePixels(frame.image, facts, frameHash, thumbnails_ ? &*thumbnails_ : nullptr, analysis);
          failure = recordAnalysis(*inserted, sample.originalPath, analysis);
          if (!failure) return false;
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
  const image::SerialOpenCv serialOpenCv;
  quality::prepareMeasures();  // before the workers start
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

  std::optional<LabelTable> csvLabels;
  if (!options_.labelsCsv.empty()) {
    auto table = LabelTable::read(options_.labelsCsv);
    if (!table) return table.error();
    csvLabels.emplace(std::move(*table));
  }

  std::vector<FileItem> items = collectFiles(root, summary_, job_);
  summary_.filesSeen = static_cast<std::int64_t>(items.size());
  layout_ = options_.layout == FolderLayout::Auto ? detectLayout(items) : options_.layout;
  summary_.layout = folderLayoutName(layout_);
  if (csvLabels) {
    for (FileItem& item : items) {
      if (item.kind == ItemKind::BrokenLink) continue;
      if (const std::string* label = csvLabels->find(relativePath(item))) {
        item.csvLabel = *label;
        ++summary_.csvLabelledFiles;
      } else {
        summary_.csvMissingFiles.push_back(item.path.string());
      }
    }
    summary_.csvUnmatchedRows = csvLabels->unmatchedFiles();
    summary_.csvSkippedRows = csvLabels->skippedRows();
    if (!summary_.csvMissingFiles.empty()) {
      job_.warn(options_.labelsCsv.string() + ": names no label for " + std::to_string(summary_.csvMissingFiles.size()) +
                " of the " + std::to_string(items.size()) + " files (first: " + summary_.csvMissingFiles.front() +
                "); they keep their folder's label, if any");
    }
    if (!summary_.csvUnmatchedRows.empty()) {
      const std::size_t rows = summary_.csvUnmatchedRows.size();
      job_.warn(options_.labelsCsv.string() + ": " + std::to_string(rows) + (rows == 1 ? " row names" : " rows name") +
                " no file in " + root.string() + " (first: " + summary_.csvUnmatchedRows.front() + ")");
    }
  }

  auto sourceId = store_.upsertSource(summary_.sourceName, root.string(), summary_.layout);
  if (!sourceId) return sourceId.error();
  sourceId_ = *sourceId;

  job_.begin("ingest " + summary_.sourceName, summary_.filesSeen);

  // What each file needs, in path order; files unchanged since an earlier ingest are settled here.
  enum class Step { Done, BrokenLink, Video, Image };
  std::vector<Step> plan(items.size(), Step::Done);
  std::vector<const FileItem*> toProbe;
  for (std::size_t i = 0; i < items.size() && !job_.cancelled(); ++i) {
    FileItem& item = items[i];
    if (item.kind == ItemKind::BrokenLink) {
      plan[i] = Step::BrokenLink;
      continue;
    }
    struct stat info {};
    if (::stat(item.path.c_str(), &info) == 0) {
      const auto byteSize = static_cast<std::int64_t>(info.st_size);
      item.mtimeNs = static_cast<std::int64_t>(info.st_mtim.tv_sec) * 1000000000 + info.st_mtim.tv_nsec;
      auto known = store_.isKnownFile(item.path.string(), byteSize, *item.mtimeNs);
      if (!known) return known.error();
      if (*known) {
        ++summary_.unchanged;
        job_.advance();
        continue;
      }
    }
    plan[i] = item.kind == ItemKind::Video ? Step::Video : Step::Image;
    if (plan[i] == Step::Image) toProbe.push_back(&item);
  }

  // Workers probe images ahead of this thread, which records them in order and commits every
  // batchSize files; videos (decoded here, frame by frame) and broken links slot in between.
  const std::size_t workers = job::parallelWorkerCount(toProbe.size(), options_.threads);
  ProbePipeline pipeline(toProbe.size(), std::max<std::size_t>(64, 16 * workers));
  const review::ThumbnailCache* thumbnails = thumbnails_ ? &*thumbnails_ : nullptr;
  std::thread producer([&] {
    job::parallelFor(
        toProbe.size(), options_.threads,
        [&](std::size_t index, std::size_t /*worker*/) {
          if (!pipeline.waitForRoom(index)) return;
          ImageProbe probe;
          try {
            probe = probeImageFile(toProbe[index]->path, toProbe[index]->mtimeNs, options_.limits, budget_, thumbnails);
          } catch (const std::exception& e) {
            probe = ImageProbe{};
            probe.reason = toProbe[index]->path.string() + ": " + e.what();
          }
          pipeline.put(index, std::move(probe));
        },
        [&] { return job_.cancelled() || pipeline.stopped(); });
  });
  struct JoinProducer {
    ProbePipeline& pipeline;
    std::thread& producer;
    ~JoinProducer() {
      pipeline.stop();
      producer.join();
    }
  } joinProducer{pipeline, producer};

  std::optional<ProjectStore::Transaction> transaction;
  std::size_t recordedInTransaction = 0;
  auto open = [&]() -> Status {
    if (transaction) return okStatus();
    auto begun = store_.beginTransaction();
    if (!begun) return begun.error();
    transaction.emplace(std::move(begun.value()));
    return okStatus();
  };
  auto commit = [&]() -> Status {
    if (!transaction) return okStatus();
    Status committed = transaction->commit();
    transaction.reset();
    recordedInTransaction = 0;
    return committed;
  };
  const auto cancelled = [&] { return job_.cancelled(); };
  for (std::size_t i = 0; i < items.size() && !job_.cancelled(); ++i) {
    if (plan[i] == Step::Done) continue;
    const FileItem& item = items[i];
    if (plan[i] == Step::Video) {
      if (Status status = commit(); !status) return status.error();
      if (Status status = ingestVideo(item); !status) return status.error();
      continue;
    }
    std::optional<ImageProbe> probe;
    if (plan[i] == Step::Image) {
      probe = pipeline.next(cancelled);
      if (!probe) break;  // cancelled
    }
    if (Status status = open(); !status) return status.error();
    Status recorded = probe ? recordProbe(item, *probe) : reportBad(item.path.string(), "broken symbolic link");
    if (!recorded) return recorded.error();  // store failure: the open batch rolls back
    job_.advance();
    if (++recordedInTransaction >= options_.batchSize) {
      if (Status status = commit(); !status) return status.error();
    }
  }
  // A cancel keeps everything recorded so far.
  if (Status status = commit(); !status) return status.error();
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
