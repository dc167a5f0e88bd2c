// Per-VM CPU share and cap and memory limit. With a writable cgroup v2 hierarchy each VM
// process goes into a child cgroup of the daemon's own (cpu.weight, cpu.max, and memory.max
// = guest RAM + a bounded overhead); without one (cgroup v1 hosts, containers) the VM's
// threads get a nice value from its share, and cap and memory limit are not enforced.
// GET /vms/NAME reports which.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "base/types.hpp"
#include "vmm/vm_definition.hpp"

namespace rvisor::vmm {

// memory.max: guest RAM plus 64 MiB and 1/8 of it for rvisor's own memory (threads, decoded
// blocks, disk and network buffers).
u64 memory_limit_bytes(u64 memory_mib);
// cpu.max for a cap in percent of one core over a 100 ms period; "max 100000" for no cap.
std::string cpu_max_value(u32 cap_percent);
// The nice value whose CFS weight matches cpu.weight relative to 100 (each nice step is a
// factor 1.25), clamped to -20..19.
int nice_for_weight(u32 weight);

struct PreparedLimits {
    int cgroup_procs_fd = -1;  // for SpawnSpec (the caller closes it after the spawn)
    std::optional<int> nice;
    nlohmann::json report;  // what GET /vms/NAME shows under "limits"
};

class ResourceLimiter {
  public:
    // Looks for a usable cgroup v2 hierarchy at `cgroup_root` (normally /sys/fs/cgroup).
    explicit ResourceLimiter(std::filesystem::path cgroup_root = "/sys/fs/cgroup");
    bool uses_cgroups() const { return !base_.empty(); }
    std::string mechanism() const { return uses_cgroups() ? "cgroup-v2" : "setpriority"; }

    // Sets up the VM's limits before its process starts. Never throws: a cgroup that cannot
    // be made falls back to setpriority (the report says so).
    PreparedLimits prepare(const VmDefinition& d);
    // Removes the VM's cgroup after its process ended.
    void release(const std::string& name);

  private:
    std::filesystem::path base_;  // the cgroup VMs are created under; empty without cgroups
};

}  // namespace rvisor::vmm
