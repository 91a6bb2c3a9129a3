#pragma once
#include <boost/asio/awaitable.hpp>

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "goaround/config/config.hpp"
#include "goaround/store/store.hpp"

namespace goaround::core {

// The "roll back or fix forward?" decision tree, read from templates/decision_tree.yaml.
struct DecisionTree {
  struct Answer {
    std::string value, label, next;
  };
  struct Question {
    std::string id;
    int check = 0;
    std::string text;
    std::string fact;  // the known fact that can answer it; empty: always asked
    std::vector<Answer> answers;
  };
  struct Outcome {
    std::string id, verdict, reason;
    bool go_around = false;  // the verdict is a (full or partial) rollback
    bool turns_flag_off = false;  // the verdict is turning the deploy's flag off
  };
  std::string start;
  std::map<std::string, Question, std::less<>> questions;
  std::map<std::string, Outcome, std::less<>> outcomes;

  // Parsed and checked once (every `next` leads somewhere); throws std::runtime_error if the
  // embedded tree is broken, which a test catches before anyone ships it.
  static const DecisionTree& builtin();
  static DecisionTree parse(std::string_view yaml);
};

// What the bot knows that answers a question by itself: fact → answer value, and why.
struct Fact {
  std::string value;
  std::string because;
};
using Facts = std::map<std::string, Fact, std::less<>>;

// The registered deployment's age, migration and flag, and the service's error rate.
// `prometheus_url`: where the error rate is read (empty: not known).
boost::asio::awaitable<Facts> known_facts(std::string prometheus_url, store::Store& store,
                                          const config::Service& service,
                                          std::chrono::system_clock::time_point now);

// One step of a walk: the answers given so far ("question=value,…", as buttons carry them)
// are replayed, known facts answer what they can, and the walk stops at the next question
// to ask or at an outcome.
struct Walk {
  struct Step {
    const DecisionTree::Question* question = nullptr;
    const DecisionTree::Answer* answer = nullptr;
    const Fact* known = nullptr;  // set when a fact, not a person, answered
  };
  std::vector<Step> steps;
  std::vector<Step> answered_now;  // facts that answered during this walk
  const DecisionTree::Question* ask = nullptr;
  const DecisionTree::Outcome* outcome = nullptr;
  std::string error;  // a path that does not fit the tree
  // The path with `value` given to the question being asked.
  std::string path_with(const std::string& value) const;
};
Walk walk(const DecisionTree& tree, std::string_view path, const Facts& facts);

}  // namespace goaround::core
