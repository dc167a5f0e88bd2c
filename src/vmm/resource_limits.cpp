#include "vmm/resource_limits.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <fstream>

namespace rvisor::vmm {

namespace fs = std::filesystem;

u64 memory_limit_bytes(u64 memory_mib) {
    return (memory_mib + 64 + memory_mib / 8) << 20;
}

std::string cpu_max_value(u32 cap_percent) {
    if (cap_percent == 0) return "max 100000";
    return std::to_string(static_cast<u64>(cap_percent) * 1000) + " 100000";
}

int nice_for_weight(u32 weight) {
    if (weight == 0) weight = 1;
    const double steps = std::log(100.0 / weight) / std::log(1.25);
    return std::clamp(static_cast<int>(std::lround(steps)), -20, 19);
}

namespace {

bool write_text(const fs::path& file, const std::string& text) {
    std::ofstream out(file);
    out << text;
    out.flush();
    return static_cast<bool>(out);
}

}  // namespace

ResourceLimiter::ResourceLimiter(fs::path cgroup_root) {
    // cgroup v2 only: the unified hierarchy has cgroup.controllers at its root.
    if (!fs::exists(cgroup_root / "cgroup.controllers")) return;
    std::ifstream self("/proc/self/cgroup");
    std::string line, own;
    while (std::getline(self, line))
        if (line.rfind("0::", 0) == 0) own = line.substr(3);
    if (own.empty()) return;
    // The daemon's own cgroup cannot both hold processes and delegate controllers ("no
    // internal processes"), so VMs go beside it, under a sibling "rvisor-vms" folder.
    const fs::path parent = (cgroup_root / own.substr(1)).parent_path();
    const fs::path base = parent / "rvisor-vms";
    std::error_code ec;
    fs::create_directory(base, ec);
    if (ec || ::access(base.c_str(), W_OK) != 0) return;
    write_text(parent / "cgroup.subtree_control", "+cpu +memory");
    if (!write_text(base / "cgroup.subtree_control", "+cpu +memory")) return;
    base_ = base;
}

PreparedLimits ResourceLimiter::prepare(const VmDefinition& d) {
    PreparedLimits p;
    const u64 mem_limit = memory_limit_bytes(d.memory_mib);
    if (uses_cgroups()) {
        const fs::path cg = base_ / ("vm-" + d.name);
        std::error_code ec;
        fs::create_directory(cg, ec);
        const bool ok = !ec && write_text(cg / "cpu.weight", std::to_string(d.cpu_weight)) &&
                        write_text(cg / "cpu.max", cpu_max_value(d.cpu_cap_percent)) &&
                        write_text(cg / "memory.max", std::to_string(mem_limit));
        if (ok) p.cgroup_procs_fd = ::open((cg / "cgroup.procs").c_str(), O_WRONLY | O_CLOEXEC);
        if (p.cgroup_procs_fd >= 0) {
            p.report = {{"mechanism", "cgroup-v2"},
                        {"cgroup", cg.string()},
                        {"cpu_weight", d.cpu_weight},
                        {"cpu_max", cpu_max_value(d.cpu_cap_percent)},
                        {"memory_max_bytes", mem_limit}};
            return p;
        }
        fs::remove(cg, ec);
    }
    // Without CAP_SYS_NICE a process can only lower its priority.
    p.nice = std::max(nice_for_weight(d.cpu_weight), ::geteuid() == 0 ? -20 : 0);
    p.report = {{"mechanism", "setpriority"},
                {"nice", *p.nice},
                {"cpu_weight", d.cpu_weight},
                {"cpu_cap", d.cpu_cap_percent ? "not enforced (needs cgroup v2)" : "none"},
                {"memory_max", "not enforced (needs cgroup v2)"}};
    return p;
}

void ResourceLimiter::release(const std::string& name) {
    if (!uses_cgroups()) return;
    std::error_code ec;
    fs::remove(base_ / ("vm-" + name), ec);  // rmdir: only empty cgroups go
}

}  // namespace rvisor::vmm
