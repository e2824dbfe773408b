// Typed C++ capabilities: write a class, get the C table of plugin_abi.h. The trampolines here are
// the only code that crosses the ABI; every one runs inside guardCall, so no exception leaves the
// plugin and every plugin maps exceptions onto statuses the same way.
//
//   class Invert { public:
//     Invert(const winnow::sdk::Params& params, const winnow_host_api* host);
//     winnow::sdk::OwnedImage apply(const winnow_image_view& input, std::uint64_t seed); };
//   const winnow_capability kCapabilities[] = {winnow::sdk::augmenterCapability<Invert>("example.invert")};
//
//   class CsvExporter : public winnow::sdk::Exporter { ... };   // begin / write / finish / abort
//   ... winnow::sdk::exporterCapability<CsvExporter>("example.csv") ...
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "winnow/sdk/params.hpp"
#include "winnow/sdk/plugin_abi.h"
#include "winnow/sdk/plugin_helpers.hpp"

namespace winnow::sdk {

namespace detail {

// create/destroy for T(const Params&, const winnow_host_api*); `Holder` wraps T when the kind
// keeps state of its own (the exporter's phase).
template <class Holder>
winnow_status create(const char* paramsJson, const winnow_host_api* host, void** out, winnow_error_sink error) {
  if (out == nullptr) return WINNOW_STATUS_INVALID_ARGUMENT;
  *out = nullptr;
  return guardCall(error, [&] {
    const Params params(paramsJson);
    *out = new Holder(params, host);
    return WINNOW_STATUS_OK;
  });
}

template <class Holder>
void destroy(void* instance) {
  delete static_cast<Holder*>(instance);
}

}  // namespace detail

// ---- augmenter ---------------------------------------------------------------------------------

// A: A(const Params&, const winnow_host_api*); OwnedImage apply(const winnow_image_view&, uint64_t seed).
// The input is checked with isValidView before apply is called.
template <class A>
const winnow_augmenter_ops* augmenterOps() {
  static const winnow_augmenter_ops ops = {
      sizeof(winnow_augmenter_ops),
      [](void* instance, const winnow_image_view* input, uint64_t seed, winnow_image_sink output,
         winnow_error_sink error) -> winnow_status {
        return guardCall(error, [&] {
          if (!isValidView(input)) throw std::invalid_argument("invalid input image view");
          const OwnedImage result = static_cast<A*>(instance)->apply(*input, seed);
          return putImage(output, result);
        });
      }};
  return &ops;
}

template <class A>
winnow_capability augmenterCapability(const char* id) {
  return {sizeof(winnow_capability), WINNOW_CAPABILITY_KIND_AUGMENTER, id, &detail::create<A>, &detail::destroy<A>,
          augmenterOps<A>()};
}

// ---- detector ----------------------------------------------------------------------------------

struct FaceBox {
  float x = 0, y = 0, width = 0, height = 0, score = 0;
  std::vector<float> landmarks;  // (x, y) pairs
};

// D: D(const Params&, const winnow_host_api*); std::vector<FaceBox> detect(const winnow_image_view&).
template <class D>
const winnow_detector_ops* detectorOps() {
  static const winnow_detector_ops ops = {
      sizeof(winnow_detector_ops),
      [](void* instance, const winnow_image_view* input, winnow_box_sink output, winnow_error_sink error) -> winnow_status {
        return guardCall(error, [&] {
          if (!isValidView(input)) throw std::invalid_argument("invalid input image view");
          for (const FaceBox& found : static_cast<D*>(instance)->detect(*input)) {
            winnow_face_box box{};
            box.struct_size = sizeof(winnow_face_box);
            box.x = found.x;
            box.y = found.y;
            box.width = found.width;
            box.height = found.height;
            box.score = found.score;
            box.landmark_count = static_cast<int32_t>(found.landmarks.size() / 2);
            box.landmarks = found.landmarks.empty() ? nullptr : found.landmarks.data();
            if (output.put != nullptr) output.put(output.context, &box);
          }
          return WINNOW_STATUS_OK;
        });
      }};
  return &ops;
}

template <class D>
winnow_capability detectorCapability(const char* id) {
  return {sizeof(winnow_capability), WINNOW_CAPABILITY_KIND_DETECTOR, id, &detail::create<D>, &detail::destroy<D>,
          detectorOps<D>()};
}

// ---- exporter ----------------------------------------------------------------------------------

struct ExportBegin {
  std::string outputPath;
  std::uint64_t sampleCount = 0;
  std::vector<std::string> classNames;
  std::string pipelineConfigJson;
  std::string projectInfoJson;
};

// An exporter. The trampolines enforce the contract of plugin_abi.h before calling it: begin once,
// then exactly sampleCount writes, then finish; after a failed call or an abort nothing else is
// called but abort (which must leave nothing behind, and is called at most once).
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

template <class E>
class ExporterHolder {
 public:
  ExporterHolder(const Params& params, const winnow_host_api* host) : exporter_(new E(params, host)) {}
  ~ExporterHolder() {
    if (phase_ == Phase::Begun || phase_ == Phase::Failed) abortOnce();
  }
  winnow_status begin(const winnow_export_begin_info* info, winnow_error_sink error) {
    return step(error, [&] {
      if (phase_ != Phase::Created) throw std::logic_error("begin called twice");
      if (info == nullptr || info->struct_size < sizeof(winnow_export_begin_info) || info->output_path == nullptr) {
        throw std::invalid_argument("begin: invalid begin info");
      }
      ExportBegin begin;
      begin.outputPath = info->output_path;
      begin.sampleCount = info->sample_count;
      for (uint32_t c = 0; c < info->class_count; ++c) {
        begin.classNames.emplace_back(info->class_names != nullptr && info->class_names[c] != nullptr ? info->class_names[c] : "");
      }
      begin.pipelineConfigJson = info->pipeline_config_json != nullptr ? info->pipeline_config_json : "{}";
      begin.projectInfoJson = info->project_info_json != nullptr ? info->project_info_json : "{}";
      expected_ = begin.sampleCount;
      phase_ = Phase::Begun;
      exporter_->begin(begin);
    });
  }
  winnow_status write(const winnow_export_sample* sample, winnow_error_sink error) {
    return step(error, [&] {
      if (phase_ != Phase::Begun) throw std::logic_error("write_sample outside begin/finish");
      if (written_ >= expected_) {
        throw std::logic_error("write_sample beyond the " + std::to_string(expected_) + " samples begin announced");
      }
      if (sample == nullptr || sample->struct_size < offsetof(winnow_export_sample, augmented)) {
        throw std::invalid_argument("write_sample: invalid sample");
      }
      exporter_->write(*sample);
      ++written_;
    });
  }
  winnow_status finish(winnow_error_sink error) {
    return step(error, [&] {
      if (phase_ != Phase::Begun) throw std::logic_error("finish without a successful begin");
      if (written_ != expected_) {
        throw std::logic_error("finish after " + std::to_string(written_) + " of " + std::to_string(expected_) + " samples");
      }
      exporter_->finish();
      phase_ = Phase::Finished;
    });
  }
  void abort() noexcept {
    if (phase_ != Phase::Finished) abortOnce();
  }

