#include <catch2/catch.hpp>

#include <fstream>
#include <string>

#include "goaround/libs/cairo.hpp"
#include "goaround/libs/libpq.hpp"
#include "goaround/libs/optional_library.hpp"

using namespace goaround;
using Catch::Matchers::Contains;
using Catch::Matchers::Equals;

namespace {

// Whether this process has a file mapped whose path contains `part`.
bool mapped(const std::string& part) {
  std::ifstream maps("/proc/self/maps");
  for (std::string line; std::getline(maps, line);)
    if (line.find(part) != std::string::npos) return true;
  return false;
}

}  // namespace

TEST_CASE("an optional library that is not installed is an error saying what needs it and what to install") {
  try {
    const libs::OptionalLibrary absent("libgoaround-absent.so.1", "the test feature", "goaround-absent");
    FAIL("it was opened");
  } catch (const std::runtime_error& e) {
    CHECK_THAT(e.what(), Equals("the test feature needs libgoaround-absent.so.1 (Debian package goaround-absent): "
                                "libgoaround-absent.so.1: cannot open shared object file: No such file or directory"));
  }
}

TEST_CASE("a function the installed library lacks is an error naming it, and one it has is called") {
  const libs::OptionalLibrary c("libc.so.6", "the test feature", "libc6");
  CHECK(c.function<int(int)>("abs")(-3) == 3);
  CHECK_THROWS_WITH(c.function<void()>("goaround_no_such_function"),
                    Contains("the test feature needs libc.so.6 (Debian package libc6): goaround_no_such_function is missing: ") &&
                        Contains("undefined symbol"));
}

TEST_CASE("libpq and cairo are mapped only once a feature calls them") {
  // The test binary links neither, as the bot does not.
  CHECK_FALSE(mapped("libpq.so"));
  CHECK_FALSE(mapped("libcairo.so"));
  CHECK(libs::libpq().PQstatus(nullptr) == CONNECTION_BAD);
  CHECK(mapped("libpq.so"));
  CHECK_FALSE(mapped("libcairo.so"));
  auto* surface = libs::cairo().cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 2, 2);
  CHECK(surface != nullptr);
  libs::cairo().cairo_surface_destroy(surface);
  CHECK(mapped("libcairo.so"));
}
