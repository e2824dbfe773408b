// Identity groups (average linkage, Chinese whispers, leader), label suggestions and their
// acceptance: synthetic descriptors for the contracts, real celeb24 descriptors for the quality.
#include "store/sqlite_statement.hpp"  // SqlAccess: the test writes fixture rows itself
#include "winnow/review/suggestions.hpp"

#include <gtest/gtest.h>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include <algorithm>
#include <cstdio>
#include <map>
#include <random>
#include <set>

#include "support/cli_runner.hpp"
#include "support/plugin_test_support.hpp"
#include "support/temp_dir.hpp"
#include "winnow/faces/face_crops.hpp"
#include "winnow/faces/face_detection.hpp"
#include "winnow/ingest/folder_ingester.hpp"
#include "winnow/review/identity_clusters.hpp"

namespace winnow::review {
namespace {

namespace fs = std::filesystem;
using test::TempDir;

// Points around `people` random centres in 128-d: same-person distances about 0.45, different
// people about 1.0, like face-api descriptors.
std::vector<std::vector<float>> blobs(int people, int each, std::uint32_t seed, std::vector<int>* truth = nullptr) {
  std::mt19937 random(seed);
  std::normal_distribution<float> centre(0.0F, 0.062F);
  std::normal_distribution<float> noise(0.0F, 0.028F);
  std::vector<std::vector<float>> vectors;
  for (int p = 0; p < people; ++p) {
    std::vector<float> c(128);
    for (float& v : c) v = centre(random);
    for (int i = 0; i < each; ++i) {
      std::vector<float> v = c;
      for (float& x : v) x += noise(random);
      vectors.push_back(std::move(v));
      if (truth) truth->push_back(p);
    }
  }
  return vectors;
}

// A project of `count` distinct small images, ingested without labels; ids 1..count.
std::unique_ptr<store::ProjectStore> projectWithImages(const TempDir& dir, int count) {
  const fs::path folder = dir / "images";
  fs::create_directories(folder);
  for (int i = 0; i < count; ++i) {
    cv::Mat image(16, 16, CV_8UC3, cv::Scalar(i % 256, (i * 7) % 256, (i * 13) % 256));
    image.at<cv::Vec3b>(0, 0) = cv::Vec3b(static_cast<unsigned char>(i / 256), 1, 2);
    char name[32];
    std::snprintf(name, sizeof name, "img%03d.png", i);
    cv::imwrite((folder / name).string(), image);
  }
  auto store = store::ProjectStore::create(dir / "p");
  EXPECT_TRUE(store);
  job::JobContext job(job::ProgressStyle::Silent);
  ingest::IngestOptions options;
  options.root = folder;
  options.layout = ingest::FolderLayout::Flat;
  EXPECT_TRUE(ingest::ingestFolder(**store, options, job));
  return std::move(*store);
}

std::string hexBlob(const std::vector<float>& vector) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(vector.data());
  std::string hex;
  char two[3];
  for (std::size_t i = 0; i < vector.size() * sizeof(float); ++i) {
    std::snprintf(two, sizeof two, "%02x", bytes[i]);
    hex += two;
  }
  return hex;
}

void storeVectors(store::ProjectStore& store, const std::vector<std::vector<float>>& vectors) {
  for (std::size_t i = 0; i < vectors.size(); ++i) {
    ASSERT_TRUE(winnow::store::SqlAccess::execute(store, "INSERT INTO embeddings(sample_id, extractor, dimension, vector) VALUES(" +
                              std::to_string(i + 1) + ", 'test_descriptor', 128, x'" + hexBlob(vectors[i]) + "')"));
  }
}

void label(store::ProjectStore& store, std::int64_t id, const std::string& name) {
  ASSERT_TRUE(store.applyDecision(id, "label", name, "test", "test label"));
}

TEST(IdentityClusters, EveryMethodSeparatesPeopleAndIsDeterministic) {
  std::vector<int> truth;
  const auto vectors = blobs(5, 12, 7, &truth);
  for (IdentityClustering method :
       {IdentityClustering::AverageLinkage, IdentityClustering::ChineseWhispers, IdentityClustering::Leader}) {
    SCOPED_TRACE(identityClusteringName(method));
    IdentityClusterOptions options;
    options.method = method;
    options.maxDistance = 0.6;
    const auto assignment = clusterIdentities(vectors, options);
    ASSERT_EQ(assignment.size(), vectors.size());
    EXPECT_EQ(*std::max_element(assignment.begin(), assignment.end()) + 1, 5);
    for (std::size_t i = 0; i < vectors.size(); ++i) {
      for (std::size_t j = 0; j < vectors.size(); ++j) {
        EXPECT_EQ(assignment[i] == assignment[j], truth[i] == truth[j]) << i << " " << j;
      }
    }
    EXPECT_EQ(clusterIdentities(vectors, options), assignment);
    EXPECT_EQ(parseIdentityClustering(identityClusteringName(method)), method);
  }
  EXPECT_TRUE(clusterIdentities({}, IdentityClusterOptions{}).empty());
  EXPECT_EQ(parseIdentityClustering("kmeans"), IdentityClustering::Invalid);
}

// Average linkage does not chain: a line of faces 0.1 apart, 2.0 end to end, would be one group
// for any propagation along neighbours, but its two halves are about 1.0 apart on average.
TEST(IdentityClusters, AverageLinkageDoesNotChainAlongABridge) {
  std::vector<std::vector<float>> line;
  for (int i = 0; i <= 20; ++i) {
    std::vector<float> v(128, 0.0F);
    v[0] = 0.1F * static_cast<float>(i);
    line.push_back(v);
  }
  IdentityClusterOptions options;
  options.maxDistance = 0.6;
  const auto assignment = clusterIdentities(line, options);
  EXPECT_GT(*std::max_element(assignment.begin(), assignment.end()) + 1, 1);
  // 0.9 end to end: any two parts are at most about 0.5 apart on average, so one group.
  line.resize(10);
  const auto shorter = clusterIdentities(line, options);
  EXPECT_EQ(*std::max_element(shorter.begin(), shorter.end()), 0);
}

TEST(Suggestions, BadInputGivesClearMessages) {
  TempDir dir;
  auto store = projectWithImages(dir, 12);
  ASSERT_TRUE(store);
  auto none = suggestLabels(*store, {});
  ASSERT_FALSE(none);
  EXPECT_NE(none.error().message.find("run winnow embed first"), std::string::npos) << none.error().message;

  std::vector<int> truth;
  storeVectors(*store, blobs(2, 6, 3, &truth));
  auto unlabelled = suggestLabels(*store, {});
  ASSERT_FALSE(unlabelled);
  EXPECT_NE(unlabelled.error().message.find("at least 2 classes"), std::string::npos) << unlabelled.error().message;
  label(*store, 1, "alice");
  label(*store, 2, "alice");
  auto oneClass = suggestLabels(*store, {});
  ASSERT_FALSE(oneClass);
  EXPECT_NE(oneClass.error().message.find("found 1 class (alice)"), std::string::npos) << oneClass.error().message;
  SuggestOptions wrongExtractor;
  wrongExtractor.extractor = "nope";
  auto unknown = suggestLabels(*store, wrongExtractor);
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().message.find("test_descriptor"), std::string::npos) << unknown.error().message;

