// An empty virtio-mmio slot. The virt board has kVirtioSlots virtio-mmio transports at
// 0x10001000 + n*0x1000 (PLIC sources 1..8), listed in the device tree whether or not a device
// sits in them, as on QEMU. A slot with nothing plugged in answers the probe the way QEMU's
// hw/virtio/virtio-mmio.c does without a backend:
//
//   0x000 MagicValue  0x74726976 ("virt")
//   0x004 Version     2 (virtio 1.2 section 4.2.2: the non-legacy interface)
//   0x008 DeviceID    0: "reserved (invalid)" (virtio 1.2 section 5); Linux's virtio_mmio
//                     probe returns -ENODEV quietly for it, and no driver binds
//   0x00c VendorID    0x52535652, "RVSR" as little-endian ASCII bytes ('R','V','S','R'), the way
//                     QEMU's 0x554d4551 spells "QEMU". No driver matches on it.
//
// Every other register reads 0 and writes are ignored: with DeviceID 0 the driver never gets
// as far as features, queues or status. No interrupt is ever raised, so the slot has no IRQ
// line.
//
// Access sizes (virtio 1.2 section 4.2.2.2): "the driver MUST use only 32 bit wide and aligned
// reads and writes" for the registers (0x000..0x0ff), while the device-specific configuration
// space from 0x100 may be accessed with narrower ones. So 1..4 bytes are accepted; below 0x100
// a narrower access reads 0 and is ignored (QEMU's transport does the same, logging a guest
// error), from 0x100 any size reads 0 (an empty configuration space).
//
// Design: the register offsets below are the transport's, shared with the real transport when
// it comes (virtio-blk/net issue). That will be a separate VirtioMmioTransport hosting a
// device; this class stays as the small, stateless filler of the slots left empty, so a VM's
// unused slots cost nothing and cannot misbehave.
#pragma once

#include <string_view>

#include "base/types.hpp"
#include "mem/mmio_device.hpp"

namespace rvisor::devices {

// virtio-mmio register offsets (virtio 1.2 section 4.2.2, "MMIO Device Register Layout").
namespace virtio_mmio {
inline constexpr u64 kMagicValue = 0x000;
inline constexpr u64 kVersion = 0x004;
inline constexpr u64 kDeviceId = 0x008;
inline constexpr u64 kVendorId = 0x00c;
inline constexpr u64 kDeviceFeatures = 0x010;
inline constexpr u64 kDeviceFeaturesSel = 0x014;
inline constexpr u64 kDriverFeatures = 0x020;
inline constexpr u64 kDriverFeaturesSel = 0x024;
inline constexpr u64 kQueueSel = 0x030;
inline constexpr u64 kQueueNumMax = 0x034;
inline constexpr u64 kQueueNum = 0x038;
inline constexpr u64 kQueueReady = 0x044;
inline constexpr u64 kQueueNotify = 0x050;
inline constexpr u64 kInterruptStatus = 0x060;
inline constexpr u64 kInterruptAck = 0x064;
inline constexpr u64 kStatus = 0x070;
inline constexpr u64 kQueueDescLow = 0x080;
inline constexpr u64 kQueueDescHigh = 0x084;
inline constexpr u64 kQueueDriverLow = 0x090;
inline constexpr u64 kQueueDriverHigh = 0x094;
inline constexpr u64 kQueueDeviceLow = 0x0a0;
inline constexpr u64 kQueueDeviceHigh = 0x0a4;
inline constexpr u64 kShmSel = 0x0ac;
inline constexpr u64 kShmLenLow = 0x0b0;
inline constexpr u64 kShmLenHigh = 0x0b4;
inline constexpr u64 kShmBaseLow = 0x0b8;
inline constexpr u64 kShmBaseHigh = 0x0bc;
inline constexpr u64 kQueueReset = 0x0c0;
inline constexpr u64 kConfigGeneration = 0x0fc;
inline constexpr u64 kConfig = 0x100;  // device-specific configuration space

inline constexpr u32 kMagic = 0x7472'6976;         // "virt" in little-endian ASCII
inline constexpr u32 kVersion2 = 2;                // non-legacy (virtio 1.x) interface
inline constexpr u32 kVendorRvisor = 0x5253'5652;  // "RVSR" in little-endian ASCII
}  // namespace virtio_mmio

class VirtioMmioSlot final : public mem::MmioDevice {
  public:
    std::string_view name() const override { return "virtio-mmio"; }
    unsigned min_access_size() const override { return 1; }
    unsigned max_access_size() const override { return 4; }
    // Stateless: the values above, 0 elsewhere; writes are ignored. Never faults, so it needs
    // no lock and any number of vCPUs may access it at once.
    bool read(u64 offset, unsigned size, u64& value) override;
    bool write(u64 offset, unsigned size, u64 value) override;
};

}  // namespace rvisor::devices
