#include "winnow/plugin/detector.hpp"

#include <cmath>

#include "error_sink.hpp"
#include "image_view.hpp"

namespace winnow::plugin {
namespace {

constexpr int kMaxLandmarks = 1024;

struct BoxCollector {
  std::vector<FaceBox> boxes;
  std::string problem;  // first malformed box, reported after the call

  static void put(void* context, const winnow_face_box* box) noexcept {
    try {
      auto* self = static_cast<BoxCollector*>(context);
      if (box == nullptr || box->struct_size < sizeof(winnow_face_box)) {
        self->problem = "a face box is missing or has a too small struct_size";
        return;
      }
      if (!std::isfinite(box->x) || !std::isfinite(box->y) || !std::isfinite(box->width) ||
          !std::isfinite(box->height) || !std::isfinite(box->score)) {
        self->problem = "a face box has non-finite coordinates or score";
        return;
      }
      FaceBox out;
      out.x = box->x;
      out.y = box->y;
      out.width = box->width;
      out.height = box->height;
      out.score = box->score;
      if (box->landmark_count > 0) {
        if (box->landmarks == nullptr || box->landmark_count > kMaxLandmarks) {
          self->problem = "a face box has an invalid landmark list";
          return;
        }
        out.landmarks.assign(box->landmarks, box->landmarks + 2 * box->landmark_count);
      }
      self->boxes.push_back(std::move(out));
    } catch (...) {  // NOLINT(bugprone-empty-catch): a C callback must not throw
    }
  }
};

const winnow_detector_ops* opsOf(const CapabilityInstance& instance) {
  return static_cast<const winnow_detector_ops*>(instance.capability().ops);
}

}  // namespace

Detector::Detector(std::unique_ptr<CapabilityInstance> instance) : instance_(std::move(instance)) {}

Result<Detector> Detector::wrap(std::unique_ptr<CapabilityInstance> instance) {
  if (instance == nullptr || instance->kind() != CapabilityKind::Detector) {
    return makeError(ErrorCode::InvalidArgument,
                     (instance ? instance->descriptor().id : std::string("(none)")) +
                         ": not a detector capability");
  }
  const auto* ops = opsOf(*instance);
  if (ops == nullptr || ops->struct_size < sizeof(winnow_detector_ops) || ops->detect == nullptr) {
    return makeError(ErrorCode::Plugin, instance->descriptor().id + ": detector has no detect()");
  }
  return Detector(std::move(instance));
}

Result<std::vector<FaceBox>> Detector::detect(const Image& input) {
  const std::string& id = instance_->descriptor().id;
  auto view = detail::viewOf(input);
  if (!view) {
    return makeError(ErrorCode::InvalidArgument, id + ": input " + view.error().message);
  }
  BoxCollector output;
  detail::ErrorCollector errors;
  const winnow_status status = opsOf(*instance_)->detect(
      instance_->rawInstance(), &*view, winnow_box_sink{&output, &BoxCollector::put}, errors.sink());
  if (status != WINNOW_STATUS_OK) {
    return detail::pluginCallError(id, "detect", status, errors);
  }
  if (!output.problem.empty()) {
    return makeError(ErrorCode::Plugin, id + ": detect returned " + output.problem);
  }
  return std::move(output.boxes);
}

}  // namespace winnow::plugin
