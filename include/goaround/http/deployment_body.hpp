#pragma once
#include <string>
#include <string_view>
#include <variant>

#include "goaround/core/deploys.hpp"
#include "goaround/core/engine.hpp"

namespace goaround::http {

// The body of POST /v1/deployments (JSON: service, environment, revision; optional image,
// previous_revision, migration, feature_flag, registered_by and brief) as a registration, or
// why it is not one (unknown fields and wrong types are named; the answer is a 400).
std::variant<core::NewDeployment, std::string> decode_deployment(std::string_view body);
// The body decoded and registered through the engine; `invalid` with the reason when it does
// not decode.
core::Registration register_body(core::Engine& engine, std::string_view body);

}  // namespace goaround::http
