#include "api/json_config.hpp"

#include <algorithm>
#include <cctype>
#include <initializer_list>
#include <vector>

#include "machine/nic_config.hpp"

namespace rvisor::api {

using nlohmann::json;

namespace {

// One request body: a JSON object whose fields are all in `allowed`. Getters treat an absent
// field and null alike (clients generated from the swagger send null for unset options).
class Body {
  public:
    Body(std::string_view text, std::string what, std::initializer_list<std::string_view> allowed)
        : what_(std::move(what)) {
        if (std::all_of(text.begin(), text.end(),
                        [](char c) { return std::isspace(static_cast<unsigned char>(c)); }))
            throw ApiError("Empty request body: " + what_ + " needs a JSON object.");
        try {
            json_ = json::parse(text);
        } catch (const json::parse_error& e) {
            std::string detail = e.what();
            if (auto p = detail.find("] "); p != std::string::npos) detail.erase(0, p + 2);
            throw ApiError("Malformed JSON in the " + what_ + " body: " + detail);
        }
        if (!json_.is_object()) throw ApiError("The " + what_ + " body must be a JSON object.");
        for (const auto& [key, value] : json_.items()) {
            if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
            std::string expected;
            for (std::string_view a : allowed)
                expected += (expected.empty() ? "" : ", ") + std::string(a);
            throw ApiError("Unknown field '" + key + "' in " + what_ + " (expected " + expected +
                           ").");
        }
    }

    const std::string& what() const { return what_; }

    const json* find(std::string_view key) const {
        auto it = json_.find(key);
        if (it == json_.end() || it->is_null()) return nullptr;
        return &*it;
    }
    bool has(std::string_view key) const { return find(key) != nullptr; }

    [[noreturn]] void type_error(std::string_view key, std::string_view type) const {
        throw ApiError("Field '" + std::string(key) + "' of " + what_ + " must be " +
                       std::string(type) + ".");
    }
    [[noreturn]] void missing(std::string_view key) const {
        throw ApiError("Missing field '" + std::string(key) + "' in " + what_ + ".");
    }

    std::optional<std::string> string(std::string_view key) const {
        const json* v = find(key);
        if (!v) return std::nullopt;
        if (!v->is_string()) type_error(key, "a string");
        return v->get<std::string>();
    }
    std::string required_string(std::string_view key) const {
        auto s = string(key);
        if (!s) missing(key);
        return *s;
    }
    std::optional<bool> boolean(std::string_view key) const {
        const json* v = find(key);
        if (!v) return std::nullopt;
        if (!v->is_boolean()) type_error(key, "true or false");
        return v->get<bool>();
    }
    // An integer in [lo, hi].
    std::optional<i64> integer(std::string_view key, i64 lo, i64 hi) const {
        const json* v = find(key);
        if (!v) return std::nullopt;
        if (!v->is_number_integer()) type_error(key, "an integer");
        if (v->is_number_unsigned() && v->get<u64>() > static_cast<u64>(hi))
            throw out_of_range(key, lo, hi);
        const i64 n = v->get<i64>();
        if (n < lo || n > hi) throw out_of_range(key, lo, hi);
        return n;
    }
    // One of `values` (exact spelling).
    std::optional<std::string> choice(std::string_view key,
                                      std::initializer_list<std::string_view> values) const {
        auto s = string(key);
        if (!s) return std::nullopt;
        if (std::find(values.begin(), values.end(), *s) == values.end()) {
            std::string list;
            for (std::string_view v : values)
                list += (list.empty() ? "\"" : ", \"") + std::string(v) + "\"";
            throw ApiError("Field '" + std::string(key) + "' of " + what_ + " must be one of " +
                           list + " (got \"" + *s + "\").");
        }
        return s;
    }
    // A path to an existing file (or block device): checked now so the PUT fails, not the
    // later InstanceStart.
    std::filesystem::path existing_file(std::string_view key) const {
        const std::string s = required_string(key);
        return check_existing(key, s);
    }
    std::filesystem::path check_existing(std::string_view key, const std::string& s) const {
        if (s.empty())
            throw ApiError("Field '" + std::string(key) + "' of " + what_ + " is empty.");
        std::error_code ec;
        const auto st = std::filesystem::status(s, ec);
        if (ec || !std::filesystem::exists(st))
            throw ApiError(std::string(key) + ": '" + s + "' does not exist.");
        if (std::filesystem::is_directory(st))
            throw ApiError(std::string(key) + ": '" + s + "' is a directory, not a file.");
        return s;
    }
    // A path whose parent folder exists (a file rvisor will create).
    std::filesystem::path creatable_file(std::string_view key) const {
        const std::string s = required_string(key);
        if (s.empty())
            throw ApiError("Field '" + std::string(key) + "' of " + what_ + " is empty.");
        std::filesystem::path p = s;
        const auto parent = p.has_parent_path() ? p.parent_path() : std::filesystem::path(".");
        std::error_code ec;
        if (!std::filesystem::is_directory(parent, ec))
            throw ApiError(std::string(key) + ": the folder '" + parent.string() +
                           "' does not exist.");
        if (std::filesystem::is_directory(p, ec))
            throw ApiError(std::string(key) + ": '" + s + "' is a directory.");
        return p;
    }
    // Options rvisor does not implement: absent or null only.
    void unsupported(std::string_view key, std::string_view why) const {
        if (has(key))
            throw ApiError("Field '" + std::string(key) + "' of " + what_ +
                           " is not supported by rvisor: " + std::string(why) + ".");
    }

