// GET /stats bodies to Prometheus families: exact text, per-device labels, and bodies that
// lack fields (older VMs, VMs that did not answer) contributing nothing.
#include "vmm/vm_stats_metrics.hpp"

#include <gtest/gtest.h>

namespace rvisor::vmm {
namespace {

using nlohmann::json;

TEST(VmStatsMetrics, TotalsGaugeAndPerDeviceCountersWithLabels) {
    const json a = json::parse(R"({
        "state": "Running", "instructions": 1000, "uptime_ms": 5,
        "disk_read_bytes": 4096, "disk_write_bytes": 512, "net_rx_bytes": 60,
        "net_tx_bytes": 42, "memory_touched_bytes": 8192,
        "drives": [{"drive_id": "rootfs", "read_bytes": 4096, "write_bytes": 512,
                    "requests": 7, "flushes": 1, "errors": 0}],
        "network_interfaces": [{"iface_id": "eth0", "rx_bytes": 60, "rx_frames": 1,
                                "rx_dropped": 2, "tx_bytes": 42, "tx_frames": 1,
                                "tx_dropped": 0}]})");
    // b: an older VM reporting instructions only; c: no answer.
    const json b = json::parse(R"({"state": "Paused", "instructions": 7})");
    PrometheusText p;
    append_vm_stats_metrics(p, {{"a", a}, {"b", b}, {"c", nullptr}});
    EXPECT_EQ(p.text(),
              "# HELP rvisor_vm_instructions_total Instructions retired by the VM's harts.\n"
              "# TYPE rvisor_vm_instructions_total counter\n"
              "rvisor_vm_instructions_total{vm=\"a\"} 1000\n"
              "rvisor_vm_instructions_total{vm=\"b\"} 7\n"
              "# HELP rvisor_vm_disk_read_bytes_total Bytes the guest read from its disks (all "
              "drives).\n"
              "# TYPE rvisor_vm_disk_read_bytes_total counter\n"
              "rvisor_vm_disk_read_bytes_total{vm=\"a\"} 4096\n"
              "# HELP rvisor_vm_disk_write_bytes_total Bytes the guest wrote to its disks (all "
              "drives).\n"
              "# TYPE rvisor_vm_disk_write_bytes_total counter\n"
              "rvisor_vm_disk_write_bytes_total{vm=\"a\"} 512\n"
              "# HELP rvisor_vm_net_rx_bytes_total Ethernet frame bytes delivered to the guest "
              "(all interfaces).\n"
              "# TYPE rvisor_vm_net_rx_bytes_total counter\n"
              "rvisor_vm_net_rx_bytes_total{vm=\"a\"} 60\n"
              "# HELP rvisor_vm_net_tx_bytes_total Ethernet frame bytes the guest sent (all "
              "interfaces).\n"
              "# TYPE rvisor_vm_net_tx_bytes_total counter\n"
              "rvisor_vm_net_tx_bytes_total{vm=\"a\"} 42\n"
              "# HELP rvisor_vm_memory_touched_bytes Guest RAM mapped on the host (pages the "
              "guest has used).\n"
              "# TYPE rvisor_vm_memory_touched_bytes gauge\n"
              "rvisor_vm_memory_touched_bytes{vm=\"a\"} 8192\n"
              "# HELP rvisor_vm_drive_read_bytes_total Bytes read from the drive.\n"
              "# TYPE rvisor_vm_drive_read_bytes_total counter\n"
              "rvisor_vm_drive_read_bytes_total{vm=\"a\",drive=\"rootfs\"} 4096\n"
              "# HELP rvisor_vm_drive_write_bytes_total Bytes written to the drive.\n"
              "# TYPE rvisor_vm_drive_write_bytes_total counter\n"
              "rvisor_vm_drive_write_bytes_total{vm=\"a\",drive=\"rootfs\"} 512\n"
              "# HELP rvisor_vm_drive_requests_total virtio-blk requests served.\n"
              "# TYPE rvisor_vm_drive_requests_total counter\n"
              "rvisor_vm_drive_requests_total{vm=\"a\",drive=\"rootfs\"} 7\n"
              "# HELP rvisor_vm_drive_flushes_total Flush requests served.\n"
              "# TYPE rvisor_vm_drive_flushes_total counter\n"
              "rvisor_vm_drive_flushes_total{vm=\"a\",drive=\"rootfs\"} 1\n"
              "# HELP rvisor_vm_drive_errors_total Requests answered with an error status.\n"
              "# TYPE rvisor_vm_drive_errors_total counter\n"
              "rvisor_vm_drive_errors_total{vm=\"a\",drive=\"rootfs\"} 0\n"
              "# HELP rvisor_vm_interface_rx_bytes_total Ethernet frame bytes delivered to the "
              "guest.\n"
              "# TYPE rvisor_vm_interface_rx_bytes_total counter\n"
              "rvisor_vm_interface_rx_bytes_total{vm=\"a\",interface=\"eth0\"} 60\n"
              "# HELP rvisor_vm_interface_rx_frames_total Frames delivered to the guest.\n"
              "# TYPE rvisor_vm_interface_rx_frames_total counter\n"
              "rvisor_vm_interface_rx_frames_total{vm=\"a\",interface=\"eth0\"} 1\n"
              "# HELP rvisor_vm_interface_rx_dropped_total Frames for the guest dropped (no "
              "receive buffer posted).\n"
              "# TYPE rvisor_vm_interface_rx_dropped_total counter\n"
              "rvisor_vm_interface_rx_dropped_total{vm=\"a\",interface=\"eth0\"} 2\n"
              "# HELP rvisor_vm_interface_tx_bytes_total Ethernet frame bytes the guest sent.\n"
              "# TYPE rvisor_vm_interface_tx_bytes_total counter\n"
              "rvisor_vm_interface_tx_bytes_total{vm=\"a\",interface=\"eth0\"} 42\n"
              "# HELP rvisor_vm_interface_tx_frames_total Frames the guest sent.\n"
              "# TYPE rvisor_vm_interface_tx_frames_total counter\n"
              "rvisor_vm_interface_tx_frames_total{vm=\"a\",interface=\"eth0\"} 1\n"
              "# HELP rvisor_vm_interface_tx_dropped_total Malformed frames from the guest "
              "dropped.\n"
              "# TYPE rvisor_vm_interface_tx_dropped_total counter\n"
              "rvisor_vm_interface_tx_dropped_total{vm=\"a\",interface=\"eth0\"} 0\n");
}

TEST(VmStatsMetrics, DevicesOfSeveralVmsShareOneFamilyAndBadEntriesAreSkipped) {
    const json a = json::parse(R"({"drives": [{"drive_id": "d0", "requests": 3},
                                              {"requests": 9},
                                              {"drive_id": "d1", "requests": "many"}]})");
    const json b = json::parse(R"({"drives": [{"drive_id": "x\"y", "requests": 4}],
                                   "network_interfaces": "none"})");
    PrometheusText p;
    append_vm_stats_metrics(p, {{"a", a}, {"b", b}});
    EXPECT_EQ(p.text(),
              "# HELP rvisor_vm_drive_requests_total virtio-blk requests served.\n"
              "# TYPE rvisor_vm_drive_requests_total counter\n"
              "rvisor_vm_drive_requests_total{vm=\"a\",drive=\"d0\"} 3\n"
              "rvisor_vm_drive_requests_total{vm=\"b\",drive=\"x\\\"y\"} 4\n");
}

TEST(VmStatsMetrics, NoBodiesNoFamilies) {
    PrometheusText p;
    append_vm_stats_metrics(p, {{"a", nullptr}, {"b", json::array()}});
    EXPECT_EQ(p.text(), "");
}

}  // namespace
}  // namespace rvisor::vmm
