// Probability calibration by temperature scaling (Guo et al. 2017, "On Calibration of Modern
// Neural Networks"): one scalar T > 0 fitted on held-out logits so that softmax(logits / T)
// minimises the negative log-likelihood. T changes no prediction (the arg-max is the same), only
// how confident the probabilities are; T > 1 softens an over-confident model.
//
// What a calibrated probability means: among pictures like those of the split it was fitted on
// (validation data from the training sources), the predictions made with probability about p are
// right about p of the time. It says nothing about pictures from another source.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <vector>

#include <nlohmann/json.hpp>

namespace winnow::training {

// The sentence reports carry next to calibrated probabilities.
inline constexpr const char* kProbabilityMeaning =
    "probability = softmax(logits / temperature): among pictures like the validation split's (same sources, same "
    "making), predictions given probability p were right about p of the time; on pictures from another source it "
    "is not a measure of being right";

// Top-label expected calibration error: predictions binned by their top probability into `bins`
// equal-width bins over [0, 1]; sum over bins of (bin size / n) * |accuracy - mean confidence|.
// probabilities: float [n, K] (any device); labels: n class indices. 0 for n == 0.
double expectedCalibrationError(const torch::Tensor& probabilities, const std::vector<std::int64_t>& labels, int bins = 15);

// Mean negative log-likelihood of softmax(logits / temperature) for the labels.
double temperatureNll(const torch::Tensor& logits, const torch::Tensor& labels, double temperature);

// The T in [0.05, 20] minimising temperatureNll: a grid over log T, then golden-section search on
// log T around the best grid point (the NLL is convex in 1/T, so unimodal in log T). logits:
// float [n, K], labels: int64 [n], same device. n == 0 gives 1.
double fitTemperature(const torch::Tensor& logits, const torch::Tensor& labels);

// Median of the top probability over the rows whose arg-max equals the label; NaN when none is.
double medianCorrectProbability(const torch::Tensor& probabilities, const std::vector<std::int64_t>& labels);

// {ece, ece_bins, nll, median_correct_probability, count} of softmax(logits / temperature).
nlohmann::json calibrationSummary(const torch::Tensor& logits, const std::vector<std::int64_t>& labels, double temperature);

}  // namespace winnow::training
