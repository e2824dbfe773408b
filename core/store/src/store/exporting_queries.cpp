#include "winnow/store/exporting_queries.hpp"

#include "store/sqlite_statement.hpp"

namespace winnow::store {

Result<std::vector<ExportCropRow>> readExportCrops(const ProjectStore& store, const std::string& detector) {
  SqliteStatement select(SqlAccess::handle(store),
                         "SELECT sample_id, path, params_json FROM face_crops WHERE detector = ? AND face_index = 0");
  if (!select.ok()) return select.error("face crops");
  select.bind(1, detector);
  std::vector<ExportCropRow> rows;
  int rc = SQLITE_ROW;
  while ((rc = select.step()) == SQLITE_ROW) {
    rows.push_back({select.columnInt64(0), select.columnText(1), select.columnText(2)});
  }
  if (rc != SQLITE_DONE) return select.error("face crops");
  return rows;
}

}  // namespace winnow::store
