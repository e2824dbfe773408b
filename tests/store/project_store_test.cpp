#include "store/sqlite_statement.hpp"  // SqlAccess: the test writes fixture rows itself
#include "winnow/store/project_store.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "support/temp_dir.hpp"

namespace winnow::store {
namespace {

using test::TempDir;

SampleRecord makeSample(std::int64_t sourceId, const std::string& hash, const std::string& label) {
  SampleRecord sample;
  sample.contentHash = hash;
  sample.sourceId = sourceId;
  sample.originalPath = "/data/" + hash + ".jpg";
  sample.byteSize = 100;
  sample.width = 32;
  sample.height = 16;
  sample.channels = 3;
  sample.format = "jpeg";
  sample.originalLabel = label;
  sample.label = label;
  return sample;
}

TEST(ProjectStore, CreatesWithWalForeignKeysAndLatestSchema) {
  TempDir dir;
  auto store = ProjectStore::create(dir / "p");
  ASSERT_TRUE(store) << store.error().message;
  EXPECT_EQ((*store)->schemaVersion(), ProjectStore::kSchemaVersion);
  EXPECT_TRUE(std::filesystem::exists(dir / "p/winnow.db"));
  // Foreign keys are enforced: a sample with an unknown source is refused.
  auto bad = (*store)->insertSample(makeSample(999, "h1", "a"));
  EXPECT_FALSE(bad);
  // Creating twice is refused; opening works.
  EXPECT_FALSE(ProjectStore::create(dir / "p"));
  store->reset();
  auto reopened = ProjectStore::open(dir / "p");
  ASSERT_TRUE(reopened) << reopened.error().message;
}

TEST(ProjectStore, RefusesMissingAndForeignDatabases) {
  TempDir dir;
  auto missing = ProjectStore::open(dir / "nothing");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("not a winnow project"), std::string::npos);

