// The project store: all project state (sources, samples, labels, decisions, runs) in one SQLite
// database, <project>/winnow.db, WAL mode, foreign keys on, schema versioned by migrations.
//
// Contracts:
// - Originals are never modified or moved; the store only records paths to them.
// - Every change to a sample's label, split or status goes through applyDecision(), which records
//   actor, reason, time, old and new value in the same transaction, so undo and audit always work.
// - One ProjectStore object per thread; SQLite serialises writers across processes (busy timeout).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "winnow/util/result.hpp"

struct sqlite3;

namespace winnow::store {

class SqliteStatement;

// Sample status values. "active" samples are exported; the others are kept for audit.
inline constexpr const char* kStatusActive = "active";
inline constexpr const char* kStatusRejected = "rejected";
// Non-keeper of a near-duplicate cluster: kept for audit, not exported, never split.
inline constexpr const char* kStatusDuplicate = "duplicate";

struct SourceRecord {
  std::int64_t id = 0;
  std::string name;
  std::string rootPath;
  std::string kind;  // "class_folders", "split_class_folders", "flat", "video", "mixed"
  std::string createdAt;
};

struct SampleRecord {
  std::int64_t id = 0;
  std::string contentHash;  // "xxh128:<32 hex>" of the file bytes (video frames: of the pixels)
  std::int64_t sourceId = 0;
  std::string sourceName;
  std::string originalPath;  // absolute path of the original file (the video for frames)
  std::string derivedPath;   // project-relative path of a derived file (extracted frame), or ""
  std::int64_t byteSize = 0;
  int width = 0;   // EXIF-oriented
  int height = 0;
  int channels = 0;
  std::string format;  // "jpeg", "png", ..., "video-frame"
  int exifOrientation = 0;  // 0 = no orientation tag
  bool hasExif = false;
  std::optional<std::string> captureTime;
  std::string originalLabel;   // class folder name as found ("" for flat folders)
  std::optional<std::string> label;  // current label after mapping and decisions; nullopt = unknown
  std::string originalSplit;   // split folder as shipped ("train", "valid", "test") or ""
  std::string split;           // assigned split: "train", "val", "test" or ""
  std::string status = kStatusActive;
  std::optional<std::int64_t> videoFrameIndex;
  std::optional<double> videoTimeSeconds;
  std::string createdAt;
};

struct DecisionRecord {
  std::int64_t id = 0;
  std::optional<std::int64_t> runId;
  std::int64_t sampleId = 0;
  std::string field;  // "label", "split", "status"
  std::optional<std::string> oldValue;
  std::optional<std::string> newValue;
  std::string actor;   // "user:<name>", "ingest", "workbench", ...
  std::string reason;
  std::string createdAt;
  bool undone = false;
};

struct RunRecord {
  std::int64_t id = 0;
  std::string command;
  std::string parametersJson;
  std::string startedAt;
  std::string finishedAt;
  // "running", "ok", "failed", "cancelled", or "interrupted": the process running it ended
  // without finishing it (killed, crashed, machine restarted). Stored as 'failed' with
  // {"interrupted": true, ...} in summary_json: the schema's CHECK predates it.
  std::string outcome;
  std::string summaryJson;
};

// Result of ProjectStore::checkIntegrity (PRAGMA integrity_check + foreign_key_check).
struct IntegrityReport {
  bool ok = false;
  std::vector<std::string> problems;  // one line each, at most 100 from integrity_check
  std::int64_t foreignKeyViolations = 0;
};

// What ProjectStore::open does beyond opening the file.
enum class OpenMode {
  Invalid = 0,
  // Quick structural check (PRAGMA quick_check) first, then migrations, then runs left
  // "running" by processes that no longer exist are marked interrupted. A corrupt store fails
  // with "<db>: database is corrupt (...)".
  Normal,
  // For `winnow check`: no quick check, no migration, no writes; only read the file.
  Inspect,
};

struct DuplicateRecord {
  std::int64_t id = 0;
  std::int64_t sampleId = 0;  // the sample whose content it repeats
  std::int64_t sourceId = 0;
  std::string path;
  std::string originalLabel;
  std::string contentHash;
  std::optional<std::int64_t> runId;
};

struct SampleFilter {
  std::optional<std::string> status;  // e.g. kStatusActive
  std::optional<std::string> split;
  std::optional<std::string> label;
  std::optional<std::int64_t> sourceId;
  bool labelledOnly = false;
};

struct CountByKey {
  std::string key;
  std::int64_t count = 0;
};

struct ProjectStats {
  std::int64_t samples = 0;       // all sample rows
  std::int64_t activeSamples = 0;
  std::int64_t duplicates = 0;    // exact-duplicate files recorded, not ingested
  std::int64_t badFiles = 0;      // distinct paths that failed to ingest (latest outcome)
  std::vector<CountByKey> byLabel;   // active samples; "" = unlabelled
  std::vector<CountByKey> bySource;  // active samples
  std::vector<CountByKey> bySplit;   // active samples; "" = unassigned
  std::vector<CountByKey> byStatus;  // all samples
  std::map<std::string, std::map<std::string, std::int64_t>> labelBySource;  // active
  // Near-duplicate clusters whose non-rejected members carry two or more labels
  // (winnow/dedupe/label_conflicts.hpp); open = not yet resolved by the user.
  std::int64_t labelConflicts = 0;
  std::int64_t openLabelConflicts = 0;
  std::int64_t samplesInLabelConflicts = 0;
};

// Per duplicate cluster that is a label conflict now: cluster_id, distinct labels, unreviewed
// labelled members, members (non-rejected members only). Ordered by cluster id.
inline constexpr const char* kLabelConflictClustersSql =
    "SELECT m.cluster_id, count(DISTINCT nullif(s.label,'')) AS labels, "
    "sum(nullif(s.label,'') IS NOT NULL AND r.sample_id IS NULL) AS unreviewed, count(*) "
    "FROM duplicate_cluster_members m JOIN samples s ON s.id=m.sample_id "
    "LEFT JOIN label_conflict_reviews r ON r.sample_id=m.sample_id "
    "WHERE s.status!='rejected' GROUP BY m.cluster_id HAVING labels >= 2 ORDER BY m.cluster_id";

class ProjectStore {
 public:
  static constexpr int kSchemaVersion = 5;
  static constexpr const char* kDatabaseFileName = "winnow.db";

