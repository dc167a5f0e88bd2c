// `rvisor run`: boots a virt-board VM (the default Debian guest when no kernel is given).
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>

#include "api_run.hpp"
#include "commands.hpp"
#include "engine_options.hpp"
#include "machine/boot_loader.hpp"
#include "machine/elf_loader.hpp"
#include "machine/net_backend_factory.hpp"
#include "machine/nic_config.hpp"
#include "machine/virt_machine.hpp"
#include "mem/address_map.hpp"
#include "size_arg.hpp"
#include "snapshot_signal.hpp"
#include "vm_config_file.hpp"

namespace rvisor::cli {

namespace {

struct RunOptions {
    std::string config_file;
    unsigned cpus = 0;
    std::string memory;
    std::string kernel, initrd, append, firmware, console, dump_dtb;
    bool append_given = false;
    double timeout_seconds = 0;
    std::vector<std::string> disks;
    std::vector<std::string> nets;
    std::string api_sock;  // serve the per-VM HTTP API here
    std::string name;
    std::string engine;  // interp | jit; empty: the default engine
    bool check_jit = false;
    std::string restore;           // --restore FILE: resume a snapshot instead of booting
    std::string snapshot_path;     // --snapshot-path FILE: SIGUSR1 writes a snapshot there
    std::string exit_status_file;  // rvisord reads how the VM ended here
};

// --disk PATH[,format=raw|qcow2][,readonly=on|off][,serial=ID]. Throws ConfigError naming the
// bad part.
machine::DiskConfig parse_disk(const std::string& text) {
    machine::DiskConfig d;
    const std::string where = "--disk '" + text + "': ";
    std::size_t start = 0;
    bool first = true;
    for (;;) {
        const std::size_t comma = text.find(',', start);
        const std::string part = text.substr(start, comma - start);
        if (first) {
            if (part.empty()) throw ConfigError(where + "the image path is missing");
            d.path = part;
            first = false;
        } else {
            const std::size_t eq = part.find('=');
            const std::string key = part.substr(0, eq);
            const std::string value = eq == std::string::npos ? "" : part.substr(eq + 1);
            if (eq == std::string::npos)
                throw ConfigError(where + "'" + part + "' is not KEY=VALUE");
            if (key == "format") {
                if (value == "raw")
                    d.format = storage::ImageFormat::Raw;
                else if (value == "qcow2")
                    d.format = storage::ImageFormat::Qcow2;
                else
                    throw ConfigError(where + "format '" + value + "' is not raw or qcow2");
            } else if (key == "readonly") {
                if (value == "on")
                    d.read_only = true;
                else if (value == "off")
                    d.read_only = false;
                else
                    throw ConfigError(where + "readonly '" + value + "' is not on or off");
            } else if (key == "serial") {
                if (value.empty() || value.size() > 20)
                    throw ConfigError(where + "serial must be 1 to 20 characters");
                d.serial = value;
            } else {
                throw ConfigError(where + "unknown option '" + key +
                                  "' (expected format, readonly, serial)");
            }
        }
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    return d;
}

// Where scripts/fetch-guest caches the default guest.
std::filesystem::path default_guest_dir() {
    if (const char* c = std::getenv("RVISOR_CACHE")) return std::filesystem::path(c) / "guest";
    if (const char* x = std::getenv("XDG_CACHE_HOME"))
        return std::filesystem::path(x) / "rvisor" / "guest";
    if (const char* h = std::getenv("HOME"))
        return std::filesystem::path(h) / ".cache" / "rvisor" / "guest";
    return "/nonexistent";
}

int run_vm(const RunOptions& o) {
    // `--net switch:NAME` (here or through the API) starts the switch when nobody serves it.
    machine::set_switch_starter(&ensure_switch_server);
    machine::VmConfig config;
    try {
        if (!o.config_file.empty()) apply_config_file(o.config_file, config);
        if (o.cpus) config.cpus = o.cpus;
        if (!o.memory.empty()) {
            auto size = parse_size(o.memory);
            if (!size) throw ConfigError("--memory: '" + o.memory + "' is not a size (e.g. 512M)");
            config.memory = *size;
        }
        if (!o.kernel.empty()) config.kernel = o.kernel;
        if (!o.initrd.empty()) config.initrd = o.initrd;
        if (o.append_given) config.append = o.append;
        if (!o.firmware.empty()) {
            if (o.firmware == "none")
                throw ConfigError(
                    "--firmware none: the built-in SBI is not implemented yet; "
                    "use OpenSBI (the default)");
            config.firmware = o.firmware;
        }
        if (!o.console.empty()) config.console = parse_console(o.console);
        if (!o.dump_dtb.empty()) config.dump_dtb = o.dump_dtb;
        if (!o.name.empty()) config.name = o.name;
        for (const std::string& d : o.disks) config.disks.push_back(parse_disk(d));
        for (const std::string& n : o.nets) {
            try {
                config.nics.push_back(machine::parse_nic_spec(n));
            } catch (const std::invalid_argument& e) {
                throw ConfigError(std::string("--") + e.what());
            }
        }
        if (config.disks.size() + config.nics.size() > mem::kVirtioSlots)
            throw ConfigError(std::to_string(config.disks.size()) + " disks and " +
                              std::to_string(config.nics.size()) +
                              " NICs given, but the board has only " +
                              std::to_string(mem::kVirtioSlots) + " virtio-mmio slots");
        // Unnamed VMs would all derive the same MACs and clash on a shared switch: give their
        // NICs random ones instead (stable MACs come with --name or "name").
        if (config.name == machine::VmConfig{}.name) {
            std::random_device rd;
            const std::string salt = std::to_string(rd()) + std::to_string(rd());
            for (unsigned i = 0; i < config.nics.size(); ++i)
                if (!config.nics[i].mac) config.nics[i].mac = machine::derive_mac(salt, i);
        }
        if (o.timeout_seconds > 0)
            config.timeout = std::chrono::milliseconds(static_cast<i64>(o.timeout_seconds * 1000));
        config.engine = engine_from(o.engine, config.engine);
        if (o.check_jit && config.engine != machine::Engine::Jit)
            throw ConfigError("--check needs --engine jit");
        if (o.check_jit && config.cpus > 1)  // other harts would change memory mid-check
            throw ConfigError("--check needs a single vCPU (--cpus 1)");
        config.check_jit = o.check_jit;
        if (!o.restore.empty()) config.restore_from = o.restore;
        if (!o.snapshot_path.empty()) config.snapshot_path = o.snapshot_path;
    } catch (const ConfigError& e) {
        std::fprintf(stderr, "rvisor run: %s\n", e.what());
        return kExitBadInput;
    }

    // --api-sock alone: Firecracker's flow, the API configures and starts the VM.
    if (!o.api_sock.empty() && o.kernel.empty() && o.config_file.empty() && !config.restore_from)
        return run_with_api(std::move(config), o.api_sock, false);
    if (config.kernel.empty() && !config.restore_from) {
        const auto dir = default_guest_dir();
        if (!std::filesystem::exists(dir / "Image")) {
            std::fprintf(stderr,
                         "rvisor run: no --kernel given and the default guest is not in %s; "
                         "run scripts/fetch-guest first\n",
                         dir.c_str());
            return kExitBadInput;
        }
        config.kernel = dir / "Image";
        if (config.initrd.empty()) config.initrd = dir / "initramfs.cpio.gz";
    }
    if (!config.restore_from && !std::filesystem::exists(config.firmware)) {
        std::fprintf(stderr, "rvisor run: %s: firmware not found (Debian package opensbi)\n",
                     config.firmware.c_str());
        return kExitBadInput;
    }

    if (!o.api_sock.empty() && !config.dump_dtb)
        return run_with_api(std::move(config), o.api_sock, true);
    try {
        if (!o.snapshot_path.empty()) SnapshotSignal::block();  // before the VM's threads
        machine::VirtMachine vm(config);
        std::optional<SnapshotSignal> snapshot_signal;
        if (!o.snapshot_path.empty()) snapshot_signal.emplace(vm, o.snapshot_path);
        if (config.dump_dtb) {
            const auto& dtb = vm.device_tree();
            std::ofstream out(*config.dump_dtb, std::ios::binary);
            out.write(reinterpret_cast<const char*>(dtb.data()),
                      static_cast<std::streamsize>(dtb.size()));
            if (!out) {
                std::fprintf(stderr, "rvisor run: %s: cannot write the device tree\n",
                             config.dump_dtb->c_str());
                return kExitBadInput;
            }
            return 0;
        }
        const machine::VmExit exit = vm.run();
        if (exit.kind != machine::VmExit::Kind::Poweroff)
            std::fprintf(stderr, "\nrvisor: %s\n", exit.describe().c_str());
        return exit.exit_code();
    } catch (const machine::BootError& e) {
        std::fprintf(stderr, "rvisor run: %s\n", e.what());
        return kExitBadInput;
    } catch (const machine::ElfError& e) {
        std::fprintf(stderr, "rvisor run: %s\n", e.what());
        return kExitBadInput;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "rvisor run: %s\n", e.what());
        return kExitBadInput;
    }
}

}  // namespace

void add_run_command(CLI::App& app, int& exit_code) {
    auto o = std::make_shared<RunOptions>();
    CLI::App* cmd = app.add_subcommand(
        "run",
        "Boot a virt-board VM through OpenSBI (the default Debian guest when no kernel is "
        "given). Console: Ctrl-A X quits, Ctrl-A C shows status. Exit code: 0 poweroff, 2 bad "
        "input, 3 reboot, 4 guest panic, 124 timeout.");
    cmd->add_option("--config", o->config_file, "VM definition in JSON");
    cmd->add_option("--cpus", o->cpus, "number of vCPUs (1-64)")->check(CLI::Range(1, 64));
    cmd->add_option("--memory", o->memory, "guest RAM (default 512M)");
    cmd->add_option("--kernel", o->kernel, "RISC-V Linux Image or ELF");
    cmd->add_option("--initrd", o->initrd, "initial ramdisk");
    cmd->add_option("--append", o->append, "kernel command line (default console=ttyS0)")
        ->each([o](const std::string&) { o->append_given = true; });
    cmd->add_option("--firmware", o->firmware, "M-mode firmware (default: OpenSBI fw_dynamic)");
    cmd->add_option("--console", o->console, "stdio (default), file:PATH or socket:PATH");
    cmd->add_option("--dump-dtb", o->dump_dtb, "write the device tree to FILE and exit");
    cmd->add_option("--disk", o->disks,
                    "virtio-blk disk: PATH[,format=raw|qcow2][,readonly=on|off][,serial=ID] "
                    "(repeatable; the first is /dev/vda)")
        ->allow_extra_args(false);
    cmd->add_option("--net", o->nets,
                    "virtio-net NIC: switch:NAME | user[,hostfwd=tcp:HOSTADDR:PORT-:PORT] | "
                    "tap,ifname=IF; each takes [,mac=XX:XX:XX:XX:XX:XX] (repeatable; eth0 first)")
        ->allow_extra_args(false);
    cmd->add_option("--name", o->name,
                    "VM name (default rvisor); NICs without mac= derive a stable MAC from it");
    cmd->add_option("--api-sock", o->api_sock,
                    "serve the Firecracker-compatible HTTP API on this Unix socket; without "
                    "--kernel or --config the VM waits for the API to configure and start it");
    cmd->add_option("--restore", o->restore,
                    "resume the VM saved in this snapshot file instead of booting (cpus, memory, "
                    "disks and NICs come from the snapshot unless given)");
    cmd->add_option("--snapshot-path", o->snapshot_path,
                    "on SIGUSR1 or Ctrl-A S, pause the VM, write a snapshot to this file and "
                    "resume");
    cmd->add_option("--timeout", o->timeout_seconds, "stop the VM after this many seconds")
        ->check(CLI::PositiveNumber);
    add_engine_options(*cmd, o->engine, o->check_jit);
    cmd->add_option("--exit-status-file", o->exit_status_file,
                    "write the exit code here when the VM ends (for rvisord, which is not the "
                    "parent of VMs it re-attached to after a restart)");
    cmd->callback([o, &exit_code] {
        exit_code = run_vm(*o);
        if (!o->exit_status_file.empty()) {
            std::ofstream(o->exit_status_file) << exit_code << '\n';
        }
    });
}

}  // namespace rvisor::cli
