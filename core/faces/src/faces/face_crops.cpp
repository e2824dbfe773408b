#include "winnow/faces/face_crops.hpp"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <functional>
#include <set>

#include "winnow/config/schema_files.hpp"
#include "winnow/image/image_codec.hpp"
#include "winnow/store/faces_queries.hpp"
#include "winnow/util/atomic_file.hpp"
#include "face_pixels.hpp"
#include "winnow/faces/face_rows.hpp"

namespace winnow::faces {

namespace fs = std::filesystem;

namespace {

constexpr double kPi = 3.14159265358979323846;

cv::Mat matOf(const Image& image) {
  return cv::Mat(image.height, image.width, CV_8UC(image.channels()),
                 const_cast<std::uint8_t*>(image.pixels.data()), image.strideBytes());
}

Image imageOf(const cv::Mat& mat, PixelFormat format) {
  Image out;
  out.width = mat.cols;
  out.height = mat.rows;
  out.format = format;
  out.pixels.resize(static_cast<std::size_t>(mat.cols) * mat.rows * mat.channels());
  cv::Mat packed(mat.rows, mat.cols, mat.type(), out.pixels.data());
  mat.copyTo(packed);
  return out;
}

}  // namespace

std::optional<double> eyeLineAngleDegrees(const std::vector<float>& landmarks) {
  if (landmarks.size() != 136) return std::nullopt;
  double lx = 0, ly = 0, rx = 0, ry = 0;
  for (int i = 36; i < 42; ++i) {
    lx += landmarks[2 * i];
    ly += landmarks[2 * i + 1];
  }
  for (int i = 42; i < 48; ++i) {
    rx += landmarks[2 * i];
    ry += landmarks[2 * i + 1];
  }
  return std::atan2((ry - ly) / 6.0, (rx - lx) / 6.0) * 180.0 / kPi;
}

std::optional<FivePointFrame> fivePointFrame(const std::vector<float>& landmarks) {
  if (landmarks.size() != 10) return std::nullopt;
  // ArcFace's 112 x 112 reference (insightface): right eye, left eye, nose tip, right and left
  // mouth corner, the order YuNet and RetinaFace report.
  static constexpr double kReference[5][2] = {
      {38.2946, 51.6963}, {73.5318, 51.5014}, {56.0252, 71.7366}, {41.5493, 92.3655}, {70.7299, 92.2041}};
  // Least-squares similarity (rotation, uniform scale, shift) from the image points to the
  // reference, closed form (Umeyama; what skimage's SimilarityTransform and cv::estimateAffinePartial2D
  // without outlier rejection compute): ref = [a -b; b a] p + t.
  double px = 0, py = 0, qx = 0, qy = 0;
  for (int i = 0; i < 5; ++i) {
    px += landmarks[2 * i] / 5.0;
    py += landmarks[2 * i + 1] / 5.0;
    qx += kReference[i][0] / 5.0;
    qy += kReference[i][1] / 5.0;
  }
  double dot = 0, cross = 0, norm = 0;
  for (int i = 0; i < 5; ++i) {
    const double ux = landmarks[2 * i] - px, uy = landmarks[2 * i + 1] - py;
    const double vx = kReference[i][0] - qx, vy = kReference[i][1] - qy;
    dot += ux * vx + uy * vy;
    cross += ux * vy - uy * vx;
    norm += ux * ux + uy * uy;
  }
  if (!(norm > 1e-9) || !std::isfinite(norm)) return std::nullopt;
  const double a = dot / norm, b = cross / norm;
  const double scale = std::hypot(a, b);  // reference pixels per image pixel
  if (!(scale > 1e-9) || !std::isfinite(scale)) return std::nullopt;
  const double tx = qx - (a * px - b * py), ty = qy - (b * px + a * py);
  FivePointFrame frame;
  // The reference x axis in the image runs along (a, -b): the crop's counter-clockwise angle.
  frame.angleDegrees = std::atan2(-b, a) * 180.0 / kPi;
  // Image point of the reference centre (55.5, 55.5): invert ref = s R p + t.
  const double ux = 55.5 - tx, uy = 55.5 - ty;
  frame.centreX = (a * ux + b * uy) / (scale * scale);
  frame.centreY = (-b * ux + a * uy) / (scale * scale);
  frame.side = 112.0 / scale;
  return frame;
}

CropGeometry cropGeometry(const plugin::FaceBox& face, double margin, bool square, bool align,
                          bool fromLandmarks) {
  CropGeometry g;
  double width = face.width;
  double height = face.height;
  g.centreX = face.x + width / 2;
  g.centreY = face.y + height / 2;
  if (const std::optional<FivePointFrame> frame = fivePointFrame(face.landmarks)) {
    g.angleDegrees = align ? frame->angleDegrees : 0.0;
    if (fromLandmarks) {
      g.centreX = frame->centreX;
      g.centreY = frame->centreY;
      width = height = frame->side;
    }
    g.sideX = width * (1 + 2 * margin);
    g.sideY = height * (1 + 2 * margin);
    if (square) g.sideX = g.sideY = std::max(g.sideX, g.sideY);
    return g;
  }
  const std::optional<double> angle = eyeLineAngleDegrees(face.landmarks);
  g.angleDegrees = align && angle ? *angle : 0.0;
  if (fromLandmarks && face.landmarks.size() == 136) {
    // Landmarks' bounding box in the levelled frame (rotated about the box centre).
    const double a = -g.angleDegrees * kPi / 180.0;
    const double c = std::cos(a), s = std::sin(a);
    double minU = 1e30, maxU = -1e30, minV = 1e30, maxV = -1e30;
    for (std::size_t i = 0; i < 68; ++i) {
      const double dx = face.landmarks[2 * i] - g.centreX;
      const double dy = face.landmarks[2 * i + 1] - g.centreY;
      const double u = c * dx - s * dy;
      const double v = s * dx + c * dy;
      minU = std::min(minU, u);
      maxU = std::max(maxU, u);
      minV = std::min(minV, v);
      maxV = std::max(maxV, v);
    }
    const double midU = (minU + maxU) / 2, midV = (minV + maxV) / 2;
    // Back to the image frame.
    g.centreX += std::cos(-a) * midU - std::sin(-a) * midV;
    g.centreY += std::sin(-a) * midU + std::cos(-a) * midV;
    width = maxU - minU;
    height = maxV - minV;
  }
  g.sideX = width * (1 + 2 * margin);
  g.sideY = height * (1 + 2 * margin);
  if (square) g.sideX = g.sideY = std::max(g.sideX, g.sideY);
  return g;
}

Image cutCrop(const Image& source, const CropGeometry& geometry, int width, int height,
              bool replicateBorder) {
  cv::Mat src = matOf(source);
  CropGeometry g = geometry;
  // Shrinking by 2x or more: pre-shrink with area averaging so the bilinear warp does not alias.
  const double shrink = std::min(g.sideX / width, g.sideY / height);
  cv::Mat reduced;
  if (shrink >= 2.0) {
    const double f = 1.0 / std::floor(shrink);
    cv::resize(src, reduced, cv::Size(), f, f, cv::INTER_AREA);
    const double fx = static_cast<double>(reduced.cols) / src.cols;
    const double fy = static_cast<double>(reduced.rows) / src.rows;
    g.centreX = (g.centreX + 0.5) * fx - 0.5;
    g.centreY = (g.centreY + 0.5) * fy - 0.5;
    g.sideX *= fx;
    g.sideY *= fy;
    src = reduced;
  }
  const double a = g.angleDegrees * kPi / 180.0;
  const double c = std::cos(a), s = std::sin(a);
  const double kx = g.sideX / width, ky = g.sideY / height;
  // Destination pixel (u, v) -> source point (inverse map).
  cv::Matx23d map(c * kx, -s * ky, 0, s * kx, c * ky, 0);
  const double u0 = (width - 1) / 2.0, v0 = (height - 1) / 2.0;
  map(0, 2) = g.centreX - (map(0, 0) * u0 + map(0, 1) * v0);
  map(1, 2) = g.centreY - (map(1, 0) * u0 + map(1, 1) * v0);
  cv::Mat out;
  cv::warpAffine(src, out, cv::Mat(map), cv::Size(width, height), cv::INTER_LINEAR | cv::WARP_INVERSE_MAP,
                 replicateBorder ? cv::BORDER_REPLICATE : cv::BORDER_CONSTANT);
  return imageOf(out, source.format);
}

namespace {

// The face a single-face policy keeps, as an index into faces (largest first): "largest" the
// first, "central" the box centre nearest the image centre (in fractions of the image's sides, so
// portrait and landscape weigh alike), "most_confident" the highest score (ties: the larger).
// Without the image size "central" keeps the largest.
std::size_t chooseFace(const std::vector<StoredFace>& faces, const std::string& policy, int imageWidth,
                       int imageHeight) {
  std::size_t best = 0;
  if (policy == "most_confident") {
    for (std::size_t i = 1; i < faces.size(); ++i) {
      if (faces[i].box.score > faces[best].box.score) best = i;
    }
  } else if (policy == "central" && imageWidth > 0 && imageHeight > 0) {
    auto distance = [&](const plugin::FaceBox& box) {
      const double dx = (box.x + box.width / 2.0) / imageWidth - 0.5;
      const double dy = (box.y + box.height / 2.0) / imageHeight - 0.5;
      return dx * dx + dy * dy;
    };
    for (std::size_t i = 1; i < faces.size(); ++i) {
      if (distance(faces[i].box) < distance(faces[best].box)) best = i;
    }
  }
  return best;
}

}  // namespace

Result<std::string> defaultFaceSource(store::ProjectStore& store) {
  auto preferred = store::preferredFaceDetector(store);
  if (!preferred) return preferred.error();
  return preferred->value_or("faceapi_ssd");
}

Result<std::map<std::int64_t, std::vector<StoredFace>>> readFaces(store::ProjectStore& store,
                                                                  const std::string& detector,
                                                                  double minScore) {
  auto rows = store::readDetectorFaces(store, detector, minScore);
  if (!rows) return rows.error();
  std::map<std::int64_t, std::vector<StoredFace>> faces;
  for (const store::DetectorFaceRow& row : *rows) {
    StoredFace face;
    face.faceId = row.faceId;
    face.box = faceBoxFromRow(row.box);
    faces[row.sampleId].push_back(std::move(face));
  }
  for (auto& [id, list] : faces) {
    std::stable_sort(list.begin(), list.end(), [](const StoredFace& a, const StoredFace& b) {
      return a.box.width * a.box.height > b.box.width * b.box.height;
    });
  }
  return faces;
}

Result<std::pair<Image, double>> decodeOrientedReduced(const fs::path& path,
                                                       const std::function<int(int)>& wantedSide) {
  auto bytes = image::readFileBytes(path);
  if (!bytes) return bytes.error();
  auto info = image::probeImage(*bytes, path);
  if (!info) return info.error();
  const int wanted = wantedSide(std::max(info->orientedWidth(), info->orientedHeight()));
  auto decoded = image::decodeImageReduced(*bytes, path, wanted, image::ColorMode::Rgb);
  if (!decoded) return decoded.error();
  // libheif reports rotated sizes itself.
  const double toDecoded =
      info->format == "heic" || info->orientedWidth() == 0 || decoded->width == 0
          ? 1.0
          : static_cast<double>(decoded->width) / info->orientedWidth();
  return std::make_pair(std::move(decoded.value()), toDecoded);
}

Result<std::pair<Image, double>> decodeForCrops(store::ProjectStore& store,
                                                const store::SampleRecord& sample,
                                                double neededScale, int maxDecodeSide) {
  const fs::path path = store.pixelPath(sample);
  return decodeOrientedReduced(path, [&](int longest) {
    return std::clamp(static_cast<int>(std::ceil(longest * std::min(1.0, neededScale))), 64,
                      std::max(64, maxDecodeSide));
  });
}

CropGeometry scaled(CropGeometry g, double k) {
  g.centreX = (g.centreX + 0.5) * k - 0.5;
  g.centreY = (g.centreY + 0.5) * k - 0.5;
  g.sideX *= k;
  g.sideY *= k;
  return g;
}

Result<nlohmann::json> runCrops(store::ProjectStore& store, const nlohmann::json& rawParams, job::JobContext& job,
                                std::optional<std::int64_t> runId) {
  const auto started = std::chrono::steady_clock::now();
  auto resolved = config::resolveStepSchemaParams("crops", rawParams);
  if (!resolved) return resolved.error();
  const nlohmann::json& params = *resolved;
  const std::string detector = params["detector"].get<std::string>();
  const int size = params["size"].get<int>();
  const double margin = params["margin"].get<double>();
  const bool square = params["square"].get<bool>();
  const bool align = params["align"].get<bool>();
  const bool fromLandmarks = params["box"].get<std::string>() == "landmarks";
  const std::string multiple = params["multiple"].get<std::string>();
  const bool replicate = params["border"].get<std::string>() == "replicate";
  const int maxDecodeSide = params["max_decode_side"].get<int>();

  auto faces = readFaces(store, detector, params["min_score"].get<double>());
  if (!faces) return faces.error();
  auto detected = store::samplesWithMeasure(store, "face_count:" + detector);
  if (!detected) return detected.error();
  store::SampleFilter filter;
  filter.status = store::kStatusActive;
  auto samples = store.listSamples(filter);
  if (!samples) return samples.error();

  // Rebuild: the detector's old crops go first (derived files; the store is the record).
  {
    auto oldPaths = store::faceCropPaths(store, detector);
    if (!oldPaths) return oldPaths.error();
    for (const std::string& path : *oldPaths) {
      std::error_code ec;
      fs::remove(store.projectDir() / path, ec);
    }
    if (Status cleared = store::deleteFaceCrops(store, detector); !cleared) return cleared.error();
    if (Status cleared = store::deleteFlags(store, {"no_face", "multiple_faces"}); !cleared) return cleared.error();
  }
  const fs::path folder = fs::path("crops") / detector;
  std::error_code ec;
  fs::create_directories(store.projectDir() / folder, ec);
  if (ec) return makeError(ErrorCode::Io, (store.projectDir() / folder).string() + ": " + ec.message());

  nlohmann::json summary = {{"detector", detector}, {"samples", 0},        {"crops", 0},
                            {"no_face", 0},         {"multiple_faces", 0}, {"not_detected", 0},
                            {"failed", 0},
                            {"alignment", {{"landmarks_68", 0}, {"landmarks_5", 0}, {"box_only", 0}}}};
  job.begin("crops " + detector, static_cast<std::int64_t>(samples->size()));
  const std::size_t batch = 64;
  for (std::size_t begin = 0; begin < samples->size() && !job.cancelled(); begin += batch) {
    const std::size_t end = std::min(samples->size(), begin + batch);
    auto transaction = store.beginTransaction();
    if (!transaction) return transaction.error();
    auto flag = [&](std::int64_t sampleId, const char* name, double value) -> Status {
      return store::putSampleFlag(store, {sampleId, name, value, std::string(name) == "no_face" ? 1.0 : 2.0, runId});
    };
    for (std::size_t i = begin; i < end && !job.cancelled(); ++i, job.advance()) {
      const store::SampleRecord& sample = (*samples)[i];
      summary["samples"] = summary["samples"].get<int>() + 1;
      if (detected->count(sample.id) == 0) {
        summary["not_detected"] = summary["not_detected"].get<int>() + 1;
        continue;
      }
      const auto found = faces->find(sample.id);
      if (found == faces->end() || found->second.empty()) {
        summary["no_face"] = summary["no_face"].get<int>() + 1;
        if (Status s = flag(sample.id, "no_face", 0.0); !s) return s.error();
        continue;
      }
      std::vector<StoredFace> chosen = found->second;
      const std::size_t faceCount = chosen.size();
      if (faceCount > 1) {
        summary["multiple_faces"] = summary["multiple_faces"].get<int>() + 1;
        // Flagged under every policy, so the samples can be reviewed (winnow flagged P --flag multiple_faces).
        if (Status s = flag(sample.id, "multiple_faces", static_cast<double>(faceCount)); !s) return s.error();
        if (multiple == "flag") continue;
        if (multiple != "all") {
          const std::size_t pick = chooseFace(chosen, multiple, sample.width, sample.height);
          chosen = {chosen[pick]};
        }
      }
      nlohmann::json cropParams = params;
      cropParams["chosen_by"] = faceCount == 1 ? "only_face" : multiple;
      cropParams["face_count"] = faceCount;
      const std::string policyText = cropParams.dump();
      std::vector<CropGeometry> geometries;
      double needed = 0.0;
      for (const StoredFace& face : chosen) {
        geometries.push_back(cropGeometry(face.box, margin, square, align, fromLandmarks));
        const char* how = face.box.landmarks.size() == 136  ? "landmarks_68"
                          : face.box.landmarks.size() == 10 ? "landmarks_5"
                                                             : "box_only";
        summary["alignment"][how] = summary["alignment"][how].get<int>() + 1;
        needed = std::max(needed, size / std::max(1e-6, std::min(geometries.back().sideX, geometries.back().sideY)));
      }
      auto decoded = decodeForCrops(store, sample, needed, maxDecodeSide);
      if (!decoded) {
        summary["failed"] = summary["failed"].get<int>() + 1;
        job.warn(decoded.error().message);
        continue;
      }
      for (std::size_t k = 0; k < chosen.size(); ++k) {
        const CropGeometry& g = geometries[k];
        const int outW = square || g.sideX >= g.sideY ? size : std::max(1, static_cast<int>(std::lround(size * g.sideX / g.sideY)));
        const int outH = square || g.sideY >= g.sideX ? size : std::max(1, static_cast<int>(std::lround(size * g.sideY / g.sideX)));
        const Image crop = cutCrop(decoded->first, scaled(g, decoded->second), outW, outH, replicate);
        auto png = image::encodePng(crop);
        if (!png) return png.error();
        const fs::path relative = folder / (std::to_string(sample.id) + "_" + std::to_string(k) + ".png");
        if (Status written = writeFileAtomically(store.projectDir() / relative, *png); !written) {
          return written.error();
        }
        store::FaceCropRow row;
        row.sampleId = sample.id;
        row.faceId = chosen[k].faceId;
        row.detector = detector;
        row.faceIndex = static_cast<std::int64_t>(k);
        row.path = relative.generic_string();
        row.width = outW;
        row.height = outH;
        row.centreX = g.centreX;
        row.centreY = g.centreY;
        row.sideX = g.sideX;
        row.sideY = g.sideY;
        row.angleDegrees = g.angleDegrees;
        row.paramsJson = policyText;
        row.runId = runId;
        if (Status stored = store::insertFaceCrop(store, row); !stored) return stored.error();
        summary["crops"] = summary["crops"].get<int>() + 1;
      }
    }
    if (Status committed = transaction->commit(); !committed) return committed.error();
  }
  job.finish();
  if (summary["not_detected"].get<int>() > 0) {
    job.warn(std::to_string(summary["not_detected"].get<int>()) + " samples have no '" + detector +
             "' detection yet: run 'winnow detect --detector " + detector + "' first");
  }
  if (const int boxOnly = summary["alignment"]["box_only"].get<int>(); boxOnly > 0 && (align || fromLandmarks)) {
    const std::string note = std::to_string(boxOnly) + " crops of '" + detector +
                             "' follow the detector's box, not rotated: it stored no landmarks "
                             "(alignment needs 68 or 5, e.g. yunet or faceapi_ssd)";
    summary["alignment"]["note"] = note;
    job.warn(note);
  }
  summary["folder"] = folder.generic_string();
  summary["cancelled"] = job.cancelled();
  summary["seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return summary;
}

}  // namespace winnow::faces
