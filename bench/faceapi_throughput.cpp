// Throughput of winnow's LibTorch ports of face-api (ml/faceapi_nets) on the job files of
// scripts/faceapi_reference.js, timed the same way as its bench modes (used by
// bench/faceapi_vs_node.sh): every image in memory first, one warm-up call on the first image,
// then each image in turn, timed together.
//
//   faceapi_throughput --job job.json --mode bench-ssd|bench-embed [--models DIR] [--threads N]
//                      [--device cpu|cuda|auto] [--batch 16]
//
// job.json: {"images": [{"name": ..., "rgb": "<raw RGB file>", "width": W, "height": H}, ...]}.
// bench-ssd: SsdMobilenetV1::detect(image, 0.5) per image; outputs = faces found.
// bench-embed: FaceRecognitionNet::descriptors on each whole image, one at a time (outputs =
// descriptors), and also in batches of --batch images ("batched": the same numbers for that).
// Prints one JSON document like the node script's (count, seconds, images_per_second, outputs).
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "winnow/faceapi/nets.hpp"

namespace fa = winnow::faceapi;

namespace {

struct Picture {
  std::vector<std::uint8_t> rgb;
  int width = 0;
  int height = 0;
  fa::RgbImage view() const { return {rgb.data(), width, height, static_cast<std::int64_t>(width) * 3}; }
};

std::vector<Picture> loadJob(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  const nlohmann::json job = nlohmann::json::parse(in);
  std::vector<Picture> pictures;
  for (const auto& image : job.at("images")) {
    Picture p;
    p.width = image.at("width").get<int>();
    p.height = image.at("height").get<int>();
    p.rgb.resize(static_cast<size_t>(p.width) * static_cast<size_t>(p.height) * 3);
    std::ifstream raw(image.at("rgb").get<std::string>(), std::ios::binary | std::ios::ate);
    if (!raw || static_cast<size_t>(raw.tellg()) != p.rgb.size() || !raw.seekg(0) ||
        !raw.read(reinterpret_cast<char*>(p.rgb.data()), static_cast<std::streamsize>(p.rgb.size()))) {
      throw std::runtime_error("wrong size of " + image.at("rgb").get<std::string>());
    }
    pictures.push_back(std::move(p));
  }
  if (pictures.empty()) throw std::runtime_error("no images in " + path);
  return pictures;
}

template <typename F>
double timed(F&& f) {
  const auto start = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

nlohmann::json rate(size_t count, double seconds, std::int64_t outputs) {
  return {{"count", count}, {"seconds", seconds}, {"images_per_second", count / seconds}, {"outputs", outputs}};
}

}  // namespace

int main(int argc, char** argv) {
  std::string job, mode = "bench-ssd", device = "cpu";
  std::string models = WINNOW_FACEAPI_DEPS_DIR "/node_modules/@vladmandic/face-api/model";
  int threads = 2, batch = 16;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string key = argv[i], value = argv[i + 1];
    if (key == "--job") job = value;
    else if (key == "--mode") mode = value;
    else if (key == "--models") models = value;
    else if (key == "--threads") threads = std::stoi(value);
    else if (key == "--device") device = value;
    else if (key == "--batch") batch = std::stoi(value);
    else { std::cerr << "faceapi_throughput: unknown option " << key << "\n"; return 2; }
  }
  if (job.empty() || (mode != "bench-ssd" && mode != "bench-embed") || batch < 1) {
    std::cerr << "usage: faceapi_throughput --job job.json --mode bench-ssd|bench-embed [--models DIR] "
                 "[--threads N] [--device cpu|cuda|auto] [--batch 16]\n";
    return 2;
  }
  try {
    torch::set_num_threads(threads);
    const std::vector<Picture> pictures = loadJob(job);
    const torch::Device dev = fa::parseDevice(device);
    const fa::ModelDir dir{models};
    nlohmann::json result = {{"mode", mode}, {"threads", torch::get_num_threads()}, {"device", dev.str()}};
    std::int64_t outputs = 0;
    if (mode == "bench-ssd") {
      fa::SsdMobilenetV1 ssd(dir.ssd(), dev);
      ssd.detect(pictures[0].view(), 0.5F);  // warm-up
      const double seconds = timed([&] {
        for (const Picture& p : pictures) outputs += static_cast<std::int64_t>(ssd.detect(p.view(), 0.5F).size());
      });
      result.update(rate(pictures.size(), seconds, outputs));
    } else {
      fa::FaceRecognitionNet net(dir.recognition(), dev);
      net.descriptors({pictures[0].view()});  // warm-up
      const double seconds = timed([&] {
        for (const Picture& p : pictures) outputs += net.descriptors({p.view()}).size(0);
      });
      result.update(rate(pictures.size(), seconds, outputs));
      std::int64_t batchedOutputs = 0;
      const double batchedSeconds = timed([&] {
        for (size_t begin = 0; begin < pictures.size(); begin += static_cast<size_t>(batch)) {
          std::vector<fa::RgbImage> views;
          for (size_t i = begin; i < std::min(pictures.size(), begin + batch); ++i) views.push_back(pictures[i].view());
          batchedOutputs += net.descriptors(views).size(0);
        }
      });
      result["batched"] = rate(pictures.size(), batchedSeconds, batchedOutputs);
      result["batched"]["batch"] = batch;
    }
    std::cout << result.dump() << "\n";
  } catch (const std::exception& e) {
    std::cerr << "faceapi_throughput: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
