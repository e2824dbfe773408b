// runDupes, listClusters, setKeeper, markNotDuplicate on a project ingested from real photos.
#include <gtest/gtest.h>

#include <sqlite3.h>

#include <cmath>
#include <map>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "store/sqlite_statement.hpp"  // SqlAccess: the test reads the database itself
#include "support/temp_dir.hpp"
#include "winnow/dedupe/dupes.hpp"
#include "winnow/ingest/folder_ingester.hpp"
#include "winnow/store/project_store.hpp"

namespace winnow::dedupe {
namespace {

namespace fs = std::filesystem;

constexpr int kOriginals = 5;

// set/: 5 real photos (copied byte for byte) with 4 variants each (JPEG q60, half size, 3% crop,
// brightness +10), plus 10 unrelated real photos (5 more real, 5 fakes).
void buildSet(const fs::path& set) {
  const fs::path real = test::sharedData() / "realfake/hard/real";
  const fs::path fake = test::sharedData() / "realfake/hard/fake";
  fs::create_directories(set);
  for (int k = 1; k <= kOriginals; ++k) {
    const std::string name = "real_" + std::to_string(k);
    fs::copy_file(real / (name + ".jpg"), set / ("o" + std::to_string(k) + ".jpg"));
    const cv::Mat photo = cv::imread((real / (name + ".jpg")).string());
    ASSERT_FALSE(photo.empty());
    const std::string prefix = (set / ("v" + std::to_string(k))).string();
    cv::imwrite(prefix + "_q60.jpg", photo, {cv::IMWRITE_JPEG_QUALITY, 60});
    cv::Mat half;
    cv::resize(photo, half, {}, 0.5, 0.5, cv::INTER_AREA);
    cv::imwrite(prefix + "_half.jpg", half, {cv::IMWRITE_JPEG_QUALITY, 90});
    const int cut = photo.cols * 2 / 100;  // 4% of each side in all
    cv::imwrite(prefix + "_crop.jpg", photo(cv::Rect(cut, cut, photo.cols - 2 * cut, photo.rows - 2 * cut)),
                {cv::IMWRITE_JPEG_QUALITY, 90});
    cv::Mat brighter;
    photo.convertTo(brighter, -1, 1.0, 10.0);
    cv::imwrite(prefix + "_bright.jpg", brighter, {cv::IMWRITE_JPEG_QUALITY, 70});
  }
  for (int k = 0; k < 5; ++k) {
    fs::copy_file(real / ("real_" + std::to_string(100 + k) + ".jpg"), set / ("u_real" + std::to_string(k) + ".jpg"));
    fs::copy_file(fake / ("fake_" + std::to_string(100 + k) + ".jpg"), set / ("u_fake" + std::to_string(k) + ".jpg"));
  }
}

class DupesStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(test::sharedData() / "realfake/hard/real/real_1.jpg") ||
        !fs::exists(test::sharedData() / "realfake/hard/fake/fake_100.jpg")) {
      GTEST_SKIP() << "no shared data";
    }
    buildSet(dir_ / "set");
    auto created = store::ProjectStore::create(dir_ / "project");
    ASSERT_TRUE(created.ok()) << created.error().message;
    store_ = std::move(created.value());
    ingest::IngestOptions options;
    options.root = dir_ / "set";
    options.layout = ingest::FolderLayout::Flat;
    options.threads = 2;
    auto ingested = ingest::ingestFolder(*store_, options, job_);
    ASSERT_TRUE(ingested.ok()) << ingested.error().message;
    ASSERT_EQ(ingested->added, kOriginals * 5 + 10);
    auto samples = store_->listSamples();
    ASSERT_TRUE(samples.ok());
    for (const auto& s : *samples) idOf_[fs::path(s.originalPath).stem().string()] = s.id;
  }

  nlohmann::json run(nlohmann::json params = nlohmann::json::object()) {
    auto summary = runDupes(*store_, params, job_, std::nullopt);
    EXPECT_TRUE(summary.ok()) << (summary ? "" : summary.error().message);
    return summary ? *summary : nlohmann::json();
  }
  std::string status(std::int64_t id) { return store_->getSample(id)->status; }
  // Cluster id containing the sample, 0 when none.
  std::int64_t clusterOf(std::int64_t id) {
    auto clusters = listClusters(*store_);
    EXPECT_TRUE(clusters.ok());
    for (const auto& c : *clusters) {
      for (const auto& m : c.members) {
        if (m.sampleId == id) return c.id;
      }
    }
    return 0;
  }

  test::TempDir dir_{"winnow-dupes"};
  job::JobContext job_{job::ProgressStyle::Silent};
  std::unique_ptr<store::ProjectStore> store_;
  std::map<std::string, std::int64_t> idOf_;
};

