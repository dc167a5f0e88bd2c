// The daemon's state directory:
//   STATE/rvisord.sock          the manager API socket (0600)
//   STATE/rvisord.lock          held (flock) by the running daemon
//   STATE/vms/NAME/vm.json      the definition (vm_definition.hpp)
//   STATE/vms/NAME/runtime.json the runtime record below, rewritten on every state change
//   STATE/vms/NAME/run.json     the `rvisor run --config` file of the last start
//   STATE/vms/NAME/{api,console}.sock, exit-status, vm.log   the VM process's side
// Every JSON file is written atomically (temporary file, fsync, rename, fsync of the
// folder), so a crash leaves either the old or the new file, never a torn one.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/types.hpp"
#include "vmm/vm_definition.hpp"

namespace rvisor::vmm {

// What the manager knows about a VM's process, kept across daemon restarts.
struct RuntimeRecord {
    std::string state = "defined";  // defined|running|paused|stopped|crashed|failed
    i32 pid = 0;
    u64 start_ticks = 0;      // field 22 of /proc/PID/stat: with the pid, names the process
    i64 started_at_ms = 0;    // wall clock, ms since the epoch
    bool api = false;         // started with --api-sock STATE/vms/NAME/api.sock
    std::string exit_reason;  // why the last run ended
    std::optional<int> exit_code;
    std::string restored_from;  // snapshot file of the last start, if any
    nlohmann::json limits;      // resource_limits.hpp's report for the running process

    friend bool operator==(const RuntimeRecord&, const RuntimeRecord&) = default;
};
nlohmann::json to_json(const RuntimeRecord& r);
RuntimeRecord runtime_from_json(const nlohmann::json& j);  // throws nlohmann::json::exception

// Writes `text` to `file` atomically. Throws std::system_error naming the file.
void write_file_atomically(const std::filesystem::path& file, std::string_view text);

class StateStore {
  public:
    // Creates ROOT and ROOT/vms (mode 0700) when missing. Throws std::system_error.
    explicit StateStore(std::filesystem::path root);

    const std::filesystem::path& root() const { return root_; }
    std::filesystem::path vm_dir(std::string_view name) const;

    struct Loaded {
        VmDefinition definition;
        RuntimeRecord runtime;
    };
    // Every VM in the directory; unreadable entries are skipped with a line in `warnings`.
    std::vector<Loaded> load_all(std::vector<std::string>& warnings) const;

    void save_definition(const VmDefinition& d) const;
    void save_runtime(std::string_view name, const RuntimeRecord& r) const;
    void remove_vm(std::string_view name) const;

  private:
    std::filesystem::path root_;
};

// $XDG_STATE_HOME/rvisor, else ~/.local/state/rvisor.
std::filesystem::path default_state_dir();

}  // namespace rvisor::vmm
