#include "vm_config_file.hpp"

#include <fstream>
#include <nlohmann/json.hpp>

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
        } else {
            throw ConfigError(where + "unknown key '" + key + "'");
        }
    }
}

}  // namespace rvisor::cli
