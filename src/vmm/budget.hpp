// The host budget: how much guest memory and how many vCPUs all running VMs may use
// together. A start that would exceed it is refused with the numbers.
#pragma once

#include <optional>
#include <string>

#include "base/types.hpp"

namespace rvisor::vmm {

struct Usage {
    u64 memory_mib = 0;
    u32 vcpus = 0;
};

struct Budget {
    u64 max_memory_mib = 0;
    u32 max_vcpus = 0;
};

// Host RAM minus 1 GiB (at least 256 MiB), and 4 vCPUs per host core.
Budget default_budget();
Budget default_budget(u64 host_ram_mib, u32 host_cores);

// nullopt when `request` fits beside `in_use`, else one line with every number.
std::optional<std::string> check_budget(const Budget& budget, const Usage& in_use,
                                        const Usage& request, const std::string& vm_name);
// nullopt when `request` fits in an empty host (a definition that can never start is bad
// input at creation already).
std::optional<std::string> check_fits_at_all(const Budget& budget, const Usage& request);

}  // namespace rvisor::vmm
