// Charts written as PNG files: line charts (learning curves, labelling effort), a class-by-class
// heat map (confusion matrices) and overlaid histograms (distance distributions). Drawn with
// cairo: anti-aliased lines, real fonts (DejaVu Sans through fontconfig), axis ticks at "nice"
// numbers (1, 2, 2.5, 5 x 10^k), legends in a box of their own that never covers a curve.
// Every writer replaces its file atomically and returns an error naming the file on failure.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "winnow/util/result.hpp"

namespace winnow::plot {

struct Colour {
  double r = 0, g = 0, b = 0;  // 0..1
};

// A palette that stays distinguishable for colour-blind readers (Okabe-Ito); index wraps.
Colour paletteColour(std::size_t index);

// Axis ticks covering [low, high]: at most about maxTicks values at multiples of a nice step,
// and the number of decimals that prints every tick distinctly (0.25 -> 2, 5 -> 0).
struct Ticks {
  std::vector<double> values;
  double step = 1;
  int decimals = 0;
};
Ticks niceTicks(double low, double high, int maxTicks = 6);

// A tick's text: fixed with `decimals`, "-0" printed as "0".
std::string tickLabel(double value, int decimals);

struct Series {
  std::string name;  // shown in the legend
  std::vector<double> x, y;  // same length; non-finite y values leave a gap
  std::optional<Colour> colour;  // default: paletteColour(index of the series)
  bool markers = true;
};

struct LinePanel {
  std::string title, xLabel, yLabel;
  std::vector<Series> series;
  std::optional<double> yMin, yMax;  // fixed range (e.g. 0..1 for accuracy); else from the data
  bool integerX = false;             // ticks on whole numbers only (epochs, actions)
  std::vector<std::pair<double, std::string>> horizontalMarks;  // dashed reference lines (y, label)
  std::vector<std::pair<double, std::string>> verticalMarks;    // dashed reference lines (x, label)
};

// Panels side by side, each panelWidth x height pixels.
Status writeLineChartPng(const std::filesystem::path& path, const std::vector<LinePanel>& panels,
                         int panelWidth = 560, int height = 420);

// Rows are true classes, columns predicted ones; the colour is the share of the row, counts are
// printed in the cells when they fit; names are shortened with an ellipsis past 24 characters.
Status writeConfusionMatrixPng(const std::filesystem::path& path, const std::vector<std::string>& classNames,
                               const std::vector<std::vector<std::int64_t>>& confusion, const std::string& title);

struct HistogramSeries {
  std::string name;
  std::vector<double> values;
  std::optional<Colour> colour;
};

// Normalised histograms (each sums to 1) over a shared range, drawn translucent on top of each
// other, with optional vertical marks (a threshold) labelled at the top.
Status writeHistogramPng(const std::filesystem::path& path, const std::string& title, const std::string& xLabel,
                         const std::vector<HistogramSeries>& series,
                         const std::vector<std::pair<double, std::string>>& verticalMarks, int bins = 60);

}  // namespace winnow::plot
