// A VM definition as the manager stores it (vms/NAME/vm.json) and as POST /vms takes it:
//   {"name": "web1", "vcpus": 2, "memory_mib": 256, "kernel": "/abs/Image",
//    "initrd": "/abs/initrd", "cmdline": "console=ttyS0",
//    "disks": [{"path": "/abs/disk.qcow2", "format": "qcow2", "read_only": false}],
//    "nics": [{"backend": "switch:lan0", "mac": "02:00:00:00:00:01"}],
//    "cpu_weight": 100, "cpu_cap_percent": 150}
// Only "name" is required. Unknown fields and wrong types are errors (400) naming the field;
// paths must be absolute (the daemon has no meaningful working directory) and exist.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/types.hpp"

namespace rvisor::vmm {

struct DiskDefinition {
    std::string path;
    std::string format;  // "", "raw" or "qcow2" ("" lets rvisor run probe the image)
    bool read_only = false;
};

struct NicDefinition {
    std::string backend;  // switch:NAME | user[,hostfwd=...] | tap,ifname=IF (rvisor run --net)
    std::string mac;      // "" derives a stable MAC from the VM name
};

inline constexpr u32 kMaxVcpus = 64;
inline constexpr u64 kMinMemoryMib = 16;
inline constexpr u64 kMaxMemoryMib = 1u << 20;  // 1 TiB
inline constexpr u32 kDefaultCpuWeight = 100;   // cgroup v2 cpu.weight default

struct VmDefinition {
    std::string name;
    u32 vcpus = 1;
    u64 memory_mib = 512;
    std::string kernel;  // "": rvisor run's default guest
    std::string initrd;
    std::optional<std::string> cmdline;  // absent: rvisor run's default
    std::vector<DiskDefinition> disks;
    std::vector<NicDefinition> nics;
    u32 cpu_weight = kDefaultCpuWeight;  // relative share, 1..10000 (cgroup v2 cpu.weight)
    u32 cpu_cap_percent = 0;             // 0: no cap; 150 = one and a half host cores

    friend bool operator==(const VmDefinition&, const VmDefinition&) = default;
};
inline bool operator==(const DiskDefinition& a, const DiskDefinition& b) {
    return a.path == b.path && a.format == b.format && a.read_only == b.read_only;
}
inline bool operator==(const NicDefinition& a, const NicDefinition& b) {
    return a.backend == b.backend && a.mac == b.mac;
}

// [A-Za-z0-9_-]{1,64}: a name is a directory name and a URL segment, so no path characters.
bool is_valid_vm_name(std::string_view name);
// Throws ApiError(400) naming the problem unless `name` is valid.
void check_vm_name(std::string_view name);

// Parses and validates a definition. `check_files`: the kernel, initrd and disk images must
// exist (off when reloading the state directory, where a missing file must not lose the VM).
// Throws ApiError(400) naming the field.
VmDefinition parse_vm_definition(const nlohmann::json& j, bool check_files = true);
nlohmann::json to_json(const VmDefinition& d);

// The JSON config `rvisor run --config` reads for this VM (see src/cli/vm_config_file.hpp).
nlohmann::json run_config_json(const VmDefinition& d);

}  // namespace rvisor::vmm
