#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <memory>

#include "goaround/debrief/debrief.hpp"
#include "goaround/libs/cairo.hpp"

namespace goaround::debrief {
using libs::cairo;  // opened on the first chart, so a bot that writes none never maps it
namespace {

constexpr double chart_width = 960, left = 64, right = 30, title_height = 34, row_height = 15;
constexpr double label_font = 11, label_gap = 6;

struct Colour {
  double r, g, b;
};
constexpr Colour grey{0.4, 0.4, 0.4}, orange{0.9, 0.5, 0.0}, blue{0.1, 0.4, 0.8}, green{0.1, 0.6, 0.2},
    amber{0.85, 0.6, 0.0}, red{0.8, 0.15, 0.15}, purple{0.45, 0.3, 0.75};

Colour colour_of(const std::optional<model::Outcome>& outcome) {
  if (!outcome) return purple;  // still running when the chart was drawn
  switch (*outcome) {
    case model::Outcome::verified: return green;
    case model::Outcome::verification_failed: return amber;
    case model::Outcome::failed: return red;
  }
  return purple;
}

Colour colour_of(ChartLayout::Mark mark, const std::optional<model::Outcome>& outcome) {
  switch (mark) {
    case ChartLayout::Mark::deploy:
    case ChartLayout::Mark::closed: return grey;
    case ChartLayout::Mark::detection: return orange;
    case ChartLayout::Mark::confirmed: return blue;
    case ChartLayout::Mark::recovery: return green;
    case ChartLayout::Mark::go_around: return colour_of(outcome);
  }
  return purple;
}

std::string outcome_words(const std::optional<model::Outcome>& outcome) {
  if (!outcome) return "no result yet";
  switch (*outcome) {
    case model::Outcome::verified: return "verified";
    case model::Outcome::verification_failed: return "not verified";
    case model::Outcome::failed: return "failed";
  }
  return "no result";
}

cairo_status_t append(void* closure, const unsigned char* data, unsigned int length) {
  static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
  return CAIRO_STATUS_SUCCESS;
}

std::tm utc_of(time::TimePoint at) {
  const std::time_t t = std::chrono::system_clock::to_time_t(at);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return tm;
}

// Round steps, as a clock face has them; each divides a day, so midnight is always a tick.
constexpr std::array<int, 18> tick_steps{1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400};
constexpr double most_ticks = 8;

std::string tick_text(time::TimePoint at, std::chrono::seconds step, bool midnight) {
  const auto tm = utc_of(at);
  char buf[24];
  if (midnight) std::strftime(buf, sizeof buf, "%b %d", &tm);
  else if (step < std::chrono::minutes(1)) std::strftime(buf, sizeof buf, "%H:%M:%S", &tm);
  else std::strftime(buf, sizeof buf, "%H:%M", &tm);
  return buf;
}

// Text is measured with the font the chart draws in, on a scratch surface.
class Measure {
 public:
  Measure() : surface_(cairo().cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 1, 1)), cr_(cairo().cairo_create(surface_)) {
    cairo().cairo_select_font_face(cr_, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    cairo().cairo_set_font_size(cr_, label_font);
  }
  ~Measure() {
    cairo().cairo_destroy(cr_);
    cairo().cairo_surface_destroy(surface_);
  }
  Measure(const Measure&) = delete;
  Measure& operator=(const Measure&) = delete;
  double width(const std::string& text) const {
    cairo_text_extents_t extents;
    cairo().cairo_text_extents(cr_, text.c_str(), &extents);
    return extents.x_advance;
  }

 private:
  cairo_surface_t* surface_;
  cairo_t* cr_;
};

// The highest value rounded up to 1, 2, 2.5 or 5 times a power of ten, as an axis ends, and
// the number of divisions that puts its grid lines on round values (0.05 in steps of 0.01).
struct Axis {
  double top;
  int divisions;
};
Axis round_axis(double highest) {
  if (highest <= 0) return {1, 5};
  const double power = std::pow(10, std::floor(std::log10(highest)));
  for (const double m : {1.0, 2.0, 2.5, 5.0})
    if (m * power >= highest) return {m * power, m == 2.0 ? 4 : 5};
  return {10 * power, 5};
}

}  // namespace

double ChartLayout::x_of(time::TimePoint at) const {
  return left + (chart_width - left - right) * std::chrono::duration<double>(at - start).count() / seconds;
}

ChartLayout chart_layout(const Milestones& m, bool with_metric) {
  ChartLayout out;
  out.width = chart_width;
  out.start = m.start;
  out.seconds = std::max(1.0, std::chrono::duration<double>(m.end - m.start).count());
  const double span = out.seconds;
  const auto x_of = [&](time::TimePoint t) { return out.x_of(t); };

  // Markers and their labels, placed left to right on the first row where they fit.
  using Mark = ChartLayout::Mark;
  struct Marker {
    time::TimePoint at;
    std::string text;
    Mark mark;
    std::optional<model::Outcome> outcome;
  };
  std::vector<Marker> markers;
  if (m.deploy) markers.push_back({*m.deploy, "deploy", Mark::deploy, {}});
  markers.push_back({m.detection, "detection", Mark::detection, {}});
  const bool several = m.go_arounds.size() > 1;
  for (const auto& g : m.go_arounds) {
    const auto n = several ? " " + std::to_string(g.number) : std::string();
    const auto words = "go-around" + n + ": " + outcome_words(g.outcome);
    if (g.decision) markers.push_back({*g.decision, "confirmed" + n, Mark::confirmed, {}});
    markers.push_back({g.start, words, Mark::go_around, g.outcome});
    out.bands.push_back({words, x_of(g.start), x_of(g.end.value_or(m.end)), g.outcome});
  }
  if (m.recovery) markers.push_back({*m.recovery, "recovery", Mark::recovery, {}});
  if (m.closed) markers.push_back({*m.closed, "closed", Mark::closed, {}});
  std::stable_sort(markers.begin(), markers.end(), [](const auto& a, const auto& b) { return a.at < b.at; });

  const Measure measure;
  std::vector<double> row_ends;  // the right edge of the last label on each row
  for (const auto& marker : markers) {
    ChartLayout::Label label{marker.mark, marker.outcome, marker.text, 0, 0, measure.width(marker.text), row_height,
                             x_of(marker.at), 0};
    label.x = label.line_x + 3;
    // Near the right edge a label reads leftwards from its line.
    if (label.x + label.width > chart_width - right) label.x = label.line_x - 3 - label.width;
    label.x = std::max(2.0, label.x);
    std::size_t row = 0;
    while (row < row_ends.size() && row_ends[row] + label_gap > label.x) ++row;
    if (row == row_ends.size()) row_ends.push_back(0);
    row_ends[row] = label.x + label.width;
    label.row = static_cast<int>(row);
    out.labels.push_back(std::move(label));
  }
  out.plot_top = title_height + row_height * static_cast<double>(row_ends.size()) + 6;
  for (auto& label : out.labels)
    label.y = out.plot_top - 6 - row_height * static_cast<double>(label.row + 1);
  // A marker's line runs down from its label unless it would cross a label nearer the plot.
  for (auto& label : out.labels) {
    const bool blocked = std::any_of(out.labels.begin(), out.labels.end(), [&](const auto& other) {
      return other.row < label.row && label.line_x >= other.x - 1 && label.line_x <= other.x + other.width + 1;
    });
    label.line_top = blocked ? out.plot_top : label.y + label.height;
  }
  out.plot_bottom = out.plot_top + (with_metric ? 240 : 120);
  out.height = out.plot_bottom + 30;

  // Ticks on round times of the UTC clock.
  out.tick_step = std::chrono::seconds(tick_steps.back());
  for (const int step : tick_steps)
    if (span / step <= most_ticks) {
      out.tick_step = std::chrono::seconds(step);
      break;
    }
  const auto step = out.tick_step.count();
  // The first round time at or after the start, rounded up in milliseconds (never left of it).
  const auto start_ms = std::chrono::duration_cast<std::chrono::milliseconds>(m.start.time_since_epoch()).count();
  const auto step_ms = step * 1000;
  for (auto s = (start_ms + step_ms - 1) / step_ms * step; time::TimePoint(std::chrono::seconds(s)) <= m.end; s += step) {
    const time::TimePoint at{std::chrono::seconds(s)};
    const bool midnight = s % 86400 == 0;
    out.ticks.push_back({at, tick_text(at, out.tick_step, midnight), x_of(at), midnight});
  }
  return out;
}

namespace {

void line(cairo_t* cr, double x0, double y0, double x1, double y1) {
  cairo().cairo_move_to(cr, x0, y0);
  cairo().cairo_line_to(cr, x1, y1);
  cairo().cairo_stroke(cr);
}

void text_at(cairo_t* cr, double x, double baseline, const std::string& text) {
  cairo().cairo_move_to(cr, x, baseline);
  cairo().cairo_show_text(cr, text.c_str());
}

void set(cairo_t* cr, const Colour& c, double alpha = 1) { cairo().cairo_set_source_rgba(cr, c.r, c.g, c.b, alpha); }

// A value as an axis shows it: "0.025", "1500" (never "1.5e+03").
std::string axis_value(double value) {
  char text[32];
  std::snprintf(text, sizeof text, std::abs(value) >= 100 ? "%.0f" : "%.3g", value);
  return text;
}

// Draws the same picture on any cairo surface, so the SVG and the PNG cannot disagree.
void draw(cairo_t* cr, const ChartLayout& layout, const Milestones& m, const ChartMetric& chart_metric,
          const std::string& title) {
  const auto& metric = chart_metric.samples;
  const auto x_of = [&](time::TimePoint t) { return layout.x_of(t); };
  const double top = layout.plot_top, bottom = layout.plot_bottom;
  cairo().cairo_set_source_rgb(cr, 1, 1, 1);
  cairo().cairo_paint(cr);
  cairo().cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  cairo().cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
  cairo().cairo_set_font_size(cr, 15);
  text_at(cr, left, 22, title);
  cairo().cairo_set_font_size(cr, label_font);

  // Grid lines at the ticks, and midnight as a dashed line with the date.
  cairo().cairo_set_line_width(cr, 1);
  for (const auto& tick : layout.ticks) {
    set(cr, grey, tick.midnight ? 0.8 : 0.15);
    if (tick.midnight) {
      const double dash[] = {4, 3};
      cairo().cairo_set_dash(cr, dash, 2, 0);
    }
    line(cr, tick.x, top, tick.x, bottom);
    cairo().cairo_set_dash(cr, nullptr, 0, 0);
  }

  // Every go-around as a band from its command to its result, coloured by how it ended.
  for (const auto& band : layout.bands) {
    const auto c = colour_of(band.outcome);
    set(cr, c, 0.15);
    cairo().cairo_rectangle(cr, band.x0, top, std::max(3.0, band.x1 - band.x0), bottom - top);
    cairo().cairo_fill(cr);
    set(cr, c, 0.9);
    cairo().cairo_set_line_width(cr, 1.5);
    line(cr, band.x0, top, band.x0, bottom);
    line(cr, std::max(band.x0 + 3, band.x1), top, std::max(band.x0 + 3, band.x1), bottom);
  }

  // The metric's line on a scale from zero to a round value above its highest point (and the
  // threshold), with the threshold dashed.
  if (metric.size() >= 2) {
    double highest = chart_metric.healthy_below.value_or(0);
    for (const auto& s : metric)
      if (s.at >= m.start && s.at <= m.end) highest = std::max(highest, s.value);
    const auto [scale, divisions] = round_axis(highest * 1.05);
    for (int i = 0; i <= divisions; ++i) {
      const double y = bottom - (bottom - top) * i / divisions;
      set(cr, grey, 0.15);
      line(cr, left, y, chart_width - right, y);
      set(cr, grey);
      text_at(cr, 6, y + 4, axis_value(scale * i / divisions));
    }
    if (chart_metric.healthy_below) {
      const double y = bottom - (bottom - top) * *chart_metric.healthy_below / scale;
      const double dash[] = {6, 4};
      set(cr, green, 0.8);
      cairo().cairo_set_dash(cr, dash, 2, 0);
      line(cr, left, y, chart_width - right, y);
      cairo().cairo_set_dash(cr, nullptr, 0, 0);
      text_at(cr, chart_width - right - 110, y - 4, "healthy below " + axis_value(*chart_metric.healthy_below));
    }
    // The legend: what the red line is.
    if (!chart_metric.name.empty()) {
      auto name = chart_metric.name;
      if (name.size() > 70) {
        std::size_t cut = 69;
        while (cut > 0 && (static_cast<unsigned char>(name[cut]) & 0xC0) == 0x80) --cut;  // not inside a UTF-8 character
        name = name.substr(0, cut) + "…";
      }
      cairo_text_extents_t extents;
      cairo().cairo_text_extents(cr, name.c_str(), &extents);
      const double x = chart_width - right - extents.x_advance;
      set(cr, red);
      cairo().cairo_set_line_width(cr, 2);
      line(cr, x - 22, 18, x - 6, 18);
      set(cr, grey);
      text_at(cr, x, 22, name);
    }
    set(cr, red);
    cairo().cairo_set_line_width(cr, 2);
    bool first = true;
    for (const auto& s : metric) {
      if (s.at < m.start || s.at > m.end) continue;
      const double y = bottom - (bottom - top) * s.value / scale;
      if (first) cairo().cairo_move_to(cr, x_of(s.at), y);
      else cairo().cairo_line_to(cr, x_of(s.at), y);
      first = false;
    }
    cairo().cairo_stroke(cr);
  }

  // The time axis (UTC) with its round ticks.
  set(cr, grey);
  cairo().cairo_set_line_width(cr, 1);
  line(cr, left, bottom, chart_width - right, bottom);
  for (const auto& tick : layout.ticks) {
    line(cr, tick.x, bottom, tick.x, bottom + 4);
    cairo_text_extents_t extents;
    cairo().cairo_text_extents(cr, tick.text.c_str(), &extents);
    text_at(cr, tick.x - extents.x_advance / 2, bottom + 17, tick.text);
  }
  text_at(cr, chart_width - right - 24, bottom + 28, "UTC");
  for (const auto& post : m.status_posts) {
    set(cr, grey, 0.8);
    cairo().cairo_arc(cr, x_of(post), bottom, 3, 0, 2 * M_PI);
    cairo().cairo_fill(cr);
  }

  // Markers: a line from the label's row down through the plot, the label beside it.
  for (const auto& label : layout.labels) {
    set(cr, colour_of(label.mark, label.outcome));
    cairo().cairo_set_line_width(cr, 1.5);
    line(cr, label.line_x, label.line_top, label.line_x, bottom);
    text_at(cr, label.x, label.y + label.height - 3, label.text);
  }
}

}  // namespace

Chart chart(const Milestones& milestones, const ChartMetric& metric, const std::string& title) {
  const auto layout = chart_layout(milestones, metric.samples.size() >= 2);
  Chart out;
  {
    cairo_surface_t* svg = cairo().cairo_svg_surface_create_for_stream(append, &out.svg, layout.width, layout.height);
    cairo_t* cr = cairo().cairo_create(svg);
    draw(cr, layout, milestones, metric, title);
    cairo().cairo_destroy(cr);
    cairo().cairo_surface_finish(svg);
    cairo().cairo_surface_destroy(svg);
  }
  cairo_surface_t* image = cairo().cairo_image_surface_create(CAIRO_FORMAT_ARGB32, static_cast<int>(layout.width),
                                                      static_cast<int>(layout.height));
  cairo_t* cr = cairo().cairo_create(image);
  draw(cr, layout, milestones, metric, title);
  cairo().cairo_destroy(cr);
  cairo().cairo_surface_write_to_png_stream(image, append, &out.png);
  cairo().cairo_surface_destroy(image);
  return out;
}

}  // namespace goaround::debrief
