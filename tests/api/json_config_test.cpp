// Firecracker bodies to configuration: every accepted shape gives exact values, every bad
// body an ApiError (400) whose message names the problem.
#include "api/json_config.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

namespace rvisor::api {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class JsonConfigTest : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("rvisor-json-" + std::to_string(::getpid()));
        fs::create_directories(dir_);
        kernel_ = dir_ / "Image";
        std::ofstream(kernel_) << "kernel";
        disk_ = dir_ / "disk.img";
        std::ofstream(disk_) << "disk";
    }
    void TearDown() override { fs::remove_all(dir_); }

    std::string k() const { return kernel_.string(); }
    std::string d() const { return disk_.string(); }

    fs::path dir_, kernel_, disk_;
};

// Runs `f`, expects an ApiError with status 400 whose message contains `needle`.
template <typename F>
void expect_400(F f, const std::string& needle) {
    try {
        f();
        ADD_FAILURE() << "no error; expected one containing: " << needle;
    } catch (const ApiError& e) {
        EXPECT_EQ(e.status(), 400);
        EXPECT_NE(std::string(e.what()).find(needle), std::string::npos)
            << "message: " << e.what() << "\nexpected to contain: " << needle;
    }
}

TEST_F(JsonConfigTest, MachineConfigValues) {
    auto u = parse_machine_config(R"({"vcpu_count": 4, "mem_size_mib": 256})", false);
    EXPECT_EQ(*u.vcpu_count, 4u);
    EXPECT_EQ(*u.mem_size_mib, 256u);
    u = parse_machine_config(
        R"({"vcpu_count": 1, "mem_size_mib": 128, "smt": false, "cpu_template": "None",
            "track_dirty_pages": true, "huge_pages": "None"})",
        false);
    EXPECT_EQ(*u.vcpu_count, 1u);
    u = parse_machine_config(R"({"mem_size_mib": 64})", true);
    EXPECT_FALSE(u.vcpu_count);
    EXPECT_EQ(*u.mem_size_mib, 64u);
}

TEST_F(JsonConfigTest, MachineConfigErrors) {
    expect_400([] { parse_machine_config("", false); }, "Empty request body");
    expect_400([] { parse_machine_config("{\"vcpu_count\": 2,", false); },
               "Malformed JSON in the machine-config body");
    expect_400([] { parse_machine_config("[1, 2]", false); },
               "The machine-config body must be a JSON object.");
    expect_400(
        [] { parse_machine_config(R"({"vcpu_count": 2, "mem_size_mib": 128, "foo": 1})", false); },
        "Unknown field 'foo' in machine-config");
    expect_400([] { parse_machine_config(R"({"vcpu_count": "2", "mem_size_mib": 128})", false); },
               "Field 'vcpu_count' of machine-config must be an integer.");
    expect_400([] { parse_machine_config(R"({"vcpu_count": 2.5, "mem_size_mib": 128})", false); },
               "Field 'vcpu_count' of machine-config must be an integer.");
    expect_400([] { parse_machine_config(R"({"vcpu_count": 0, "mem_size_mib": 128})", false); },
               "Field 'vcpu_count' of machine-config must be from 1 to 64.");
    expect_400([] { parse_machine_config(R"({"vcpu_count": 65, "mem_size_mib": 128})", false); },
               "Field 'vcpu_count' of machine-config must be from 1 to 64.");
    expect_400([] { parse_machine_config(R"({"vcpu_count": -1, "mem_size_mib": 128})", false); },
               "must be from 1 to 64");
    expect_400([] { parse_machine_config(R"({"vcpu_count": 1, "mem_size_mib": 16})", false); },
               "Field 'mem_size_mib' of machine-config must be from 32 to 262144.");
    expect_400(
        [] {
            parse_machine_config(R"({"vcpu_count": 1, "mem_size_mib": 18446744073709551615})",
                                 false);
        },
        "must be from 32 to 262144");
    expect_400([] { parse_machine_config(R"({"vcpu_count": 64, "mem_size_mib": 100})", false); },
               "mem_size_mib 100 is too small for 64 vCPUs (at least 160).");
    expect_400([] { parse_machine_config(R"({"vcpu_count": 1})", false); },
               "Missing field 'mem_size_mib' in machine-config.");
    expect_400([] { parse_machine_config(R"({"mem_size_mib": 128})", false); },
               "Missing field 'vcpu_count' in machine-config.");
    expect_400(
        [] {
            parse_machine_config(R"({"vcpu_count": 1, "mem_size_mib": 128, "smt": true})", false);
        },
        "simultaneous multithreading is not supported on riscv64");
    expect_400(
        [] { parse_machine_config(R"({"vcpu_count": 1, "mem_size_mib": 128, "smt": 1})", false); },
        "Field 'smt' of machine-config must be true or false.");
    expect_400(
        [] {
            parse_machine_config(R"({"vcpu_count": 1, "mem_size_mib": 128, "cpu_template": "T2"})",
                                 false);
        },
        "Field 'cpu_template' of machine-config must be one of \"None\" (got \"T2\").");
    expect_400(
        [] {
            parse_machine_config(R"({"vcpu_count": 1, "mem_size_mib": 128, "huge_pages": "2M"})",
                                 false);
        },
        "Field 'huge_pages' of machine-config must be one of \"None\"");
}

