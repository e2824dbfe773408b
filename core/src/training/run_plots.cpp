#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>

#include "winnow/training/model_training.hpp"
#include "winnow/util/atomic_file.hpp"

namespace winnow::training {

namespace fs = std::filesystem;

namespace {

const cv::Scalar kInk(40, 40, 40), kGrid(225, 225, 225), kTrain(180, 110, 31), kVal(14, 127, 255);

Result<nlohmann::json> readJson(const fs::path& path) {
  std::ifstream in(path);
  if (!in) return makeError(ErrorCode::Io, path.string() + ": cannot read");
  nlohmann::json document = nlohmann::json::parse(in, nullptr, false);
  if (document.is_discarded()) return makeError(ErrorCode::Decode, path.string() + ": not JSON");
  return document;
}

Status writePng(const fs::path& path, const cv::Mat& bgr) {
  std::vector<std::uint8_t> bytes;
  if (!cv::imencode(".png", bgr, bytes)) return makeError(ErrorCode::Io, path.string() + ": PNG encoding failed");
  return writeFileAtomically(path, bytes);
}

std::string fixed(double value, int decimals) {
  char text[32];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
}

// One line chart of two series over epochs inside `area`.
void drawPanel(cv::Mat& canvas, const cv::Rect& area, const std::string& title, const std::vector<double>& epochs,
               const std::vector<double>& train, const std::vector<double>& val, bool unitRange) {
  const cv::Rect plot(area.x + 60, area.y + 40, area.width - 80, area.height - 90);
  double low = unitRange ? 0.0 : 1e300, high = unitRange ? 1.0 : -1e300;
  if (!unitRange) {
    for (const auto* series : {&train, &val}) {
      for (double v : *series) {
        if (std::isfinite(v)) {
          low = std::min(low, v);
          high = std::max(high, v);
        }
      }
    }
    if (!(high > low)) {
      high = low + 1.0;
    }
    low = std::max(0.0, low - 0.05 * (high - low));
    high += 0.05 * (high - low);
  }
  const double firstEpoch = epochs.empty() ? 1.0 : epochs.front();
  const double lastEpoch = epochs.empty() ? 2.0 : std::max(epochs.back(), firstEpoch + 1.0);
  auto toPoint = [&](double epoch, double value) {
    const double fx = (epoch - firstEpoch) / (lastEpoch - firstEpoch);
    const double fy = (value - low) / (high - low);
    return cv::Point(plot.x + static_cast<int>(std::lround(fx * plot.width)),
                     plot.y + plot.height - static_cast<int>(std::lround(fy * plot.height)));
  };
  cv::putText(canvas, title, {area.x + 60, area.y + 25}, cv::FONT_HERSHEY_SIMPLEX, 0.6, kInk, 1, cv::LINE_AA);
  for (int i = 0; i <= 4; ++i) {
    const double value = low + (high - low) * i / 4.0;
    const int y = plot.y + plot.height - plot.height * i / 4;
    cv::line(canvas, {plot.x, y}, {plot.x + plot.width, y}, kGrid, 1);
    cv::putText(canvas, fixed(value, unitRange ? 2 : 3), {area.x + 5, y + 4}, cv::FONT_HERSHEY_SIMPLEX, 0.4, kInk, 1, cv::LINE_AA);
  }
  const int ticks = static_cast<int>(std::min<double>(10, lastEpoch - firstEpoch));
  for (int i = 0; i <= ticks; ++i) {
    const double epoch = firstEpoch + (lastEpoch - firstEpoch) * i / std::max(1, ticks);
    const cv::Point p = toPoint(epoch, low);
    cv::line(canvas, p, {p.x, p.y + 4}, kInk, 1);
    cv::putText(canvas, fixed(epoch, 0), {p.x - 6, p.y + 18}, cv::FONT_HERSHEY_SIMPLEX, 0.4, kInk, 1, cv::LINE_AA);
  }
  cv::putText(canvas, "epoch", {plot.x + plot.width / 2 - 20, plot.y + plot.height + 38}, cv::FONT_HERSHEY_SIMPLEX, 0.45, kInk, 1,
              cv::LINE_AA);
  cv::rectangle(canvas, plot, kInk, 1);
  auto drawSeries = [&](const std::vector<double>& values, const cv::Scalar& colour) {
    for (std::size_t i = 0; i < values.size(); ++i) {
      const cv::Point p = toPoint(epochs[i], std::clamp(values[i], low, high));
      if (i > 0) cv::line(canvas, toPoint(epochs[i - 1], std::clamp(values[i - 1], low, high)), p, colour, 2, cv::LINE_AA);
      cv::circle(canvas, p, 3, colour, cv::FILLED, cv::LINE_AA);
    }
  };
  drawSeries(train, kTrain);
  drawSeries(val, kVal);
  const cv::Point legend(plot.x + plot.width - 110, plot.y + 15);
  cv::line(canvas, legend, {legend.x + 20, legend.y}, kTrain, 2);
  cv::putText(canvas, "train", {legend.x + 26, legend.y + 4}, cv::FONT_HERSHEY_SIMPLEX, 0.45, kInk, 1, cv::LINE_AA);
  cv::line(canvas, {legend.x, legend.y + 18}, {legend.x + 20, legend.y + 18}, kVal, 2);
  cv::putText(canvas, "val", {legend.x + 26, legend.y + 22}, cv::FONT_HERSHEY_SIMPLEX, 0.45, kInk, 1, cv::LINE_AA);
}

}  // namespace

Status writeConfusionMatrixPng(const fs::path& path, const std::vector<std::string>& classNames,
                               const std::vector<std::vector<std::int64_t>>& confusion, const std::string& title) {
  const int k = static_cast<int>(classNames.size());
  if (k == 0 || static_cast<int>(confusion.size()) != k) {
    return makeError(ErrorCode::InvalidArgument, path.string() + ": confusion matrix does not match the class names");
  }
  const int cell = std::clamp(560 / k, 14, 90);
  std::size_t longest = 0;
  for (const auto& name : classNames) longest = std::max(longest, std::min<std::size_t>(name.size(), 18));
  const double fontScale = std::clamp(cell / 60.0, 0.3, 0.5);
  const int labelWidth = static_cast<int>(static_cast<double>(longest) * 17.0 * fontScale) + 20;
  const int left = labelWidth + 30, top = 60, bottom = labelWidth + 40;
  cv::Mat canvas(top + k * cell + bottom, std::max(left + k * cell + 30, 660), CV_8UC3, cv::Scalar(255, 255, 255));
  cv::putText(canvas, title, {10, 25}, cv::FONT_HERSHEY_SIMPLEX, 0.6, kInk, 1, cv::LINE_AA);
  cv::putText(canvas, "rows: true class, columns: predicted; colour = share of the row", {10, 47}, cv::FONT_HERSHEY_SIMPLEX,
              0.4, kInk, 1, cv::LINE_AA);
  for (int t = 0; t < k; ++t) {
    std::int64_t rowTotal = 0;
    for (auto v : confusion[static_cast<std::size_t>(t)]) rowTotal += v;
    for (int p = 0; p < k; ++p) {
      const auto count = confusion[static_cast<std::size_t>(t)][static_cast<std::size_t>(p)];
      const double share = rowTotal > 0 ? static_cast<double>(count) / static_cast<double>(rowTotal) : 0.0;
      const cv::Rect box(left + p * cell, top + t * cell, cell, cell);
      const int shade = static_cast<int>(std::lround(255 * (1.0 - share)));
      cv::rectangle(canvas, box, cv::Scalar(255, 180 + shade * 75 / 255, shade), cv::FILLED);
      cv::rectangle(canvas, box, kGrid, 1);
      if (count > 0 && cell >= 18) {
        const std::string text = std::to_string(count);
        const cv::Scalar ink = share > 0.6 ? cv::Scalar(255, 255, 255) : kInk;
        cv::putText(canvas, text, {box.x + 2, box.y + cell / 2 + 4}, cv::FONT_HERSHEY_SIMPLEX, fontScale * 0.9, ink, 1, cv::LINE_AA);
      }
    }
    const std::string name = classNames[static_cast<std::size_t>(t)].substr(0, 18);
    cv::putText(canvas, name, {10, top + t * cell + cell / 2 + 4}, cv::FONT_HERSHEY_SIMPLEX, fontScale, kInk, 1, cv::LINE_AA);
  }
  // Column labels, read bottom to top: right-aligned on a strip that is turned 90 degrees
  // counter-clockwise, so each label ends just under its column.
  cv::Mat strip(cell * k, labelWidth, CV_8UC3, cv::Scalar(255, 255, 255));
  for (int p = 0; p < k; ++p) {
    const std::string name = classNames[static_cast<std::size_t>(p)].substr(0, 18);
    int baseline = 0;
    const cv::Size size = cv::getTextSize(name, cv::FONT_HERSHEY_SIMPLEX, fontScale, 1, &baseline);
    cv::putText(strip, name, {std::max(0, labelWidth - 4 - size.width), p * cell + cell / 2 + 4}, cv::FONT_HERSHEY_SIMPLEX,
                fontScale, kInk, 1, cv::LINE_AA);
  }
  cv::Mat turned;
  cv::rotate(strip, turned, cv::ROTATE_90_COUNTERCLOCKWISE);
  turned.copyTo(canvas(cv::Rect(left, top + k * cell + 8, turned.cols, turned.rows)));
  return writePng(path, canvas);
}

Result<std::vector<fs::path>> writeRunPlots(const fs::path& runDir) {
  std::vector<fs::path> written;
  auto metrics = readJson(runDir / "metrics.json");
  if (!metrics) return metrics.error();
  std::vector<double> epochs, trainLoss, valLoss, trainAccuracy, valAccuracy;
  for (const auto& m : (*metrics)["epochs"]) {
    epochs.push_back(m.at("epoch").get<double>());
    trainLoss.push_back(m.at("train_loss").get<double>());
    trainAccuracy.push_back(m.at("train_accuracy").get<double>());
    // null without a val split: the panel then shows the train curve only.
    if (!m.at("val_loss").is_null()) valLoss.push_back(m.at("val_loss").get<double>());
    if (!m.at("val_accuracy").is_null()) valAccuracy.push_back(m.at("val_accuracy").get<double>());
  }
  cv::Mat curves(440, 1100, CV_8UC3, cv::Scalar(255, 255, 255));
  drawPanel(curves, cv::Rect(0, 0, 550, 440), "loss", epochs, trainLoss, valLoss, false);
  drawPanel(curves, cv::Rect(550, 0, 550, 440), "accuracy", epochs, trainAccuracy, valAccuracy, true);
  const fs::path curvesPath = runDir / "learning_curves.png";
  if (Status status = writePng(curvesPath, curves); !status) return status.error();
  written.push_back(curvesPath);

  auto report = readJson(runDir / "report.json");
  if (report && report->contains("test")) {
    const auto& test = (*report)["test"];
    const fs::path matrixPath = runDir / "confusion_matrix.png";
    const std::string title = "test confusion matrix (accuracy " + fixed(test.value("accuracy", 0.0), 4) + ", macro F1 " +
                              fixed(test["macro_avg"].value("f1", 0.0), 4) + ")";
    if (Status status = writeConfusionMatrixPng(matrixPath, test.at("class_names").get<std::vector<std::string>>(),
                                                test.at("confusion_matrix").get<std::vector<std::vector<std::int64_t>>>(), title);
        !status) {
      return status.error();
    }
    written.push_back(matrixPath);
  }
  return written;
}

}  // namespace winnow::training
