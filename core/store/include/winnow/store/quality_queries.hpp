// What the quality step reads and writes: sample_measures, sample_flags, and the face boxes it
// turns into measures. The store owns this SQL; winnow/quality/ measures and flags.
//
// Functions that write run inside the caller's transaction (they open none).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "winnow/store/project_store.hpp"
#include "winnow/util/result.hpp"

namespace winnow::store {

// sample id -> value of the measure `name`.
Result<std::map<std::int64_t, double>> measureValues(const ProjectStore& store, const std::string& name);

// sample id -> measure name -> value, every stored measure.
Result<std::map<std::int64_t, std::map<std::string, double>>> allMeasureValues(const ProjectStore& store);

// Deletes the measure `name` of every sample.
Status deleteMeasureOfAllSamples(ProjectStore& store, const std::string& name);

// Per sample with face rows (of `detector`, or of any detector when it is ""), the sample's size
// and its faces.
struct SampleFaceBoxes {
  std::int64_t sampleId = 0;
  std::int64_t width = 0;   // the sample's, pixels
  std::int64_t height = 0;
  std::int64_t faceCount = 0;
  double largestFaceArea = 0.0;  // width * height of its largest face box, pixels
};
Result<std::vector<SampleFaceBoxes>> faceBoxesPerSample(ProjectStore& store, const std::string& detector);

struct SampleFlagRow {
  std::int64_t sampleId = 0;
  std::string flag;
  double value = 0.0;
  double threshold = 0.0;
};
// Deletes every flag named in flagNames and inserts `rows` in their order (one prepared
// statement, reused).
Status replaceSampleFlags(ProjectStore& store, const std::vector<std::string>& flagNames,
                          const std::vector<SampleFlagRow>& rows, std::optional<std::int64_t> runId);

// A sample ranked by a flag's or a measure's value.
struct RankedSampleRow {
  std::int64_t sampleId = 0;
  double value = 0.0;
  double threshold = 0.0;  // the flag's; 0 for measures
  std::optional<std::string> label;
  std::string source;  // source name
  std::string status;
  std::string pixelPath;  // ProjectStore::pixelPath
};
// Samples carrying `flag`, by value (ascending unless descending), then id; limit <= 0 = all.
Result<std::vector<RankedSampleRow>> samplesRankedByFlag(const ProjectStore& store, const std::string& flag,
                                                         bool descending, int limit);
// Samples with the measure `name`, by value (ascending unless descending), then id; limit <= 0 = all.
Result<std::vector<RankedSampleRow>> samplesRankedByMeasure(const ProjectStore& store, const std::string& name,
                                                            bool descending, int limit);

}  // namespace winnow::store
