// The route table and the socket: a VmApiServer on a temporary Unix socket, driven over HTTP
// with cpp-httplib's client, before the VM starts (the boot itself is tests/system/api_test.py).
#include "api/vm_api_server.hpp"

#include <gtest/gtest.h>
#include <httplib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <sstream>

namespace rvisor::api {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class ApiServerTest : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("rvisor-api-" + std::to_string(::getpid()));
        fs::create_directories(dir_);
        sock_ = dir_ / "api.sock";
        std::ofstream(dir_ / "disk.img") << "disk";
        std::ofstream(dir_ / "not-a-kernel") << "this is not a kernel";
        machine::VmConfig base;
        base.name = "vm-under-test";
        base.console.kind = machine::ConsoleConfig::Kind::File;
        base.console.path = dir_ / "console.log";
        controller_ = std::make_unique<machine::VmController>(base);
        server_ = std::make_unique<VmApiServer>(*controller_);
        server_->listen(sock_);
        client_ = std::make_unique<httplib::Client>(sock_.string(), 80);
        client_->set_address_family(AF_UNIX);
    }
    void TearDown() override {
        client_.reset();
        server_.reset();
        controller_.reset();
        fs::remove_all(dir_);
    }

    struct Reply {
        int status;
        std::string body;
        json j() const { return json::parse(body); }
        std::string fault() const { return j().at("fault_message").get<std::string>(); }
    };
    Reply get(const std::string& path) { return reply(client_->Get(path)); }
    Reply put(const std::string& path, const std::string& body) {
        return reply(client_->Put(path, body, "application/json"));
    }
    Reply patch(const std::string& path, const std::string& body) {
        return reply(client_->Patch(path, body, "application/json"));
    }
    static Reply reply(const httplib::Result& r) {
        if (!r) return {-1, httplib::to_string(r.error())};
        return {r->status, r->body};
    }
    std::string disk() const { return (dir_ / "disk.img").string(); }

    fs::path dir_, sock_;
    std::unique_ptr<machine::VmController> controller_;
    std::unique_ptr<VmApiServer> server_;
    std::unique_ptr<httplib::Client> client_;
};

TEST_F(ApiServerTest, SocketIsPrivateAndRemovedAtExit) {
    struct stat st {};
    ASSERT_EQ(::lstat(sock_.c_str(), &st), 0);
    EXPECT_TRUE(S_ISSOCK(st.st_mode));
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    server_.reset();
    EXPECT_FALSE(fs::exists(sock_));
}

TEST_F(ApiServerTest, RefusesALiveServerReplacesAStaleSocket) {
    VmApiServer second(*controller_);
    try {
        second.listen(sock_);
        ADD_FAILURE() << "a second server bound a live socket";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("another server is listening there"),
                  std::string::npos)
            << e.what();
    }
    EXPECT_EQ(get("/").status, 200);  // the first one still serves

    // A socket file nobody listens on (a crashed process) is replaced.
    const fs::path stale = dir_ / "stale.sock";
    {
        const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::strncpy(addr.sun_path, stale.c_str(), sizeof addr.sun_path - 1);
        ASSERT_EQ(::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr), 0);
        ::close(fd);  // closed without removing the file
    }
    ASSERT_TRUE(fs::exists(stale));
    VmApiServer third(*controller_);
    third.listen(stale);
    httplib::Client c(stale.string(), 80);
    c.set_address_family(AF_UNIX);
    auto r = c.Get("/");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);

    // A regular file is never deleted.
    const fs::path file = dir_ / "file";
    std::ofstream(file) << "keep";
    VmApiServer fourth(*controller_);
    EXPECT_THROW(fourth.listen(file), std::runtime_error);
    EXPECT_TRUE(fs::exists(file));
}

TEST_F(ApiServerTest, InstanceInfoAndDefaults) {
    Reply r = get("/");
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(r.j()["id"], "vm-under-test");
    EXPECT_EQ(r.j()["state"], "Not started");
    EXPECT_EQ(r.j()["app_name"], "rvisor");
    EXPECT_TRUE(r.j()["vmm_version"].is_string());
    r = get("/machine-config");
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(r.j(), json::parse(R"({"vcpu_count": 1, "mem_size_mib": 512, "smt": false,
                                     "track_dirty_pages": false, "huge_pages": "None"})"));
    r = get("/stats");
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(r.j()["state"], "Not started");
    EXPECT_EQ(r.j()["instructions"], 0);
    EXPECT_EQ(r.j()["disk_read_bytes"], 0);
    EXPECT_EQ(r.j()["drives"], json::array());
}

