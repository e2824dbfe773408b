// The exporter kind as a C++ class deriving from Exporter (begin / write / finish / abort); the
// trampolines keep the exporter contract of plugin_abi.h, so the class sees only calls that keep it.
//   class CsvExporter : public winnow::sdk::Exporter { ... };
//   ... winnow::sdk::exporterCapability<CsvExporter>("example.csv") ...
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "winnow/sdk/capability_common.hpp"

namespace winnow::sdk {

struct ExportBegin {
  std::string outputPath;
  std::uint64_t sampleCount = 0;
  std::vector<std::string> classNames;
  std::string pipelineConfigJson;
  std::string projectInfoJson;
};

// An exporter, driven by the trampolines below, which hold the contract of plugin_abi.h (the one
// the host's ExporterSession follows) so that the class sees only calls that keep it:
// - begin once, then write exactly sampleCount accepted samples, then finish; abort instead of
//   finish at any point after begin. Calls out of that order are refused (INVALID_ARGUMENT).
// - write may refuse one sample by throwing std::invalid_argument (or Failure with
//   INVALID_ARGUMENT): the sample does not count and the export goes on. Any other exception in
//   write, and any exception in begin or finish, ends the export: the trampoline calls abort at
//   once and refuses every later call but abort.
// - abort is called at most once, only after begin was called and finish did not succeed (also
//   from the instance's destroy when the host never finished); it must leave nothing behind.
// The host's arguments are checked before the class sees them: begin info (struct_size, output
// path, class names) and sample (non-null, struct_size up to `augmented`); the sample's image and
// fields are the class's to check.
class Exporter {
 public:
  virtual ~Exporter() = default;
  virtual void begin(const ExportBegin& info) = 0;
  // sample.image.data is NULL when the manifest declares "needs_pixels": false.
  virtual void write(const winnow_export_sample& sample) = 0;
  virtual void finish() = 0;
  virtual void abort() noexcept = 0;
};

namespace detail {

// begin's info as values, or a refusal of a malformed one.
template <class E>
ExportBegin exportBeginOf(const winnow_export_begin_info* info) {
  if (info == nullptr) throw refusal<E>("begin info is null");
  if (info->struct_size < sizeof(winnow_export_begin_info)) throw refusal<E>("begin info struct_size too small");
  if (info->output_path == nullptr || *info->output_path == '\0') throw refusal<E>("output_path is empty");
  if (info->class_count > 0 && info->class_names == nullptr) throw refusal<E>("class_names is null");
  ExportBegin begin;
  begin.outputPath = info->output_path;
  begin.sampleCount = info->sample_count;
  for (std::uint32_t c = 0; c < info->class_count; ++c) {
    if (info->class_names[c] == nullptr) throw refusal<E>("class_names[" + std::to_string(c) + "] is null");
    begin.classNames.emplace_back(info->class_names[c]);
  }
  begin.pipelineConfigJson = info->pipeline_config_json != nullptr ? info->pipeline_config_json : "{}";
  begin.projectInfoJson = info->project_info_json != nullptr ? info->project_info_json : "{}";
  return begin;
}

// The exporter and its phase. Refusals are worded like the host's own (ExporterSession), prefixed
// with E::kName when E names itself.
template <class E>
class ExporterHolder {
 public:
  template <class ParamsSource>
  ExporterHolder(const ParamsSource& params, const winnow_host_api* host) : exporter_(params, host) {}
  ~ExporterHolder() { abort(); }
  ExporterHolder(const ExporterHolder&) = delete;
  ExporterHolder& operator=(const ExporterHolder&) = delete;

  winnow_status begin(const winnow_export_begin_info* info, winnow_error_sink error) {
    return endingOnFailure(error, [&] {
      const ExportBegin begin = exportBeginOf<E>(info);
      if (phase_ == Phase::Writing) throw refusal<E>("begin called twice");
      if (phase_ != Phase::Created) throw refusal<E>("begin after the export ended");
      expected_ = begin.sampleCount;
      written_ = 0;
      phase_ = Phase::Writing;
      exporter_.begin(begin);
    });
  }

  winnow_status write(const winnow_export_sample* sample, winnow_error_sink error) {
    const winnow_status status = guardCall(error, guardStyleOf<E>(), [&] {
      if (sample == nullptr) throw refusal<E>("sample is null");
      if (sample->struct_size < offsetof(winnow_export_sample, augmented)) {
        throw refusal<E>("sample struct_size too small");
      }
      if (phase_ != Phase::Writing) throw refusal<E>("write_sample outside begin/finish");
      if (written_ >= expected_) {
        throw refusal<E>("more samples than the " + std::to_string(expected_) + " announced in begin");
      }
      exporter_.write(*sample);
      ++written_;
      return WINNOW_STATUS_OK;
    });
    if (status != WINNOW_STATUS_OK && status != WINNOW_STATUS_INVALID_ARGUMENT) end();
    return status;
  }

  winnow_status finish(winnow_error_sink error) {
    return endingOnFailure(error, [&] {
      if (phase_ != Phase::Writing) throw refusal<E>("finish without a successful begin");
      if (written_ != expected_) {
        throw refusal<E>("finish after " + std::to_string(written_) + " samples but begin announced " +
                         std::to_string(expected_));
      }
      exporter_.finish();
      phase_ = Phase::Finished;
    });
  }

  // Ends the export; the exporter's abort runs when it had begun and not finished.
  void abort() noexcept { end(); }

 private:
  enum class Phase { Created, Writing, Finished, Ended };

  template <class F>
  winnow_status endingOnFailure(winnow_error_sink error, F&& body) {
    const winnow_status status = guardCall(error, guardStyleOf<E>(), [&] {
      body();
      return WINNOW_STATUS_OK;
    });
    if (status != WINNOW_STATUS_OK) end();
    return status;
  }

  void end() noexcept {
    if (phase_ == Phase::Finished || phase_ == Phase::Ended) return;
    const bool begun = phase_ == Phase::Writing;
    phase_ = Phase::Ended;
    if (begun) exporter_.abort();
  }

  E exporter_;
  Phase phase_ = Phase::Created;
  std::uint64_t expected_ = 0;
  std::uint64_t written_ = 0;
};

}  // namespace detail

// E derives from Exporter: E(const Params&, const winnow_host_api*) or E(const char* paramsJson,
// const winnow_host_api*).
template <class E>
const winnow_exporter_ops* exporterOps() {
  using Holder = detail::ExporterHolder<E>;
  static const winnow_exporter_ops ops = {
      sizeof(winnow_exporter_ops),
      [](void* instance, const winnow_export_begin_info* info, winnow_error_sink error) {
        return static_cast<Holder*>(instance)->begin(info, error);
      },
      [](void* instance, const winnow_export_sample* sample, winnow_error_sink error) {
        return static_cast<Holder*>(instance)->write(sample, error);
      },
      [](void* instance, winnow_error_sink error) { return static_cast<Holder*>(instance)->finish(error); },
      [](void* instance) { static_cast<Holder*>(instance)->abort(); }};
  return &ops;
}

template <class E>
winnow_capability exporterCapability(const char* id) {
  using Holder = detail::ExporterHolder<E>;
  return {sizeof(winnow_capability), WINNOW_CAPABILITY_KIND_EXPORTER, id, &detail::create<E, Holder>,
          &detail::destroy<Holder>, exporterOps<E>()};
}

}  // namespace winnow::sdk
