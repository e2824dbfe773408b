#include "winnow/training/calibration.hpp"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace winnow::training {

namespace {

constexpr int kDefaultBins = 15;

torch::Tensor cpuFloat(const torch::Tensor& t) { return t.detach().to(torch::kCPU, torch::kFloat32).contiguous(); }

}  // namespace

double expectedCalibrationError(const torch::Tensor& probabilities, const std::vector<std::int64_t>& labels, int bins) {
  const torch::Tensor p = cpuFloat(probabilities);
  const auto n = static_cast<std::size_t>(p.size(0));
  if (n == 0 || bins < 1) return 0.0;
  const auto [top, predicted] = p.max(1);
  const auto topValues = top.accessor<float, 1>();
  const torch::Tensor predictedCpu = predicted.to(torch::kInt64).contiguous();
  const auto predictedValues = predictedCpu.accessor<std::int64_t, 1>();
  std::vector<double> confidenceSum(static_cast<std::size_t>(bins), 0.0), correctSum(static_cast<std::size_t>(bins), 0.0);
  std::vector<std::int64_t> count(static_cast<std::size_t>(bins), 0);
  for (std::size_t i = 0; i < n; ++i) {
    const double confidence = topValues[static_cast<std::int64_t>(i)];
    // Bin b holds (b/B, (b+1)/B]; confidence 0 falls in the first bin.
    int bin = static_cast<int>(std::ceil(confidence * bins)) - 1;
    bin = std::clamp(bin, 0, bins - 1);
    const auto b = static_cast<std::size_t>(bin);
    confidenceSum[b] += confidence;
    correctSum[b] += predictedValues[static_cast<std::int64_t>(i)] == labels[i] ? 1.0 : 0.0;
    ++count[b];
  }
  double ece = 0;
  for (std::size_t b = 0; b < count.size(); ++b) {
    if (count[b] == 0) continue;
    ece += std::abs(correctSum[b] - confidenceSum[b]) / static_cast<double>(n);
  }
  return ece;
}

double temperatureNll(const torch::Tensor& logits, const torch::Tensor& labels, double temperature) {
  torch::NoGradGuard noGrad;
  if (logits.size(0) == 0) return 0.0;
  return torch::nn::functional::cross_entropy(logits.to(torch::kFloat64) / temperature, labels).item<double>();
}

double fitTemperature(const torch::Tensor& logits, const torch::Tensor& labels) {
  if (logits.size(0) == 0) return 1.0;
  const double lowest = std::log(0.05), highest = std::log(20.0);
  auto nll = [&](double logT) { return temperatureNll(logits, labels, std::exp(logT)); };
  constexpr int kGrid = 41;
  double bestLog = 0.0, bestValue = nll(0.0);
  const double step = (highest - lowest) / (kGrid - 1);
  for (int i = 0; i < kGrid; ++i) {
    const double x = lowest + step * i;
    const double value = nll(x);
    if (value < bestValue) {
      bestValue = value;
      bestLog = x;
    }
  }
  double a = std::max(lowest, bestLog - step), b = std::min(highest, bestLog + step);
  const double ratio = (std::sqrt(5.0) - 1) / 2;
  double c = b - ratio * (b - a), d = a + ratio * (b - a);
  double fc = nll(c), fd = nll(d);
  for (int i = 0; i < 60 && b - a > 1e-6; ++i) {
    if (fc < fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - ratio * (b - a);
      fc = nll(c);
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + ratio * (b - a);
      fd = nll(d);
    }
  }
  const double candidate = (a + b) / 2;
  // Never worse than the best grid point (or than T = 1 when that was best).
  return nll(candidate) <= bestValue ? std::exp(candidate) : std::exp(bestLog);
}

double medianCorrectProbability(const torch::Tensor& probabilities, const std::vector<std::int64_t>& labels) {
  const torch::Tensor p = cpuFloat(probabilities);
  const auto [top, predicted] = p.max(1);
  const auto topValues = top.accessor<float, 1>();
  const torch::Tensor predictedCpu = predicted.to(torch::kInt64).contiguous();
  const auto predictedValues = predictedCpu.accessor<std::int64_t, 1>();
  std::vector<double> correct;
  for (std::int64_t i = 0; i < p.size(0); ++i) {
    if (predictedValues[i] == labels[static_cast<std::size_t>(i)]) correct.push_back(topValues[i]);
  }
  if (correct.empty()) return std::numeric_limits<double>::quiet_NaN();
  std::sort(correct.begin(), correct.end());
  const std::size_t mid = correct.size() / 2;
  return correct.size() % 2 == 1 ? correct[mid] : (correct[mid - 1] + correct[mid]) / 2;
}

nlohmann::json calibrationSummary(const torch::Tensor& logits, const std::vector<std::int64_t>& labels, double temperature) {
  torch::NoGradGuard noGrad;
  const torch::Tensor scaled = cpuFloat(logits).to(torch::kFloat64) / temperature;
  const torch::Tensor probabilities = torch::softmax(scaled, 1).to(torch::kFloat32);
  const torch::Tensor labelTensor = torch::tensor(labels, torch::kInt64);
  const double median = medianCorrectProbability(probabilities, labels);
  return {{"count", static_cast<std::int64_t>(labels.size())},
          {"ece", expectedCalibrationError(probabilities, labels, kDefaultBins)},
          {"ece_bins", kDefaultBins},
          {"nll", labels.empty() ? 0.0 : temperatureNll(scaled, labelTensor, 1.0)},
          {"median_correct_probability", std::isnan(median) ? nlohmann::json(nullptr) : nlohmann::json(median)}};
}

}  // namespace winnow::training