TEST_F(ApiServerTest, ConfigurationRoutes) {
    EXPECT_EQ(put("/machine-config", R"({"vcpu_count": 2, "mem_size_mib": 256})").status, 204);
    EXPECT_EQ(patch("/machine-config", R"({"mem_size_mib": 128})").status, 204);
    Reply r = get("/machine-config");
    EXPECT_EQ(r.j()["vcpu_count"], 2);
    EXPECT_EQ(r.j()["mem_size_mib"], 128);
    r = patch("/machine-config", R"({"vcpu_count": 64})");
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.fault(), "mem_size_mib 128 is too small for 64 vCPUs (at least 160).");

    const std::string body = R"(", "is_root_device": false, "is_read_only": true})";
    EXPECT_EQ(
        put("/drives/data", R"({"drive_id": "data", "path_on_host": ")" + disk() + body).status,
        204);
    EXPECT_EQ(put("/drives/rootfs", R"({"drive_id": "rootfs", "path_on_host": ")" + disk() +
                                        R"(", "is_root_device": true})")
                  .status,
              204);
    // Same id: replaced, not added.
    EXPECT_EQ(put("/drives/data", R"({"drive_id": "data", "path_on_host": ")" + disk() +
                                      R"(", "is_root_device": false})")
                  .status,
              204);
    r = put("/drives/other", R"({"drive_id": "other", "path_on_host": ")" + disk() +
                                 R"(", "is_root_device": true})");
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.fault(), "A root block device already exists (drive 'rootfs').");
    EXPECT_EQ(
        put("/network-interfaces/eth0",
            R"({"iface_id": "eth0", "backend": "switch:lab", "guest_mac": "06:00:00:00:00:01"})")
            .status,
        204);
    r = put("/network-interfaces/eth1",
            R"({"iface_id": "eth1", "host_dev_name": "tap1", "guest_mac": "06:00:00:00:00:01"})");
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.fault(), "The MAC address is already in use by network interface 'eth0'.");

    r = get("/vm/config");
    ASSERT_EQ(r.status, 200);
    const json c = r.j();
    EXPECT_TRUE(c["boot-source"].is_null());
    EXPECT_EQ(c["machine-config"]["vcpu_count"], 2);
    ASSERT_EQ(c["drives"].size(), 2u);
    EXPECT_EQ(c["drives"][0]["drive_id"], "data");
    EXPECT_EQ(c["drives"][0]["is_read_only"], false);  // the replacement's value
    EXPECT_EQ(c["drives"][1]["drive_id"], "rootfs");
    EXPECT_EQ(c["drives"][1]["is_root_device"], true);
    EXPECT_EQ(c["drives"][1]["path_on_host"], disk());
    ASSERT_EQ(c["network-interfaces"].size(), 1u);
    EXPECT_EQ(c["network-interfaces"][0],
              json::parse(R"({"iface_id": "eth0", "backend": "switch:lab",
                              "guest_mac": "06:00:00:00:00:01"})"));
    // The machine sees the root drive first (it must be /dev/vda) and root= on the command line.
    const machine::ControllerConfig cc = controller_->config();
    ASSERT_EQ(cc.config.disks.size(), 2u);
    EXPECT_EQ(cc.config.disks[0].read_only, false);
    EXPECT_EQ(cc.config.append, "console=ttyS0 root=/dev/vda rw");

    EXPECT_EQ(put("/boot-source", R"({"kernel_image_path": ")" + disk() +
                                      R"(", "boot_args": "console=ttyS0 quiet"})")
                  .status,
              204);
    r = get("/vm/config");
    EXPECT_EQ(r.j()["boot-source"]["kernel_image_path"], disk());
    EXPECT_EQ(r.j()["boot-source"]["boot_args"], "console=ttyS0 quiet");
}

