// Entry file: the faceapi plugin's two capabilities over the LibTorch ports in faceapi_nets.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "winnow/faceapi/nets.hpp"
#include "winnow/sdk/plugin_abi.h"
#include "winnow/sdk/plugin_helpers.hpp"

namespace {

namespace fa = winnow::faceapi;

std::filesystem::path modelDirFrom(const nlohmann::json& params) {
  std::string dir = params.value("model_dir", std::string());
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

void applyThreads(const nlohmann::json& params) {
  const int threads = params.value("threads", 0);
  if (threads > 0) {
    torch::set_num_threads(threads);
  }
}

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

// ---- detector ------------------------------------------------------------------------------

struct SsdInstance {
  std::unique_ptr<fa::SsdMobilenetV1> ssd;  // null for faceapi_whole_face
  std::unique_ptr<fa::FaceLandmark68Net> landmarkNet;
  float minConfidence = 0.5F;
  int maxResults = 100;
  float iouThreshold = 0.5F;
  double minFaceFraction = 0.0;
};

winnow_status createSsd(const char* paramsJson, const winnow_host_api* /*host*/, void** out,
                        winnow_error_sink error) {
  *out = nullptr;
  return winnow::sdk::guardCall(error, [&] {
    const nlohmann::json params = nlohmann::json::parse(paramsJson ? paramsJson : "{}");
    applyThreads(params);
    const fa::ModelDir models{modelDirFrom(params)};
    const torch::Device device = fa::parseDevice(params.value("device", std::string("auto")));
    auto instance = std::make_unique<SsdInstance>();
    instance->ssd = std::make_unique<fa::SsdMobilenetV1>(models.ssd(), device);
    if (params.value("landmarks", true)) {
      instance->landmarkNet = std::make_unique<fa::FaceLandmark68Net>(models.landmarks(), device);
    }
    instance->minConfidence = params.value("min_confidence", 0.5F);
    instance->maxResults = params.value("max_results", 100);
    instance->iouThreshold = params.value("iou_threshold", 0.5F);
    instance->minFaceFraction = params.value("min_face_fraction", 0.0);
    *out = instance.release();
    return WINNOW_STATUS_OK;
  });
}

winnow_status createWholeFace(const char* paramsJson, const winnow_host_api* /*host*/, void** out,
                              winnow_error_sink error) {
  *out = nullptr;
  return winnow::sdk::guardCall(error, [&] {
    const nlohmann::json params = nlohmann::json::parse(paramsJson ? paramsJson : "{}");
    applyThreads(params);
    const fa::ModelDir models{modelDirFrom(params)};
    auto instance = std::make_unique<SsdInstance>();
    instance->landmarkNet = std::make_unique<fa::FaceLandmark68Net>(
        models.landmarks(), fa::parseDevice(params.value("device", std::string("auto"))));
    *out = instance.release();
    return WINNOW_STATUS_OK;
  });
}

void destroySsd(void* instance) { delete static_cast<SsdInstance*>(instance); }

winnow_status detect(void* raw, const winnow_image_view* input, winnow_box_sink output,
                     winnow_error_sink error) {
  return winnow::sdk::guardCall(error, [&] {
    if (!winnow::sdk::isValidView(input) || output.put == nullptr) {
      winnow::sdk::reportError(error, "faceapi_ssd: invalid input image");
      return WINNOW_STATUS_INVALID_ARGUMENT;
    }
    auto& self = *static_cast<SsdInstance*>(raw);
    const std::vector<std::uint8_t> rgb = toRgb(*input);
    const fa::RgbImage image{rgb.data(), input->width, input->height, static_cast<std::int64_t>(input->width) * 3};
    std::vector<fa::Detection> faces;
    if (self.ssd) {
      faces = self.ssd->detect(image, self.minConfidence, self.maxResults, self.iouThreshold);
    } else {  // the image is one face crop already
      faces.push_back(fa::Detection{0.0F, 0.0F, static_cast<float>(input->width),
                                    static_cast<float>(input->height), 1.0F});
    }
    const double minSide = self.minFaceFraction * std::min(input->width, input->height);
    // Boxes clipped to the image (face-api lets the bottom/right run into its square padding).
    std::vector<fa::Detection> kept;
    for (fa::Detection d : faces) {
      const float right = std::min(d.x + d.width, static_cast<float>(input->width));
      const float bottom = std::min(d.y + d.height, static_cast<float>(input->height));
      d.width = right - d.x;
      d.height = bottom - d.y;
      if (d.width > 0 && d.height > 0 && std::min(d.width, d.height) >= minSide) {
        kept.push_back(d);
      }
    }
    std::vector<std::vector<float>> landmarks(kept.size());
    if (self.landmarkNet && !kept.empty()) {
      // face-api's extractFaceTensors: the box floored and clipped to the image.
      std::vector<fa::RgbImage> crops;
      std::vector<std::pair<int, int>> origins;
      std::vector<size_t> owners;
      for (size_t i = 0; i < kept.size(); ++i) {
        const int x = static_cast<int>(std::floor(std::max(kept[i].x, 0.0F)));
        const int y = static_cast<int>(std::floor(std::max(kept[i].y, 0.0F)));
        const int right = static_cast<int>(std::floor(kept[i].x + kept[i].width));
        const int bottom = static_cast<int>(std::floor(kept[i].y + kept[i].height));
        const int w = std::min(right, input->width) - x;
        const int h = std::min(bottom, input->height) - y;
        if (w <= 0 || h <= 0) {
          continue;
        }
        crops.push_back(fa::RgbImage{rgb.data() + (static_cast<size_t>(y) * input->width + x) * 3, w, h,
                                     static_cast<std::int64_t>(input->width) * 3});
        origins.emplace_back(x, y);
        owners.push_back(i);
      }
      const auto points = self.landmarkNet->landmarks(crops);
      for (size_t c = 0; c < points.size(); ++c) {
        std::vector<float>& out = landmarks[owners[c]];
        out.resize(136);
        for (size_t p = 0; p < 68; ++p) {
          out[2 * p] = points[c][2 * p] + static_cast<float>(origins[c].first);
          out[2 * p + 1] = points[c][2 * p + 1] + static_cast<float>(origins[c].second);
        }
      }
    }
    for (size_t i = 0; i < kept.size(); ++i) {
      winnow_face_box box{};
      box.struct_size = sizeof(winnow_face_box);
      box.x = kept[i].x;
      box.y = kept[i].y;
      box.width = kept[i].width;
      box.height = kept[i].height;
      box.score = kept[i].score;
      box.landmark_count = static_cast<int32_t>(landmarks[i].size() / 2);
      box.landmarks = landmarks[i].empty() ? nullptr : landmarks[i].data();
      output.put(output.context, &box);
    }
    return WINNOW_STATUS_OK;
  });
}

// ---- model: face descriptors ----------------------------------------------------------------

winnow_status createRecognition(const char* paramsJson, const winnow_host_api* /*host*/, void** out,
                                winnow_error_sink error) {
  *out = nullptr;
  return winnow::sdk::guardCall(error, [&] {
    const nlohmann::json params = nlohmann::json::parse(paramsJson ? paramsJson : "{}");
    applyThreads(params);
    const fa::ModelDir models{modelDirFrom(params)};
    *out = new fa::FaceRecognitionNet(models.recognition(),
                                      fa::parseDevice(params.value("device", std::string("auto"))));
    return WINNOW_STATUS_OK;
  });
}

void destroyRecognition(void* instance) { delete static_cast<fa::FaceRecognitionNet*>(instance); }

uint32_t embeddingDim(void* /*instance*/) { return 128; }

winnow_status embed(void* raw, const winnow_image_view* images, uint32_t count, float* out,
                    winnow_error_sink error) {
  return winnow::sdk::guardCall(error, [&] {
    if ((count > 0 && (images == nullptr || out == nullptr))) {
      winnow::sdk::reportError(error, "faceapi_recognition: no images or output");
      return WINNOW_STATUS_INVALID_ARGUMENT;
    }
    std::vector<std::vector<std::uint8_t>> buffers;
    std::vector<fa::RgbImage> crops;
    buffers.reserve(count);
    for (uint32_t i = 0; i < count; ++i) {
      if (!winnow::sdk::isValidView(&images[i])) {
        winnow::sdk::reportError(error, "faceapi_recognition: invalid image " + std::to_string(i));
        return WINNOW_STATUS_INVALID_ARGUMENT;
      }
      buffers.push_back(toRgb(images[i]));
      crops.push_back(fa::RgbImage{buffers.back().data(), images[i].width, images[i].height,
                                   static_cast<std::int64_t>(images[i].width) * 3});
    }
    const torch::Tensor descriptors = static_cast<fa::FaceRecognitionNet*>(raw)->descriptors(crops);
    std::memcpy(out, descriptors.data_ptr<float>(), sizeof(float) * 128 * count);
    return WINNOW_STATUS_OK;
  });
}

const winnow_detector_ops kDetectorOps = {sizeof(winnow_detector_ops), detect};
const winnow_model_ops kModelOps = {sizeof(winnow_model_ops), embeddingDim, embed};

const winnow_capability kCapabilities[] = {
    {sizeof(winnow_capability), WINNOW_CAPABILITY_KIND_DETECTOR, "faceapi_ssd", createSsd, destroySsd,
     &kDetectorOps},
    {sizeof(winnow_capability), WINNOW_CAPABILITY_KIND_DETECTOR, "faceapi_whole_face", createWholeFace,
     destroySsd, &kDetectorOps},
    {sizeof(winnow_capability), WINNOW_CAPABILITY_KIND_MODEL, "faceapi_recognition", createRecognition,
     destroyRecognition, &kModelOps},
};

const winnow_plugin_info kInfo = {sizeof(winnow_plugin_info), WINNOW_PLUGIN_ABI_VERSION, 3,
                                  "winnow.faceapi", "0.1.0", 3, kCapabilities};

}  // namespace

extern "C" WINNOW_PLUGIN_EXPORT const winnow_plugin_info* winnow_plugin_init_v1(
    const winnow_host_api* /*host*/, winnow_error_sink /*error*/) {
  return &kInfo;
}
