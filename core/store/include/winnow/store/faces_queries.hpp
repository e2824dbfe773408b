// The faces module's tables, read and written here: `faces` (detector boxes), `face_crops` (the
// crop files cut from them) and the face flags in `sample_flags`; `embeddings` is in
// embedding_queries.hpp. winnow/faces/ decides what to detect, crop and embed; the store owns the
// SQL. Functions that write say whether they need the caller's transaction.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "winnow/store/project_store.hpp"
#include "winnow/util/result.hpp"

namespace winnow::store {

// The box columns of a `faces` row, in the sample's oriented full-resolution pixel frame.
struct FaceBoxRow {
  double x = 0.0;
  double y = 0.0;
  double width = 0.0;
  double height = 0.0;
  double score = 0.0;
  std::string landmarksJson;  // as the detector run stored it: [x0, y0, x1, y1, ...]
};

// One stored face of a detector.
struct DetectorFaceRow {
  std::int64_t faceId = 0;
  std::int64_t sampleId = 0;
  FaceBoxRow box;
};

// One `face_crops` row: a crop file cut from a face.
struct FaceCropRow {
  std::int64_t sampleId = 0;
  std::int64_t faceId = 0;  // the `faces` row it was cut from
  std::string detector;
  std::int64_t faceIndex = 0;  // 0 = the face a single-face policy chose (or the largest)
  std::string path;            // project-relative PNG
  int width = 0;               // of the PNG, pixels
  int height = 0;
  double centreX = 0.0;        // geometry in the sample's oriented full-resolution frame
  double centreY = 0.0;
  double sideX = 0.0;
  double sideY = 0.0;
  double angleDegrees = 0.0;
  std::string paramsJson;      // the crop parameters and the policy that chose the face
  std::optional<std::int64_t> runId;
};

// One `sample_flags` row.
struct SampleFlagRow {
  std::int64_t sampleId = 0;
  std::string flag;
  double value = 0.0;
  double threshold = 0.0;
  std::optional<std::int64_t> runId;
};

// ---- faces ----

// Stored faces of `detector` with score >= minScore, in the table's order.
Result<std::vector<DetectorFaceRow>> readDetectorFaces(const ProjectStore& store, const std::string& detector,
                                                       double minScore);

// The detector with stored faces that steps use when none is named: faceapi_ssd, then
// faceapi_whole_face, when they have faces; else the one with faces on the most samples (ties:
// by name). nullopt when no face is stored.
Result<std::optional<std::string>> preferredFaceDetector(const ProjectStore& store);

// Replaces the faces `detector` found on one sample by `boxes` (none: the sample has no face),
// recording the detector's parameters and the time. In the caller's transaction.
Status replaceSampleFaces(ProjectStore& store, std::int64_t sampleId, const std::string& detector,
                          const std::string& paramsJson, const std::vector<FaceBoxRow>& boxes);

// Samples that have a value of the measure `name` (e.g. "face_count:yunet": the samples a
// detector ran on).
Result<std::set<std::int64_t>> samplesWithMeasure(const ProjectStore& store, const std::string& name);

// ---- face crops ----

// Project-relative paths of the crop files of `detector`.
Result<std::vector<std::string>> faceCropPaths(const ProjectStore& store, const std::string& detector);

// Deletes the `face_crops` rows of `detector` (not the files).
Status deleteFaceCrops(ProjectStore& store, const std::string& detector);

// Records one crop. In the caller's transaction.
Status insertFaceCrop(ProjectStore& store, const FaceCropRow& crop);

// The face of each sample's first crop of `detector` (lowest face_index among the crops cut
// from a stored face): sample id -> face id.
Result<std::map<std::int64_t, std::int64_t>> firstCropFaceIds(const ProjectStore& store, const std::string& detector);

// ---- flags ----

// Deletes every sample's flags of these names.
Status deleteFlags(ProjectStore& store, const std::vector<std::string>& flags);

// Sets (replaces) one flag of a sample. In the caller's transaction.
Status putSampleFlag(ProjectStore& store, const SampleFlagRow& flag);

}  // namespace winnow::store
