// Entry file of winnow.detector.haar: HaarDetector as the SDK's typed detector capability; the
// plugin's identity comes from its manifest (winnow_plugin_manifest.h).
#include <opencv2/core.hpp>

#include <iterator>
#include <string>
#include <vector>

#include "haar_detector.hpp"
#include "winnow/sdk/detector_capability.hpp"
#include "winnow/sdk/opencv_view.hpp"
#include "winnow_plugin_manifest.h"

namespace {

haar::HaarParams haarParams(const winnow::sdk::Params& params) {
  haar::HaarParams parsed;
  parsed.cascadePath =
      params.text("cascade", "/usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml");
  parsed.scaleFactor = params.number("scale_factor", parsed.scaleFactor);
  parsed.minNeighbors = static_cast<int>(params.integer("min_neighbors", parsed.minNeighbors));
  parsed.minFaceFraction = params.number("min_face_fraction", parsed.minFaceFraction);
  parsed.maxSide = static_cast<int>(params.integer("max_side", parsed.maxSide));
  parsed.rotationStepDegrees = params.number("rotation_step_degrees", parsed.rotationStepDegrees);
  parsed.rotationMaxDegrees = params.number("rotation_max_degrees", parsed.rotationMaxDegrees);
  parsed.minScore = params.number("min_score", parsed.minScore);
  return parsed;
}

class Haar {
 public:
  Haar(const winnow::sdk::Params& params, const winnow_host_api* /*host*/) : detector_(haarParams(params)) {}

  std::vector<winnow::sdk::FaceBox> detect(const winnow_image_view& input) {
    const cv::Mat image = winnow::sdk::matOverView(input);
    std::vector<winnow::sdk::FaceBox> boxes;
    for (const haar::Face& face : detector_.detect(image)) {
      boxes.push_back({face.box.x, face.box.y, face.box.width, face.box.height, face.score, {}});
    }
    return boxes;
  }

 private:
  haar::HaarDetector detector_;
};

const winnow_capability kCapabilities[] = {winnow::sdk::detectorCapability<Haar>(WINNOW_MANIFEST_CAPABILITY_0_ID)};
const winnow_plugin_info kInfo = winnow::sdk::pluginInfo(WINNOW_MANIFEST_PLUGIN_ID, WINNOW_MANIFEST_VERSION,
                                                         WINNOW_MANIFEST_API_LEVEL, kCapabilities);

}  // namespace

extern "C" WINNOW_PLUGIN_EXPORT const winnow_plugin_info* winnow_plugin_init_v1(const winnow_host_api* /*host*/,
                                                                              winnow_error_sink /*error*/) {
  return &kInfo;
}
