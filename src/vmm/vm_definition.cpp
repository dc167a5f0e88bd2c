#include "vmm/vm_definition.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>

#include "vmm/api_error.hpp"

namespace rvisor::vmm {

using nlohmann::json;

bool is_valid_vm_name(std::string_view name) {
    if (name.empty() || name.size() > 64) return false;
    return std::all_of(name.begin(), name.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
    });
}

void check_vm_name(std::string_view name) {
    if (!is_valid_vm_name(name))
        throw ApiError(400, "name '" + std::string(name.substr(0, 80)) +
                                "' is not 1 to 64 characters of A-Z a-z 0-9 _ -");
}

namespace {

[[noreturn]] void bad(const std::string& message) {
    throw ApiError(400, message);
}

std::string string_field(const json& v, const std::string& field) {
    if (!v.is_string()) bad("field '" + field + "' must be a string");
    return v.get<std::string>();
}

u64 integer_field(const json& v, const std::string& field, u64 min, u64 max) {
    // Negative numbers parse as signed integers, so "unsigned" also rules them out.
    if (!v.is_number_unsigned() || v.get<u64>() < min || v.get<u64>() > max)
        bad("field '" + field + "' must be an integer from " + std::to_string(min) + " to " +
            std::to_string(max));
    return v.get<u64>();
}

// An absolute path to an existing regular file (or block device for disks).
std::string file_field(const json& v, const std::string& field, bool check_files) {
    std::string p = string_field(v, field);
    if (p.empty() || p.front() != '/') bad("field '" + field + "' must be an absolute path");
    if (p.find('\0') != std::string::npos || p.size() > 4096)
        bad("field '" + field + "' is not a usable path");
    if (check_files) {
        struct stat st {};
        if (::stat(p.c_str(), &st) != 0) bad("field '" + field + "': " + p + " does not exist");
        if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))
            bad("field '" + field + "': " + p + " is not a regular file");
    }
    return p;
}

// "02:00:00:00:00:01": six hex pairs, unicast (bit 0 of the first octet clear).
bool is_unicast_mac(std::string_view s) {
    if (s.size() != 17) return false;
    for (std::size_t i = 0; i < 17; ++i) {
        if (i % 3 == 2) {
            if (s[i] != ':') return false;
        } else if (!std::isxdigit(static_cast<unsigned char>(s[i]))) {
            return false;
        }
    }
    const int first = std::stoi(std::string(s.substr(0, 2)), nullptr, 16);
    return (first & 1) == 0;
}

// The --net syntax's shape; rvisor run checks the options in detail when the VM starts.
bool is_nic_backend(std::string_view b) {
    if (b.find_first_of("\n\r\t ") != std::string_view::npos) return false;
    if (b.rfind("switch:", 0) == 0) {
        const std::string_view name = b.substr(7, b.find(',') - 7);
        return !name.empty();
    }
    if (b == "user" || b.rfind("user,", 0) == 0) return true;
    return b.rfind("tap,", 0) == 0 && b.find("ifname=") != std::string_view::npos;
}

DiskDefinition parse_disk(const json& d, std::size_t index, bool check_files) {
    const std::string where = "disks[" + std::to_string(index) + "]";
    if (!d.is_object()) bad("field '" + where + "' must be an object");
    DiskDefinition disk;
    bool have_path = false;
    for (const auto& [key, v] : d.items()) {
        if (key == "path") {
            disk.path = file_field(v, where + ".path", check_files);
            have_path = true;
        } else if (key == "format") {
            disk.format = string_field(v, where + ".format");
            if (disk.format != "raw" && disk.format != "qcow2")
                bad("field '" + where + ".format' must be \"raw\" or \"qcow2\"");
        } else if (key == "read_only") {
            if (!v.is_boolean()) bad("field '" + where + ".read_only' must be true or false");
            disk.read_only = v.get<bool>();
        } else {
            bad("unknown field '" + where + "." + key + "' (expected path, format, read_only)");
        }
    }
    if (!have_path) bad("field '" + where + ".path' is missing");
    return disk;
}

NicDefinition parse_nic(const json& n, std::size_t index) {
    const std::string where = "nics[" + std::to_string(index) + "]";
    if (!n.is_object()) bad("field '" + where + "' must be an object");
    NicDefinition nic;
    bool have_backend = false;
    for (const auto& [key, v] : n.items()) {
        if (key == "backend") {
            nic.backend = string_field(v, where + ".backend");
            if (!is_nic_backend(nic.backend))
                bad("field '" + where +
                    ".backend' must be switch:NAME, user[,hostfwd=...] or "
                    "tap,ifname=IF");
            have_backend = true;
        } else if (key == "mac") {
            nic.mac = string_field(v, where + ".mac");
            if (!is_unicast_mac(nic.mac))
                bad("field '" + where + ".mac' must be a unicast MAC like 02:00:00:00:00:01");
        } else {
            bad("unknown field '" + where + "." + key + "' (expected backend, mac)");
        }
    }
    if (!have_backend) bad("field '" + where + ".backend' is missing");
    return nic;
}

}  // namespace

