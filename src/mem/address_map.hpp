// The physical memory map of the virt board, compatible with QEMU's `virt` machine so stock
// firmware and kernels run unchanged. One table indexed by an enum; the device tree and the
// machine wiring are both built from it.
#pragma once

#include <array>
#include <string_view>

#include "base/types.hpp"

namespace rvisor::mem {

enum class Region : u8 {
    Test,  // SiFive test / syscon: poweroff and reboot
    Rtc,   // Goldfish RTC
    Clint,
    Plic,
    Uart0,
    Virtio0,  // first of kVirtioSlots consecutive virtio-mmio slots
    Dram,
    Count,
};

struct RegionInfo {
    std::string_view name;
    u64 base;
    u64 size;
};

inline constexpr unsigned kVirtioSlots = 8;

inline constexpr std::array<RegionInfo, static_cast<std::size_t>(Region::Count)> kVirtMap = {{
    {"test", 0x0010'0000, 0x1000},
    {"rtc", 0x0010'1000, 0x1000},
    {"clint", 0x0200'0000, 0x1'0000},
    {"plic", 0x0c00'0000, 0x400'0000},
    {"uart0", 0x1000'0000, 0x100},
    {"virtio", 0x1000'1000, 0x1000},  // slot n at base + n * size
    {"dram", 0x8000'0000, 0},         // size comes from the VM configuration
}};

constexpr const RegionInfo& region(Region r) {
    return kVirtMap[static_cast<std::size_t>(r)];
}

}  // namespace rvisor::mem
