#include "winnow/training/train_config.hpp"

#include <stdexcept>

namespace winnow::training {
namespace {

[[noreturn]] void bad(const std::string& field, const std::string& reason) {
  throw std::invalid_argument(field + ": " + reason);
}

double number(const nlohmann::json& params, const char* field, double fallback, double low,
              double high) {
  if (!params.contains(field)) return fallback;
  if (!params[field].is_number()) bad(field, "must be a number");
  const double value = params[field].get<double>();
  if (!(value >= low && value <= high)) {
    bad(field, "must be in [" + std::to_string(low) + ", " + std::to_string(high) + "]");
  }
  return value;
}

std::int64_t integer(const nlohmann::json& params, const char* field, std::int64_t fallback,
                     std::int64_t low, std::int64_t high) {
  if (!params.contains(field)) return fallback;
  if (!params[field].is_number_integer()) bad(field, "must be an integer");
  const auto value = params[field].get<std::int64_t>();
  if (value < low || value > high) {
    bad(field, "must be in [" + std::to_string(low) + ", " + std::to_string(high) + "]");
  }
  return value;
}

std::string text(const nlohmann::json& params, const char* field, const std::string& fallback) {
  if (!params.contains(field)) return fallback;
  if (!params[field].is_string()) bad(field, "must be a string");
  return params[field].get<std::string>();
}

bool boolean(const nlohmann::json& params, const char* field, bool fallback) {
  if (!params.contains(field)) return fallback;
  if (!params[field].is_boolean()) bad(field, "must be true or false");
  return params[field].get<bool>();
}

}  // namespace

bool AugmentConfig::enabled() const {
  return flipProbability > 0 || rotationDegrees > 0 || cropScaleMin < 1 || brightness > 0 ||
         contrast > 0 || saturation > 0 || noiseStd > 0 || blurProbability > 0;
}

const char* toString(TrainMode mode) {
  return mode == TrainMode::Features ? "features" : "finetune";
}

const char* toString(StopMetric metric) {
  switch (metric) {
    case StopMetric::ValMacroF1: return "val_macro_f1";
    case StopMetric::ValLoss: return "val_loss";
    default: return "val_accuracy";
  }
}

TrainConfig parseTrainConfig(const nlohmann::json& params) {
  if (!params.is_object()) bad("params", "must be a JSON object");
  TrainConfig config;
  config.backbone = text(params, "backbone", config.backbone);
  config.weights = text(params, "weights", "");
  if (params.contains("head")) {
    const nlohmann::json& head = params["head"];
    if (!head.is_object()) bad("head", "must be an object {hidden, dropout}");
    if (head.contains("hidden")) {
      if (!head["hidden"].is_array()) bad("head.hidden", "must be an array of widths");
      for (const auto& width : head["hidden"]) {
        if (!width.is_number_integer() || width.get<std::int64_t>() < 1 || width.get<std::int64_t>() > 65536) {
          bad("head.hidden", "widths must be integers in [1, 65536]");
        }
        config.headHidden.push_back(width.get<std::int64_t>());
      }
    }
    config.headDropout = number(head, "dropout", config.headDropout, 0.0, 0.95);
  }
  const std::string mode = text(params, "mode", "finetune");
  if (mode == "features") config.mode = TrainMode::Features;
  else if (mode == "finetune") config.mode = TrainMode::FineTune;
  else bad("mode", "must be \"features\" or \"finetune\"");
  config.trainableBlocks = integer(params, "trainable_blocks", 0, 0, 1000);
  config.inputSize = integer(params, "input_size", 0, 0, 1024);
  const std::string optimizer = text(params, "optimizer", "adamw");
  if (optimizer == "sgd") config.optimizer = OptimizerKind::Sgd;
  else if (optimizer == "adam") config.optimizer = OptimizerKind::Adam;
  else if (optimizer == "adamw") config.optimizer = OptimizerKind::AdamW;
  else bad("optimizer", "must be sgd, adam or adamw");
  config.learningRate = number(params, "learning_rate", config.learningRate, 1e-7, 10.0);
  config.backboneLrFactor = number(params, "backbone_lr_factor", config.backboneLrFactor, 0.0, 10.0);
  config.weightDecay = number(params, "weight_decay", config.weightDecay, 0.0, 1.0);
  config.momentum = number(params, "momentum", config.momentum, 0.0, 0.999);
  const std::string schedule = text(params, "schedule", "cosine");
  if (schedule == "constant") config.schedule = ScheduleKind::Constant;
  else if (schedule == "step") config.schedule = ScheduleKind::Step;
  else if (schedule == "cosine") config.schedule = ScheduleKind::Cosine;
  else if (schedule == "onecycle") config.schedule = ScheduleKind::OneCycle;
  else bad("schedule", "must be constant, step, cosine or onecycle");
  config.stepEpochs = integer(params, "step_epochs", config.stepEpochs, 1, 100000);
  config.stepGamma = number(params, "step_gamma", config.stepGamma, 0.0, 1.0);
  config.labelSmoothing = number(params, "label_smoothing", 0.0, 0.0, 0.5);
  const std::string weights = text(params, "class_weights", "none");
  if (weights == "balanced") config.balancedClassWeights = true;
  else if (weights != "none") bad("class_weights", "must be \"none\" or \"balanced\"");
  config.mixedPrecision = boolean(params, "mixed_precision", config.mixedPrecision);
  config.epochs = integer(params, "epochs", config.epochs, 1, 100000);
  config.batchSize = integer(params, "batch_size", config.batchSize, 1, 65536);
  const std::string batchNorm = text(params, "batch_norm", "batch");
  if (batchNorm == "frozen") config.frozenBatchNorm = true;
  else if (batchNorm != "batch") bad("batch_norm", "must be \"batch\" or \"frozen\"");
  const std::string metric = text(params, "early_stopping_metric", "val_accuracy");
  if (metric == "val_accuracy") config.stopMetric = StopMetric::ValAccuracy;
  else if (metric == "val_macro_f1") config.stopMetric = StopMetric::ValMacroF1;
  else if (metric == "val_loss") config.stopMetric = StopMetric::ValLoss;
  else bad("early_stopping_metric", "must be val_accuracy, val_macro_f1 or val_loss");
  config.patience = integer(params, "patience", config.patience, 0, 100000);
  config.seed = static_cast<std::uint64_t>(integer(params, "seed", 1, 0, INT64_MAX));
  config.device = text(params, "device", "auto");
  if (config.device != "auto" && config.device != "cpu" && config.device != "cuda") {
    bad("device", "must be auto, cpu or cuda");
  }
  config.threads = integer(params, "threads", 0, 0, 1024);
  config.linearProbeBaseline = boolean(params, "linear_probe_baseline", true);
  if (params.contains("augment")) {
    const nlohmann::json& a = params["augment"];
    if (!a.is_object()) bad("augment", "must be an object");
    AugmentConfig& augment = config.augment;
    augment.flipProbability = number(a, "flip", augment.flipProbability, 0.0, 1.0);
    augment.rotationDegrees = number(a, "rotation_degrees", 0.0, 0.0, 180.0);
    augment.cropScaleMin = number(a, "crop_scale_min", 1.0, 0.05, 1.0);
    augment.brightness = number(a, "brightness", 0.0, 0.0, 1.0);
    augment.contrast = number(a, "contrast", 0.0, 0.0, 1.0);
    augment.saturation = number(a, "saturation", 0.0, 0.0, 1.0);
    augment.noiseStd = number(a, "noise_std", 0.0, 0.0, 1.0);
    augment.blurProbability = number(a, "blur_probability", 0.0, 0.0, 1.0);
    augment.blurSigmaMax = number(a, "blur_sigma_max", 1.5, 0.1, 10.0);
  }
  return config;
}

nlohmann::json TrainConfig::toJson() const {
  static const char* optimizers[] = {"", "sgd", "adam", "adamw"};
  static const char* schedules[] = {"", "constant", "step", "cosine", "onecycle"};
  return {{"backbone", backbone},
          {"weights", weights},
          {"head", {{"hidden", headHidden}, {"dropout", headDropout}}},
          {"mode", toString(mode)},
          {"trainable_blocks", trainableBlocks},
          {"input_size", inputSize},
          {"optimizer", optimizers[static_cast<int>(optimizer)]},
          {"learning_rate", learningRate},
          {"backbone_lr_factor", backboneLrFactor},
          {"weight_decay", weightDecay},
          {"momentum", momentum},
          {"schedule", schedules[static_cast<int>(schedule)]},
          {"step_epochs", stepEpochs},
          {"step_gamma", stepGamma},
          {"label_smoothing", labelSmoothing},
          {"class_weights", balancedClassWeights ? "balanced" : "none"},
          {"mixed_precision", mixedPrecision},
          {"epochs", epochs},
          {"batch_size", batchSize},
          {"batch_norm", frozenBatchNorm ? "frozen" : "batch"},
          {"early_stopping_metric", toString(stopMetric)},
          {"patience", patience},
          {"seed", seed},
          {"device", device},
          {"threads", threads},
          {"linear_probe_baseline", linearProbeBaseline},
          {"augment",
           {{"flip", augment.flipProbability},
            {"rotation_degrees", augment.rotationDegrees},
            {"crop_scale_min", augment.cropScaleMin},
            {"brightness", augment.brightness},
            {"contrast", augment.contrast},
            {"saturation", augment.saturation},
            {"noise_std", augment.noiseStd},
            {"blur_probability", augment.blurProbability},
            {"blur_sigma_max", augment.blurSigmaMax}}}};
}

}  // namespace winnow::training
