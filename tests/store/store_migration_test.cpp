// The store's schema versions: every older version opens and is upgraded with its rows kept, a
// newer one is refused, and an empty (0-byte) database file is an error, not a new project.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>

#include "store/migrations.hpp"
#include "support/temp_dir.hpp"
#include "winnow/store/project_store.hpp"

namespace fs = std::filesystem;

namespace winnow::store {
namespace {

// A project folder whose database stands at `version`, written the way winnow `version` wrote it
// (migrations 1..version), holding one source and one labelled sample.
void writeProjectAtVersion(const fs::path& dir, int version) {
  fs::create_directories(dir);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir / "winnow.db").c_str(), &db), SQLITE_OK);
  std::string sql = "BEGIN;";
  for (int v = 1; v <= version; ++v) sql += std::string(schemaMigrations()[static_cast<std::size_t>(v - 1)]) + "\n";
  sql += "PRAGMA user_version=" + std::to_string(version) + ";";
  sql += "INSERT INTO sources(name, root_path, kind, created_at) VALUES('old', '/data/old', 'folder', '2025-01-01T00:00:00Z');";
  sql += "INSERT INTO samples(content_hash, source_id, original_path, byte_size, width, height, channels, format, "
         "original_label, label, created_at) VALUES('h-old', 1, '/data/old/a.jpg', 100, 32, 16, 3, 'jpeg', 'cat', 'cat', "
         "'2025-01-01T00:00:00Z');";
  sql += "COMMIT;";
  char* message = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message);
  EXPECT_EQ(rc, SQLITE_OK) << (message ? message : "");
  sqlite3_free(message);
  sqlite3_close(db);
}

TEST(StoreMigration, EveryOlderSchemaVersionOpensUpgradedWithItsRows) {
  const int latest = static_cast<int>(schemaMigrations().size());
  ASSERT_EQ(latest, ProjectStore::kSchemaVersion);
  for (int version = 1; version < latest; ++version) {
    test::TempDir dir("store-migration");
    writeProjectAtVersion(dir / "p", version);
    auto store = ProjectStore::open(dir / "p");
    ASSERT_TRUE(store) << "version " << version << ": " << store.error().message;
    EXPECT_EQ((*store)->schemaVersion(), latest) << "from version " << version;
    auto samples = (*store)->listSamples();
    ASSERT_TRUE(samples) << samples.error().message;
    ASSERT_EQ(samples->size(), 1U) << "from version " << version;
    EXPECT_EQ((*samples)[0].label, "cat");
    EXPECT_EQ((*samples)[0].originalPath, "/data/old/a.jpg");
    // The upgraded store takes new rows through today's code.
    SampleRecord sample = (*samples)[0];
    sample.contentHash = "h-new";
    sample.originalPath = "/data/old/b.jpg";
    EXPECT_TRUE((*store)->insertSample(sample)) << "from version " << version;
  }
}

TEST(StoreMigration, ANewerSchemaVersionIsRefusedAndLeftAsItIs) {
  test::TempDir dir("store-newer");
  writeProjectAtVersion(dir / "p", ProjectStore::kSchemaVersion);
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((dir / "p" / "winnow.db").c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, ("PRAGMA user_version=" + std::to_string(ProjectStore::kSchemaVersion + 1)).c_str(), nullptr,
                           nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
  }
  auto store = ProjectStore::open(dir / "p");
  ASSERT_FALSE(store);
  EXPECT_NE(store.error().message.find("newer than this winnow supports"), std::string::npos) << store.error().message;
  EXPECT_NE(store.error().message.find("winnow.db"), std::string::npos) << store.error().message;
}

TEST(StoreMigration, AnEmptyDatabaseFileIsAnErrorNotANewProject) {
  test::TempDir dir("store-empty");
  fs::create_directories(dir / "p");
  std::ofstream(dir / "p" / "winnow.db").close();
  auto store = ProjectStore::open(dir / "p");
  ASSERT_FALSE(store);
  EXPECT_NE(store.error().message.find("0 bytes"), std::string::npos) << store.error().message;
  EXPECT_NE(store.error().message.find("winnow.db"), std::string::npos) << store.error().message;
  // Nothing was written into it.
  EXPECT_EQ(fs::file_size(dir / "p" / "winnow.db"), 0U);
}

}  // namespace
}  // namespace winnow::store
