// The "hdf5" exporter (plugins/exporter_hdf5) driven through the C ABI on real pictures; the file
// is read back with the HDF5 C API and with Python h5py (read_back.py).
#include <gtest/gtest.h>

#include "support/temp_dir.hpp"
#include <hdf5.h>

#include <array>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <opencv2/imgproc.hpp>
#include <set>

#include "exporter_plugin.hpp"
#include "test_samples.hpp"

namespace winnow::tests {
namespace {

namespace fs = std::filesystem;

// ---- minimal HDF5 reading (test side; aborts the test on failure) ----

struct H5Id {
  hid_t id = -1;
  herr_t (*close)(hid_t) = nullptr;
  H5Id(hid_t value, herr_t (*closeFn)(hid_t)) : id(value), close(closeFn) {}
  ~H5Id() {
    if (id >= 0) close(id);
  }
  H5Id(const H5Id&) = delete;
  H5Id& operator=(const H5Id&) = delete;
};

std::vector<hsize_t> datasetDims(hid_t file, const char* name) {
  H5Id dataset(H5Dopen2(file, name, H5P_DEFAULT), H5Dclose);
  EXPECT_GE(dataset.id, 0) << name;
  H5Id space(H5Dget_space(dataset.id), H5Sclose);
  std::vector<hsize_t> dims(static_cast<size_t>(H5Sget_simple_extent_ndims(space.id)));
  H5Sget_simple_extent_dims(space.id, dims.data(), nullptr);
  return dims;
}

template <typename T>
std::vector<T> readNumbers(hid_t file, const char* name, hid_t memType) {
  H5Id dataset(H5Dopen2(file, name, H5P_DEFAULT), H5Dclose);
  EXPECT_GE(dataset.id, 0) << name;
  H5Id space(H5Dget_space(dataset.id), H5Sclose);
  std::vector<T> values(static_cast<size_t>(H5Sget_simple_extent_npoints(space.id)));
  if (!values.empty()) {
    EXPECT_GE(H5Dread(dataset.id, memType, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()), 0);
  }
  return values;
}

std::vector<std::string> readStrings(hid_t file, const char* name) {
  H5Id dataset(H5Dopen2(file, name, H5P_DEFAULT), H5Dclose);
  EXPECT_GE(dataset.id, 0) << name;
  H5Id type(H5Dget_type(dataset.id), H5Tclose);
  EXPECT_TRUE(H5Tis_variable_str(type.id) > 0) << name;
  EXPECT_EQ(H5Tget_cset(type.id), H5T_CSET_UTF8) << name;
  H5Id space(H5Dget_space(dataset.id), H5Sclose);
  std::vector<char*> pointers(static_cast<size_t>(H5Sget_simple_extent_npoints(space.id)));
  if (pointers.empty()) return {};
  EXPECT_GE(H5Dread(dataset.id, type.id, H5S_ALL, H5S_ALL, H5P_DEFAULT, pointers.data()), 0);
  std::vector<std::string> values(pointers.begin(), pointers.end());
  H5Dvlen_reclaim(type.id, space.id, H5P_DEFAULT, pointers.data());
  return values;
}

std::string readStringAttribute(hid_t object, const char* name) {
  H5Id attribute(H5Aopen(object, name, H5P_DEFAULT), H5Aclose);
  EXPECT_GE(attribute.id, 0) << name;
  H5Id type(H5Aget_type(attribute.id), H5Tclose);
  char* value = nullptr;
  EXPECT_GE(H5Aread(attribute.id, type.id, &value), 0) << name;
  std::string result = value == nullptr ? "" : value;
  H5free_memory(value);
  return result;
}

int32_t readInt32Attribute(hid_t object, const char* name) {
  H5Id attribute(H5Aopen(object, name, H5P_DEFAULT), H5Aclose);
  EXPECT_GE(attribute.id, 0) << name;
  int32_t value = 0;
  EXPECT_GE(H5Aread(attribute.id, H5T_NATIVE_INT32, &value), 0) << name;
  return value;
}

// ---- the plugin ----

class Hdf5ExporterTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::string error;
    plugin_ = ExporterPlugin::load("libwinnow_exporter_hdf5.so", "hdf5", &error).release();
    ASSERT_NE(plugin_, nullptr) << error;
    samples_ = new std::vector<TestSample>(mixedSamples());
  }
  static void TearDownTestSuite() {
    delete samples_;
    samples_ = nullptr;
    delete plugin_;
    plugin_ = nullptr;
  }
  void SetUp() override {
    ASSERT_NE(plugin_, nullptr);
    if (samples_->size() != 40) GTEST_SKIP() << "shared data missing: " << winnow::test::sharedData();
  }

