#pragma once
#include <cairo-svg.h>
#include <cairo.h>

#include "goaround/libs/optional_library.hpp"

namespace goaround::libs {

// The cairo functions a debrief's chart is drawn with: the one list the table is made from.
#define GOAROUND_CAIRO_FUNCTIONS(EACH)                                                            \
  EACH(cairo_create) EACH(cairo_destroy) EACH(cairo_image_surface_create)                         \
  EACH(cairo_svg_surface_create_for_stream) EACH(cairo_surface_finish)                            \
  EACH(cairo_surface_write_to_png_stream) EACH(cairo_surface_destroy) EACH(cairo_paint)           \
  EACH(cairo_set_source_rgb) EACH(cairo_set_source_rgba) EACH(cairo_set_line_width)               \
  EACH(cairo_set_dash) EACH(cairo_move_to) EACH(cairo_line_to) EACH(cairo_arc) EACH(cairo_rectangle) \
  EACH(cairo_stroke) EACH(cairo_fill) EACH(cairo_select_font_face) EACH(cairo_set_font_size)      \
  EACH(cairo_text_extents) EACH(cairo_show_text)

// Those functions, by their own names and types.
struct Cairo {
  GOAROUND_CAIRO_FUNCTIONS(GOAROUND_LIBRARY_MEMBER)
};

// libcairo.so.2, opened on the first call (see opened()); throws Unavailable, saying what to
// install. Only drawing a debrief's chart calls it.
const Cairo& cairo();

}  // namespace goaround::libs