TEST_F(DupesStoreTest, VariantsClusterWithOriginalWhichIsKept) {
  const nlohmann::json summary = run();
  EXPECT_EQ(summary["clusters"].get<int>(), kOriginals) << summary.dump(1);
  EXPECT_EQ(summary["marked_duplicate"].get<int>(), kOriginals * 4);
  auto clusters = listClusters(*store_);
  ASSERT_TRUE(clusters.ok());
  ASSERT_EQ(clusters->size(), static_cast<std::size_t>(kOriginals));
  for (int k = 1; k <= kOriginals; ++k) {
    const std::int64_t original = idOf_["o" + std::to_string(k)];
    const std::int64_t cluster = clusterOf(original);
    ASSERT_NE(cluster, 0) << "original " << k;
    for (const char* variant : {"_q60", "_half", "_crop", "_bright"}) {
      const std::int64_t id = idOf_["v" + std::to_string(k) + variant];
      EXPECT_EQ(clusterOf(id), cluster) << k << variant;
      EXPECT_EQ(status(id), store::kStatusDuplicate);
    }
    EXPECT_EQ(status(original), store::kStatusActive);
    for (const auto& c : *clusters) {
      if (c.id != cluster) continue;
      EXPECT_EQ(c.keeperSampleId, original) << c.keeperReason;
      EXPECT_EQ(c.members.front().sampleId, original);
      EXPECT_EQ(c.members.size(), 5u);
      EXPECT_EQ(c.method, "hash");
      EXPECT_FALSE(c.keeperReason.empty());
    }
  }
  for (int k = 0; k < 5; ++k) {
    EXPECT_EQ(clusterOf(idOf_["u_real" + std::to_string(k)]), 0);
    EXPECT_EQ(clusterOf(idOf_["u_fake" + std::to_string(k)]), 0);
  }
  // The decision names the keeper and the distance.
  auto decisions = store_->listDecisions(5);
  ASSERT_TRUE(decisions.ok());
  ASSERT_FALSE(decisions->empty());
  EXPECT_EQ(decisions->front().actor, "dupes");
  EXPECT_NE(decisions->front().reason.find("near-duplicate of sample"), std::string::npos);
  EXPECT_NE(decisions->front().reason.find("phash d="), std::string::npos);
}

TEST_F(DupesStoreTest, RerunIsStableAndDryRunStoresNothing) {
  run({{"apply", false}});
  EXPECT_EQ(status(idOf_["v1_q60"]), store::kStatusActive);
  EXPECT_TRUE(listClusters(*store_)->empty());
  run();
  const auto first = store_->listDecisions(1000)->size();
  const nlohmann::json again = run();
  EXPECT_EQ(again["hashed"].get<int>(), 0);  // hashes are cached
  EXPECT_EQ(again["marked_duplicate"].get<int>(), 0);
  EXPECT_EQ(store_->listDecisions(1000)->size(), first);
  EXPECT_EQ(listClusters(*store_)->size(), static_cast<std::size_t>(kOriginals));
}

TEST_F(DupesStoreTest, NotDuplicatePairNeverComesBack) {
  run();
  const std::int64_t original = idOf_["o2"];
  const std::int64_t crop = idOf_["v2_crop"];
  ASSERT_TRUE(markNotDuplicate(*store_, crop, original, "user:test").ok());
  EXPECT_EQ(status(crop), store::kStatusActive);
  EXPECT_NE(clusterOf(crop), clusterOf(original));
  for (int round = 0; round < 2; ++round) {
    run();
    const std::int64_t a = clusterOf(crop);
    EXPECT_TRUE(a == 0 || a != clusterOf(original));
    EXPECT_EQ(status(crop), store::kStatusActive);
  }
  // The other variants of o2 are still its duplicates.
  EXPECT_EQ(clusterOf(idOf_["v2_q60"]), clusterOf(original));
}

TEST_F(DupesStoreTest, UserKeeperSurvivesRerun) {
  run();
  const std::int64_t original = idOf_["o3"];
  const std::int64_t half = idOf_["v3_half"];
  const std::int64_t cluster = clusterOf(original);
  ASSERT_TRUE(setKeeper(*store_, cluster, half, "user:test").ok());
  EXPECT_EQ(status(half), store::kStatusActive);
  EXPECT_EQ(status(original), store::kStatusDuplicate);
  EXPECT_FALSE(setKeeper(*store_, cluster, idOf_["u_real0"], "user:test").ok());
  run();
  const auto rerun = listClusters(*store_);
  ASSERT_TRUE(rerun.ok());
  ASSERT_NE(clusterOf(half), 0);
  for (const auto& c : *rerun) {
    if (clusterOf(half) != c.id) continue;
    EXPECT_EQ(c.keeperSampleId, half);
    EXPECT_NE(c.keeperReason.find("chosen by"), std::string::npos) << c.keeperReason;
  }
  EXPECT_EQ(status(half), store::kStatusActive);
  EXPECT_EQ(status(original), store::kStatusDuplicate);
}

