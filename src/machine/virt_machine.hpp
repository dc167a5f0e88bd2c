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

class VirtMachine {
  public:
    // Builds the board and loads the boot images. Throws BootError/ElfError/runtime_error
    // with a one-line message naming the bad input.
    explicit VirtMachine(VmConfig config);
    ~VirtMachine();

    // The device tree for this configuration (what --dump-dtb writes).
    const std::vector<u8>& device_tree() const { return dtb_; }

    // Runs the harts until the guest powers off, reboots, panics, or the user quits.
    VmExit run();

  private:
    void on_power(devices::PowerRequest request);
    void on_console_output(u8 c);
    void finish(VmExit exit);
    void print_status();

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
};

}  // namespace rvisor::machine
