// The part of rvisord's GET /metrics built from each VM's own GET /stats body: totals as
// rvisor_vm_*_total counters, touched guest RAM as a gauge, and per-drive and per-interface
// counters labelled with the API's drive_id / iface_id.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "vmm/prometheus.hpp"

namespace rvisor::vmm {

// One VM's name and its GET /stats body (anything but an object contributes nothing, as does
// a field that is missing or not a number: an older VM, or one that did not answer).
using VmStatsBody = std::pair<std::string, nlohmann::json>;

// Appends the families that have at least one sample, each once, VMs in the given order.
void append_vm_stats_metrics(PrometheusText& p, const std::vector<VmStatsBody>& vms);

}  // namespace rvisor::vmm
