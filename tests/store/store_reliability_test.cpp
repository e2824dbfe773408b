// Reliability of the store (issue 16.6): runs left "running" by a process that died are marked
// interrupted when the store is next opened, and a store with damaged pages is refused at open
// with one clear line instead of answering queries from broken pages.
#include "store/sqlite_statement.hpp"  // SqlAccess: the test writes fixture rows itself
#include "winnow/store/project_store.hpp"

#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <random>

#include "support/temp_dir.hpp"

namespace winnow::store {
namespace {

namespace fs = std::filesystem;
using test::TempDir;

// Begins a run in a child process that then dies without finishing it (as kill -9 would).
// The child is reaped only when `reap` (an unreaped child is a zombie: dead, but its pid exists).
pid_t beginRunInDyingChild(const fs::path& project, bool reap) {
  const pid_t child = ::fork();
  if (child == 0) {
    auto store = ProjectStore::open(project);
    if (store) (void)(*store)->beginRun("ingest", R"(["p","folder"])");
    ::_exit(store ? 0 : 1);
  }
  if (reap) {
    int status = 0;
    ::waitpid(child, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  } else {
    // Wait until it is gone but leave it unreaped.
    for (int i = 0; i < 500 && ::kill(child, 0) == 0; ++i) {
      std::ifstream stat("/proc/" + std::to_string(child) + "/stat");
      std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
      if (text.find(") Z") != std::string::npos) break;
      ::usleep(10'000);
    }
  }
  return child;
}

const RunRecord* findRun(const std::vector<RunRecord>& runs, std::int64_t id) {
  for (const auto& run : runs) {
    if (run.id == id) return &run;
  }
  return nullptr;
}

TEST(StoreReliability, RunsOfDeadProcessesAreMarkedInterruptedOnOpen) {
  TempDir dir;
  const fs::path project = dir / "p";
  ASSERT_TRUE(ProjectStore::create(project));
  beginRunInDyingChild(project, /*reap=*/true);
  const pid_t zombie = beginRunInDyingChild(project, /*reap=*/false);

  auto store = ProjectStore::open(project);
  ASSERT_TRUE(store) << store.error().message;
  // Our own run: this process is alive, so it stays running.
  auto mine = (*store)->beginRun("label", "[]");
  ASSERT_TRUE(mine);
  auto runs = (*store)->listRuns();
  ASSERT_TRUE(runs);
  ASSERT_EQ(runs->size(), 3U);
  for (std::int64_t id : {1, 2}) {
    const RunRecord* run = findRun(*runs, id);
    ASSERT_NE(run, nullptr);
    EXPECT_EQ(run->outcome, "interrupted") << "run " << id << ": " << run->summaryJson;
    EXPECT_FALSE(run->finishedAt.empty());
    EXPECT_NE(run->summaryJson.find("killed or crashed"), std::string::npos) << run->summaryJson;
  }
  EXPECT_EQ(findRun(*runs, *mine)->outcome, "running");
  auto again = (*store)->markInterruptedRuns();
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, 0);
  int status = 0;
  ::waitpid(zombie, &status, 0);
}

TEST(StoreReliability, RunsOfOtherHostsAndOldRowsAreLeftAlone) {
  TempDir dir;
  auto store = ProjectStore::create(dir / "p");
  ASSERT_TRUE(store);
  auto other = (*store)->beginRun("ingest", "[]");
  auto old = (*store)->beginRun("ingest", "[]");
  ASSERT_TRUE(other && old);
  ASSERT_TRUE(winnow::store::SqlAccess::execute(*(*store), "UPDATE runs SET summary_json='{\"pid\":999999999,\"host\":\"elsewhere\"}' WHERE id=" +
                                std::to_string(*other)));
  ASSERT_TRUE(winnow::store::SqlAccess::execute(*(*store), "UPDATE runs SET summary_json=NULL WHERE id=" + std::to_string(*old)));
  auto marked = (*store)->markInterruptedRuns();
  ASSERT_TRUE(marked);
  EXPECT_EQ(*marked, 0);
  // A finished run keeps its outcome and summary.
  ASSERT_TRUE((*store)->finishRun(*old, "ok", R"({"added":3})"));
  auto runs = (*store)->listRuns();
  ASSERT_TRUE(runs);
  EXPECT_EQ(findRun(*runs, *other)->outcome, "running");
  EXPECT_EQ(findRun(*runs, *old)->outcome, "ok");
  EXPECT_EQ(findRun(*runs, *old)->summaryJson, R"({"added":3})");
}

// A store with a few thousand rows, closed (so its WAL is checkpointed into winnow.db).
void makeStoreWithRows(const fs::path& project) {
  auto store = ProjectStore::create(project);
  ASSERT_TRUE(store);
  auto source = (*store)->upsertSource("s", "/data", "class_folders");
  ASSERT_TRUE(source);
  auto transaction = (*store)->beginTransaction();
  ASSERT_TRUE(transaction);
  for (int i = 0; i < 3000; ++i) {
    SampleRecord sample;
    sample.contentHash = "xxh128:" + std::to_string(1'000'000 + i) + std::string(24, 'a');
    sample.sourceId = *source;
    sample.originalPath = "/data/some/longer/folder/name/image_" + std::to_string(i) + ".jpg";
    sample.byteSize = 1000 + i;
    sample.width = 32;
    sample.height = 32;
    sample.channels = 3;
    sample.format = "jpeg";
    sample.originalLabel = i % 2 ? "cat" : "dog";
    sample.label = sample.originalLabel;
    ASSERT_TRUE((*store)->insertSample(sample));
  }
  ASSERT_TRUE(transaction->commit());
}

// Overwrites `pages` whole pages in the middle of the file with random bytes.
void damageMiddlePages(const fs::path& database, int pages, unsigned seed) {
  const auto size = fs::file_size(database);
  constexpr std::uintmax_t kPage = 4096;
  ASSERT_GT(size, kPage * 8);
  std::fstream file(database, std::ios::in | std::ios::out | std::ios::binary);
  std::mt19937 random(seed);
  file.seekp(static_cast<std::streamoff>((size / kPage / 2) * kPage));
  for (std::uintmax_t i = 0; i < kPage * static_cast<std::uintmax_t>(pages); ++i) {
    file.put(static_cast<char>(random() & 0xff));
  }
}

TEST(StoreReliability, DamagedPagesAreRefusedAtOpenWithOneClearLine) {
  TempDir dir;
  const fs::path project = dir / "p";
  makeStoreWithRows(project);
  {
    auto clean = ProjectStore::open(project);
    ASSERT_TRUE(clean) << clean.error().message;
    auto report = (*clean)->checkIntegrity();
    ASSERT_TRUE(report);
    EXPECT_TRUE(report->ok);
    EXPECT_TRUE(report->problems.empty());
  }
  damageMiddlePages(project / "winnow.db", 2, 16);
  auto opened = ProjectStore::open(project);
  ASSERT_FALSE(opened) << "a store with random pages opened silently";
  const std::string message = opened.error().message;
  EXPECT_NE(message.find((project / "winnow.db").string() + ": database is corrupt ("), std::string::npos) << message;
  EXPECT_NE(message.find("winnow check"), std::string::npos) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;

  // Inspect mode opens it anyway, for the full report.
  auto inspected = ProjectStore::open(project, OpenMode::Inspect);
  ASSERT_TRUE(inspected) << inspected.error().message;
  auto report = (*inspected)->checkIntegrity();
  ASSERT_TRUE(report);
  EXPECT_FALSE(report->ok);
  EXPECT_FALSE(report->problems.empty());
}

}  // namespace
}  // namespace winnow::store