  for (std::int64_t id = 3; id <= 12; ++id) label(*store, id, truth[static_cast<std::size_t>(id - 1)] == 0 ? "alice" : "bob");
  auto nothing = suggestLabels(*store, {});
  ASSERT_FALSE(nothing);
  EXPECT_NE(nothing.error().message.find("nothing to suggest"), std::string::npos) << nothing.error().message;
}

TEST(Suggestions, CalibratedOrderedStoredAndAcceptedExactly) {
  TempDir dir;
  auto store = projectWithImages(dir, 30);
  ASSERT_TRUE(store);
  std::vector<int> truth;
  storeVectors(*store, blobs(3, 10, 11, &truth));
  const std::vector<std::string> names = {"ann", "ben", "cat"};
  for (int person = 0; person < 3; ++person) {
    for (int i = 0; i < 3; ++i) label(*store, person * 10 + i + 1, names[static_cast<std::size_t>(person)]);
  }
  auto run = suggestLabels(*store, {});
  ASSERT_TRUE(run) << run.error().message;
  EXPECT_EQ(run->classes, 3U);
  EXPECT_EQ(run->labelledSamples, 9U);
  ASSERT_EQ(run->suggestions.size(), 21U);
  for (std::size_t i = 0; i < run->suggestions.size(); ++i) {
    const auto& s = run->suggestions[i];
    EXPECT_EQ(s.label, names[static_cast<std::size_t>(truth[static_cast<std::size_t>(s.sampleId - 1)])]);
    EXPECT_GT(s.confidence, 0.9);
    EXPECT_LE(s.confidence, 1.0);
    EXPECT_EQ(s.reviewRank, static_cast<int>(i + 1));
    if (i > 0) {
      EXPECT_LE(run->suggestions[i - 1].confidence, s.confidence);
    }
  }
  auto stored = loadSuggestions(*store);
  ASSERT_TRUE(stored);
  ASSERT_EQ(stored->size(), 21U);
  EXPECT_EQ((*stored)[0].sampleId, run->suggestions[0].sampleId);

  // Accept exactly two; one id without a suggestion (labelled already) is skipped.
  const std::int64_t first = (*stored)[0].sampleId;
  const std::int64_t second = (*stored)[1].sampleId;
  auto accepted = acceptSuggestions(*store, {first, second, 1}, "user:test");
  ASSERT_TRUE(accepted) << accepted.error().message;
  EXPECT_EQ(accepted->decisions.size(), 2U);
  EXPECT_EQ(accepted->skipped, std::vector<std::int64_t>{1});
  EXPECT_EQ(loadSuggestions(*store)->size(), 19U);
  auto decisions = store->listDecisions(2);
  ASSERT_TRUE(decisions);
  for (const auto& d : *decisions) {
    EXPECT_EQ(d.actor, "user:test");
    EXPECT_NE(d.reason.find("accepted suggestion"), std::string::npos) << d.reason;
    EXPECT_NE(d.reason.find("confidence"), std::string::npos) << d.reason;
  }
  // Undo reverts them (accepted rows left the table: suggest again to review those two).
  auto undone = store->undoLast(2, "user:test");
  ASSERT_TRUE(undone);
  EXPECT_FALSE(store->getSample(first)->label.has_value() && !store->getSample(first)->label->empty());

  auto above = acceptSuggestionsAbove(*store, 0.0, "user:test");
  ASSERT_TRUE(above);
  EXPECT_EQ(above->decisions.size(), 19U);
  EXPECT_TRUE(loadSuggestions(*store)->empty());
}

