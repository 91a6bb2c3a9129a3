#pragma once
#include "goaround/core/registry.hpp"

namespace goaround::commands {

// Each /rollback subcommand lives in its own file under commands/ and registers itself here.
void register_rollback(core::Registry& registry);
void register_note(core::Registry& registry);
void register_timeline(core::Registry& registry);
void register_status(core::Registry& registry);
void register_close(core::Registry& registry);
void register_action(core::Registry& registry);
void register_debrief(core::Registry& registry);
void register_decide(core::Registry& registry);
void register_brief(core::Registry& registry);
void register_freeze(core::Registry& registry);
void register_unfreeze(core::Registry& registry);
void register_next_steps(core::Registry& registry);
void register_unstable(core::Registry& registry);
void register_history(core::Registry& registry);
void register_incidents(core::Registry& registry);
void register_reject(core::Registry& registry);
void register_accept(core::Registry& registry);
void register_drill(core::Registry& registry);
void register_help(core::Registry& registry);

// All of the above, in the order help lists them.
inline void register_all(core::Registry& registry) {
  register_rollback(registry);
  register_note(registry);
  register_timeline(registry);
  register_status(registry);
  register_close(registry);
  register_action(registry);
  register_debrief(registry);
  register_decide(registry);
  register_brief(registry);
  register_freeze(registry);
  register_unfreeze(registry);
  register_next_steps(registry);
  register_unstable(registry);
  register_history(registry);
  register_incidents(registry);
  register_reject(registry);
  register_accept(registry);
  register_drill(registry);
  register_help(registry);
}

}  // namespace goaround::commands
