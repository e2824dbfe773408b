// Minimal RAII wrapper over a prepared SQLite statement. Private to the store module.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <cstring>
#include <optional>
#include <set>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "winnow/store/project_store.hpp"
#include "winnow/util/result.hpp"

namespace winnow::store {

// The project database's handle, for the store module's own sources (and tests granted
// winnow_store_internal). Owned by the store.
class SqlAccess {
 public:
  static sqlite3* handle(const ProjectStore& store) { return store.handle(); }
  static Status execute(ProjectStore& store, const std::string& sql) { return store.execute(sql); }
};

inline Error sqliteError(sqlite3* db, const std::string& what) {
  return makeError(ErrorCode::Database, what + ": " + sqlite3_errmsg(db));
}

// `text` as an SQL string literal ('...', quotes inside doubled), for a value written into SQL text
// rather than bound (ProjectStore::execute takes no parameters).
inline std::string sqlQuoted(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) {
    quoted += c;
    if (c == '\'') quoted += '\'';
  }
  return quoted + "'";
}

// A statement that failed to prepare is still safe to bind and step (SQLite answers SQLITE_MISUSE
// for a null statement); error() then reports the prepare failure.
class SqliteStatement {
 public:
  SqliteStatement(sqlite3* db, const char* sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK) {
      prepareError_ = sqlite3_errmsg(db);
      stmt_ = nullptr;
    }
  }
  ~SqliteStatement() { sqlite3_finalize(stmt_); }
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;

  bool ok() const { return stmt_ != nullptr; }
  Error error(const std::string& what) const {
    return makeError(ErrorCode::Database,
                     what + ": " + (stmt_ ? sqlite3_errmsg(db_) : prepareError_));
  }

  // Binding is 1-based, as in SQLite.
  void bind(int index, std::int64_t value) { sqlite3_bind_int64(stmt_, index, value); }
  void bind(int index, int value) { sqlite3_bind_int(stmt_, index, value); }
  void bind(int index, double value) { sqlite3_bind_double(stmt_, index, value); }
  void bind(int index, const std::string& value) {
    sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
  }
  void bindNull(int index) { sqlite3_bind_null(stmt_, index); }
  void bindBlob(int index, const void* data, std::size_t size) {
    sqlite3_bind_blob(stmt_, index, data, static_cast<int>(size), SQLITE_TRANSIENT);
  }
  std::string columnBlob(int column) const {
    const void* data = sqlite3_column_blob(stmt_, column);
    return data ? std::string(static_cast<const char*>(data),
                              static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)))
                : std::string();
  }
  template <typename T>
  void bind(int index, const std::optional<T>& value) {
    if (value) {
      bind(index, *value);
    } else {
      bindNull(index);
    }
  }

  // Returns SQLITE_ROW, SQLITE_DONE or an error code.
  int step() { return sqlite3_step(stmt_); }
  void reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  // Ends the current step sequence (releases its read snapshot) but keeps the bindings.
  void rewind() { sqlite3_reset(stmt_); }

  std::int64_t columnInt64(int column) const { return sqlite3_column_int64(stmt_, column); }
  int columnInt(int column) const { return sqlite3_column_int(stmt_, column); }
  double columnDouble(int column) const { return sqlite3_column_double(stmt_, column); }
  bool columnIsNull(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }
  std::string columnText(int column) const {
    const unsigned char* text = sqlite3_column_text(stmt_, column);
    return text ? std::string(reinterpret_cast<const char*>(text),
                              static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)))
                : std::string();
  }
  std::optional<std::string> columnOptionalText(int column) const {
    if (columnIsNull(column)) return std::nullopt;
    return columnText(column);
  }
  std::optional<std::int64_t> columnOptionalInt64(int column) const {
    if (columnIsNull(column)) return std::nullopt;
    return columnInt64(column);
  }
  // A blob of `count` float32 values in native byte order, copied straight from SQLite's buffer;
  // empty when count <= 0 or the blob holds another number of bytes.
  std::vector<float> columnFloats(int column, std::int64_t count) const {
    const void* data = sqlite3_column_blob(stmt_, column);
    const auto bytes = static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column));
    if (count <= 0 || data == nullptr || bytes != static_cast<std::size_t>(count) * sizeof(float)) return {};
    std::vector<float> values(static_cast<std::size_t>(count));
    std::memcpy(values.data(), data, bytes);
    return values;
  }
  std::optional<double> columnOptionalDouble(int column) const {
    if (columnIsNull(column)) return std::nullopt;
    return columnDouble(column);
  }

 private:
  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
  std::string prepareError_;
};

// Steps `statement` (prepared, parameters bound) through every row, calling visit(statement) on each.
// A prepare or step failure is statement.error(what); rows visited before a step failure stay visited.
template <typename VisitRow>
Status forEachRow(SqliteStatement& statement, const std::string& what, VisitRow&& visit) {
  if (!statement.ok()) return statement.error(what);
  int rc = SQLITE_ROW;
  while ((rc = statement.step()) == SQLITE_ROW) visit(static_cast<const SqliteStatement&>(statement));
  if (rc != SQLITE_DONE) return statement.error(what);
  return okStatus();
}

namespace detail {
template <typename T>
struct KeptRow {
  using type = T;
};
template <typename T>
struct KeptRow<std::optional<T>> {
  using type = T;
};
template <typename T>
struct IsOptional : std::false_type {};
template <typename T>
struct IsOptional<std::optional<T>> : std::true_type {};
}  // namespace detail

// The row type collectRows keeps for a reader: what readRow returns, or T where it returns std::optional<T>.
template <typename ReadRow>
using CollectedRow =
    typename detail::KeptRow<std::decay_t<std::invoke_result_t<ReadRow&, const SqliteStatement&>>>::type;

// Every row of `statement` (prepared, parameters bound) as readRow(statement) returns it, in step order.
// A readRow returning std::optional skips the rows it answers std::nullopt for.
// A prepare or step failure is statement.error(what), and no rows are returned.
template <typename ReadRow>
Result<std::vector<CollectedRow<ReadRow>>> collectRows(SqliteStatement& statement, const std::string& what,
                                                       ReadRow&& readRow) {
  using Read = std::decay_t<std::invoke_result_t<ReadRow&, const SqliteStatement&>>;
  std::vector<CollectedRow<ReadRow>> rows;
  Status stepped = forEachRow(statement, what, [&](const SqliteStatement& row) {
    if constexpr (detail::IsOptional<Read>::value) {
      if (std::optional<CollectedRow<ReadRow>> kept = readRow(row)) rows.push_back(std::move(*kept));
    } else {
      rows.push_back(readRow(row));
    }
  });
  if (!stepped) return stepped.error();
  return rows;
}

// The first column of every row of `statement` as a set of ids; failures as in collectRows.
inline Result<std::set<std::int64_t>> collectIdSet(SqliteStatement& statement, const std::string& what) {
  std::set<std::int64_t> ids;
  Status stepped = forEachRow(statement, what, [&](const SqliteStatement& row) { ids.insert(row.columnInt64(0)); });
  if (!stepped) return stepped.error();
  return ids;
}

// Runs a statement that returns no rows (INSERT, UPDATE, DELETE) once; a failure is statement.error(what).
inline Status stepToDone(SqliteStatement& statement, const std::string& what) {
  if (!statement.ok() || statement.step() != SQLITE_DONE) return statement.error(what);
  return okStatus();
}

}  // namespace winnow::store
