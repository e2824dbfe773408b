#include "winnow/store/project_store.hpp"

#include <sqlite3.h>

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <ctime>
#include <fstream>
#include <sstream>
#include <system_error>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "store/migrations.hpp"
#include "store/sqlite_statement.hpp"

namespace winnow::store {

namespace fs = std::filesystem;

std::string nowUtcIso8601() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[40] = {};
  std::strftime(buffer, sizeof(buffer), "%Y-%m-%dT%H:%M:%S", &utc);
  char out[48] = {};
  std::snprintf(out, sizeof(out), "%s.%03dZ", buffer, static_cast<int>(millis));
  return out;
}

struct ProjectStore::StatementCache {
  std::unordered_map<std::string, std::unique_ptr<SqliteStatement>> bySql;
};

ProjectStore::ProjectStore(fs::path projectDir, sqlite3* db)
    : projectDir_(std::move(projectDir)), db_(db), statements_(std::make_unique<StatementCache>()) {}

ProjectStore::~ProjectStore() {
  statements_.reset();  // finalized before the connection closes
  sqlite3_close_v2(db_);
}

SqliteStatement& ProjectStore::cachedStatement(const char* sql) {
  auto& slot = statements_->bySql[sql];
  if (!slot || !slot->ok()) slot = std::make_unique<SqliteStatement>(db_, sql);
  slot->reset();
  return *slot;
}

namespace {
// Rewinds a cached statement when the method using it returns, so no read stays open.
struct Rewind {
  SqliteStatement& statement;
  ~Rewind() { statement.rewind(); }
};
}  // namespace

Result<std::unique_ptr<ProjectStore>> ProjectStore::create(const fs::path& projectDir) {
  std::error_code ec;
  if (fs::exists(projectDir / kDatabaseFileName, ec)) {
    return makeError(ErrorCode::InvalidArgument,
                     projectDir.string() + ": already a winnow project (winnow.db exists)");
  }
  fs::create_directories(projectDir, ec);
  if (ec) {
    return makeError(ErrorCode::Io, projectDir.string() + ": cannot create folder: " + ec.message());
  }
  return openDatabase(projectDir, /*create=*/true);
}

Result<std::unique_ptr<ProjectStore>> ProjectStore::open(const fs::path& projectDir, OpenMode mode) {
  std::error_code ec;
  if (!fs::exists(projectDir / kDatabaseFileName, ec)) {
    return makeError(ErrorCode::NotFound,
                     projectDir.string() + ": not a winnow project (no winnow.db; run 'winnow init')");
  }
  if (mode == OpenMode::Invalid) return makeError(ErrorCode::InvalidArgument, "open: no open mode given");
  return openDatabase(projectDir, /*create=*/false, mode);
}

namespace {

// Splits one row of integrity_check / quick_check output (a row can hold several lines) into
// `lines`, leaving out "ok" and the "*** in database main ***" headings.
void appendCheckLines(const std::string& row, std::vector<std::string>& lines) {
  std::size_t start = 0;
  while (start <= row.size()) {
    std::size_t end = row.find('\n', start);
    if (end == std::string::npos) end = row.size();
    const std::string line = row.substr(start, end - start);
    if (!line.empty() && line != "ok" && line.rfind("*** ", 0) != 0) lines.push_back(line);
    start = end + 1;
  }
}

bool isCorruptionCode(sqlite3* db) {
  // SQLITE_NOTADB (not SQLite at all) keeps its own message: "not a readable winnow database".
  return (sqlite3_extended_errcode(db) & 0xff) == SQLITE_CORRUPT;
}

Error corruptStoreError(const fs::path& projectDir, const std::string& detail) {
  return makeError(ErrorCode::Database,
                   (projectDir / ProjectStore::kDatabaseFileName).string() + ": database is corrupt (" + detail +
                       "); restore it from a backup, or run 'winnow check " + projectDir.string() +
                       "' for the full report");
}

// PRAGMA quick_check: the b-tree structure of every page (not index-vs-table agreement). Reads
// the whole file once; see docs/reliability.md "Integrity" for its cost.
std::optional<std::string> quickCheckProblem(sqlite3* db) {
  SqliteStatement check(db, "PRAGMA quick_check(3)");
  if (!check.ok()) return sqlite3_errmsg(db);
  std::vector<std::string> problems;
  int rc = SQLITE_ROW;
  while ((rc = check.step()) == SQLITE_ROW) appendCheckLines(check.columnText(0), problems);
  if (rc != SQLITE_DONE) problems.push_back(sqlite3_errmsg(db));
  if (problems.empty()) return std::nullopt;
  std::string joined;
  for (std::size_t i = 0; i < problems.size() && i < 3; ++i) joined += (i ? "; " : "") + problems[i];
  return joined;
}

}  // namespace

