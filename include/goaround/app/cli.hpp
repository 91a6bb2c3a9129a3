#pragma once

namespace goaround::app {

// Exit statuses of the goaround command.
enum ExitStatus : int {
  exit_ok = 0,            // done; for rollback: rolled back and verified
  exit_failed = 1,        // a go-around ran and failed, or its verification did
  exit_usage = 2,         // bad command line or invalid configuration
  exit_not_started = 3,   // refused, pre-flight failed, or not confirmed
  exit_link_disabled = 4, // serve: Slack turned Socket Mode off for the app
  exit_data_in_use = 5,   // serve: another goaround serve runs on this data folder
};

// The whole command line: console (default), rollback, timeline, check-config.
int run(int argc, char** argv);

}  // namespace goaround::app
