// Real pictures from WINNOW_SHARED_DATA_DIR turned into exporter samples, plus temp folders.
#pragma once

#include <cstdint>
#include <filesystem>
#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "winnow/sdk/plugin_abi.h"

namespace winnow::tests {

// One sample as a host would hand it over: decoded RGB pixels and the original file's bytes.
struct TestSample {
  int64_t sampleId = 0;
  int32_t labelIndex = -1;
  std::string label;
  std::string split;
  std::string source;
  std::string originalLabel;
  std::string originalPath;
  std::string contentHash;
  std::string fileExtension;
  cv::Mat rgb;                 // CV_8UC3 (or CV_8UC1 / CV_8UC4 when a test changes it)
  std::vector<uint8_t> bytes;  // the original file
  bool augmented = false;      // see mixedSamples()
  int64_t parentSampleId = -1;

  // A view borrowing this sample's strings and pixels (valid while the sample lives).
  winnow_export_sample view() const;
};

// The four classes of mixedSamples(), index = label index.
const std::vector<std::string>& mixedClassNames();

// 40 samples: 10 each of realfake/hard/{real,fake} (300x300) and mask/prajnasb/{with_mask,
// without_mask} (mixed sizes); every 7th is unlabelled; splits cycle train, train, val, test, "";
// every 3rd (index 2, 5, ...) is marked augmented, its parent the sample before it.
// Returns an empty vector when the shared data is missing.
std::vector<TestSample> mixedSamples();

std::vector<const char*> cStrings(const std::vector<std::string>& values);

winnow_export_begin_info beginInfo(const std::string& outputPath, uint64_t sampleCount,
                                   const std::vector<const char*>& classNames);

// A fresh, empty folder under the system temp dir, removed (with its contents) when destroyed.
class TempFolder {
 public:
  TempFolder();
  ~TempFolder();
  TempFolder(const TempFolder&) = delete;
  TempFolder& operator=(const TempFolder&) = delete;
  const std::filesystem::path& path() const { return path_; }
  // Names of the entries directly inside the folder, sorted.
  std::vector<std::string> entries() const;

 private:
  std::filesystem::path path_;
};

std::vector<uint8_t> readFileBytes(const std::filesystem::path& path);

}  // namespace winnow::tests