TEST_F(JsonConfigTest, BootSource) {
    auto s = parse_boot_source(R"({"kernel_image_path": ")" + k() + R"("})");
    EXPECT_EQ(s.kernel, kernel_);
    EXPECT_TRUE(s.initrd.empty());
    EXPECT_FALSE(s.boot_args);
    s = parse_boot_source(R"({"kernel_image_path": ")" + k() + R"(", "initrd_path": ")" + d() +
                          R"(", "boot_args": "console=ttyS0 quiet"})");
    EXPECT_EQ(s.initrd, disk_);
    EXPECT_EQ(*s.boot_args, "console=ttyS0 quiet");
    // null is "not given", as generated clients send it.
    s = parse_boot_source(R"({"kernel_image_path": ")" + k() + R"(", "initrd_path": null})");
    EXPECT_TRUE(s.initrd.empty());

    expect_400([] { parse_boot_source("{}"); },
               "Missing field 'kernel_image_path' in boot-source.");
    expect_400([] { parse_boot_source(R"({"kernel_image_path": "/nonexistent/Image"})"); },
               "kernel_image_path: '/nonexistent/Image' does not exist.");
    expect_400([&] { parse_boot_source(R"({"kernel_image_path": ")" + dir_.string() + R"("})"); },
               "is a directory, not a file.");
    expect_400(
        [&] {
            parse_boot_source(R"({"kernel_image_path": ")" + k() +
                              R"(", "initrd_path": "/no/initrd"})");
        },
        "initrd_path: '/no/initrd' does not exist.");
    expect_400(
        [&] { parse_boot_source(R"({"kernel_image_path": ")" + k() + R"(", "boot_args": 5})"); },
        "Field 'boot_args' of boot-source must be a string.");
    expect_400(
        [&] { parse_boot_source(R"({"kernel_image_path": ")" + k() + R"(", "kernel": 1})"); },
        "Unknown field 'kernel' in boot-source");
}