Result<std::unique_ptr<ProjectStore>> ProjectStore::openDatabase(const fs::path& projectDir,
                                                                 bool create, OpenMode mode) {
  const fs::path dbPath = projectDir / kDatabaseFileName;
  if (!create) {
    // SQLite would take an empty file for a new database and the project would start again empty:
    // a truncated or zeroed store must be reported instead.
    std::error_code ec;
    if (fs::is_regular_file(dbPath, ec) && fs::file_size(dbPath, ec) == 0 && !ec) {
      return makeError(ErrorCode::Database, dbPath.string() +
                                                ": 0 bytes: not a winnow database (an empty file: truncated, or not made by "
                                                "winnow init); restore it from a backup or run winnow init in another folder");
    }
  }
  sqlite3* db = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_NOMUTEX;
  if (sqlite3_open_v2(dbPath.c_str(), &db, flags, nullptr) != SQLITE_OK) {
    std::string message = dbPath.string() + ": cannot open database: " +
                          (db ? sqlite3_errmsg(db) : "out of memory");
    sqlite3_close_v2(db);
    return makeError(ErrorCode::Database, message);
  }
  std::unique_ptr<ProjectStore> store(new ProjectStore(fs::absolute(projectDir), db));
  sqlite3_busy_timeout(db, 10'000);
  for (const char* pragma : {"PRAGMA journal_mode=WAL", "PRAGMA foreign_keys=ON",
                             "PRAGMA synchronous=NORMAL"}) {
    if (mode == OpenMode::Inspect && std::string_view(pragma) == "PRAGMA journal_mode=WAL") continue;
    if (Status status = store->execute(pragma); !status) {
      // Preparing any statement reads the schema: damaged schema pages show up here first.
      // Inspect mode goes on, so that `winnow check` can still report them.
      if (!create && isCorruptionCode(db) && mode == OpenMode::Inspect) return store;
      if (!create && isCorruptionCode(db)) return corruptStoreError(projectDir, status.error().message);
      return makeError(ErrorCode::Database, dbPath.string() + ": " + status.error().message);
    }
  }
  if (!create) {
    // A file that is not SQLite fails here with "file is not a database".
    SqliteStatement check(db, "SELECT count(*) FROM sqlite_master");
    if (!check.ok() || check.step() != SQLITE_ROW) {
      // Inspect mode goes on: `winnow check` reports damaged schema pages too.
      if (isCorruptionCode(db) && mode == OpenMode::Inspect) return store;
      if (isCorruptionCode(db)) {
        return corruptStoreError(projectDir, sqlite3_errmsg(db));
      }
      return makeError(ErrorCode::Database,
                       dbPath.string() + ": not a readable winnow database: " + sqlite3_errmsg(db));
    }
  }
  if (mode == OpenMode::Inspect) return store;
  if (!create) {
    // Before anything writes: a store with damaged pages must not take more changes silently.
    if (auto problem = quickCheckProblem(db)) return corruptStoreError(projectDir, *problem);
  }
  if (Status status = store->migrate(); !status) {
    return makeError(status.error().code, dbPath.string() + ": " + status.error().message);
  }
  // Best effort: a busy store leaves them for the next command.
  if (!create) (void)store->markInterruptedRuns();
  return store;
}

Status ProjectStore::execute(const std::string& sql) {
  char* message = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
    std::string text = message ? message : "unknown error";
    sqlite3_free(message);
    return makeError(ErrorCode::Database, text);
  }
  return okStatus();
}

int ProjectStore::schemaVersion() const {
  SqliteStatement statement(db_, "PRAGMA user_version");
  if (!statement.ok() || statement.step() != SQLITE_ROW) return -1;
  return statement.columnInt(0);
}

Status ProjectStore::migrate() {
  const int current = schemaVersion();
  const auto& migrations = schemaMigrations();
  const int latest = static_cast<int>(migrations.size());
  if (current > latest) {
    return makeError(ErrorCode::Database,
                     "schema version " + std::to_string(current) +
                         " is newer than this winnow supports (" + std::to_string(latest) + ")");
  }
  if (current == 0) {
    // A non-empty database without our version stamp is someone else's file.
    SqliteStatement tables(db_, "SELECT count(*) FROM sqlite_master");
    if (tables.ok() && tables.step() == SQLITE_ROW && tables.columnInt64(0) > 0) {
      return makeError(ErrorCode::Database, "not a winnow database (unknown tables, no version)");
    }
  }
  for (int version = current + 1; version <= latest; ++version) {
    std::string sql = "BEGIN IMMEDIATE;\n" + std::string(migrations[version - 1]) +
                      "\nPRAGMA user_version=" + std::to_string(version) + ";\nCOMMIT;";
    if (Status status = execute(sql); !status) {
      (void)execute("ROLLBACK");
      return makeError(ErrorCode::Database, "migration to schema version " +
                                                std::to_string(version) +
                                                " failed: " + status.error().message);
    }
  }
  return okStatus();
}

ProjectStore::Transaction::~Transaction() {
  if (store_) (void)store_->execute("ROLLBACK");
}

Status ProjectStore::Transaction::commit() {
  if (!store_) return makeError(ErrorCode::Internal, "transaction already finished");
  Status status = store_->execute("COMMIT");
  if (status) store_ = nullptr;
  return status;
}

Result<ProjectStore::Transaction> ProjectStore::beginTransaction() {
  if (Status status = execute("BEGIN IMMEDIATE"); !status) return status.error();
  return Transaction(this);
}

// ---- sources -----------------------------------------------------------------------------------

Result<std::int64_t> ProjectStore::upsertSource(const std::string& name, const std::string& rootPath,
                                                const std::string& kind) {
  SqliteStatement insert(db_,
                         "INSERT INTO sources(name, root_path, kind, created_at) VALUES(?,?,?,?) "
                         "ON CONFLICT(name) DO UPDATE SET root_path=excluded.root_path, "
                         "kind=excluded.kind");
  if (!insert.ok()) return insert.error("upsert source");
  insert.bind(1, name);
  insert.bind(2, rootPath);
  insert.bind(3, kind);
  insert.bind(4, nowUtcIso8601());
  if (insert.step() != SQLITE_DONE) return insert.error("upsert source '" + name + "'");
  SqliteStatement select(db_, "SELECT id FROM sources WHERE name=?");
  select.bind(1, name);
  if (select.step() != SQLITE_ROW) return select.error("find source '" + name + "'");
  return select.columnInt64(0);
}

