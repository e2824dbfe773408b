// The `winnow` command on splits that say what they did (issue 12, sections 3 and 4): a shipped
// train/test tree trains and evaluates without a manual split, --ratios usage errors, the
// missing-class warning, augmented children kept out of evaluation (and flagged in the HDF5
// file), and the export naming the samples left out for lack of a face crop. Fixtures are made in
// temp folders from ../shared/data (symlinks); nothing is committed.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "store/sqlite_statement.hpp"  // SqlAccess: the test writes fixture rows itself
#include "support/cli_runner.hpp"
#include "support/temp_dir.hpp"
#include "winnow/store/project_store.hpp"

namespace winnow {
namespace {

namespace fs = std::filesystem;
using test::sharedData;
using test::TempDir;

using test::CommandResult;
using test::parseJson;
using test::quote;
using test::runCommand;
using test::runWinnow;

int lineCount(const std::string& text) {
  int lines = 0;
  for (char c : text) lines += c == '\n';
  return lines;
}

// Symlinks `count` files (sorted by name, from `skip` on) of `from` into `to`.
void linkFiles(const fs::path& from, const fs::path& to, int skip, int count) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(from)) files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  fs::create_directories(to);
  for (int i = skip; i < skip + count && i < static_cast<int>(files.size()); ++i) {
    fs::create_symlink(files[static_cast<std::size_t>(i)], to / files[static_cast<std::size_t>(i)].filename());
  }
}

std::map<std::int64_t, store::SampleRecord> samplesById(const fs::path& project) {
  std::map<std::int64_t, store::SampleRecord> result;
  auto opened = store::ProjectStore::open(project);
  EXPECT_TRUE(opened.ok()) << opened.error().message;
  if (!opened) return result;
  auto all = (*opened)->listSamples();
  EXPECT_TRUE(all.ok());
  for (auto& sample : *all) result.emplace(sample.id, std::move(sample));
  return result;
}

// Must-show 1: a train/<person>, test/<person> tree made from celeb24; `split` with defaults keeps
// the shipped test split, carves val from train; export, train and evaluate need nothing else.
TEST(SplitCli, ShippedTrainTestTreeTrainsAndEvaluatesWithoutAManualSplit) {
  WINNOW_REQUIRE_TORCH_PLUGINS();
  const fs::path celeb = sharedData() / "faces/celeb24";
  if (!fs::exists(celeb)) GTEST_SKIP() << "../shared/data not present";
  TempDir dir("winnow-shipped-cli");
  const std::vector<std::string> people = {"Barack_Obama", "Daniel_Radcliffe", "Drew_Barrymore", "Hugh_Jackman"};
  for (const auto& person : people) {
    linkFiles(celeb / person, dir / ("data/train/" + person), 0, 20);
    linkFiles(celeb / person, dir / ("data/test/" + person), 20, 6);
  }
  const std::string project = (dir / "p").string();
  ASSERT_EQ(runWinnow({"init", project}, dir).exitCode, 0);
  auto ingested = runWinnow({"ingest", project, (dir / "data").string(), "--source", "celeb", "--json"}, dir);
  ASSERT_EQ(ingested.exitCode, 0) << ingested.err;

  auto split = runWinnow({"split", project}, dir);
  ASSERT_EQ(split.exitCode, 0) << split.err;
  EXPECT_NE(split.out.find("note: kept the shipped split (train "), std::string::npos) << split.out;
  EXPECT_NE(split.out.find("carved from shipped train"), std::string::npos) << split.out;
  EXPECT_NE(split.out.find("\nverified: "), std::string::npos) << split.out;
  const auto samples = samplesById(project);
  ASSERT_EQ(samples.size(), people.size() * 26);
  std::map<std::string, std::map<std::string, int>> byShipped;  // shipped -> split -> count
  std::map<std::string, std::map<std::string, int>> byClass;    // class -> split -> count
  for (const auto& [id, sample] : samples) {
    ++byShipped[sample.originalSplit][sample.split];
    ++byClass[*sample.label][sample.split];
    if (sample.originalSplit == "test") {
      EXPECT_EQ(sample.split, "test") << sample.originalPath;
    }
    if (sample.split == "test") {
      EXPECT_EQ(sample.originalSplit, "test") << sample.originalPath;
    }
  }
  EXPECT_EQ(byShipped["test"]["test"], 24);
  EXPECT_EQ(byShipped["train"]["train"] + byShipped["train"]["val"], 80);
  EXPECT_NEAR(byShipped["train"]["val"], 80 * 15 / 85, 3);  // 15 / (70 + 15) of shipped train
  for (const auto& person : people) {
    EXPECT_GE(byClass[person]["val"], 2) << person;  // stratified
    EXPECT_EQ(byClass[person]["test"], 6) << person;
  }
  std::cout << "[ shipped  ] train " << byShipped["train"]["train"] << ", val (carved) " << byShipped["train"]["val"]
            << ", test (shipped) " << byShipped["test"]["test"] << "\n";

  const fs::path h5 = dir / "out/celeb.h5";
  auto exported = runWinnow({"export", project, "--format", "hdf5", "--output", h5.string(), "-p", "image_size=32"}, dir);
  ASSERT_EQ(exported.exitCode, 0) << exported.err;
  EXPECT_NE(exported.out.find("(test 6, train "), std::string::npos) << exported.out;
  auto trained = runWinnow({"train", h5.string(), "-o", (dir / "run").string(), "-p", "backbone=small_cnn", "-p",
                            "epochs=2", "-p", "batch_size=16", "-p", "input_size=32", "-p", "threads=1"},
                           dir);
  ASSERT_EQ(trained.exitCode, 0) << trained.out << trained.err;
  ASSERT_TRUE(fs::exists(dir / "run/model.h5"));
  auto evaluated = runWinnow({"evaluate", (dir / "run/model.h5").string(), h5.string(), "-o", (dir / "eval").string(),
                              "--split", "test", "--json"},
                             dir);
  ASSERT_EQ(evaluated.exitCode, 0) << evaluated.out << evaluated.err;
  EXPECT_TRUE(fs::exists(dir / "eval/report.json"));
}

