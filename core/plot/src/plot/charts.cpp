#include "winnow/plot/charts.hpp"

#include <cairo.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <memory>

#include "winnow/util/atomic_file.hpp"

namespace winnow::plot {

namespace fs = std::filesystem;

namespace {

constexpr const char* kFont = "DejaVu Sans";
const Colour kInk{0.15, 0.15, 0.15}, kGrid{0.88, 0.88, 0.88}, kMuted{0.45, 0.45, 0.45};

struct SurfaceDeleter {
  void operator()(cairo_surface_t* surface) const { cairo_surface_destroy(surface); }
};
struct ContextDeleter {
  void operator()(cairo_t* context) const { cairo_destroy(context); }
};
using SurfacePtr = std::unique_ptr<cairo_surface_t, SurfaceDeleter>;
using ContextPtr = std::unique_ptr<cairo_t, ContextDeleter>;

// A white canvas and its drawing context.
struct Canvas {
  SurfacePtr surface;
  ContextPtr cr;
  Canvas(int width, int height)
      : surface(cairo_image_surface_create(CAIRO_FORMAT_RGB24, std::max(1, width), std::max(1, height))),
        cr(cairo_create(surface.get())) {
    cairo_set_source_rgb(cr.get(), 1, 1, 1);
    cairo_paint(cr.get());
  }
};

void setColour(cairo_t* cr, const Colour& c, double alpha = 1.0) { cairo_set_source_rgba(cr, c.r, c.g, c.b, alpha); }

void setFont(cairo_t* cr, double size, bool bold = false) {
  cairo_select_font_face(cr, kFont, CAIRO_FONT_SLANT_NORMAL, bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size(cr, size);
}

double textWidth(cairo_t* cr, const std::string& text) {
  cairo_text_extents_t extents;
  cairo_text_extents(cr, text.c_str(), &extents);
  return extents.x_advance;
}

enum class Align { Left, Centre, Right };

// Text whose baseline starts (Left), is centred (Centre) or ends (Right) at (x, y).
void drawText(cairo_t* cr, const std::string& text, double x, double y, Align align = Align::Left) {
  const double width = textWidth(cr, text);
  const double start = align == Align::Left ? x : align == Align::Centre ? x - width / 2 : x - width;
  cairo_move_to(cr, start, y);
  cairo_show_text(cr, text.c_str());
}

// Text turned 90 degrees counter-clockwise (read bottom to top) with its end at (x, y) when
// Right-aligned: the end sits just under a column.
void drawVerticalText(cairo_t* cr, const std::string& text, double x, double y, Align align) {
  cairo_save(cr);
  cairo_translate(cr, x, y);
  cairo_rotate(cr, -M_PI / 2);
  drawText(cr, text, 0, 0, align);
  cairo_restore(cr);
}

void line(cairo_t* cr, double x0, double y0, double x1, double y1, double width) {
  cairo_set_line_width(cr, width);
  cairo_move_to(cr, x0, y0);
  cairo_line_to(cr, x1, y1);
  cairo_stroke(cr);
}

// A reference mark (threshold, target): dashed, 1.2 px.
void dashedLine(cairo_t* cr, double x0, double y0, double x1, double y1) {
  const double dashes[] = {5, 4};
  cairo_set_dash(cr, dashes, 2, 0);
  line(cr, x0, y0, x1, y1, 1.2);
  cairo_set_dash(cr, nullptr, 0, 0);
}

// Cuts a UTF-8 name to `limit` code points, with an ellipsis when cut.
std::string shortened(const std::string& name, std::size_t limit) {
  std::size_t points = 0;
  for (std::size_t i = 0; i < name.size(); ++i) {
    if ((static_cast<unsigned char>(name[i]) & 0xC0U) != 0x80U) {
      if (points == limit) return name.substr(0, i) + "\u2026";
      ++points;
    }
  }
  return name;
}

// Keeps what cairo's toy text API can show: control characters become U+FFFD (class names come
// from folder names and may hold anything).
std::string printable(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) {
      out += "\uFFFD";
    } else {
      out += c;
    }
  }
  return out;
}

cairo_status_t appendBytes(void* closure, const unsigned char* data, unsigned int length) {
  auto* bytes = static_cast<std::vector<std::uint8_t>*>(closure);
  bytes->insert(bytes->end(), data, data + length);
  return CAIRO_STATUS_SUCCESS;
}

Status writeCanvas(const fs::path& path, Canvas& canvas) {
  cairo_surface_flush(canvas.surface.get());
  if (cairo_status(canvas.cr.get()) != CAIRO_STATUS_SUCCESS) {
    return makeError(ErrorCode::Io, path.string() + ": drawing failed: " + cairo_status_to_string(cairo_status(canvas.cr.get())));
  }
  std::vector<std::uint8_t> bytes;
  const cairo_status_t status = cairo_surface_write_to_png_stream(canvas.surface.get(), appendBytes, &bytes);
  if (status != CAIRO_STATUS_SUCCESS) {
    return makeError(ErrorCode::Io, path.string() + ": PNG encoding failed: " + cairo_status_to_string(status));
  }
  return writeFileAtomically(path, bytes);
}

struct Range {
  double low = 0, high = 1;
};

// The data range of finite values, or [0, 1] when there are none; a flat range gets width.
Range dataRange(const std::vector<const std::vector<double>*>& all) {
  double low = std::numeric_limits<double>::infinity(), high = -low;
  for (const auto* values : all) {
    for (double v : *values) {
      if (std::isfinite(v)) {
        low = std::min(low, v);
        high = std::max(high, v);
      }
    }
  }
  if (!std::isfinite(low)) return {0, 1};
  if (!(high > low)) {
    const double pad = std::abs(low) > 0 ? std::abs(low) * 0.1 : 1.0;
    return {low - pad, high + pad};
  }
  return {low, high};
}

// The legend as one row of entries (swatch + name) right-aligned ending at `right`, on `baseline`:
// above the plot area, so it never hides a curve.
void drawLegendRow(cairo_t* cr, const std::vector<std::pair<std::string, Colour>>& entries, double right, double baseline,
                   bool bars) {
  setFont(cr, 12);
  double x = right;
  for (auto it = entries.rbegin(); it != entries.rend(); ++it) {
    const std::string name = printable(it->first);
    x -= textWidth(cr, name);
    setColour(cr, kInk);
    drawText(cr, name, x, baseline);
    x -= 24;
    setColour(cr, it->second, bars ? 0.6 : 1.0);
    if (bars) {
      cairo_rectangle(cr, x, baseline - 10, 18, 11);
      cairo_fill(cr);
    } else {
      cairo_set_line_width(cr, 2.5);
      cairo_move_to(cr, x, baseline - 4);
      cairo_line_to(cr, x + 18, baseline - 4);
      cairo_stroke(cr);
    }
    x -= 16;
  }
}

void drawLinePanel(cairo_t* cr, const LinePanel& panel, double x0, double y0, double width, double height) {
  const double left = x0 + 70, right = x0 + width - 18, top = y0 + 58, bottom = y0 + height - 52;
  const double plotW = right - left, plotH = bottom - top;

  std::vector<const std::vector<double>*> xs, ys;
  for (const auto& s : panel.series) {
    xs.push_back(&s.x);
    ys.push_back(&s.y);
  }
  Range xr = dataRange(xs);
  for (const auto& mark : panel.verticalMarks) {
    xr.low = std::min(xr.low, mark.first);
    xr.high = std::max(xr.high, mark.first);
  }
  if (panel.integerX && xr.high - xr.low < 1) xr.high = xr.low + 1;
  Range yr = dataRange(ys);
  for (const auto& mark : panel.horizontalMarks) {
    yr.low = std::min(yr.low, mark.first);
    yr.high = std::max(yr.high, mark.first);
  }
  Ticks yTicks = niceTicks(panel.yMin.value_or(yr.low), panel.yMax.value_or(yr.high), 6);
  // The axis ends on ticks unless the range is fixed.
  yr.low = panel.yMin ? *panel.yMin : std::min(yr.low, yTicks.values.front());
  yr.high = panel.yMax ? *panel.yMax : std::max(yr.high, yTicks.values.back());
  Ticks xTicks = niceTicks(xr.low, xr.high, std::max(2, static_cast<int>(plotW / 70)));
  if (panel.integerX && xTicks.step < 1) xTicks = niceTicks(xr.low, xr.low + std::max(1.0, std::ceil(xr.high - xr.low)), 2);
  auto px = [&](double x) { return left + (x - xr.low) / (xr.high - xr.low) * plotW; };
  auto py = [&](double y) { return bottom - (std::clamp(y, yr.low, yr.high) - yr.low) / (yr.high - yr.low) * plotH; };

  setColour(cr, kInk);
  setFont(cr, 15, true);
  drawText(cr, printable(panel.title), left, y0 + 24);

  setFont(cr, 11);
  for (double v : yTicks.values) {
    if (v < yr.low - 1e-12 || v > yr.high + 1e-12) continue;
    setColour(cr, kGrid);
    line(cr, left, py(v), right, py(v), 1);
    setColour(cr, kInk);
    drawText(cr, tickLabel(v, yTicks.decimals), left - 8, py(v) + 4, Align::Right);
  }
  for (double v : xTicks.values) {
    if (v < xr.low - 1e-12 || v > xr.high + 1e-12) continue;
    setColour(cr, kInk);
    line(cr, px(v), bottom, px(v), bottom + 5, 1);
    drawText(cr, tickLabel(v, xTicks.decimals), px(v), bottom + 19, Align::Centre);
  }
  setFont(cr, 12);
  drawText(cr, printable(panel.xLabel), left + plotW / 2, y0 + height - 14, Align::Centre);
  if (!panel.yLabel.empty()) drawVerticalText(cr, printable(panel.yLabel), x0 + 16, top + plotH / 2, Align::Centre);

  for (std::size_t m = 0; m < panel.verticalMarks.size(); ++m) {
    const auto& [value, label] = panel.verticalMarks[m];
    if (value < xr.low || value > xr.high) continue;
    setColour(cr, kMuted);
    dashedLine(cr, px(value), top, px(value), bottom);
    setFont(cr, 11);
    // Labels stack downwards so that marks close together stay readable; right of the line, or
    // left of it where the plot ends.
    const std::string text = printable(label);
    const double y = top + 14 + 14 * static_cast<double>(m);
    if (px(value) + 4 + textWidth(cr, text) > right) {
      drawText(cr, text, px(value) - 4, y, Align::Right);
    } else {
      drawText(cr, text, px(value) + 4, y);
    }
  }
  for (const auto& [value, label] : panel.horizontalMarks) {
    setColour(cr, kMuted);
    dashedLine(cr, left, py(value), right, py(value));
    setFont(cr, 11);
    drawText(cr, printable(label), right - 4, py(value) - 5, Align::Right);
  }

  std::vector<std::pair<std::string, Colour>> legend;
  cairo_save(cr);
  cairo_rectangle(cr, left, top - 3, plotW, plotH + 6);
  cairo_clip(cr);
  cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
  for (std::size_t s = 0; s < panel.series.size(); ++s) {
    const Series& series = panel.series[s];
    const Colour colour = series.colour.value_or(paletteColour(s));
    legend.emplace_back(series.name, colour);
    setColour(cr, colour);
    cairo_set_line_width(cr, 2.2);
    bool drawing = false;
    const std::size_t n = std::min(series.x.size(), series.y.size());
    for (std::size_t i = 0; i < n; ++i) {
      if (!std::isfinite(series.y[i]) || !std::isfinite(series.x[i])) {
        drawing = false;
        continue;
      }
      if (drawing) {
        cairo_line_to(cr, px(series.x[i]), py(series.y[i]));
      } else {
        cairo_move_to(cr, px(series.x[i]), py(series.y[i]));
        drawing = true;
      }
    }
    cairo_stroke(cr);
    if (series.markers && n <= 80) {
      for (std::size_t i = 0; i < n; ++i) {
        if (!std::isfinite(series.y[i]) || !std::isfinite(series.x[i])) continue;
        cairo_arc(cr, px(series.x[i]), py(series.y[i]), 3.2, 0, 2 * M_PI);
        cairo_fill(cr);
      }
    }
  }
  cairo_restore(cr);
  setColour(cr, kInk);
  cairo_rectangle(cr, left, top, plotW, plotH);
  cairo_set_line_width(cr, 1);
  cairo_stroke(cr);
  if (!legend.empty()) drawLegendRow(cr, legend, right, top - 12, false);
}

}  // namespace