Result<std::vector<SourceRecord>> ProjectStore::listSources() {
  SqliteStatement select(db_, "SELECT id, name, root_path, kind, created_at FROM sources ORDER BY id");
  if (!select.ok()) return select.error("list sources");
  std::vector<SourceRecord> sources;
  while (select.step() == SQLITE_ROW) {
    sources.push_back({select.columnInt64(0), select.columnText(1), select.columnText(2),
                       select.columnText(3), select.columnText(4)});
  }
  return sources;
}

// ---- samples -----------------------------------------------------------------------------------

Result<std::optional<std::int64_t>> ProjectStore::findSampleByHash(const std::string& contentHash) {
  SqliteStatement& select = cachedStatement("SELECT id FROM samples WHERE content_hash=? ORDER BY id LIMIT 1");
  Rewind rewind{select};
  if (!select.ok()) return select.error("find sample");
  select.bind(1, contentHash);
  const int rc = select.step();
  if (rc == SQLITE_ROW) return std::optional<std::int64_t>(select.columnInt64(0));
  if (rc == SQLITE_DONE) return std::optional<std::int64_t>();
  return select.error("find sample");
}

Result<bool> ProjectStore::isKnownFile(const std::string& path, std::int64_t byteSize,
                                       std::int64_t mtimeNs) {
  SqliteStatement& select =
      cachedStatement("SELECT 1 FROM known_files WHERE path=? AND byte_size=? AND mtime_ns=?");
  Rewind rewind{select};
  if (!select.ok()) return select.error("look up known file");
  select.bind(1, path);
  select.bind(2, byteSize);
  select.bind(3, mtimeNs);
  const int rc = select.step();
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return select.error("look up known file");
}

Status ProjectStore::rememberFile(const std::string& path, std::int64_t byteSize,
                                  std::int64_t mtimeNs, const std::string& contentHash) {
  SqliteStatement& upsert =
      cachedStatement("INSERT INTO known_files(path, byte_size, mtime_ns, content_hash) "
                      "VALUES(?,?,?,?) ON CONFLICT(path) DO UPDATE SET "
                      "byte_size=excluded.byte_size, mtime_ns=excluded.mtime_ns, "
                      "content_hash=excluded.content_hash");
  Rewind rewind{upsert};
  if (!upsert.ok()) return upsert.error("remember file");
  upsert.bind(1, path);
  upsert.bind(2, byteSize);
  upsert.bind(3, mtimeNs);
  upsert.bind(4, contentHash);
  if (upsert.step() != SQLITE_DONE) return upsert.error("remember file " + path);
  return okStatus();
}

namespace {

constexpr const char* kSampleColumns =
    "s.id, s.content_hash, s.source_id, src.name, s.original_path, s.derived_path, s.byte_size, "
    "s.width, s.height, s.channels, s.format, s.exif_orientation, s.has_exif, s.capture_time, "
    "s.original_label, s.label, s.original_split, s.split, s.status, s.video_frame_index, "
    "s.video_time_s, s.created_at";

SampleRecord readSample(const SqliteStatement& row) {
  SampleRecord sample;
  sample.id = row.columnInt64(0);
  sample.contentHash = row.columnText(1);
  sample.sourceId = row.columnInt64(2);
  sample.sourceName = row.columnText(3);
  sample.originalPath = row.columnText(4);
  sample.derivedPath = row.columnText(5);
  sample.byteSize = row.columnInt64(6);
  sample.width = row.columnInt(7);
  sample.height = row.columnInt(8);
  sample.channels = row.columnInt(9);
  sample.format = row.columnText(10);
  sample.exifOrientation = row.columnInt(11);
  sample.hasExif = row.columnInt(12) != 0;
  sample.captureTime = row.columnOptionalText(13);
  sample.originalLabel = row.columnText(14);
  sample.label = row.columnOptionalText(15);
  sample.originalSplit = row.columnText(16);
  sample.split = row.columnText(17);
  sample.status = row.columnText(18);
  sample.videoFrameIndex = row.columnOptionalInt64(19);
  sample.videoTimeSeconds = row.columnOptionalDouble(20);
  sample.createdAt = row.columnText(21);
  return sample;
}

}  // namespace

