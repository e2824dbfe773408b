// Face crops: derived, rebuildable files cut from each sample around the faces a detector found,
// rotated so the eyes are level when the detector gave 68 landmarks. Every crop is recorded in
// the face_crops table with its source sample, face row, detector, geometry and the policy that
// made it; `winnow crops` deletes and rebuilds a detector's crops.
//
// Several faces in one image follow the policy's "multiple": keep the largest, keep all (one crop
// each, face_index 0 = largest), or flag the sample ("multiple_faces") and crop none. A sample with
// no face is flagged "no_face", never silently dropped.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "winnow/image/image.hpp"
#include "winnow/job/job_context.hpp"
#include "winnow/plugin/detector.hpp"
#include "winnow/plugin/plugin_host.hpp"
#include "winnow/store/project_store.hpp"
#include "winnow/util/result.hpp"

namespace winnow::faces {

// A rotated rectangle in the oriented full-resolution frame of a sample.
struct CropGeometry {
  double centreX = 0, centreY = 0;
  double sideX = 0, sideY = 0;  // extent along the rotated axes, margin included
  double angleDegrees = 0;      // counter-clockwise rotation that levels the eyes
};

// Eye centres from 68-point landmarks (iBUG order: 36-41 one eye, 42-47 the other); nullopt
// for other landmark sets.
std::optional<double> eyeLineAngleDegrees(const std::vector<float>& landmarks);

// Crop geometry of a face: the box (or, when alignToLandmarks and 68 landmarks exist, the
// landmarks' bounding box in the levelled frame, as face-api aligns for recognition) grown by
// `margin` of its size on every side, optionally made square.
CropGeometry cropGeometry(const plugin::FaceBox& face, double margin, bool square, bool align,
                          bool fromLandmarks);

// Samples the geometry into a width x height image (bilinear, area-like when shrinking; border
// replicated or black outside the image).
Image cutCrop(const Image& source, const CropGeometry& geometry, int width, int height,
              bool replicateBorder);

// params (schemas/steps/crops.schema.json): detector, size, margin, square, align, multiple,
// min_score, border, max_decode_side. Summary: samples, crops written, no_face, multiple_faces,
// failed, seconds.
Result<nlohmann::json> runCrops(store::ProjectStore& store, plugin::PluginHost& host,
                                const nlohmann::json& params, job::JobContext& job,
                                std::optional<std::int64_t> runId = {});

// params (schemas/steps/embed.schema.json): model, model_params, source ("faces": an aligned
// chip per sample from its largest face of `detector`; "image": the whole image, for sets that
// are already aligned face crops), detector, batch, redo. Vectors go to the embeddings table
// (extractor = model id), one per sample.
Result<nlohmann::json> runEmbed(store::ProjectStore& store, plugin::PluginHost& host,
                                const nlohmann::json& params, job::JobContext& job,
                                std::optional<std::int64_t> runId = {});

// Identity check on stored embeddings (params: extractor, png, max_samples): nearest-neighbour
// leave-one-out accuracy over labelled samples (Euclidean), same-person vs different-person
// distance statistics, the distance threshold with the lowest error, and optionally both
// distance histograms drawn into a PNG.
Result<nlohmann::json> runIdentityCheck(store::ProjectStore& store, plugin::PluginHost& host,
                                        const nlohmann::json& params, job::JobContext& job,
                                        std::optional<std::int64_t> runId = {});

}  // namespace winnow::faces
