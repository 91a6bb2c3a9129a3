#pragma once
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <functional>
#include <ostream>

#include "goaround/console/console.hpp"
#include "goaround/core/registry.hpp"

namespace goaround::app {

// Moves a virtual clock on and runs what became due (the console's `:advance 15m`).
using Advance = std::function<boost::asio::awaitable<void>(std::chrono::milliseconds)>;

// The local console session: lines become interactions the way Slack's envelopes do (what you
// would type in Slack, `/rollback …`, and numbers for buttons) and go to the same registry;
// with a virtual clock `:advance DURATION`; `:wait` waits for running go-arounds (for scripts).
// At end of input it waits for running go-arounds to finish, then returns.
boost::asio::awaitable<void> run_console(core::Engine& engine, const core::Registry& registry,
                                         console::ConsoleTransport& transport, console::LineReader& input,
                                         std::ostream& out, chat::Person person, bool interactive,
                                         Advance advance = {});

}  // namespace goaround::app