Result<std::int64_t> ProjectStore::insertSample(const SampleRecord& sample) {
  SqliteStatement& insert = cachedStatement(
      "INSERT INTO samples(content_hash, source_id, original_path, derived_path, byte_size, width, "
      "height, channels, format, exif_orientation, has_exif, capture_time, original_label, label, "
      "original_split, split, status, video_frame_index, video_time_s, created_at) "
      "VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
  Rewind rewind{insert};
  if (!insert.ok()) return insert.error("insert sample");
  insert.bind(1, sample.contentHash);
  insert.bind(2, sample.sourceId);
  insert.bind(3, sample.originalPath);
  insert.bind(4, sample.derivedPath);
  insert.bind(5, sample.byteSize);
  insert.bind(6, sample.width);
  insert.bind(7, sample.height);
  insert.bind(8, sample.channels);
  insert.bind(9, sample.format);
  insert.bind(10, sample.exifOrientation);
  insert.bind(11, sample.hasExif ? 1 : 0);
  insert.bind(12, sample.captureTime);
  insert.bind(13, sample.originalLabel);
  insert.bind(14, sample.label);
  insert.bind(15, sample.originalSplit);
  insert.bind(16, sample.split);
  insert.bind(17, sample.status.empty() ? std::string(kStatusActive) : sample.status);
  insert.bind(18, sample.videoFrameIndex);
  insert.bind(19, sample.videoTimeSeconds);
  insert.bind(20, sample.createdAt.empty() ? nowUtcIso8601() : sample.createdAt);
  if (insert.step() != SQLITE_DONE) return insert.error("insert sample " + sample.originalPath);
  return static_cast<std::int64_t>(sqlite3_last_insert_rowid(db_));
}

Status ProjectStore::putPerceptualHashes(std::int64_t sampleId, std::uint64_t phash,
                                         std::uint64_t dhash) {
  SqliteStatement& insert = cachedStatement(
      "INSERT OR REPLACE INTO sample_hashes(sample_id, phash, dhash, computed_at) VALUES(?,?,?,?)");
  Rewind rewind{insert};
  if (!insert.ok()) return insert.error("store hashes");
  insert.bind(1, sampleId);
  insert.bind(2, static_cast<std::int64_t>(phash));
  insert.bind(3, static_cast<std::int64_t>(dhash));
  insert.bind(4, nowUtcIso8601());
  if (insert.step() != SQLITE_DONE) return insert.error("store hashes of sample " + std::to_string(sampleId));
  return okStatus();
}

Status ProjectStore::putMeasures(std::int64_t sampleId,
                                 const std::vector<std::pair<std::string, double>>& measures) {
  SqliteStatement& insert =
      cachedStatement("INSERT OR REPLACE INTO sample_measures(sample_id, name, value) VALUES(?,?,?)");
  Rewind rewind{insert};
  if (!insert.ok()) return insert.error("store measures");
  for (const auto& [name, value] : measures) {
    insert.reset();
    insert.bind(1, sampleId);
    insert.bind(2, name);
    insert.bind(3, value);
    if (insert.step() != SQLITE_DONE) return insert.error("store measure " + name + " of sample " + std::to_string(sampleId));
  }
  return okStatus();
}

Result<SampleRecord> ProjectStore::getSample(std::int64_t sampleId) {
  const std::string sql = std::string("SELECT ") + kSampleColumns +
                          " FROM samples s JOIN sources src ON src.id = s.source_id WHERE s.id=?";
  SqliteStatement select(db_, sql.c_str());
  if (!select.ok()) return select.error("get sample");
  select.bind(1, sampleId);
  const int rc = select.step();
  if (rc == SQLITE_ROW) return readSample(select);
  if (rc == SQLITE_DONE) {
    return makeError(ErrorCode::NotFound, "sample " + std::to_string(sampleId) + " not found");
  }
  return select.error("get sample");
}

Result<std::vector<SampleRecord>> ProjectStore::listSamples(const SampleFilter& filter) {
  std::string sql = std::string("SELECT ") + kSampleColumns +
                    " FROM samples s JOIN sources src ON src.id = s.source_id WHERE 1=1";
  if (filter.status) sql += " AND s.status = :status";
  if (filter.split) sql += " AND s.split = :split";
  if (filter.label) sql += " AND s.label = :label";
  if (filter.sourceId) sql += " AND s.source_id = :source";
  if (filter.labelledOnly) sql += " AND s.label IS NOT NULL";
  sql += " ORDER BY s.id";
  SqliteStatement select(db_, sql.c_str());
  if (!select.ok()) return select.error("list samples");
  int index = 1;
  if (filter.status) select.bind(index++, *filter.status);
  if (filter.split) select.bind(index++, *filter.split);
  if (filter.label) select.bind(index++, *filter.label);
  if (filter.sourceId) select.bind(index++, *filter.sourceId);
  std::vector<SampleRecord> samples;
  int rc = SQLITE_ROW;
  while ((rc = select.step()) == SQLITE_ROW) samples.push_back(readSample(select));
  if (rc != SQLITE_DONE) return select.error("list samples");
  return samples;
}

Status ProjectStore::recordDuplicate(const DuplicateRecord& duplicate) {
  SqliteStatement insert(db_,
                         "INSERT INTO duplicates(sample_id, source_id, path, original_label, "
                         "content_hash, run_id, recorded_at) VALUES(?,?,?,?,?,?,?) "
                         "ON CONFLICT(path) DO NOTHING");
  if (!insert.ok()) return insert.error("record duplicate");
  insert.bind(1, duplicate.sampleId);
  insert.bind(2, duplicate.sourceId);
  insert.bind(3, duplicate.path);
  insert.bind(4, duplicate.originalLabel);
  insert.bind(5, duplicate.contentHash);
  insert.bind(6, duplicate.runId);
  insert.bind(7, nowUtcIso8601());
  if (insert.step() != SQLITE_DONE) return insert.error("record duplicate " + duplicate.path);
  return okStatus();
}

Result<std::vector<DuplicateRecord>> ProjectStore::listDuplicates() {
  SqliteStatement select(db_,
                         "SELECT id, sample_id, source_id, path, original_label, content_hash, "
                         "run_id FROM duplicates ORDER BY id");
  if (!select.ok()) return select.error("list duplicates");
  std::vector<DuplicateRecord> duplicates;
  while (select.step() == SQLITE_ROW) {
    duplicates.push_back({select.columnInt64(0), select.columnInt64(1), select.columnInt64(2),
                          select.columnText(3), select.columnText(4), select.columnText(5),
                          select.columnOptionalInt64(6)});
  }
  return duplicates;
}

Status ProjectStore::recordBadFile(std::optional<std::int64_t> runId, const std::string& path,
                                   const std::string& reason) {
  SqliteStatement upsert(db_,
                         "INSERT INTO bad_files(path, reason, run_id, recorded_at) VALUES(?,?,?,?) "
                         "ON CONFLICT(path) DO UPDATE SET reason=excluded.reason, "
                         "run_id=excluded.run_id, recorded_at=excluded.recorded_at");
  if (!upsert.ok()) return upsert.error("record bad file");
  upsert.bind(1, path);
  upsert.bind(2, reason);
  upsert.bind(3, runId);
  upsert.bind(4, nowUtcIso8601());
  if (upsert.step() != SQLITE_DONE) return upsert.error("record bad file " + path);
  return okStatus();
}

Status ProjectStore::clearBadFile(const std::string& path) {
  SqliteStatement& remove = cachedStatement("DELETE FROM bad_files WHERE path=?");
  Rewind rewind{remove};
  if (!remove.ok()) return remove.error("clear bad file");
  remove.bind(1, path);
  if (remove.step() != SQLITE_DONE) return remove.error("clear bad file " + path);
  return okStatus();
}

// ---- decisions ---------------------------------------------------------------------------------

namespace {

bool isDecisionField(const std::string& field) {
  return field == "label" || field == "split" || field == "status";
}

}  // namespace

Status ProjectStore::applyDecision(std::int64_t sampleId, const std::string& field,
                                   const std::optional<std::string>& newValue,
                                   const std::string& actor, const std::string& reason,
                                   std::optional<std::int64_t> runId) {
  if (!isDecisionField(field)) {
    return makeError(ErrorCode::InvalidArgument, "unknown sample field '" + field + "'");
  }
  if (field != "label" && !newValue) {
    return makeError(ErrorCode::InvalidArgument, "field '" + field + "' cannot be empty");
  }
  const bool ownTransaction = sqlite3_get_autocommit(db_) != 0;
  std::optional<Transaction> transaction;
  if (ownTransaction) {
    auto begun = beginTransaction();
    if (!begun) return begun.error();
    transaction.emplace(std::move(begun.value()));
  }
  const std::string selectSql = "SELECT " + field + " FROM samples WHERE id=?";
  SqliteStatement select(db_, selectSql.c_str());
  select.bind(1, sampleId);
  if (select.step() != SQLITE_ROW) {
    return makeError(ErrorCode::NotFound, "sample " + std::to_string(sampleId) + " not found");
  }
  const std::optional<std::string> oldValue = select.columnOptionalText(0);
  if (oldValue == newValue) return okStatus();

  const std::string updateSql = "UPDATE samples SET " + field + "=? WHERE id=?";
  SqliteStatement update(db_, updateSql.c_str());
  update.bind(1, newValue);
  update.bind(2, sampleId);
  if (update.step() != SQLITE_DONE) return update.error("update sample");

  SqliteStatement insert(db_,
                         "INSERT INTO decisions(run_id, sample_id, field, old_value, new_value, "
                         "actor, reason, created_at) VALUES(?,?,?,?,?,?,?,?)");
  insert.bind(1, runId);
  insert.bind(2, sampleId);
  insert.bind(3, field);
  insert.bind(4, oldValue);
  insert.bind(5, newValue);
  insert.bind(6, actor);
  insert.bind(7, reason);
  insert.bind(8, nowUtcIso8601());
  if (insert.step() != SQLITE_DONE) return insert.error("record decision");
  if (transaction) return transaction->commit();
  return okStatus();
}

namespace {

DecisionRecord readDecision(const SqliteStatement& row) {
  DecisionRecord decision;
  decision.id = row.columnInt64(0);
  decision.runId = row.columnOptionalInt64(1);
  decision.sampleId = row.columnInt64(2);
  decision.field = row.columnText(3);
  decision.oldValue = row.columnOptionalText(4);
  decision.newValue = row.columnOptionalText(5);
  decision.actor = row.columnText(6);
  decision.reason = row.columnText(7);
  decision.createdAt = row.columnText(8);
  decision.undone = !row.columnIsNull(9);
  return decision;
}

constexpr const char* kDecisionColumns =
    "id, run_id, sample_id, field, old_value, new_value, actor, reason, created_at, undone_at";

}  // namespace

Result<std::vector<DecisionRecord>> ProjectStore::applyDecisions(const std::vector<std::int64_t>& sampleIds,
                                                                 const std::string& field,
                                                                 const std::optional<std::string>& newValue,
                                                                 const std::string& actor, const std::string& reason,
                                                                 std::optional<std::int64_t> runId) {
  auto begun = beginTransaction();
  if (!begun) return begun.error();
  Transaction transaction = std::move(begun.value());
  std::vector<DecisionRecord> applied;
  const std::string sql = std::string("SELECT ") + kDecisionColumns + " FROM decisions WHERE id=?";
  for (std::int64_t sampleId : sampleIds) {
    const std::int64_t before = sqlite3_last_insert_rowid(db_);
    if (Status status = applyDecision(sampleId, field, newValue, actor, reason, runId); !status) return status.error();
    const std::int64_t after = sqlite3_last_insert_rowid(db_);
    if (after == before) continue;  // the value did not change: no decision
    SqliteStatement select(db_, sql.c_str());
    select.bind(1, after);
    if (select.step() != SQLITE_ROW) return select.error("read decision");
    applied.push_back(readDecision(select));
  }
  if (Status status = transaction.commit(); !status) return status.error();
  return applied;
}

Result<std::vector<DecisionRecord>> ProjectStore::undoDecisions(const std::vector<std::int64_t>& decisionIds,
                                                                const std::string& actor) {
  auto begun = beginTransaction();
  if (!begun) return begun.error();
  Transaction transaction = std::move(begun.value());
  std::vector<std::int64_t> newestFirst = decisionIds;
  std::sort(newestFirst.rbegin(), newestFirst.rend());
  newestFirst.erase(std::unique(newestFirst.begin(), newestFirst.end()), newestFirst.end());
  const std::string now = nowUtcIso8601();
  const std::string sql = std::string("SELECT ") + kDecisionColumns + ", undo_of FROM decisions WHERE id=?";
  std::vector<DecisionRecord> undone;
  for (std::int64_t decisionId : newestFirst) {
    SqliteStatement select(db_, sql.c_str());
    select.bind(1, decisionId);
    if (select.step() != SQLITE_ROW) {
      return makeError(ErrorCode::InvalidArgument, "decision " + std::to_string(decisionId) + " not found");
    }
    const DecisionRecord decision = readDecision(select);
    const std::string where = "decision " + std::to_string(decisionId) + " on sample " + std::to_string(decision.sampleId);
    if (decision.undone) return makeError(ErrorCode::InvalidArgument, where + " was already undone");
    if (!select.columnIsNull(10)) return makeError(ErrorCode::InvalidArgument, where + " is itself an undo");
    if (!isDecisionField(decision.field)) {
      return makeError(ErrorCode::InvalidArgument, where + ": unknown field '" + decision.field + "'");
    }
    const std::string currentSql = "SELECT " + decision.field + " FROM samples WHERE id=?";
    SqliteStatement current(db_, currentSql.c_str());
    current.bind(1, decision.sampleId);
    if (current.step() != SQLITE_ROW) return current.error("read sample");
    if (current.columnOptionalText(0) != decision.newValue) {
      return makeError(ErrorCode::InvalidArgument, "sample " + std::to_string(decision.sampleId) + " " + decision.field +
                                                       " was changed after decision " + std::to_string(decisionId) +
                                                       "; not undone (nothing was)");
    }
    const std::string updateSql = "UPDATE samples SET " + decision.field + "=? WHERE id=?";
    SqliteStatement update(db_, updateSql.c_str());
    update.bind(1, decision.oldValue);
    update.bind(2, decision.sampleId);
    if (update.step() != SQLITE_DONE) return update.error("undo decision");

    SqliteStatement mark(db_, "UPDATE decisions SET undone_at=? WHERE id=?");
    mark.bind(1, now);
    mark.bind(2, decisionId);
    if (mark.step() != SQLITE_DONE) return mark.error("mark decision undone");

    // The undo is itself a decision, so the audit trail stays complete.
    SqliteStatement insert(db_,
                           "INSERT INTO decisions(sample_id, field, old_value, new_value, actor, "
                           "reason, created_at, undo_of) VALUES(?,?,?,?,?,?,?,?)");
    insert.bind(1, decision.sampleId);
    insert.bind(2, decision.field);
    insert.bind(3, decision.newValue);
    insert.bind(4, decision.oldValue);
    insert.bind(5, actor);
    insert.bind(6, "undo of decision " + std::to_string(decisionId));
    insert.bind(7, now);
    insert.bind(8, decisionId);
    if (insert.step() != SQLITE_DONE) return insert.error("record undo");
    undone.push_back(decision);
  }
  if (Status status = transaction.commit(); !status) return status.error();
  return undone;
}

Result<std::vector<DecisionRecord>> ProjectStore::undoLast(int count, const std::string& actor) {
  if (count <= 0) return makeError(ErrorCode::InvalidArgument, "undo count must be positive");
  SqliteStatement select(db_, "SELECT id FROM decisions WHERE undone_at IS NULL AND undo_of IS NULL ORDER BY id DESC LIMIT ?");
  if (!select.ok()) return select.error("list decisions");
  select.bind(1, count);
  std::vector<std::int64_t> ids;
  while (select.step() == SQLITE_ROW) ids.push_back(select.columnInt64(0));
  return undoDecisions(ids, actor);
}

Result<std::vector<DecisionRecord>> ProjectStore::listDecisions(int limit) {
  const std::string sql =
      std::string("SELECT ") + kDecisionColumns + " FROM decisions ORDER BY id DESC LIMIT ?";
  SqliteStatement select(db_, sql.c_str());
  if (!select.ok()) return select.error("list decisions");
  select.bind(1, limit);
  std::vector<DecisionRecord> decisions;
  while (select.step() == SQLITE_ROW) decisions.push_back(readDecision(select));
  return decisions;
}

// ---- runs --------------------------------------------------------------------------------------

namespace {

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

std::string readSmallFile(const char* path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return trimmed(text.str());
}

std::string hostName() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0) return {};
  return name;
}

