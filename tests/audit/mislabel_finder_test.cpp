// Suspected mislabels on real faces: ORL (40 people, 10 pictures each) with 5 labels flipped on
// purpose; the generic feature's k-NN disagreement must rank them near the top.
#include <gtest/gtest.h>

#include <cmath>
#include <iostream>
#include <random>
#include <set>

#include "store/sqlite_statement.hpp"  // SqlAccess: the test writes fixture rows itself
#include "quality/curation_fixtures.hpp"
#include "winnow/audit/mislabel_finder.hpp"
#include "winnow/quality/quality_runner.hpp"

namespace winnow::audit {
namespace {

TEST(MislabelFinder, RanksFlippedOrlLabelsNearTheTop) {
  const auto root = test::sharedData() / "faces/orl";
  if (!std::filesystem::is_directory(root)) GTEST_SKIP() << "no shared data (faces/orl)";
  test::TempDir dir("winnow-mislabels");
  auto store = test::createProject(dir / "project");
  ASSERT_TRUE(store);
  test::ingestClassFolders(*store, root, "orl");
  auto samples = store->listSamples();
  ASSERT_TRUE(samples);
  ASSERT_GE(samples->size(), 390u);

  // Flip 5 labels (through decisions, as a user would) to another person's.
  std::set<std::int64_t> flipped;
  for (std::size_t index : {7u, 83u, 150u, 222u, 377u}) {
    const auto& sample = (*samples)[index];
    const std::string wrong = *sample.label == "s1" ? "s2" : "s1";
    ASSERT_TRUE(store->applyDecision(sample.id, "label", wrong, "test", "deliberate mislabel"));
    flipped.insert(sample.id);
  }

  job::JobContext job(job::ProgressStyle::Silent);
  auto result = runMislabels(*store, {{"top", 20}}, job, std::nullopt);
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(result->at("feature"), "generic:rgb8x8+hog64");
  const auto& ranked = result->at("ranked");
  ASSERT_EQ(ranked.size(), 20u);
  int found = 0;
  int rightSuggestions = 0;
  for (const auto& row : ranked) {
    const std::int64_t id = row.at("id").get<std::int64_t>();
    if (!flipped.count(id)) continue;
    ++found;
    // Ideally the suggestion is the person the picture really shows.
    auto sample = store->getSample(id);
    ASSERT_TRUE(sample);
    if (row.at("suggested_label") == sample->originalLabel) ++rightSuggestions;
  }
  std::cout << "flipped labels in the top 20: " << found << " of 5, true person suggested for " << rightSuggestions << "\n";
  EXPECT_GE(found, 4);
  EXPECT_GE(ranked.at(0).at("score").get<double>(), ranked.at(19).at("score").get<double>());

  // The score is stored as a measure the GUI sorts by.
  auto byScore = quality::listByMeasure(*store, "mislabel_score", true, 5);
  ASSERT_TRUE(byScore);
  ASSERT_EQ(byScore->size(), 5u);
  EXPECT_EQ(byScore->front().sampleId, ranked.at(0).at("id").get<std::int64_t>());
}

TEST(MislabelFinder, UsesStoredEmbeddingsWhenPresent) {
  // 3 classes x 8 samples with 4-d embeddings clustered per class; one sample's label is wrong.
  test::TempDir dir("winnow-mislabels-emb");
  const auto files = test::firstFiles(test::sharedData() / "realfake/hard/fake", ".jpg", 24);
  if (files.size() < 24) GTEST_SKIP() << "no shared data";
  const char* classes[] = {"a", "b", "c"};
  for (std::size_t i = 0; i < files.size(); ++i) {
    std::filesystem::create_directories(dir / "set" / classes[i % 3]);
    std::filesystem::copy_file(files[i], dir / "set" / classes[i % 3] / files[i].filename());
  }
  auto store = test::createProject(dir / "project");
  ASSERT_TRUE(store);
  test::ingestClassFolders(*store, dir / "set", "emb");
  auto samples = store->listSamples();
  ASSERT_TRUE(samples);
  std::int64_t wrongId = 0;
  for (const auto& sample : *samples) {
    int trueClass = (*sample.label)[0] - 'a';
    if (sample.id == samples->front().id) {
      trueClass = (trueClass + 1) % 3;  // its vector says another class
      wrongId = sample.id;
    }
    float vector[4] = {0.05f, 0.05f, 0.05f, 0.05f};
    vector[trueClass] = 1.0f + 0.01f * static_cast<float>(sample.id % 5);
    const std::string blob(reinterpret_cast<const char*>(vector), sizeof vector);
    std::string hex;
    for (unsigned char c : blob) {
      char two[3];
      std::snprintf(two, sizeof two, "%02X", c);
      hex += two;
    }
    ASSERT_TRUE(winnow::store::SqlAccess::execute(*store, "INSERT INTO embeddings VALUES(" + std::to_string(sample.id) +
                               ", 'toy', 4, X'" + hex + "')"));
  }
  job::JobContext job(job::ProgressStyle::Silent);
  auto result = runMislabels(*store, {{"k", 5}}, job, std::nullopt);
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(result->at("feature"), "embedding:toy");
  EXPECT_EQ(result->at("ranked").at(0).at("id").get<std::int64_t>(), wrongId);
  EXPECT_GT(result->at("ranked").at(0).at("score").get<double>(), 0.9);
  EXPECT_LT(result->at("ranked").at(1).at("score").get<double>(), 0.5);

  auto missing = runMislabels(*store, {{"feature", "embedding"}, {"extractor", "nope"}}, job, std::nullopt);
  EXPECT_FALSE(missing);
}

// A feature that knows nothing about a 70/30 two-class set: the minority's neighbours are mostly
// of the majority class by chance alone, which must not make it a suspect (the old share-of-
// disagreeing-neighbours rule flagged about a third of such a set).
TEST(MislabelFinder, UninformativeFeatureFlagsAlmostNothingOnAnImbalancedSet) {
  std::mt19937_64 random(7);
  std::normal_distribution<float> gaussian(0.0f, 1.0f);
  std::vector<std::vector<float>> rows(1000, std::vector<float>(32));
  std::vector<int> labels(rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    double norm = 0.0;
    for (float& v : rows[i]) {
      v = gaussian(random);
      norm += static_cast<double>(v) * v;
    }
    for (float& v : rows[i]) v = static_cast<float>(v / std::sqrt(norm));
    labels[i] = i % 10 < 7 ? 0 : 1;
  }
  const auto verdicts = outOfFoldNeighbourDisagreement(rows, labels, 10, 0, 1);
  int flagged = 0;
  int majorityDisagrees = 0;
  for (const auto& verdict : verdicts) {
    ASSERT_EQ(verdict.neighbours.size(), 10u);
    majorityDisagrees += verdict.suggestedShare > 0.5 ? 1 : 0;
    flagged += verdict.score >= 0.5 && verdict.suggestedShare > 0.5 && verdict.chanceProbability <= 0.01 ? 1 : 0;
  }
  std::cout << "random features, 700/300 labels: neighbours' majority disagrees for " << majorityDisagrees
            << " of 1000, flagged " << flagged << "\n";
  EXPECT_GT(majorityDisagrees, 150);  // what a plain majority vote would flag
  EXPECT_LE(flagged, 5);
}

}  // namespace
}  // namespace winnow::audit
