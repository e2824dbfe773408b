// Entry file: the faceapi plugin's capabilities as classes over the LibTorch ports in faceapi_nets;
// the SDK's trampolines (winnow/sdk/detector_capability.hpp, model_capability.hpp) make the C table
// and map exceptions onto statuses.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "winnow/faceapi/nets.hpp"
#include "winnow/sdk/detector_capability.hpp"
#include "winnow/sdk/model_capability.hpp"
#include "winnow_plugin_manifest.h"

namespace {

namespace fa = winnow::faceapi;
using winnow::sdk::FaceBox;
using winnow::sdk::Params;

std::filesystem::path modelDirFrom(const Params& params) {
  std::string dir = params.text("model_dir", "");
  if (dir.empty()) {
    const char* env = std::getenv("WINNOW_FACEAPI_MODELS");
    dir = env != nullptr && *env != '\0' ? env : WINNOW_FACEAPI_DEFAULT_MODEL_DIR;
  }
  if (!std::filesystem::is_directory(dir)) {
    throw std::runtime_error("face-api model folder " + dir +
                             " not found (set model_dir or WINNOW_FACEAPI_MODELS; scripts/setup.sh installs it)");
  }
  return dir;
}

void applyThreads(const Params& params) {
  const auto threads = static_cast<int>(params.integer("threads", 0));
  if (threads > 0) {
    torch::set_num_threads(threads);
  }
}

torch::Device deviceFrom(const Params& params) { return fa::parseDevice(params.text("device", "auto")); }

// Packed RGB copy of any valid view (grey is replicated, alpha dropped).
std::vector<std::uint8_t> toRgb(const winnow_image_view& view) {
  std::vector<std::uint8_t> rgb(static_cast<size_t>(view.width) * static_cast<size_t>(view.height) * 3);
  for (int32_t y = 0; y < view.height; ++y) {
    const std::uint8_t* in = view.data + y * view.stride_bytes;
    std::uint8_t* out = rgb.data() + static_cast<size_t>(y) * static_cast<size_t>(view.width) * 3;
    for (int32_t x = 0; x < view.width; ++x) {
      for (int c = 0; c < 3; ++c) {
        out[3 * x + c] = view.channels == 1 ? in[x] : in[view.channels * x + c];
      }
    }
  }
  return rgb;
}

// ---- detectors -----------------------------------------------------------------------------

// Faces (SSD-MobileNetV1, or the whole picture as one face) with face-api's 68 landmarks when the
// landmark net is loaded. Both capabilities word their refusals "faceapi_ssd: ...".
class FaceApiDetector {
 public:
  static constexpr const char* kName = "faceapi_ssd";

  std::vector<FaceBox> detect(const winnow_image_view& input) {
    const std::vector<std::uint8_t> rgb = toRgb(input);
    const fa::RgbImage image{rgb.data(), input.width, input.height, static_cast<std::int64_t>(input.width) * 3};
    std::vector<fa::Detection> faces;
    if (ssd_) {
      faces = ssd_->detect(image, minConfidence_, maxResults_, iouThreshold_);
    } else {  // the image is one face crop already
      faces.push_back(fa::Detection{0.0F, 0.0F, static_cast<float>(input.width), static_cast<float>(input.height), 1.0F});
    }
    const double minSide = minFaceFraction_ * std::min(input.width, input.height);
    // Boxes clipped to the image (face-api lets the bottom/right run into its square padding).
    std::vector<FaceBox> kept;
    for (const fa::Detection& d : faces) {
      FaceBox box;
      box.x = d.x;
      box.y = d.y;
      box.width = std::min(d.x + d.width, static_cast<float>(input.width)) - d.x;
      box.height = std::min(d.y + d.height, static_cast<float>(input.height)) - d.y;
      box.score = d.score;
      if (box.width > 0 && box.height > 0 && std::min(box.width, box.height) >= minSide) {
        kept.push_back(std::move(box));
      }
    }
    if (landmarkNet_ && !kept.empty()) addLandmarks(rgb, input, kept);
    return kept;
  }

 protected:
  FaceApiDetector() = default;

  std::unique_ptr<fa::SsdMobilenetV1> ssd_;  // null: the picture is one face crop
  std::unique_ptr<fa::FaceLandmark68Net> landmarkNet_;
  float minConfidence_ = 0.5F;
  int maxResults_ = 100;
  float iouThreshold_ = 0.5F;
  double minFaceFraction_ = 0.0;

