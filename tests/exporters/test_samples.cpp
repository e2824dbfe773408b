#include "test_samples.hpp"

#include "support/temp_dir.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <iterator>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

namespace winnow::tests {
namespace fs = std::filesystem;

winnow_export_sample TestSample::view() const {
  winnow_export_sample sample{};
  sample.struct_size = sizeof(winnow_export_sample);
  sample.sample_id = sampleId;
  sample.label_index = labelIndex;
  sample.label = label.c_str();
  sample.split = split.c_str();
  sample.source = source.c_str();
  sample.original_label = originalLabel.c_str();
  sample.original_path = originalPath.c_str();
  sample.content_hash = contentHash.c_str();
  sample.file_extension = fileExtension.c_str();
  sample.image.struct_size = sizeof(winnow_image_view);
  sample.image.channels = rgb.channels();
  sample.image.format = rgb.channels() == 1   ? WINNOW_PIXEL_FORMAT_GRAY8
                        : rgb.channels() == 3 ? WINNOW_PIXEL_FORMAT_RGB8
                                              : WINNOW_PIXEL_FORMAT_RGBA8;
  sample.image.width = rgb.cols;
  sample.image.height = rgb.rows;
  sample.image.stride_bytes = static_cast<int64_t>(rgb.step[0]);
  sample.image.data = rgb.data;
  sample.encoded_bytes = bytes.empty() ? nullptr : bytes.data();
  sample.encoded_size = bytes.size();
  sample.augmented = augmented ? 1 : 0;
  sample.parent_sample_id = parentSampleId;
  return sample;
}

const std::vector<std::string>& mixedClassNames() {
  static const std::vector<std::string> names = {"real", "fake", "with_mask", "without_mask"};
  return names;
}

std::vector<uint8_t> readFileBytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::vector<TestSample> mixedSamples() {
  const fs::path data = winnow::test::sharedData();
  const std::vector<std::pair<std::string, std::string>> folders = {
      {"realfake/hard/real", "realfake"},
      {"realfake/hard/fake", "realfake"},
      {"mask/prajnasb/with_mask", "prajnasb"},
      {"mask/prajnasb/without_mask", "prajnasb"}};
  std::vector<TestSample> samples;
  static const std::vector<std::string> splitCycle = {"train", "train", "val", "test", ""};
  for (size_t classIndex = 0; classIndex < folders.size(); ++classIndex) {
    const fs::path folder = data / folders[classIndex].first;
    if (!fs::is_directory(folder)) return {};
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(folder)) files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    // Every 37th file: spread over the folder, so the mask set gives differing sizes.
    for (size_t i = 0; i < files.size() && samples.size() < (classIndex + 1) * 10; i += 37) {
      TestSample sample;
      const cv::Mat bgr = cv::imread(files[i].string(), cv::IMREAD_COLOR);
      if (bgr.empty()) continue;
      cv::cvtColor(bgr, sample.rgb, cv::COLOR_BGR2RGB);
      sample.bytes = readFileBytes(files[i]);
      sample.sampleId = 1000 + static_cast<int64_t>(samples.size());
      const bool unlabelled = samples.size() % 7 == 6;
      sample.labelIndex = unlabelled ? -1 : static_cast<int32_t>(classIndex);
      sample.label = unlabelled ? "" : mixedClassNames()[classIndex];
      sample.originalLabel = fs::path(folders[classIndex].first).filename().string();
      sample.split = splitCycle[samples.size() % splitCycle.size()];
      sample.source = folders[classIndex].second;
      sample.originalPath = files[i].string();
      sample.contentHash = "hash-" + std::to_string(sample.sampleId);
      sample.augmented = samples.size() % 3 == 2;
      sample.parentSampleId = sample.augmented ? sample.sampleId - 1 : -1;
      std::string extension = files[i].extension().string();
      std::transform(extension.begin(), extension.end(), extension.begin(), ::tolower);
      sample.fileExtension = extension;
      samples.push_back(std::move(sample));
    }
  }
  return samples;
}

std::vector<const char*> cStrings(const std::vector<std::string>& values) {
  std::vector<const char*> pointers;
  for (const auto& value : values) pointers.push_back(value.c_str());
  return pointers;
}

winnow_export_begin_info beginInfo(const std::string& outputPath, uint64_t sampleCount,
                                   const std::vector<const char*>& classNames) {
  winnow_export_begin_info info{};
  info.struct_size = sizeof(winnow_export_begin_info);
  info.output_path = outputPath.c_str();
  info.sample_count = sampleCount;
  info.class_count = static_cast<uint32_t>(classNames.size());
  info.class_names = classNames.data();
  info.pipeline_config_json = R"({"stage":"export","seed":7})";
  info.project_info_json = R"({"project":"exporters_test","winnow_version":"0.1.0"})";
  return info;
}

TempFolder::TempFolder() {
  static std::atomic<int> counter{0};
  path_ = fs::temp_directory_path() / ("winnow-exporters-" + std::to_string(::getpid()) + "-" +
                                       std::to_string(counter++));
  fs::remove_all(path_);
  fs::create_directories(path_);
}

TempFolder::~TempFolder() {
  std::error_code ignored;
  fs::remove_all(path_, ignored);
}

std::vector<std::string> TempFolder::entries() const {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(path_)) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace winnow::tests
