// The client commands of `rvisor` for the manager daemon rvisord: create, ls, start, stop,
// pause, resume, rm, console, snapshot, restore, stats. Tables for people, --json for
// scripts; errors are one line with exit code 2 (bad input) or 1 (the daemon refused).
#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>

#include "commands.hpp"
#include "manager_client.hpp"

namespace rvisor::cli {

using nlohmann::json;
namespace fs = std::filesystem;

namespace {

struct ClientOptions {
    std::string socket;
    bool json = false;
    std::string name;
    std::string file;
    std::string new_name;
    bool force = false;
};

void add_common(CLI::App* cmd, ClientOptions& o) {
    cmd->add_option("--socket", o.socket,
                    "rvisord's socket (default $RVISOR_SOCKET or the state dir's)");
    cmd->add_flag("--json", o.json, "print the daemon's JSON answer");
}

std::string text_or_dash(const json& v) {
    if (v.is_null()) return "-";
    if (v.is_string()) return v.get<std::string>();
    return v.dump();
}

std::string format_uptime(const json& ms) {
    if (!ms.is_number()) return "-";
    const long long s = ms.get<long long>() / 1000;
    char buf[32];
    if (s >= 3600)
        std::snprintf(buf, sizeof buf, "%lldh%02lldm", s / 3600, s / 60 % 60);
    else
        std::snprintf(buf, sizeof buf, "%lldm%02llds", s / 60, s % 60);
    return buf;
}

void print_table(const std::vector<std::vector<std::string>>& rows) {
    std::vector<std::size_t> width;
    for (const auto& r : rows)
        for (std::size_t i = 0; i < r.size(); ++i) {
            if (width.size() <= i) width.push_back(0);
            width[i] = std::max(width[i], r[i].size());
        }
    for (const auto& r : rows) {
        std::string line;
        for (std::size_t i = 0; i < r.size(); ++i) {
            line += r[i];
            if (i + 1 < r.size()) line += std::string(width[i] - r[i].size() + 2, ' ');
        }
        std::printf("%s\n", line.c_str());
    }
}

std::vector<std::string> vm_row(const json& vm) {
    const json& d = vm["definition"];
    return {text_or_dash(vm["name"]),
            text_or_dash(vm["state"]),
            text_or_dash(d["vcpus"]),
            d["memory_mib"].is_number()
                ? std::to_string(d["memory_mib"].get<unsigned long long>()) + "M"
                : "-",
            text_or_dash(vm["pid"]),
            format_uptime(vm["uptime_ms"]),
            text_or_dash(vm["exit_reason"])};
}

void print_vm(const json& vm, bool as_json) {
    if (as_json) {
        std::printf("%s\n", vm.dump(2).c_str());
        return;
    }
    print_table({{"NAME", "STATE", "VCPUS", "MEMORY", "PID", "UPTIME", "LAST EXIT"}, vm_row(vm)});
}

// Paths in a definition file are relative to the file's folder; the daemon wants them
// absolute (it has no useful working directory).
void absolutize_paths(json& def, const fs::path& base) {
    auto fix = [&](json& v) {
        if (v.is_string() && !v.get<std::string>().empty() && v.get<std::string>().front() != '/')
            v = (fs::absolute(base) / v.get<std::string>()).lexically_normal().string();
    };
    if (!def.is_object()) return;
    for (const char* key : {"kernel", "initrd"})
        if (def.contains(key)) fix(def[key]);
    if (def.contains("disks") && def["disks"].is_array())
        for (auto& d : def["disks"])
            if (d.is_object() && d.contains("path")) fix(d["path"]);
}

// Runs `fn`, turning ClientError into one line and an exit code.
template <typename Fn>
std::function<void()> guarded(const char* command, int& exit_code, Fn fn) {
    return [command, &exit_code, fn] {
        try {
            exit_code = fn();
        } catch (const ClientError& e) {
            std::fprintf(stderr, "rvisor %s: %s\n", command, e.what());
            exit_code = e.exit_code();
        }
    };
}

void add_action(CLI::App& app, int& exit_code, const char* action, const char* help) {
    auto o = std::make_shared<ClientOptions>();
    CLI::App* cmd = app.add_subcommand(action, help);
    cmd->add_option("NAME", o->name, "the VM")->required();
    add_common(cmd, *o);
    cmd->callback(guarded(action, exit_code, [o, action] {
        const json vm =
            manager_request(manager_socket(o->socket), "POST", "/vms/" + o->name + "/" + action)
                .body;
        if (o->json)
            std::printf("%s\n", vm.dump(2).c_str());
        else
            std::printf("%s: %s\n", o->name.c_str(), text_or_dash(vm["state"]).c_str());
        return 0;
    }));
}

}  // namespace

void add_client_commands(CLI::App& app, int& exit_code) {
    {
        auto o = std::make_shared<ClientOptions>();
        CLI::App* cmd = app.add_subcommand("create", "Define a VM in rvisord from a JSON file");
        cmd->add_option("-f,--file", o->file, "VM definition (JSON; see docs/vmm.md)")->required();
        add_common(cmd, *o);
        cmd->callback(guarded("create", exit_code, [o] {
            std::ifstream in(o->file);
            if (!in) throw ClientError(kExitBadInput, o->file + ": cannot read");
            json def = json::parse(in, nullptr, false);
            if (def.is_discarded()) throw ClientError(kExitBadInput, o->file + ": not valid JSON");
            absolutize_paths(def, fs::path(o->file).parent_path());
            print_vm(manager_request(manager_socket(o->socket), "POST", "/vms", &def).body,
                     o->json);
            return 0;
        }));
    }
    {
        auto o = std::make_shared<ClientOptions>();
        CLI::App* cmd = app.add_subcommand("ls", "List the VMs rvisord manages");
        add_common(cmd, *o);
        cmd->callback(guarded("ls", exit_code, [o] {
            const json vms = manager_request(manager_socket(o->socket), "GET", "/vms").body;
            if (o->json) {
                std::printf("%s\n", vms.dump(2).c_str());
                return 0;
            }
            std::vector<std::vector<std::string>> rows = {
                {"NAME", "STATE", "VCPUS", "MEMORY", "PID", "UPTIME", "LAST EXIT"}};
            for (const auto& vm : vms) rows.push_back(vm_row(vm));
            print_table(rows);
            return 0;
        }));
    }
    add_action(app, exit_code, "start", "Start a defined VM");
    add_action(app, exit_code, "stop", "Stop a running VM (SIGTERM, then SIGKILL after 5 s)");
    add_action(app, exit_code, "pause", "Pause a running VM's vCPUs");
    add_action(app, exit_code, "resume", "Resume a paused VM");
    {
        auto o = std::make_shared<ClientOptions>();
        CLI::App* cmd = app.add_subcommand("rm", "Delete a VM's definition");
        cmd->add_option("NAME", o->name, "the VM")->required();
        cmd->add_flag("--force", o->force, "kill it first if it is running");
        add_common(cmd, *o);
        cmd->callback(guarded("rm", exit_code, [o] {
            manager_request(manager_socket(o->socket), "DELETE",
                            "/vms/" + o->name + (o->force ? "?force=true" : ""));
            if (!o->json) std::printf("removed %s\n", o->name.c_str());
            return 0;
        }));
    }
    {
        auto o = std::make_shared<ClientOptions>();
        CLI::App* cmd = app.add_subcommand(
            "console", "Attach to a VM's serial console (the last 64 KiB first); Ctrl-] detaches");
        cmd->add_option("NAME", o->name, "the VM")->required();
        cmd->add_option("--socket", o->socket, "rvisord's socket");
        cmd->callback(guarded("console", exit_code,
                              [o] { return attach_console(manager_socket(o->socket), o->name); }));
    }
    {
        auto o = std::make_shared<ClientOptions>();
        CLI::App* cmd = app.add_subcommand("snapshot", "Write a running VM's snapshot to FILE");
        cmd->add_option("NAME", o->name, "the VM")->required();
        cmd->add_option("FILE", o->file, "snapshot file (FILE.vm.json gets its definition)")
            ->required();
        add_common(cmd, *o);
        cmd->callback(guarded("snapshot", exit_code, [o] {
            const json body = {{"path", fs::absolute(o->file).lexically_normal().string()}};
            const json r = manager_request(manager_socket(o->socket), "POST",
                                           "/vms/" + o->name + "/snapshot", &body)
                               .body;
            if (o->json)
                std::printf("%s\n", r.dump(2).c_str());
            else
                std::printf("%s: snapshot written to %s\n", o->name.c_str(),
                            text_or_dash(r["snapshot"]).c_str());
            return 0;
        }));
    }
    {
        auto o = std::make_shared<ClientOptions>();
        CLI::App* cmd = app.add_subcommand(
            "restore", "Start a VM from a snapshot (a new VM with --name, or the snapshot's own)");
        cmd->add_option("FILE", o->file, "snapshot file")->required();
        cmd->add_option("--name", o->new_name, "name of the VM to restore into");
        add_common(cmd, *o);
        cmd->callback(guarded("restore", exit_code, [o] {
            json body = {{"path", fs::absolute(o->file).lexically_normal().string()}};
            if (!o->new_name.empty()) body["name"] = o->new_name;
            print_vm(manager_request(manager_socket(o->socket), "POST", "/vms/restore", &body).body,
                     o->json);
            return 0;
        }));
    }
    {
        auto o = std::make_shared<ClientOptions>();
        CLI::App* cmd = app.add_subcommand("stats", "Show a VM's resource use and counters");
        cmd->add_option("NAME", o->name, "the VM")->required();
        add_common(cmd, *o);
        cmd->callback(guarded("stats", exit_code, [o] {
            const json s =
                manager_request(manager_socket(o->socket), "GET", "/vms/" + o->name + "/stats")
                    .body;
            if (o->json) {
                std::printf("%s\n", s.dump(2).c_str());
                return 0;
            }
            std::vector<std::vector<std::string>> rows;
            for (const char* key :
                 {"name", "state", "pid", "uptime_ms", "cpu_seconds", "rss_bytes"})
                if (s.contains(key)) rows.push_back({std::string(key) + ":", text_or_dash(s[key])});
            if (s.contains("vm") && s["vm"].is_object())
                for (const auto& [k, v] : s["vm"].items()) {
                    if (!v.is_array()) {
                        rows.push_back({"vm." + k + ":", text_or_dash(v)});
                        continue;
                    }
                    // drives / network_interfaces: one row per counter, as vm.drives[ID].field.
                    for (const json& dev : v) {
                        if (!dev.is_object()) continue;
                        std::string id = "?";
                        for (const char* id_key : {"drive_id", "iface_id"})
                            if (dev.contains(id_key)) id = text_or_dash(dev[id_key]);
                        for (const auto& [field, value] : dev.items())
                            if (field != "drive_id" && field != "iface_id")
                                rows.push_back({"vm." + k + "[" + id + "]." + field + ":",
                                                text_or_dash(value)});
                    }
                }
            if (s.contains("vm_error")) rows.push_back({"vm_error:", text_or_dash(s["vm_error"])});
            print_table(rows);
            return 0;
        }));
    }
}

}  // namespace rvisor::cli
