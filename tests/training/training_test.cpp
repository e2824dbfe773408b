// Training, evaluation, prediction and the model file on generated and real data.
#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <cstdlib>
#include <fstream>
#include <random>

#include "support/plugin_test_support.hpp"
#include "support/temp_dir.hpp"
#include "training_fixture.hpp"
#include "winnow/exporting/dataset_exporter.hpp"
#include "winnow/store/project_store.hpp"
#include "winnow/training/batch_augment.hpp"
#include "winnow/training/classification_metrics.hpp"
#include "winnow/training/dataset_file.hpp"
#include "winnow/training/model_training.hpp"
#include "winnow/training/trainer.hpp"

namespace fs = std::filesystem;
namespace tr = winnow::training;

namespace {

fs::path freshDir(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("winnow-training-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

nlohmann::json readJson(const fs::path& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

std::string trainError(const tr::TrainConfig& config, const fs::path& dataset, const fs::path& runDir) {
  try {
    tr::trainClassifier(config, {dataset, runDir, false, ""}, {});
  } catch (const std::exception& error) {
    return error.what();
  }
  return "";
}

tr::TrainConfig tinyConfig() {
  tr::TrainConfig config;
  config.backbone = "small_cnn";
  config.epochs = 4;
  config.batchSize = 16;
  config.learningRate = 0.003;
  config.patience = 0;
  config.threads = 2;
  config.linearProbeBaseline = false;
  config.augment.flipProbability = 0.5;
  config.augment.rotationDegrees = 10;
  config.augment.cropScaleMin = 0.8;
  config.augment.noiseStd = 0.02;
  config.augment.blurProbability = 0.2;
  return config;
}

double imageVariance(const fs::path& png) {
  const cv::Mat image = cv::imread(png.string());
  if (image.empty()) return 0;
  cv::Scalar mean, stddev;
  cv::meanStdDev(image, mean, stddev);
  return stddev[0] * stddev[0] + stddev[1] * stddev[1] + stddev[2] * stddev[2];
}

}  // namespace

TEST(ClassificationMetrics, MatchesHandComputedScores) {
  // truth a a a b b c; predicted a a b b c c
  const auto report = tr::scoreClassification({0, 0, 0, 1, 1, 2}, {0, 0, 1, 1, 2, 2}, {"a", "b", "c"});
  EXPECT_NEAR(report.accuracy, 4.0 / 6.0, 1e-12);
  EXPECT_NEAR(report.perClass[0].precision, 1.0, 1e-12);
  EXPECT_NEAR(report.perClass[0].recall, 2.0 / 3.0, 1e-12);
  EXPECT_NEAR(report.perClass[1].precision, 0.5, 1e-12);
  EXPECT_NEAR(report.perClass[1].recall, 0.5, 1e-12);
  EXPECT_NEAR(report.perClass[2].precision, 0.5, 1e-12);
  EXPECT_NEAR(report.perClass[2].f1, 2 * 0.5 * 1.0 / 1.5, 1e-12);
  EXPECT_NEAR(report.macro.f1, (0.8 + 0.5 + 2.0 / 3.0) / 3.0, 1e-12);
  EXPECT_NEAR(report.weighted.f1, (3 * 0.8 + 2 * 0.5 + 1 * 2.0 / 3.0) / 6.0, 1e-12);
  EXPECT_EQ(report.confusion[0][1], 1);
  EXPECT_EQ(report.confusion[1][2], 1);
  EXPECT_NE(report.toText().find("macro avg"), std::string::npos);
}

TEST(BatchAugment, IsDeterministicForASeedAndFlipMirrors) {
  torch::manual_seed(3);
  const torch::Tensor images = torch::rand({4, 3, 24, 24});
  tr::AugmentConfig config;
  config.flipProbability = 0.5;
  config.rotationDegrees = 15;
  config.cropScaleMin = 0.6;
  config.brightness = config.contrast = config.saturation = 0.3;
  config.noiseStd = 0.05;
  config.blurProbability = 0.5;
  const torch::Tensor a = tr::augmentBatch(images, config, 42);
  const torch::Tensor b = tr::augmentBatch(images, config, 42);
  const torch::Tensor c = tr::augmentBatch(images, config, 43);
  EXPECT_TRUE(torch::equal(a, b));
  EXPECT_GT((a - c).abs().max().item<double>(), 0.05);
  EXPECT_GE(a.min().item<double>(), 0.0);
  EXPECT_LE(a.max().item<double>(), 1.0);
  tr::AugmentConfig flipOnly;
  flipOnly.flipProbability = 1.0;
  const torch::Tensor flipped = tr::augmentBatch(images, flipOnly, 1);
  EXPECT_LT((flipped - images.flip({3})).abs().max().item<double>(), 1e-5);
}

TEST(Training, RejectsOneClassEmptySplitsAndCorruptFiles) {
  const fs::path dir = freshDir("bad");
  const fs::path oneClass = winnow::test::makeGeneratedDataset(dir / "one", {"only"}, 12, 32);
  ASSERT_FALSE(oneClass.empty());
  std::string message = trainError(tinyConfig(), oneClass, dir / "run-one");
  EXPECT_NE(message.find(oneClass.string()), std::string::npos) << message;
  EXPECT_NE(message.find("at least 2 classes"), std::string::npos) << message;

  // Only the train split exported: val and test are empty.
  const fs::path two = winnow::test::makeGeneratedDataset(dir / "two", {"a", "b"}, 12, 32);
  ASSERT_FALSE(two.empty());
  {
    auto store = winnow::store::ProjectStore::open(dir / "two" / "project");
    ASSERT_TRUE(static_cast<bool>(store));
    winnow::plugin::PluginHost host = winnow::test::makeBuiltPluginHost();
    winnow::job::JobContext job(winnow::job::ProgressStyle::Silent);
    winnow::exporting::ExportOptions options;
    options.params = {{"image_size", 32}};
    options.output = dir / "train-only.h5";
    options.split = "train";
    ASSERT_TRUE(static_cast<bool>(winnow::exporting::exportDataset(**store, host, options, job)));
  }
  message = trainError(tinyConfig(), dir / "train-only.h5", dir / "run-split");
  EXPECT_NE(message.find("split 'test' has no labelled rows"), std::string::npos) << message;

  // A truncated copy and a text file.
  const auto size = fs::file_size(two);
  fs::copy_file(two, dir / "truncated.h5");
  fs::resize_file(dir / "truncated.h5", size / 2);
  message = trainError(tinyConfig(), dir / "truncated.h5", dir / "run-truncated");
  EXPECT_NE(message.find((dir / "truncated.h5").string() + ": "), std::string::npos) << message;
  std::ofstream(dir / "text.h5") << "not a dataset\n";
  message = trainError(tinyConfig(), dir / "text.h5", dir / "run-text");
  EXPECT_NE(message.find("not an HDF5 file"), std::string::npos) << message;
  message = trainError(tinyConfig(), dir / "missing.h5", dir / "run-missing");
  EXPECT_NE(message.find("no such file"), std::string::npos) << message;
  EXPECT_FALSE(fs::exists(dir / "run-text" / "model.h5"));
  fs::remove_all(dir);
}

TEST(Training, InterruptedRunResumesToTheSameResult) {
  const fs::path dir = freshDir("resume");
  const fs::path dataset = winnow::test::makeGeneratedDataset(dir, {"circle_red", "square_blue", "circle_green"}, 20, 32);
  ASSERT_FALSE(dataset.empty());
  const tr::TrainConfig config = tinyConfig();
  const nlohmann::json straight = tr::trainClassifier(config, {dataset, dir / "straight", false, ""}, {});

  // Cancel during the third epoch: two epochs are checkpointed.
  std::int64_t steps = 0;
  tr::TrainHooks hooks;
  hooks.progress = [&](std::int64_t done, std::int64_t, const std::string&) { steps = done; };
  const std::int64_t perEpoch = (straight["rows"]["train"].get<std::int64_t>() + config.batchSize - 1) / config.batchSize;
  hooks.cancelled = [&] { return steps > 2 * perEpoch; };
  EXPECT_THROW(tr::trainClassifier(config, {dataset, dir / "interrupted", false, ""}, hooks), tr::TrainingCancelled);
  ASSERT_TRUE(fs::exists(dir / "interrupted" / "checkpoint.pt"));
  EXPECT_FALSE(fs::exists(dir / "interrupted" / "model.h5"));
  EXPECT_EQ(readJson(dir / "interrupted" / "metrics.json")["epochs"].size(), 2U);

  // A new run refuses the folder; a changed configuration cannot resume it.
  EXPECT_NE(trainError(config, dataset, dir / "interrupted").find("resume it"), std::string::npos);
  tr::TrainConfig other = config;
  other.learningRate = 0.01;
  try {
    tr::trainClassifier(other, {dataset, dir / "interrupted", true, ""}, {});
    ADD_FAILURE() << "resumed with another configuration";
  } catch (const std::runtime_error& error) {
    EXPECT_NE(std::string(error.what()).find("another configuration"), std::string::npos) << error.what();
  }

  const nlohmann::json resumed = tr::trainClassifier(config, {dataset, dir / "interrupted", true, ""}, {});
  const auto a = readJson(dir / "straight" / "metrics.json")["epochs"];
  const auto b = readJson(dir / "interrupted" / "metrics.json")["epochs"];
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_NEAR(a[i]["train_loss"].get<double>(), b[i]["train_loss"].get<double>(), 1e-4) << "epoch " << i + 1;
    EXPECT_NEAR(a[i]["val_loss"].get<double>(), b[i]["val_loss"].get<double>(), 1e-4) << "epoch " << i + 1;
  }
  EXPECT_NEAR(straight["test"]["accuracy"].get<double>(), resumed["test"]["accuracy"].get<double>(), 1e-9);
  // Generated shapes are easy: the run must have learnt them.
  EXPECT_GE(straight["test"]["accuracy"].get<double>(), 0.8);
  fs::remove_all(dir);
}

TEST(Training, ModelFileReloadsInWinnowAndInTorchvision) {
  const fs::path dir = freshDir("modelfile");
  const fs::path dataset = winnow::test::makeGeneratedDataset(dir, {"red", "blue"}, 16, 32);
  ASSERT_FALSE(dataset.empty());
  tr::TrainConfig config = tinyConfig();
  config.backbone = "resnet18";
  config.epochs = 1;
  config.headHidden = {16};
  config.linearProbeBaseline = true;
  const nlohmann::json summary = tr::trainClassifier(config, {dataset, dir / "run", false, ""}, {});
  const nlohmann::json report = readJson(dir / "run" / "report.json");
  ASSERT_TRUE(report.contains("baselines") && report["baselines"].contains("linear_probe"));
  // No weights: the probe ran on the untrained network, so no second probe is needed.
  EXPECT_EQ(report["baselines"]["linear_probe"]["backbone"], "untrained (random init)");
  EXPECT_FALSE(report["baselines"].contains("untrained_linear_probe"));
  EXPECT_TRUE(report["warnings"].is_array());
  EXPECT_TRUE(report["calibration"]["fitted"].get<bool>());
  for (const char* split : {"val", "test"}) {
    EXPECT_TRUE(report["calibration"][split]["before"]["ece"].is_number()) << split;
    EXPECT_TRUE(report["calibration"][split]["after"]["ece"].is_number()) << split;
  }
  const tr::ModelFile stored = tr::readModelFile(dir / "run" / "model.h5");
  EXPECT_DOUBLE_EQ(stored.temperature, report["calibration"]["temperature"].get<double>());
  EXPECT_EQ(stored.training["sources"]["train"].begin().key(), "generated");
  EXPECT_EQ(stored.trainingContentHashes.size(), report["rows"]["train"].get<std::size_t>() +
                                                     report["rows"]["val"].get<std::size_t>() +
                                                     report["rows"]["test"].get<std::size_t>());
  // Calibration fitted on val lowers (or keeps) the val NLL: T minimises it.
  EXPECT_LE(report["calibration"]["val"]["after"]["nll"].get<double>(),
            report["calibration"]["val"]["before"]["nll"].get<double>() + 1e-9);

  // Evaluate on the test split reproduces the training report.
  tr::EvaluateRequest evaluate;
  evaluate.model = dir / "run" / "model.h5";
  evaluate.dataset = dataset;
  evaluate.split = "test";
  const nlohmann::json scored = tr::evaluateClassifier(evaluate, {});
  EXPECT_EQ(scored["test"]["confusion_matrix"], summary["test"]["confusion_matrix"]);
  // Its own test split: not another source, every row seen as a test row.
  EXPECT_FALSE(scored["source_check"]["other_source"].get<bool>());
  EXPECT_EQ(scored["source_check"]["rows_in_model_val_or_test_split"], scored["rows_scored"]);
  EXPECT_EQ(scored["baselines"]["majority_class_of_training"]["class"], stored.training["majority_class"]);

  // The Predictor on the original pictures agrees with the report's test predictions: the fit and
  // preprocessing are the model's own.
  tr::Predictor predictor(dir / "run" / "model.h5", "cpu");
  int compared = 0;
  for (const auto& prediction : report["predictions"]) {
    const cv::Mat bgr = cv::imread(prediction["original_path"].get<std::string>());
    ASSERT_FALSE(bgr.empty());
    cv::Mat rgb;
    cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
    const torch::Tensor image = torch::from_blob(rgb.data, {rgb.rows, rgb.cols, 3}, torch::kUInt8).clone();
    const std::vector<float> p = predictor.probabilities(image);
    const auto best = std::max_element(p.begin(), p.end()) - p.begin();
    EXPECT_EQ(predictor.model().classNames[static_cast<std::size_t>(best)], prediction["predicted"].get<std::string>());
    EXPECT_NEAR(p[static_cast<std::size_t>(best)], prediction["probability"].get<double>(), 0.02);
    ++compared;
  }
  EXPECT_GT(compared, 0);

  // torchvision runs the recipe of docs/training.md as printed and computes the same
  // probabilities: for this head (a hidden layer) and for the default head, whose first Linear
  // follows the dropout (head.1.*: the recipe once read head.0.weight and failed there).
  tr::TrainConfig defaultHead = config;
  defaultHead.linearProbeBaseline = false;
  defaultHead.headHidden = tr::TrainConfig().headHidden;
  defaultHead.headDropout = tr::TrainConfig().headDropout;
  ASSERT_TRUE(defaultHead.headHidden.empty() && defaultHead.headDropout > 0);
  tr::trainClassifier(defaultHead, {dataset, dir / "default-head", false, ""}, {});
  for (const char* run : {"run", "default-head"}) {
    const std::string command = "/usr/bin/python3 " WINNOW_SOURCE_DIR "/tests/training/load_in_torchvision.py "
                                WINNOW_SOURCE_DIR "/docs/training.md " +
                                (dir / run / "model.h5").string() + " " + dataset.string() + " " +
                                (dir / run / "report.json").string();
    EXPECT_EQ(std::system(command.c_str()), 0) << command;
  }
  fs::remove_all(dir);
}

TEST(Training, CoreTrainDrawsPlotsAndPredictReportsBadFiles) {
  const fs::path dir = freshDir("core");
  const fs::path dataset = winnow::test::makeGeneratedDataset(dir, {"red", "blue"}, 16, 32);
  ASSERT_FALSE(dataset.empty());
  winnow::plugin::PluginHost host = winnow::test::makeBuiltPluginHost();
  winnow::job::JobContext job(winnow::job::ProgressStyle::Silent);
  auto summary = tr::trainModel(host,
                                {{"dataset", dataset.string()},
                                 {"run_dir", (dir / "run").string()},
                                 {"model_params", {{"backbone", "small_cnn"}, {"epochs", 2}, {"batch_size", 16}, {"threads", 2}}}},
                                job);
  ASSERT_TRUE(static_cast<bool>(summary)) << summary.error().message;
  for (const char* png : {"learning_curves.png", "confusion_matrix.png"}) {
    EXPECT_GT(imageVariance(dir / "run" / png), 100.0) << png;
  }
  auto badParams = tr::trainModel(host, {{"dataset", dataset.string()}, {"run_dir", (dir / "bad").string()},
                                         {"model_params", {{"backbone", "alexnet"}}}}, job);
  ASSERT_FALSE(static_cast<bool>(badParams));
  EXPECT_NE(badParams.error().message.find("backbone"), std::string::npos) << badParams.error().message;

  // Evaluate on a folder of class folders (ingested and exported like the training data).
  auto folder = tr::evaluateModel(host, {{"model_file", (dir / "run" / "model.h5").string()},
                                         {"data", (dir / "pictures").string()},
                                         {"output_dir", (dir / "eval").string()}}, job);
  ASSERT_TRUE(static_cast<bool>(folder)) << folder.error().message;
  EXPECT_EQ((*folder)["rows_scored"].get<int>(), 32);
  EXPECT_GT(imageVariance(dir / "eval" / "confusion_matrix.png"), 100.0);
  // The folder holds the training pictures themselves: known by content, not another source.
  EXPECT_FALSE((*folder)["source_check"]["other_source"].get<bool>()) << (*folder)["source_check"].dump();
  EXPECT_GT((*folder)["source_check"]["rows_in_model_train_split"].get<int>(), 0);

  // Pictures the model never saw, from another "source", labelled the other way round: the
  // accuracy collapses and evaluate says so (cross-source drop and majority baseline).
  const fs::path otherDir = dir / "other";
  ASSERT_FALSE(winnow::test::makeGeneratedDataset(otherDir, {"red", "blue"}, 10, 32, 99).empty());
  auto swapped = tr::evaluateModel(host, {{"model_file", (dir / "run" / "model.h5").string()},
                                          {"data", (otherDir / "pictures").string()},
                                          {"map", {{"red", "blue"}, {"blue", "red"}}},
                                          {"output_dir", (dir / "eval-swapped").string()}}, job);
  ASSERT_TRUE(static_cast<bool>(swapped)) << swapped.error().message;
  if ((*summary)["test"]["accuracy"].get<double>() >= 0.8) {
    EXPECT_TRUE((*swapped)["source_check"]["other_source"].get<bool>());
    const std::string warnings = (*swapped)["warnings"].dump();
    EXPECT_NE(warnings.find("another source"), std::string::npos) << warnings;
    EXPECT_NE(warnings.find("not clearly above always answering"), std::string::npos) << warnings;
    std::ifstream text(dir / "eval-swapped" / "classification_report.txt");
    const std::string body((std::istreambuf_iterator<char>(text)), std::istreambuf_iterator<char>());
    EXPECT_NE(body.find("WARNING: "), std::string::npos) << body;
    EXPECT_NE(body.find("baseline majority_class_of_evaluated_set"), std::string::npos) << body;
  }

  std::ofstream(dir / "broken.png") << "not a picture";
  const fs::path good = dir / "pictures" / "red" / "0.png";
  auto predicted = tr::predictFiles(host, dir / "run" / "model.h5", {good, dir / "broken.png", dir / "missing.png"},
                                    {{"device", "cpu"}}, job);
  ASSERT_TRUE(static_cast<bool>(predicted)) << predicted.error().message;
  const auto& results = (*predicted)["results"];
  ASSERT_EQ(results.size(), 3U);
  EXPECT_TRUE(results[0].contains("class"));
  EXPECT_NEAR(results[0]["probabilities"]["red"].get<double>() + results[0]["probabilities"]["blue"].get<double>(), 1.0, 1e-4);
  EXPECT_NE(results[1]["error"].get<std::string>().find("broken.png"), std::string::npos);
  EXPECT_NE(results[2]["error"].get<std::string>().find("missing.png"), std::string::npos);
  fs::remove_all(dir);
}

TEST(Training, WithoutAValSplitTrainsTheLastEpochAndSaysThereIsNoCalibration) {
  const fs::path dir = freshDir("noval");
  const fs::path dataset = winnow::test::makeGeneratedDataset(dir, {"red", "blue"}, 16, 32);
  ASSERT_FALSE(dataset.empty());
  // Val rows become train rows (as with a shipped train/test layout).
  const std::string merge = "/usr/bin/python3 -c \"import h5py, sys; f = h5py.File(sys.argv[1], 'r+'); s = f['split'][:]; "
                            "s[s == 2] = 1; f['split'][...] = s; f.close()\" " + dataset.string();
  ASSERT_EQ(std::system(merge.c_str()), 0) << merge;
  tr::TrainConfig config = tinyConfig();
  config.epochs = 2;
  config.patience = 1;
  std::vector<std::string> lines;
  tr::TrainHooks hooks;
  hooks.log = [&](const std::string& line) { lines.push_back(line); };
  const nlohmann::json summary = tr::trainClassifier(config, {dataset, dir / "run", false, ""}, hooks);
  EXPECT_EQ(summary["rows"]["val"], 0);
  EXPECT_EQ(summary["best_epoch"], 2);
  EXPECT_FALSE(summary["calibration"]["fitted"].get<bool>());
  EXPECT_EQ(summary["calibration"]["temperature"], 1.0);
  EXPECT_NE(summary["calibration"]["reason"].get<std::string>().find("no validation split"), std::string::npos);
  EXPECT_DOUBLE_EQ(tr::readModelFile(dir / "run" / "model.h5").temperature, 1.0);
  bool said = false;
  for (const auto& line : lines) said = said || line.find("no validation split") != std::string::npos;
  EXPECT_TRUE(said);
  // The plots still draw (train curves only).
  EXPECT_TRUE(static_cast<bool>(tr::writeRunPlots(dir / "run")));
  fs::remove_all(dir);
}

// Must-show: ORL (40 people, 10 grey photos each) with the face backbone: >= 97% on the test split.
TEST(TrainingRealData, OrlFaceBackboneScoresAtLeast97Percent) {
  const fs::path orl = winnow::test::sharedData() / "faces" / "orl";
  if (!fs::is_directory(orl)) GTEST_SKIP() << orl << " not found (../shared/data beside the checkout)";
  const fs::path dir = freshDir("orl");
  const fs::path dataset = winnow::test::makeFaceCropDataset(dir, orl);
  ASSERT_FALSE(dataset.empty());
  const tr::DatasetFile data = tr::readDatasetFile(dataset);
  EXPECT_EQ(data.rowCount(), 400);
  EXPECT_TRUE(data.faceCrops().is_object());
  tr::TrainConfig config;
  config.backbone = "faceapi_recognition";
  config.mode = tr::TrainMode::Features;
  config.headDropout = 0.0;
  config.learningRate = 0.01;
  config.epochs = 100;
  config.patience = 30;
  config.stopMetric = tr::StopMetric::ValLoss;
  const char* models = std::getenv("WINNOW_FACEAPI_MODELS");
  const std::string modelDir = models != nullptr ? models : WINNOW_FACEAPI_MODEL_DIR;
  const nlohmann::json summary = tr::trainClassifier(config, {dataset, dir / "run", false, modelDir}, {});
  std::cout << "ORL test accuracy " << summary["test"]["accuracy"] << ", macro F1 " << summary["test"]["macro_avg"]["f1"]
            << ", linear probe " << summary["baselines"]["linear_probe"]["accuracy"] << "\n";
  EXPECT_GE(summary["test"]["accuracy"].get<double>(), 0.97);

  // predict crops the face first, as the model was trained on face crops.
  winnow::plugin::PluginHost host = winnow::test::makeBuiltPluginHost();
  winnow::job::JobContext job(winnow::job::ProgressStyle::Silent);
  auto predicted = tr::predictFiles(host, dir / "run" / "model.h5", {orl / "s1" / "1.png", orl / "s7" / "3.png"}, {{"device", "cpu"}}, job);
  ASSERT_TRUE(static_cast<bool>(predicted)) << predicted.error().message;
  EXPECT_EQ((*predicted)["results"][0]["class"], "s1");
  EXPECT_EQ((*predicted)["results"][1]["class"], "s7");
  EXPECT_TRUE((*predicted)["results"][0].contains("face"));
  fs::remove_all(dir);
}
