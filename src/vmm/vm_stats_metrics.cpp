#include "vmm/vm_stats_metrics.hpp"

#include <array>
#include <string_view>

namespace rvisor::vmm {

using nlohmann::json;

namespace {

struct Field {
    const char* key;     // in GET /stats (or in one of its device objects)
    const char* metric;  // the Prometheus family
    const char* type;
    const char* help;
};

constexpr std::array<Field, 6> kVmFields = {{
    {"instructions", "rvisor_vm_instructions_total", "counter",
     "Instructions retired by the VM's harts."},
    {"disk_read_bytes", "rvisor_vm_disk_read_bytes_total", "counter",
     "Bytes the guest read from its disks (all drives)."},
    {"disk_write_bytes", "rvisor_vm_disk_write_bytes_total", "counter",
     "Bytes the guest wrote to its disks (all drives)."},
    {"net_rx_bytes", "rvisor_vm_net_rx_bytes_total", "counter",
     "Ethernet frame bytes delivered to the guest (all interfaces)."},
    {"net_tx_bytes", "rvisor_vm_net_tx_bytes_total", "counter",
     "Ethernet frame bytes the guest sent (all interfaces)."},
    {"memory_touched_bytes", "rvisor_vm_memory_touched_bytes", "gauge",
     "Guest RAM mapped on the host (pages the guest has used)."},
}};

constexpr std::array<Field, 5> kDriveFields = {{
    {"read_bytes", "rvisor_vm_drive_read_bytes_total", "counter", "Bytes read from the drive."},
    {"write_bytes", "rvisor_vm_drive_write_bytes_total", "counter", "Bytes written to the drive."},
    {"requests", "rvisor_vm_drive_requests_total", "counter", "virtio-blk requests served."},
    {"flushes", "rvisor_vm_drive_flushes_total", "counter", "Flush requests served."},
    {"errors", "rvisor_vm_drive_errors_total", "counter",
     "Requests answered with an error status."},
}};

constexpr std::array<Field, 6> kNicFields = {{
    {"rx_bytes", "rvisor_vm_interface_rx_bytes_total", "counter",
     "Ethernet frame bytes delivered to the guest."},
    {"rx_frames", "rvisor_vm_interface_rx_frames_total", "counter",
     "Frames delivered to the guest."},
    {"rx_dropped", "rvisor_vm_interface_rx_dropped_total", "counter",
     "Frames for the guest dropped (no receive buffer posted)."},
    {"tx_bytes", "rvisor_vm_interface_tx_bytes_total", "counter",
     "Ethernet frame bytes the guest sent."},
    {"tx_frames", "rvisor_vm_interface_tx_frames_total", "counter", "Frames the guest sent."},
    {"tx_dropped", "rvisor_vm_interface_tx_dropped_total", "counter",
     "Malformed frames from the guest dropped."},
}};

const json* number(const json& object, const char* key) {
    if (!object.is_object()) return nullptr;
    const auto it = object.find(key);
    return it != object.end() && it->is_number() ? &*it : nullptr;
}

// The per-device families: one sample per device object that has an id and the field.
template <std::size_t N>
void devices(PrometheusText& p, const std::vector<VmStatsBody>& vms, const char* array,
             const char* id_key, const char* label, const std::array<Field, N>& fields) {
    for (const Field& f : fields) {
        bool any = false;
        for (const auto& [name, stats] : vms) {
            if (!stats.is_object() || !stats.contains(array) || !stats[array].is_array()) continue;
            for (const json& dev : stats[array]) {
                const json* v = number(dev, f.key);
                if (!v || !dev.contains(id_key) || !dev[id_key].is_string()) continue;
                if (!any) p.family(f.metric, f.type, f.help);
                any = true;
                p.sample(f.metric, {{"vm", name}, {label, dev[id_key].get<std::string>()}},
                         v->get<double>());
            }
        }
    }
}

}  // namespace

void append_vm_stats_metrics(PrometheusText& p, const std::vector<VmStatsBody>& vms) {
    for (const Field& f : kVmFields) {
        bool any = false;
        for (const auto& [name, stats] : vms) {
            const json* v = number(stats, f.key);
            if (!v) continue;
            if (!any) p.family(f.metric, f.type, f.help);
            any = true;
            p.sample(f.metric, {{"vm", name}}, v->get<double>());
        }
    }
    devices(p, vms, "drives", "drive_id", "drive", kDriveFields);
    devices(p, vms, "network_interfaces", "iface_id", "interface", kNicFields);
}

}  // namespace rvisor::vmm
