// Typed wrapper over an exporter capability instance: begin, exactly sampleCount writeSample
// calls, then finish (output appears atomically) or abort (nothing is left). A session destroyed
// after begin() without finish() is aborted. Not thread-safe.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "winnow/image/image.hpp"
#include "winnow/plugin/capability_instance.hpp"
#include "winnow/util/result.hpp"

namespace winnow::plugin {

struct ExportBeginInfo {
  std::filesystem::path outputPath;
  std::uint64_t sampleCount = 0;
  std::vector<std::string> classNames;   // index = label index
  std::string pipelineConfigJson = "{}";
  std::string projectInfoJson = "{}";
};

struct ExportSample {
  std::int64_t sampleId = 0;
  std::int32_t labelIndex = -1;  // -1 when unlabelled
  std::string label;
  std::string split;             // "train", "val", "test" or ""
  std::string source;
  std::string originalLabel;
  std::string originalPath;
  std::string contentHash;
  std::string fileExtension;     // lower case with dot
  const Image* image = nullptr;  // required; borrowed for the call
  const std::uint8_t* encodedBytes = nullptr;  // optional original file bytes, borrowed
  std::uint64_t encodedSize = 0;
  bool augmented = false;              // a synthetic child made by balance
  std::int64_t parentSampleId = -1;    // its parent sample; -1 when none
};

class ExporterSession {
 public:
  static Result<ExporterSession> wrap(std::unique_ptr<CapabilityInstance> instance);
  ExporterSession(ExporterSession&&) noexcept = default;
  ExporterSession& operator=(ExporterSession&&) noexcept;
  ~ExporterSession();

  Status begin(const ExportBeginInfo& info);
  Status writeSample(const ExportSample& sample);
  Status finish();
  void abort();

  const CapabilityDescriptor& descriptor() const { return instance_->descriptor(); }

 private:
  enum class Phase { Invalid = 0, Idle, Writing, Done };
  explicit ExporterSession(std::unique_ptr<CapabilityInstance> instance);
  std::unique_ptr<CapabilityInstance> instance_;
  Phase phase_ = Phase::Idle;
  std::uint64_t expected_ = 0;
  std::uint64_t written_ = 0;
};

}  // namespace winnow::plugin
