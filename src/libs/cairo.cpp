#include "goaround/libs/cairo.hpp"

#include "goaround/libs/optional_library.hpp"

namespace goaround::libs {

const Cairo& cairo() {
  static const Cairo loaded = [] {
    const OptionalLibrary library("libcairo.so.2", "a debrief's chart", "libcairo2");
    Cairo c;
#define GOAROUND_BIND(name) c.name = library.function<decltype(::name)>(#name)
    GOAROUND_BIND(cairo_create);
    GOAROUND_BIND(cairo_destroy);
    GOAROUND_BIND(cairo_image_surface_create);
    GOAROUND_BIND(cairo_svg_surface_create_for_stream);
    GOAROUND_BIND(cairo_surface_finish);
    GOAROUND_BIND(cairo_surface_write_to_png_stream);
    GOAROUND_BIND(cairo_surface_destroy);
    GOAROUND_BIND(cairo_paint);
    GOAROUND_BIND(cairo_set_source_rgb);
    GOAROUND_BIND(cairo_set_source_rgba);
    GOAROUND_BIND(cairo_set_line_width);
    GOAROUND_BIND(cairo_set_dash);
    GOAROUND_BIND(cairo_move_to);
    GOAROUND_BIND(cairo_line_to);
    GOAROUND_BIND(cairo_arc);
    GOAROUND_BIND(cairo_rectangle);
    GOAROUND_BIND(cairo_stroke);
    GOAROUND_BIND(cairo_fill);
    GOAROUND_BIND(cairo_select_font_face);
    GOAROUND_BIND(cairo_set_font_size);
    GOAROUND_BIND(cairo_text_extents);
    GOAROUND_BIND(cairo_show_text);
#undef GOAROUND_BIND
    return c;
  }();
  return loaded;
}

}  // namespace goaround::libs
