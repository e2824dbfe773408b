// Entry file: the capability table, parameter parsing and the C adapters for HaarDetector.
#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>

#include <memory>

#include "haar_detector.hpp"
#include "winnow/sdk/plugin_abi.h"
#include "winnow/sdk/plugin_helpers.hpp"

namespace {

winnow_status create(const char* paramsJson, const winnow_host_api* /*host*/, void** out,
                     winnow_error_sink error) {
  *out = nullptr;
  return winnow::sdk::guardCall(error, [&] {
    const nlohmann::json params = nlohmann::json::parse(paramsJson ? paramsJson : "{}");
    haar::HaarParams parsed;
    parsed.cascadePath = params.value(
        "cascade", std::string("/usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml"));
    parsed.scaleFactor = params.value("scale_factor", parsed.scaleFactor);
    parsed.minNeighbors = params.value("min_neighbors", parsed.minNeighbors);
    parsed.minFaceFraction = params.value("min_face_fraction", parsed.minFaceFraction);
    parsed.maxSide = params.value("max_side", parsed.maxSide);
    parsed.rotationStepDegrees = params.value("rotation_step_degrees", parsed.rotationStepDegrees);
    parsed.rotationMaxDegrees = params.value("rotation_max_degrees", parsed.rotationMaxDegrees);
    parsed.minScore = params.value("min_score", parsed.minScore);
    *out = new haar::HaarDetector(parsed);
    return WINNOW_STATUS_OK;
  });
}

void destroy(void* instance) { delete static_cast<haar::HaarDetector*>(instance); }

winnow_status detect(void* instance, const winnow_image_view* input, winnow_box_sink output,
                     winnow_error_sink error) {
  return winnow::sdk::guardCall(error, [&] {
    if (!winnow::sdk::isValidView(input) || output.put == nullptr) {
      winnow::sdk::reportError(error, "haar: invalid input image");
      return WINNOW_STATUS_INVALID_ARGUMENT;
    }
    const cv::Mat image(input->height, input->width, CV_8UC(input->channels),
                        const_cast<uint8_t*>(input->data), static_cast<size_t>(input->stride_bytes));
    for (const haar::Face& face : static_cast<haar::HaarDetector*>(instance)->detect(image)) {
      winnow_face_box box{};
      box.struct_size = sizeof(winnow_face_box);
      box.x = face.box.x;
      box.y = face.box.y;
      box.width = face.box.width;
      box.height = face.box.height;
      box.score = face.score;
      output.put(output.context, &box);
    }
    return WINNOW_STATUS_OK;
  });
}

const winnow_detector_ops kOps = {sizeof(winnow_detector_ops), detect};

const winnow_capability kCapabilities[] = {
    {sizeof(winnow_capability), WINNOW_CAPABILITY_KIND_DETECTOR, "haar", create, destroy, &kOps},
};

const winnow_plugin_info kInfo = {sizeof(winnow_plugin_info), WINNOW_PLUGIN_ABI_VERSION, 1,
                                  "winnow.detector.haar", "0.1.0", 1, kCapabilities};

}  // namespace

extern "C" WINNOW_PLUGIN_EXPORT const winnow_plugin_info* winnow_plugin_init_v1(
    const winnow_host_api* /*host*/, winnow_error_sink /*error*/) {
  return &kInfo;
}
