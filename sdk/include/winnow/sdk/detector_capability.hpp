// The detector kind as a C++ class: D::detect returns FaceBox values, the trampoline hands them to
// the host's box sink as winnow_face_box.
#pragma once

#include <cstdint>
#include <vector>

#include "winnow/sdk/capability_common.hpp"

namespace winnow::sdk {

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

}  // namespace winnow::sdk
