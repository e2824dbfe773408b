// LibTorch ports of three @vladmandic/face-api networks, numerically faithful to the TF.js
// originals (TF "SAME" padding, TF's legacy bilinear resize, the same padding-to-square rules),
// so their outputs match face-api's to float rounding. Inputs are 8-bit RGB images on the CPU;
// the networks run on the device given at construction (CPU or CUDA).
//
// Thread safety: an object may be used from one thread at a time (LibTorch itself parallelises
// each forward pass across cores).
#pragma once

#include <torch/torch.h>

#include <array>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace winnow::faceapi {

// A borrowed 8-bit RGB image (3 bytes per pixel, rows `strideBytes` apart).
struct RgbImage {
  const std::uint8_t* data = nullptr;
  int width = 0;
  int height = 0;
  std::int64_t strideBytes = 0;
};

struct Detection {
  float x = 0, y = 0, width = 0, height = 0;  // pixels in the input image
  float score = 0;                            // 0..1
};

// The model files of the npm package's model/ folder, e.g.
// node_modules/@vladmandic/face-api/model.
struct ModelDir {
  std::filesystem::path path;
  std::filesystem::path ssd() const { return path / "ssd_mobilenetv1_model-weights_manifest.json"; }
  std::filesystem::path landmarks() const { return path / "face_landmark_68_model-weights_manifest.json"; }
  std::filesystem::path recognition() const { return path / "face_recognition_model-weights_manifest.json"; }
};

// "cpu", "cuda" or "auto" (CUDA when available). Throws std::runtime_error for "cuda" without one.
torch::Device parseDevice(const std::string& name);

// SSD-MobileNetV1 face detector at 512x512 input (face-api's `ssdMobilenetv1`). The image is
// padded to a square at the bottom/right and resized, as face-api does.
class SsdMobilenetV1 {
 public:
  SsdMobilenetV1(const std::filesystem::path& manifest, torch::Device device);

  // face-api's locateFaces: scores above minConfidence, greedy NMS at iouThreshold (0.5 in
  // face-api), at most maxResults, sorted by score. As in face-api, boxes are clipped at the
  // top and left; the bottom and right may reach into the padding beyond the image.
  std::vector<Detection> detect(const RgbImage& image, float minConfidence = 0.5F,
                                int maxResults = 100, float iouThreshold = 0.5F);

  // Raw network outputs for a [N,3,512,512] float batch in 0..255: boxes [N,5118,4] as
  // (ymin, xmin, ymax, xmax) relative to the padded square, and face scores [N,5118].
  std::pair<torch::Tensor, torch::Tensor> forward(const torch::Tensor& batch);

  torch::Device device() const { return device_; }

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
  torch::Device device_;
};

// 68-point landmarks (face-api's `faceLandmark68Net`) on face crops: each crop is padded to a
// square (centred) and resized to 112.
class FaceLandmark68Net {
 public:
  FaceLandmark68Net(const std::filesystem::path& manifest, torch::Device device);
  // One set per crop: 68 (x, y) pairs in the crop's pixel frame.
  std::vector<std::array<float, 136>> landmarks(const std::vector<RgbImage>& crops);
  torch::Device device() const { return device_; }

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
  torch::Device device_;
};

// The 128-d face descriptor (face-api's `faceRecognitionNet`, a port of dlib's ResNet) on aligned
// face crops: padded to a square (centred) and resized to 150. Descriptors are not normalised
// (dlib's convention: same person when the Euclidean distance is below about 0.6).
class FaceRecognitionNet {
 public:
  FaceRecognitionNet(const std::filesystem::path& manifest, torch::Device device);
  // From the tensors namedTensors() lists (scale layers already folded into the convolutions),
  // e.g. read back from a trained model file. Throws std::runtime_error on a missing name.
  FaceRecognitionNet(const std::map<std::string, torch::Tensor>& named, torch::Device device);
  // The network's tensors by stable names ("stem.weight", "blocks.<i>.conv1.weight", ..., "fc"),
  // sharing storage with the network: setting requires_grad on them makes forwardWithGrad()
  // trainable (fine-tuning).
  std::vector<std::pair<std::string, torch::Tensor>> namedTensors() const;
  // forward() without inference mode, so gradients flow to tensors that require them.
  torch::Tensor forwardWithGrad(const torch::Tensor& batch);
  torch::Tensor descriptors(const std::vector<RgbImage>& crops);  // [N,128] float on the CPU
  // The network on a prepared [N,3,150,150] batch in 0..255 (on any device); [N,128].
  torch::Tensor forward(const torch::Tensor& batch);
  torch::Device device() const { return device_; }

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
  torch::Device device_;
};

}  // namespace winnow::faceapi