  std::filesystem::create_directories(dir / "junk");
  std::ofstream(dir / "junk/winnow.db") << "this is not sqlite at all, just some text padding......";
  auto junk = ProjectStore::open(dir / "junk");
  ASSERT_FALSE(junk);
  EXPECT_NE(junk.error().message.find("winnow.db"), std::string::npos);
}

TEST(ProjectStore, DecisionsAreRecordedAndUndoneNewestFirst) {
  TempDir dir;
  auto created = ProjectStore::create(dir / "p");
  ASSERT_TRUE(created);
  ProjectStore& store = **created;
  auto source = store.upsertSource("s", "/data", "class_folders");
  ASSERT_TRUE(source);
  auto a = store.insertSample(makeSample(*source, "ha", "cat"));
  auto b = store.insertSample(makeSample(*source, "hb", "dog"));
  ASSERT_TRUE(a && b);

  ASSERT_TRUE(store.applyDecision(*a, "label", std::string("dog"), "user:test", "looks like a dog"));
  ASSERT_TRUE(store.applyDecision(*b, "status", std::string("rejected"), "user:test", "blurry"));
  ASSERT_TRUE(store.applyDecision(*a, "split", std::string("test"), "user:test", "held out"));
  // Same value again: no decision.
  ASSERT_TRUE(store.applyDecision(*a, "split", std::string("test"), "user:test", "again"));
  auto decisions = store.listDecisions();
  ASSERT_TRUE(decisions);
  ASSERT_EQ(decisions->size(), 3u);
  EXPECT_EQ((*decisions)[0].field, "split");
  EXPECT_EQ((*decisions)[2].reason, "looks like a dog");
  // Bad field and bad split value are refused and change nothing.
  EXPECT_FALSE(store.applyDecision(*a, "content_hash", std::string("x"), "user:test", ""));
  EXPECT_FALSE(store.applyDecision(*a, "split", std::string("bogus"), "user:test", ""));
  EXPECT_EQ(store.getSample(*a)->split, "test");

  auto undone = store.undoLast(2, "user:test");
  ASSERT_TRUE(undone) << undone.error().message;
  ASSERT_EQ(undone->size(), 2u);
  EXPECT_EQ(store.getSample(*a)->split, "");
  EXPECT_EQ(store.getSample(*b)->status, kStatusActive);
  EXPECT_EQ(store.getSample(*a)->label.value_or(""), "dog");
  // Undo records are decisions too, but are never themselves undone by a later undo.
  auto last = store.undoLast(5, "user:test");
  ASSERT_TRUE(last);
  ASSERT_EQ(last->size(), 1u);
  EXPECT_EQ(store.getSample(*a)->label.value_or(""), "cat");
  auto none = store.undoLast(1, "user:test");
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
}

// One undo for the CLI (undoLast) and the workbench (undoDecisions): neither overwrites a change
// made after the decision, and a refused undo changes nothing.
TEST(ProjectStore, UndoRefusesASampleChangedAfterTheDecisionForEveryCaller) {
  TempDir dir;
  auto created = ProjectStore::create(dir / "p");
  ASSERT_TRUE(created);
  ProjectStore& store = **created;
  auto source = store.upsertSource("s", "/data", "class_folders");
  ASSERT_TRUE(source);
  auto a = store.insertSample(makeSample(*source, "ha", "cat"));
  auto b = store.insertSample(makeSample(*source, "hb", "cat"));
  ASSERT_TRUE(a && b);
  auto applied = store.applyDecisions({*a, *b}, "label", std::string("dog"), "user:test", "batch");
  ASSERT_TRUE(applied) << applied.error().message;
  ASSERT_EQ(applied->size(), 2U);
  EXPECT_EQ((*applied)[0].oldValue.value_or(""), "cat");
  // A change that wrote no decision (another tool, an older winnow) after the batch.
  ASSERT_TRUE(winnow::store::SqlAccess::execute(store, "UPDATE samples SET label='fox' WHERE id=" + std::to_string(*b)));
  auto cli = store.undoLast(2, "user:cli");
  ASSERT_FALSE(cli);
  EXPECT_NE(cli.error().message.find("sample " + std::to_string(*b) + " label was changed after decision"), std::string::npos)
      << cli.error().message;
  auto reviewer = store.undoDecisions({(*applied)[0].id, (*applied)[1].id}, "workbench");
  ASSERT_FALSE(reviewer);
  // Nothing changed: a is still dog, no decision was marked undone.
  EXPECT_EQ(store.getSample(*a)->label.value_or(""), "dog");
  auto decisions = store.listDecisions();
  ASSERT_TRUE(decisions);
  for (const auto& decision : *decisions) EXPECT_FALSE(decision.undone);
  // The unchanged sample's decision alone can be undone; an undo record cannot.
  auto one = store.undoDecisions({(*applied)[0].id}, "workbench");
  ASSERT_TRUE(one) << one.error().message;
  EXPECT_EQ(store.getSample(*a)->label.value_or(""), "cat");
  auto latest = store.listDecisions(1);
  ASSERT_TRUE(latest && latest->size() == 1U);
  auto undoOfUndo = store.undoDecisions({(*latest)[0].id}, "workbench");
  ASSERT_FALSE(undoOfUndo);
  EXPECT_NE(undoOfUndo.error().message.find("itself an undo"), std::string::npos) << undoOfUndo.error().message;
}

TEST(ProjectStore, StatsCountByClassSourceSplitStatusAndDuplicates) {
  TempDir dir;
  auto created = ProjectStore::create(dir / "p");
  ASSERT_TRUE(created);
  ProjectStore& store = **created;
  auto s1 = store.upsertSource("one", "/1", "flat");
  auto s2 = store.upsertSource("two", "/2", "flat");
  ASSERT_TRUE(s1 && s2);
  auto a = store.insertSample(makeSample(*s1, "h1", "cat"));
  ASSERT_TRUE(a);
  ASSERT_TRUE(store.insertSample(makeSample(*s1, "h2", "dog")));
  ASSERT_TRUE(store.insertSample(makeSample(*s2, "h3", "dog")));
  // Same content hash twice is refused by the schema.
  EXPECT_FALSE(store.insertSample(makeSample(*s2, "h3", "dog")));
  DuplicateRecord duplicate;
  duplicate.sampleId = *a;
  duplicate.sourceId = *s2;
  duplicate.path = "/2/copy.jpg";
  duplicate.contentHash = "h1";
  ASSERT_TRUE(store.recordDuplicate(duplicate));
  ASSERT_TRUE(store.recordBadFile(std::nullopt, "/2/bad.jpg", "truncated"));
  ASSERT_TRUE(store.applyDecision(*a, "status", std::string("rejected"), "user:test", "x"));

  auto stats = store.stats();
  ASSERT_TRUE(stats);
  EXPECT_EQ(stats->samples, 3);
  EXPECT_EQ(stats->activeSamples, 2);
  EXPECT_EQ(stats->duplicates, 1);
  EXPECT_EQ(stats->badFiles, 1);
  ASSERT_EQ(stats->byLabel.size(), 1u);
  EXPECT_EQ(stats->byLabel[0].key, "dog");
  EXPECT_EQ(stats->byLabel[0].count, 2);
  EXPECT_EQ(stats->labelBySource["dog"]["two"], 1);
}

TEST(ProjectStore, RunsRecordCommandParametersAndOutcome) {
  TempDir dir;
  auto created = ProjectStore::create(dir / "p");
  ASSERT_TRUE(created);
  auto run = (*created)->beginRun("ingest", R"(["p","folder"])");
  ASSERT_TRUE(run);
  ASSERT_TRUE((*created)->finishRun(*run, "ok", R"({"added":3})"));
  auto runs = (*created)->listRuns();
  ASSERT_TRUE(runs);
  ASSERT_EQ(runs->size(), 1u);
  EXPECT_EQ((*runs)[0].outcome, "ok");
  EXPECT_EQ((*runs)[0].summaryJson, R"({"added":3})");
  EXPECT_FALSE((*created)->finishRun(*run, "exploded", "{}"));  // outcome is constrained
}

}  // namespace
}  // namespace winnow::store
