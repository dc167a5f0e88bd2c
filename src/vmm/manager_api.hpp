// The manager's REST API (routes in manager_api.cpp, documented in docs/vmm.md) on an
// HttpServer. The Unix socket trusts its file mode and peer uid; TCP needs the bearer token.
#pragma once

#include <optional>
#include <string>

#include "vmm/http_server.hpp"
#include "vmm/manager.hpp"

namespace rvisor::vmm {

// Registers every route on `server`. With a token, requests without
// "Authorization: Bearer TOKEN" get 401.
void add_manager_routes(HttpServer& server, Manager& manager,
                        const std::optional<std::string>& token);

// Constant-time comparison of the Authorization header against "Bearer TOKEN".
bool bearer_token_matches(const std::string& header, const std::string& token);

// Reads a token file: it must be a regular file with no group/other permissions (0600 or
// 0400) and hold a non-empty token. Throws std::runtime_error naming the problem.
std::string read_token_file(const std::string& path);

}  // namespace rvisor::vmm
