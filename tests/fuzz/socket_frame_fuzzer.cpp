// Socket Mode frame → ack → handler decoding: any text Slack (or anything on the link) sends is
// read, acked and decoded without a crash, a leak or undefined behaviour.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "goaround/slack/interactions.hpp"
#include "goaround/slack/events.hpp"
#include "goaround/slack/socket_mode.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace goaround;
  static const auto form_check = slack::form_check("Fill in at least one line.");
  const auto frame = slack::read_frame(std::string_view(reinterpret_cast<const char*>(data), size));
  if (frame.kind != slack::Frame::Kind::envelope) return 0;
  const auto decision = form_check(frame.message);
  const auto ack = slack::ack_for(frame, decision);
  if (ack.empty()) __builtin_trap();  // an envelope always gets an ack
  (void)slack::decode_channel_event(frame.message);
  return 0;
}
