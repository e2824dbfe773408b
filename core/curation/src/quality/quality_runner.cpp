#include "winnow/quality/quality_runner.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "quality/curation_support.hpp"
#include "winnow/config/schema_files.hpp"
#include "winnow/image/image_codec.hpp"
#include "winnow/image/serial_opencv.hpp"
#include "winnow/quality/image_measures.hpp"
#include "winnow/store/quality_queries.hpp"

namespace winnow::quality {

const std::vector<std::string>& qualityFlagNames() {
  static const std::vector<std::string> names = {
      "blurry", "too_dark", "too_bright", "low_resolution", "grey_in_colour_set",
      "colour_cast", "no_face", "several_faces"};
  return names;
}

namespace {

// The same decode as ingest's (kMeasureDecodeSide), so a sample measured here and one measured at
// ingest get the same values.
constexpr int kDecodeSide = kMeasureDecodeSide;
constexpr std::size_t kBatchSize = 64;

struct SampleOutcome {
  bool ok = false;
  std::string reason;
  MeasureList measures;
};

SampleOutcome measureSample(const store::ProjectStore& store, const store::SampleRecord& sample) {
  SampleOutcome outcome;
  const auto path = detail::samplePixelPath(store, sample);
  auto bytes = image::readFileBytes(path);
  if (!bytes) {
    outcome.reason = bytes.error().message;
    return outcome;
  }
  // Limits: whatever ingest admitted (its --max-pixels may be above the default).
  image::DecodeLimits limits;
  limits.maxPixels = std::max<std::int64_t>(limits.maxPixels, static_cast<std::int64_t>(sample.width) * sample.height);
  limits.maxSide = std::max({limits.maxSide, sample.width, sample.height});
  auto decoded = image::decodeForAnalysis(*bytes, path, kDecodeSide, image::ColorMode::Rgb, limits);
  if (!decoded) {
    outcome.reason = decoded.error().message;
    return outcome;
  }
  auto measured = measureImage(decoded->image);
  if (!measured) {
    outcome.reason = path.string() + ": " + measured.error().message;
    return outcome;
  }
  SampleFacts facts;
  facts.width = sample.width;
  facts.height = sample.height;
  facts.hasExif = sample.hasExif;
  facts.byteSize = sample.byteSize;
  facts.jpegQuality = sample.derivedPath.empty() ? estimateJpegQuality(*bytes) : -1;
  outcome.measures = sampleMeasureList(*measured, facts);
  outcome.ok = true;
  return outcome;
}

struct FaceRefresh {
  bool facesPresent = false;
  std::int64_t samplesChecked = 0;
  std::map<std::int64_t, double> faceCount;  // sample id -> faces found (0 = checked, none)
};

// Rewrites face_area_ratio (largest face box area / image area) from the faces table and collects
// face counts for the flags. The face detector records, per sample it ran on, the measure
// "face_count:<detector>" (and "face_count" for its latest run), including 0 for no face; samples
// with face rows but no such measure (faces imported otherwise) count their rows.
Result<FaceRefresh> refreshFaceMeasures(store::ProjectStore& store, const std::string& detector) {
  FaceRefresh refresh;
  if (Status status = store::deleteMeasureOfAllSamples(store, "face_area_ratio"); !status) {
    return status.error();
  }
  auto counted = detail::readMeasure(store, detector.empty() ? "face_count" : "face_count:" + detector);
  if (!counted) return counted.error();
  refresh.faceCount = std::move(*counted);

  auto boxes = store::faceBoxesPerSample(store, detector);
  if (!boxes) return boxes.error();
  std::vector<std::pair<std::int64_t, double>> ratios;
  for (const store::SampleFaceBoxes& sample : *boxes) {
    const double area = std::max(1.0, static_cast<double>(sample.width) * static_cast<double>(sample.height));
    ratios.emplace_back(sample.sampleId, sample.largestFaceArea / area);
    refresh.faceCount.emplace(sample.sampleId, static_cast<double>(sample.faceCount));
  }
  for (const auto& [sampleId, ratio] : ratios) {
    if (Status status = detail::writeMeasures(store, sampleId, {{"face_area_ratio", ratio}});
        !status) {
      return status.error();
    }
  }
  refresh.facesPresent = !refresh.faceCount.empty();
  refresh.samplesChecked = static_cast<std::int64_t>(refresh.faceCount.size());
  return refresh;
}

struct FlagHit {
  std::int64_t sampleId = 0;
  double value = 0.0;
  double threshold = 0.0;
};

using AllMeasures = std::map<std::int64_t, std::map<std::string, double>>;

// Flag name -> hits. `labels` maps sample id -> label ("" when unlabelled).
std::map<std::string, std::vector<FlagHit>> computeFlags(
    const AllMeasures& all, const std::map<std::int64_t, std::string>& labels,
    const nlohmann::json& params) {
  std::map<std::string, std::vector<FlagHit>> hits;
  for (const auto& name : qualityFlagNames()) hits[name];
  const double blurThreshold = params.at("blur_threshold").get<double>();
  const double darkThreshold = params.at("dark_threshold").get<double>();
  const double brightThreshold = params.at("bright_threshold").get<double>();
  const double minSide = params.at("min_side").get<double>();
  const double greyThreshold = params.at("grey_threshold").get<double>();
  const double colourMajority = params.at("colour_majority").get<double>();
  const double castThreshold = params.at("colour_cast_threshold").get<double>();
  const double castRatioThreshold = params.at("colour_cast_ratio_threshold").get<double>();
  const double maxFaces = params.at("max_faces").get<double>();

  // Share of colour images per class (unlabelled samples form their own group).
  std::map<std::string, std::pair<std::int64_t, std::int64_t>> colourByGroup;  // colour, total
  for (const auto& [id, measures] : all) {
    auto colour = measures.find("colourfulness");
    auto label = labels.find(id);
    if (colour == measures.end() || label == labels.end()) continue;
    auto& counts = colourByGroup[label->second];
    counts.first += colour->second >= greyThreshold ? 1 : 0;
    counts.second += 1;
  }

  for (const auto& [id, measures] : all) {
    if (labels.find(id) == labels.end()) continue;  // measures of a sample no longer listed
    // Init-capture: C++17 does not let a lambda capture a structured binding (clang refuses).
    auto get = [&sampleMeasures = measures](const char* name) -> std::optional<double> {
      auto found = sampleMeasures.find(name);
      if (found == sampleMeasures.end()) return std::nullopt;
      return found->second;
    };
    if (auto blur = get("blur"); blur && *blur < blurThreshold) {
      hits["blurry"].push_back({id, *blur, blurThreshold});
    }
    if (auto brightness = get("brightness")) {
      if (*brightness < darkThreshold) hits["too_dark"].push_back({id, *brightness, darkThreshold});
      if (*brightness > brightThreshold) {
        hits["too_bright"].push_back({id, *brightness, brightThreshold});
      }
    }
    if (auto side = get("min_side"); side && *side < minSide) {
      hits["low_resolution"].push_back({id, *side, minSide});
    }
    auto colourfulness = get("colourfulness");
    if (colourfulness && *colourfulness < greyThreshold) {
      const auto& counts = colourByGroup[labels.at(id)];
      const double colourShare =
          counts.second > 0 ? static_cast<double>(counts.first) / counts.second : 0.0;
      if (colourShare >= colourMajority) {
        hits["grey_in_colour_set"].push_back({id, *colourfulness, greyThreshold});
      }
    }
    auto cast = get("colour_cast");
    auto castRatio = get("colour_cast_ratio");
    if (cast && castRatio && colourfulness && *colourfulness >= greyThreshold &&
        *cast > castThreshold && *castRatio > castRatioThreshold) {
      hits["colour_cast"].push_back({id, *cast, castThreshold});
    }
    if (auto faces = get("face_count")) {
      if (*faces < 1) hits["no_face"].push_back({id, *faces, 1});
      if (*faces > maxFaces) hits["several_faces"].push_back({id, *faces, maxFaces});
    }
  }
  return hits;
}

// Which end of a flag's value is worst.
bool worstIsHigh(const std::string& flag) {
  return flag == "too_bright" || flag == "colour_cast" || flag == "several_faces";
}

}  // namespace

Result<MeasureRunSummary> measureMissingSamples(store::ProjectStore& store, int threads,
                                                job::JobContext& job, bool recompute) {
  const image::SerialOpenCv serialOpenCv;
  prepareMeasures();  // before the workers start
  MeasureRunSummary summary;
  auto samples = store.listSamples();
  if (!samples) return samples.error();
  std::map<std::int64_t, double> existing;
  if (!recompute) {
    auto measured = detail::readMeasure(store, "blur");
    if (!measured) return measured.error();
    existing = std::move(*measured);
  }
  std::vector<const store::SampleRecord*> todo;
  for (const auto& sample : *samples) {
    if (existing.count(sample.id)) {
      ++summary.alreadyMeasured;
    } else {
      todo.push_back(&sample);
    }
  }
  job.begin("quality measures", static_cast<std::int64_t>(todo.size()));
  for (std::size_t start = 0; start < todo.size(); start += kBatchSize) {
    if (job.cancelled()) break;
    const std::size_t count = std::min(kBatchSize, todo.size() - start);
    std::vector<SampleOutcome> outcomes(count);
    detail::parallelFor(count, threads, job, [&](std::size_t i) {
      try {
        outcomes[i] = measureSample(store, *todo[start + i]);
      } catch (const std::exception& e) {
        outcomes[i].reason = todo[start + i]->originalPath + ": " + e.what();
      }
    });
    if (job.cancelled()) break;  // the uncommitted batch is dropped whole
    auto transaction = store.beginTransaction();
    if (!transaction) return transaction.error();
    for (std::size_t i = 0; i < count; ++i) {
      if (!outcomes[i].ok) {
        ++summary.failed;
        job.warn(outcomes[i].reason + " (quality measures skipped)");
        continue;
      }
      if (Status status = detail::writeMeasures(store, todo[start + i]->id, outcomes[i].measures);
          !status) {
        return status.error();
      }
      ++summary.measured;
    }
    if (Status status = transaction->commit(); !status) return status.error();
  }
  summary.cancelled = job.cancelled();
  job.finish();
  return summary;
}

Result<nlohmann::json> runQuality(store::ProjectStore& store, const nlohmann::json& params, job::JobContext& job,
                                  std::optional<std::int64_t> runId) {
  auto resolved = config::resolveStepSchemaParams("quality", params);
  if (!resolved) return resolved.error();
  const nlohmann::json& p = *resolved;
  auto measured = measureMissingSamples(store, p.at("threads").get<int>(), job,
                                        p.at("recompute").get<bool>());
  if (!measured) return measured.error();
  nlohmann::json summary = {{"measured", measured->measured},
                            {"already_measured", measured->alreadyMeasured},
                            {"failed", measured->failed},
                            {"cancelled", measured->cancelled}};
  if (measured->cancelled) return summary;

  auto transaction = store.beginTransaction();
  if (!transaction) return transaction.error();
  auto faces = refreshFaceMeasures(store, p.at("face_detector").get<std::string>());
  if (!faces) return faces.error();
  auto all = store::allMeasureValues(store);
  if (!all) return all.error();
  for (const auto& [sampleId, count] : faces->faceCount) (*all)[sampleId]["face_count"] = count;
  auto samples = store.listSamples();
  if (!samples) return samples.error();
  std::map<std::int64_t, std::string> labels;
  std::map<std::int64_t, const store::SampleRecord*> byId;
  for (const auto& sample : *samples) {
    labels[sample.id] = sample.label.value_or("");
    byId[sample.id] = &sample;
  }
  const auto hits = computeFlags(*all, labels, p);

  std::vector<store::SampleFlagRow> flagRows;
  for (const auto& [flag, list] : hits) {
    for (const FlagHit& hit : list) flagRows.push_back({hit.sampleId, flag, hit.value, hit.threshold});
  }
  if (Status status = store::replaceSampleFlags(store, qualityFlagNames(), flagRows, runId); !status) {
    return status.error();
  }
  if (Status status = transaction->commit(); !status) return status.error();

  const int worstCount = p.at("worst").get<int>();
  nlohmann::json counts = nlohmann::json::object();
  nlohmann::json worst = nlohmann::json::object();
  for (const auto& name : qualityFlagNames()) {
    auto list = hits.at(name);
    counts[name] = list.size();
    const bool high = worstIsHigh(name);
    std::stable_sort(list.begin(), list.end(), [high](const FlagHit& a, const FlagHit& b) {
      return high ? a.value > b.value : a.value < b.value;
    });
    nlohmann::json examples = nlohmann::json::array();
    for (std::size_t i = 0; i < list.size() && static_cast<int>(i) < worstCount; ++i) {
      const store::SampleRecord* sample = byId.at(list[i].sampleId);
      examples.push_back({{"id", sample->id},
                          {"value", list[i].value},
                          {"label", sample->label ? nlohmann::json(*sample->label) : nlohmann::json()},
                          {"path", detail::samplePixelPath(store, *sample).string()}});
    }
    worst[name] = examples;
  }
  nlohmann::json thresholds = p;
  thresholds.erase("threads");
  thresholds.erase("recompute");
  thresholds.erase("worst");
  summary["thresholds"] = thresholds;
  summary["faces_present"] = faces->facesPresent;
  summary["face_checked_samples"] = faces->samplesChecked;
  summary["flags"] = counts;
  summary["worst"] = worst;
  return summary;
}

namespace {

std::vector<RankedSample> rankedSamples(std::vector<store::RankedSampleRow> rows, bool withThreshold) {
  std::vector<RankedSample> list;
  list.reserve(rows.size());
  for (store::RankedSampleRow& row : rows) {
    RankedSample sample;
    sample.sampleId = row.sampleId;
    sample.value = row.value;
    if (withThreshold) sample.threshold = row.threshold;
    sample.label = std::move(row.label);
    sample.source = std::move(row.source);
    sample.status = std::move(row.status);
    sample.path = std::move(row.pixelPath);
    list.push_back(std::move(sample));
  }
  return list;
}

}  // namespace

Result<std::vector<RankedSample>> listFlagged(const store::ProjectStore& store,
                                              const std::string& flag, bool descending, int limit) {
  auto rows = store::samplesRankedByFlag(store, flag, descending, limit);
  if (!rows) return rows.error();
  return rankedSamples(std::move(rows).value(), true);
}

Result<std::vector<RankedSample>> listByMeasure(const store::ProjectStore& store,
                                                const std::string& name, bool descending, int limit) {
  auto rows = store::samplesRankedByMeasure(store, name, descending, limit);
  if (!rows) return rows.error();
  return rankedSamples(std::move(rows).value(), false);
}

}  // namespace winnow::quality
