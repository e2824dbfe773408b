#include "face_descriptors.hpp"

#include <cstddef>

#include "packed_rgb.hpp"

namespace winnow::faceapi_plugin {

std::vector<std::vector<float>> faceDescriptors(faceapi::FaceRecognitionNet& net,
                                                const std::vector<winnow_image_view>& crops) {
  std::vector<std::vector<std::uint8_t>> buffers;
  std::vector<faceapi::RgbImage> images;
  buffers.reserve(crops.size());
  for (const winnow_image_view& view : crops) {
    buffers.push_back(packedRgb(view));
    images.push_back(faceapi::RgbImage{buffers.back().data(), view.width, view.height,
                                       static_cast<std::int64_t>(view.width) * 3});
  }
  const torch::Tensor descriptors = net.descriptors(images);  // [N,128] on the CPU
  const float* values = descriptors.data_ptr<float>();
  std::vector<std::vector<float>> vectors;
  vectors.reserve(crops.size());
  for (size_t i = 0; i < crops.size(); ++i) {
    vectors.emplace_back(values + i * kFaceDescriptorDim, values + (i + 1) * kFaceDescriptorDim);
  }
  return vectors;
}

}  // namespace winnow::faceapi_plugin