TEST(Suggestions, SuggestAcceptUndoThroughTheCli) {
  TempDir dir;
  {
    auto store = projectWithImages(dir, 24);
    ASSERT_TRUE(store);
    std::vector<int> truth;
    storeVectors(*store, blobs(2, 12, 5, &truth));
    for (int i = 0; i < 4; ++i) {
      label(*store, i + 1, "ann");
      label(*store, 12 + i + 1, "ben");
    }
  }
  const std::string project = (dir / "p").string();
  auto suggested = test::runWinnow({"suggest", project, "--limit", "0", "--json"}, dir);
  ASSERT_EQ(suggested.exitCode, 0) << suggested.out << suggested.err;
  const auto json = test::parseJson(suggested);
  EXPECT_EQ(json["count"], 16);
  ASSERT_EQ(json["suggestions"].size(), 16U);
  for (const auto& s : json["suggestions"]) {
    EXPECT_EQ(s["label"], s["sample_id"].get<int>() <= 12 ? "ann" : "ben");
  }
  auto text = test::runWinnow({"suggest", project, "--list"}, dir);
  ASSERT_EQ(text.exitCode, 0) << text.err;
  EXPECT_NE(text.out.find("16 stored suggestions"), std::string::npos) << text.out;

  auto some = test::runWinnow({"accept", project, "--ids", "5,6", "--ids", "20", "--json"}, dir);
  ASSERT_EQ(some.exitCode, 0) << some.out << some.err;
  EXPECT_EQ(test::parseJson(some)["accepted_count"], 3);
  EXPECT_EQ(test::parseJson(some)["remaining"], 13);
  auto rest = test::runWinnow({"accept", project, "--all-above", "0.5"}, dir);
  ASSERT_EQ(rest.exitCode, 0) << rest.err;
  EXPECT_NE(rest.out.find("accepted 13 suggestions"), std::string::npos) << rest.out;
  EXPECT_NE(rest.out.find("-n 13"), std::string::npos) << rest.out;
  auto undo = test::runWinnow({"undo", project, "-n", "13"}, dir);
  ASSERT_EQ(undo.exitCode, 0) << undo.err;
  auto samples = test::parseJson(test::runWinnow({"samples", project, "--json"}, dir));
  int labelled = 0;
  for (const auto& s : samples) labelled += s["label"].is_string() && !s["label"].get<std::string>().empty();
  EXPECT_EQ(labelled, 8 + 3);

  auto neither = test::runWinnow({"accept", project}, dir);
  EXPECT_EQ(neither.exitCode, 2);
  auto badIds = test::runWinnow({"accept", project, "--ids", "5,x"}, dir);
  EXPECT_EQ(badIds.exitCode, 2);
  EXPECT_NE(badIds.err.find("'x'"), std::string::npos) << badIds.err;
}