  // Exports `samples` to `output` with `params`; returns the finish status (fails the test
  // on any earlier error).
  winnow_status exportAll(const std::string& params, const std::string& output,
                          const std::vector<TestSample>& samples, std::string* message = nullptr) {
    ExporterInstance exporter(*plugin_, params);
    EXPECT_EQ(exporter.createStatus(), WINNOW_STATUS_OK) << exporter.lastError().message;
    const auto classNames = cStrings(mixedClassNames());
    EXPECT_EQ(exporter.begin(beginInfo(output, samples.size(), classNames)), WINNOW_STATUS_OK)
        << exporter.lastError().message;
    for (const auto& sample : samples) {
      const auto view = sample.view();
      EXPECT_EQ(exporter.writeSample(&view), WINNOW_STATUS_OK) << exporter.lastError().message;
    }
    const winnow_status status = exporter.finish();
    if (message != nullptr) *message = exporter.lastError().message;
    return status;
  }

  static std::string fullParams(int size, const char* fit, int channels, int compression,
                                int chunk) {
    return nlohmann::json{{"image_size", size},
                          {"fit", fit},
                          {"channels", channels},
                          {"compression", compression},
                          {"chunk_images", chunk}}
        .dump();
  }

  static ExporterPlugin* plugin_;
  static std::vector<TestSample>* samples_;
};

ExporterPlugin* Hdf5ExporterTest::plugin_ = nullptr;
std::vector<TestSample>* Hdf5ExporterTest::samples_ = nullptr;

// Expected letterbox result, computed independently of the plugin's code path.
cv::Mat letterbox(const cv::Mat& rgb, int size) {
  const double scale = static_cast<double>(size) / std::max(rgb.cols, rgb.rows);
  const int width = static_cast<int>(std::lround(rgb.cols * scale));
  const int height = static_cast<int>(std::lround(rgb.rows * scale));
  cv::Mat resized;
  cv::resize(rgb, resized, cv::Size(width, height), 0, 0, cv::INTER_AREA);
  cv::Mat out(size, size, CV_8UC3, cv::Scalar::all(0));
  resized.copyTo(out(cv::Rect((size - width) / 2, (size - height) / 2, width, height)));
  return out;
}

std::string pythonWithH5py() {
  for (const char* candidate : {"/usr/bin/python3", "python3"}) {
    const std::string probe = std::string(candidate) + " -c 'import h5py' >/dev/null 2>&1";
    if (std::system(probe.c_str()) == 0) return candidate;
  }
  return {};
}

