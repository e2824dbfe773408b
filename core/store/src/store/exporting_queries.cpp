#include "winnow/store/exporting_queries.hpp"

#include "store/sqlite_statement.hpp"

namespace winnow::store {

Result<std::vector<ExportCropRow>> readExportCrops(const ProjectStore& store, const std::string& detector) {
  SqliteStatement select(SqlAccess::handle(store),
                         "SELECT sample_id, path, params_json FROM face_crops WHERE detector = ? AND face_index = 0");
  select.bind(1, detector);
  return collectRows(select, "face crops", [](const SqliteStatement& crop) {
    return ExportCropRow{crop.columnInt64(0), crop.columnText(1), crop.columnText(2)};
  });
}

}  // namespace winnow::store
