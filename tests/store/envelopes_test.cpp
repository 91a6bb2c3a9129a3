#include <catch2/catch.hpp>

#include "store/store_support.hpp"

using namespace goaround;
using namespace std::chrono_literals;

TEST_CASE("delivered envelope ids are recorded once each and pruned after they can no longer be redelivered") {
  testing::StoreFixture f(GENERATE(testing::both_backends()));
  auto& store = f.store;
  auto& clock = f.clock;
  CHECK(store.envelopes().record({{"e1", "", "slash_commands"}, {"e2", "Ev1", "events_api"}}) ==
        std::vector<bool>{true, true});
  // A repeat of the envelope, or another envelope carrying the same event, is not new.
  CHECK(store.envelopes().record({{"e1", "", "slash_commands"}, {"e3", "Ev1", "events_api"}}) ==
        std::vector<bool>{false, false});
  clock.advance(25h);
  CHECK(store.envelopes().record({{"e4", "", "slash_commands"}}) == std::vector<bool>{true});
  CHECK(store.envelopes().prune(clock.now() - 24h) == 4);  // e1, e2, event:Ev1, e3 (recorded 25 h ago)
  const auto kept = store.envelopes().since(clock.now() - 24h);
  CHECK(kept == std::vector<std::string>{"e4"});
  CHECK(store.envelopes().record({{"e1", "", "slash_commands"}}) == std::vector<bool>{true});
}
