// Reading stored face rows (table faces) back into FaceBox: one decoding for every reader
// (crops, the review catalog), columns x, y, width, height, score, landmarks_json in that order.
#pragma once

#include <nlohmann/json.hpp>

#include "store/sqlite_statement.hpp"
#include "winnow/plugin/detector.hpp"

namespace winnow::faces {

// The box at columns first..first+5 of the current row; landmarks that are not a JSON array of
// numbers are dropped (the rest of the box is still usable).
inline plugin::FaceBox faceBoxFromRow(const store::SqliteStatement& row, int first) {
  plugin::FaceBox box;
  box.x = static_cast<float>(row.columnDouble(first));
  box.y = static_cast<float>(row.columnDouble(first + 1));
  box.width = static_cast<float>(row.columnDouble(first + 2));
  box.height = static_cast<float>(row.columnDouble(first + 3));
  box.score = static_cast<float>(row.columnDouble(first + 4));
  const auto landmarks = nlohmann::json::parse(row.columnText(first + 5), nullptr, false);
  if (landmarks.is_array()) {
    for (const auto& value : landmarks) {
      if (value.is_number()) box.landmarks.push_back(value.get<float>());
    }
  }
  return box;
}

}  // namespace winnow::faces