 private:
  enum class Phase { Created, Begun, Finished, Failed, Aborted };
  template <class F>
  winnow_status step(winnow_error_sink error, F&& body) {
    const winnow_status status = guardCall(error, [&] {
      body();
      return WINNOW_STATUS_OK;
    });
    if (status != WINNOW_STATUS_OK && phase_ != Phase::Created) phase_ = Phase::Failed;
    return status;
  }
  void abortOnce() noexcept {
    if (phase_ == Phase::Aborted) return;
    phase_ = Phase::Aborted;
    exporter_->abort();
  }
  std::unique_ptr<E> exporter_;
  Phase phase_ = Phase::Created;
  std::uint64_t expected_ = 0;
  std::uint64_t written_ = 0;
};

}  // namespace detail

// E derives from Exporter: E(const Params&, const winnow_host_api*).
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
  return {sizeof(winnow_capability), WINNOW_CAPABILITY_KIND_EXPORTER, id, &detail::create<Holder>,
          &detail::destroy<Holder>, exporterOps<E>()};
}

// ---- the plugin table --------------------------------------------------------------------------

// The plugin_info a plugin returns from winnow_plugin_init_v1, for a static capability array.
template <std::size_t N>
winnow_plugin_info pluginInfo(const char* pluginId, const char* version, const winnow_capability (&capabilities)[N]) {
  return {sizeof(winnow_plugin_info), WINNOW_PLUGIN_ABI_VERSION, WINNOW_PLUGIN_API_LEVEL, pluginId, version,
          static_cast<uint32_t>(N), capabilities};
}

}  // namespace winnow::sdk
