#include "goaround/core/decision.hpp"

#include <boost/json.hpp>
#include <yaml-cpp/yaml.h>

#include <set>
#include <stdexcept>

#include "goaround/resources/embedded.hpp"
#include "goaround/verify/verify.hpp"

namespace goaround::core {

DecisionTree DecisionTree::parse(std::string_view yaml) {
  const auto root = YAML::Load(std::string(yaml));
  DecisionTree tree;
  tree.start = root["start"].as<std::string>();
  for (const auto& q : root["questions"]) {
    Question question{q.first.as<std::string>(), q.second["check"].as<int>(),
                      q.second["text"].as<std::string>(),
                      q.second["fact"] ? q.second["fact"].as<std::string>() : std::string(), {}};
    for (const auto& a : q.second["answers"])
      question.answers.push_back({a["value"].as<std::string>(), a["label"].as<std::string>(),
                                  a["next"].as<std::string>()});
    if (question.answers.size() < 2)
      throw std::runtime_error("decision tree: question `" + question.id + "` needs two answers");
    tree.questions.emplace(question.id, std::move(question));
  }
  for (const auto& o : root["outcomes"])
    tree.outcomes.emplace(o.first.as<std::string>(),
                          Outcome{o.first.as<std::string>(), o.second["verdict"].as<std::string>(),
                                  o.second["reason"].as<std::string>(),
                                  o.second["go_around"] && o.second["go_around"].as<bool>(),
                                  o.second["turns_flag_off"] && o.second["turns_flag_off"].as<bool>()});
  static const std::set<std::string> verdicts{"ROLL BACK", "FIX FORWARD", "FLAG OFF",
                                              "PARTIAL ROLLBACK", "ESCALATE"};
  for (const auto& [id, outcome] : tree.outcomes)
    if (!verdicts.count(outcome.verdict))
      throw std::runtime_error("decision tree: outcome `" + id + "` has an unknown verdict");
  const auto leads = [&](const std::string& id) {
    return tree.questions.count(id) || tree.outcomes.count(id);
  };
  if (!tree.questions.count(tree.start)) throw std::runtime_error("decision tree: no start question");
  for (const auto& [id, question] : tree.questions)
    for (const auto& answer : question.answers)
      if (!leads(answer.next))
        throw std::runtime_error("decision tree: `" + id + "` leads to unknown `" + answer.next + "`");
  return tree;
}

const DecisionTree& DecisionTree::builtin() {
  static const DecisionTree tree = parse(resources::embedded_file("templates/decision_tree.yaml").value());
  return tree;
}

boost::asio::awaitable<Facts> known_facts(std::string prometheus_url, store::Store& store,
                                          const config::Service& service,
                                          std::chrono::system_clock::time_point now) {
  Facts facts;
  if (const auto deployment = store.deploys().latest_deployment(service.name)) {
    const auto& kind = deployment->migration_kind;
    const auto revision = "deployment " + deployment->revision;
    facts["migration"] = {kind, revision + " registered migration: " + kind};
    if (kind == "destructive")
      facts["rollback_safe"] = {"no", revision + " ran a destructive migration"};
    if (const auto at = time::parse_utc(deployment->registered_at)) {
      const auto age = now - *at;
      const auto shown = time::format_duration(std::chrono::duration_cast<std::chrono::milliseconds>(age));
      facts["age"] = {age < std::chrono::minutes(30) ? "recent" : age < std::chrono::hours(2) ? "hours" : "old",
                      revision + " was registered " + shown + " ago"};
    }
    if (const auto flag = deployment->detail("feature_flag"))
      facts["flag"] = {"yes", revision + " registered the feature flag " + *flag};
  }
  // The error rate: the service's first "greater than" trigger, else its verify query.
  std::string query = service.verify.query;
  for (const auto& t : service.triggers)
    if (t.comparison == config::Comparison::greater_than) {
      query = t.query;
      break;
    }
  if (!query.empty() && !prometheus_url.empty()) {
    const auto value = co_await verify::prometheus_query(prometheus_url, query, std::chrono::seconds(5));
    // Between 10 % and 50 % the tree's words do not decide it: a person does.
    if (value.value && *value.value > 0.5)
      facts["impact"] = {"yes", "error rate " + std::to_string(*value.value) + " is above 50%"};
    else if (value.value && *value.value < 0.1)
      facts["impact"] = {"no", "error rate " + std::to_string(*value.value) + " is below 10%"};
  }
  co_return facts;
}

std::string Walk::path_with(const std::string& value) const {
  std::string path;
  for (const auto& step : steps) path += step.question->id + "=" + step.answer->value + ",";
  return path + (ask ? ask->id : std::string()) + "=" + value;
}

Walk walk(const DecisionTree& tree, std::string_view path, const Facts& facts) {
  std::map<std::string, std::string, std::less<>> given;
  while (!path.empty()) {
    const auto comma = path.find(',');
    const auto pair = path.substr(0, comma);
    const auto eq = pair.find('=');
    if (eq == std::string_view::npos) return {{}, {}, nullptr, nullptr, "a decision step without an answer"};
    given[std::string(pair.substr(0, eq))] = std::string(pair.substr(eq + 1));
    path = comma == std::string_view::npos ? std::string_view() : path.substr(comma + 1);
  }
  Walk w;
  std::string at = tree.start;
  for (std::size_t guard = 0; guard <= tree.questions.size(); ++guard) {
    if (const auto o = tree.outcomes.find(at); o != tree.outcomes.end()) {
      w.outcome = &o->second;
      return w;
    }
    const auto& question = tree.questions.find(at)->second;
    const Fact* known = nullptr;
    std::string value;
    if (const auto g = given.find(at); g != given.end()) {
      value = g->second;
    } else if (const auto f = question.fact.empty() ? facts.end() : facts.find(question.fact); f != facts.end()) {
      value = f->second.value;
      known = &f->second;
    } else {
      w.ask = &question;
      return w;
    }
    const auto answer = std::find_if(question.answers.begin(), question.answers.end(),
                                     [&](const auto& a) { return a.value == value; });
    if (answer == question.answers.end()) {
      w.error = "`" + value + "` is not an answer to check " + std::to_string(question.check);
      return w;
    }
    w.steps.push_back({&question, &*answer, known});
    if (known) w.answered_now.push_back(w.steps.back());
    at = answer->next;
  }
  w.error = "the decision tree loops";
  return w;
}

}  // namespace goaround::core
