#include "goaround/core/deploys.hpp"

#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <set>

#include "goaround/core/registry.hpp"
#include "goaround/metrics/metrics.hpp"
#include "goaround/model/json_path.hpp"
#include "goaround/time/clock.hpp"

namespace goaround::core {
namespace json = boost::json;

json::array freeze_holds(const chat::Templates& templates, const std::vector<model::Freeze>& freezes,
                         time::TimePoint now) {
  json::array out;
  for (std::size_t i = 0; i < freezes.size(); ++i) {
    const auto& f = freezes[i];
    json::object context{{"scope", f.scope}, {"all", f.scope == "*"}, {"by", f.frozen_by},
                         {"reason", f.reason}, {"since", time::readable(f.frozen_at, now)}};
    if (f.incident_id) context["incident"] = *f.incident_id;
    out.push_back({{"text", templates.render("freeze_hold", context)}});
  }
  return out;
}

Registration register_deployment(config::Services services, store::Store& store, const chat::Templates& templates,
                                 time::TimePoint now, const NewDeployment& d) {
  const auto* service = services.find(d.service);
  // A drill twin is no service CI deploys to under that name: its own deploys are staging's.
  if (!service || !service->drill_of.empty() || service->environment != d.environment) {
    std::string known_list;
    for (const auto& s : services) known_list += (known_list.empty() ? "" : ", ") + s.name + " (" + s.environment + ")";
    return {Registration::Outcome::unknown_service,
            "no service `" + d.service + "` in " + d.environment + " here; known: " + known_list, 0};
  }
  if (const auto frozen = store.deploys().freezes_holding(service->name); !frozen.empty())
    return {Registration::Outcome::frozen,
            templates.render("deploy_refused_frozen",
                             {{"service", service->name}, {"holds", freeze_holds(templates, frozen, now)}}),
            0};
  const auto image = d.details.count("image") ? d.details.at("image") : std::string();
  if (const auto rejected = rejection_of(store, service->name, d.revision, image))
    return {Registration::Outcome::rejected,
            templates.render("deploy_refused_rejected", rejection_context(*rejected, now)), 0};
  const auto as_json = [](const std::map<std::string, std::string>& fields) {
    json::object out;
    for (const auto& [key, value] : fields) out[key] = value;
    return json::serialize(out);
  };
  const auto id = store.deploys().add_deployment(
      {0, service->name, d.environment, d.revision, "", d.registered_by, d.migration, as_json(d.details)});
  if (!d.brief.empty()) store.deploys().add_brief({0, service->name, "", d.registered_by, "ci", as_json(d.brief)});
  metrics::process_metrics().deployments.inc({service->name});
  spdlog::info("deployment #{}: {} {} revision {} registered by {} (migration {})", id, service->name, d.environment,
               d.revision, d.registered_by, d.migration);
  return {Registration::Outcome::registered, service->name + " revision " + d.revision + " registered", id};
}

std::optional<std::string> freeze_scope(const Invocation& call, const std::string& word) {
  if (word == "all") return "*";
  if (!call.service(word)) return std::nullopt;
  return word;
}

std::optional<std::string> deployed_detail(store::Store& store, const std::string& service, std::string_view key) {
  const auto deployment = store.deploys().latest_deployment(service);
  auto detail = deployment ? deployment->detail(key) : std::nullopt;
  if (!detail || detail->empty()) return std::nullopt;
  return detail;
}

json::value deployment_context(store::Store& store, const std::string& service,
                               std::chrono::system_clock::time_point now) {
  const auto deployment = store.deploys().latest_deployment(service);
  if (!deployment) return nullptr;
  json::object context{{"revision", deployment->revision},
                       {"at", deployment->registered_at},
                       {"by", deployment->registered_by},
                       {"migration", deployment->migration_kind},
                       {"destructive", deployment->migration_kind == "destructive"}};
  if (const auto at = time::parse_utc(deployment->registered_at))
    context["age"] = time::format_duration(std::chrono::duration_cast<std::chrono::milliseconds>(now - *at));
  boost::system::error_code ec;
  if (auto data = json::parse(deployment->data_json, ec); !ec && data.is_object())
    for (const auto& [key, value] : data.get_object()) context[key] = value;
  return context;
}

// Where announcements about a scope go: the service's channel, else where it was asked.
chat::Place ChangeFreeze::announce_place(const chat::Place& where, const std::string& scope) const {
  const auto* service = services_.find(scope);
  if (service && !service->channel.empty() && service->channel != where.channel) return {service->channel, ""};
  return where;
}

std::vector<model::Freeze> ChangeFreeze::over(const std::string& scope) const {
  return scope == "*" ? store_.deploys().active_freezes() : store_.deploys().freezes_holding(scope);
}

json::object ChangeFreeze::holding(const std::string& scope, json::object context) const {
  auto holds = freeze_holds(templates_, over(scope), clock_.now());
  context["held"] = !holds.empty();
  context["holds"] = std::move(holds);
  return context;
}

boost::asio::awaitable<std::optional<chat::Message>> ChangeFreeze::freeze(
    const chat::Place& where, const std::string& scope, const std::string& reason,
    const std::string& by, std::optional<std::int64_t> incident) {
  // Other freezes on the scope stay: each lifts on its own terms, and deploys wait for all.
  const auto others = over(scope);
  if (!store_.deploys().freeze({0, scope, reason, by, "", incident})) {
    const auto same = std::find_if(others.begin(), others.end(), [&](const model::Freeze& f) {
      return f.scope == scope && f.incident_id == incident;
    });
    co_return chat::Message{templates_.render("already_frozen", {{"scope", scope},
                                                                 {"all", scope == "*"},
                                                                 {"by", same != others.end() ? same->frozen_by : ""},
                                                                 {"reason", same != others.end() ? same->reason : ""}}),
                            {}};
  }
  json::object context{{"scope", scope}, {"all", scope == "*"}, {"by", by}, {"reason", reason},
                       {"also", freeze_holds(templates_, others, clock_.now())}, {"others", !others.empty()}};
  if (incident) context["incident"] = *incident;
  const chat::Message announcement{templates_.render("frozen", context), {}};
  if (incident) store_.timeline().append(*incident, model::EventKind::freeze, by, announcement.text);
  co_await transport_.post(incident ? where : announce_place(where, scope), announcement);
  co_return std::nullopt;
}

boost::asio::awaitable<std::optional<chat::Message>> ChangeFreeze::unfreeze(const chat::Place& where,
                                                                            const std::string& scope,
                                                                            const std::string& by) {
  if (!store_.deploys().unfreeze(scope, by))
    co_return chat::Message{templates_.render("not_frozen", holding(scope, {{"scope", scope}, {"all", scope == "*"}})), {}};
  co_await transport_.post(announce_place(where, scope),
                           {templates_.render("unfrozen", holding(scope, {{"scope", scope}, {"all", scope == "*"}, {"by", by}})), {}});
  co_return std::nullopt;
}

boost::asio::awaitable<void> ChangeFreeze::debriefed(const model::Incident& incident, const std::string& by) {
  for (const auto& scope : store_.deploys().unfreeze_incident(incident.id, by)) {
    const chat::Message lifted{templates_.render("unfrozen", holding(scope, {{"scope", scope}, {"all", scope == "*"},
                                                                             {"by", by}, {"incident", incident.id}})), {}};
    store_.timeline().append(incident.id, model::EventKind::unfreeze, by, lifted.text);
    co_await transport_.post({incident.channel, incident.thread}, lifted);
  }
}

namespace {
bool tagged(const std::string& image, const std::string& tag) {
  return !tag.empty() && image.size() > tag.size() && image.ends_with(":" + tag);
}
}  // namespace

bool names_revision(const std::string& number, const std::string& image, const std::string& typed) {
  return typed == number || (!image.empty() && (typed == image || tagged(image, typed)));
}

bool rules_out(const model::Rejection& r, const std::string& revision, const std::string& image) {
  if (!r.image.empty()) return !image.empty() ? image == r.image : revision == r.image || tagged(r.image, revision);
  return revision == r.revision || (!image.empty() && (image == r.revision || tagged(image, r.revision)));
}

std::optional<model::Rejection> rejection_of(const std::vector<model::Rejection>& rejections,
                                             const std::string& revision, const std::string& image) {
  if (revision.empty() && image.empty()) return std::nullopt;
  for (const auto& r : rejections)
    if (rules_out(r, revision, image)) return r;
  return std::nullopt;
}

std::optional<model::Rejection> rejection_of(store::Store& store, const std::string& service,
                                             const std::string& revision, const std::string& image) {
  return rejection_of(store.deploys().rejections(service), revision, image);
}

json::object rejection_context(const model::Rejection& r, time::TimePoint now) {
  // Names of their own: inside a card's section, a missing one must not find the card's.
  json::object out{{"service", r.service},          {"rejected_revision", r.revision},
                   {"rejected_image", r.image},     {"rejected_by", r.rejected_by},
                   {"rejected_reason", r.reason},   {"rejected_at", time::readable(r.rejected_at, now)}};
  if (r.incident_id) out["rejected_in"] = *r.incident_id;
  if (r.execution_id) out["rejected_from"] = *r.execution_id;
  return out;
}

boost::asio::awaitable<std::optional<chat::Message>> Rejections::reject(const chat::Place& where,
                                                                        model::Rejection rejection) {
  if (!store_.deploys().reject(rejection)) {
    const auto existing = rejection_of(store_, rejection.service, rejection.revision, rejection.image);
    co_return chat::Message{templates_.render("already_rejected", existing ? rejection_context(*existing, clock_.now())
                                                                           : rejection_context(rejection, clock_.now())),
                            {}};
  }
  const chat::Message said{templates_.render("rejected", rejection_context(rejection, clock_.now())), {}};
  if (rejection.incident_id)
    store_.timeline().append(*rejection.incident_id, model::EventKind::rejection, rejection.rejected_by, said.text);
  co_await transport_.post(where, said);
  co_return std::nullopt;
}

boost::asio::awaitable<std::optional<chat::Message>> Rejections::accept(const chat::Place& where, std::string service,
                                                                        std::string revision, std::string by,
                                                                        std::optional<std::int64_t> incident) {
  // As typed: the revision, its image, or the image's tag.
  std::vector<model::Rejection> lifted;
  for (const auto& r : store_.deploys().rejections(service))
    if (names_revision(r.revision, r.image, revision))
      if (auto l = store_.deploys().accept(service, r.revision, by)) lifted.push_back(std::move(*l));
  if (lifted.empty()) {
    json::array still;
    for (const auto& r : store_.deploys().rejections(service)) still.push_back(rejection_context(r, clock_.now()));
    co_return chat::Message{templates_.render("not_rejected", {{"service", service}, {"asked", revision},
                                                               {"any", !still.empty()}, {"rejected", std::move(still)}}),
                            {}};
  }
  for (const auto& r : lifted) {
    auto context = rejection_context(r, clock_.now());
    context["accepted_by"] = by;  // the person letting it through; rejected_by is who ruled it out
    const chat::Message said{templates_.render("accepted", context), {}};
    if (incident) store_.timeline().append(*incident, model::EventKind::acceptance, by, said.text);
    co_await transport_.post(where, said);
  }
  co_return std::nullopt;
}

}  // namespace goaround::core