TEST_F(ApiServerTest, BadRequests) {
    Reply r = put("/machine-config", "{\"vcpu_count\": ");
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.fault().rfind("Malformed JSON in the machine-config body: ", 0), 0u) << r.fault();
    r = put("/machine-config", R"({"vcpu_count": 1, "mem_size_mib": 64, "vcpus": 1})");
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.fault(),
              "Unknown field 'vcpus' in machine-config (expected vcpu_count, mem_size_mib, smt, "
              "cpu_template, track_dirty_pages, huge_pages).");
    r = put("/boot-source", R"({"kernel_image_path": "/nonexistent/Image"})");
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.fault(), "kernel_image_path: '/nonexistent/Image' does not exist.");
    r = put("/drives/bad.id", R"({"drive_id": "bad.id", "path_on_host": ")" + disk() +
                                  R"(", "is_root_device": false})");
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.fault(),
              "Invalid drive_id 'bad.id': ids are 1 to 64 characters from A-Z, a-z, 0-9, '_' "
              "and '-'.");

    // Unknown routes and methods: Firecracker's 400 with the path without its '/'.
    r = get("/nope");
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.fault(), "Invalid request method and/or path: GET nope.");
    r = put("/vm", R"({"state": "Paused"})");
    EXPECT_EQ(r.fault(), "Invalid request method and/or path: PUT vm.");
    r = get("/boot-source");
    EXPECT_EQ(r.fault(), "Invalid request method and/or path: GET boot-source.");
    r = put("/drives/", "{}");
    EXPECT_EQ(r.fault(), "Invalid request method and/or path: PUT drives/.");
    r = put("/drives/a/b", "{}");
    EXPECT_EQ(r.fault(), "Invalid request method and/or path: PUT drives/a/b.");
    r = reply(client_->Delete("/drives/a"));
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.fault(), "Invalid request method and/or path: DELETE drives/a.");
    r = patch("/drives/a", R"({"drive_id": "a"})");
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.fault(),
              "Updating a drive or network interface after boot is not supported by rvisor.");

    // Post-boot calls before the start.
    const std::string before =
        "The requested operation is not supported before starting the microVM.";
    r = patch("/vm", R"({"state": "Paused"})");
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.fault(), before);
    EXPECT_EQ(patch("/vm", R"({"state": "Resumed"})").fault(), before);
    EXPECT_EQ(
        put("/snapshot/create", R"({"snapshot_path": ")" + (dir_ / "s").string() + "\"}").fault(),
        before);
    EXPECT_EQ(put("/actions", R"({"action_type": "SendCtrlAltDel"})").fault(), before);

    // InstanceStart without a kernel, then with a file that is not one: refused, nothing changes.
    r = put("/actions", R"({"action_type": "InstanceStart"})");
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.fault(),
              "Cannot start the microVM without a kernel: PUT /boot-source with "
              "kernel_image_path first.");
    ASSERT_EQ(
        put("/boot-source", R"({"kernel_image_path": ")" + (dir_ / "not-a-kernel").string() + "\"}")
            .status,
        204);
    r = put("/actions", R"({"action_type": "InstanceStart"})");
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.fault().rfind("Cannot start the microVM: ", 0), 0u) << r.fault();
    EXPECT_EQ(get("/").j()["state"], "Not started");
    // Still configurable.
    EXPECT_EQ(put("/machine-config", R"({"vcpu_count": 1, "mem_size_mib": 64})").status, 204);

    // A snapshot load after configuring resources (Firecracker's rule).
    r = put("/snapshot/load", R"({"snapshot_path": ")" + disk() + "\"}");
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.fault(),
              "Loading a microVM snapshot is not allowed after configuring boot-specific "
              "resources.");
}

TEST_F(ApiServerTest, MetricsAndLogger) {
    Reply r = put("/actions", R"({"action_type": "FlushMetrics"})");
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.fault(),
              "FlushMetrics: the metrics system is not initialized (PUT /metrics first).");
    const fs::path metrics = dir_ / "metrics.json";
    EXPECT_EQ(put("/metrics", R"({"metrics_path": ")" + metrics.string() + "\"}").status, 204);
    r = put("/metrics", R"({"metrics_path": ")" + metrics.string() + "\"}");
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.fault(), "Reinitialization of metrics not allowed.");
    EXPECT_EQ(put("/actions", R"({"action_type": "FlushMetrics"})").status, 204);
    {
        std::ifstream in(metrics);
        std::string line;
        ASSERT_TRUE(std::getline(in, line));
        const json m = json::parse(line);
        EXPECT_EQ(m["state"], "Not started");
        EXPECT_EQ(m["vcpus"], 1);
        EXPECT_TRUE(m["utc_timestamp"].is_string());
    }

    const fs::path log = dir_ / "api.log";
    EXPECT_EQ(put("/logger", R"({"log_path": ")" + log.string() +
                                 R"(", "level": "Warning", "show_level": true})")
                  .status,
              204);
    EXPECT_EQ(get("/").status, 200);  // Info: not logged at Warning
    EXPECT_EQ(get("/nope").status, 400);
    std::ifstream in(log);
    std::stringstream all;
    all << in.rdbuf();
    const std::string text = all.str();
    EXPECT_NE(text.find("[vm-under-test] [Warning] GET /nope 400: Invalid request method and/or "
                        "path: GET nope.\n"),
              std::string::npos)
        << text;
    EXPECT_EQ(text.find("GET / 200"), std::string::npos) << text;
    r = get("/vm/config");
    EXPECT_EQ(r.j()["logger"]["level"], "Warning");
    EXPECT_EQ(r.j()["metrics"]["metrics_path"], metrics.string());
}

}  // namespace
}  // namespace rvisor::api