// Changes at every boot; "" where /proc does not have it.
std::string bootId() { return readSmallFile("/proc/sys/kernel/random/boot_id"); }

struct ProcessStat {
  bool found = false;
  char state = '?';
  std::string startTicks;  // field 22 of /proc/<pid>/stat: start time after boot, clock ticks
};

ProcessStat processStat(long pid) {
  ProcessStat stat;
  const std::string text = readSmallFile(("/proc/" + std::to_string(pid) + "/stat").c_str());
  const auto close = text.rfind(')');  // the command name may contain spaces and ')'
  if (close == std::string::npos) return stat;
  std::istringstream fields(text.substr(close + 1));
  std::string field;
  for (int index = 3; fields >> field; ++index) {
    if (index == 3) stat.state = field.empty() ? '?' : field[0];
    if (index == 22) {
      stat.startTicks = field;
      stat.found = true;
      break;
    }
  }
  return stat;
}

// Why the process recorded in a running run's summary can no longer be running it, or nullopt
// when it may be alive (or it ran on another host, or the row predates this record).
std::optional<std::string> processGone(const nlohmann::json& owner) {
  if (!owner.is_object() || !owner.contains("pid") || !owner["pid"].is_number_integer()) return std::nullopt;
  const long pid = owner["pid"].get<long>();
  if (pid <= 0 || owner.value("host", std::string()) != hostName()) return std::nullopt;
  const std::string recordedBoot = owner.value("boot_id", std::string());
  if (!recordedBoot.empty() && recordedBoot != bootId()) return "the machine restarted since it began";
  if (::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) {
    return "process " + std::to_string(pid) + " ended without finishing it (killed or crashed)";
  }
  const ProcessStat stat = processStat(pid);
  if (stat.found && (stat.state == 'Z' || stat.state == 'X')) {
    return "process " + std::to_string(pid) + " ended without finishing it (killed or crashed)";
  }
  const std::string recordedStart = owner.value("start_ticks", std::string());
  if (stat.found && !recordedStart.empty() && recordedStart != stat.startTicks) {
    return "process " + std::to_string(pid) + " ended without finishing it (its pid now belongs to another process)";
  }
  return std::nullopt;
}