  private:
    ApiError out_of_range(std::string_view key, i64 lo, i64 hi) const {
        return ApiError("Field '" + std::string(key) + "' of " + what_ + " must be from " +
                        std::to_string(lo) + " to " + std::to_string(hi) + ".");
    }

    std::string what_;
    json json_;
};

void check_id(std::string_view path_id, const std::string& body_id, std::string_view field) {
    if (!valid_resource_id(path_id))
        throw ApiError("Invalid " + std::string(field) + " '" + std::string(path_id) +
                       "': ids are 1 to 64 characters from A-Z, a-z, 0-9, '_' and '-'.");
    if (body_id != path_id)
        throw ApiError("The id from the path ('" + std::string(path_id) +
                       "') does not match the id from the body ('" + body_id + "').");
}

}  // namespace

bool valid_resource_id(std::string_view id) {
    if (id.empty() || id.size() > 64) return false;
    return std::all_of(id.begin(), id.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
    });
}

MachineConfigUpdate parse_machine_config(std::string_view body, bool partial) {
    const Body b(
        body, "machine-config",
        {"vcpu_count", "mem_size_mib", "smt", "cpu_template", "track_dirty_pages", "huge_pages"});
    MachineConfigUpdate u;
    if (auto n = b.integer("vcpu_count", 1, machine::kMaxCpus))
        u.vcpu_count = static_cast<unsigned>(*n);
    if (auto m = b.integer("mem_size_mib", kMinMemoryMib, kMaxMemoryMib)) u.mem_size_mib = *m;
    if (!partial) {
        if (!u.vcpu_count) b.missing("vcpu_count");
        if (!u.mem_size_mib) b.missing("mem_size_mib");
    }
    if (b.boolean("smt").value_or(false))
        throw ApiError(
            "Field 'smt' of machine-config: simultaneous multithreading is not "
            "supported on riscv64.");
    b.choice("cpu_template", {"None"});
    b.boolean("track_dirty_pages");  // accepted: rvisor's snapshots are always full
    b.choice("huge_pages", {"None"});
    // Firmware, kernel and per-CPU areas need room (VirtMachine refuses less at start).
    if (u.vcpu_count && u.mem_size_mib && *u.mem_size_mib < 32 + 2ULL * *u.vcpu_count)
        throw ApiError("mem_size_mib " + std::to_string(*u.mem_size_mib) + " is too small for " +
                       std::to_string(*u.vcpu_count) + " vCPUs (at least " +
                       std::to_string(32 + 2 * *u.vcpu_count) + ").");
    return u;
}

machine::BootSource parse_boot_source(std::string_view body) {
    const Body b(body, "boot-source", {"kernel_image_path", "initrd_path", "boot_args"});
    machine::BootSource s;
    s.kernel = b.existing_file("kernel_image_path");
    if (auto initrd = b.string("initrd_path")) s.initrd = b.check_existing("initrd_path", *initrd);
    s.boot_args = b.string("boot_args");
    return s;
}

