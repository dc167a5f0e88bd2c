// The lifecycle of one virt-board VM driven from outside (the per-VM API): a configuration
// built piece by piece before boot, then start, pause/resume, snapshots and statistics.
// Every command is validated against the current state first, so a refused command changes
// nothing. Thread-safe: commands may come from any thread (they are serialised); the VM runs
// on a thread of its own.
#pragma once

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "machine/virt_machine.hpp"
#include "machine/vm_config.hpp"

namespace rvisor::machine {

// A refused command. BadRequest: the request or the state is wrong (the caller can fix it:
// HTTP 400); Internal: the host failed (HTTP 500).
class ControlError : public std::runtime_error {
  public:
    enum class Kind { BadRequest, Internal };
    ControlError(Kind kind, const std::string& message)
        : std::runtime_error(message), kind_(kind) {}
    Kind kind() const { return kind_; }

  private:
    Kind kind_;
};

enum class VmState { NotStarted, Running, Paused, Stopped };
// Firecracker's InstanceInfo names ("Not started", "Running", "Paused"); "Stopped" otherwise.
const char* to_string(VmState state);

struct BootSource {
    std::filesystem::path kernel;
    std::filesystem::path initrd;          // empty: none
    std::optional<std::string> boot_args;  // nullopt: the default command line
};

// A disk with the id the API knows it by.
struct DriveEntry {
    std::string id;
    bool is_root = false;
    std::optional<std::string> partuuid;  // root=PARTUUID=... instead of root=/dev/vda
    DiskConfig disk;
};

struct NicEntry {
    std::string id;
    NicConfig nic;
};

// One disk's or NIC's counters with the id the API knows it by.
struct DriveStats {
    std::string id;
    devices::virtio::BlkStats counters;
};
struct NicStats {
    std::string id;
    devices::virtio::NetStats counters;
};

struct VmStats {
    VmState state = VmState::NotStarted;
    unsigned vcpus = 0;
    u64 memory_bytes = 0;
    u64 instructions = 0;                 // retired by all harts since boot
    std::chrono::milliseconds uptime{0};  // since InstanceStart, paused time included
    std::optional<VmExit> exit;           // once Stopped
    u64 memory_touched_bytes = 0;         // guest RAM in use on the host (0 before start)
    std::vector<DriveStats> drives;       // boot order (empty before start)
    std::vector<NicStats> nics;
};

// What GET /vm/config shows: the configuration as the API built it.
struct ControllerConfig {
    VmConfig config;  // disks and nics in boot order
    std::vector<DriveEntry> drives;
    std::vector<NicEntry> nics;
    std::optional<BootSource> boot_source;
    std::optional<std::filesystem::path> restored_from;
};

class VmController {
  public:
    // `base` holds everything the API does not set (console, firmware, name, timeout) and may
    // already be complete (`rvisor run --config ... --api-sock`): its disks get ids disk0,
    // disk1, ... and its NICs net0, net1, ...; a kernel in it counts as the boot source.
    explicit VmController(VmConfig base);
    // Stops a VM still running (as if quit from the console) and waits for its thread.
    ~VmController();
    VmController(const VmController&) = delete;
    VmController& operator=(const VmController&) = delete;

    // ---- pre-boot configuration (BadRequest once started) ----
    void set_machine_config(unsigned vcpus, u64 memory_bytes);
    void set_boot_source(BootSource source);
    // Replaces the drive with the same id, or adds one. At most one root drive; it becomes
    // /dev/vda (first slot) and adds root=/dev/vda (or root=PARTUUID=...) to the command line.
    void put_drive(DriveEntry drive);
    void put_network_interface(NicEntry nic);

    // InstanceStart: checks the configuration, builds the machine (bad images or a kernel that
    // does not load are BadRequest) and runs it on its own thread.
    void start();
    // Stops the harts at instruction boundaries / lets them continue. Idempotent.
    void pause();
    void resume();
    // Writes the whole machine state to `path` (the VM must be paused).
    void create_snapshot(const std::filesystem::path& path);
    // Starts the VM from a snapshot instead of booting (before start only); paused unless
    // `resume`.
    void load_snapshot(const std::filesystem::path& path, bool resume);
    // Firecracker's SendCtrlAltDel: refused, see vm_controller.cpp.
    void send_ctrl_alt_del();
    // Ends a running or paused VM (exit kind Quit). No effect before start or after stop.
    void stop();

    VmState state() const;
    VmStats stats() const;
    ControllerConfig config() const;

    // Blocks until the VM has stopped and returns why; or nullopt after `timeout`.
    VmExit wait();
    std::optional<VmExit> wait_for(std::chrono::milliseconds timeout);

  private:
    void require_not_started() const;
    void require_started() const;
    VmConfig assemble() const;
    // The ids of drives_ in the order assemble() gives the machine their disks.
    std::vector<std::string> drive_ids_in_boot_order() const;
    void launch(VmConfig config, bool start_paused);

    mutable std::mutex command_mutex_;  // serialises commands
    VmConfig base_;
    std::optional<BootSource> boot_source_;
    std::vector<DriveEntry> drives_;
    std::vector<NicEntry> nics_;
    std::optional<std::filesystem::path> restored_from_;
    bool configured_by_api_ = false;  // anything but logger/metrics set: no snapshot load
    std::unique_ptr<VirtMachine> vm_;
    std::thread run_thread_;
    std::chrono::steady_clock::time_point started_at_;

    mutable std::mutex state_mutex_;  // state_ and exit_; the run thread takes only this one
    std::condition_variable state_cv_;
    VmState state_ = VmState::NotStarted;
    std::optional<VmExit> exit_;
};

}  // namespace rvisor::machine