// --ratios: exactly three non-negative numbers summing to 100 (or 1); else one line, exit 2.
TEST(SplitCli, RatiosMustBeCompleteAndValid) {
  if (!fs::exists(sharedData() / "realfake/hard")) GTEST_SKIP() << "../shared/data not present";
  TempDir dir("winnow-ratios-cli");
  linkFiles(sharedData() / "realfake/hard/real", dir / "data/real", 0, 10);
  linkFiles(sharedData() / "realfake/hard/fake", dir / "data/fake", 0, 10);
  const std::string project = (dir / "p").string();
  ASSERT_EQ(runWinnow({"init", project}, dir).exitCode, 0);
  ASSERT_EQ(runWinnow({"ingest", project, (dir / "data").string()}, dir).exitCode, 0);
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"70,15", "expected 3 numbers train,val,test"},
      {"70,20,20", "sums to 110"},
      {"80,-5,25", "-5 is not a non-negative number"},
      {"70,x,15", "'x' in '70,x,15' is not a number"}};
  for (const auto& [ratios, message] : cases) {
    auto result = runWinnow({"split", project, "--ratios", ratios}, dir);
    EXPECT_EQ(result.exitCode, 2) << ratios << ": " << result.out << result.err;
    EXPECT_NE(result.err.find(message), std::string::npos) << ratios << ": " << result.err;
    EXPECT_EQ(lineCount(result.err), 1) << result.err;
  }
  EXPECT_EQ(runWinnow({"split", project, "--ratios", "0.8,0,0.2"}, dir).exitCode, 0);
}

// A class with no samples in val or test: WARNING in text and --json, never a plain "verified".
TEST(SplitCli, ClassMissingFromASplitIsAWarningNotVerified) {
  if (!fs::exists(sharedData() / "realfake/hard")) GTEST_SKIP() << "../shared/data not present";
  TempDir dir("winnow-missing-class-cli");
  linkFiles(sharedData() / "realfake/hard/real", dir / "data/real", 0, 40);
  linkFiles(sharedData() / "realfake/hard/fake", dir / "data/fake", 0, 2);
  const std::string project = (dir / "p").string();
  ASSERT_EQ(runWinnow({"init", project}, dir).exitCode, 0);
  ASSERT_EQ(runWinnow({"ingest", project, (dir / "data").string()}, dir).exitCode, 0);
  auto text = runWinnow({"split", project}, dir);
  EXPECT_EQ(text.exitCode, 0) << text.err;  // the split is written and leak-free: exit 0
  EXPECT_NE(text.out.find("WARNING: class 'fake' (2 samples) has no samples in "), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("verified with "), std::string::npos) << text.out;
  EXPECT_EQ(text.out.find("\nverified: "), std::string::npos) << text.out;
  auto json = parseJson(runWinnow({"split", project, "--json"}, dir));
  ASSERT_FALSE(json["warnings"].empty());
  EXPECT_EQ(json["result"], "verified_with_warnings");
}