TEST_F(JsonConfigTest, Drive) {
    auto dr = parse_drive("rootfs", R"({"drive_id": "rootfs", "path_on_host": ")" + d() +
                                        R"(", "is_root_device": true, "is_read_only": true,
                                        "cache_type": "Writeback", "io_engine": "Sync",
                                        "rate_limiter": null, "format": "raw"})");
    EXPECT_EQ(dr.id, "rootfs");
    EXPECT_TRUE(dr.is_root);
    EXPECT_TRUE(dr.disk.read_only);
    EXPECT_EQ(dr.disk.path, disk_);
    EXPECT_EQ(dr.disk.format, storage::ImageFormat::Raw);
    dr = parse_drive("data-1", R"({"drive_id": "data-1", "path_on_host": ")" + d() +
                                   R"(", "is_root_device": false})");
    EXPECT_FALSE(dr.is_root);
    EXPECT_FALSE(dr.disk.read_only);
    EXPECT_EQ(dr.disk.format, storage::ImageFormat::Auto);

    const std::string ok_tail = R"(", "is_root_device": false})";
    expect_400([&] { parse_drive("a", R"({"drive_id": "b", "path_on_host": ")" + d() + ok_tail); },
               "The id from the path ('a') does not match the id from the body ('b').");
    expect_400(
        [&] { parse_drive("a/b", R"({"drive_id": "a/b", "path_on_host": ")" + d() + ok_tail); },
        "Invalid drive_id 'a/b'");
    expect_400(
        [&] {
            const std::string id(65, 'x');
            parse_drive(id, R"({"drive_id": ")" + id + R"(", "path_on_host": ")" + d() + ok_tail);
        },
        "ids are 1 to 64 characters");
    expect_400(
        [&] {
            parse_drive(
                "a", R"({"drive_id": "a", "path_on_host": "/no/disk", "is_root_device": false})");
        },
        "path_on_host: '/no/disk' does not exist.");
    expect_400([&] { parse_drive("a", R"({"drive_id": "a", "path_on_host": ")" + d() + R"("})"); },
               "Missing field 'is_root_device' in drive.");
    expect_400(
        [&] {
            parse_drive("a", R"({"drive_id": "a", "path_on_host": ")" + d() +
                                 R"(", "is_root_device": "yes"})");
        },
        "Field 'is_root_device' of drive must be true or false.");
    expect_400(
        [&] {
            parse_drive("a",
                        R"({"drive_id": "a", "path_on_host": ")" + d() +
                            R"(", "is_root_device": false, "rate_limiter": {"bandwidth": {}}})");
        },
        "Field 'rate_limiter' of drive is not supported by rvisor");
    expect_400(
        [&] {
            parse_drive("a", R"({"drive_id": "a", "socket": "/tmp/s", "is_root_device": false})");
        },
        "Field 'socket' of drive is not supported by rvisor");
    expect_400(
        [&] {
            parse_drive("a", R"({"drive_id": "a", "path_on_host": ")" + d() +
                                 R"(", "is_root_device": false, "format": "vmdk"})");
        },
        "Field 'format' of drive must be one of \"raw\", \"qcow2\" (got \"vmdk\").");
    expect_400(
        [&] {
            parse_drive("a", R"({"drive_id": "a", "path_on_host": ")" + d() +
                                 R"(", "is_root_device": true, "partuuid": "x/y"})");
        },
        "Field 'partuuid' of drive must be a partition UUID");
    expect_400(
        [&] {
            parse_drive("a", R"({"drive_id": "a", "path_on_host": ")" + d() +
                                 R"(", "is_root_device": false, "readonly": true})");
        },
        "Unknown field 'readonly' in drive");
}

TEST_F(JsonConfigTest, NetworkInterface) {
    auto n = parse_network_interface(
        "eth0",
        R"({"iface_id": "eth0", "host_dev_name": "tap0", "guest_mac": "06:00:AC:10:00:02"})");
    EXPECT_EQ(n.id, "eth0");
    EXPECT_EQ(n.nic.kind, machine::NicConfig::Kind::Tap);
    EXPECT_EQ(n.nic.name_or_ifname, "tap0");
    ASSERT_TRUE(n.nic.mac);
    EXPECT_EQ((*n.nic.mac)[0], 0x06);
    EXPECT_EQ((*n.nic.mac)[5], 0x02);
    n = parse_network_interface("net1", R"({"iface_id": "net1", "backend": "switch:lab"})");
    EXPECT_EQ(n.nic.kind, machine::NicConfig::Kind::Switch);
    EXPECT_EQ(n.nic.name_or_ifname, "lab");
    EXPECT_FALSE(n.nic.mac);
    n = parse_network_interface(
        "net2", R"({"iface_id": "net2", "backend": "user,hostfwd=tcp:127.0.0.1:2222-:22"})");
    EXPECT_EQ(n.nic.kind, machine::NicConfig::Kind::User);
    ASSERT_EQ(n.nic.hostfwd.size(), 1u);
    EXPECT_EQ(n.nic.hostfwd[0], "tcp:127.0.0.1:2222-:22");

    expect_400([] { parse_network_interface("eth0", R"({"iface_id": "eth0"})"); },
               "Missing field 'host_dev_name' in network-interface.");
    expect_400(
        [] { parse_network_interface("eth0", R"({"iface_id": "eth1", "host_dev_name": "tap0"})"); },
        "The id from the path ('eth0') does not match the id from the body ('eth1').");
    expect_400(
        [] {
            parse_network_interface("eth 0", R"({"iface_id": "eth 0", "host_dev_name": "tap0"})");
        },
        "Invalid iface_id 'eth 0'");
    expect_400(
        [] {
            parse_network_interface(
                "eth0", R"({"iface_id": "eth0", "host_dev_name": "tap0", "backend": "user"})");
        },
        "give either 'host_dev_name' (a TAP interface) or 'backend', not both.");
    expect_400(
        [] {
            parse_network_interface(
                "eth0", R"({"iface_id": "eth0", "host_dev_name": "a-very-long-interface"})");
        },
        "Field 'host_dev_name' of network-interface must be a host interface name");
    expect_400(
        [] { parse_network_interface("eth0", R"({"iface_id": "eth0", "backend": "bridge:br0"})"); },
        "Field 'backend' of network-interface: ");
    expect_400(
        [] {
            parse_network_interface(
                "eth0",
                R"({"iface_id": "eth0", "host_dev_name": "tap0", "guest_mac": "01:00:5e:00:00:01"})");
        },
        "Field 'guest_mac' of network-interface must be a unicast MAC");
    expect_400(
        [] {
            parse_network_interface(
                "eth0", R"({"iface_id": "eth0", "host_dev_name": "tap0", "mtu": 9000})");
        },
        "Field 'mtu' of network-interface is not supported by rvisor");
    expect_400(
        [] {
            parse_network_interface(
                "eth0", R"({"iface_id": "eth0", "host_dev_name": "tap0", "rx_rate_limiter": {}})");
        },
        "Field 'rx_rate_limiter' of network-interface is not supported by rvisor");
    expect_400(
        [] { parse_network_interface("eth0", R"({"iface_id": 7, "host_dev_name": "tap0"})"); },
        "Field 'iface_id' of network-interface must be a string.");
}

