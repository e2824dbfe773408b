#include "winnow/ingest/label_csv.hpp"

#include <csv.h>

#include <algorithm>
#include <cctype>

#include "winnow/image/image_codec.hpp"

namespace winnow::ingest {

namespace fs = std::filesystem;

namespace {

std::string lowered(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

std::string trimmed(const std::string& text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string::npos) return {};
  return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

// "./a\\b.jpg" -> "a/b.jpg": the form relative paths are compared in.
std::string normalisedPath(std::string value) {
  std::replace(value.begin(), value.end(), '\\', '/');
  while (value.rfind("./", 0) == 0) value.erase(0, 2);
  return value;
}

// Rows as libcsv hands them over, fields then end of record.
struct CsvRows {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> current;
};

void onField(void* data, std::size_t size, void* rows) {
  auto& target = *static_cast<CsvRows*>(rows);
  target.current.emplace_back(data != nullptr ? static_cast<const char*>(data) : "", data != nullptr ? size : 0);
}

void onRow(int /*terminator*/, void* rows) {
  auto& target = *static_cast<CsvRows*>(rows);
  target.rows.push_back(std::move(target.current));
  target.current.clear();
}

int findColumn(const std::vector<std::string>& header, const std::vector<std::string>& names) {
  for (const std::string& name : names) {
    for (std::size_t i = 0; i < header.size(); ++i) {
      if (lowered(trimmed(header[i])) == name) return static_cast<int>(i);
    }
  }
  return -1;
}

std::string joined(const std::vector<std::string>& values) {
  std::string out;
  for (const std::string& value : values) out += (out.empty() ? "" : ", ") + value;
  return out;
}

}  // namespace

Result<LabelTable> LabelTable::read(const fs::path& csvFile) {
  auto bytes = image::readFileBytes(csvFile, std::uint64_t{1} << 32);
  if (!bytes) return bytes.error();
  const std::string where = csvFile.string() + ": ";
  std::size_t start = 0;
  if (bytes->size() >= 3 && (*bytes)[0] == 0xEF && (*bytes)[1] == 0xBB && (*bytes)[2] == 0xBF) start = 3;

  csv_parser parser;
  if (csv_init(&parser, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0) return makeError(ErrorCode::Internal, where + "cannot start the CSV parser");
  CsvRows rows;
  const std::size_t length = bytes->size() - start;
  const bool parsed = csv_parse(&parser, bytes->data() + start, length, onField, onRow, &rows) == length &&
                      csv_fini(&parser, onField, onRow, &rows) == 0;
  const std::string parseError = parsed ? "" : csv_strerror(csv_error(&parser));
  csv_free(&parser);
  if (!parsed) return makeError(ErrorCode::InvalidArgument, where + "not a valid CSV file: " + parseError);
  if (rows.rows.empty()) return makeError(ErrorCode::InvalidArgument, where + "empty: a header row (for example filename,label) is needed");

  const std::vector<std::string>& header = rows.rows.front();
  int fileColumn = findColumn(header, kFileColumnNames);
  int labelColumn = findColumn(header, kLabelColumnNames);
  if (header.size() == 2) {  // one named column tells the other's role; none: file, then label
    if (fileColumn >= 0 && labelColumn < 0) labelColumn = 1 - fileColumn;
    if (labelColumn >= 0 && fileColumn < 0) fileColumn = 1 - labelColumn;
    if (fileColumn < 0 && labelColumn < 0) {
      fileColumn = 0;
      labelColumn = 1;
    }
  }
  if (fileColumn < 0 || labelColumn < 0 || fileColumn == labelColumn) {
    return makeError(ErrorCode::InvalidArgument,
                     where + "cannot tell the file and label columns from the header (" + joined(header) +
                         "): name them one of " + joined(kFileColumnNames) + " and one of " + joined(kLabelColumnNames));
  }

  LabelTable table;
  table.file_ = csvFile;
  table.fileColumn_ = trimmed(header[static_cast<std::size_t>(fileColumn)]);
  table.labelColumn_ = trimmed(header[static_cast<std::size_t>(labelColumn)]);
  for (std::size_t r = 1; r < rows.rows.size(); ++r) {
    const std::vector<std::string>& row = rows.rows[r];
    const auto rowNumber = static_cast<std::int64_t>(r + 1);
    const auto cell = [&row](int column) {
      return static_cast<std::size_t>(column) < row.size() ? trimmed(row[static_cast<std::size_t>(column)]) : std::string();
    };
    const std::string fileValue = normalisedPath(cell(fileColumn));
    const std::string label = cell(labelColumn);
    if (fileValue.empty() || label.empty()) {
      ++table.skippedRows_;
      continue;
    }
    auto [found, inserted] = table.byFileValue_.emplace(fileValue, table.entries_.size());
    if (!inserted) {
      const Entry& earlier = table.entries_[found->second];
      if (earlier.label != label) {
        return makeError(ErrorCode::InvalidArgument,
                         where + "row " + std::to_string(rowNumber) + " labels '" + fileValue + "' " + label + " but row " +
                             std::to_string(earlier.row) + " labels it " + earlier.label);
      }
      continue;
    }
    table.entries_.push_back({fileValue, label, rowNumber, false});
  }
  return table;
}

const std::string* LabelTable::find(const fs::path& relative) const {
  const std::string path = normalisedPath(relative.generic_string());
  const std::string name = relative.filename().string();
  const fs::path relativeStem = relative.parent_path() / relative.stem();
  for (const std::string& key : {path, normalisedPath(relativeStem.generic_string()), name, relative.stem().string()}) {
    auto found = byFileValue_.find(key);
    if (found == byFileValue_.end()) continue;
    const Entry& entry = entries_[found->second];
    entry.matched = true;
    return &entry.label;
  }
  return nullptr;
}

std::vector<std::string> LabelTable::unmatchedFiles() const {
  std::vector<std::string> unmatched;
  for (const Entry& entry : entries_) {
    if (!entry.matched) unmatched.push_back(entry.fileValue);
  }
  return unmatched;
}

}  // namespace winnow::ingest
