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

// One go-around as the chart draws it: from its command to its result, and how it ended.
struct GoAroundSpan {
  int number = 0;  // 1, 2, … in the order they ran in this incident
  std::optional<time::TimePoint> decision;  // its confirmation
  time::TimePoint start;                    // its command ran
  std::optional<time::TimePoint> end;       // its result came (none: still running, or cut off)
  std::optional<model::Outcome> outcome;
};

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
  std::optional<time::TimePoint> closed;          // the incident was closed
  std::vector<time::TimePoint> status_posts;
  std::vector<GoAroundSpan> go_arounds;           // every one, in order
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

// Where everything on the chart goes, decided before anything is drawn so that a test can
// check it reads well: labels that never overlap, ticks on round times, every go-around.
struct ChartLayout {
  enum class Mark { deploy, detection, confirmed, go_around, recovery, closed };
  struct Label {
    Mark mark = Mark::detection;
    std::optional<model::Outcome> outcome;  // a go-around's: how it ended
    std::string text;
    double x = 0, y = 0, width = 0, height = 0;  // its box; x, y the top left
    double line_x = 0;                           // the marker line it belongs to
    double line_top = 0;  // where that line starts: under the label, or at the plot's top when
                          // a label nearer the plot stands in its way
    int row = 0;          // 0 is the row nearest the plot
  };
  struct Tick {
    time::TimePoint at;
    std::string text;  // "14:05", "14:05:30", or the date at midnight ("Nov 24")
    double x = 0;
    bool midnight = false;
  };
  struct Band {
    std::string label;  // "go-around 2: verified"
    double x0 = 0, x1 = 0;
    std::optional<model::Outcome> outcome;
  };
  double width = 0, height = 0, plot_top = 0, plot_bottom = 0;
  time::TimePoint start;  // the left edge of the plot
  double seconds = 1;     // how many seconds its width spans
  double x_of(time::TimePoint at) const;
  std::chrono::seconds tick_step{0};
  std::vector<Label> labels;  // the markers' labels
  std::vector<Tick> ticks;
  std::vector<Band> bands;
};
ChartLayout chart_layout(const Milestones& milestones, bool with_metric);

// The metric a chart draws: its samples, its name for the legend (the query), and the
// verification's threshold as a line.
struct ChartMetric {
  std::vector<verify::Sample> samples;
  std::string name;
  std::optional<double> healthy_below;
};

// The incident on a time axis (milestones, go-arounds with their outcome, status posts) with
// the metric's line where given.
struct Chart {
  std::string svg;
  std::string png;  // bytes
};
Chart chart(const Milestones& milestones, const ChartMetric& metric, const std::string& title);

// Markdown, SVG and PNG written side by side: <dir>/incident-<id>.md, -chart.svg, -chart.png.
// Without cairo the Markdown is written alone (it says why) and svg and png are empty.
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