Colour paletteColour(std::size_t index) {
  static const Colour kPalette[] = {{0.00, 0.45, 0.70}, {0.90, 0.62, 0.00}, {0.00, 0.62, 0.45}, {0.80, 0.47, 0.65},
                                    {0.34, 0.71, 0.91}, {0.84, 0.37, 0.00}, {0.35, 0.35, 0.35}, {0.94, 0.89, 0.26}};
  return kPalette[index % (sizeof kPalette / sizeof kPalette[0])];
}

Ticks niceTicks(double low, double high, int maxTicks) {
  Ticks ticks;
  if (!std::isfinite(low) || !std::isfinite(high)) low = 0, high = 1;
  if (high < low) std::swap(low, high);
  if (!(high > low)) high = low + (low != 0 ? std::abs(low) * 0.1 : 1.0);
  maxTicks = std::max(2, maxTicks);
  const double rough = (high - low) / (maxTicks - 1);
  const double magnitude = std::pow(10.0, std::floor(std::log10(rough)));
  double step = 10 * magnitude;
  for (double multiple : {1.0, 2.0, 2.5, 5.0, 10.0}) {
    if (multiple * magnitude >= rough * (1 - 1e-9)) {
      step = multiple * magnitude;
      break;
    }
  }
  ticks.step = step;
  const double first = std::floor(low / step + 1e-9) * step;
  const double last = std::ceil(high / step - 1e-9) * step;
  for (double v = first; v <= last + step * 1e-6; v += step) ticks.values.push_back(std::abs(v) < step * 1e-9 ? 0.0 : v);
  // Decimals: enough for the step (2.5 x 10^-1 needs 2).
  int decimals = 0;
  for (double s = step; decimals < 10 && std::abs(s - std::round(s)) > 1e-9 * std::max(1.0, std::abs(s)); s *= 10) ++decimals;
  ticks.decimals = decimals;
  return ticks;
}

