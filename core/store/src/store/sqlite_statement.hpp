// Minimal RAII wrapper over a prepared SQLite statement. Private to the store module.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>

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
  std::optional<double> columnOptionalDouble(int column) const {
    if (columnIsNull(column)) return std::nullopt;
    return columnDouble(column);
  }

 private:
  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
  std::string prepareError_;
};

}  // namespace winnow::store