// Balance before any split (default scope) then split: augmented children only in train; the
// HDF5 file flags them (/augmented, /provenance/parent_sample_id), read back with h5py.
TEST(SplitCli, BalanceDefaultKeepsAugmentedImagesOutOfEvaluation) {
  if (!fs::exists(sharedData() / "realfake/hard")) GTEST_SKIP() << "../shared/data not present";
  TempDir dir("winnow-augmented-cli");
  linkFiles(sharedData() / "realfake/hard/real", dir / "data/real", 0, 60);
  linkFiles(sharedData() / "realfake/hard/fake", dir / "data/fake", 0, 20);
  const std::string project = (dir / "p").string();
  ASSERT_EQ(runWinnow({"init", project}, dir).exitCode, 0);
  ASSERT_EQ(runWinnow({"ingest", project, (dir / "data").string()}, dir).exitCode, 0);
  auto balanced = runWinnow({"balance", project, "-p", "target=largest", "--seed", "3"}, dir);
  ASSERT_EQ(balanced.exitCode, 0) << balanced.out << balanced.err;
  EXPECT_NE(balanced.out.find("note: no split yet: balanced all 80"), std::string::npos) << balanced.out;
  auto split = runWinnow({"split", project, "--json"}, dir);
  ASSERT_EQ(split.exitCode, 0) << split.err;
  const auto summary = parseJson(split);
  EXPECT_EQ(summary["augmented"]["in_val_test"], 0);
  EXPECT_EQ(summary["augmented"]["in_train"].get<int>() + summary["augmented"]["set_aside"].get<int>(), 40);

  {
    auto opened = store::ProjectStore::open(project);
    ASSERT_TRUE(opened.ok());
    auto all = (*opened)->listSamples();
    ASSERT_TRUE(all.ok());
    for (const auto& sample : *all) {
      if (sample.format != "augmented" || sample.status != store::kStatusActive) continue;
      EXPECT_EQ(sample.split, "train") << sample.id;
    }
  }

  const fs::path h5 = dir / "out/balanced.h5";
  auto exported = runWinnow({"export", project, "--format", "hdf5", "--output", h5.string(), "-p", "image_size=16"}, dir);
  ASSERT_EQ(exported.exitCode, 0) << exported.err;
  EXPECT_NE(exported.out.find(" of the rows are augmented (synthetic) children"), std::string::npos) << exported.out;
  EXPECT_EQ(exported.out.find("WARNING"), std::string::npos) << exported.out;
  // h5py, as docs/hdf5-layout.md shows: per split, rows and augmented rows; parents are real rows.
  std::ofstream(dir / "read.py") <<
      "import h5py,json,sys\n"
      "f=h5py.File(sys.argv[1],'r')\n"
      "aug=f['augmented'][:]; parent=f['provenance/parent_sample_id'][:]; ids=f['provenance/sample_id'][:]\n"
      "split=f['split'][:]\n"
      "print(json.dumps({'rows':len(aug),'augmented':int(aug.sum()),\n"
      "  'augmented_by_split':{str(s):int(((split==s)&(aug==1)).sum()) for s in (1,2,3)},\n"
      "  'parents_ok':bool(all((parent[aug==1]>=0))) and bool(all(parent[aug==0]==-1)),\n"
      "  'parents':{int(i):int(p) for i,p in zip(ids,parent) if p>=0},\n"
      "  'real_rows':int((aug==0).sum())}))\n";
  auto read = runCommand("/usr/bin/python3 " + quote((dir / "read.py").string()) + " " + quote(h5.string()), dir);
  ASSERT_EQ(read.exitCode, 0) << read.err;
  const auto back = nlohmann::json::parse(read.out);
  EXPECT_EQ(back["augmented"], summary["augmented"]["in_train"]);
  EXPECT_EQ(back["augmented_by_split"]["2"], 0);
  EXPECT_EQ(back["augmented_by_split"]["3"], 0);
  EXPECT_TRUE(back["parents_ok"].get<bool>());
  // Each parent id is the child's lineage parent in the store.
  auto opened = store::ProjectStore::open(project);
  ASSERT_TRUE(opened.ok());
  for (const auto& [child, parent] : back["parents"].items()) {
    auto record = (*opened)->getSample(std::stoll(child));
    ASSERT_TRUE(record.ok());
    EXPECT_EQ(record->format, "augmented");
    auto parentRecord = (*opened)->getSample(parent.get<std::int64_t>());
    ASSERT_TRUE(parentRecord.ok());
    EXPECT_EQ(parentRecord->originalPath, record->originalPath);  // a child keeps its parent's path
    EXPECT_EQ(parentRecord->split, "train");
  }
  std::cout << "[ augmented] " << back["augmented"] << " augmented rows, all in train; " << back["real_rows"]
            << " real rows; " << summary["augmented"]["set_aside"] << " children set aside\n";
}

