// The virt board: QEMU-virt-compatible memory map, CLINT, PLIC, NS16550A UART, Goldfish RTC,
// SiFive test device, eight virtio-mmio slots, N harts each on its own host thread, booted
// through OpenSBI's fw_dynamic flow into a Linux kernel.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "cpu/hart.hpp"
#include "devices/clint.hpp"
#include "devices/goldfish_rtc.hpp"
#include "devices/plic.hpp"
#include "devices/test_device.hpp"
#include "devices/timebase.hpp"
#include "devices/uart16550.hpp"
#include "devices/virtio/virtio_blk.hpp"
#include "devices/virtio/virtio_mmio.hpp"
#include "devices/virtio/virtio_net.hpp"
#include "devices/virtio_mmio_slot.hpp"
#include "machine/console.hpp"
#include "machine/device_tree.hpp"
#include "machine/hart_router.hpp"
#include "machine/machine_stats.hpp"
#include "machine/vm_config.hpp"
#include "mem/bus.hpp"
#include "mem/guest_ram.hpp"
#include "net/ethernet_switch.hpp"
#include "net/net_backend.hpp"

namespace rvisor::machine {

// How a VM run ended.
struct VmExit {
    enum class Kind { Poweroff, Reboot, GuestPanic, Quit, Timeout, Failure };
    Kind kind = Kind::Poweroff;
    u16 code = 0;  // the test device's failure code, for Failure
    std::string describe() const;
    // Process exit code: 0 poweroff or quit, 3 reboot, 4 guest panic, 124 timeout, and the
    // guest's code (1 when it is 0) for a test-device failure.
    int exit_code() const;
};

class SnapshotFile;  // machine/snapshot.hpp

class VirtMachine {
  public:
    // Builds the board and loads the boot images. Throws BootError/ElfError/runtime_error
    // with a one-line message naming the bad input.
    explicit VirtMachine(VmConfig config);
    ~VirtMachine();

    // The device tree for this configuration (what --dump-dtb writes).
    const std::vector<u8>& device_tree() const { return dtb_; }
    // The configuration in effect (after a restore: the snapshot's cpus, memory, devices).
    const VmConfig& config() const { return config_; }

    // Runs the harts until the guest powers off, reboots, panics, or the user quits.
    VmExit run();
    // Ends run() as if the user quit from the console (VmExit::Kind::Quit); from any thread.
    void stop() { finish({VmExit::Kind::Quit, 0}); }
    // Instructions retired by all harts (for the API's statistics): a monitoring read of
    // counters the vCPU threads keep updating, exact while the machine is paused.
    u64 instructions_retired() const {
        u64 n = 0;
        for (const auto& h : harts_) n += h->instret();
        return n;
    }

    // Instructions, touched guest RAM and per-disk/per-NIC counters (for the API): from any
    // thread, no locks; each counter is exact, the set is not one instant's.
    MachineStats stats() const;

    // ---- pause, resume and snapshots (virt_machine_snapshot.cpp) ----
    // Stops every hart at an instruction boundary (parked, no CPU use), lets the virtio
    // devices finish their requests in hand and go idle, and stops guest time. Returns when
    // the machine is quiescent. Idempotent; from any thread but a vCPU's, with or without
    // run() going (harts started later park at once).
    void pause();
    // Restarts what pause() stopped; guest time continues from where it stopped. Idempotent.
    void resume();
    bool paused() const { return paused_.load(std::memory_order_acquire); }
    // Writes the whole machine (config, harts, devices, RAM) to `file` (machine/snapshot.hpp);
    // requires paused() (std::logic_error otherwise). Throws std::runtime_error naming the
    // file when it cannot be written; the file is then left as it was.
    void save_snapshot(const std::filesystem::path& file);

  private:
    void on_power(devices::PowerRequest request);
    void on_console_output(u8 c);
    void finish(VmExit exit);
    void print_status();
    // A hart's host thread: runs it, parks it while a pause is requested.
    void hart_loop(cpu::Hart& hart);
    // Wakes parked harts so they see stopping_.
    void wake_parked_harts();
    // Ctrl-A S: pause, save to config_.snapshot_path, resume; reports on the console.
    void snapshot_from_console();
    // Restore (VmConfig::restore_from): the board's state from the snapshot file.
    void restore_state(const SnapshotFile& snapshot);

    VmConfig config_;
    std::unique_ptr<mem::GuestRam> ram_;
    std::unique_ptr<mem::Bus> bus_;
    devices::Timebase timebase_;
    std::unique_ptr<Console> console_;
    std::unique_ptr<devices::TestDevice> test_;
    std::unique_ptr<devices::Uart16550> uart_;
    std::unique_ptr<devices::Clint> clint_;
    std::unique_ptr<devices::Plic> plic_;
    std::unique_ptr<devices::GoldfishRtc> rtc_;
    std::vector<std::unique_ptr<devices::VirtioMmioSlot>> virtio_slots_;  // the empty slots
    // Disks; each transport refers to its device, so transports go first (see ~VirtMachine).
    std::vector<std::unique_ptr<devices::virtio::VirtioBlk>> virtio_blks_;
    // NICs: each is a private two-port switch joining the virtio-net device and its backend.
    struct Nic {
        std::unique_ptr<net::EthernetSwitch> link;
        std::unique_ptr<devices::virtio::VirtioNet> device;
        std::unique_ptr<net::NetBackend> backend;
    };
    std::vector<Nic> nics_;
    std::vector<std::unique_ptr<devices::virtio::VirtioMmioTransport>> virtio_transports_;
    std::vector<std::unique_ptr<cpu::BlockCompiler>> compilers_;  // per hart, with --engine jit
    std::vector<std::unique_ptr<cpu::Hart>> harts_;
    std::unique_ptr<HartRouter> router_;
    std::vector<u8> dtb_;

    std::mutex exit_mutex_;
    std::condition_variable exit_cv_;
    std::optional<VmExit> exit_;
    std::atomic<bool> stopping_{false};
    std::atomic<bool> panic_seen_{false};
    std::string console_line_;  // current output line, for panic detection
    std::chrono::steady_clock::time_point started_;

    // Pause state. Lock order: pause_mutex_ (one control operation at a time), park_mutex_.
    std::mutex pause_mutex_;
    std::mutex park_mutex_;
    std::condition_variable park_cv_;
    bool pause_requested_ = false;  // guarded by park_mutex_, as are the two counts
    unsigned harts_running_ = 0;    // hart threads inside hart_loop()
    unsigned harts_parked_ = 0;
    std::atomic<bool> paused_{false};
};

}  // namespace rvisor::machine
