// Evaluation that speaks up (issue 12, sections 5 and 6): the accuracy interval, macro-F1 over the
// classes present, the warnings, temperature scaling and its place in model.h5. Constructed
// inputs, so each expectation follows from the definition, not from a run's output.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <cstdlib>
#include <fstream>

#include "training_fixture.hpp"
#include "winnow/training/calibration.hpp"
#include "winnow/training/classification_metrics.hpp"
#include "winnow/training/evaluation_warnings.hpp"
#include "winnow/training/model_file.hpp"
#include "winnow/training/trainer.hpp"

namespace fs = std::filesystem;
namespace tr = winnow::training;

namespace {

fs::path freshDir(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("winnow-honesty-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

tr::EvaluationFacts factsFor(std::int64_t correct, std::int64_t count) {
  tr::EvaluationFacts facts;
  facts.count = count;
  facts.accuracy = static_cast<double>(correct) / static_cast<double>(count);
  facts.accuracyInterval = tr::wilsonInterval(correct, count);
  return facts;
}

}  // namespace

TEST(TrainingHonesty, WilsonIntervalMatchesTheClosedForm) {
  // Reference values (z = 1.96): 8/10 -> [0.4902, 0.9433] (Newcombe 1998, Table I style);
  // 0/5 -> [0, z^2 / (n + z^2)]; 5/5 -> [n / (n + z^2), 1].
  const auto eight = tr::wilsonInterval(8, 10);
  EXPECT_NEAR(eight.low, 0.4902, 5e-4);
  EXPECT_NEAR(eight.high, 0.9433, 5e-4);
  const double z2 = 1.959963984540054 * 1.959963984540054;
  const auto none = tr::wilsonInterval(0, 5);
  EXPECT_NEAR(none.low, 0.0, 1e-12);
  EXPECT_NEAR(none.high, z2 / (5 + z2), 1e-9);
  const auto all = tr::wilsonInterval(5, 5);
  EXPECT_NEAR(all.low, 5 / (5 + z2), 1e-9);
  EXPECT_NEAR(all.high, 1.0, 1e-12);
  const auto empty = tr::wilsonInterval(0, 0);
  EXPECT_EQ(empty.low, 0.0);
  EXPECT_EQ(empty.high, 1.0);
  // Narrower with more images at the same proportion, and always around it.
  const auto small = tr::wilsonInterval(9, 10), large = tr::wilsonInterval(900, 1000);
  EXPECT_GT(small.high - small.low, 3 * (large.high - large.low));
  EXPECT_LT(large.low, 0.9);
  EXPECT_GT(large.high, 0.9);
  // The report carries it.
  const auto report = tr::scoreClassification({0, 0, 1, 1, 1, 0, 1, 0, 1, 1}, {0, 0, 1, 1, 1, 0, 1, 1, 0, 1}, {"a", "b"});
  EXPECT_EQ(report.correct, 8);
  EXPECT_NEAR(report.accuracyInterval.low, eight.low, 1e-12);
  EXPECT_NEAR(report.toJson()["accuracy_ci95"]["high"].get<double>(), eight.high, 1e-12);
  EXPECT_TRUE(contains(report.toText(), "95% interval (Wilson)"));
}

TEST(TrainingHonesty, MacroF1CountsOnlyClassesPresentAndNamesTheAbsent) {
  // The case: every test row right, but one of the model's classes has no test rows.
  const auto perfect = tr::scoreClassification({0, 0, 1, 2, 3, 3}, {0, 0, 1, 2, 3, 3}, {"a", "b", "c", "d", "e"});
  EXPECT_NEAR(perfect.accuracy, 1.0, 1e-12);
  EXPECT_NEAR(perfect.macro.f1, 1.0, 1e-12);  // was 0.8 when "e" counted as F1 0
  ASSERT_EQ(perfect.absentClasses, std::vector<std::string>{"e"});
  EXPECT_EQ(perfect.toJson()["classes_absent"], nlohmann::json::array({"e"}));
  EXPECT_EQ(perfect.toJson()["macro_avg"]["classes"], 4);
  EXPECT_TRUE(contains(perfect.toText(), "absent: e")) << perfect.toText();

  // A prediction of an absent class costs the true class its recall; the absent class stays out
  // of the average. a: P 1, R 1/2, F1 2/3; b: P 1, R 1, F1 1; c absent.
  const auto wrong = tr::scoreClassification({0, 0, 1, 1}, {0, 2, 1, 1}, {"a", "b", "c"});
  EXPECT_NEAR(wrong.macro.f1, (2.0 / 3.0 + 1.0) / 2.0, 1e-12);
  EXPECT_NEAR(wrong.macro.recall, 0.75, 1e-12);
  EXPECT_EQ(wrong.absentClasses, std::vector<std::string>{"c"});
  // The weighted average is unchanged by absent classes (their weight is 0).
  EXPECT_NEAR(wrong.weighted.f1, (2 * 2.0 / 3.0 + 2 * 1.0) / 4.0, 1e-12);
}

TEST(TrainingHonesty, MajorityWarningFiresWhenAccuracyIsNotClearlyAboveIt) {
  // The measurement: 0.443 on a set where always answering "real" scores 0.602.
  tr::EvaluationFacts low = factsFor(39, 88);
  low.majorityBaselines.push_back({"fake", 0.398, "the majority class of the model's training data"});
  low.majorityBaselines.push_back({"real", 0.602, "the majority class of the evaluated set"});
  auto warnings = tr::evaluationWarnings(low);
  ASSERT_EQ(warnings.size(), 1U);
  EXPECT_TRUE(contains(warnings[0], "'real' (0.6020")) << warnings[0];  // the stronger baseline is named
  // Five right out of five is not clearly above a 60% majority: the interval starts at 0.57.
  tr::EvaluationFacts fewImages = factsFor(5, 5);
  fewImages.majorityBaselines.push_back({"a", 0.6, "x"});
  EXPECT_EQ(tr::evaluationWarnings(fewImages).size(), 1U);
  // 95 of 100 is.
  tr::EvaluationFacts clear = factsFor(95, 100);
  clear.majorityBaselines.push_back({"a", 0.6, "x"});
  EXPECT_TRUE(tr::evaluationWarnings(clear).empty());
}

TEST(TrainingHonesty, CrossSourceWarningFiresOnADropOfMoreThanTenPoints) {
  tr::EvaluationFacts facts = factsFor(39, 88);
  facts.otherSource = true;
  facts.otherSourceWhat = "88 of 88 rows from sources not in the training data: ciplab";
  facts.otherSourceAccuracy = 39.0 / 88.0;
  facts.ownTestAccuracy = 0.976;
  auto warnings = tr::evaluationWarnings(facts);
  ASSERT_EQ(warnings.size(), 1U);
  EXPECT_TRUE(contains(warnings[0], "another source")) << warnings[0];
  EXPECT_TRUE(contains(warnings[0], "ciplab")) << warnings[0];
  EXPECT_TRUE(contains(warnings[0], "53.3 points")) << warnings[0];
  // The same drop on the model's own sources is not this warning; nor is a 5-point drop.
  facts.otherSource = false;
  EXPECT_TRUE(tr::evaluationWarnings(facts).empty());
  facts.otherSource = true;
  facts.otherSourceAccuracy = 0.926;
  EXPECT_TRUE(tr::evaluationWarnings(facts).empty());
}

TEST(TrainingHonesty, ProbeWarningFiresWhenAnUntrainedProbeComesWithinFivePoints) {
  tr::EvaluationFacts facts = factsFor(252, 254);
  facts.untrainedProbeAccuracy = 0.905;
  EXPECT_TRUE(tr::evaluationWarnings(facts).empty());  // 8.7 points below
  facts.untrainedProbeAccuracy = 0.95;
  auto warnings = tr::evaluationWarnings(facts);
  ASSERT_EQ(warnings.size(), 1U);
  EXPECT_TRUE(contains(warnings[0], "winnow audit")) << warnings[0];
  EXPECT_TRUE(contains(warnings[0], "untrained")) << warnings[0];
}

TEST(TrainingHonesty, ExpectedCalibrationErrorMatchesAHandComputedCase) {
  // Top probabilities 0.9 (right) and 0.6 (wrong) fall in different bins:
  // ECE = 1/2 |1 - 0.9| + 1/2 |0 - 0.6| = 0.35.
  const torch::Tensor p = torch::tensor({0.9F, 0.1F, 0.6F, 0.4F}).view({2, 2});
  EXPECT_NEAR(tr::expectedCalibrationError(p, {0, 1}), 0.35, 1e-6);
  // In one bin the errors cancel: 0.75 and 0.75, one right one wrong -> |0.5 - 0.75| = 0.25.
  const torch::Tensor q = torch::tensor({0.75F, 0.25F, 0.75F, 0.25F}).view({2, 2});
  EXPECT_NEAR(tr::expectedCalibrationError(q, {0, 1}), 0.25, 1e-6);
  EXPECT_NEAR(tr::medianCorrectProbability(p, {0, 1}), 0.9, 1e-6);
}

TEST(TrainingHonesty, TemperatureScalingRepairsOverConfidentLogits) {
  // Labels drawn from softmax(z); the "model" reports 4 z: right as often as z says, far more sure.
  torch::manual_seed(11);
  const std::int64_t n = 4000, k = 4;
  const torch::Tensor z = torch::randn({n, k}) * 1.5;
  const torch::Tensor labels = torch::multinomial(torch::softmax(z, 1), 1).squeeze(1);
  std::vector<std::int64_t> labelValues(labels.data_ptr<std::int64_t>(), labels.data_ptr<std::int64_t>() + n);
  const torch::Tensor overConfident = z * 4.0;
  const double temperature = tr::fitTemperature(overConfident, labels);
  EXPECT_GT(temperature, 3.2);
  EXPECT_LT(temperature, 4.8);
  const double before = tr::expectedCalibrationError(torch::softmax(overConfident, 1), labelValues);
  const double after = tr::expectedCalibrationError(torch::softmax(overConfident / temperature, 1), labelValues);
  EXPECT_GT(before, 0.1);
  EXPECT_LT(after, before / 3) << "before " << before << ", after " << after;
  EXPECT_LT(tr::temperatureNll(overConfident, labels, temperature), tr::temperatureNll(overConfident, labels, 1.0));
  const nlohmann::json summary = tr::calibrationSummary(overConfident, labelValues, temperature);
  EXPECT_NEAR(summary["ece"].get<double>(), after, 1e-6);
  EXPECT_LT(summary["median_correct_probability"].get<double>(), tr::medianCorrectProbability(torch::softmax(overConfident, 1), labelValues));
  // Under-confident logits get T < 1.
  EXPECT_LT(tr::fitTemperature(z * 0.25, labels), 0.5);
}

TEST(TrainingHonesty, TemperatureIsStoredInTheModelFileAndOldFilesLoadWithOne) {
  const fs::path dir = freshDir("temperature");
  tr::NetSpec spec;
  spec.backbone = "small_cnn";
  spec.classCount = 3;
  spec.inputSize = 32;
  torch::manual_seed(5);
  auto net = std::make_shared<tr::ClassifierNet>(spec, torch::kCPU);
  tr::ModelFile model;
  model.spec = spec;
  model.classNames = {"a", "b", "c"};
  model.preprocessing = {{"input_size", 32}, {"dataset_image_size", 32}, {"fit", "stretch"}};
  model.state = tr::cpuCopy(net->namedState());
  model.temperature = 2.5;
  model.trainingContentHashes = {"h1", "h2"};
  model.trainingSplits = {1, 3};
  tr::writeModelFile(dir / "model.h5", model);
  const tr::ModelFile reread = tr::readModelFile(dir / "model.h5");
  EXPECT_DOUBLE_EQ(reread.temperature, 2.5);
  EXPECT_EQ(reread.trainingContentHashes, model.trainingContentHashes);
  EXPECT_EQ(reread.trainingSplits, model.trainingSplits);

  // A file from before calibration: no temperature attribute, no /training_data.
  fs::copy_file(dir / "model.h5", dir / "old.h5");
  const std::string strip = "/usr/bin/python3 -c \"import h5py, sys; f = h5py.File(sys.argv[1], 'r+'); "
                            "del f.attrs['temperature']; del f['training_data']; f.close()\" " +
                            (dir / "old.h5").string();
  ASSERT_EQ(std::system(strip.c_str()), 0) << strip;
  const tr::ModelFile old = tr::readModelFile(dir / "old.h5");
  EXPECT_DOUBLE_EQ(old.temperature, 1.0);
  EXPECT_TRUE(old.trainingContentHashes.empty());

  // predict applies it: log-probability ratios shrink by T.
  const torch::Tensor image = torch::randint(0, 255, {32, 32, 3}, torch::kUInt8);
  tr::Predictor calibrated(dir / "model.h5", "cpu"), plain(dir / "old.h5", "cpu");
  const std::vector<float> pc = calibrated.probabilities(image), pp = plain.probabilities(image);
  ASSERT_EQ(pc.size(), 3U);
  for (std::size_t c = 1; c < 3; ++c) {
    EXPECT_NEAR(std::log(pc[c] / pc[0]), std::log(pp[c] / pp[0]) / 2.5, 1e-4);
  }

  // A temperature that is not a positive number is refused.
  model.temperature = 0.0;
  EXPECT_THROW(tr::writeModelFile(dir / "bad.h5", model), std::runtime_error);
  fs::remove_all(dir);
}
