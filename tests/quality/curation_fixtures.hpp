// Test helpers shared by the quality and audit tests: projects built from real pictures of
// ../shared/data, written at test time into a temporary folder.
#pragma once

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "support/temp_dir.hpp"
#include "winnow/ingest/folder_ingester.hpp"
#include "winnow/job/job_context.hpp"
#include "winnow/store/project_store.hpp"

namespace winnow::test {

// The first `count` files (sorted by name) with extension `extension` in `folder`.
inline std::vector<std::filesystem::path> firstFiles(const std::filesystem::path& folder,
                                                     const std::string& extension, std::size_t count) {
  std::vector<std::filesystem::path> files;
  if (!std::filesystem::is_directory(folder)) return files;
  for (const auto& entry : std::filesystem::directory_iterator(folder)) {
    if (entry.path().extension() == extension) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  if (files.size() > count) files.resize(count);
  return files;
}

// BGR pixels as cv::imread gives them; empty on failure.
inline cv::Mat readBgr(const std::filesystem::path& path) { return cv::imread(path.string(), cv::IMREAD_COLOR); }

inline void writeImage(const std::filesystem::path& path, const cv::Mat& pixels) {
  std::filesystem::create_directories(path.parent_path());
  ASSERT_TRUE(cv::imwrite(path.string(), pixels)) << path;
}

inline std::unique_ptr<store::ProjectStore> createProject(const std::filesystem::path& dir) {
  auto created = store::ProjectStore::create(dir);
  EXPECT_TRUE(created) << (created ? "" : created.error().message);
  return created ? std::move(created.value()) : nullptr;
}

inline void ingestClassFolders(store::ProjectStore& store, const std::filesystem::path& root,
                               const std::string& source) {
  ingest::IngestOptions options;
  options.root = root;
  options.sourceName = source;
  options.layout = ingest::FolderLayout::ClassFolders;
  job::JobContext job(job::ProgressStyle::Silent);
  auto summary = ingest::ingestFolder(store, options, job, std::nullopt);
  ASSERT_TRUE(summary) << summary.error().message;
}

}  // namespace winnow::test
