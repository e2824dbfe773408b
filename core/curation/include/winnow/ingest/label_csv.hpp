// Labels from a CSV file, the form Kaggle ships them in (train.csv: `filename,label`, `id,label`,
// `image_id,class`, ...), for ingesting a flat folder whose labels are not in folder names.
//
// Contracts:
// - RFC 4180 CSV (libcsv: quoted fields, embedded commas and newlines, CRLF; a UTF-8 byte-order
//   mark is ignored) with a header row. The file column is the first whose header is one of
//   kFileColumnNames, the label column the first in kLabelColumnNames (case-insensitive); a file
//   with exactly two columns and other headers uses the first for files and the second for
//   labels. Anything else is an error naming the headers found and the names expected.
// - A file with exactly two columns where one header is known takes the other as the second
//   column; with neither known it is read as file, then label.
// - A file value may be a path relative to the ingested folder or a bare file name, with or
//   without its extension (Kaggle's `id` columns carry none): a file matches on its relative path,
//   then its relative path without extension, then its name, then its name without extension.
// - Rows with an empty file or label are skipped and counted. Two rows giving one key two
//   different labels are an error naming both rows; the same label twice is accepted.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <unordered_map>
#include <vector>

#include "winnow/util/result.hpp"

namespace winnow::ingest {

inline const std::vector<std::string> kFileColumnNames = {
    "filename", "file_name", "file", "fname", "image", "image_name", "image_id", "imageid",
    "img", "path", "filepath", "file_path", "id", "name"};
inline const std::vector<std::string> kLabelColumnNames = {
    "label", "labels", "class", "class_name", "classname", "category", "target", "y"};

class LabelTable {
 public:
  // Reads and checks the whole file; errors name the file (and the row, 1-based, header = 1).
  static Result<LabelTable> read(const std::filesystem::path& csvFile);

  // The label of the file at `relative` (to the ingested folder), or nullptr. Marks the row
  // matched (for unmatchedFiles), so calls must not overlap.
  const std::string* find(const std::filesystem::path& relative) const;

  const std::filesystem::path& file() const { return file_; }
  const std::string& fileColumn() const { return fileColumn_; }
  const std::string& labelColumn() const { return labelColumn_; }
  std::int64_t rows() const { return static_cast<std::int64_t>(entries_.size()); }
  std::int64_t skippedRows() const { return skippedRows_; }
  // The file values of rows no find() call has matched so far, in file order.
  std::vector<std::string> unmatchedFiles() const;

 private:
  struct Entry {
    std::string fileValue;
    std::string label;
    std::int64_t row = 0;
    mutable bool matched = false;
  };

  std::filesystem::path file_;
  std::string fileColumn_;
  std::string labelColumn_;
  std::vector<Entry> entries_;
  std::unordered_map<std::string, std::size_t> byFileValue_;  // normalised file value -> entry
  std::int64_t skippedRows_ = 0;
};

}  // namespace winnow::ingest
