#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "goaround/chat/templates.hpp"
#include "goaround/config/config.hpp"
#include "goaround/store/store.hpp"
#include "goaround/time/clock.hpp"
#include "goaround/verify/verify.hpp"

namespace goaround::debrief {

// The moments a debrief measures, read off the timeline (and the registered deployment).
struct Milestones {
  time::TimePoint start;  // the chart's left edge: the deploy, else the incident opening
  time::TimePoint end;    // its right edge: the close, else the last entry
  std::optional<time::TimePoint> deploy;
  time::TimePoint detection;  // the incident opened
  std::optional<time::TimePoint> decision;        // the go-around was confirmed
  std::optional<time::TimePoint> rollback_start;  // its command ran
  std::optional<time::TimePoint> rollback_end;    // its result came
  std::optional<time::TimePoint> recovery;        // the first verified result
  std::vector<time::TimePoint> status_posts;
};

Milestones milestones(store::Store& store, const model::Incident& incident);
// The same from a timeline already read (store::Store::events) and the last deploy, if any.
Milestones milestones(const model::Incident& incident, const std::vector<model::Event>& events,
                      std::optional<time::TimePoint> deploy);

// The template context for templates/debrief.md.mustache: summary, trigger and whether it was
// right, timeline, commands with exit status, durations, verification, what would have made
// the abort faster or safer, corrective actions. `chart` is the chart file's name, if any.
boost::json::object context(store::Store& store, const model::Incident& incident,
                            const config::Service* service, const std::string& chart);

// The incident on a time axis (milestones, status posts) with the metric's line where given.
struct Chart {
  std::string svg;
  std::string png;  // bytes
};
Chart chart(const Milestones& milestones, const std::vector<verify::Sample>& metric,
            const std::string& title);

// Markdown, SVG and PNG written side by side: <dir>/incident-<id>.md, -chart.svg, -chart.png.
struct Written {
  std::filesystem::path markdown;
  std::filesystem::path svg;
  std::filesystem::path png;
  std::string text;  // the Markdown
};
Written write(store::Store& store, const chat::Templates& templates, const model::Incident& incident,
              const config::Service* service, const std::vector<verify::Sample>& metric,
              const std::filesystem::path& markdown_path);

// The whole debrief of an incident: the metric's line fetched from Prometheus (`prometheus_url`,
// empty for none) over the incident's span where the service (null: no longer configured) has
// a query, then write().
boost::asio::awaitable<Written> generate(store::Store& store, const chat::Templates& templates,
                                         const config::Service* service, std::string prometheus_url,
                                         const model::Incident& incident,
                                         const std::filesystem::path& markdown_path);

// Where debriefs go by default: <data_dir>/debriefs/incident-<id>.md
std::filesystem::path default_path(const std::filesystem::path& data_dir, std::int64_t incident_id);

}  // namespace goaround::debrief