std::string tickLabel(double value, int decimals) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", std::clamp(decimals, 0, 10), value);
  std::string label = text;
  if (label.find_first_not_of("-0.") == std::string::npos && label.front() == '-') label.erase(0, 1);
  return label;
}

Status writeLineChartPng(const fs::path& path, const std::vector<LinePanel>& panels, int panelWidth, int height) {
  if (panels.empty()) return makeError(ErrorCode::InvalidArgument, path.string() + ": no chart to draw");
  Canvas canvas(panelWidth * static_cast<int>(panels.size()), height);
  for (std::size_t i = 0; i < panels.size(); ++i) {
    drawLinePanel(canvas.cr.get(), panels[i], static_cast<double>(i) * panelWidth, 0, panelWidth, height);
  }
  return writeCanvas(path, canvas);
}

Status writeConfusionMatrixPng(const fs::path& path, const std::vector<std::string>& classNames,
                               const std::vector<std::vector<std::int64_t>>& confusion, const std::string& title) {
  const int k = static_cast<int>(classNames.size());
  if (k == 0 || static_cast<int>(confusion.size()) != k) {
    return makeError(ErrorCode::InvalidArgument, path.string() + ": confusion matrix does not match the class names");
  }
  for (const auto& row : confusion) {
    if (static_cast<int>(row.size()) != k) {
      return makeError(ErrorCode::InvalidArgument, path.string() + ": confusion matrix does not match the class names");
    }
  }
  const double cell = std::clamp(600.0 / k, 16.0, 90.0);
  const double nameFont = std::clamp(cell * 0.42, 9.0, 13.0);
  std::vector<std::string> names;
  for (const auto& name : classNames) names.push_back(printable(shortened(name, 24)));
  // Measure the longest name on a scratch surface to size the margins.
  double labelWidth = 0;
  {
    Canvas scratch(1, 1);
    setFont(scratch.cr.get(), nameFont);
    for (const auto& name : names) labelWidth = std::max(labelWidth, textWidth(scratch.cr.get(), name));
  }
  const double left = 40 + labelWidth + 10, top = 78;
  const double width = std::max(left + k * cell + 30, 680.0);
  const double height = top + k * cell + 14 + labelWidth + 40;
  Canvas canvas(static_cast<int>(std::ceil(width)), static_cast<int>(std::ceil(height)));
  cairo_t* cr = canvas.cr.get();

  setColour(cr, kInk);
  setFont(cr, 15, true);
  drawText(cr, printable(title), 14, 26);
  setFont(cr, 12);
  setColour(cr, kMuted);
  drawText(cr, "rows: true class, columns: predicted class; shade = share of the row", 14, 48);

  const double countFont = std::clamp(cell * 0.36, 7.0, 14.0);
  for (int t = 0; t < k; ++t) {
    std::int64_t rowTotal = 0;
    for (auto v : confusion[static_cast<std::size_t>(t)]) rowTotal += v;
    for (int p = 0; p < k; ++p) {
      const auto count = confusion[static_cast<std::size_t>(t)][static_cast<std::size_t>(p)];
      const double share = rowTotal > 0 ? static_cast<double>(count) / static_cast<double>(rowTotal) : 0.0;
      const double x = left + p * cell, y = top + t * cell;
      // White to a deep blue, diagonal and off-diagonal alike: the number says which is which.
      cairo_set_source_rgb(cr, 1 - 0.92 * share, 1 - 0.62 * share, 1 - 0.30 * share);
      cairo_rectangle(cr, x, y, cell, cell);
      cairo_fill(cr);
      setColour(cr, kGrid);
      cairo_rectangle(cr, x + 0.5, y + 0.5, cell - 1, cell - 1);
      cairo_set_line_width(cr, 1);
      cairo_stroke(cr);
      if (count > 0 && cell >= 16) {
        setFont(cr, countFont, t == p);
        const std::string text = std::to_string(count);
        if (textWidth(cr, text) < cell - 2) {
          if (share > 0.55) {
            cairo_set_source_rgb(cr, 1, 1, 1);
          } else {
            setColour(cr, kInk);
          }
          drawText(cr, text, x + cell / 2, y + cell / 2 + countFont * 0.36, Align::Centre);
        }
      }
    }
    setColour(cr, kInk);
    setFont(cr, nameFont);
    drawText(cr, names[static_cast<std::size_t>(t)], left - 8, top + t * cell + cell / 2 + nameFont * 0.36, Align::Right);
  }
  setColour(cr, kInk);
  cairo_rectangle(cr, left, top, k * cell, k * cell);
  cairo_set_line_width(cr, 1);
  cairo_stroke(cr);
  setFont(cr, nameFont);
  for (int p = 0; p < k; ++p) {
    drawVerticalText(cr, names[static_cast<std::size_t>(p)], left + p * cell + cell / 2 + nameFont * 0.36, top + k * cell + 8,
                     Align::Right);
  }
  setFont(cr, 12);
  setColour(cr, kMuted);
  drawVerticalText(cr, "true class", 18, top + k * cell / 2, Align::Centre);
  drawText(cr, "predicted class", left + k * cell / 2, height - 12, Align::Centre);
  return writeCanvas(path, canvas);
}