VmDefinition parse_vm_definition(const json& j, bool check_files) {
    if (!j.is_object()) bad("the VM definition must be a JSON object");
    VmDefinition d;
    bool have_name = false;
    for (const auto& [key, v] : j.items()) {
        if (key == "name") {
            d.name = string_field(v, "name");
            check_vm_name(d.name);
            have_name = true;
        } else if (key == "vcpus") {
            d.vcpus = static_cast<u32>(integer_field(v, "vcpus", 1, kMaxVcpus));
        } else if (key == "memory_mib") {
            d.memory_mib = integer_field(v, "memory_mib", kMinMemoryMib, kMaxMemoryMib);
        } else if (key == "kernel") {
            d.kernel = file_field(v, "kernel", check_files);
        } else if (key == "initrd") {
            d.initrd = file_field(v, "initrd", check_files);
        } else if (key == "cmdline") {
            d.cmdline = string_field(v, "cmdline");
            if (d.cmdline->size() > 4096) bad("field 'cmdline' is longer than 4096 bytes");
        } else if (key == "disks") {
            if (!v.is_array()) bad("field 'disks' must be an array of objects");
            for (std::size_t i = 0; i < v.size(); ++i)
                d.disks.push_back(parse_disk(v[i], i, check_files));
        } else if (key == "nics") {
            if (!v.is_array()) bad("field 'nics' must be an array of objects");
            for (std::size_t i = 0; i < v.size(); ++i) d.nics.push_back(parse_nic(v[i], i));
        } else if (key == "cpu_weight") {
            d.cpu_weight = static_cast<u32>(integer_field(v, "cpu_weight", 1, 10000));
        } else if (key == "cpu_cap_percent") {
            d.cpu_cap_percent =
                static_cast<u32>(integer_field(v, "cpu_cap_percent", 0, 100 * kMaxVcpus));
        } else {
            bad("unknown field '" + key +
                "' (expected name, vcpus, memory_mib, kernel, initrd, cmdline, disks, nics, "
                "cpu_weight, cpu_cap_percent)");
        }
    }
    if (!have_name) bad("field 'name' is missing");
    if (d.initrd.size() && d.kernel.empty()) bad("field 'initrd' needs 'kernel' as well");
    return d;
}

json to_json(const VmDefinition& d) {
    json j = {{"name", d.name}, {"vcpus", d.vcpus}, {"memory_mib", d.memory_mib}};
    if (!d.kernel.empty()) j["kernel"] = d.kernel;
    if (!d.initrd.empty()) j["initrd"] = d.initrd;
    if (d.cmdline) j["cmdline"] = *d.cmdline;
    j["disks"] = json::array();
    for (const auto& disk : d.disks) {
        json o = {{"path", disk.path}, {"read_only", disk.read_only}};
        if (!disk.format.empty()) o["format"] = disk.format;
        j["disks"].push_back(o);
    }
    j["nics"] = json::array();
    for (const auto& nic : d.nics) {
        json o = {{"backend", nic.backend}};
        if (!nic.mac.empty()) o["mac"] = nic.mac;
        j["nics"].push_back(o);
    }
    j["cpu_weight"] = d.cpu_weight;
    j["cpu_cap_percent"] = d.cpu_cap_percent;
    return j;
}

json run_config_json(const VmDefinition& d) {
    json j = {{"name", d.name}, {"cpus", d.vcpus}, {"memory", std::to_string(d.memory_mib) + "M"}};
    if (!d.kernel.empty()) j["kernel"] = d.kernel;
    if (!d.initrd.empty()) j["initrd"] = d.initrd;
    if (d.cmdline) j["append"] = *d.cmdline;
    if (!d.disks.empty()) {
        j["disks"] = json::array();
        for (const auto& disk : d.disks) {
            json o = {{"path", disk.path}, {"readonly", disk.read_only}};
            if (!disk.format.empty()) o["format"] = disk.format;
            j["disks"].push_back(o);
        }
    }
    // Only when present, so an rvisor without networking still runs disk-only VMs.
    if (!d.nics.empty()) {
        j["nics"] = json::array();
        for (const auto& nic : d.nics) {
            json o = {{"net", nic.backend}};
            if (!nic.mac.empty()) o["mac"] = nic.mac;
            j["nics"].push_back(o);
        }
    }
    return j;
}

}  // namespace rvisor::vmm