machine::DriveEntry parse_drive(std::string_view path_id, std::string_view body) {
    const Body b(body, "drive",
                 {"drive_id", "path_on_host", "is_root_device", "is_read_only", "partuuid",
                  "cache_type", "io_engine", "rate_limiter", "socket", "format"});
    machine::DriveEntry d;
    d.id = b.required_string("drive_id");
    check_id(path_id, d.id, "drive_id");
    b.unsupported("socket", "vhost-user block devices do not exist on rvisor");
    b.unsupported("rate_limiter", "disk I/O is not rate-limited");
    const auto root = b.boolean("is_root_device");
    if (!root) b.missing("is_root_device");
    d.is_root = *root;
    d.disk.path = b.existing_file("path_on_host");
    d.disk.read_only = b.boolean("is_read_only").value_or(false);
    d.partuuid = b.string("partuuid");
    if (d.partuuid && (d.partuuid->empty() || d.partuuid->size() > 64 ||
                       !std::all_of(d.partuuid->begin(), d.partuuid->end(), [](char c) {
                           return std::isxdigit(static_cast<unsigned char>(c)) || c == '-';
                       })))
        throw ApiError("Field 'partuuid' of drive must be a partition UUID (hex digits and '-').");
    b.choice("cache_type", {"Unsafe", "Writeback"});  // FLUSH is always honoured
    b.choice("io_engine", {"Sync", "Async"});         // rvisor: one I/O thread per disk
    if (auto f = b.choice("format", {"raw", "qcow2"}))
        d.disk.format = *f == "raw" ? storage::ImageFormat::Raw : storage::ImageFormat::Qcow2;
    return d;
}

machine::NicEntry parse_network_interface(std::string_view path_id, std::string_view body) {
    const Body b(body, "network-interface",
                 {"iface_id", "host_dev_name", "guest_mac", "mtu", "rx_rate_limiter",
                  "tx_rate_limiter", "backend"});
    machine::NicEntry n;
    n.id = b.required_string("iface_id");
    check_id(path_id, n.id, "iface_id");
    b.unsupported("mtu", "the guest's MTU is its own default");
    b.unsupported("rx_rate_limiter", "network traffic is not rate-limited");
    b.unsupported("tx_rate_limiter", "network traffic is not rate-limited");
    const auto host_dev = b.string("host_dev_name");
    const auto backend = b.string("backend");
    if (host_dev && backend)
        throw ApiError(
            "network-interface: give either 'host_dev_name' (a TAP interface) or "
            "'backend', not both.");
    if (!host_dev && !backend) b.missing("host_dev_name");
    if (host_dev) {
        if (host_dev->empty() || host_dev->size() > 15 ||
            host_dev->find_first_of("/ \t\n") != std::string::npos)
            throw ApiError(
                "Field 'host_dev_name' of network-interface must be a host interface "
                "name (1 to 15 characters, no '/' or spaces).");
        n.nic.kind = machine::NicConfig::Kind::Tap;
        n.nic.name_or_ifname = *host_dev;
    } else {
        try {
            n.nic = machine::parse_nic_spec(*backend);
        } catch (const std::invalid_argument& e) {
            throw ApiError("Field 'backend' of network-interface: " + std::string(e.what()));
        }
    }
    if (auto mac = b.string("guest_mac")) {
        auto parsed = machine::parse_mac(*mac);
        if (!parsed)
            throw ApiError(
                "Field 'guest_mac' of network-interface must be a unicast MAC like "
                "\"06:00:ac:10:00:02\" (got \"" +
                *mac + "\").");
        if (n.nic.mac && *n.nic.mac != *parsed)
            throw ApiError("network-interface: 'guest_mac' and the mac= of 'backend' differ.");
        n.nic.mac = parsed;
    }
    return n;
}

Action parse_action(std::string_view body) {
    const Body b(body, "action", {"action_type"});
    const auto t = b.choice("action_type", {"InstanceStart", "SendCtrlAltDel", "FlushMetrics"});
    if (!t) b.missing("action_type");
    if (*t == "InstanceStart") return Action::InstanceStart;
    if (*t == "SendCtrlAltDel") return Action::SendCtrlAltDel;
    return Action::FlushMetrics;
}

