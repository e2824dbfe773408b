#include "winnow/plugin/exporter_session.hpp"

#include "error_sink.hpp"
#include "image_view.hpp"

namespace winnow::plugin {
namespace {

const winnow_exporter_ops* opsOf(const CapabilityInstance& instance) {
  return static_cast<const winnow_exporter_ops*>(instance.capability().ops);
}

}  // namespace

ExporterSession::ExporterSession(std::unique_ptr<CapabilityInstance> instance)
    : instance_(std::move(instance)) {}

ExporterSession& ExporterSession::operator=(ExporterSession&& other) noexcept {
  if (this != &other) {
    abort();
    instance_ = std::move(other.instance_);
    phase_ = other.phase_;
    expected_ = other.expected_;
    written_ = other.written_;
    other.phase_ = Phase::Done;
  }
  return *this;
}

ExporterSession::~ExporterSession() { abort(); }

Result<ExporterSession> ExporterSession::wrap(std::unique_ptr<CapabilityInstance> instance) {
  if (instance == nullptr || instance->kind() != CapabilityKind::Exporter) {
    return makeError(ErrorCode::InvalidArgument,
                     (instance ? instance->descriptor().id : std::string("(none)")) +
                         ": not an exporter capability");
  }
  const auto* ops = opsOf(*instance);
  if (ops == nullptr || ops->struct_size < sizeof(winnow_exporter_ops) || ops->begin == nullptr ||
      ops->write_sample == nullptr || ops->finish == nullptr || ops->abort == nullptr) {
    return makeError(ErrorCode::Plugin,
                     instance->descriptor().id + ": exporter lacks begin/write_sample/finish/abort");
  }
  return ExporterSession(std::move(instance));
}

Status ExporterSession::begin(const ExportBeginInfo& info) {
  const std::string& id = instance_->descriptor().id;
  if (phase_ != Phase::Idle) {
    return makeError(ErrorCode::InvalidArgument, id + ": begin called twice");
  }
  const std::string outputPath = info.outputPath.string();
  std::vector<const char*> classNames;
  classNames.reserve(info.classNames.size());
  for (const auto& name : info.classNames) {
    classNames.push_back(name.c_str());
  }
  winnow_export_begin_info begin{};
  begin.struct_size = sizeof(begin);
  begin.output_path = outputPath.c_str();
  begin.sample_count = info.sampleCount;
  begin.class_count = static_cast<std::uint32_t>(classNames.size());
  begin.class_names = classNames.data();
  begin.pipeline_config_json = info.pipelineConfigJson.c_str();
  begin.project_info_json = info.projectInfoJson.c_str();
  detail::ErrorCollector errors;
  const winnow_status status = opsOf(*instance_)->begin(instance_->rawInstance(), &begin, errors.sink());
  if (status != WINNOW_STATUS_OK) {
    phase_ = Phase::Writing;  // the plugin may hold partial state; abort() cleans it
    abort();
    return detail::pluginCallError(id, "begin", status, errors);
  }
  phase_ = Phase::Writing;
  expected_ = info.sampleCount;
  written_ = 0;
  return okStatus();
}

Status ExporterSession::writeSample(const ExportSample& sample) {
  const std::string& id = instance_->descriptor().id;
  if (phase_ != Phase::Writing) {
    return makeError(ErrorCode::InvalidArgument, id + ": writeSample outside begin/finish");
  }
  if (written_ >= expected_) {
    return makeError(ErrorCode::InvalidArgument,
                     id + ": more samples than the " + std::to_string(expected_) + " announced in begin");
  }
  const bool needsPixels = instance_->descriptor().needsPixels;
  if (sample.image == nullptr && needsPixels) {
    return makeError(ErrorCode::InvalidArgument,
                     id + ": sample " + std::to_string(sample.sampleId) + " has no image");
  }
  winnow_image_view pixels{};
  pixels.struct_size = sizeof(winnow_image_view);
  if (sample.image != nullptr) {
    auto view = detail::viewOf(*sample.image);
    if (!view) {
      return makeError(ErrorCode::InvalidArgument,
                       id + ": sample " + std::to_string(sample.sampleId) + ": " + view.error().message);
    }
    pixels = *view;
  }
  winnow_export_sample out{};
  out.struct_size = sizeof(out);
  out.sample_id = sample.sampleId;
  out.label_index = sample.labelIndex;
  out.label = sample.label.c_str();
  out.split = sample.split.c_str();
  out.source = sample.source.c_str();
  out.original_label = sample.originalLabel.c_str();
  out.original_path = sample.originalPath.c_str();
  out.content_hash = sample.contentHash.c_str();
  out.file_extension = sample.fileExtension.c_str();
  out.image = pixels;  // metadata-only exporters: data NULL, size 0
  out.encoded_bytes = sample.encodedBytes;
  out.encoded_size = sample.encodedBytes != nullptr ? sample.encodedSize : 0;
  out.augmented = sample.augmented ? 1 : 0;
  out.parent_sample_id = sample.parentSampleId;
  detail::ErrorCollector errors;
  const winnow_status status =
      opsOf(*instance_)->write_sample(instance_->rawInstance(), &out, errors.sink());
  if (status != WINNOW_STATUS_OK) {
    return detail::pluginCallError(id, "write_sample (sample " + std::to_string(sample.sampleId) + ")",
                                   status, errors);
  }
  ++written_;
  return okStatus();
}

Status ExporterSession::finish() {
  const std::string& id = instance_->descriptor().id;
  if (phase_ != Phase::Writing) {
    return makeError(ErrorCode::InvalidArgument, id + ": finish without begin");
  }
  if (written_ != expected_) {
    const std::string message = id + ": finish after " + std::to_string(written_) + " of " +
                                std::to_string(expected_) + " samples; export aborted";
    abort();
    return makeError(ErrorCode::InvalidArgument, message);
  }
  detail::ErrorCollector errors;
  const winnow_status status = opsOf(*instance_)->finish(instance_->rawInstance(), errors.sink());
  if (status != WINNOW_STATUS_OK) {
    abort();  // a failed finish must leave nothing behind either
    return detail::pluginCallError(id, "finish", status, errors);
  }
  phase_ = Phase::Done;
  return okStatus();
}

void ExporterSession::abort() {
  if (phase_ == Phase::Writing && instance_ != nullptr) {
    opsOf(*instance_)->abort(instance_->rawInstance());
  }
  phase_ = Phase::Done;
}

}  // namespace winnow::plugin
