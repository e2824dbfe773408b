// Internal to the faces module: decoding samples for crops and face chips.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "winnow/faces/face_crops.hpp"

namespace winnow::faces {

struct StoredFace {
  std::int64_t faceId = 0;
  plugin::FaceBox box;
};

// Stored faces of one detector with score >= minScore, by sample, largest first.
// The detector whose stored faces a step uses when none is named: faceapi_ssd, then
// faceapi_whole_face, when they have detections (face-api's descriptors were made for their
// 68-landmark chips), else the detector with faces on the most samples (yunet after a plain
// `winnow detect`); faceapi_ssd when nothing is stored.
Result<std::string> defaultFaceSource(store::ProjectStore& store);

Result<std::map<std::int64_t, std::vector<StoredFace>>> readFaces(store::ProjectStore& store,
                                                                  const std::string& detector,
                                                                  double minScore);

// A file decoded to RGB, reduced (JPEG DCT scaling) down to no less than
// wantedSide(longest oriented side), and the factor from the oriented original frame to it.
Result<std::pair<Image, double>> decodeOrientedReduced(const std::filesystem::path& path,
                                                       const std::function<int(int)>& wantedSide);

// Decoded RGB pixels of a sample, reduced (JPEG DCT scaling) as far as `neededScale` (output
// pixels per original pixel) allows, and the factor from the oriented original frame to them.
Result<std::pair<Image, double>> decodeForCrops(store::ProjectStore& store,
                                                const store::SampleRecord& sample,
                                                double neededScale, int maxDecodeSide);

// The geometry in a frame scaled by k (pixel centres preserved).
CropGeometry scaled(CropGeometry g, double k);

}  // namespace winnow::faces
