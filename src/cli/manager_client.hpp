// `rvisor` as the client of rvisord: requests to the manager API on its Unix socket
// (--socket, $RVISOR_SOCKET, or the default state directory's rvisord.sock), with the
// client's exit codes: 2 when the request was bad (HTTP 400, 404, 422, or bad arguments),
// 1 when the daemon could not do it (409, 5xx, no daemon).
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

namespace rvisor::cli {

class ClientError : public std::runtime_error {
  public:
    ClientError(int exit_code, const std::string& message)
        : std::runtime_error(message), exit_code_(exit_code) {}
    int exit_code() const { return exit_code_; }

  private:
    int exit_code_;
};

// --socket, else $RVISOR_SOCKET, else STATE/rvisord.sock.
std::filesystem::path manager_socket(const std::string& option);

struct ManagerReply {
    int status = 0;
    nlohmann::json body;  // null for an empty body
    std::string text;     // the raw body (GET /metrics)
};

// One request; throws ClientError for connection failures and for answers >= 400 (with
// the daemon's {"error"} message).
ManagerReply manager_request(const std::filesystem::path& socket, const std::string& method,
                             const std::string& path, const nlohmann::json* body = nullptr);

// Exit code for an HTTP error status.
int exit_code_for_status(int status);

// `rvisor console NAME`: raw bidirectional console through the upgraded stream; Ctrl-]
// detaches. Returns the exit code.
int attach_console(const std::filesystem::path& socket, const std::string& name);

}  // namespace rvisor::cli