TEST_F(DupesStoreTest, UndoRestoresStatusesAndIsRespected) {
  const nlohmann::json summary = run();
  const int marked = summary["marked_duplicate"].get<int>();
  ASSERT_GT(marked, 0);
  auto undone = store_->undoLast(marked, "user:test");
  ASSERT_TRUE(undone.ok());
  auto samples = store_->listSamples();
  for (const auto& s : *samples) EXPECT_EQ(s.status, store::kStatusActive) << s.originalPath;
  // A re-run does not override the user's undo.
  const nlohmann::json again = run();
  EXPECT_EQ(again["marked_duplicate"].get<int>(), 0);
  EXPECT_EQ(again["left_to_user_decision"].get<int>(), marked);
}

TEST_F(DupesStoreTest, EmbeddingsPairSamplesAndBadParamsAreRefused) {
  // Synthetic embeddings: u_real0 and u_fake0 get nearly the same vector.
  const std::vector<std::pair<std::string, float>> rows = {{"u_real0", 0.0f}, {"u_fake0", 0.01f}, {"u_real1", 5.0f}};
  for (const auto& [name, offset] : rows) {
    std::vector<float> vector(16);
    for (std::size_t k = 0; k < vector.size(); ++k) vector[k] = std::sin(float(k) + offset) + offset;
    sqlite3_stmt* raw = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(winnow::store::SqlAccess::handle(*store_),
                                 "INSERT INTO embeddings(sample_id, extractor, dimension, vector) VALUES(?,?,?,?)",
                                 -1, &raw, nullptr), SQLITE_OK);
    sqlite3_bind_int64(raw, 1, idOf_[name]);
    sqlite3_bind_text(raw, 2, "test", -1, SQLITE_STATIC);
    sqlite3_bind_int(raw, 3, 16);
    sqlite3_bind_blob(raw, 4, vector.data(), 64, SQLITE_TRANSIENT);
    EXPECT_EQ(sqlite3_step(raw), SQLITE_DONE);
    sqlite3_finalize(raw);
  }
  const nlohmann::json summary = run();
  EXPECT_EQ(summary["pairs"]["embedding"].get<int>(), 1);
  const std::int64_t cluster = clusterOf(idOf_["u_real0"]);
  ASSERT_NE(cluster, 0);
  EXPECT_EQ(clusterOf(idOf_["u_fake0"]), cluster);
  EXPECT_EQ(clusterOf(idOf_["u_real1"]), 0);
  const auto clusters = listClusters(*store_);
  ASSERT_TRUE(clusters.ok());
  for (const auto& c : *clusters) {
    if (c.id == cluster) {
      EXPECT_EQ(c.method, "embedding:test");
    }
  }
  EXPECT_FALSE(runDupes(*store_, {{"phash_distance", -1}}, job_, std::nullopt).ok());
  EXPECT_FALSE(runDupes(*store_, {{"bogus", 1}}, job_, std::nullopt).ok());
}

TEST_F(DupesStoreTest, BarelyChangingConsecutiveVideoFramesAreGrouped) {
  // Frames 0-2: one photo with faint noise; frames 3-4: another photo.
  auto source = store_->upsertSource("clip", (dir_ / "clip").string(), "video");
  ASSERT_TRUE(source.ok());
  fs::create_directories(store_->projectDir() / "frames");
  const fs::path real = test::sharedData() / "realfake/hard/real";
  std::vector<std::int64_t> ids;
  for (int frame = 0; frame < 5; ++frame) {
    cv::Mat image = cv::imread((real / (frame < 3 ? "real_200.jpg" : "real_201.jpg")).string());
    ASSERT_FALSE(image.empty());
    cv::Mat noise(image.size(), image.type());
    cv::randn(noise, 0, 2);
    image += noise;
    const std::string name = "frames/f" + std::to_string(frame) + ".png";
    ASSERT_TRUE(cv::imwrite((store_->projectDir() / name).string(), image));
    store::SampleRecord sample;
    sample.contentHash = "xxh128:test-frame-" + std::to_string(frame);
    sample.sourceId = *source;
    sample.originalPath = (dir_ / "clip.mp4").string();
    sample.derivedPath = name;
    sample.byteSize = static_cast<std::int64_t>(fs::file_size(store_->projectDir() / name));
    sample.width = image.cols;
    sample.height = image.rows;
    sample.channels = 3;
    sample.format = "video-frame";
    sample.videoFrameIndex = frame;
    auto id = store_->insertSample(sample);
    ASSERT_TRUE(id.ok()) << id.error().message;
    ids.push_back(*id);
  }
  const nlohmann::json summary = run();
  EXPECT_GE(summary["pairs"]["video"].get<int>(), 3) << summary.dump(1);
  const std::int64_t first = clusterOf(ids[0]);
  ASSERT_NE(first, 0);
  EXPECT_EQ(clusterOf(ids[1]), first);
  EXPECT_EQ(clusterOf(ids[2]), first);
  EXPECT_NE(clusterOf(ids[3]), first);
  const auto clusters = listClusters(*store_);
  ASSERT_TRUE(clusters.ok());
  for (const auto& c : *clusters) {
    if (c.id == first) {
      EXPECT_NE(c.method.find("video"), std::string::npos) << c.method;
    }
  }
}

}  // namespace
}  // namespace winnow::dedupe