std::string runCommand(const std::string& command) {
  std::string output;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return output;
  std::array<char, 4096> buffer{};
  size_t count = 0;
  while ((count = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) output.append(buffer.data(), count);
  pclose(pipe);
  return output;
}

TEST_F(Hdf5ExporterTest, WritesDatasetReadableFromCppAndPython) {
  TempFolder temp;
  const fs::path output = temp.path() / "nested" / "dataset.h5";
  const auto& samples = *samples_;
  std::set<std::pair<int, int>> sizes;
  for (const auto& sample : samples) sizes.insert({sample.rgb.rows, sample.rgb.cols});
  ASSERT_GE(sizes.size(), 3u) << "test data should mix picture sizes";

  ASSERT_EQ(exportAll(fullParams(64, "letterbox", 3, 4, 16), output.string(), samples),
            WINNOW_STATUS_OK);
  EXPECT_EQ(temp.entries(), std::vector<std::string>{"nested"});
  EXPECT_EQ(fs::directory_iterator(output.parent_path())->path().filename(), "dataset.h5");

  H5Id file(H5Fopen(output.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  ASSERT_GE(file.id, 0);
  EXPECT_EQ(readStringAttribute(file.id, "format"), "winnow-dataset");
  EXPECT_EQ(readInt32Attribute(file.id, "format_version"), 1);
  EXPECT_EQ(readInt32Attribute(file.id, "image_size"), 64);
  EXPECT_EQ(readInt32Attribute(file.id, "channels"), 3);
  EXPECT_EQ(readStringAttribute(file.id, "fit"), "letterbox");
  EXPECT_EQ(nlohmann::json::parse(readStringAttribute(file.id, "pipeline_config"))["seed"], 7);
  EXPECT_EQ(nlohmann::json::parse(readStringAttribute(file.id, "winnow"))["project"],
            "exporters_test");
  EXPECT_EQ(readStringAttribute(file.id, "created_at").size(), 20u);

  const size_t n = samples.size();
  EXPECT_EQ(datasetDims(file.id, "images"), (std::vector<hsize_t>{n, 64, 64, 3}));
  {
    H5Id images(H5Dopen2(file.id, "images", H5P_DEFAULT), H5Dclose);
    H5Id creation(H5Dget_create_plist(images.id), H5Pclose);
    std::array<hsize_t, 4> chunk{};
    ASSERT_EQ(H5Pget_chunk(creation.id, 4, chunk.data()), 4);
    EXPECT_EQ(chunk, (std::array<hsize_t, 4>{16, 64, 64, 3}));
    EXPECT_EQ(H5Pget_nfilters(creation.id), 2);
  }
  const auto labels = readNumbers<int32_t>(file.id, "labels", H5T_NATIVE_INT32);
  const auto splitCodes = readNumbers<uint8_t>(file.id, "split", H5T_NATIVE_UINT8);
  const auto originalSizes = readNumbers<int32_t>(file.id, "original_size", H5T_NATIVE_INT32);
  const auto ids = readNumbers<int64_t>(file.id, "provenance/sample_id", H5T_NATIVE_INT64);
  const auto paths = readStrings(file.id, "provenance/original_path");
  const auto sources = readStrings(file.id, "provenance/source");
  const auto hashes = readStrings(file.id, "provenance/content_hash");
  const auto originalLabels = readStrings(file.id, "provenance/original_label");
  const auto augmented = readNumbers<uint8_t>(file.id, "augmented", H5T_NATIVE_UINT8);
  const auto parents = readNumbers<int64_t>(file.id, "provenance/parent_sample_id", H5T_NATIVE_INT64);
  ASSERT_EQ(augmented.size(), n);
  ASSERT_EQ(parents.size(), n);
  EXPECT_EQ(readStrings(file.id, "class_names"), mixedClassNames());
  ASSERT_EQ(labels.size(), n);
  ASSERT_EQ(splitCodes.size(), n);
  ASSERT_EQ(originalSizes.size(), 2 * n);
  ASSERT_EQ(paths.size(), n);
  std::map<std::string, std::vector<int64_t>> expectedSplits;
  const std::map<std::string, uint8_t> codes = {{"", 0}, {"train", 1}, {"val", 2}, {"test", 3}};
  for (size_t i = 0; i < n; ++i) {
    EXPECT_EQ(labels[i], samples[i].labelIndex) << i;
    EXPECT_EQ(splitCodes[i], codes.at(samples[i].split)) << i;
    EXPECT_EQ(originalSizes[2 * i], samples[i].rgb.rows) << i;
    EXPECT_EQ(originalSizes[2 * i + 1], samples[i].rgb.cols) << i;
    EXPECT_EQ(ids[i], samples[i].sampleId);
    EXPECT_EQ(paths[i], samples[i].originalPath);
    EXPECT_EQ(sources[i], samples[i].source);
    EXPECT_EQ(hashes[i], samples[i].contentHash);
    EXPECT_EQ(originalLabels[i], samples[i].originalLabel);
    EXPECT_EQ(augmented[i], samples[i].augmented ? 1 : 0) << i;
    EXPECT_EQ(parents[i], samples[i].parentSampleId) << i;
    if (!samples[i].split.empty()) expectedSplits[samples[i].split].push_back(static_cast<int64_t>(i));
  }
  EXPECT_NE(std::count(labels.begin(), labels.end(), -1), 0);
  EXPECT_EQ(std::count(augmented.begin(), augmented.end(), 1), static_cast<long>(n / 3));
  for (const char* split : {"train", "val", "test"}) {
    EXPECT_EQ(readNumbers<int64_t>(file.id, (std::string("splits/") + split).c_str(),
                                   H5T_NATIVE_INT64),
              expectedSplits[split])
        << split;
  }

  // Pixels: each row equals an independent letterbox of the RGB input (same OpenCV resize).
  const auto pixels = readNumbers<uint8_t>(file.id, "images", H5T_NATIVE_UINT8);
  ASSERT_EQ(pixels.size(), n * 64 * 64 * 3);
  uint64_t checksum = 0;
  for (const uint8_t value : pixels) checksum += value;
  for (size_t i = 0; i < n; ++i) {
    const cv::Mat stored(64, 64, CV_8UC3, const_cast<uint8_t*>(pixels.data() + i * 64 * 64 * 3));
    const cv::Mat expected = letterbox(samples[i].rgb, 64);
    EXPECT_LE(cv::norm(stored, expected, cv::NORM_INF), 1.0) << "image " << i;
  }

  const std::string python = pythonWithH5py();
  if (python.empty()) GTEST_SKIP() << "python3 with h5py not found; C++ read-back passed";
  const std::string json =
      runCommand(python + " " WINNOW_EXPORTERS_READ_BACK_SCRIPT " '" + output.string() + "'");
  const auto summary = nlohmann::json::parse(json, nullptr, false);
  ASSERT_FALSE(summary.is_discarded()) << json;
  EXPECT_EQ(summary["count"], n);
  EXPECT_EQ(summary["shape"], (std::vector<size_t>{n, 64, 64, 3}));
  EXPECT_EQ(summary["labels"].get<std::vector<int32_t>>(), labels);
  EXPECT_EQ(summary["class_names"].get<std::vector<std::string>>(), mixedClassNames());
  EXPECT_EQ(summary["checksum"].get<uint64_t>(), checksum);
  EXPECT_EQ(summary["split_codes"].get<std::vector<uint8_t>>(), splitCodes);
  EXPECT_EQ(summary["split_names"],
            (std::vector<std::string>{"unassigned", "train", "val", "test"}));
  for (const char* split : {"train", "val", "test"}) {
    EXPECT_EQ(summary["splits"][split].get<std::vector<int64_t>>(), expectedSplits[split]);
  }
  EXPECT_EQ(summary["original_path"].get<std::vector<std::string>>(), paths);
  EXPECT_EQ(summary["format"], "winnow-dataset");
  EXPECT_EQ(summary["format_version"], 1);
  EXPECT_EQ(summary["pipeline_config"]["stage"], "export");
  EXPECT_EQ(summary["augmented"].get<std::vector<uint8_t>>(), augmented);
  EXPECT_EQ(summary["parent_sample_id"].get<std::vector<int64_t>>(), parents);
  // docs/hdf5-layout.md's snippet: real rows only.
  EXPECT_EQ(summary["real_rows"].get<int64_t>(), static_cast<int64_t>(n - n / 3));
}

// A host from before the lineage fields hands over the shorter struct: rows read as real.
TEST_F(Hdf5ExporterTest, OlderHostWithoutLineageFieldsWritesRealRows) {
  TempFolder temp;
  const fs::path output = temp.path() / "old-host.h5";
  const std::vector<TestSample> samples(samples_->begin(), samples_->begin() + 6);
  ExporterInstance exporter(*plugin_, fullParams(32, "letterbox", 3, 1, 8));
  ASSERT_EQ(exporter.createStatus(), WINNOW_STATUS_OK);
  const auto classNames = cStrings(mixedClassNames());
  ASSERT_EQ(exporter.begin(beginInfo(output.string(), samples.size(), classNames)), WINNOW_STATUS_OK);
  for (const auto& sample : samples) {
    auto view = sample.view();
    view.struct_size = static_cast<uint32_t>(offsetof(winnow_export_sample, augmented));
    ASSERT_EQ(exporter.writeSample(&view), WINNOW_STATUS_OK) << exporter.lastError().message;
  }
  ASSERT_EQ(exporter.finish(), WINNOW_STATUS_OK) << exporter.lastError().message;
  H5Id file(H5Fopen(output.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  ASSERT_GE(file.id, 0);
  EXPECT_EQ(readNumbers<uint8_t>(file.id, "augmented", H5T_NATIVE_UINT8), std::vector<uint8_t>(6, 0));
  EXPECT_EQ(readNumbers<int64_t>(file.id, "provenance/parent_sample_id", H5T_NATIVE_INT64),
            std::vector<int64_t>(6, -1));
}

TEST_F(Hdf5ExporterTest, GreyCenterCropUncompressed) {
  TempFolder temp;
  const fs::path output = temp.path() / "grey.h5";
  const std::vector<TestSample> samples(samples_->begin() + 20, samples_->begin() + 30);
  ASSERT_EQ(exportAll(fullParams(32, "center_crop", 1, 0, 64), output.string(), samples),
            WINNOW_STATUS_OK);
  H5Id file(H5Fopen(output.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  ASSERT_GE(file.id, 0);
  EXPECT_EQ(datasetDims(file.id, "images"), (std::vector<hsize_t>{10, 32, 32, 1}));
  {
    H5Id images(H5Dopen2(file.id, "images", H5P_DEFAULT), H5Dclose);
    H5Id creation(H5Dget_create_plist(images.id), H5Pclose);
    EXPECT_EQ(H5Pget_nfilters(creation.id), 0);
    std::array<hsize_t, 4> chunk{};
    ASSERT_EQ(H5Pget_chunk(creation.id, 4, chunk.data()), 4);
    EXPECT_EQ(chunk[0], 10u) << "chunk capped at the sample count";
  }
  const auto pixels = readNumbers<uint8_t>(file.id, "images", H5T_NATIVE_UINT8);
  for (size_t i = 0; i < samples.size(); ++i) {
    const cv::Mat& rgb = samples[i].rgb;
    const int side = std::min(rgb.cols, rgb.rows);
    cv::Mat grey, expected;
    cv::cvtColor(rgb(cv::Rect((rgb.cols - side) / 2, (rgb.rows - side) / 2, side, side)), grey,
                 cv::COLOR_RGB2GRAY);
    cv::resize(grey, expected, cv::Size(32, 32), 0, 0, cv::INTER_AREA);
    const cv::Mat stored(32, 32, CV_8UC1, const_cast<uint8_t*>(pixels.data() + i * 32 * 32));
    EXPECT_LE(cv::norm(stored, expected, cv::NORM_INF), 3.0) << "image " << i;
  }
}

TEST_F(Hdf5ExporterTest, StretchAcceptsGreyAndRgbaInput) {
  TempFolder temp;
  const fs::path output = temp.path() / "stretch.h5";
  std::vector<TestSample> samples(samples_->begin() + 20, samples_->begin() + 22);
  cv::cvtColor(samples[0].rgb, samples[0].rgb, cv::COLOR_RGB2GRAY);
  cv::cvtColor(samples[1].rgb, samples[1].rgb, cv::COLOR_RGB2RGBA);
  ASSERT_EQ(exportAll(fullParams(16, "stretch", 3, 9, 4), output.string(), samples),
            WINNOW_STATUS_OK);
  H5Id file(H5Fopen(output.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  const auto pixels = readNumbers<uint8_t>(file.id, "images", H5T_NATIVE_UINT8);
  ASSERT_EQ(pixels.size(), 2u * 16 * 16 * 3);
  // A grey input gives R == G == B everywhere.
  for (size_t p = 0; p < 16 * 16; ++p) {
    ASSERT_EQ(pixels[3 * p], pixels[3 * p + 1]);
    ASSERT_EQ(pixels[3 * p], pixels[3 * p + 2]);
  }
}

TEST_F(Hdf5ExporterTest, EmptyExportWritesZeroRows) {
  TempFolder temp;
  const fs::path output = temp.path() / "empty.h5";
  ASSERT_EQ(exportAll("{}", output.string(), {}), WINNOW_STATUS_OK);
  H5Id file(H5Fopen(output.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  ASSERT_GE(file.id, 0);
  EXPECT_EQ(datasetDims(file.id, "images"), (std::vector<hsize_t>{0, 128, 128, 3}));
  EXPECT_EQ(datasetDims(file.id, "labels"), (std::vector<hsize_t>{0}));
}

TEST_F(Hdf5ExporterTest, AbortLeavesNoFileAndNoTemp) {
  TempFolder temp;
  const fs::path output = temp.path() / "aborted.h5";
  {
    ExporterInstance exporter(*plugin_, fullParams(32, "letterbox", 3, 1, 2));
    const auto classNames = cStrings(mixedClassNames());
    ASSERT_EQ(exporter.begin(beginInfo(output.string(), 10, classNames)), WINNOW_STATUS_OK);
    for (size_t i = 0; i < 5; ++i) {
      const auto view = (*samples_)[i].view();
      ASSERT_EQ(exporter.writeSample(&view), WINNOW_STATUS_OK) << exporter.lastError().message;
    }
    EXPECT_EQ(temp.entries().size(), 1u) << "a temp file exists while writing";
    exporter.abort();
    EXPECT_TRUE(temp.entries().empty());
    EXPECT_NE(exporter.finish(), WINNOW_STATUS_OK);
    EXPECT_FALSE(exporter.lastError().message.empty());
  }
  {
    // Destroying an unfinished exporter also cleans up.
    ExporterInstance exporter(*plugin_, "{}");
    const auto classNames = cStrings(mixedClassNames());
    ASSERT_EQ(exporter.begin(beginInfo(output.string(), 3, classNames)), WINNOW_STATUS_OK);
  }
  EXPECT_TRUE(temp.entries().empty());
}

TEST_F(Hdf5ExporterTest, CountMismatchFailsAndKeepsExistingOutput) {
  TempFolder temp;
  const fs::path output = temp.path() / "dataset.h5";
  { std::ofstream(output) << "old content"; }
  const auto classNames = cStrings(mixedClassNames());
  {
    ExporterInstance exporter(*plugin_, "{}");
    ASSERT_EQ(exporter.begin(beginInfo(output.string(), 5, classNames)), WINNOW_STATUS_OK);
    for (size_t i = 0; i < 4; ++i) {
      const auto view = (*samples_)[i].view();
      ASSERT_EQ(exporter.writeSample(&view), WINNOW_STATUS_OK);
    }
    EXPECT_EQ(exporter.finish(), WINNOW_STATUS_INVALID_ARGUMENT);
    EXPECT_NE(exporter.lastError().message.find("announced 5"), std::string::npos)
        << exporter.lastError().message;
  }
  {
    ExporterInstance exporter(*plugin_, "{}");
    ASSERT_EQ(exporter.begin(beginInfo(output.string(), 1, classNames)), WINNOW_STATUS_OK);
    const auto view = (*samples_)[0].view();
    ASSERT_EQ(exporter.writeSample(&view), WINNOW_STATUS_OK);
    EXPECT_EQ(exporter.writeSample(&view), WINNOW_STATUS_INVALID_ARGUMENT);
    EXPECT_NE(exporter.lastError().message.find("more samples"), std::string::npos);
    exporter.abort();
  }
  EXPECT_EQ(temp.entries(), std::vector<std::string>{"dataset.h5"});
  EXPECT_EQ(readFileBytes(output).size(), std::string("old content").size());
  EXPECT_LE(H5Fis_hdf5(output.c_str()), 0);

  const std::vector<TestSample> two(samples_->begin(), samples_->begin() + 2);
  ASSERT_EQ(exportAll("{}", output.string(), two), WINNOW_STATUS_OK);
  EXPECT_GT(H5Fis_hdf5(output.c_str()), 0);
  EXPECT_EQ(temp.entries(), std::vector<std::string>{"dataset.h5"});
}

TEST_F(Hdf5ExporterTest, BadInputGetsStatusAndOneLineMessage) {
  TempFolder temp;
  const fs::path output = temp.path() / "bad.h5";
  ExporterInstance exporter(*plugin_, "{}");
  const auto classNames = cStrings(mixedClassNames());
  const auto expectRejected = [&exporter](const winnow_export_sample* sample, const char* needle) {
    EXPECT_EQ(exporter.writeSample(sample), WINNOW_STATUS_INVALID_ARGUMENT) << needle;
    const std::string& message = exporter.lastError().message;
    EXPECT_EQ(exporter.lastError().calls, 1) << needle;
    EXPECT_NE(message.find(needle), std::string::npos) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  };
  const TestSample& good = (*samples_)[0];
  expectRejected(nullptr, "sample is null");
  {
    const auto view = good.view();
    expectRejected(&view, "outside begin");
  }
  ASSERT_EQ(exporter.begin(beginInfo(output.string(), 1, classNames)), WINNOW_STATUS_OK);
  auto view = good.view();
  view.image.data = nullptr;
  expectRejected(&view, "data is null");
  view = good.view();
  view.image.channels = 4;
  expectRejected(&view, "channels");
  view = good.view();
  view.image.stride_bytes = 10;
  expectRejected(&view, "stride");
  view = good.view();
  view.image.width = 0;
  expectRejected(&view, "out of range");
  view = good.view();
  view.label_index = 4;
  expectRejected(&view, "label_index 4");
  view = good.view();
  view.split = "holdout";
  expectRejected(&view, "unknown split");
  view = good.view();
  view.struct_size = 8;
  expectRejected(&view, "struct_size");
  // Rejected samples do not count and do not poison the export.
  view = good.view();
  ASSERT_EQ(exporter.writeSample(&view), WINNOW_STATUS_OK) << exporter.lastError().message;
  ASSERT_EQ(exporter.finish(), WINNOW_STATUS_OK) << exporter.lastError().message;
  EXPECT_TRUE(fs::exists(output));
}

TEST_F(Hdf5ExporterTest, BadParamsAndPathsAreRejected) {
  for (const char* params : {"{", "[1]", R"({"image_size": 4})", R"({"image_size": "big"})",
                             R"({"fit": "zoom"})", R"({"channels": 2})",
                             R"({"compression": 10})", R"({"chunk_images": 0})",
                             R"({"bogus": 1})"}) {
    ExporterInstance exporter(*plugin_, params);
    EXPECT_EQ(exporter.createStatus(), WINNOW_STATUS_INVALID_ARGUMENT) << params;
    EXPECT_FALSE(exporter.created()) << params;
    EXPECT_NE(exporter.lastError().message.find("params."), std::string::npos)
        << exporter.lastError().message;
  }
  TempFolder temp;
  const auto classNames = cStrings(mixedClassNames());
  {
    ExporterInstance exporter(*plugin_, "{}");
    EXPECT_EQ(exporter.begin(beginInfo(temp.path().string(), 1, classNames)),
              WINNOW_STATUS_INVALID_ARGUMENT);
    EXPECT_NE(exporter.lastError().message.find("is a folder"), std::string::npos);
  }
  {
    ExporterInstance exporter(*plugin_, "{}");
    const fs::path blocker = temp.path() / "file";
    { std::ofstream(blocker) << "x"; }
    EXPECT_EQ(exporter.begin(beginInfo((blocker / "sub" / "out.h5").string(), 1, classNames)),
              WINNOW_STATUS_ERROR);
    EXPECT_NE(exporter.lastError().message.find("cannot create folder"), std::string::npos)
        << exporter.lastError().message;
  }
  EXPECT_EQ(temp.entries(), std::vector<std::string>{"file"});
}

}  // namespace
}  // namespace winnow::tests