 private:
  // face-api's extractFaceTensors: each box floored and clipped to the image, landmarks in the
  // image's pixels.
  void addLandmarks(const std::vector<std::uint8_t>& rgb, const winnow_image_view& input,
                    std::vector<FaceBox>& boxes) const {
    std::vector<fa::RgbImage> crops;
    std::vector<std::pair<int, int>> origins;
    std::vector<size_t> owners;
    for (size_t i = 0; i < boxes.size(); ++i) {
      const int x = static_cast<int>(std::floor(std::max(boxes[i].x, 0.0F)));
      const int y = static_cast<int>(std::floor(std::max(boxes[i].y, 0.0F)));
      const int right = static_cast<int>(std::floor(boxes[i].x + boxes[i].width));
      const int bottom = static_cast<int>(std::floor(boxes[i].y + boxes[i].height));
      const int w = std::min(right, input.width) - x;
      const int h = std::min(bottom, input.height) - y;
      if (w <= 0 || h <= 0) {
        continue;
      }
      crops.push_back(fa::RgbImage{rgb.data() + (static_cast<size_t>(y) * input.width + x) * 3, w, h,
                                   static_cast<std::int64_t>(input.width) * 3});
      origins.emplace_back(x, y);
      owners.push_back(i);
    }
    const auto points = landmarkNet_->landmarks(crops);
    for (size_t c = 0; c < points.size(); ++c) {
      std::vector<float>& out = boxes[owners[c]].landmarks;
      out.resize(136);
      for (size_t p = 0; p < 68; ++p) {
        out[2 * p] = points[c][2 * p] + static_cast<float>(origins[c].first);
        out[2 * p + 1] = points[c][2 * p + 1] + static_cast<float>(origins[c].second);
      }
    }
  }
};

class SsdDetector : public FaceApiDetector {
 public:
  SsdDetector(const Params& params, const winnow_host_api* /*host*/) {
    applyThreads(params);
    const fa::ModelDir models{modelDirFrom(params)};
    const torch::Device device = deviceFrom(params);
    ssd_ = std::make_unique<fa::SsdMobilenetV1>(models.ssd(), device);
    if (params.boolean("landmarks", true)) {
      landmarkNet_ = std::make_unique<fa::FaceLandmark68Net>(models.landmarks(), device);
    }
    minConfidence_ = static_cast<float>(params.number("min_confidence", minConfidence_));
    maxResults_ = static_cast<int>(params.integer("max_results", maxResults_));
    iouThreshold_ = static_cast<float>(params.number("iou_threshold", iouThreshold_));
    minFaceFraction_ = params.number("min_face_fraction", minFaceFraction_);
  }
};

class WholeFaceDetector : public FaceApiDetector {
 public:
  WholeFaceDetector(const Params& params, const winnow_host_api* /*host*/) {
    applyThreads(params);
    const fa::ModelDir models{modelDirFrom(params)};
    landmarkNet_ = std::make_unique<fa::FaceLandmark68Net>(models.landmarks(), deviceFrom(params));
  }
};

// ---- model: face descriptors ----------------------------------------------------------------

class FaceDescriptors {
 public:
  static constexpr const char* kName = "faceapi_recognition";
  static constexpr std::uint32_t kDimension = 128;

  FaceDescriptors(const Params& params, const winnow_host_api* /*host*/) {
    applyThreads(params);
    const fa::ModelDir models{modelDirFrom(params)};
    net_ = std::make_unique<fa::FaceRecognitionNet>(models.recognition(), deviceFrom(params));
  }

  std::uint32_t embeddingDim() const { return kDimension; }

  std::vector<std::vector<float>> embed(const std::vector<winnow_image_view>& images) {
    std::vector<std::vector<std::uint8_t>> buffers;
    std::vector<fa::RgbImage> crops;
    buffers.reserve(images.size());
    for (const winnow_image_view& view : images) {
      buffers.push_back(toRgb(view));
      crops.push_back(fa::RgbImage{buffers.back().data(), view.width, view.height,
                                   static_cast<std::int64_t>(view.width) * 3});
    }
    const torch::Tensor descriptors = net_->descriptors(crops);  // [N,128] on the CPU
    const float* values = descriptors.data_ptr<float>();
    std::vector<std::vector<float>> vectors;
    vectors.reserve(images.size());
    for (size_t i = 0; i < images.size(); ++i) {
      vectors.emplace_back(values + i * kDimension, values + (i + 1) * kDimension);
    }
    return vectors;
  }

 private:
  std::unique_ptr<fa::FaceRecognitionNet> net_;
};

const winnow_capability kCapabilities[] = {
    winnow::sdk::detectorCapability<SsdDetector>(WINNOW_MANIFEST_CAPABILITY_0_ID),
    winnow::sdk::detectorCapability<WholeFaceDetector>(WINNOW_MANIFEST_CAPABILITY_1_ID),
    winnow::sdk::modelCapability<FaceDescriptors>(WINNOW_MANIFEST_CAPABILITY_2_ID),
};
const winnow_plugin_info kInfo =
    winnow::sdk::pluginInfo(WINNOW_MANIFEST_PLUGIN_ID, WINNOW_MANIFEST_VERSION, WINNOW_MANIFEST_API_LEVEL, kCapabilities);

}  // namespace

extern "C" WINNOW_PLUGIN_EXPORT const winnow_plugin_info* winnow_plugin_init_v1(
    const winnow_host_api* /*host*/, winnow_error_sink /*error*/) {
  return &kInfo;
}
