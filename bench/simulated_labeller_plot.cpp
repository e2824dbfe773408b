// Draws the simulated user's curves (bench/simulated_labeller.py CSVs: actions,correct) as one
// PNG (core/plot): fraction of photos correctly labelled against actions, one line per set, with each set's
// action target (people + 5% of photos) as a dashed mark.
// Usage: simulated_labeller_plot out.png name:photos:target:curve.csv [...]
#include <algorithm>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "winnow/plot/charts.hpp"

namespace {

struct Series {
  std::string name;
  double photos = 0.0;
  double target = 0.0;
  std::vector<std::pair<double, double>> points;  // (actions, correct)
};

bool readSeries(const std::string& spec, Series& series) {
  std::stringstream parts(spec);
  std::string photos;
  std::string target;
  std::string path;
  if (!std::getline(parts, series.name, ':') || !std::getline(parts, photos, ':') || !std::getline(parts, target, ':') ||
      !std::getline(parts, path)) {
    return false;
  }
  series.photos = std::stod(photos);
  series.target = std::stod(target);
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    double actions = 0.0;
    double correct = 0.0;
    char comma = 0;
    std::stringstream row(line);
    if (row >> actions >> comma >> correct) series.points.emplace_back(actions, correct);
  }
  return !series.points.empty();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: simulated_labeller_plot out.png name:photos:target:curve.csv [...]\n";
    return 2;
  }
  std::vector<Series> all;
  for (int i = 2; i < argc; ++i) {
    Series series;
    if (!readSeries(argv[i], series)) {
      std::cerr << "cannot read " << argv[i] << "\n";
      return 1;
    }
    all.push_back(std::move(series));
  }
  // One panel: the share of photos correctly labelled against actions, one line per set, each
  // set's action target as a dashed vertical mark.
  winnow::plot::LinePanel panel;
  panel.title = "photos correctly labelled: simulated user (identities + suggest + accept)";
  panel.xLabel = "actions (name a group, accept a batch, correct a sample)";
  panel.yLabel = "photos correctly labelled";
  panel.integerX = true;
  panel.yMin = 0.0;
  panel.yMax = 1.0;
  for (std::size_t s = 0; s < all.size(); ++s) {
    const Series& series = all[s];
    winnow::plot::Series line;
    std::ostringstream name;
    name << series.name << ": " << static_cast<int>(series.points.back().first) << " actions, " << static_cast<int>(series.photos)
         << " photos";
    line.name = name.str();
    line.markers = false;
    for (const auto& point : series.points) {
      line.x.push_back(point.first);
      line.y.push_back(point.second / series.photos);
    }
    panel.series.push_back(std::move(line));
    panel.verticalMarks.emplace_back(series.target, series.name + " target " + std::to_string(static_cast<int>(series.target)));
  }
  if (const auto written = winnow::plot::writeLineChartPng(argv[1], {panel}, 900, 540); !written) {
    std::cerr << written.error().message << "\n";
    return 1;
  }
  std::cout << "wrote " << argv[1] << "\n";
  return 0;
}
