// The flattened device tree (DTB) of the virt board, the one OpenSBI (fw_dynamic) and Linux read
// to find RAM, the harts and the devices. Its layout follows QEMU's `virt` machine, limited to
// what rvisor implements (no PCI, flash or fw-cfg), and every address in it comes from the
// memory map table mem::kVirtMap, so the tree and the machine wiring cannot disagree.
//
// build_device_tree() is a pure function of its configuration: the same config gives the same
// bytes (phandles are assigned in a fixed order, no random seed).
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "base/types.hpp"
#include "devices/timebase.hpp"
#include "mem/address_map.hpp"

namespace rvisor::machine {

// A configuration the tree cannot describe, or a libfdt failure. what() is one line.
class DeviceTreeError : public std::runtime_error {
  public:
    explicit DeviceTreeError(const std::string& what)
        : std::runtime_error("device tree: " + what) {}
};

struct DeviceTreeConfig {
    static constexpr unsigned kMaxHarts = 64;

    unsigned harts = 1;  // 1..kMaxHarts; cpu@N has reg (hart id) N
    u64 ram_base = mem::region(mem::Region::Dram).base;
    u64 ram_size = 0;                           // bytes, > 0; from the VM configuration
    std::string bootargs;                       // /chosen/bootargs, omitted when empty
    std::optional<std::pair<u64, u64>> initrd;  // [start, end) inside RAM, guest-physical
    u32 timebase_frequency = static_cast<u32>(devices::Timebase::kFrequencyHz);

    // The extensions the harts implement, lowercase, as "riscv,isa-extensions" lists them
    // (base "i" first). The legacy "riscv,isa" string is derived from this list ("rv64" + the
    // single-letter extensions in canonical order + "_"-joined multi-letter ones), so the two
    // properties cannot disagree.
    std::vector<std::string> isa_extensions = {"i", "m",      "a",     "f",        "d",
                                               "c", "zicntr", "zicsr", "zifencei", "zihintpause", "sstc"};
    std::string mmu_type = "riscv,sv57";  // the largest satp mode the MMU supports

    // PLIC sources (riscv,ndev: interrupt ids 1..plic_ndev) and the devices' lines on it.
    unsigned plic_ndev = 95;
    unsigned uart_irq = 10;
    unsigned rtc_irq = 11;
    unsigned virtio_first_irq = 1;  // virtio slot n uses virtio_first_irq + n
    bool include_virtio_slots = true;
};

// "rv64imafdc_zicntr_zicsr_zifencei_sstc" for the default list. Throws DeviceTreeError for an
// empty, malformed or duplicated extension name, an unknown single-letter one, or no "i".
std::string riscv_isa_string(const std::vector<std::string>& isa_extensions);

// The DTB (version 17, packed). Throws DeviceTreeError when `config` is invalid (harts outside
// 1..64, empty or overflowing RAM, an initrd outside RAM, an irq outside 1..plic_ndev, ...) or
// libfdt fails (the message carries fdt_strerror).
std::vector<u8> build_device_tree(const DeviceTreeConfig& config);

}  // namespace rvisor::machine
