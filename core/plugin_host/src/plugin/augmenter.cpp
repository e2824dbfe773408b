#include "winnow/plugin/augmenter.hpp"

#include "error_sink.hpp"
#include "image_view.hpp"

namespace winnow::plugin {
namespace {

struct ImageCollector {
  std::optional<Result<Image>> image;

  static winnow_status put(void* context, const winnow_image_view* view) noexcept {
    try {
      auto* self = static_cast<ImageCollector*>(context);
      if (self->image.has_value()) {
        return WINNOW_STATUS_INVALID_ARGUMENT;  // one output image per apply()
      }
      self->image = detail::copyFromView(view);
      return self->image->ok() ? WINNOW_STATUS_OK : WINNOW_STATUS_INVALID_ARGUMENT;
    } catch (...) {
      return WINNOW_STATUS_ERROR;
    }
  }
};

const winnow_augmenter_ops* opsOf(const CapabilityInstance& instance) {
  return static_cast<const winnow_augmenter_ops*>(instance.capability().ops);
}

}  // namespace

Augmenter::Augmenter(std::unique_ptr<CapabilityInstance> instance) : instance_(std::move(instance)) {}

Result<Augmenter> Augmenter::wrap(std::unique_ptr<CapabilityInstance> instance) {
  if (instance == nullptr || instance->kind() != CapabilityKind::Augmenter) {
    return makeError(ErrorCode::InvalidArgument,
                     (instance ? instance->descriptor().id : std::string("(none)")) +
                         ": not an augmenter capability");
  }
  const auto* ops = opsOf(*instance);
  if (ops == nullptr || ops->struct_size < sizeof(winnow_augmenter_ops) || ops->apply == nullptr) {
    return makeError(ErrorCode::Plugin, instance->descriptor().id + ": augmenter has no apply()");
  }
  return Augmenter(std::move(instance));
}

Result<Image> Augmenter::apply(const Image& input, std::uint64_t seed) {
  const std::string& id = instance_->descriptor().id;
  auto view = detail::viewOf(input);
  if (!view) {
    return makeError(ErrorCode::InvalidArgument, id + ": input " + view.error().message);
  }
  ImageCollector output;
  detail::ErrorCollector errors;
  const winnow_status status =
      opsOf(*instance_)->apply(instance_->rawInstance(), &*view, seed,
                               winnow_image_sink{&output, &ImageCollector::put}, errors.sink());
  if (output.image.has_value() && !output.image->ok()) {
    return makeError(ErrorCode::Plugin, id + ": apply " + output.image->error().message);
  }
  if (status != WINNOW_STATUS_OK) {
    return detail::pluginCallError(id, "apply", status, errors);
  }
  if (!output.image.has_value()) {
    return makeError(ErrorCode::Plugin, id + ": apply returned OK but put no image");
  }
  return std::move(*output.image).value();
}

}  // namespace winnow::plugin
