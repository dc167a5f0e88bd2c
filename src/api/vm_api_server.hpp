// The per-VM HTTP API on a Unix socket, with Firecracker's endpoints and JSON shapes
// (src/firecracker/swagger/firecracker.yaml): each request body is parsed into a validated
// config type (api/json_config.hpp), then applied as one command on the VmController. The
// answers: 204 for a successful PUT/PATCH, 200 with JSON for a GET, 400 (or 500 for a host
// failure) with {"fault_message": "..."} otherwise.
#pragma once

#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "api/json_config.hpp"
#include "machine/vm_controller.hpp"

namespace rvisor::api {

struct ApiResponse {
    int status = 204;
    std::string body;  // JSON, or empty for 204
};

class VmApiServer {
  public:
    explicit VmApiServer(machine::VmController& controller);
    // Stops serving and removes the socket file.
    ~VmApiServer();
    VmApiServer(const VmApiServer&) = delete;
    VmApiServer& operator=(const VmApiServer&) = delete;

    // Binds `socket_path` (mode 0600) and serves on threads of its own. A stale socket file
    // (nobody answers) is replaced; throws std::runtime_error naming the path when a live
    // server answers there, the path is something else than a socket, or binding fails.
    void listen(const std::filesystem::path& socket_path);

    // One request through the route table (what the HTTP handlers call; also for tests).
    ApiResponse handle(std::string_view method, std::string_view path, std::string_view body);

  private:
    ApiResponse route(std::string_view method, std::string_view path, std::string_view body);
    ApiResponse instance_info();
    void flush_metrics();
    void log_request(std::string_view method, std::string_view path, int status,
                     std::string_view fault);

    machine::VmController& controller_;
    const std::string name_;  // the instance id
    std::mutex mutex_;        // logger and metrics state
    std::optional<LoggerConfig> logger_;
    std::ofstream log_file_;
    std::optional<std::filesystem::path> metrics_path_;
    std::ofstream metrics_file_;

    struct Transport;  // cpp-httplib, kept out of this header
    std::unique_ptr<Transport> transport_;
};

}  // namespace rvisor::api
