#pragma once
#include <map>
#include <string>
#include <vector>

#include "goaround/chat/message.hpp"

namespace goaround::testing {

// A chat system that keeps what was said, in order, for assertions.
class RecordingTransport final : public chat::Transport {
 public:
  struct Said {
    std::string kind;  // post | update | whisper | attach | react | pin | form
    std::string handle;
    std::string to;
    chat::Message message;
  };

  boost::asio::awaitable<std::string> post(const chat::Place&, const chat::Message& message) override {
    const auto handle = "m" + std::to_string(said.size() + 1);
    said.push_back({"post", handle, "", message});
    latest[handle] = message;
    co_return handle;
  }
  void update(const chat::Place&, const std::string& handle, const chat::Message& message) override {
    said.push_back({"update", handle, "", message});
    latest[handle] = message;
  }
  void whisper(const chat::Place&, const chat::Person& to, const chat::Message& message) override {
    said.push_back({"whisper", "", to.id, message});
  }

  void attach(const chat::Place&, const std::string& path, const std::string& title) override {
    said.push_back({"attach", path, "", {title, {}}});
  }

  void react(const chat::Place&, const std::string& handle, const std::string& emoji) override {
    said.push_back({"react", handle, emoji, {}});
  }
  void pin(const chat::Place&, const std::string& handle) override { said.push_back({"pin", handle, "", {}}); }
  boost::asio::awaitable<bool> open_form(const chat::Place&, const chat::Person& who, const chat::Form& form) override {
    forms.push_back(form);
    said.push_back({"form", "", who.id, {form.title, {}}});
    co_return forms_open;
  }

  const Said* last(const std::string& kind) const {
    for (auto it = said.rbegin(); it != said.rend(); ++it)
      if (it->kind == kind) return &*it;
    return nullptr;
  }

  std::vector<Said> said;
  std::vector<chat::Form> forms;
  bool forms_open = true;  // as a chat system with forms
  std::map<std::string, chat::Message> latest;
};

}  // namespace goaround::testing