bool parse_vm_state_paused(std::string_view body) {
    const Body b(body, "vm", {"state"});
    const auto s = b.choice("state", {"Paused", "Resumed"});
    if (!s) b.missing("state");
    return *s == "Paused";
}

SnapshotCreate parse_snapshot_create(std::string_view body) {
    const Body b(body, "snapshot-create",
                 {"snapshot_path", "mem_file_path", "snapshot_type", "version"});
    SnapshotCreate c;
    c.snapshot_path = b.creatable_file("snapshot_path");
    if (b.has("mem_file_path")) c.mem_file_path = b.creatable_file("mem_file_path");
    if (auto t = b.choice("snapshot_type", {"Full", "Diff"}); t && *t == "Diff")
        throw ApiError(
            "snapshot_type \"Diff\" is not supported by rvisor: its snapshots are "
            "full, with RAM stored sparsely.");
    b.string("version");  // older clients send the target version; there is one format
    return c;
}

SnapshotLoad parse_snapshot_load(std::string_view body) {
    const Body b(body, "snapshot-load",
                 {"snapshot_path", "mem_file_path", "mem_backend", "enable_diff_snapshots",
                  "track_dirty_pages", "resume_vm", "network_overrides", "vsock_override",
                  "clock_realtime"});
    SnapshotLoad l;
    l.snapshot_path = b.existing_file("snapshot_path");
    b.string("mem_file_path");  // accepted: the memory is in the snapshot file itself
    if (const json* m = b.find("mem_backend"); m && !m->is_object())
        b.type_error("mem_backend", "an object");
    b.boolean("enable_diff_snapshots");
    b.boolean("track_dirty_pages");
    b.boolean("clock_realtime");
    b.unsupported("vsock_override", "there is no vsock device");
    if (const json* o = b.find("network_overrides"); o && !(o->is_array() && o->empty()))
        throw ApiError(
            "Field 'network_overrides' of snapshot-load is not supported by rvisor: "
            "the snapshot's NICs are restored as they were.");
    l.resume_vm = b.boolean("resume_vm").value_or(false);
    return l;
}

std::filesystem::path parse_metrics(std::string_view body) {
    const Body b(body, "metrics", {"metrics_path"});
    return b.creatable_file("metrics_path");
}

const char* to_string(LogLevel level) {
    switch (level) {
        case LogLevel::Off: return "Off";
        case LogLevel::Error: return "Error";
        case LogLevel::Warning: return "Warning";
        case LogLevel::Info: return "Info";
        case LogLevel::Debug: return "Debug";
        case LogLevel::Trace: return "Trace";
    }
    return "Info";
}

