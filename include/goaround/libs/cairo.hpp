#pragma once
#include <cairo-svg.h>
#include <cairo.h>

namespace goaround::libs {

// The cairo functions a debrief's chart is drawn with, by their own names and types.
struct Cairo {
  decltype(&::cairo_create) cairo_create;
  decltype(&::cairo_destroy) cairo_destroy;
  decltype(&::cairo_image_surface_create) cairo_image_surface_create;
  decltype(&::cairo_svg_surface_create_for_stream) cairo_svg_surface_create_for_stream;
  decltype(&::cairo_surface_finish) cairo_surface_finish;
  decltype(&::cairo_surface_write_to_png_stream) cairo_surface_write_to_png_stream;
  decltype(&::cairo_surface_destroy) cairo_surface_destroy;
  decltype(&::cairo_paint) cairo_paint;
  decltype(&::cairo_set_source_rgb) cairo_set_source_rgb;
  decltype(&::cairo_set_source_rgba) cairo_set_source_rgba;
  decltype(&::cairo_set_line_width) cairo_set_line_width;
  decltype(&::cairo_set_dash) cairo_set_dash;
  decltype(&::cairo_move_to) cairo_move_to;
  decltype(&::cairo_line_to) cairo_line_to;
  decltype(&::cairo_arc) cairo_arc;
  decltype(&::cairo_rectangle) cairo_rectangle;
  decltype(&::cairo_stroke) cairo_stroke;
  decltype(&::cairo_fill) cairo_fill;
  decltype(&::cairo_select_font_face) cairo_select_font_face;
  decltype(&::cairo_set_font_size) cairo_set_font_size;
  decltype(&::cairo_text_extents) cairo_text_extents;
  decltype(&::cairo_show_text) cairo_show_text;
};

// libcairo.so.2, opened on the first call (from any thread); throws, saying what to install,
// when it cannot be opened. Only writing a debrief's chart calls it.
const Cairo& cairo();

}  // namespace goaround::libs
