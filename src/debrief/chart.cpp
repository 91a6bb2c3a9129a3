#include <cairo-svg.h>
#include <cairo.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>

#include "goaround/debrief/debrief.hpp"

namespace goaround::debrief {
namespace {

constexpr double width = 960, left = 60, right = 30, axis_top = 60;

struct Colour {
  double r, g, b;
};

cairo_status_t append(void* closure, const unsigned char* data, unsigned int length) {
  static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
  return CAIRO_STATUS_SUCCESS;
}

// HH:MM, with seconds when the whole chart spans less than half an hour.
std::string clock_label(time::TimePoint at, bool seconds) {
  const std::time_t t = std::chrono::system_clock::to_time_t(at);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[16];
  if (seconds) std::snprintf(buf, sizeof buf, "%02d:%02d:%02d", tm.tm_hour, tm.tm_min, tm.tm_sec);
  else std::snprintf(buf, sizeof buf, "%02d:%02d", tm.tm_hour, tm.tm_min);
  return buf;
}

// Draws the same picture on any cairo surface, so the SVG and the PNG cannot disagree.
void draw(cairo_t* cr, double height, const Milestones& m, const std::vector<verify::Sample>& metric,
          const std::string& title) {
  const double plot_bottom = height - 40;
  const double span = std::chrono::duration<double>(m.end - m.start).count();
  const auto x_of = [&](time::TimePoint t) {
    return left + (width - left - right) * std::chrono::duration<double>(t - m.start).count() / span;
  };
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_paint(cr);
  cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);

  cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
  cairo_set_font_size(cr, 15);
  cairo_move_to(cr, left, 24);
  cairo_show_text(cr, title.c_str());

  // The rollback as a band, from its command to its result.
  if (m.rollback_start && m.rollback_end) {
    cairo_set_source_rgba(cr, 0.45, 0.3, 0.75, 0.15);
    cairo_rectangle(cr, x_of(*m.rollback_start), axis_top, std::max(2.0, x_of(*m.rollback_end) - x_of(*m.rollback_start)),
                    plot_bottom - axis_top);
    cairo_fill(cr);
  }

  // The metric's line, scaled from zero to just above its highest value.
  if (metric.size() >= 2) {
    double top = 0;
    for (const auto& s : metric) top = std::max(top, s.value);
    top = top > 0 ? top * 1.1 : 1;
    cairo_set_source_rgb(cr, 0.8, 0.15, 0.15);
    cairo_set_line_width(cr, 2);
    bool first = true;
    for (const auto& s : metric) {
      if (s.at < m.start || s.at > m.end) continue;
      const double y = plot_bottom - (plot_bottom - axis_top) * s.value / top;
      if (first) cairo_move_to(cr, x_of(s.at), y);
      else cairo_line_to(cr, x_of(s.at), y);
      first = false;
    }
    cairo_stroke(cr);
    char label[32];
    std::snprintf(label, sizeof label, "%.3g", top);
    cairo_set_font_size(cr, 11);
    cairo_move_to(cr, 8, axis_top + 4);
    cairo_show_text(cr, label);
    cairo_move_to(cr, 8, plot_bottom);
    cairo_show_text(cr, "0");
  }

  // The time axis with clock labels (UTC).
  cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
  cairo_set_line_width(cr, 1);
  cairo_move_to(cr, left, plot_bottom);
  cairo_line_to(cr, width - right, plot_bottom);
  cairo_stroke(cr);
  cairo_set_font_size(cr, 11);
  for (int i = 0; i <= 6; ++i) {
    const auto t = m.start + std::chrono::duration_cast<time::TimePoint::duration>(
                                 std::chrono::duration<double>(span * i / 6));
    const double x = x_of(t);
    cairo_move_to(cr, x, plot_bottom);
    cairo_line_to(cr, x, plot_bottom + 4);
    cairo_stroke(cr);
    cairo_move_to(cr, x - 20, plot_bottom + 18);
    cairo_show_text(cr, clock_label(t, span < 1800).c_str());
  }
  for (const auto& post : m.status_posts) {
    cairo_set_source_rgb(cr, 0.5, 0.5, 0.5);
    cairo_arc(cr, x_of(post), plot_bottom, 3, 0, 2 * M_PI);
    cairo_fill(cr);
  }

  // Milestones: a line each, labels staggered over three rows so they do not overlap.
  struct Mark {
    std::optional<time::TimePoint> at;
    const char* label;
    Colour colour;
  };
  const Mark marks[] = {{m.deploy, "deploy", {0.4, 0.4, 0.4}},
                        {m.detection, "detection", {0.9, 0.5, 0.0}},
                        {m.decision, "decision", {0.1, 0.4, 0.8}},
                        {m.rollback_start, "rollback start", {0.45, 0.3, 0.75}},
                        {m.rollback_end, "rollback end", {0.45, 0.3, 0.75}},
                        {m.recovery, "recovery", {0.1, 0.6, 0.2}}};
  int row = 0;
  for (const auto& mark : marks) {
    if (!mark.at) continue;
    const double x = x_of(*mark.at);
    cairo_set_source_rgb(cr, mark.colour.r, mark.colour.g, mark.colour.b);
    cairo_set_line_width(cr, 1.5);
    cairo_move_to(cr, x, axis_top);
    cairo_line_to(cr, x, plot_bottom);
    cairo_stroke(cr);
    cairo_move_to(cr, std::min(x + 3, width - right - 90), axis_top - 4 - 13 * (row++ % 3) + 26);
    cairo_show_text(cr, mark.label);
  }
}

}  // namespace

Chart chart(const Milestones& milestones, const std::vector<verify::Sample>& metric,
            const std::string& title) {
  const double height = metric.size() >= 2 ? 320 : 200;
  Chart out;
  {
    cairo_surface_t* svg = cairo_svg_surface_create_for_stream(append, &out.svg, width, height);
    cairo_t* cr = cairo_create(svg);
    draw(cr, height, milestones, metric, title);
    cairo_destroy(cr);
    cairo_surface_finish(svg);
    cairo_surface_destroy(svg);
  }
  cairo_surface_t* image =
      cairo_image_surface_create(CAIRO_FORMAT_ARGB32, static_cast<int>(width), static_cast<int>(height));
  cairo_t* cr = cairo_create(image);
  draw(cr, height, milestones, metric, title);
  cairo_destroy(cr);
  cairo_surface_write_to_png_stream(image, append, &out.png);
  cairo_surface_destroy(image);
  return out;
}

}  // namespace goaround::debrief
