// Face detection over a project with a detector plugin. Boxes are stored in the `faces` table in
// the pixel frame of the EXIF-oriented original (sample width x height), whatever size the
// detector saw; the count per sample is stored as the measure "face_count" so that "no face" is
// recorded, not just absent.
//
// Large images are decoded reduced (libjpeg's scaled DCT through OpenCV) to at most
// max_decode_side pixels, so a 12-megapixel phone photo is never fully decoded just to find a face.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

#include "winnow/job/job_context.hpp"
#include "winnow/plugin/plugin_host.hpp"
#include "winnow/store/project_store.hpp"
#include "winnow/util/result.hpp"

namespace winnow::faces {

// params (schemas/steps/detect.schema.json): detector, detector_params, max_decode_side, redo,
// threads. Summary: samples processed, with 0 / 1 / several faces, failures, seconds.
Result<nlohmann::json> runDetect(store::ProjectStore& store, plugin::PluginHost& host,
                                 const nlohmann::json& params, job::JobContext& job,
                                 std::optional<std::int64_t> runId = {});

struct DetectedFace {
  plugin::FaceBox box;  // in the EXIF-oriented full-resolution frame
};

// One file, no project: decode (reduced when large), detect, scale boxes to full resolution.
Result<nlohmann::json> detectFacesInFile(plugin::PluginHost& host, const std::filesystem::path& path,
                                         const std::string& detectorId,
                                         const nlohmann::json& detectorParams, int maxDecodeSide);
// The same with a detector made once by the caller (many files: the weights load once).
Result<nlohmann::json> detectFacesInFile(plugin::Detector& detector, const std::filesystem::path& path,
                                         const std::string& detectorId, int maxDecodeSide);

}  // namespace winnow::faces