TEST_F(JsonConfigTest, ActionsAndVmState) {
    EXPECT_EQ(parse_action(R"({"action_type": "InstanceStart"})"), Action::InstanceStart);
    EXPECT_EQ(parse_action(R"({"action_type": "SendCtrlAltDel"})"), Action::SendCtrlAltDel);
    EXPECT_EQ(parse_action(R"({"action_type": "FlushMetrics"})"), Action::FlushMetrics);
    expect_400([] { parse_action(R"({"action_type": "Reboot"})"); },
               "Field 'action_type' of action must be one of \"InstanceStart\", "
               "\"SendCtrlAltDel\", \"FlushMetrics\" (got \"Reboot\").");
    expect_400([] { parse_action("{}"); }, "Missing field 'action_type' in action.");
    expect_400([] { parse_action(R"({"action_type": "InstanceStart", "now": true})"); },
               "Unknown field 'now' in action");

    EXPECT_TRUE(parse_vm_state_paused(R"({"state": "Paused"})"));
    EXPECT_FALSE(parse_vm_state_paused(R"({"state": "Resumed"})"));
    expect_400([] { parse_vm_state_paused(R"({"state": "paused"})"); },
               "Field 'state' of vm must be one of \"Paused\", \"Resumed\" (got \"paused\").");
    expect_400([] { parse_vm_state_paused(R"({"state": true})"); },
               "Field 'state' of vm must be a string.");
}

TEST_F(JsonConfigTest, Snapshots) {
    const std::string snap = (dir_ / "vm.snap").string();
    auto c = parse_snapshot_create(R"({"snapshot_path": ")" + snap + R"(", "mem_file_path": ")" +
                                   snap + R"(.mem", "snapshot_type": "Full"})");
    EXPECT_EQ(c.snapshot_path, dir_ / "vm.snap");
    ASSERT_TRUE(c.mem_file_path);
    expect_400([] { parse_snapshot_create(R"({"snapshot_path": "/no/such/dir/vm.snap"})"); },
               "snapshot_path: the folder '/no/such/dir' does not exist.");
    expect_400(
        [&] {
            parse_snapshot_create(R"({"snapshot_path": ")" + snap +
                                  R"(", "snapshot_type": "Diff"})");
        },
        "snapshot_type \"Diff\" is not supported by rvisor");
    expect_400([] { parse_snapshot_create("{}"); },
               "Missing field 'snapshot_path' in snapshot-create.");

    auto l = parse_snapshot_load(R"({"snapshot_path": ")" + d() +
                                 R"(", "mem_backend": {"backend_type": "File", "backend_path": "x"},
                                 "resume_vm": true})");
    EXPECT_EQ(l.snapshot_path, disk_);
    EXPECT_TRUE(l.resume_vm);
    l = parse_snapshot_load(R"({"snapshot_path": ")" + d() + R"("})");
    EXPECT_FALSE(l.resume_vm);
    expect_400([] { parse_snapshot_load(R"({"snapshot_path": "/no/vm.snap"})"); },
               "snapshot_path: '/no/vm.snap' does not exist.");
    expect_400(
        [&] { parse_snapshot_load(R"({"snapshot_path": ")" + d() + R"(", "resume_vm": "yes"})"); },
        "Field 'resume_vm' of snapshot-load must be true or false.");
    expect_400(
        [&] {
            parse_snapshot_load(
                R"({"snapshot_path": ")" + d() +
                R"(", "network_overrides": [{"iface_id": "a", "host_dev_name": "t"}]})");
        },
        "Field 'network_overrides' of snapshot-load is not supported by rvisor");
}

