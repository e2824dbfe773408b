// The model kind as a C++ class declaring any of embed / train / evaluate / loadModel / classify
// (found by name at compile time; the other ops stay NULL in the table):
//   class Classifier { public:
//     Classifier(const winnow::sdk::Params& params, const winnow_host_api* host);
//     nlohmann::json train(const winnow::sdk::TrainRequest& request, const winnow::sdk::ProgressSink& progress); };
//   ... winnow::sdk::modelCapability<Classifier>("example.classifier") ...
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include <nlohmann/json.hpp>

#include "winnow/sdk/capability_common.hpp"
#include "winnow/sdk/progress_sink.hpp"

namespace winnow::sdk {

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

}  // namespace winnow::sdk
