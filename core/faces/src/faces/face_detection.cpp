#include "winnow/faces/face_detection.hpp"

#include <algorithm>
#include <chrono>
#include <mutex>
#include <set>
#include <thread>

#include "face_pixels.hpp"
#include "winnow/faces/face_rows.hpp"
#include "winnow/config/schema_files.hpp"
#include "winnow/image/image_codec.hpp"
#include "winnow/job/parallel_for.hpp"
#include "winnow/store/faces_queries.hpp"

namespace winnow::faces {

namespace fs = std::filesystem;

namespace {

struct DecodedForDetection {
  Image image;
  double toOriginal = 1.0;  // multiply detector coordinates by this for the full-size frame
};

Result<DecodedForDetection> decodeForDetection(const fs::path& path, int maxDecodeSide) {
  // Detection runs on a reduced decode (JPEG DCT scaling); boxes are scaled back to full size.
  auto decoded = image::decodeForAnalysis(path, maxDecodeSide, image::ColorMode::Rgb);
  if (!decoded) return decoded.error();
  DecodedForDetection out;
  out.image = std::move(decoded->image);
  out.toOriginal = decoded->scale > 0 ? 1.0 / decoded->scale : 1.0;
  return out;
}

struct SampleJob {
  std::int64_t sampleId = 0;
  fs::path path;
};

struct SampleResult {
  bool ok = false;
  std::string error;
  std::vector<plugin::FaceBox> boxes;
};

}  // namespace

Result<nlohmann::json> runDetect(store::ProjectStore& store, plugin::PluginHost& host,
                                 const nlohmann::json& rawParams, job::JobContext& job,
                                 std::optional<std::int64_t> runId) {
  const auto started = std::chrono::steady_clock::now();
  auto resolved = config::resolveStepSchemaParams("detect", rawParams);
  if (!resolved) return resolved.error();
  const nlohmann::json& params = *resolved;
  const std::string detectorId = params["detector"].get<std::string>();
  auto detectorParams = host.validateParams(detectorId, params["detector_params"]);
  if (!detectorParams) return detectorParams.error();
  const int maxDecodeSide = params["max_decode_side"].get<int>();
  const bool redo = params["redo"].get<bool>();

  store::SampleFilter filter;
  filter.status = store::kStatusActive;
  auto samples = store.listSamples(filter);
  if (!samples) return samples.error();

  // Samples that already have this detector's result (face_count measure written with it).
  std::set<std::int64_t> done;
  if (!redo) {
    auto detected = store::samplesWithMeasure(store, "face_count:" + detectorId);
    if (!detected) return detected.error();
    done = std::move(detected.value());
  }
  std::vector<SampleJob> jobs;
  for (const auto& sample : *samples) {
    if (done.count(sample.id)) continue;
    jobs.push_back({sample.id, store.pixelPath(sample)});
  }

  const int requested = params["threads"].get<int>();
  const unsigned threadCount = static_cast<unsigned>(std::max(
      1, std::min<int>(static_cast<int>(jobs.size()),
                       requested > 0 ? requested
                                     : static_cast<int>(std::max(1u, std::thread::hardware_concurrency())))));
  // One detector instance per thread: detectors are not required to be thread-safe.
  std::vector<plugin::Detector> detectors;
  for (unsigned t = 0; t < std::max(1u, threadCount); ++t) {
    auto detector = host.createDetector(detectorId, *detectorParams);
    if (!detector) return detector.error();
    detectors.push_back(std::move(detector.value()));
  }

  job.begin("detect " + detectorId, static_cast<std::int64_t>(jobs.size()));
  nlohmann::json summary = {{"detector", detectorId}, {"samples", 0},    {"no_face", 0},
                            {"one_face", 0},          {"several_faces", 0}, {"failed", 0}};
  const std::string paramsText = detectorParams->dump();
  const std::size_t batchSize = 64;
  for (std::size_t begin = 0; begin < jobs.size() && !job.cancelled(); begin += batchSize) {
    const std::size_t end = std::min(jobs.size(), begin + batchSize);
    std::vector<SampleResult> results(end - begin);
    auto work = [&](std::size_t offset, std::size_t worker) {
      plugin::Detector& detector = detectors[worker];
      const std::size_t i = begin + offset;
      SampleResult& result = results[i - begin];
      auto decoded = decodeForDetection(jobs[i].path, maxDecodeSide);
      if (!decoded) {
        result.error = decoded.error().message;
      } else {
        auto boxes = detector.detect(decoded->image);
        if (!boxes) {
          result.error = jobs[i].path.string() + ": " + boxes.error().message;
        } else {
          for (plugin::FaceBox box : *boxes) {
            const auto k = static_cast<float>(decoded->toOriginal);
            box.x *= k;
            box.y *= k;
            box.width *= k;
            box.height *= k;
            for (float& v : box.landmarks) v *= k;
            result.boxes.push_back(box);
          }
          result.ok = true;
        }
      }
      job.advance();
    };
    job::parallelFor(end - begin, static_cast<int>(detectors.size()), work, [&] { return job.cancelled(); });
    if (job.cancelled()) break;

    auto transaction = store.beginTransaction();
    if (!transaction) return transaction.error();
    for (std::size_t i = begin; i < end; ++i) {
      const SampleResult& result = results[i - begin];
      summary["samples"] = summary["samples"].get<int>() + 1;
      if (!result.ok) {
        summary["failed"] = summary["failed"].get<int>() + 1;
        job.warn(result.error);
        continue;
      }
      std::vector<store::FaceBoxRow> rows;
      rows.reserve(result.boxes.size());
      for (const auto& box : result.boxes) rows.push_back(faceRowFromBox(box));
      if (Status stored = store::replaceSampleFaces(store, jobs[i].sampleId, detectorId, paramsText, rows); !stored) {
        return stored.error();
      }
      const auto count = static_cast<double>(result.boxes.size());
      if (Status counted = store.putMeasures(jobs[i].sampleId, {{"face_count", count}, {"face_count:" + detectorId, count}});
          !counted) {
        return counted.error();
      }
      const char* bucket = result.boxes.empty() ? "no_face"
                           : result.boxes.size() == 1 ? "one_face" : "several_faces";
      summary[bucket] = summary[bucket].get<int>() + 1;
    }
    if (Status committed = transaction->commit(); !committed) return committed.error();
  }
  job.finish();
  (void)runId;
  summary["skipped_already_done"] = done.size();
  summary["cancelled"] = job.cancelled();
  summary["seconds"] =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return summary;
}

Result<nlohmann::json> detectFacesInFile(plugin::PluginHost& host, const fs::path& path,
                                         const std::string& detectorId,
                                         const nlohmann::json& detectorParams, int maxDecodeSide) {
  auto detector = host.createDetector(detectorId, detectorParams);
  if (!detector) return detector.error();
  return detectFacesInFile(*detector, path, detectorId, maxDecodeSide);
}

Result<nlohmann::json> detectFacesInFile(plugin::Detector& detector, const fs::path& path,
                                         const std::string& detectorId, int maxDecodeSide) {
  auto decoded = decodeForDetection(path, maxDecodeSide);
  if (!decoded) return decoded.error();
  auto boxes = detector.detect(decoded->image);
  if (!boxes) return makeError(boxes.error().code, path.string() + ": " + boxes.error().message);
  nlohmann::json faces = nlohmann::json::array();
  const double k = decoded->toOriginal;
  for (const auto& box : *boxes) {
    nlohmann::json landmarks = nlohmann::json::array();
    for (float v : box.landmarks) landmarks.push_back(v * k);
    faces.push_back({{"x", box.x * k},
                     {"y", box.y * k},
                     {"width", box.width * k},
                     {"height", box.height * k},
                     {"score", box.score},
                     {"landmarks", landmarks}});
  }
  return nlohmann::json{{"file", path.string()},
                        {"detector", detectorId},
                        {"decoded_width", decoded->image.width},
                        {"decoded_height", decoded->image.height},
                        {"scale_to_original", k},
                        {"faces", faces}};
}

}  // namespace winnow::faces