LoggerConfig parse_logger(std::string_view body) {
    const Body b(body, "logger", {"log_path", "level", "show_level", "show_log_origin", "module"});
    LoggerConfig l;
    if (b.has("log_path")) l.log_path = b.creatable_file("log_path");
    if (auto level = b.string("level")) {
        std::string lower = *level;
        std::transform(lower.begin(), lower.end(), lower.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        const std::pair<const char*, LogLevel> levels[] = {
            {"off", LogLevel::Off},   {"error", LogLevel::Error}, {"warning", LogLevel::Warning},
            {"info", LogLevel::Info}, {"debug", LogLevel::Debug}, {"trace", LogLevel::Trace}};
        auto it = std::find_if(std::begin(levels), std::end(levels),
                               [&](const auto& p) { return lower == p.first; });
        if (it == std::end(levels))
            throw ApiError(
                "Field 'level' of logger must be one of Error, Warning, Info, Debug, "
                "Trace, Off (got \"" +
                *level + "\").");
        l.level = it->second;
    }
    l.show_level = b.boolean("show_level").value_or(false);
    l.show_log_origin = b.boolean("show_log_origin").value_or(false);
    b.string("module");  // accepted: rvisor's API log has a single module
    return l;
}

json machine_config_json(const machine::VmConfig& c) {
    return {{"vcpu_count", c.cpus},
            {"mem_size_mib", c.memory >> 20},
            {"smt", false},
            {"track_dirty_pages", false},
            {"huge_pages", "None"}};
}

json full_config_json(const machine::ControllerConfig& cc,
                      const std::optional<LoggerConfig>& logger,
                      const std::optional<std::filesystem::path>& metrics_path) {
    json j;
    if (cc.boot_source) {
        json bs = {{"kernel_image_path", cc.boot_source->kernel.string()},
                   {"boot_args", cc.boot_source->boot_args.value_or(cc.config.append)}};
        if (!cc.boot_source->initrd.empty()) bs["initrd_path"] = cc.boot_source->initrd.string();
        j["boot-source"] = std::move(bs);
    } else {
        j["boot-source"] = nullptr;
    }
    j["machine-config"] = machine_config_json(cc.config);
    json drives = json::array();
    for (const machine::DriveEntry& d : cc.drives) {
        json o = {{"drive_id", d.id},
                  {"path_on_host", d.disk.path.string()},
                  {"is_root_device", d.is_root},
                  {"is_read_only", d.disk.read_only},
                  {"cache_type", "Unsafe"},
                  {"io_engine", "Sync"}};
        if (d.partuuid) o["partuuid"] = *d.partuuid;
        if (d.disk.format != storage::ImageFormat::Auto)
            o["format"] = d.disk.format == storage::ImageFormat::Raw ? "raw" : "qcow2";
        drives.push_back(std::move(o));
    }
    j["drives"] = std::move(drives);
    json nics = json::array();
    for (const machine::NicEntry& n : cc.nics) {
        json o = {{"iface_id", n.id}};
        if (n.nic.kind == machine::NicConfig::Kind::Tap)
            o["host_dev_name"] = n.nic.name_or_ifname;
        else {
            machine::NicConfig spec = n.nic;
            spec.mac.reset();  // shown as guest_mac
            o["backend"] = machine::format_nic_spec(spec);
        }
        if (n.nic.mac) o["guest_mac"] = machine::format_mac(*n.nic.mac);
        nics.push_back(std::move(o));
    }
    j["network-interfaces"] = std::move(nics);
    if (logger) {
        json l = {{"level", to_string(logger->level)},
                  {"show_level", logger->show_level},
                  {"show_log_origin", logger->show_log_origin}};
        if (logger->log_path) l["log_path"] = logger->log_path->string();
        j["logger"] = std::move(l);
    } else {
        j["logger"] = nullptr;
    }
    j["metrics"] = metrics_path ? json{{"metrics_path", metrics_path->string()}} : json(nullptr);
    j["balloon"] = nullptr;
    j["vsock"] = nullptr;
    j["mmds-config"] = nullptr;
    return j;
}

json stats_json(const machine::VmStats& s) {
    json j = {
        {"state", machine::to_string(s.state)}, {"vcpus", s.vcpus},
        {"mem_size_mib", s.memory_bytes >> 20}, {"instructions", s.instructions},
        {"uptime_ms", s.uptime.count()},        {"memory_touched_bytes", s.memory_touched_bytes}};
    // Totals over the devices (what rvisord's /metrics exports), then each device.
    u64 read = 0, written = 0, rx = 0, tx = 0;
    json drives = json::array();
    for (const machine::DriveStats& d : s.drives) {
        const auto& c = d.counters;
        read += c.read_bytes;
        written += c.write_bytes;
        drives.push_back({{"drive_id", d.id},
                          {"read_bytes", c.read_bytes},
                          {"write_bytes", c.write_bytes},
                          {"requests", c.requests},
                          {"flushes", c.flushes},
                          {"errors", c.errors}});
    }
    json nics = json::array();
    for (const machine::NicStats& n : s.nics) {
        const auto& c = n.counters;
        rx += c.rx_bytes;
        tx += c.tx_bytes;
        nics.push_back({{"iface_id", n.id},
                        {"rx_bytes", c.rx_bytes},
                        {"rx_frames", c.rx_frames},
                        {"rx_dropped", c.rx_dropped},
                        {"tx_bytes", c.tx_bytes},
                        {"tx_frames", c.tx_frames},
                        {"tx_dropped", c.tx_dropped}});
    }
    j["disk_read_bytes"] = read;
    j["disk_write_bytes"] = written;
    j["net_rx_bytes"] = rx;
    j["net_tx_bytes"] = tx;
    j["drives"] = std::move(drives);
    j["network_interfaces"] = std::move(nics);
    if (s.exit) {
        j["exit_reason"] = s.exit->describe();
        j["exit_code"] = s.exit->exit_code();
    }
    return j;
}

}  // namespace rvisor::api
