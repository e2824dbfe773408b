// Training speed of winnow's trainer (ml/torch_training) for bench/train_vs_pytorch.sh.
//   train_throughput dataset.h5 run_dir [backbone] [batch] [epochs] [device] [amp 0|1] [input_size]
// Trains with no augmentation, no baseline and a plain linear head (dropout 0.2), like the Python
// reference, then prints one JSON line: images/s of the training loop (train split, all epochs)
// and, on random data already on the device, the model's own forward+backward+step speed.
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <chrono>
#include <iostream>

#include "winnow/training/classifier_net.hpp"
#include "winnow/training/cuda_autocast.hpp"
#include "winnow/training/trainer.hpp"

namespace tr = winnow::training;

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: train_throughput dataset.h5 run_dir [backbone] [batch] [epochs] [device] [amp] [input_size]\n";
    return 2;
  }
  try {
    tr::TrainConfig config;
    config.backbone = argc > 3 ? argv[3] : "resnet18";
    config.batchSize = argc > 4 ? std::stoll(argv[4]) : 32;
    config.epochs = argc > 5 ? std::stoll(argv[5]) : 1;
    config.device = argc > 6 ? argv[6] : "cpu";
    config.mixedPrecision = argc > 7 && std::string(argv[7]) == "1";
    config.inputSize = argc > 8 ? std::stoll(argv[8]) : 0;
    config.augment.flipProbability = 0;
    config.linearProbeBaseline = false;
    config.patience = 0;
    config.schedule = tr::ScheduleKind::Cosine;
    const nlohmann::json summary = tr::trainClassifier(config, {argv[1], argv[2], false, ""}, {});

    // The ceiling: the same network on random device-resident batches, forward + backward + step.
    const torch::Device device = tr::resolveDevice(config.device);
    tr::NetSpec spec;
    spec.backbone = config.backbone;
    spec.headDropout = 0.2;
    spec.classCount = summary["architecture"]["class_count"].get<std::int64_t>();
    spec.inputSize = summary["architecture"]["input_size"].get<std::int64_t>();
    tr::ClassifierNet net(spec, device);
    net.selectTrainableBackbone(0);
    std::vector<torch::Tensor> parameters = net.headParameters();
    for (auto& p : net.selectTrainableBackbone(0)) parameters.push_back(p);
    torch::optim::AdamW optimizer(parameters, torch::optim::AdamWOptions(1e-3).weight_decay(1e-4));
    const torch::Tensor x = torch::randn({config.batchSize, 3, spec.inputSize, spec.inputSize}, torch::TensorOptions().device(device))
                              .contiguous(torch::MemoryFormat::ChannelsLast);  // as the trainer feeds it
    const torch::Tensor y = torch::randint(spec.classCount, {config.batchSize}, torch::TensorOptions().device(device).dtype(torch::kInt64));
    net.setTrainingMode(true);
    const int warmup = 3, steps = device.is_cuda() ? 50 : 10;
    auto step = [&] {
      optimizer.zero_grad();
      torch::Tensor logits;
      {
        tr::CudaAutocast autocast(config.mixedPrecision && device.is_cuda());  // as the trainer
        logits = net.forward(x);
      }
      torch::nn::functional::cross_entropy(logits.to(torch::kFloat32), y).backward();
      optimizer.step();
    };
    for (int i = 0; i < warmup; ++i) step();
    if (device.is_cuda()) torch::cuda::synchronize();
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < steps; ++i) step();
    if (device.is_cuda()) torch::cuda::synchronize();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::cout << nlohmann::json{{"train_images_per_second", summary["train_images_per_second"]},
                                {"random_data_images_per_second", steps * config.batchSize / seconds},
                                {"train_images", summary["rows"]["train"]},
                                {"epochs", config.epochs},
                                {"device", summary["device"]},
                                {"test_accuracy", summary["test"]["accuracy"]}}
                     .dump()
              << std::endl;
    return 0;
  } catch (const std::exception& error) {
    std::cerr << "train_throughput: " << error.what() << "\n";
    return 1;
  }
}
