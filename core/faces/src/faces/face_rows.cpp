#include "winnow/faces/face_rows.hpp"

#include <nlohmann/json.hpp>

namespace winnow::faces {

plugin::FaceBox faceBoxFromRow(const store::FaceBoxRow& row) {
  plugin::FaceBox box;
  box.x = static_cast<float>(row.x);
  box.y = static_cast<float>(row.y);
  box.width = static_cast<float>(row.width);
  box.height = static_cast<float>(row.height);
  box.score = static_cast<float>(row.score);
  const auto landmarks = nlohmann::json::parse(row.landmarksJson, nullptr, false);
  if (landmarks.is_array()) {
    for (const auto& value : landmarks) {
      if (value.is_number()) box.landmarks.push_back(value.get<float>());
    }
  }
  return box;
}

store::FaceBoxRow faceRowFromBox(const plugin::FaceBox& box) {
  store::FaceBoxRow row;
  row.x = static_cast<double>(box.x);
  row.y = static_cast<double>(box.y);
  row.width = static_cast<double>(box.width);
  row.height = static_cast<double>(box.height);
  row.score = static_cast<double>(box.score);
  row.landmarksJson = nlohmann::json(box.landmarks).dump();
  return row;
}

}  // namespace winnow::faces
