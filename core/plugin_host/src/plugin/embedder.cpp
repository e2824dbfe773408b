#include "winnow/plugin/embedder.hpp"

#include <cmath>

#include "error_sink.hpp"
#include "image_view.hpp"

namespace winnow::plugin {
namespace {

constexpr std::uint32_t kMaxDimension = 1U << 20U;

const winnow_model_ops* opsOf(const CapabilityInstance& instance) {
  return static_cast<const winnow_model_ops*>(instance.capability().ops);
}

}  // namespace

Embedder::Embedder(std::unique_ptr<CapabilityInstance> instance, std::uint32_t dimension)
    : instance_(std::move(instance)), dimension_(dimension) {}

Result<Embedder> Embedder::wrap(std::unique_ptr<CapabilityInstance> instance) {
  if (instance == nullptr || instance->kind() != CapabilityKind::Model) {
    return makeError(ErrorCode::InvalidArgument,
                     (instance ? instance->descriptor().id : std::string("(none)")) +
                         ": not a model capability");
  }
  const auto* ops = opsOf(*instance);
  if (ops == nullptr || ops->struct_size < WINNOW_MODEL_OPS_LEVEL3_SIZE || ops->embed == nullptr ||
      ops->embedding_dim == nullptr) {
    return makeError(ErrorCode::InvalidArgument, instance->descriptor().id + ": model does not embed");
  }
  const std::uint32_t dimension = ops->embedding_dim(instance->rawInstance());
  if (dimension == 0 || dimension > kMaxDimension) {
    return makeError(ErrorCode::InvalidArgument, instance->descriptor().id +
                                                     ": model reports embedding dimension " +
                                                     std::to_string(dimension));
  }
  return Embedder(std::move(instance), dimension);
}

Result<std::vector<std::vector<float>>> Embedder::embed(const std::vector<Image>& images) {
  const std::string& id = instance_->descriptor().id;
  std::vector<std::vector<float>> vectors;
  if (images.empty()) {
    return vectors;
  }
  std::vector<winnow_image_view> views;
  views.reserve(images.size());
  for (size_t i = 0; i < images.size(); ++i) {
    auto view = detail::viewOf(images[i]);
    if (!view) {
      return makeError(ErrorCode::InvalidArgument,
                       id + ": image " + std::to_string(i) + " " + view.error().message);
    }
    views.push_back(*view);
  }
  std::vector<float> flat(images.size() * dimension_, std::nanf(""));
  detail::ErrorCollector errors;
  const winnow_status status = opsOf(*instance_)->embed(
      instance_->rawInstance(), views.data(), static_cast<std::uint32_t>(views.size()), flat.data(),
      errors.sink());
  if (status != WINNOW_STATUS_OK) {
    return detail::pluginCallError(id, "embed", status, errors);
  }
  for (size_t i = 0; i < images.size(); ++i) {
    std::vector<float> vector(flat.begin() + static_cast<std::ptrdiff_t>(i * dimension_),
                              flat.begin() + static_cast<std::ptrdiff_t>((i + 1) * dimension_));
    for (const float value : vector) {
      if (!std::isfinite(value)) {
        return makeError(ErrorCode::Plugin, id + ": embed left a non-finite value for image " +
                                                std::to_string(i));
      }
    }
    vectors.push_back(std::move(vector));
  }
  return vectors;
}

}  // namespace winnow::plugin