  // Creates <projectDir> (if needed) and a new store in it; fails if one exists already.
  static Result<std::unique_ptr<ProjectStore>> create(const std::filesystem::path& projectDir);
  // Opens an existing store and applies pending migrations; fails clearly if it is newer than
  // this build or is not a winnow project.
  static Result<std::unique_ptr<ProjectStore>> open(const std::filesystem::path& projectDir,
                                                     OpenMode mode = OpenMode::Normal);

  ~ProjectStore();
  ProjectStore(const ProjectStore&) = delete;
  ProjectStore& operator=(const ProjectStore&) = delete;

  const std::filesystem::path& projectDir() const { return projectDir_; }
  // The file holding a sample's pixels: its derived picture (a face crop, an augmented or
  // converted copy, under the project folder) when it has one, else the original file.
  std::filesystem::path pixelPath(const SampleRecord& sample) const {
    return sample.derivedPath.empty() ? std::filesystem::path(sample.originalPath) : projectDir_ / sample.derivedPath;
  }
  int schemaVersion() const;

  // RAII transaction; rolls back unless commit() succeeded. Not nestable.
  class Transaction {
   public:
    explicit Transaction(ProjectStore* store) : store_(store) {}
    Transaction(Transaction&& other) noexcept : store_(other.store_) { other.store_ = nullptr; }
    Transaction& operator=(Transaction&&) = delete;
    ~Transaction();
    Status commit();

   private:
    ProjectStore* store_;
  };
  Result<Transaction> beginTransaction();

  // ---- sources ----
  Result<std::int64_t> upsertSource(const std::string& name, const std::string& rootPath,
                                    const std::string& kind);
  Result<std::vector<SourceRecord>> listSources();

  // ---- samples ----
  Result<std::optional<std::int64_t>> findSampleByHash(const std::string& contentHash);
  // True when this exact path (with this size and mtime) was already handled by an ingest,
  // as a sample or a recorded duplicate; lets re-ingest skip hashing unchanged files.
  Result<bool> isKnownFile(const std::string& path, std::int64_t byteSize, std::int64_t mtimeNs);
  Status rememberFile(const std::string& path, std::int64_t byteSize, std::int64_t mtimeNs,
                      const std::string& contentHash);
  Result<std::int64_t> insertSample(const SampleRecord& sample);
  // A sample's perceptual hashes (replaced when present); in the caller's transaction.
  Status putPerceptualHashes(std::int64_t sampleId, std::uint64_t phash, std::uint64_t dhash);
  // A sample's measures, each replacing the stored value of that name; in the caller's transaction.
  Status putMeasures(std::int64_t sampleId,
                     const std::vector<std::pair<std::string, double>>& measures);
  Result<SampleRecord> getSample(std::int64_t sampleId);
  Result<std::vector<SampleRecord>> listSamples(const SampleFilter& filter = {});