TEST_F(JsonConfigTest, MetricsAndLogger) {
    const std::string m = (dir_ / "metrics.json").string();
    EXPECT_EQ(parse_metrics(R"({"metrics_path": ")" + m + R"("})"), dir_ / "metrics.json");
    expect_400([] { parse_metrics("{}"); }, "Missing field 'metrics_path' in metrics.");
    expect_400([] { parse_metrics(R"({"metrics_path": "/no/dir/m"})"); },
               "metrics_path: the folder '/no/dir' does not exist.");

    auto l = parse_logger(R"({"log_path": ")" + m + R"(", "level": "debug", "show_level": true})");
    EXPECT_EQ(l.level, LogLevel::Debug);
    EXPECT_TRUE(l.show_level);
    EXPECT_FALSE(l.show_log_origin);
    expect_400([] { parse_logger(R"({"level": "Loud"})"); },
               "Field 'level' of logger must be one of Error, Warning, Info, Debug, Trace, Off "
               "(got \"Loud\").");
    expect_400([] { parse_logger(R"({"show_level": "no"})"); },
               "Field 'show_level' of logger must be true or false.");
}

TEST(StatsJson, DeviceCountersWithTotalsAndIds) {
    machine::VmStats s;
    s.state = machine::VmState::Running;
    s.vcpus = 2;
    s.memory_bytes = 256ULL << 20;
    s.instructions = 12345;
    s.uptime = std::chrono::milliseconds(1500);
    s.memory_touched_bytes = 40960;
    s.drives = {{"rootfs", {4096, 512, 9, 1, 2}}, {"data", {1000, 24, 3, 0, 0}}};
    s.nics = {{"eth0", {600, 5, 1, 300, 4, 2}}};
    EXPECT_EQ(stats_json(s), json::parse(R"({
        "state": "Running", "vcpus": 2, "mem_size_mib": 256, "instructions": 12345,
        "uptime_ms": 1500, "memory_touched_bytes": 40960,
        "disk_read_bytes": 5096, "disk_write_bytes": 536, "net_rx_bytes": 600,
        "net_tx_bytes": 300,
        "drives": [
            {"drive_id": "rootfs", "read_bytes": 4096, "write_bytes": 512, "requests": 9,
             "flushes": 1, "errors": 2},
            {"drive_id": "data", "read_bytes": 1000, "write_bytes": 24, "requests": 3,
             "flushes": 0, "errors": 0}],
        "network_interfaces": [
            {"iface_id": "eth0", "rx_bytes": 600, "rx_frames": 5, "rx_dropped": 1,
             "tx_bytes": 300, "tx_frames": 4, "tx_dropped": 2}]})"));
}

TEST(StatsJson, NotStartedHasZeroTotalsAndNoDevices) {
    const json j = stats_json(machine::VmStats{});
    EXPECT_EQ(j["disk_read_bytes"], 0);
    EXPECT_EQ(j["net_tx_bytes"], 0);
    EXPECT_EQ(j["memory_touched_bytes"], 0);
    EXPECT_EQ(j["drives"], json::array());
    EXPECT_EQ(j["network_interfaces"], json::array());
    EXPECT_FALSE(j.contains("exit_reason"));
}

TEST(ResourceId, Charset) {
    EXPECT_TRUE(valid_resource_id("rootfs"));
    EXPECT_TRUE(valid_resource_id("net_0-a"));
    EXPECT_TRUE(valid_resource_id(std::string(64, 'a')));
    EXPECT_FALSE(valid_resource_id(""));
    EXPECT_FALSE(valid_resource_id(std::string(65, 'a')));
    EXPECT_FALSE(valid_resource_id("../x"));
    EXPECT_FALSE(valid_resource_id("a.b"));
}

}  // namespace
}  // namespace rvisor::api
