// Firecracker's JSON bodies to rvisor's validated configuration types, and back (the GET
// answers). Field names, types and required fields follow Firecracker's API description
// (src/firecracker/swagger/firecracker.yaml); anything rvisor cannot honour is refused with a
// message naming the field rather than silently ignored. Every parse function throws
// ApiError (HTTP 400) naming what is wrong; nothing is applied by parsing.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "machine/vm_controller.hpp"

namespace rvisor::api {

// A request the API refuses: the HTTP status and Firecracker's {"fault_message": ...}.
class ApiError : public std::runtime_error {
  public:
    explicit ApiError(const std::string& message, int status = 400)
        : std::runtime_error(message), status_(status) {}
    int status() const { return status_; }

  private:
    int status_;
};

// Resource ids (drive_id, iface_id): [A-Za-z0-9_-]{1,64}. Firecracker allows alphanumerics and
// '_'; '-' is accepted too, as ids like "net-0" are common in clients.
bool valid_resource_id(std::string_view id);

inline constexpr u64 kMinMemoryMib = 32;
inline constexpr u64 kMaxMemoryMib = 256 * 1024;

// PUT /machine-config (both fields required) and PATCH /machine-config (any subset).
struct MachineConfigUpdate {
    std::optional<unsigned> vcpu_count;
    std::optional<u64> mem_size_mib;
};
MachineConfigUpdate parse_machine_config(std::string_view body, bool partial);

// PUT /boot-source. The kernel and the initrd must exist.
machine::BootSource parse_boot_source(std::string_view body);

// PUT /drives/{drive_id}: the body's drive_id must equal the path's; path_on_host must exist.
// Extension: "format": "raw" | "qcow2" (default: detected).
machine::DriveEntry parse_drive(std::string_view path_id, std::string_view body);

// PUT /network-interfaces/{iface_id}: host_dev_name is a host TAP interface; rvisor's
// extension "backend" ("switch:NAME", "user[,hostfwd=...]", "tap,ifname=...") replaces it.
machine::NicEntry parse_network_interface(std::string_view path_id, std::string_view body);

enum class Action { InstanceStart, SendCtrlAltDel, FlushMetrics };
Action parse_action(std::string_view body);

// PATCH /vm: true for "Paused", false for "Resumed".
bool parse_vm_state_paused(std::string_view body);

struct SnapshotCreate {
    std::filesystem::path snapshot_path;
    std::optional<std::filesystem::path> mem_file_path;  // accepted; rvisor writes one file
};
SnapshotCreate parse_snapshot_create(std::string_view body);

struct SnapshotLoad {
    std::filesystem::path snapshot_path;
    bool resume_vm = false;
};
SnapshotLoad parse_snapshot_load(std::string_view body);

// PUT /metrics.
std::filesystem::path parse_metrics(std::string_view body);

enum class LogLevel { Off, Error, Warning, Info, Debug, Trace };
const char* to_string(LogLevel level);
struct LoggerConfig {
    std::optional<std::filesystem::path> log_path;
    LogLevel level = LogLevel::Info;
    bool show_level = false;
    bool show_log_origin = false;
};
LoggerConfig parse_logger(std::string_view body);

// ---- answers ----
nlohmann::json machine_config_json(const machine::VmConfig& config);
// GET /vm/config: Firecracker's FullVmConfiguration shape.
nlohmann::json full_config_json(const machine::ControllerConfig& config,
                                const std::optional<LoggerConfig>& logger,
                                const std::optional<std::filesystem::path>& metrics_path);
// GET /stats (rvisor extension).
nlohmann::json stats_json(const machine::VmStats& stats);

}  // namespace rvisor::api