TEST(Suggestions, CliSaysWhatIsMissing) {
  TempDir dir;
  { ASSERT_TRUE(projectWithImages(dir, 6)); }
  const std::string project = (dir / "p").string();
  auto noDescriptors = test::runWinnow({"suggest", project}, dir);
  EXPECT_EQ(noDescriptors.exitCode, 2);  // bad input: InvalidArgument is a usage error
  EXPECT_NE(noDescriptors.err.find("run winnow embed first"), std::string::npos) << noDescriptors.err;
  {
    auto store = store::ProjectStore::open(dir / "p");
    ASSERT_TRUE(store);
    storeVectors(**store, blobs(2, 3, 1));
    label(**store, 1, "ann");
  }
  auto oneClass = test::runWinnow({"suggest", project, "--json"}, dir);
  EXPECT_EQ(oneClass.exitCode, 2);
  EXPECT_NE(oneClass.out.find("at least 2 classes"), std::string::npos) << oneClass.out;
}

// Real descriptors: 12 photos of each of the 24 celeb24 people (face-api landmarks on the crop,
// 128-d descriptor). At the default distance the groups of 5 or more faces are nearly pure and
// cover most faces; the leftovers are small groups and single faces (docs/faces.md: the
// descriptors, not the clustering, limit purity). Naming the largest group of each person and
// taking the suggestions labels the rest mostly right.
TEST(IdentityClusters, Celeb24GroupsArePureAndSuggestionsRight) {
  WINNOW_REQUIRE_TORCH_PLUGINS();
  WINNOW_REQUIRE_SHARED_DATA("faces/celeb24");
  TempDir dir;
  const fs::path folder = dir / "celeb";
  std::map<std::string, std::string> personOfFile;
  for (const auto& person : test::sortedFiles(test::sharedData() / "faces/celeb24")) {
    if (!fs::is_directory(person)) continue;
    const auto files = test::sortedFiles(person);
    for (std::size_t i = 0; i < std::min<std::size_t>(12, files.size()); ++i) {
      const std::string name = person.filename().string() + "_" + files[i].filename().string();
      fs::create_directories(folder);
      fs::copy_file(files[i], folder / name);
      personOfFile[(folder / name).string()] = person.filename().string();
    }
  }
  auto created = store::ProjectStore::create(dir / "p");
  ASSERT_TRUE(created);
  auto& store = **created;
  job::JobContext job(job::ProgressStyle::Silent);
  ingest::IngestOptions options;
  options.root = folder;
  options.layout = ingest::FolderLayout::Flat;
  ASSERT_TRUE(ingest::ingestFolder(store, options, job));
  auto host = test::makeBuiltPluginHost();
  ASSERT_TRUE(faces::runDetect(store, host, {{"detector", "faceapi_whole_face"}, {"threads", 1}}, job));
  ASSERT_TRUE(faces::runEmbed(store, host, {{"detector", "faceapi_whole_face"}}, job));
  auto samples = store.listSamples();
  ASSERT_TRUE(samples);
  std::map<std::int64_t, std::string> truth;
  for (const auto& s : *samples) truth[s.id] = personOfFile.at(s.originalPath);

  auto embeddings = loadEmbeddings(store, "faceapi_recognition", true);
  ASSERT_TRUE(embeddings);
  ASSERT_GE(embeddings->sampleIds.size(), 280U);
  const auto groups = groupByIdentity(*embeddings, kDefaultIdentityDistance);
  std::size_t singletons = 0;
  std::size_t strays = 0;
  std::size_t bigGroups = 0;
  std::size_t facesInBigGroups = 0;
  std::set<std::string> namedPeople;
  std::vector<std::pair<std::vector<std::int64_t>, std::string>> toName;
  for (const auto& group : groups) {
    std::map<std::string, int> counts;
    for (std::int64_t id : group) ++counts[truth.at(id)];
    const auto best = std::max_element(counts.begin(), counts.end(),
                                       [](const auto& a, const auto& b) { return a.second < b.second; });
    strays += group.size() - static_cast<std::size_t>(best->second);
    singletons += group.size() == 1 ? 1 : 0;
    if (group.size() >= 5) {
      ++bigGroups;
      facesInBigGroups += group.size();
      EXPECT_GE(static_cast<double>(best->second) / static_cast<double>(group.size()), 0.9)
          << "group of " << group.size() << " led by " << best->first;
    }
    if (group.size() >= 2 && namedPeople.insert(best->first).second) toName.emplace_back(group, best->first);
  }
  const std::size_t faces = embeddings->sampleIds.size();
  std::cout << "celeb24, 12 per person: " << groups.size() << " groups (" << singletons << " singletons; " << bigGroups
            << " of 5+ faces hold " << facesInBigGroups << " of " << faces << "), " << strays
            << " faces outside their group's majority\n";
  EXPECT_LE(static_cast<double>(strays), 0.05 * static_cast<double>(faces));
  EXPECT_LE(bigGroups, 30U);
  EXPECT_GE(static_cast<double>(facesInBigGroups), 0.6 * static_cast<double>(faces));
  EXPECT_GE(namedPeople.size(), 22U);  // almost every person leads a group of their own

  for (const auto& [group, person] : toName) {
    ASSERT_TRUE(applyDecisionBatch(store, group, "label", person, "test", "named group"));
  }
  auto run = suggestLabels(store, {});
  if (run.ok()) {
    std::size_t right = 0;
    for (const auto& s : run->suggestions) right += s.label == truth.at(s.sampleId) ? 1 : 0;
    std::cout << "suggestions: " << right << " of " << run->suggestions.size() << " right, leave-one-out accuracy "
              << run->looAccuracy << ", mean confidence " << run->looMeanConfidence << ", " << run->seconds << " s\n";
    EXPECT_GE(run->looAccuracy, 0.95);
    EXPECT_NEAR(run->looMeanConfidence, run->looAccuracy, 0.05);  // calibrated on the labelled faces
    EXPECT_LT(run->temperature, 1.0);
    EXPECT_GT(run->temperature, 0.0);
    double meanConfidence = 0.0;
    for (const auto& s : run->suggestions) meanConfidence += s.confidence / static_cast<double>(run->suggestions.size());
    EXPECT_LT(meanConfidence, 0.999);  // never all-certain, even when leave-one-out makes no error
    EXPECT_GE(static_cast<double>(right), 0.75 * static_cast<double>(run->suggestions.size()));
    EXPECT_LT(run->seconds, 5.0);
  } else {
    EXPECT_NE(run.error().message.find("nothing to suggest"), std::string::npos) << run.error().message;
  }
}

}  // namespace
}  // namespace winnow::review
