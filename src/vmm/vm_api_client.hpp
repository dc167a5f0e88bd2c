// Calls to one VM process's Firecracker-compatible API socket (`rvisor run --api-sock`):
// GET / (instance info), PATCH /vm {"state": "Paused"|"Resumed"},
// PUT /snapshot/create {"snapshot_path"}, and rvisor's GET /stats.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

namespace rvisor::vmm {

class VmApiClient {
  public:
    explicit VmApiClient(std::filesystem::path socket) : socket_(std::move(socket)) {}

    // Throw ApiError: 409 with the VM's fault_message when it refuses, 502 when it does not
    // answer.
    nlohmann::json instance_info(int timeout_ms = 2000) const;
    void set_state(const std::string& state) const;  // "Paused" or "Resumed"
    void create_snapshot(const std::string& path) const;
    // PUT /snapshot/load {"snapshot_path", "resume_vm": true} into a VM process started
    // with only --api-sock (Firecracker's flow: the snapshot gives the machine its shape).
    void load_snapshot(const std::string& path) const;
    nlohmann::json stats(int timeout_ms = 1000) const;

  private:
    nlohmann::json call(const std::string& method, const std::string& path,
                        const nlohmann::json* body, int timeout_ms) const;
    std::filesystem::path socket_;
};

}  // namespace rvisor::vmm
