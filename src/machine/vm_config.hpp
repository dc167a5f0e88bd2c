// The validated configuration of one virt-board VM: what `rvisor run` flags and the JSON
// config produce, and what VirtMachine consumes. Validation happens where the config is
// built (CLI, JSON), so a VmConfig is always consistent.
#pragma once

#include <array>
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "base/types.hpp"
#include "storage/block_backend.hpp"

namespace rvisor::machine {

inline constexpr unsigned kMaxCpus = 64;
// Debian's opensbi package (generic platform, firmware with dynamic info).
inline constexpr const char* kDefaultFirmware =
    "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin";

// How harts execute guest code (`--engine`): the interpreter (the reference engine), or the
// x86-64 JIT for hot blocks with the interpreter as fallback. Auto (the default) is the JIT
// on an x86-64 host, whatever the number of harts (at 4 vCPUs on 2 host cores it ran a
// parallel workload 5x faster than the interpreter and 2x faster than QEMU: docs/
// performance.md), and the interpreter elsewhere.
enum class Engine : u8 { Interpreter, Jit, Auto };
inline constexpr Engine kDefaultEngine = Engine::Auto;

constexpr Engine resolve_engine(Engine e) {
    if (e != Engine::Auto) return e;
#if defined(__x86_64__)
    return Engine::Jit;
#else
    return Engine::Interpreter;
#endif
}

struct ConsoleConfig {
    enum class Kind { Stdio, File, Socket };
    Kind kind = Kind::Stdio;
    std::filesystem::path path;  // for File and Socket
};

// One virtio-blk disk (`--disk`, or "disks" in the JSON config).
struct DiskConfig {
    std::filesystem::path path;
    storage::ImageFormat format = storage::ImageFormat::Auto;
    bool read_only = false;
    std::string serial;  // GET_ID answer; empty: the image's file name (cut to 20 bytes)
};

// One virtio-net NIC (`--net`, or "nics" in the JSON config); see machine/nic_config.hpp.
struct NicConfig {
    enum class Kind { Switch, User, Tap };
    Kind kind = Kind::User;
    std::string name_or_ifname;        // the switch's name (Switch) or host interface (Tap)
    std::vector<std::string> hostfwd;  // User: QEMU-syntax forwards, e.g. tcp:127.0.0.1:2222-:22
    std::optional<std::array<u8, 6>> mac;  // empty: derived from the VM name and NIC index
};

struct VmConfig {
    std::string name = "rvisor";
    unsigned cpus = 1;
    u64 memory = 512ULL << 20;
    std::filesystem::path firmware = kDefaultFirmware;
    std::filesystem::path kernel;
    std::filesystem::path initrd;  // empty: none
    std::string append = "console=ttyS0";
    ConsoleConfig console;
    std::vector<DiskConfig> disks;  // in virtio-mmio slots 0, 1, ...: /dev/vda, /dev/vdb, ...
    std::vector<NicConfig> nics;    // in the slots after the disks: eth0, eth1, ...
    std::optional<std::filesystem::path> dump_dtb;     // write the device tree here and exit
    std::optional<std::chrono::milliseconds> timeout;  // stop the VM after this long
    Engine engine = kDefaultEngine;
    bool check_jit = false;  // lock-step check of compiled code (--engine jit --check)
    // Restore: build the board from this snapshot (VirtMachine::save_snapshot) and resume it
    // instead of booting. cpus and memory come from the snapshot; disks and nics too, unless
    // given here (then they must match the snapshot's in number and kind).
    std::optional<std::filesystem::path> restore_from;
    // Where Ctrl-A S in the console writes a snapshot (`--snapshot-path`); none: refused.
    std::optional<std::filesystem::path> snapshot_path;
};

}  // namespace rvisor::machine
