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
//
//   class Classifier { public:                       // any of embed / train / evaluate / loadModel / classify
//     Classifier(const winnow::sdk::Params& params, const winnow_host_api* host);
//     nlohmann::json train(const winnow::sdk::TrainRequest& request, const winnow::sdk::ProgressSink& progress); };
//   ... winnow::sdk::modelCapability<Classifier>("example.classifier") ...   // the other ops stay NULL
//
// A capability class may also declare, read at compile time:
//   static constexpr const char* kName = "torch_classifier";
//       prefixes the trampolines' own refusals of bad arguments ("torch_classifier: invalid image 2");
//   static constexpr winnow::sdk::GuardStyle kGuardStyle{"balancer_basic", nullptr};
//       how guardCall words the class's unexpected exceptions (default: their message alone).
// and may take the params JSON as create() received it, T(const char* paramsJson, const
// winnow_host_api*), instead of Params, to word every refusal of its parameters itself.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <nlohmann/json.hpp>

#include "winnow/sdk/params.hpp"
#include "winnow/sdk/plugin_abi.h"
#include "winnow/sdk/plugin_helpers.hpp"

namespace winnow::sdk {

namespace detail {

template <class T, class = void>
struct DeclaresName : std::false_type {};
template <class T>
struct DeclaresName<T, std::void_t<decltype(T::kName)>> : std::true_type {};

template <class T, class = void>
struct DeclaresGuardStyle : std::false_type {};
template <class T>
struct DeclaresGuardStyle<T, std::void_t<decltype(T::kGuardStyle)>> : std::true_type {};

// T::kGuardStyle, or guardCall's default wording.
template <class T>
GuardStyle guardStyleOf() noexcept {
  if constexpr (DeclaresGuardStyle<T>::value) {
    return T::kGuardStyle;
  } else {
    return GuardStyle{};
  }
}

// A trampoline's refusal of a bad argument (INVALID_ARGUMENT through guardCall), worded
// "<T::kName>: <what>" when T names itself.
template <class T>
std::invalid_argument refusal(const std::string& what) {
  if constexpr (DeclaresName<T>::value) {
    return std::invalid_argument(std::string(T::kName) + ": " + what);
  } else {
    return std::invalid_argument(what);
  }
}

// A capability class reads its parameters through Params: T(const Params&, const winnow_host_api*);
// or, to word every refusal of its parameters itself (malformed JSON included), it parses the
// params JSON as create() received it: T(const char* paramsJson, const winnow_host_api*).
template <class T>
constexpr bool kParsesOwnParams = std::is_constructible_v<T, const char*, const winnow_host_api*>;

// create/destroy for T; `Holder` wraps T when the kind keeps state of its own (the exporter's
// phase, the model's host) and is constructed with the same arguments.
template <class T, class Holder = T>
winnow_status create(const char* paramsJson, const winnow_host_api* host, void** out, winnow_error_sink error) {
  return guardCall(error, guardStyleOf<T>(), [&] {
    if (out == nullptr) throw refusal<T>("out_instance is null");
    *out = nullptr;
    if constexpr (kParsesOwnParams<T>) {
      *out = new Holder(paramsJson, host);
    } else {
      const Params params(paramsJson);
      *out = new Holder(params, host);
    }
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
        return guardCall(error, detail::guardStyleOf<A>(), [&] {
          if (!isValidView(input)) throw detail::refusal<A>("invalid input image view");
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
// An invalid input view or a box sink without put() is refused before detect is called.
template <class D>
const winnow_detector_ops* detectorOps() {
  static const winnow_detector_ops ops = {
      sizeof(winnow_detector_ops),
      [](void* instance, const winnow_image_view* input, winnow_box_sink output, winnow_error_sink error) -> winnow_status {
        return guardCall(error, detail::guardStyleOf<D>(), [&] {
          if (!isValidView(input) || output.put == nullptr) throw detail::refusal<D>("invalid input image");
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
            output.put(output.context, &box);
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

// ---- balancer ----------------------------------------------------------------------------------

// One class as a balancer sees it (a copy of winnow_balance_class).
struct BalanceClass {
  std::string name;
  std::vector<std::int64_t> sampleIds;
  std::uint32_t featureDim = 0;  // 0 = no features
  std::vector<float> features;   // sampleIds.size() x featureDim, row-major
};

// What a balancer decides for one class (winnow_balance_class_plan; sampleIds as
// winnow_balance_action says).
struct BalancePlan {
  std::string className;
  winnow_balance_action action = WINNOW_BALANCE_ACTION_INVALID;
  std::uint64_t targetCount = 0;
  std::vector<std::int64_t> sampleIds;
  float lossWeight = 1.0F;  // class weight for a weighted loss; 1 = neutral
};

namespace detail {

// The input of plan() as values; a malformed input (struct sizes, missing arrays) is refused.
template <class B>
std::vector<BalanceClass> balanceClassesOf(const winnow_balance_input& input) {
  if (input.struct_size < sizeof(winnow_balance_input)) throw refusal<B>("input struct_size too small");
  if (input.class_count > 0 && input.classes == nullptr) throw refusal<B>("input has no classes array");
  std::vector<BalanceClass> classes;
  classes.reserve(input.class_count);
  for (std::uint32_t c = 0; c < input.class_count; ++c) {
    const winnow_balance_class& in = input.classes[c];
    if (in.struct_size < sizeof(winnow_balance_class) || in.name == nullptr ||
        (in.sample_count > 0 && in.sample_ids == nullptr)) {
      throw refusal<B>("input class #" + std::to_string(c) + " is malformed");
    }
    BalanceClass samples;
    samples.name = in.name;
    samples.sampleIds.assign(in.sample_ids, in.sample_ids + in.sample_count);
    if (in.feature_dim > 0 && in.features != nullptr) {
      samples.featureDim = in.feature_dim;
      samples.features.assign(in.features, in.features + in.sample_count * in.feature_dim);
    }
    classes.push_back(std::move(samples));
  }
  return classes;
}

}  // namespace detail

// B: B(const Params&, const winnow_host_api*);
//    std::vector<BalancePlan> plan(const std::vector<BalanceClass>& classes, std::uint64_t seed).
// The plans go to the host in the order plan returns them; a plan the host's sink refuses ends the
// call with the sink's status.
template <class B>
const winnow_balancer_ops* balancerOps() {
  static const winnow_balancer_ops ops = {
      sizeof(winnow_balancer_ops),
      [](void* instance, const winnow_balance_input* input, winnow_balance_plan_sink output,
         winnow_error_sink error) -> winnow_status {
        return guardCall(error, detail::guardStyleOf<B>(), [&] {
          if (instance == nullptr || input == nullptr || output.put == nullptr) {
            throw detail::refusal<B>("null instance, input or output sink");
          }
          const std::vector<BalanceClass> classes = detail::balanceClassesOf<B>(*input);
          for (const BalancePlan& plan : static_cast<B*>(instance)->plan(classes, input->seed)) {
            winnow_balance_class_plan out{};
            out.struct_size = sizeof(winnow_balance_class_plan);
            out.class_name = plan.className.c_str();
            out.action = plan.action;
            out.target_count = plan.targetCount;
            out.sample_id_count = plan.sampleIds.size();
            out.sample_ids = plan.sampleIds.empty() ? nullptr : plan.sampleIds.data();
            out.loss_weight = plan.lossWeight;
            const winnow_status status = output.put(output.context, &out);
            if (status != WINNOW_STATUS_OK) return status;
          }
          return WINNOW_STATUS_OK;
        });
      }};
  return &ops;
}

template <class B>
winnow_capability balancerCapability(const char* id) {
  return {sizeof(winnow_capability), WINNOW_CAPABILITY_KIND_BALANCER, id, &detail::create<B>, &detail::destroy<B>,
          balancerOps<B>()};
}

// ---- model: embedding, training, evaluation, classification -----------------------------------

// Progress and cancellation of a long model call (train, evaluate). Valid during that call only;
// use it from the calling thread.
class ProgressSink {
 public:
  ProgressSink(winnow_progress_sink sink, const winnow_host_api* host) noexcept : sink_(sink), host_(host) {}

  // Work done out of total (any unit) in a short stage ("epoch 3/10").
  void report(std::uint64_t done, std::uint64_t total, const std::string& stage) const noexcept {
    if (sink_.report != nullptr) sink_.report(sink_.context, done, total, stage.c_str());
  }
  // One finished step for people, e.g. an epoch's metrics.
  void line(const std::string& text) const noexcept {
    if (sink_.line != nullptr) sink_.line(sink_.context, text.c_str());
  }
  // True once the host asked to cancel: stop, keeping what the call promises to keep (train: the
  // last checkpoint), and throw Cancelled; the trampoline answers WINNOW_STATUS_CANCELLED.
  bool cancelled() const noexcept { return isCancelled(host_); }

 private:
  winnow_progress_sink sink_;
  const winnow_host_api* host_;
};

// train's request (plugin_abi.h); the instance's params are the training configuration.
struct TrainRequest {
  std::string dataset;  // a winnow HDF5 dataset
  std::string runDir;   // the run's folder
  bool resume = false;  // continue from the run folder's checkpoint
};

// evaluate's request (plugin_abi.h).
struct EvaluateRequest {
  std::string model;          // model file
  std::string dataset;        // a winnow HDF5 dataset
  std::string outputDir;      // "" when the request names none
  std::string split = "all";  // "train", "val", "test" or "all" (also when the request names none)
};

namespace detail {

// The request JSON of train and evaluate; a missing required key or text that is not JSON throws
// nlohmann-json's exception (WINNOW_STATUS_ERROR with its message).
inline TrainRequest trainRequestOf(const char* requestJson) {
  const nlohmann::json request = nlohmann::json::parse(requestJson != nullptr ? requestJson : "{}");
  TrainRequest parsed;
  parsed.dataset = request.at("dataset").get<std::string>();
  parsed.runDir = request.at("run_dir").get<std::string>();
  parsed.resume = request.value("resume", false);
  return parsed;
}

inline EvaluateRequest evaluateRequestOf(const char* requestJson) {
  const nlohmann::json request = nlohmann::json::parse(requestJson != nullptr ? requestJson : "{}");
  EvaluateRequest parsed;
  parsed.model = request.at("model").get<std::string>();
  parsed.dataset = request.at("dataset").get<std::string>();
  parsed.outputDir = request.value("output_dir", std::string());
  parsed.split = request.value("split", parsed.split);
  return parsed;
}

inline void putJson(winnow_text_sink sink, const nlohmann::json& document) {
  if (sink.put != nullptr) sink.put(sink.context, document.dump().c_str());
}

// The views of a batched call (embed, classify), each checked with isValidView.
template <class M>
std::vector<winnow_image_view> checkedViews(const winnow_image_view* images, std::uint32_t count) {
  std::vector<winnow_image_view> views;
  views.reserve(count);
  for (std::uint32_t i = 0; i < count; ++i) {
    if (!isValidView(&images[i])) throw refusal<M>("invalid image " + std::to_string(i));
    views.push_back(images[i]);
  }
  return views;
}

// Copies `rows` (one per image, each `width` floats) into the host's buffer, row-major; the caller
// checked that the buffer holds rows.size() x width floats.
inline void copyRows(const std::vector<std::vector<float>>& rows, std::size_t width, float* out) {
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (rows[i].size() != width) {
      throw std::logic_error("row " + std::to_string(i) + " has " + std::to_string(rows[i].size()) +
                             " values, expected " + std::to_string(width));
    }
    if (width > 0) std::memcpy(out + i * width, rows[i].data(), sizeof(float) * width);
  }
}

// Which ops a model class has: a member of that name (not overloaded).
template <class M, class = void>
struct HasEmbed : std::false_type {};
template <class M>
struct HasEmbed<M, std::void_t<decltype(&M::embed)>> : std::true_type {};
template <class M, class = void>
struct HasEmbeddingDim : std::false_type {};
template <class M>
struct HasEmbeddingDim<M, std::void_t<decltype(&M::embeddingDim)>> : std::true_type {};
template <class M, class = void>
struct HasTrain : std::false_type {};
template <class M>
struct HasTrain<M, std::void_t<decltype(&M::train)>> : std::true_type {};
template <class M, class = void>
struct HasEvaluate : std::false_type {};
template <class M>
struct HasEvaluate<M, std::void_t<decltype(&M::evaluate)>> : std::true_type {};
template <class M, class = void>
struct HasLoadModel : std::false_type {};
template <class M>
struct HasLoadModel<M, std::void_t<decltype(&M::loadModel)>> : std::true_type {};
template <class M, class = void>
struct HasClassify : std::false_type {};
template <class M>
struct HasClassify<M, std::void_t<decltype(&M::classify)>> : std::true_type {};

// The model and the host it was created with (ProgressSink::cancelled asks it).
template <class M>
struct ModelHolder {
  template <class ParamsSource>
  ModelHolder(const ParamsSource& params, const winnow_host_api* hostApi) : model(params, hostApi), host(hostApi) {}
  M model;
  const winnow_host_api* host;
};

template <class M>
struct ModelTrampolines {
  static M& modelOf(void* instance) { return static_cast<ModelHolder<M>*>(instance)->model; }

  // 0 (does not embed) for a model without embed, or when embeddingDim throws.
  static uint32_t embeddingDim(void* instance) noexcept {
    if constexpr (HasEmbed<M>::value) {
      try {
        return modelOf(instance).embeddingDim();
      } catch (...) {
        return 0;
      }
    } else {
      return 0;
    }
  }

  static winnow_status embed(void* instance, const winnow_image_view* images, uint32_t count, float* out,
                             winnow_error_sink error) noexcept {
    return guardCall(error, guardStyleOf<M>(), [&] {
      if (count > 0 && (images == nullptr || out == nullptr)) throw refusal<M>("no images or output");
      M& model = modelOf(instance);
      const std::size_t dimension = model.embeddingDim();
      const std::vector<std::vector<float>> vectors = model.embed(checkedViews<M>(images, count));
      if (vectors.size() != count) {
        throw std::logic_error("embed returned " + std::to_string(vectors.size()) + " vectors for " +
                               std::to_string(count) + " images");
      }
      copyRows(vectors, dimension, out);
      return WINNOW_STATUS_OK;
    });
  }

  static winnow_status train(void* instance, const char* requestJson, winnow_progress_sink progress,
                             winnow_text_sink result, winnow_error_sink error) noexcept {
    return guardCall(error, guardStyleOf<M>(), [&] {
      const TrainRequest request = trainRequestOf(requestJson);
      auto& holder = *static_cast<ModelHolder<M>*>(instance);
      putJson(result, holder.model.train(request, ProgressSink(progress, holder.host)));
      return WINNOW_STATUS_OK;
    });
  }

  static winnow_status evaluate(void* instance, const char* requestJson, winnow_progress_sink progress,
                                winnow_text_sink result, winnow_error_sink error) noexcept {
    return guardCall(error, guardStyleOf<M>(), [&] {
      const EvaluateRequest request = evaluateRequestOf(requestJson);
      auto& holder = *static_cast<ModelHolder<M>*>(instance);
      putJson(result, holder.model.evaluate(request, ProgressSink(progress, holder.host)));
      return WINNOW_STATUS_OK;
    });
  }

  static winnow_status loadModel(void* instance, const char* modelPath, winnow_text_sink description,
                                 winnow_error_sink error) noexcept {
    return guardCall(error, guardStyleOf<M>(), [&] {
      putJson(description, modelOf(instance).loadModel(std::string(modelPath != nullptr ? modelPath : "")));
      return WINNOW_STATUS_OK;
    });
  }

  static winnow_status classify(void* instance, const winnow_image_view* images, uint32_t count, float* out,
                                uint64_t outCount, winnow_error_sink error) noexcept {
    return guardCall(error, guardStyleOf<M>(), [&] {
      if (count > 0 && (images == nullptr || out == nullptr)) {
        throw refusal<M>("no images or an output buffer too small");
      }
      const std::vector<std::vector<float>> rows = modelOf(instance).classify(checkedViews<M>(images, count));
      if (rows.size() != count) {
        throw std::logic_error("classify returned " + std::to_string(rows.size()) + " rows for " +
                               std::to_string(count) + " images");
      }
      const std::size_t classCount = rows.empty() ? 0 : rows.front().size();
      if (static_cast<uint64_t>(classCount) * count > outCount) {
        throw refusal<M>("no images or an output buffer too small");
      }
      copyRows(rows, classCount, out);
      return WINNOW_STATUS_OK;
    });
  }
};

// The table's entry for each op: its trampoline when M has the member, else NULL.
template <class M>
decltype(winnow_model_ops::embed) embedOp() {
  if constexpr (HasEmbed<M>::value) return &ModelTrampolines<M>::embed;
  else return nullptr;
}
template <class M>
decltype(winnow_model_ops::train) trainOp() {
  if constexpr (HasTrain<M>::value) return &ModelTrampolines<M>::train;
  else return nullptr;
}
template <class M>
decltype(winnow_model_ops::evaluate) evaluateOp() {
  if constexpr (HasEvaluate<M>::value) return &ModelTrampolines<M>::evaluate;
  else return nullptr;
}
template <class M>
decltype(winnow_model_ops::load_model) loadModelOp() {
  if constexpr (HasLoadModel<M>::value) return &ModelTrampolines<M>::loadModel;
  else return nullptr;
}
template <class M>
decltype(winnow_model_ops::classify) classifyOp() {
  if constexpr (HasClassify<M>::value) return &ModelTrampolines<M>::classify;
  else return nullptr;
}

}  // namespace detail

// M: M(const Params&, const winnow_host_api*) and any of these members (found by name; an op M
// lacks is NULL in the table, which the host reads as "not supported"):
//   std::uint32_t embeddingDim() const;       with embed: the length of every vector
//   std::vector<std::vector<float>> embed(const std::vector<winnow_image_view>& images);
//                                             one vector per image, embeddingDim() floats each
//   nlohmann::json train(const TrainRequest&, const ProgressSink&);        the run summary
//   nlohmann::json evaluate(const EvaluateRequest&, const ProgressSink&);  the report
//   nlohmann::json loadModel(const std::string& modelPath);                the model's description
//   std::vector<std::vector<float>> classify(const std::vector<winnow_image_view>& images);
//                                             class probabilities, one equally long row per image
// The trampolines check the host's pointers and views (refused: "no images or output", "invalid
// image <i>"), parse the request JSON, serialise the returned JSON into the host's text sink, and
// check that embed and classify return one row per image that fits the host's buffer.
template <class M>
const winnow_model_ops* modelOps() {
  static_assert(detail::HasEmbed<M>::value == detail::HasEmbeddingDim<M>::value,
                "a model that embeds declares both embed() and embeddingDim()");
  static_assert(detail::HasEmbed<M>::value || detail::HasTrain<M>::value || detail::HasEvaluate<M>::value ||
                    detail::HasLoadModel<M>::value || detail::HasClassify<M>::value,
                "a model declares at least one of embed, train, evaluate, loadModel, classify");
  static const winnow_model_ops ops = {sizeof(winnow_model_ops),
                                       &detail::ModelTrampolines<M>::embeddingDim,
                                       detail::embedOp<M>(),
                                       detail::trainOp<M>(),
                                       detail::evaluateOp<M>(),
                                       detail::loadModelOp<M>(),
                                       detail::classifyOp<M>()};
  return &ops;
}

template <class M>
winnow_capability modelCapability(const char* id) {
  using Holder = detail::ModelHolder<M>;
  return {sizeof(winnow_capability), WINNOW_CAPABILITY_KIND_MODEL, id, &detail::create<M, Holder>,
          &detail::destroy<Holder>, modelOps<M>()};
}

// ---- the plugin table --------------------------------------------------------------------------

// The plugin_info a plugin returns from winnow_plugin_init_v1, for a static capability array.
// `apiLevel` is the level the plugin needs (WINNOW_MANIFEST_API_LEVEL): hosts of that level and
// newer load it.
template <std::size_t N>
winnow_plugin_info pluginInfo(const char* pluginId, const char* version, std::uint32_t apiLevel,
                              const winnow_capability (&capabilities)[N]) {
  return {sizeof(winnow_plugin_info), WINNOW_PLUGIN_ABI_VERSION, apiLevel, pluginId, version,
          static_cast<uint32_t>(N), capabilities};
}

// As above, needing this SDK's level (WINNOW_PLUGIN_API_LEVEL).
template <std::size_t N>
winnow_plugin_info pluginInfo(const char* pluginId, const char* version, const winnow_capability (&capabilities)[N]) {
  return pluginInfo(pluginId, version, WINNOW_PLUGIN_API_LEVEL, capabilities);
}

}  // namespace winnow::sdk