Status writeHistogramPng(const fs::path& path, const std::string& title, const std::string& xLabel,
                         const std::vector<HistogramSeries>& series,
                         const std::vector<std::pair<double, std::string>>& verticalMarks, int bins) {
  if (series.empty()) return makeError(ErrorCode::InvalidArgument, path.string() + ": no histogram to draw");
  bins = std::clamp(bins, 2, 1000);
  std::vector<const std::vector<double>*> all;
  for (const auto& s : series) all.push_back(&s.values);
  Range xr = dataRange(all);
  xr.low = std::min(0.0, xr.low);  // distances and scores: show 0
  for (const auto& mark : verticalMarks) xr.high = std::max(xr.high, mark.first);
  const Ticks xTicks = niceTicks(xr.low, xr.high, 10);
  xr.low = xTicks.values.front();
  xr.high = std::max(xr.high, xTicks.values.back());

  std::vector<std::vector<double>> shares;
  double peak = 1e-9;
  for (const auto& s : series) {
    std::vector<double> h(static_cast<std::size_t>(bins), 0.0);
    std::size_t finite = 0;
    for (double v : s.values) {
      if (!std::isfinite(v)) continue;
      const int bin = std::clamp(static_cast<int>((v - xr.low) / (xr.high - xr.low) * bins), 0, bins - 1);
      h[static_cast<std::size_t>(bin)] += 1;
      ++finite;
    }
    for (double& x : h) {
      x /= static_cast<double>(std::max<std::size_t>(1, finite));
      peak = std::max(peak, x);
    }
    shares.push_back(std::move(h));
  }
  const Ticks yTicks = niceTicks(0, peak * 100, 5);
  const double yHigh = std::max(peak * 100, yTicks.values.back());

  const double width = 900, height = 480, left = 74, right = width - 20, top = 66, bottom = height - 56;
  const double plotW = right - left, plotH = bottom - top;
  Canvas canvas(static_cast<int>(width), static_cast<int>(height));
  cairo_t* cr = canvas.cr.get();
  auto px = [&](double x) { return left + (x - xr.low) / (xr.high - xr.low) * plotW; };
  auto py = [&](double percent) { return bottom - percent / yHigh * plotH; };

  setColour(cr, kInk);
  setFont(cr, 15, true);
  drawText(cr, printable(title), left, 26);
  setFont(cr, 11);
  for (double v : yTicks.values) {
    setColour(cr, kGrid);
    line(cr, left, py(v), right, py(v), 1);
    setColour(cr, kInk);
    drawText(cr, tickLabel(v, yTicks.decimals) + "%", left - 8, py(v) + 4, Align::Right);
  }
  for (double v : xTicks.values) {
    if (v > xr.high + 1e-12) continue;
    line(cr, px(v), bottom, px(v), bottom + 5, 1);
    drawText(cr, tickLabel(v, xTicks.decimals), px(v), bottom + 19, Align::Centre);
  }
  setFont(cr, 12);
  drawText(cr, printable(xLabel), left + plotW / 2, height - 14, Align::Centre);
  drawVerticalText(cr, "share of pairs", 18, top + plotH / 2, Align::Centre);

  std::vector<std::pair<std::string, Colour>> legend;
  for (std::size_t s = 0; s < series.size(); ++s) {
    const Colour colour = series[s].colour.value_or(paletteColour(s));
    legend.emplace_back(series[s].name, colour);
    setColour(cr, colour, 0.55);
    for (int b = 0; b < bins; ++b) {
      const double share = shares[s][static_cast<std::size_t>(b)] * 100;
      if (share <= 0) continue;
      const double x0 = px(xr.low + (xr.high - xr.low) * b / bins), x1 = px(xr.low + (xr.high - xr.low) * (b + 1) / bins);
      cairo_rectangle(cr, x0, py(share), std::max(1.0, x1 - x0 - 0.5), bottom - py(share));
    }
    cairo_fill(cr);
  }
  for (const auto& [value, label] : verticalMarks) {
    setColour(cr, kInk);
    dashedLine(cr, px(value), top, px(value), bottom);
    setFont(cr, 11);
    drawText(cr, printable(label), px(value) + 5, top + 14);
  }
  setColour(cr, kInk);
  cairo_rectangle(cr, left, top, plotW, plotH);
  cairo_set_line_width(cr, 1);
  cairo_stroke(cr);
  drawLegendRow(cr, legend, right, top - 12, true);
  return writeCanvas(path, canvas);
}

}  // namespace winnow::plot
