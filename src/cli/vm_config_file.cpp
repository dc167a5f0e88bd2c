#include "vm_config_file.hpp"

#include <fstream>
#include <nlohmann/json.hpp>

#include "machine/nic_config.hpp"
#include "size_arg.hpp"

namespace rvisor::cli {

using nlohmann::json;

machine::ConsoleConfig parse_console(const std::string& text) {
    machine::ConsoleConfig c;
    if (text == "stdio") return c;
    if (text.rfind("file:", 0) == 0 && text.size() > 5) {
        c.kind = machine::ConsoleConfig::Kind::File;
        c.path = text.substr(5);
        return c;
    }
    if (text.rfind("socket:", 0) == 0 && text.size() > 7) {
        c.kind = machine::ConsoleConfig::Kind::Socket;
        c.path = text.substr(7);
        return c;
    }
    throw ConfigError("console: '" + text + "' is not stdio, file:PATH or socket:PATH");
}

namespace {

// One element of "disks": {"path": P, "format": "raw"|"qcow2", "readonly": bool, "serial": S}.
machine::DiskConfig parse_disk_object(const json& d, const std::string& where,
                                      const std::filesystem::path& base) {
    if (!d.is_object()) throw ConfigError(where + "each of 'disks' must be an object");
    machine::DiskConfig disk;
    bool have_path = false;
    for (const auto& [key, v] : d.items()) {
        if (key == "path") {
            if (!v.is_string() || v.get<std::string>().empty())
                throw ConfigError(where + "disks: 'path' must be a non-empty string");
            std::filesystem::path p = v.get<std::string>();
            disk.path = p.is_absolute() ? p : base / p;
            have_path = true;
        } else if (key == "format") {
            const std::string f = v.is_string() ? v.get<std::string>() : "";
            if (f == "raw")
                disk.format = storage::ImageFormat::Raw;
            else if (f == "qcow2")
                disk.format = storage::ImageFormat::Qcow2;
            else
                throw ConfigError(where + "disks: 'format' must be \"raw\" or \"qcow2\"");
        } else if (key == "readonly") {
            if (!v.is_boolean())
                throw ConfigError(where + "disks: 'readonly' must be true or false");
            disk.read_only = v.get<bool>();
        } else if (key == "serial") {
            if (!v.is_string() || v.get<std::string>().empty() || v.get<std::string>().size() > 20)
                throw ConfigError(where + "disks: 'serial' must be a string of 1 to 20 characters");
            disk.serial = v.get<std::string>();
        } else {
            throw ConfigError(where + "disks: unknown key '" + key + "'");
        }
    }
    if (!have_path) throw ConfigError(where + "disks: every disk needs a 'path'");
    return disk;
}

// One element of "nics": {"net": "switch:NAME" | "user,hostfwd=..." | "tap,ifname=IF",
// "mac": "02:..."}; "net" takes the --net syntax, "mac" may also be given inside it.
machine::NicConfig parse_nic_object(const json& n, const std::string& where) {
    if (!n.is_object()) throw ConfigError(where + "each of 'nics' must be an object");
    machine::NicConfig nic;
    bool have_net = false;
    std::optional<std::array<u8, 6>> mac;
    for (const auto& [key, v] : n.items()) {
        if (key == "net") {
            if (!v.is_string()) throw ConfigError(where + "nics: 'net' must be a string");
            try {
                nic = machine::parse_nic_spec(v.get<std::string>());
            } catch (const std::invalid_argument& e) {
                throw ConfigError(where + "nics: " + e.what());
            }
            have_net = true;
        } else if (key == "mac") {
            if (v.is_string()) mac = machine::parse_mac(v.get<std::string>());
            if (!mac)
                throw ConfigError(where + "nics: 'mac' must be a unicast address like "
                                  "\"02:00:00:00:00:01\"");
        } else {
            throw ConfigError(where + "nics: unknown key '" + key + "' (expected net, mac)");
        }
    }
    if (!have_net) throw ConfigError(where + "nics: every NIC needs 'net'");
    if (mac) nic.mac = mac;
    return nic;
}

}  // namespace

void apply_config_file(const std::filesystem::path& file, machine::VmConfig& config) {
    std::ifstream in(file);
    if (!in) throw ConfigError(file.string() + ": cannot open config file");
    json j;
    try {
        j = json::parse(in);
    } catch (const json::parse_error& e) {
        throw ConfigError(file.string() + ": not valid JSON: " + e.what());
    }
    if (!j.is_object()) throw ConfigError(file.string() + ": the top level must be an object");
    const std::string where = file.string() + ": ";
    const auto base = file.parent_path();
    auto path_of = [&](const json& v, const char* key) {
        if (!v.is_string() || v.get<std::string>().empty())
            throw ConfigError(where + "'" + key + "' must be a non-empty string (a path)");
        std::filesystem::path p = v.get<std::string>();
        return p.is_absolute() ? p : base / p;
    };
    for (const auto& [key, v] : j.items()) {
        if (key == "name") {
            if (!v.is_string() || v.get<std::string>().empty())
                throw ConfigError(where + "'name' must be a non-empty string");
            config.name = v.get<std::string>();
        } else if (key == "cpus") {
            if (!v.is_number_integer() || v.get<i64>() < 1 || v.get<i64>() > machine::kMaxCpus)
                throw ConfigError(where + "'cpus' must be an integer from 1 to 64");
            config.cpus = v.get<unsigned>();
        } else if (key == "memory") {
            std::optional<u64> size;
            if (v.is_string())
                size = parse_size(v.get<std::string>());
            else if (v.is_number_unsigned() && v.get<u64>() > 0)
                size = v.get<u64>();
            if (!size) throw ConfigError(where + "'memory' must be a size like \"512M\" or bytes");
            config.memory = *size;
        } else if (key == "kernel") {
            config.kernel = path_of(v, "kernel");
        } else if (key == "initrd") {
            config.initrd = path_of(v, "initrd");
        } else if (key == "firmware") {
            config.firmware = path_of(v, "firmware");
        } else if (key == "append") {
            if (!v.is_string()) throw ConfigError(where + "'append' must be a string");
            config.append = v.get<std::string>();
        } else if (key == "console") {
            if (!v.is_string()) throw ConfigError(where + "'console' must be a string");
            try {
                config.console = parse_console(v.get<std::string>());
            } catch (const ConfigError& e) {
                throw ConfigError(where + e.what());
            }
        } else if (key == "disks") {
            if (!v.is_array()) throw ConfigError(where + "'disks' must be an array of objects");
            config.disks.clear();
            for (const auto& d : v) config.disks.push_back(parse_disk_object(d, where, base));
        } else if (key == "nics") {
            if (!v.is_array()) throw ConfigError(where + "'nics' must be an array of objects");
            config.nics.clear();
            for (const auto& n : v) config.nics.push_back(parse_nic_object(n, where));
        } else {
            throw ConfigError(where + "unknown key '" + key + "'");
        }
    }
}

}  // namespace rvisor::cli
