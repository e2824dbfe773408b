#include "training_fixture.hpp"

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <random>

#include "support/plugin_test_support.hpp"
#include "winnow/exporting/dataset_exporter.hpp"
#include "winnow/faces/face_crops.hpp"
#include "winnow/faces/face_detection.hpp"
#include "winnow/ingest/folder_ingester.hpp"
#include "winnow/split/dataset_splitter.hpp"
#include "winnow/store/project_store.hpp"

namespace winnow::test {

namespace fs = std::filesystem;

namespace {

bool check(bool ok, const std::string& what) {
  if (!ok) ADD_FAILURE() << what;
  return ok;
}

fs::path exportProject(store::ProjectStore& store, plugin::PluginHost& host, const fs::path& output, int imageSize,
                       std::optional<std::string> faceCrops) {
  job::JobContext job(job::ProgressStyle::Silent);
  auto split = split::runSplit(store, {{"ratios", {60, 20, 20}}}, job, std::nullopt);
  if (!check(static_cast<bool>(split), "split: " + (split ? std::string() : split.error().message))) return {};
  exporting::ExportOptions options;
  options.capabilityId = "hdf5";
  options.params = {{"image_size", imageSize}};
  options.output = output;
  options.faceCropsDetector = faceCrops;
  auto exported = exporting::exportDataset(store, host, options, job);
  if (!check(static_cast<bool>(exported), "export: " + (exported ? std::string() : exported.error().message))) return {};
  return output;
}

}  // namespace

fs::path makeGeneratedDataset(const fs::path& workDir, const std::vector<std::string>& classes, int perClass, int imageSize,
                              unsigned seed) {
  std::mt19937 random(seed);
  std::uniform_int_distribution<int> jitter(-6, 6), noise(0, 60);
  const cv::Scalar colours[] = {{40, 40, 220}, {220, 60, 40}, {40, 200, 60}, {200, 200, 40}};
  for (std::size_t k = 0; k < classes.size(); ++k) {
    fs::create_directories(workDir / "pictures" / classes[k]);
    for (int i = 0; i < perClass; ++i) {
      cv::Mat picture(64, 64, CV_8UC3);
      cv::randu(picture, cv::Scalar::all(0), cv::Scalar::all(noise(random) + 20));
      const cv::Point centre(32 + jitter(random), 32 + jitter(random));
      const int radius = 14 + jitter(random) / 2;
      if (k % 2 == 0) {
        cv::circle(picture, centre, radius, colours[k % 4], cv::FILLED);
      } else {
        cv::rectangle(picture, cv::Rect(centre.x - radius, centre.y - radius, 2 * radius, 2 * radius), colours[k % 4], cv::FILLED);
      }
      cv::imwrite((workDir / "pictures" / classes[k] / (std::to_string(i) + ".png")).string(), picture);
    }
  }
  auto store = store::ProjectStore::create(workDir / "project");
  if (!check(static_cast<bool>(store), "create project")) return {};
  plugin::PluginHost host = makeBuiltPluginHost();
  job::JobContext job(job::ProgressStyle::Silent);
  ingest::IngestOptions ingestOptions;
  ingestOptions.root = workDir / "pictures";
  ingestOptions.sourceName = "generated";
  auto ingested = ingest::ingestFolder(**store, ingestOptions, job);
  if (!check(static_cast<bool>(ingested), "ingest")) return {};
  return exportProject(**store, host, workDir / "dataset.h5", imageSize, std::nullopt);
}

fs::path makeFaceCropDataset(const fs::path& workDir, const fs::path& folder) {
  auto store = store::ProjectStore::create(workDir / "project");
  if (!check(static_cast<bool>(store), "create project")) return {};
  plugin::PluginHost host = makeBuiltPluginHost();
  job::JobContext job(job::ProgressStyle::Silent);
  ingest::IngestOptions ingestOptions;
  ingestOptions.root = folder;
  ingestOptions.sourceName = folder.filename().string();
  auto ingested = ingest::ingestFolder(**store, ingestOptions, job);
  if (!check(static_cast<bool>(ingested), "ingest")) return {};
  auto detected = faces::runDetect(**store, host, {{"detector", "faceapi_whole_face"}, {"threads", 1}}, job);
  if (!check(static_cast<bool>(detected), "detect: " + (detected ? std::string() : detected.error().message))) return {};
  auto cropped = faces::runCrops(**store, {{"detector", "faceapi_whole_face"}, {"size", 150}, {"margin", 0.1}, {"box", "landmarks"}}, job);
  if (!check(static_cast<bool>(cropped), "crops: " + (cropped ? std::string() : cropped.error().message))) return {};
  return exportProject(**store, host, workDir / "faces.h5", 150, std::string("faceapi_whole_face"));
}

}  // namespace winnow::test
