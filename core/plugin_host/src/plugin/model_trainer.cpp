#include "winnow/plugin/model_trainer.hpp"

#include <cmath>

#include "error_sink.hpp"
#include "image_view.hpp"

namespace winnow::plugin {
namespace {

const winnow_model_ops* opsOf(const CapabilityInstance& instance) {
  return static_cast<const winnow_model_ops*>(instance.capability().ops);
}

struct TextCollector {
  std::string text;
  bool received = false;
  winnow_text_sink sink() { return winnow_text_sink{this, &TextCollector::put}; }
  static void put(void* context, const char* text) {
    auto* self = static_cast<TextCollector*>(context);
    if (self->received || text == nullptr) return;
    self->text = text;
    self->received = true;
  }
};

struct ProgressBridge {
  const ModelProgress* progress = nullptr;
  winnow_progress_sink sink() { return winnow_progress_sink{this, &ProgressBridge::report, &ProgressBridge::line}; }
  static void report(void* context, std::uint64_t done, std::uint64_t total, const char* stage) {
    auto* self = static_cast<ProgressBridge*>(context);
    try {
      if (self->progress->report) self->progress->report(done, total, stage != nullptr ? stage : "");
    } catch (...) {  // NOLINT(bugprone-empty-catch): a callback must not throw into the plugin
    }
  }
  static void line(void* context, const char* text) {
    auto* self = static_cast<ProgressBridge*>(context);
    try {
      if (self->progress->line) self->progress->line(text != nullptr ? text : "");
    } catch (...) {  // NOLINT(bugprone-empty-catch)
    }
  }
};

Result<nlohmann::json> parseResult(const std::string& id, const std::string& what, const TextCollector& collected) {
  if (!collected.received) return makeError(ErrorCode::Plugin, id + ": " + what + " returned no result");
  nlohmann::json parsed = nlohmann::json::parse(collected.text, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object()) {
    return makeError(ErrorCode::Plugin, id + ": " + what + " returned a result that is not a JSON object");
  }
  return parsed;
}

}  // namespace

Result<ModelTrainer> ModelTrainer::wrap(std::unique_ptr<CapabilityInstance> instance) {
  if (instance == nullptr || instance->kind() != CapabilityKind::Model) {
    return makeError(ErrorCode::InvalidArgument,
                     (instance ? instance->descriptor().id : std::string("(none)")) + ": not a model capability");
  }
  const auto* ops = opsOf(*instance);
  if (ops == nullptr || ops->struct_size < WINNOW_MODEL_OPS_LEVEL4_SIZE || ops->train == nullptr ||
      ops->evaluate == nullptr || ops->load_model == nullptr || ops->classify == nullptr) {
    return makeError(ErrorCode::InvalidArgument,
                     instance->descriptor().id + ": model cannot train and classify (needs plugin API level 4 ops)");
  }
  return ModelTrainer(std::move(instance));
}

Result<nlohmann::json> ModelTrainer::train(const nlohmann::json& request, const ModelProgress& progress) {
  TextCollector result;
  ProgressBridge bridge{&progress};
  detail::ErrorCollector errors;
  const winnow_status status = opsOf(*instance_)->train(instance_->rawInstance(), request.dump().c_str(), bridge.sink(),
                                                        result.sink(), errors.sink());
  if (status != WINNOW_STATUS_OK) return detail::pluginCallError(descriptor().id, "train", status, errors);
  return parseResult(descriptor().id, "train", result);
}

Result<nlohmann::json> ModelTrainer::evaluate(const nlohmann::json& request, const ModelProgress& progress) {
  TextCollector result;
  ProgressBridge bridge{&progress};
  detail::ErrorCollector errors;
  const winnow_status status = opsOf(*instance_)->evaluate(instance_->rawInstance(), request.dump().c_str(),
                                                           bridge.sink(), result.sink(), errors.sink());
  if (status != WINNOW_STATUS_OK) return detail::pluginCallError(descriptor().id, "evaluate", status, errors);
  return parseResult(descriptor().id, "evaluate", result);
}

Result<nlohmann::json> ModelTrainer::loadModel(const std::string& modelPath) {
  TextCollector result;
  detail::ErrorCollector errors;
  const winnow_status status =
      opsOf(*instance_)->load_model(instance_->rawInstance(), modelPath.c_str(), result.sink(), errors.sink());
  if (status != WINNOW_STATUS_OK) return detail::pluginCallError(descriptor().id, "load model", status, errors);
  auto description = parseResult(descriptor().id, "load model", result);
  if (!description) return description;
  if (!description->contains("class_names") || !(*description)["class_names"].is_array() ||
      (*description)["class_names"].empty()) {
    return makeError(ErrorCode::Plugin, descriptor().id + ": model description lacks class_names");
  }
  classCount_ = (*description)["class_names"].size();
  return description;
}

Result<std::vector<std::vector<float>>> ModelTrainer::classify(const std::vector<Image>& images) {
  const std::string& id = descriptor().id;
  if (classCount_ == 0) return makeError(ErrorCode::InvalidArgument, id + ": classify before loadModel");
  std::vector<std::vector<float>> rows;
  if (images.empty()) return rows;
  std::vector<winnow_image_view> views;
  for (std::size_t i = 0; i < images.size(); ++i) {
    auto view = detail::viewOf(images[i]);
    if (!view) return makeError(ErrorCode::InvalidArgument, id + ": image " + std::to_string(i) + " " + view.error().message);
    views.push_back(*view);
  }
  std::vector<float> flat(images.size() * classCount_, std::nanf(""));
  detail::ErrorCollector errors;
  const winnow_status status = opsOf(*instance_)->classify(instance_->rawInstance(), views.data(),
                                                           static_cast<std::uint32_t>(views.size()), flat.data(),
                                                           flat.size(), errors.sink());
  if (status != WINNOW_STATUS_OK) return detail::pluginCallError(id, "classify", status, errors);
  for (std::size_t i = 0; i < images.size(); ++i) {
    std::vector<float> row(flat.begin() + static_cast<std::ptrdiff_t>(i * classCount_),
                           flat.begin() + static_cast<std::ptrdiff_t>((i + 1) * classCount_));
    for (float p : row) {
      if (!std::isfinite(p)) return makeError(ErrorCode::Plugin, id + ": classify left a non-finite value");
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace winnow::plugin
