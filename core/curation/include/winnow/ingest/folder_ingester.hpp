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
//   goes on. Work is committed in batches of batchSize files; a cancel (Ctrl-C) commits what was
//   recorded, a crash loses at most the uncommitted batch, and neither leaves a half-written sample.
// - Files are chosen by extension; files with any other extension (or none) are sniffed by
//   content, so extension-less GIFs and misnamed WebPs come in. Hidden files and folders (names
//   starting with '.') are not read; they are counted and named in skippedFiles, like every other
//   file left out, each with its reason.
// - Pixels are decoded once, and that decode serves every later stage that does not need full
//   resolution: it proves the file sound, and gives the perceptual hashes and keeper measures
//   (dupes), the quality measures (quality) and the workbench thumbnail (cache/thumbs/128), so
//   those stages decode nothing for samples ingested here. The decode asks for a longest side of
//   quality::kMeasureDecodeSide (256): JPEGs shrink in libjpeg's DCT by up to 8 per side (every
//   coefficient is still read, so damage is still caught); other formats decode full size under a
//   shared budget of decoded bytes, so a folder of 108 MP photos never needs more than about
//   1 GiB of pixels at a time. Detection, crops and export decode again, at the size they need.
// - Workers read, hash, decode and measure files ahead of the thread that writes to the store
//   (at most 16 files per worker ahead), so decoding and SQLite writes overlap.
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
  // A CSV of file -> label (ingest/label_csv.hpp); its labels replace folder names as the
  // original label (then labelMap applies). "" = none.
  std::filesystem::path labelsCsv;
  FolderLayout layout = FolderLayout::Auto;
  double videoFramesPerSecond = 1.0;
  image::DecodeLimits limits;
  int threads = 0;  // 0 = one per core
  std::size_t batchSize = 64;
  // Longest side of the thumbnail cached for the workbench from ingest's decode (review::
  // ThumbnailCache, the workbench's default is 128); 0 = none.
  int thumbnailSide = 128;
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
  std::int64_t analysed = 0;       // new samples whose hashes and quality measures came with ingest
  std::int64_t thumbnailFailures = 0;  // thumbnails that could not be cached (warned once)
  std::int64_t unchanged = 0;      // seen in an earlier ingest, skipped
  std::int64_t skippedNonImage = 0;  // files that are no image or video by extension and content
  std::int64_t skippedHidden = 0;    // hidden files and folders, not read
  std::vector<SkippedFile> skippedFiles;  // every skipped file or folder with its reason, path order
  std::vector<BadFile> badFiles;
  std::vector<FileWarning> fileWarnings;  // ingested files with a one-line warning each
  std::map<std::string, std::int64_t> addedByLabel;  // "" = unlabelled
  // With labelsCsv: files labelled from it, files it does not name (path order), its rows that
  // name no file found (file order), rows without a file or label.
  std::int64_t csvLabelledFiles = 0;
  std::vector<std::string> csvMissingFiles;
  std::vector<std::string> csvUnmatchedRows;
  std::int64_t csvSkippedRows = 0;
  bool cancelled = false;
  double seconds = 0.0;
};

// Never throws. Returns an error only when the whole run cannot proceed (root missing, store
// failure); per-file problems are in the summary.
Result<IngestSummary> ingestFolder(store::ProjectStore& store, const IngestOptions& options,
                                   job::JobContext& job, std::optional<std::int64_t> runId = {});

}  // namespace winnow::ingest
