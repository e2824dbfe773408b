// Charts (core/plot): tick choice, and PNGs that decode to the promised size with ink in them.
#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>

#include <cmath>
#include <fstream>

#include "support/temp_dir.hpp"
#include "winnow/plot/charts.hpp"

namespace plot = winnow::plot;

namespace {

std::vector<std::string> labels(const plot::Ticks& ticks) {
  std::vector<std::string> out;
  for (double v : ticks.values) out.push_back(plot::tickLabel(v, ticks.decimals));
  return out;
}

// Share of pixels that are not (near) white.
double inkShare(const cv::Mat& bgr) {
  int ink = 0;
  for (int y = 0; y < bgr.rows; ++y) {
    for (int x = 0; x < bgr.cols; ++x) {
      const auto& p = bgr.at<cv::Vec3b>(y, x);
      if (p[0] < 200 || p[1] < 200 || p[2] < 200) ++ink;
    }
  }
  return static_cast<double>(ink) / (bgr.rows * bgr.cols);
}

}  // namespace

TEST(Charts, TicksAreNiceNumbersCoveringTheRange) {
  EXPECT_EQ(labels(plot::niceTicks(0, 1, 6)), (std::vector<std::string>{"0.0", "0.2", "0.4", "0.6", "0.8", "1.0"}));
  // The old plots printed ticks like 0.406; a loss from 0.406 to 0.93 gets round steps.
  EXPECT_EQ(labels(plot::niceTicks(0.406, 0.93, 6)), (std::vector<std::string>{"0.4", "0.6", "0.8", "1.0"}));
  EXPECT_EQ(labels(plot::niceTicks(0.406, 0.93, 8)), (std::vector<std::string>{"0.4", "0.5", "0.6", "0.7", "0.8", "0.9", "1.0"}));
  EXPECT_EQ(labels(plot::niceTicks(1, 30, 6)), (std::vector<std::string>{"0", "10", "20", "30"}));
  EXPECT_EQ(labels(plot::niceTicks(1, 30, 8)), (std::vector<std::string>{"0", "5", "10", "15", "20", "25", "30"}));
  EXPECT_EQ(labels(plot::niceTicks(0, 0.75, 4)), (std::vector<std::string>{"0.00", "0.25", "0.50", "0.75"}));
  EXPECT_EQ(labels(plot::niceTicks(-1.5, 1.5, 7)), (std::vector<std::string>{"-1.5", "-1.0", "-0.5", "0.0", "0.5", "1.0", "1.5"}));
  // Degenerate ranges still give ticks around the value.
  const plot::Ticks flat = plot::niceTicks(3, 3, 5);
  ASSERT_GE(flat.values.size(), 2U);
  EXPECT_LE(flat.values.front(), 3);
  EXPECT_GE(flat.values.back(), 3);
  const plot::Ticks broken = plot::niceTicks(NAN, INFINITY, 5);
  EXPECT_FALSE(broken.values.empty());
  EXPECT_EQ(plot::tickLabel(-0.0001, 2), "0.00");
}

TEST(Charts, LineChartConfusionMatrixAndHistogramArePngsWithInk) {
  winnow::test::TempDir dir("winnow-charts");
  plot::LinePanel loss;
  loss.title = "loss";
  loss.xLabel = "epoch";
  loss.integerX = true;
  loss.series.push_back({"train", {1, 2, 3, 4}, {0.93, 0.7, 0.5, 0.406}, std::nullopt, true});
  loss.series.push_back({"val", {1, 2, 3, 4}, {0.95, 0.8, NAN, 0.6}, std::nullopt, true});
  plot::LinePanel accuracy = loss;
  accuracy.title = "accuracy";
  accuracy.yMin = 0.0;
  accuracy.yMax = 1.0;
  accuracy.horizontalMarks = {{0.5, "chance"}};
  ASSERT_TRUE(plot::writeLineChartPng(dir / "curves.png", {loss, accuracy}, 500, 400));
  const cv::Mat curves = cv::imread((dir / "curves.png").string());
  ASSERT_FALSE(curves.empty());
  EXPECT_EQ(curves.cols, 1000);
  EXPECT_EQ(curves.rows, 400);
  EXPECT_GT(inkShare(curves), 0.005);
  EXPECT_LT(inkShare(curves), 0.5);

  // Names with control characters and 40 classes: drawn, not echoed raw, sized to fit.
  std::vector<std::string> names;
  std::vector<std::vector<std::int64_t>> confusion(40, std::vector<std::int64_t>(40, 0));
  for (int i = 0; i < 40; ++i) {
    names.push_back(i == 3 ? std::string("evil\x1b[31m\nname") : "person_" + std::to_string(i) + "_with_a_long_name");
    confusion[static_cast<std::size_t>(i)][static_cast<std::size_t>(i)] = 5;
    confusion[static_cast<std::size_t>(i)][static_cast<std::size_t>((i + 1) % 40)] = 1;
  }
  ASSERT_TRUE(plot::writeConfusionMatrixPng(dir / "matrix.png", names, confusion, "test confusion matrix"));
  const cv::Mat matrix = cv::imread((dir / "matrix.png").string());
  ASSERT_FALSE(matrix.empty());
  EXPECT_GE(matrix.cols, 600);
  EXPECT_GT(inkShare(matrix), 0.02);
  EXPECT_FALSE(plot::writeConfusionMatrixPng(dir / "bad.png", {"a", "b"}, {{1, 2}}, "t"));
  EXPECT_FALSE(std::filesystem::exists(dir / "bad.png"));

  ASSERT_TRUE(plot::writeHistogramPng(dir / "hist.png", "distances", "Euclidean distance",
                                      {{"same", {0.3, 0.35, 0.4, 0.41}, std::nullopt}, {"different", {0.8, 0.9, 1.0}, std::nullopt}},
                                      {{0.6, "threshold 0.600"}}));
  const cv::Mat hist = cv::imread((dir / "hist.png").string());
  ASSERT_FALSE(hist.empty());
  EXPECT_GT(inkShare(hist), 0.01);
  EXPECT_FALSE(plot::writeLineChartPng(dir / "none.png", {}));
  // An unwritable path is an error naming it, not a crash.
  { std::ofstream((dir / "a-file").string()) << "not a folder"; }
  const auto failed = plot::writeLineChartPng(dir / "a-file" / "x.png", {loss});
  ASSERT_FALSE(failed);
  EXPECT_NE(failed.error().message.find("x.png"), std::string::npos);
}