// Who runs a run: stored in summary_json while it is "running" (finishRun replaces it).
std::string runOwnerJson() {
  const long pid = static_cast<long>(::getpid());
  return nlohmann::json{{"pid", pid},
                        {"host", hostName()},
                        {"boot_id", bootId()},
                        {"start_ticks", processStat(pid).startTicks}}
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

Result<std::int64_t> ProjectStore::beginRun(const std::string& command,
                                            const std::string& parametersJson) {
  SqliteStatement insert(db_,
                         "INSERT INTO runs(command, parameters_json, started_at, outcome, summary_json) "
                         "VALUES(?,?,?,'running',?)");
  if (!insert.ok()) return insert.error("begin run");
  insert.bind(1, command);
  insert.bind(2, parametersJson);
  insert.bind(3, nowUtcIso8601());
  insert.bind(4, runOwnerJson());
  if (insert.step() != SQLITE_DONE) return insert.error("begin run");
  return static_cast<std::int64_t>(sqlite3_last_insert_rowid(db_));
}

Status ProjectStore::finishRun(std::int64_t runId, const std::string& outcome,
                               const std::string& summaryJson) {
  SqliteStatement update(db_,
                         "UPDATE runs SET finished_at=?, outcome=?, summary_json=? WHERE id=?");
  if (!update.ok()) return update.error("finish run");
  update.bind(1, nowUtcIso8601());
  update.bind(2, outcome);
  update.bind(3, summaryJson);
  update.bind(4, runId);
  if (update.step() != SQLITE_DONE) return update.error("finish run");
  return okStatus();
}

Result<std::vector<RunRecord>> ProjectStore::listRuns(int limit) {
  SqliteStatement select(db_,
                         "SELECT id, command, parameters_json, started_at, "
                         "coalesce(finished_at,''), outcome, coalesce(summary_json,'') "
                         "FROM runs ORDER BY id DESC LIMIT ?");
  if (!select.ok()) return select.error("list runs");
  select.bind(1, limit);
  std::vector<RunRecord> runs;
  while (select.step() == SQLITE_ROW) {
    runs.push_back({select.columnInt64(0), select.columnText(1), select.columnText(2),
                    select.columnText(3), select.columnText(4), select.columnText(5),
                    select.columnText(6)});
    RunRecord& run = runs.back();
    if (run.outcome == "failed") {
      const auto summary = nlohmann::json::parse(run.summaryJson, nullptr, /*allow_exceptions=*/false);
      if (summary.is_object() && summary.value("interrupted", false) == true) run.outcome = "interrupted";
    }
  }
  return runs;
}

Result<int> ProjectStore::markInterruptedRuns() {
  SqliteStatement select(db_, "SELECT id, coalesce(summary_json,'') FROM runs WHERE outcome='running'");
  if (!select.ok()) return select.error("find running runs");
  std::vector<std::pair<std::int64_t, std::string>> gone;
  int rc = SQLITE_ROW;
  while ((rc = select.step()) == SQLITE_ROW) {
    const auto owner = nlohmann::json::parse(select.columnText(1), nullptr, /*allow_exceptions=*/false);
    if (auto why = processGone(owner)) gone.emplace_back(select.columnInt64(0), *why);
  }
  if (rc != SQLITE_DONE) return select.error("find running runs");
  int marked = 0;
  for (const auto& [runId, why] : gone) {
    SqliteStatement update(db_,
                           "UPDATE runs SET outcome='failed', finished_at=?, summary_json=? "
                           "WHERE id=? AND outcome='running'");
    if (!update.ok()) return update.error("mark interrupted run");
    update.bind(1, nowUtcIso8601());
    update.bind(2, nlohmann::json{{"interrupted", true}, {"error", "interrupted: " + why}}.dump());
    update.bind(3, runId);
    if (update.step() != SQLITE_DONE) return update.error("mark interrupted run");
    marked += sqlite3_changes(db_);
  }
  return marked;
}

// ---- integrity ---------------------------------------------------------------------------------

Result<IntegrityReport> ProjectStore::checkIntegrity() {
  IntegrityReport report;
  {
    SqliteStatement check(db_, "PRAGMA integrity_check(100)");
    if (!check.ok()) {
      report.problems.push_back("integrity_check: " + std::string(sqlite3_errmsg(db_)));
    } else {
      int rc = SQLITE_ROW;
      while ((rc = check.step()) == SQLITE_ROW) appendCheckLines(check.columnText(0), report.problems);
      if (rc != SQLITE_DONE) report.problems.push_back("integrity_check: " + std::string(sqlite3_errmsg(db_)));
    }
  }
  {
    SqliteStatement check(db_, "PRAGMA foreign_key_check");
    if (!check.ok()) {
      report.problems.push_back("foreign_key_check: " + std::string(sqlite3_errmsg(db_)));
    } else {
      int rc = SQLITE_ROW;
      while ((rc = check.step()) == SQLITE_ROW) {
        if (++report.foreignKeyViolations <= 20) {
          report.problems.push_back("foreign key: " + check.columnText(0) + " row " +
                                    std::to_string(check.columnInt64(1)) + " refers to a missing " +
                                    check.columnText(2) + " row");
        }
      }
      if (rc != SQLITE_DONE) report.problems.push_back("foreign_key_check: " + std::string(sqlite3_errmsg(db_)));
    }
  }
  report.ok = report.problems.empty() && report.foreignKeyViolations == 0;
  return report;
}

// ---- reports -----------------------------------------------------------------------------------

namespace {

Result<std::vector<CountByKey>> countBy(sqlite3* db, const char* sql) {
  SqliteStatement select(db, sql);
  if (!select.ok()) return select.error("count");
  std::vector<CountByKey> counts;
  while (select.step() == SQLITE_ROW) counts.push_back({select.columnText(0), select.columnInt64(1)});
  return counts;
}

Result<std::int64_t> countOne(sqlite3* db, const char* sql) {
  SqliteStatement select(db, sql);
  if (!select.ok() || select.step() != SQLITE_ROW) return select.error("count");
  return select.columnInt64(0);
}

}  // namespace

Result<std::map<std::int64_t, std::int64_t>> ProjectStore::lineageParents() {
  SqliteStatement select(db_, "SELECT child_sample_id, parent_sample_id FROM lineage");
  if (!select.ok()) return select.error("read lineage");
  std::map<std::int64_t, std::int64_t> parents;
  int rc = 0;
  while ((rc = select.step()) == SQLITE_ROW) parents[select.columnInt64(0)] = select.columnInt64(1);
  if (rc != SQLITE_DONE) return select.error("read lineage");
  return parents;
}

Result<ProjectStats> ProjectStore::stats() {
  ProjectStats stats;
  auto samples = countOne(db_, "SELECT count(*) FROM samples");
  auto active = countOne(db_, "SELECT count(*) FROM samples WHERE status='active'");
  auto duplicates = countOne(db_, "SELECT count(*) FROM duplicates");
  auto bad = countOne(db_, "SELECT count(*) FROM bad_files");
  for (auto* result : {&samples, &active, &duplicates, &bad}) {
    if (!*result) return result->error();
  }
  stats.samples = *samples;
  stats.activeSamples = *active;
  stats.duplicates = *duplicates;
  stats.badFiles = *bad;

  auto byLabel = countBy(db_,
                         "SELECT coalesce(label,''), count(*) FROM samples WHERE status='active' "
                         "GROUP BY 1 ORDER BY 1");
  auto bySource = countBy(db_,
                          "SELECT src.name, count(*) FROM samples s JOIN sources src ON "
                          "src.id=s.source_id WHERE s.status='active' GROUP BY 1 ORDER BY 1");
  auto bySplit = countBy(db_,
                         "SELECT split, count(*) FROM samples WHERE status='active' GROUP BY 1 "
                         "ORDER BY 1");
  auto byStatus = countBy(db_, "SELECT status, count(*) FROM samples GROUP BY 1 ORDER BY 1");
  for (auto* result : {&byLabel, &bySource, &bySplit, &byStatus}) {
    if (!*result) return result->error();
  }
  stats.byLabel = std::move(byLabel.value());
  stats.bySource = std::move(bySource.value());
  stats.bySplit = std::move(bySplit.value());
  stats.byStatus = std::move(byStatus.value());

  SqliteStatement cross(db_,
                        "SELECT coalesce(s.label,''), src.name, count(*) FROM samples s JOIN "
                        "sources src ON src.id=s.source_id WHERE s.status='active' GROUP BY 1,2");
  if (!cross.ok()) return cross.error("count label by source");
  while (cross.step() == SQLITE_ROW) {
    stats.labelBySource[cross.columnText(0)][cross.columnText(1)] = cross.columnInt64(2);
  }
  SqliteStatement conflicts(db_, kLabelConflictClustersSql);
  if (!conflicts.ok()) return conflicts.error("count label conflicts");
  int rc = SQLITE_ROW;
  while ((rc = conflicts.step()) == SQLITE_ROW) {
    ++stats.labelConflicts;
    if (conflicts.columnInt64(2) > 0) ++stats.openLabelConflicts;
    stats.samplesInLabelConflicts += conflicts.columnInt64(3);
  }
  if (rc != SQLITE_DONE) return conflicts.error("count label conflicts");
  return stats;
}

}  // namespace winnow::store