// Export with --face-crops: the text names, per class and split, the samples left out, and
// warns when a class vanishes from a split.
TEST(SplitCli, FaceCropExportNamesOmissionsPerClassAndSplit) {
  if (!fs::exists(sharedData() / "realfake/hard")) GTEST_SKIP() << "../shared/data not present";
  TempDir dir("winnow-facecrops-cli");
  linkFiles(sharedData() / "realfake/hard/real", dir / "data/real", 0, 20);
  linkFiles(sharedData() / "realfake/hard/fake", dir / "data/fake", 0, 20);
  const std::string project = (dir / "p").string();
  ASSERT_EQ(runWinnow({"init", project}, dir).exitCode, 0);
  ASSERT_EQ(runWinnow({"ingest", project, (dir / "data").string()}, dir).exitCode, 0);
  ASSERT_EQ(runWinnow({"split", project, "--seed", "1"}, dir).exitCode, 0);
  // Planted crops (the picture itself) for every sample but the fake ones in test and 2 in train.
  std::map<std::string, int> leftOut;
  {
    auto opened = store::ProjectStore::open(project);
    ASSERT_TRUE(opened.ok());
    store::ProjectStore& store = **opened;
    fs::create_directories(fs::path(project) / "crops/planted");
    auto all = store.listSamples();
    ASSERT_TRUE(all.ok());
    int fakeTrainSkipped = 0;
    for (const auto& sample : *all) {
      const bool skip = *sample.label == "fake" && (sample.split == "test" || (sample.split == "train" && fakeTrainSkipped++ < 2));
      // What `winnow detect` and `winnow crops` record: a face count per detector, no_face flags.
      ASSERT_TRUE(winnow::store::SqlAccess::execute(store, "INSERT INTO sample_measures(sample_id, name, value) VALUES(" + std::to_string(sample.id) +
                                ", 'face_count:planted', " + (skip ? "0" : "1") + ")")
                      .ok());
      if (skip) {
        ASSERT_TRUE(winnow::store::SqlAccess::execute(store, "INSERT INTO sample_flags(sample_id, flag, value, threshold) VALUES(" +
                                  std::to_string(sample.id) + ", 'no_face', 0, 1)")
                        .ok());
        ++leftOut[sample.split];
        continue;
      }
      const std::string relative = "crops/planted/" + std::to_string(sample.id) + ".jpg";
      fs::copy_file(sample.originalPath, fs::path(project) / relative);
      ASSERT_TRUE(winnow::store::SqlAccess::execute(store, "INSERT INTO face_crops(sample_id, detector, face_index, path, width, height, "
                                "centre_x, centre_y, side_x, side_y, angle_degrees, params_json, created_at) VALUES(" +
                                std::to_string(sample.id) + ", 'planted', 0, '" + relative +
                                "', 300, 300, 150, 150, 300, 300, 0, '{}', 'now')")
                      .ok());
    }
  }
  ASSERT_GT(leftOut["test"], 0);
  const fs::path h5 = dir / "out/crops.h5";
  auto exported = runWinnow({"export", project, "--output", h5.string(), "-p", "image_size=16", "--face-crops", "planted"}, dir);
  ASSERT_EQ(exported.exitCode, 0) << exported.err;
  const std::string expected = "  fake: test " + std::to_string(leftOut["test"]) + ", train 2\n";
  EXPECT_NE(exported.out.find("left out " + std::to_string(leftOut["test"] + 2) +
                              " samples without a face crop of detector 'planted'"),
            std::string::npos)
      << exported.out;
  EXPECT_NE(exported.out.find(expected), std::string::npos) << exported.out;
  EXPECT_NE(exported.out.find("WARNING: class 'fake' vanished from split test"), std::string::npos) << exported.out;
  auto json = parseJson(runWinnow({"export", project, "--output", h5.string(), "-p", "image_size=16", "--face-crops",
                                   "planted", "--json", "--overwrite"}, dir));
  EXPECT_EQ(json["skipped_no_face_crop_by_class"]["fake"]["test"], leftOut["test"]);
  EXPECT_FALSE(json["warnings"].empty());

  // Split accounting for the crops: the samples without one are unassigned, and every class is
  // in every split again (no vanishing, no warning).
  auto resplit = runWinnow({"split", project, "--face-crops", "planted"}, dir);
  ASSERT_EQ(resplit.exitCode, 0) << resplit.err;
  EXPECT_NE(resplit.out.find("without a face crop of detector 'planted' left unassigned"), std::string::npos)
      << resplit.out;
  auto again = runWinnow({"export", project, "--output", h5.string(), "-p", "image_size=16", "--face-crops", "planted",
                          "--overwrite"}, dir);
  ASSERT_EQ(again.exitCode, 0) << again.err;
  EXPECT_NE(again.out.find("  fake: unassigned " + std::to_string(leftOut["test"] + 2) + "\n"), std::string::npos)
      << again.out;
  EXPECT_EQ(again.out.find("WARNING"), std::string::npos) << again.out;
  std::cout << "[ crops    ] " << exported.out;
}

}  // namespace
}  // namespace winnow
