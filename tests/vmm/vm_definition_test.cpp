#include "vmm/vm_definition.hpp"

#include <gtest/gtest.h>

#include <string>

#include "vmm/api_error.hpp"

namespace rvisor::vmm {
namespace {

using nlohmann::json;

// The ApiError status and message of parsing `text`, or {0, ""} when it parses.
std::pair<int, std::string> error_of(const std::string& text, bool check_files = false) {
    try {
        parse_vm_definition(json::parse(text), check_files);
        return {0, ""};
    } catch (const ApiError& e) {
        return {e.status(), e.what()};
    }
}

TEST(VmDefinition, NamesAreOneToSixtyFourSafeCharacters) {
    EXPECT_TRUE(is_valid_vm_name("web-1_A"));
    EXPECT_TRUE(is_valid_vm_name(std::string(64, 'a')));
    EXPECT_FALSE(is_valid_vm_name(std::string(65, 'a')));
    EXPECT_FALSE(is_valid_vm_name(""));
    for (const char* bad : {"a/b", "..", "a.b", "a b", "a\\b", "é", "a\n"})
        EXPECT_FALSE(is_valid_vm_name(bad)) << bad;
}

TEST(VmDefinition, ParsesEveryFieldAndRoundTrips) {
    const json j = json::parse(R"({"name": "vm1", "vcpus": 2, "memory_mib": 256,
        "kernel": "/k/Image", "initrd": "/k/initrd", "cmdline": "console=ttyS0 quiet",
        "disks": [{"path": "/d/a.qcow2", "format": "qcow2", "read_only": true}],
        "nics": [{"backend": "switch:lan0", "mac": "02:00:00:00:00:01"}, {"backend": "user"}],
        "cpu_weight": 200, "cpu_cap_percent": 150})");
    const VmDefinition d = parse_vm_definition(j, false);
    EXPECT_EQ(d.name, "vm1");
    EXPECT_EQ(d.vcpus, 2u);
    EXPECT_EQ(d.memory_mib, 256u);
    EXPECT_EQ(d.kernel, "/k/Image");
    EXPECT_EQ(*d.cmdline, "console=ttyS0 quiet");
    ASSERT_EQ(d.disks.size(), 1u);
    EXPECT_TRUE(d.disks[0].read_only);
    EXPECT_EQ(d.disks[0].format, "qcow2");
    ASSERT_EQ(d.nics.size(), 2u);
    EXPECT_EQ(d.nics[0].mac, "02:00:00:00:00:01");
    EXPECT_EQ(d.cpu_weight, 200u);
    EXPECT_EQ(d.cpu_cap_percent, 150u);
    EXPECT_EQ(parse_vm_definition(to_json(d), false), d);
}

TEST(VmDefinition, DefaultsNeedOnlyAName) {
    const VmDefinition d = parse_vm_definition(json::parse(R"({"name": "x"})"));
    EXPECT_EQ(d.vcpus, 1u);
    EXPECT_EQ(d.memory_mib, 512u);
    EXPECT_TRUE(d.kernel.empty());
    EXPECT_FALSE(d.cmdline.has_value());
}

TEST(VmDefinition, EveryProblemIsA400NamingTheField) {
    const std::pair<const char*, const char*> cases[] = {
        {R"([1])", "must be a JSON object"},
        {R"({})", "'name' is missing"},
        {R"({"name": "a/b"})", "name 'a/b'"},
        {R"({"name": 7})", "'name' must be a string"},
        {R"({"name": "a", "colour": 1})", "unknown field 'colour'"},
        {R"({"name": "a", "vcpus": "2"})", "'vcpus' must be an integer from 1 to 64"},
        {R"({"name": "a", "vcpus": 0})", "'vcpus' must be an integer"},
        {R"({"name": "a", "vcpus": 65})", "'vcpus' must be an integer"},
        {R"({"name": "a", "vcpus": 1.5})", "'vcpus' must be an integer"},
        {R"({"name": "a", "memory_mib": -1})", "'memory_mib' must be an integer from 16"},
        {R"({"name": "a", "kernel": "Image"})", "'kernel' must be an absolute path"},
        {R"({"name": "a", "kernel": "/k", "cmdline": 3})", "'cmdline' must be a string"},
        {R"({"name": "a", "initrd": "/i"})", "'initrd' needs 'kernel'"},
        {R"({"name": "a", "disks": {}})", "'disks' must be an array"},
        {R"({"name": "a", "disks": [{"format": "raw"}]})", "'disks[0].path' is missing"},
        {R"({"name": "a", "disks": [{"path": "/d", "format": "vmdk"}]})", "disks[0].format"},
        {R"({"name": "a", "disks": [{"path": "/d", "readonly": true}]})",
         "unknown field 'disks[0].readonly'"},
        {R"({"name": "a", "nics": [{"backend": "bridge:x"}]})", "'nics[0].backend' must be"},
        {R"({"name": "a", "nics": [{"backend": "user", "mac": "01:00:00:00:00:01"}]})",
         "'nics[0].mac' must be a unicast MAC"},
        {R"({"name": "a", "cpu_weight": 0})", "'cpu_weight' must be an integer from 1 to 10000"},
    };
    for (const auto& [text, message] : cases) {
        const auto [status, what] = error_of(text);
        EXPECT_EQ(status, 400) << text;
        EXPECT_NE(what.find(message), std::string::npos) << text << " -> " << what;
    }
}

TEST(VmDefinition, MissingFilesAreReportedWhenChecked) {
    const auto [status, what] = error_of(R"({"name": "a", "kernel": "/nonexistent/Image"})", true);
    EXPECT_EQ(status, 400);
    EXPECT_NE(what.find("/nonexistent/Image does not exist"), std::string::npos) << what;
    EXPECT_EQ(error_of(R"({"name": "a", "kernel": "/nonexistent/Image"})", false).first, 0);
}

TEST(VmDefinition, RunConfigUsesRvisorRunKeys) {
    VmDefinition d;
    d.name = "n";
    d.vcpus = 2;
    d.memory_mib = 128;
    d.cmdline = "console=ttyS0";
    d.disks.push_back({"/d.img", "raw", true});
    const json j = run_config_json(d);
    EXPECT_EQ(j, json::parse(R"({"name": "n", "cpus": 2, "memory": "128M",
        "append": "console=ttyS0",
        "disks": [{"path": "/d.img", "format": "raw", "readonly": true}]})"));
    d.nics.push_back({"switch:lan", "02:00:00:00:00:09"});
    EXPECT_EQ(run_config_json(d)["nics"],
              json::parse(R"([{"net": "switch:lan", "mac": "02:00:00:00:00:09"}])"));
}

}  // namespace
}  // namespace rvisor::vmm
