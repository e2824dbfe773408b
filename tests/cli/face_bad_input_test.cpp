// Issue 17 must-show 5: on the face path (detect with the default detector, crops, embed,
// suggest, faces), photos with no face, one 12,000 x 9,000 photo, a grey photo and a 4-channel
// PNG give a result or a one-line reason, never a crash.
#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <sys/wait.h>

#include "support/cli_runner.hpp"
#include "support/temp_dir.hpp"

namespace fs = std::filesystem;
using winnow::test::parseJson;
using winnow::test::runWinnow;
using winnow::test::sharedData;
using winnow::test::TempDir;

namespace {

// Every stderr line is one line naming a file or the project (no raw codec text, no stack).
void expectCleanExit(const winnow::test::CommandResult& result, const std::string& what) {
  EXPECT_TRUE(result.exitCode == 0 || result.exitCode == 3) << what << " exit " << result.exitCode << "\n" << result.err;
  EXPECT_EQ(result.err.find("terminate called"), std::string::npos) << what << result.err;
  EXPECT_EQ(result.err.find("Assertion"), std::string::npos) << what << result.err;
}

}  // namespace

TEST(FaceBadInput, NoFaceHugeGreyAndRgbaPhotosGiveAResultOrAReason) {
  WINNOW_REQUIRE_SHARED_DATA("faces/celeb24");
  WINNOW_REQUIRE_SHARED_DATA("realfake/hard/real");
  TempDir dir("winnow-face-bad-input");
  const fs::path photos = dir / "photos";
  fs::create_directories(photos);
  // Two people with three labelled face photos each, so that suggest has two classes.
  const fs::path celeb = sharedData() / "faces/celeb24";
  for (const std::string person : {"Tom_Hanks", "Will_Smith"}) {
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(celeb / person)) files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    ASSERT_GE(files.size(), 4U);
    for (std::size_t i = 0; i < 4; ++i) fs::copy_file(files[i], photos / (person + "_" + std::to_string(i) + ".png"));
  }
  const cv::Mat face = cv::imread((sharedData() / "realfake/hard/real/real_1.jpg").string());
  ASSERT_FALSE(face.empty());
  // No face: a smooth gradient with noise.
  cv::Mat noFace(480, 640, CV_8UC3);
  cv::randn(noFace, cv::Scalar(128, 128, 128), cv::Scalar(30, 30, 30));
  cv::GaussianBlur(noFace, noFace, cv::Size(31, 31), 8);
  ASSERT_TRUE(cv::imwrite((photos / "no_face.jpg").string(), noFace));
  // 108 MP, as phone cameras write.
  cv::Mat huge;
  cv::resize(face, huge, cv::Size(12000, 9000), 0, 0, cv::INTER_LINEAR);
  ASSERT_TRUE(cv::imwrite((photos / "huge.jpg").string(), huge, {cv::IMWRITE_JPEG_QUALITY, 85}));
  huge.release();
  cv::Mat grey;
  cv::cvtColor(face, grey, cv::COLOR_BGR2GRAY);
  ASSERT_TRUE(cv::imwrite((photos / "grey.png").string(), grey));
  cv::Mat rgba;
  cv::cvtColor(face, rgba, cv::COLOR_BGR2BGRA);
  for (int y = 0; y < rgba.rows; ++y) {
    for (int x = 0; x < rgba.cols; ++x) rgba.at<cv::Vec4b>(y, x)[3] = static_cast<std::uint8_t>((x * 255) / rgba.cols);
  }
  ASSERT_TRUE(cv::imwrite((photos / "rgba.png").string(), rgba));

  const std::string project = (dir / "p").string();
  ASSERT_EQ(runWinnow({"init", project}, dir).exitCode, 0);
  const auto ingested = runWinnow({"ingest", project, photos.string(), "--layout", "flat", "--json"}, dir);
  expectCleanExit(ingested, "ingest");
  std::map<std::string, std::int64_t> idOf;
  for (const auto& sample : parseJson(runWinnow({"samples", project, "--json"}, dir))) {
    idOf[fs::path(sample["path"].get<std::string>()).filename().string()] = sample["id"].get<std::int64_t>();
  }
  ASSERT_EQ(idOf.size(), 12U) << ingested.out << ingested.err;

  // The default detector (YuNet) on every photo: a face on the real ones, none on the gradient.
  const auto detected = runWinnow({"detect", project, "--json"}, dir);
  expectCleanExit(detected, "detect");
  for (const std::string name : {"no_face.jpg", "huge.jpg", "grey.png", "rgba.png"}) {
    const auto faces = runWinnow({"faces", (photos / name).string()}, dir);
    expectCleanExit(faces, "faces " + name);
    const auto boxes = nlohmann::json::parse(faces.out, nullptr, false);
    ASSERT_FALSE(boxes.is_discarded()) << name << ": " << faces.out;
    if (name == "no_face.jpg") {
      EXPECT_TRUE(boxes.dump().find("\"score\"") == std::string::npos) << name << boxes.dump();
    } else {
      EXPECT_NE(boxes.dump().find("\"score\""), std::string::npos) << name << " should show its face: " << boxes.dump();
    }
  }
  const auto crops = runWinnow({"crops", project, "--json"}, dir);
  expectCleanExit(crops, "crops");
  // Descriptors and suggestions need the faceapi plugin (not in a build without LibTorch).
  WINNOW_REQUIRE_TORCH_PLUGINS();
  const auto embedded = runWinnow({"embed", project, "--json"}, dir);
  expectCleanExit(embedded, "embed");

  // Suggest with one labelled class: a clear message, not a crash; with two: suggestions.
  for (std::size_t i = 0; i < 4; ++i) {
    ASSERT_EQ(runWinnow({"label", project, "Tom_Hanks", std::to_string(idOf.at("Tom_Hanks_" + std::to_string(i) + ".png")),
                         "--new-class"}, dir).exitCode, 0);
  }
  const auto oneClass = runWinnow({"suggest", project}, dir);
  EXPECT_NE(oneClass.exitCode, 0);
  EXPECT_NE(oneClass.err.find("1 class"), std::string::npos) << oneClass.err;
  for (std::size_t i = 0; i < 3; ++i) {
    ASSERT_EQ(runWinnow({"label", project, "Will_Smith", std::to_string(idOf.at("Will_Smith_" + std::to_string(i) + ".png")),
                         "--new-class"}, dir).exitCode, 0);
  }
  const auto suggested = runWinnow({"suggest", project, "--json"}, dir);
  ASSERT_EQ(suggested.exitCode, 0) << suggested.err;
  // The held-out Will Smith photo is suggested as Will Smith.
  const std::string all = suggested.out;
  EXPECT_NE(all.find("Will_Smith"), std::string::npos) << all;
}
