#pragma once
#include <optional>
#include <string>
#include <string_view>

// Base64 (RFC 4648, with padding) through OpenSSL's EVP_EncodeBlock/EVP_DecodeBlock: HTTP Basic
// credentials and Docker's config.json `auth`.
namespace goaround::net {

std::string base64_encode(std::string_view bytes);
// nullopt for text that is not base64.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace goaround::net
