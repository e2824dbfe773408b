// Face crops: derived, rebuildable files cut from each sample around the faces a detector found,
// rotated so the eyes are level when the detector gave landmarks (68 or 5). Every crop is recorded in
// the face_crops table with its source sample, face row, detector, geometry and the policy that
// made it; `winnow crops` deletes and rebuilds a detector's crops.
//
// Several faces in one image follow the policy's "multiple": keep the largest, the one nearest the
// image centre ("central") or the highest-scoring ("most_confident") as face_index 0, keep all
// (one crop each, face_index 0 = largest), or crop none ("flag"). Every sample with several faces
// is flagged "multiple_faces" (value = count) for review, whatever the policy, and each crop's
// params_json records the policy that chose it ("chosen_by") and the face count. A sample with no
// face is flagged "no_face", never silently dropped.
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

// The frame of ArcFace's 112 x 112 five-point alignment (the similarity transform face tools fit
// from right eye, left eye, nose tip, right and left mouth corner to fixed reference points), in
// the image: its centre, side and counter-clockwise angle. nullopt unless there are exactly 5
// landmark pairs (YuNet's) or they are degenerate.
struct FivePointFrame {
  double centreX = 0, centreY = 0;
  double side = 0;          // image pixels spanned by the 112-pixel reference square
  double angleDegrees = 0;  // as CropGeometry::angleDegrees
};
std::optional<FivePointFrame> fivePointFrame(const std::vector<float>& landmarks);

// Crop geometry of a face: the box (or, when fromLandmarks and landmarks exist, the landmarks'
// frame: with 68 points their bounding box in the levelled frame, as face-api aligns for
// recognition; with 5 points the ArcFace 112 frame) grown by `margin` of its size on every side,
// optionally made square. `align` rotates by the 68 points' eye line or the 5 points' similarity
// transform; a face without landmarks (Haar, res10) is cut along its box, unrotated.
CropGeometry cropGeometry(const plugin::FaceBox& face, double margin, bool square, bool align,
                          bool fromLandmarks);

// Samples the geometry into a width x height image (bilinear, area-like when shrinking; border
// replicated or black outside the image).
Image cutCrop(const Image& source, const CropGeometry& geometry, int width, int height,
              bool replicateBorder);

// params (schemas/steps/crops.schema.json): detector, size, margin, square, align, multiple,
// min_score, border, max_decode_side. Summary: samples, crops written, no_face, multiple_faces,
// failed, seconds; "alignment" counts crops rotated by 68 / 5 landmarks and cut along the box
// only, with a one-line note (also a job warning) when align was asked for faces without landmarks.
Result<nlohmann::json> runCrops(store::ProjectStore& store, const nlohmann::json& params, job::JobContext& job,
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
Result<nlohmann::json> runIdentityCheck(store::ProjectStore& store, const nlohmann::json& params,
                                        job::JobContext& job, std::optional<std::int64_t> runId = {});

}  // namespace winnow::faces
