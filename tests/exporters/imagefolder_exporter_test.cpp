// The "imagefolder" exporter (plugins/exporter_imagefolder) driven through the C ABI on real
// pictures.
#include <gtest/gtest.h>

#include "support/temp_dir.hpp"

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "exporter_plugin.hpp"
#include "test_samples.hpp"

namespace winnow::tests {
namespace {

namespace fs = std::filesystem;

class ImageFolderExporterTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::string error;
    plugin_ =
        ExporterPlugin::load("libwinnow_exporter_imagefolder.so", "imagefolder", &error).release();
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

  winnow_status exportAll(const std::string& params, const fs::path& output,
                          const std::vector<TestSample>& samples,
                          const std::vector<std::string>& classNames, std::string* message) {
    ExporterInstance exporter(*plugin_, params);
    EXPECT_EQ(exporter.createStatus(), WINNOW_STATUS_OK) << exporter.lastError().message;
    const auto names = cStrings(classNames);
    const winnow_status began = exporter.begin(beginInfo(output.string(), samples.size(), names));
    if (began != WINNOW_STATUS_OK) {
      *message = exporter.lastError().message;
      return began;
    }
    for (const auto& sample : samples) {
      const auto view = sample.view();
      EXPECT_EQ(exporter.writeSample(&view), WINNOW_STATUS_OK) << exporter.lastError().message;
    }
    const winnow_status status = exporter.finish();
    *message = exporter.lastError().message;
    return status;
  }

