#include "vmm/budget.hpp"

#include <unistd.h>

#include <algorithm>

namespace rvisor::vmm {

Budget default_budget(u64 host_ram_mib, u32 host_cores) {
    return Budget{std::max<u64>(host_ram_mib > 1024 ? host_ram_mib - 1024 : 0, 256),
                  std::max<u32>(host_cores, 1) * 4};
}

Budget default_budget() {
    const long pages = ::sysconf(_SC_PHYS_PAGES);
    const long page = ::sysconf(_SC_PAGESIZE);
    const long cores = ::sysconf(_SC_NPROCESSORS_ONLN);
    const u64 ram_mib = pages > 0 && page > 0 ? static_cast<u64>(pages) * page >> 20 : 0;
    return default_budget(ram_mib, cores > 0 ? static_cast<u32>(cores) : 1);
}

std::optional<std::string> check_budget(const Budget& budget, const Usage& in_use,
                                        const Usage& request, const std::string& vm_name) {
    const bool memory_ok = in_use.memory_mib + request.memory_mib <= budget.max_memory_mib;
    const bool vcpus_ok = in_use.vcpus + request.vcpus <= budget.max_vcpus;
    if (memory_ok && vcpus_ok) return std::nullopt;
    return "host budget exceeded: VM '" + vm_name + "' needs " +
           std::to_string(request.memory_mib) + " MiB and " + std::to_string(request.vcpus) +
           " vCPUs, running VMs use " + std::to_string(in_use.memory_mib) + " of " +
           std::to_string(budget.max_memory_mib) + " MiB and " + std::to_string(in_use.vcpus) +
           " of " + std::to_string(budget.max_vcpus) + " vCPUs";
}

std::optional<std::string> check_fits_at_all(const Budget& budget, const Usage& request) {
    if (request.memory_mib <= budget.max_memory_mib && request.vcpus <= budget.max_vcpus)
        return std::nullopt;
    return "the VM needs " + std::to_string(request.memory_mib) + " MiB and " +
           std::to_string(request.vcpus) + " vCPUs, more than the whole host budget of " +
           std::to_string(budget.max_memory_mib) + " MiB and " + std::to_string(budget.max_vcpus) +
           " vCPUs";
}

}  // namespace rvisor::vmm
