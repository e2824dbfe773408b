// Ingest: walk a folder, decode every image once (EXIF-oriented), hash its bytes, and record it
// in the project store with its source tag, original label and mapped label.
//
// Contracts:
// - Layouts: root/<class>/* ("class_folders"), root/{train,valid,val,test}/<class>/*
//   ("split_class_folders"), or anything else as unlabelled ("flat"); auto-detected unless forced.
// - Files whose bytes are already in the store are recorded as duplicates of the first sample
//   with that content (path order), never ingested twice; unchanged files seen before (same path,
//   size and mtime) are skipped without re-reading, so re-running adds only what is new.
// - A bad file is reported (path + one-line reason), recorded in the store and counted; the run
//   goes on. Work is committed in batches, so a cancel (Ctrl-C) or crash loses at most the
//   uncommitted batch, never leaves a half-written sample.
// - Files are chosen by extension; files with any other extension (or none) are sniffed by
//   content, so extension-less GIFs and misnamed WebPs come in. Hidden files and folders (names
//   starting with '.') are not read; they are counted and named in skippedFiles, like every other
//   file left out, each with its reason.
// - Pixels are decoded once to prove the file sound: JPEGs at up to 1/8 scale in libjpeg's DCT
//   (every coefficient is still read), other formats full size under a shared budget of decoded
//   bytes, so a folder of 108 MP photos never needs more than about 1 GiB of pixels at a time.
// - Problems that do not stop a file (broken EXIF read as orientation 1, codec warnings, later
//   GIF frames dropped) are kept in fileWarnings and warned per file.
// - Videos contribute frames sampled at videoFramesPerSecond, stored as PNGs under
//   <project>/frames/ (derived files; the video itself is never modified).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "winnow/image/image_codec.hpp"
#include "winnow/job/job_context.hpp"
#include "winnow/store/project_store.hpp"
#include "winnow/util/result.hpp"

namespace winnow::ingest {

enum class FolderLayout { Invalid = 0, Auto, ClassFolders, SplitClassFolders, Flat };
const char* folderLayoutName(FolderLayout layout);
std::optional<FolderLayout> parseFolderLayout(const std::string& name);

struct IngestOptions {
  std::filesystem::path root;
  std::string sourceName;  // "" = the root folder's name
  std::map<std::string, std::string> labelMap;  // original class name -> label
  FolderLayout layout = FolderLayout::Auto;
  double videoFramesPerSecond = 1.0;
  image::DecodeLimits limits;
  int threads = 0;  // 0 = one per core
  std::size_t batchSize = 64;
};

struct BadFile {
  std::string path;
  std::string reason;
};

// A file left out without being read as an image, or a warning about one that came in.
using SkippedFile = BadFile;
using FileWarning = BadFile;

// Decoded bytes all ingest workers together may hold at once (one larger file still gets in, alone).
inline constexpr std::int64_t kIngestDecodeBudgetBytes = std::int64_t{1} << 30;

struct IngestSummary {
  std::string sourceName;
  std::string layout;
  std::int64_t filesSeen = 0;      // image + video files found
  std::int64_t added = 0;          // new samples (video frames included)
  std::int64_t videoFrames = 0;    // of which video frames
  std::int64_t duplicates = 0;     // exact duplicates recorded, not ingested
  std::int64_t unchanged = 0;      // seen in an earlier ingest, skipped
  std::int64_t skippedNonImage = 0;  // files that are no image or video by extension and content
  std::int64_t skippedHidden = 0;    // hidden files and folders, not read
  std::vector<SkippedFile> skippedFiles;  // every skipped file or folder with its reason, path order
  std::vector<BadFile> badFiles;
  std::vector<FileWarning> fileWarnings;  // ingested files with a one-line warning each
  std::map<std::string, std::int64_t> addedByLabel;  // "" = unlabelled
  bool cancelled = false;
  double seconds = 0.0;
};

// Never throws. Returns an error only when the whole run cannot proceed (root missing, store
// failure); per-file problems are in the summary.
Result<IngestSummary> ingestFolder(store::ProjectStore& store, const IngestOptions& options,
                                   job::JobContext& job, std::optional<std::int64_t> runId = {});

}  // namespace winnow::ingest