  static ExporterPlugin* plugin_;
  static std::vector<TestSample>* samples_;
};

ExporterPlugin* ImageFolderExporterTest::plugin_ = nullptr;
std::vector<TestSample>* ImageFolderExporterTest::samples_ = nullptr;

// Every regular file under `root`, as paths relative to it.
std::vector<std::string> filesUnder(const fs::path& root) {
  std::vector<std::string> files;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (entry.is_regular_file()) files.push_back(fs::relative(entry.path(), root).string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST_F(ImageFolderExporterTest, CopyModeWritesSplitClassFoldersWithIdenticalBytes) {
  TempFolder temp;
  const fs::path output = temp.path() / "out";
  const auto& samples = *samples_;
  std::string message;
  ASSERT_EQ(exportAll("{}", output, samples, mixedClassNames(), &message), WINNOW_STATUS_OK)
      << message;
  EXPECT_EQ(temp.entries(), std::vector<std::string>{"out"});

  std::vector<std::string> expected = {"winnow-export.json"};
  for (const auto& sample : samples) {
    const std::string split = sample.split.empty() ? "all" : sample.split;
    const std::string label = sample.labelIndex < 0 ? "unlabelled" : sample.label;
    const fs::path relative =
        fs::path(split) / label / fs::path(sample.originalPath).filename();
    expected.push_back(relative.string());
    EXPECT_EQ(readFileBytes(output / relative), sample.bytes) << relative;
  }
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(filesUnder(output), expected);

  std::ifstream manifestFile(output / "winnow-export.json");
  const auto manifest = nlohmann::json::parse(manifestFile, nullptr, false);
  ASSERT_FALSE(manifest.is_discarded());
  EXPECT_EQ(manifest["format"], "winnow-imagefolder");
  EXPECT_EQ(manifest["sample_count"], samples.size());
  EXPECT_EQ(manifest["classes"][2]["folder"], "with_mask");
  EXPECT_EQ(manifest["pipeline_config"]["seed"], 7);
}

TEST_F(ImageFolderExporterTest, PngModeStoresTheDecodedPixels) {
  TempFolder temp;
  const fs::path output = temp.path() / "png";
  std::vector<TestSample> samples(samples_->begin() + 18, samples_->begin() + 24);
  cv::cvtColor(samples[1].rgb, samples[1].rgb, cv::COLOR_RGB2GRAY);
  samples[2].bytes.clear();  // a derived frame without original bytes
  std::string message;
  ASSERT_EQ(exportAll(R"({"mode": "png", "unlabelled_name": "none", "unassigned_split_name": "pool"})",
                      output, samples, mixedClassNames(), &message),
            WINNOW_STATUS_OK)
      << message;
  for (const auto& sample : samples) {
    const std::string split = sample.split.empty() ? "pool" : sample.split;
    const std::string label = sample.labelIndex < 0 ? "none" : sample.label;
    const fs::path file = output / split / label /
                          (fs::path(sample.originalPath).stem().string() + ".png");
    ASSERT_TRUE(fs::exists(file)) << file;
    cv::Mat decoded = cv::imread(file.string(), cv::IMREAD_UNCHANGED);
    if (decoded.channels() == 3) cv::cvtColor(decoded, decoded, cv::COLOR_BGR2RGB);
    ASSERT_EQ(decoded.size(), sample.rgb.size());
    ASSERT_EQ(decoded.type(), sample.rgb.type());
    EXPECT_EQ(cv::norm(decoded, sample.rgb, cv::NORM_INF), 0.0) << file;
  }
}

TEST_F(ImageFolderExporterTest, CopyModeFallsBackToPngWithoutOriginalBytes) {
  TempFolder temp;
  const fs::path output = temp.path() / "out";
  std::vector<TestSample> samples(samples_->begin(), samples_->begin() + 1);
  samples[0].bytes.clear();
  samples[0].split = "train";
  samples[0].labelIndex = 0;
  std::string message;
  ASSERT_EQ(exportAll("{}", output, samples, mixedClassNames(), &message), WINNOW_STATUS_OK)
      << message;
  const fs::path file =
      output / "train" / "real" / (fs::path(samples[0].originalPath).stem().string() + ".png");
  EXPECT_TRUE(fs::exists(file)) << file;
}

TEST_F(ImageFolderExporterTest, DuplicateBaseNamesGetTheSampleIdAppended) {
  TempFolder temp;
  const fs::path output = temp.path() / "out";
  std::vector<TestSample> samples(samples_->begin(), samples_->begin() + 3);
  for (auto& sample : samples) {
    sample.split = "train";
    sample.labelIndex = 1;
    sample.label = "fake";
  }
  samples[0].originalPath = "/photos/a/IMG_0001.JPG";
  samples[1].originalPath = "/photos/b/IMG_0001.JPG";
  samples[2].originalPath = "C:\\phone\\img_0001.jpg";  // same name on a case-insensitive disk
  std::string message;
  ASSERT_EQ(exportAll("{}", output, samples, mixedClassNames(), &message), WINNOW_STATUS_OK)
      << message;
  EXPECT_EQ(filesUnder(output / "train" / "fake"),
            (std::vector<std::string>{"IMG_0001.JPG", "IMG_0001_" + std::to_string(samples[1].sampleId) + ".JPG",
                                      "img_0001_" + std::to_string(samples[2].sampleId) + ".jpg"}));
  EXPECT_EQ(readFileBytes(output / "train" / "fake" / "IMG_0001.JPG"), samples[0].bytes);
}

TEST_F(ImageFolderExporterTest, TraversalClassNamesAreSanitisedAndStayInside) {
  TempFolder temp;
  const fs::path output = temp.path() / "box" / "out";
  fs::create_directories(output.parent_path());
  const std::vector<std::string> classNames = {"../evil", "a/b", "..", "", ".hidden",
                                               "ctl\x01name", "A_B"};
  std::vector<TestSample> samples(samples_->begin(), samples_->begin() + 7);
  for (size_t i = 0; i < samples.size(); ++i) {
    samples[i].labelIndex = static_cast<int32_t>(i);
    samples[i].label = classNames[i];
    samples[i].split = "val";
  }
  samples[0].originalPath = "../../../etc/passwd";
  samples[1].originalPath = "";
  samples[1].fileExtension = ".jpg";
  std::string message;
  ASSERT_EQ(exportAll("{}", output, samples, classNames, &message), WINNOW_STATUS_OK) << message;
  EXPECT_EQ(temp.entries(), std::vector<std::string>{"box"});
  std::vector<std::string> boxEntries;
  for (const auto& entry : fs::directory_iterator(output.parent_path())) {
    boxEntries.push_back(entry.path().filename().string());
  }
  EXPECT_EQ(boxEntries, std::vector<std::string>{"out"});
  std::vector<std::string> folders;
  for (const auto& entry : fs::directory_iterator(output / "val")) {
    folders.push_back(entry.path().filename().string());
  }
  std::sort(folders.begin(), folders.end());
  EXPECT_EQ(folders, (std::vector<std::string>{"A_B_2", "_", "__2", "_evil", "a_b", "ctl_name",
                                               "hidden"}));
  EXPECT_TRUE(fs::exists(output / "val" / "_evil" / "passwd.jpg"))
      << testing::PrintToString(filesUnder(output));
  EXPECT_TRUE(fs::exists(output / "val" / "a_b" / (std::to_string(samples[1].sampleId) + ".jpg")));
  for (const auto& file : filesUnder(output)) {
    EXPECT_EQ(file.find(".."), std::string::npos) << file;
  }
}

TEST_F(ImageFolderExporterTest, RefusesNonEmptyOutputAndReplacesEmptyOne) {
  TempFolder temp;
  const fs::path output = temp.path() / "out";
  fs::create_directories(output);
  { std::ofstream(output / "keep.txt") << "mine"; }
  const std::vector<TestSample> two(samples_->begin(), samples_->begin() + 2);
  std::string message;
  EXPECT_EQ(exportAll("{}", output, two, mixedClassNames(), &message),
            WINNOW_STATUS_INVALID_ARGUMENT);
  EXPECT_NE(message.find("not empty"), std::string::npos) << message;
  EXPECT_EQ(filesUnder(output), std::vector<std::string>{"keep.txt"});
  EXPECT_EQ(temp.entries(), std::vector<std::string>{"out"});

  const fs::path file = temp.path() / "plain-file";
  { std::ofstream(file) << "x"; }
  EXPECT_EQ(exportAll("{}", file, two, mixedClassNames(), &message),
            WINNOW_STATUS_INVALID_ARGUMENT);
  EXPECT_NE(message.find("not a folder"), std::string::npos) << message;

  fs::remove(output / "keep.txt");
  ASSERT_EQ(exportAll("{}", output.string() + "/", two, mixedClassNames(), &message),
            WINNOW_STATUS_OK)
      << message;
  EXPECT_EQ(filesUnder(output).size(), 3u);
  EXPECT_EQ(temp.entries(), (std::vector<std::string>{"out", "plain-file"}));
}

TEST_F(ImageFolderExporterTest, AbortAndCountMismatchLeaveNothing) {
  TempFolder temp;
  const fs::path output = temp.path() / "out";
  const auto names = cStrings(mixedClassNames());
  {
    ExporterInstance exporter(*plugin_, "{}");
    ASSERT_EQ(exporter.begin(beginInfo(output.string(), 4, names)), WINNOW_STATUS_OK);
    for (size_t i = 0; i < 2; ++i) {
      const auto view = (*samples_)[i].view();
      ASSERT_EQ(exporter.writeSample(&view), WINNOW_STATUS_OK);
    }
    EXPECT_EQ(temp.entries().size(), 1u) << "temp tree exists while writing";
    exporter.abort();
    EXPECT_TRUE(temp.entries().empty());
  }
  {
    ExporterInstance exporter(*plugin_, "{}");
    ASSERT_EQ(exporter.begin(beginInfo(output.string(), 4, names)), WINNOW_STATUS_OK);
    const auto view = (*samples_)[0].view();
    ASSERT_EQ(exporter.writeSample(&view), WINNOW_STATUS_OK);
    EXPECT_EQ(exporter.finish(), WINNOW_STATUS_INVALID_ARGUMENT);
    EXPECT_NE(exporter.lastError().message.find("announced 4"), std::string::npos);
    EXPECT_TRUE(temp.entries().empty());
  }
  {
    ExporterInstance exporter(*plugin_, "{}");
    ASSERT_EQ(exporter.begin(beginInfo(output.string(), 4, names)), WINNOW_STATUS_OK);
  }
  EXPECT_TRUE(temp.entries().empty()) << "destroy without finish cleans up";
}

TEST_F(ImageFolderExporterTest, BadInputGetsStatusAndMessage) {
  for (const char* params : {"{", R"({"mode": "tar"})", R"({"unlabelled_name": ""})",
                             R"({"unassigned_split_name": "Train"})",
                             R"({"unassigned_split_name": "winnow-export.json"})",
                             R"({"extra": true})"}) {
    ExporterInstance exporter(*plugin_, params);
    EXPECT_EQ(exporter.createStatus(), WINNOW_STATUS_INVALID_ARGUMENT) << params;
    EXPECT_NE(exporter.lastError().message.find("params."), std::string::npos)
        << exporter.lastError().message;
  }
  TempFolder temp;
  ExporterInstance exporter(*plugin_, R"({"mode": "png"})");
  const auto names = cStrings(mixedClassNames());
  ASSERT_EQ(exporter.begin(beginInfo((temp.path() / "out").string(), 1, names)), WINNOW_STATUS_OK);
  auto view = (*samples_)[0].view();
  view.image.data = nullptr;
  EXPECT_EQ(exporter.writeSample(&view), WINNOW_STATUS_INVALID_ARGUMENT);
  EXPECT_NE(exporter.lastError().message.find("data is null"), std::string::npos);
  view = (*samples_)[0].view();
  view.image.format = WINNOW_PIXEL_FORMAT_GRAY8;
  EXPECT_EQ(exporter.writeSample(&view), WINNOW_STATUS_INVALID_ARGUMENT);
  EXPECT_NE(exporter.lastError().message.find("channels"), std::string::npos);
  view = (*samples_)[0].view();
  view.label_index = -2;
  EXPECT_EQ(exporter.writeSample(&view), WINNOW_STATUS_INVALID_ARGUMENT);
  view = (*samples_)[0].view();
  view.split = "../x";
  EXPECT_EQ(exporter.writeSample(&view), WINNOW_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(exporter.writeSample(nullptr), WINNOW_STATUS_INVALID_ARGUMENT);
  view = (*samples_)[0].view();
  ASSERT_EQ(exporter.writeSample(&view), WINNOW_STATUS_OK) << exporter.lastError().message;
  ASSERT_EQ(exporter.finish(), WINNOW_STATUS_OK) << exporter.lastError().message;
}

}  // namespace
}  // namespace winnow::tests
