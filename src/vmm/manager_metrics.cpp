// Manager::metrics(): GET /metrics in Prometheus text format, from /proc/PID/stat and each
// VM's own GET /stats.
#include <unistd.h>

#include <array>

#include "vmm/api_error.hpp"
#include "vmm/manager.hpp"
#include "vmm/manager_vm.hpp"
#include "vmm/proc_stat.hpp"
#include "vmm/prometheus.hpp"
#include "vmm/vm_api_client.hpp"
#include "vmm/vm_stats_metrics.hpp"

namespace rvisor::vmm {

using nlohmann::json;

namespace {
const std::array<const char*, 6> kStates = {"defined", "running", "paused",
                                            "stopped", "crashed", "failed"};
}  // namespace

std::string Manager::metrics() const {
    struct Row {
        std::string name, state;
        u32 vcpus;
        u64 memory_mib;
        pid_t pid;
        bool api;
        std::optional<ProcStat> st;
        json stats;
    };
    std::vector<Row> rows;
    Usage used;
    {
        std::lock_guard lock(mutex_);
        used = usage_locked();
        for (const auto& [name, vm] : vms_)
            rows.push_back({name, vm->rt.state, vm->def.vcpus, vm->def.memory_mib,
                            is_active_state(vm->rt.state) ? vm->rt.pid : 0, vm->rt.api,
                            std::nullopt, nullptr});
    }
    for (auto& r : rows) {
        if (!r.pid) continue;
        r.st = read_proc_stat(r.pid);
        if (!r.api) continue;
        try {
            r.stats = VmApiClient(vm_file(r.name, "api.sock")).stats(500);
        } catch (const ApiError&) {
        }
    }
    const double tick = static_cast<double>(::sysconf(_SC_CLK_TCK));
    const double page = static_cast<double>(::sysconf(_SC_PAGESIZE));
    PrometheusText p;
    p.family("rvisor_vm_state", "gauge", "1 for the VM's current state, 0 for the others.");
    for (const auto& r : rows)
        for (const char* s : kStates)
            p.sample("rvisor_vm_state", {{"vm", r.name}, {"state", s}}, r.state == s);
    p.family("rvisor_vm_vcpus", "gauge", "vCPUs of the VM's definition.");
    for (const auto& r : rows) p.sample("rvisor_vm_vcpus", {{"vm", r.name}}, r.vcpus);
    p.family("rvisor_vm_memory_configured_bytes", "gauge", "Guest RAM of the VM's definition.");
    for (const auto& r : rows)
        p.sample("rvisor_vm_memory_configured_bytes", {{"vm", r.name}},
                 static_cast<double>(r.memory_mib << 20));
    p.family("rvisor_vm_vcpu_seconds_total", "counter",
             "CPU time of the VM process (its vCPU threads and devices), from /proc/PID/stat.");
    for (const auto& r : rows)
        if (r.st)
            p.sample("rvisor_vm_vcpu_seconds_total", {{"vm", r.name}},
                     static_cast<double>(r.st->utime_ticks + r.st->stime_ticks) / tick);
    p.family("rvisor_vm_memory_bytes", "gauge",
             "Resident memory of the VM process: guest RAM touched plus rvisor's own.");
    for (const auto& r : rows)
        if (r.st)
            p.sample("rvisor_vm_memory_bytes", {{"vm", r.name}},
                     static_cast<double>(r.st->rss_pages) * page);
    // Counters the VM's own GET /stats reports, when it has them.
    std::vector<VmStatsBody> bodies;
    for (auto& r : rows) bodies.emplace_back(r.name, std::move(r.stats));
    append_vm_stats_metrics(p, bodies);
    p.family("rvisor_budget_memory_mib", "gauge", "Host memory budget for running VMs.");
    p.sample("rvisor_budget_memory_mib", {}, static_cast<double>(config_.budget.max_memory_mib));
    p.family("rvisor_budget_vcpus", "gauge", "Host vCPU budget for running VMs.");
    p.sample("rvisor_budget_vcpus", {}, config_.budget.max_vcpus);
    p.family("rvisor_used_memory_mib", "gauge", "Guest memory of the running VMs.");
    p.sample("rvisor_used_memory_mib", {}, static_cast<double>(used.memory_mib));
    p.family("rvisor_used_vcpus", "gauge", "vCPUs of the running VMs.");
    p.sample("rvisor_used_vcpus", {}, used.vcpus);
    return p.text();
}

}  // namespace rvisor::vmm
