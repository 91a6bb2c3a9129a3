#include "goaround/chat/templates.hpp"

#include <boost/json.hpp>
#include <kainjow/mustache.hpp>

#include <fstream>
#include <stdexcept>
#include <string_view>

#include "goaround/resources/embedded.hpp"
#include "goaround/time/clock.hpp"

namespace goaround::chat {
namespace {

namespace mstch = kainjow::mustache;

constexpr char blank_line_mark = '\x1e';  // ASCII record separator: never in a template

// How stored timestamps are shown: as they are (documents), or readable relative to a "now".
struct TimeStyle {
  bool readable = false;
  std::optional<std::chrono::system_clock::time_point> now;
};

// kainjow's set() and push_back() take a const reference and copy, and a copy is deep; its
// list, a std::vector, also copies on growth (the move is not noexcept). Built level by level,
// each node was copied once per ancestor (3,400 allocations to render /rollback help). So
// children are moved in: through operator[] into an object, into a list reserved to its size
// (kainjow hands out the list only as const; the list is ours).
mstch::list& items_of(mstch::data& list) { return const_cast<mstch::list&>(list.list_value()); }

mstch::data to_data(const boost::json::value& v, const TimeStyle& style) {
  switch (v.kind()) {
    case boost::json::kind::object: {
      mstch::data obj{mstch::data::type::object};
      for (const auto& [key, value] : v.get_object()) obj[std::string(key)] = to_data(value, style);
      return obj;
    }
    case boost::json::kind::array: {
      // Each object in a list knows whether it is the first or the last, so a template
      // separates items without a trailing "; ": {{#checks}}{{^first}}; {{/first}}…{{/checks}}.
      mstch::data list{mstch::data::type::list};
      const auto& items = v.get_array();
      items_of(list).reserve(items.size());
      for (std::size_t i = 0; i < items.size(); ++i) {
        auto item = to_data(items[i], style);
        if (item.is_object()) {
          if (!item.get("first")) item.set("first", i == 0);
          if (!item.get("last")) item.set("last", i + 1 == items.size());
        }
        items_of(list).push_back(std::move(item));
      }
      return list;
    }
    // An empty field is left out: {{#reason}} ({{reason}}){{/reason}} prints nothing for "".
    case boost::json::kind::string: {
      if (v.get_string().empty()) return mstch::data{false};
      const std::string_view text = v.get_string();
      if (style.readable)
        if (const auto at = time::parse_utc(text))
          return mstch::data{style.now ? time::format_readable(*at, *style.now) : time::format_readable(*at, {})};
      return mstch::data{std::string(text)};
    }
    case boost::json::kind::bool_: return mstch::data{v.get_bool()};
    case boost::json::kind::null: return mstch::data{false};
    default: return mstch::data{boost::json::serialize(v)};
  }
}

}  // namespace

Templates::Templates(std::filesystem::path overrides, Escape escape)
    : overrides_(std::move(overrides)),
      escape_(escape ? std::move(escape) : [](const std::string& s) { return s; }) {}

Templates::~Templates() = default;

std::string Templates::render(std::string_view name, const boost::json::value& context) const {
  auto it = cache_.find(name);
  if (it == cache_.end()) {
    const auto file = std::string(name) + ".mustache";
    auto path = "templates/" + file;
    std::optional<std::string> text;
    // An organisation's own copy of a template wins over the one built in.
    if (!overrides_.empty() && std::filesystem::exists(overrides_ / file)) {
      path = (overrides_ / file).string();
      std::ifstream in(path, std::ios::binary);
      text.emplace((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    } else if (const auto built_in = resources::embedded_file(path)) {
      text.emplace(*built_in);
    }
    if (!text) throw std::out_of_range("no template " + path);
    // An empty line in the template is meant; a line that renders empty because its section
    // did not render is not. Mark the meant ones so that only the others are dropped.
    std::string source;
    std::size_t start = 0;
    const std::string_view all = *text;
    while (start < all.size()) {
      auto end = all.find('\n', start);
      if (end == std::string_view::npos) end = all.size();
      const auto line = all.substr(start, end - start);
      source += line.empty() ? std::string(1, blank_line_mark) : std::string(line);
      source += '\n';
      start = end + 1;
    }
    auto compiled = std::make_unique<Compiled>(source);
    if (!compiled->is_valid())
      throw std::logic_error(path + ": " + compiled->error_message());
    compiled->set_custom_escape(escape_);
    it = cache_.emplace(std::string(name), std::move(compiled)).first;
  }
  // A line that renders to nothing but spaces is dropped, so sections can sit on lines of
  // their own whether or not they render; lines left empty in the template stay.
  TimeStyle style;
  style.readable = !name.ends_with(".md");
  if (now_) style.now = now_();
  const auto rendered = it->second->render(to_data(context, style));
  if (!it->second->is_valid())
    throw std::logic_error("templates/" + std::string(name) + ".mustache: " +
                           it->second->error_message());
  std::string out;
  std::size_t start = 0;
  while (start < rendered.size()) {
    auto end = rendered.find('\n', start);
    if (end == std::string::npos) end = rendered.size();
    const auto line = std::string_view(rendered).substr(start, end - start);
    if (line == std::string_view(&blank_line_mark, 1)) {
      out += '\n';
    } else if (line.find_first_not_of(" \t\r") != std::string_view::npos) {
      if (!out.empty()) out += '\n';
      out += line.substr(0, line.find_last_not_of(" \t\r") + 1);  // no trailing spaces
    }
    start = end + 1;
  }
  return out;
}

std::string markdown_cell(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '|') out += "\\|";
    else if (c == '\n') out += "<br>";
    else out += c;
  }
  return out;
}

}  // namespace goaround::chat