  Status recordDuplicate(const DuplicateRecord& duplicate);
  Result<std::vector<DuplicateRecord>> listDuplicates();
  Status recordBadFile(std::optional<std::int64_t> runId, const std::string& path,
                       const std::string& reason);
  // A bad file that now ingests fine is no longer bad.
  Status clearBadFile(const std::string& path);

  // ---- decisions ----
  // Sets field ("label", "split" or "status") of a sample and records the decision, atomically.
  // No-op (no decision) when the value does not change.
  Status applyDecision(std::int64_t sampleId, const std::string& field,
                       const std::optional<std::string>& newValue, const std::string& actor,
                       const std::string& reason, std::optional<std::int64_t> runId = {});
  // applyDecision for each sample, in one transaction (all or nothing). Samples already at
  // newValue get no decision; returns the decisions written, in sample order.
  Result<std::vector<DecisionRecord>> applyDecisions(const std::vector<std::int64_t>& sampleIds, const std::string& field,
                                                     const std::optional<std::string>& newValue, const std::string& actor,
                                                     const std::string& reason, std::optional<std::int64_t> runId = {});
  // Reverts exactly these decisions, newest first, in one transaction; each undo is recorded as a
  // decision with undo_of set. Fails without changing anything (InvalidArgument, naming the
  // sample) when a decision is unknown, already undone, is itself an undo, or its sample's field
  // no longer holds the decision's new value (changed after it). The one undo of every caller.
  Result<std::vector<DecisionRecord>> undoDecisions(const std::vector<std::int64_t>& decisionIds, const std::string& actor);
  // undoDecisions of the newest `count` decisions not yet undone (and not undos themselves).
  Result<std::vector<DecisionRecord>> undoLast(int count, const std::string& actor);
  Result<std::vector<DecisionRecord>> listDecisions(int limit = 100);

  // ---- runs ----
  Result<std::int64_t> beginRun(const std::string& command, const std::string& parametersJson);
  Status finishRun(std::int64_t runId, const std::string& outcome, const std::string& summaryJson);
  Result<std::vector<RunRecord>> listRuns(int limit = 50);
  // Marks runs still "running" whose process is gone (same host; pid not alive, reused, or
  // the machine restarted since) as interrupted, with finished_at now. Returns how many.
  // open() calls it; runs begun by builds before pids were recorded are left as they are.
  Result<int> markInterruptedRuns();

  // ---- integrity ----
  // Full PRAGMA integrity_check and foreign_key_check (reads the whole file: seconds on large
  // stores). ok == problems empty and no foreign key violations.
  Result<IntegrityReport> checkIntegrity();

  // ---- reports ----
  Result<ProjectStats> stats();
  // Augmentation lineage: child sample id -> parent sample id, for every lineage row.
  Result<std::map<std::int64_t, std::int64_t>> lineageParents();

 private:
  // SQL is the store module's own: its query files (winnow/store/*_queries.hpp) reach the handle
  // through SqlAccess (store/sqlite_statement.hpp, private to the module; tests that inspect the
  // database are granted it), so no other module can write SQL against the project.
  friend class SqlAccess;
  sqlite3* handle() const { return db_; }
  Status execute(const std::string& sql);

  ProjectStore(std::filesystem::path projectDir, sqlite3* db);
  static Result<std::unique_ptr<ProjectStore>> openDatabase(const std::filesystem::path& projectDir,
                                                            bool create, OpenMode mode = OpenMode::Normal);
  Status migrate();
  // Prepared once per store and reused (rewound, bindings cleared) by the statements on the
  // per-sample paths of ingest, hashing and measuring; preparing costs about as much as running.
  SqliteStatement& cachedStatement(const char* sql);

  std::filesystem::path projectDir_;
  sqlite3* db_ = nullptr;
  struct StatementCache;
  std::unique_ptr<StatementCache> statements_;
};

// ISO 8601 UTC timestamp with milliseconds, e.g. "2026-11-23T12:00:00.123Z".
std::string nowUtcIso8601();

}  // namespace winnow::store
