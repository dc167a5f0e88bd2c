// The VM manager: the set of defined VMs, their `rvisor run` processes and their states.
// Every operation validates first and changes nothing when it throws ApiError. VM
// processes are never restarted behind the user's back; their end is recorded with a reason.
#pragma once

#include <condition_variable>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "vmm/budget.hpp"
#include "vmm/console_hub.hpp"
#include "vmm/resource_limits.hpp"
#include "vmm/state_store.hpp"
#include "vmm/vm_definition.hpp"

namespace rvisor::vmm {

// Which optional `rvisor run` flags the VM binary has (from its --help): the manager uses
// the per-VM API (pause, resume, snapshots, restores, stats) and exit-status files only when
// they exist.
struct RvisorFeatures {
    bool api_sock = false;
    bool exit_status_file = false;
};
RvisorFeatures probe_rvisor_features(const std::filesystem::path& rvisor);

struct ManagerConfig {
    std::filesystem::path rvisor;  // the binary each VM runs as `rvisor run`
    RvisorFeatures features;
    Budget budget;
};

class Manager {
  public:
    Manager(StateStore& store, ResourceLimiter& limiter, ManagerConfig config);
    // Stops watching; VM processes keep running for the next daemon to re-attach.
    ~Manager();
    Manager(const Manager&) = delete;
    Manager& operator=(const Manager&) = delete;

    // Loads the state directory and re-attaches to VM processes still running (same pid,
    // same start time, API answering). Returns one log line per VM and per problem.
    std::vector<std::string> recover();

    nlohmann::json create(const nlohmann::json& body);
    nlohmann::json list() const;
    nlohmann::json get(const std::string& name) const;
    nlohmann::json start(const std::string& name);
    nlohmann::json stop(const std::string& name);
    nlohmann::json pause(const std::string& name);
    nlohmann::json resume(const std::string& name);
    nlohmann::json snapshot(const std::string& name, const nlohmann::json& body);
    // Restores a snapshot into `name` (from the URL, or body "name", or the snapshot's own
    // definition); a VM that does not exist yet is created. Sets `created`.
    nlohmann::json restore(const std::optional<std::string>& name, const nlohmann::json& body,
                           bool& created);
    void remove(const std::string& name, bool force);
    nlohmann::json stats(const std::string& name) const;
    std::string metrics() const;

    // Console: the hub to attach a client to (404 for an unknown VM).
    std::shared_ptr<ConsoleHub> console(const std::string& name) const;

  private:
    struct Vm;
    std::shared_ptr<Vm> find_locked(const std::string& name) const;
    nlohmann::json view_locked(const Vm& vm) const;
    Usage usage_locked() const;
    void start_locked(Vm& vm, const std::string& snapshot);
    void wait_started(const std::shared_ptr<Vm>& vm, std::unique_lock<std::mutex>& lock);
    void load_snapshot_locked(const std::shared_ptr<Vm>& vm, const std::string& path,
                              std::unique_lock<std::mutex>& lock);
    bool wait_inactive(Vm& vm, std::unique_lock<std::mutex>& lock, int timeout_ms);
    // pause and resume: from state `from` to `to` through the VM's API (`api_state` is
    // Firecracker's PATCH /vm state), with the VM marked busy while the call is in flight.
    nlohmann::json transition_via_api(const std::string& name, const std::string& from,
                                      const std::string& to, const char* api_state);
    void on_process_end(const std::string& name);
    void supervise();
    void wake_supervisor();
    void save_runtime_locked(const Vm& vm) const;
    std::filesystem::path vm_file(const std::string& name, const char* file) const;

    StateStore& store_;
    ResourceLimiter& limiter_;
    ManagerConfig config_;
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::map<std::string, std::shared_ptr<Vm>> vms_;
    int wake_fd_ = -1;
    bool stopping_ = false;
    std::thread supervisor_;
};

bool is_active_state(const std::string& state);  // running or paused

}  // namespace rvisor::vmm
