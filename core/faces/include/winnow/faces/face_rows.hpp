// Face boxes as stored face rows (table faces) and back: the one encoding of a plugin::FaceBox in
// the store, written by detection and read by every reader of stored faces (crops, the review
// catalogue). Landmarks are stored as a JSON array [x0, y0, x1, y1, ...] in landmarks_json.
#pragma once

#include "winnow/plugin/detector.hpp"
#include "winnow/store/faces_queries.hpp"

namespace winnow::faces {

// The box of a stored face; landmarks that are not a JSON array of numbers are dropped (the rest
// of the box is still usable). Never fails.
plugin::FaceBox faceBoxFromRow(const store::FaceBoxRow& row);

// A box as a stored face row: landmarks as a JSON array [x0, y0, x1, y1, ...].
store::FaceBoxRow faceRowFromBox(const plugin::FaceBox& box);

}  // namespace winnow::faces
